//===- torch.h - pass torch::Tensor to seqfuse kernels ----------*- C++ -*-===//
//
// Include to call kernels with torch::Tensor (at::Tensor) arguments. No copy
// is made: the kernel reads and writes the tensor's storage, so an output
// tensor holds the result after the call.
//
// ```cpp
// #include <seqfuse/seqfuse.h>
// #include <seqfuse/torch.h>
// #include <torch/torch.h>
// using namespace seqfuse;
// int main() {
//   Program p("scale_into");
//   auto out = p.output<float>("out");
//   auto v = p.input<float>("v", {out.size(0)});
//   loop(0, out.size(0), [&](Var i) { out[i] = v[i] * 2.0f; });
//   torch::Tensor tv = torch::arange(5, torch::kFloat32);
//   torch::Tensor tout = torch::empty({5});
//   compile(p)(tout, tv); // tout = [0, 2, 4, 6, 8]
//   return tout[4].item<float>() == 8.0f ? 0 : 1;
// }
// ```
//
// A tensor is passed as it is when it is defined, on the CPU, strided (not
// sparse), of dtype float32, float64, int32, int64 or bool, of rank <= 8, and
// contiguous (t.is_contiguous(): a transposed or sliced view is not; pass
// t.contiguous(), a copy, and for an output copy the result back). Anything
// else is refused: the call throws seqfuse::ArgumentError naming the argument
// and what is wrong, and nothing is read or written. A tensor that requires
// grad may be an input but not an output (writing it would bypass autograd,
// as torch refuses in-place writes to such leaves); pass t.detach().
//
// libtorch 1.13's headers compile with g++ 12 in C++20 but not with clang 22;
// build code that includes this header with g++.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_TORCH_H
#define SEQFUSE_TORCH_H

#include "seqfuse/runtime/Kernel.h"

#include <ATen/ATen.h>

#include <sstream>
#include <string>

namespace seqfuse {
namespace detail {

inline std::string torchShape(c10::IntArrayRef v) {
  std::string s = "[";
  for (size_t d = 0; d < v.size(); ++d)
    s += (d ? ", " : "") + std::to_string(v[d]);
  return s + "]";
}

/// The Arg for a torch tensor, or Arg::refused with the reason.
inline Arg torchArg(const at::Tensor &t) {
  if (!t.defined())
    return Arg::refused("undefined torch::Tensor");
  std::string what = "torch::Tensor of dtype " +
                     std::string(c10::toString(t.scalar_type())) + " and shape " +
                     torchShape(t.sizes());
  if (!t.device().is_cpu())
    return Arg::refused(what + " on " + t.device().str() +
                        "; the CPU target needs CPU tensors (t.cpu())");
  if (t.layout() != c10::kStrided)
    return Arg::refused(what + " with a non-strided layout (sparse or mkldnn); pass "
                               "t.to_dense()");
  if (t.is_neg() || t.is_conj())
    return Arg::refused(what + " with a lazy negation or conjugation bit; pass "
                               "t.resolve_neg() / t.resolve_conj()");
  if (t.dim() > Arg::kMaxRank)
    return Arg::refused(what + ": rank " + std::to_string(t.dim()) + " (at most " +
                        std::to_string(Arg::kMaxRank) + ")");
  if (!t.is_contiguous())
    return Arg::refused(what + " and strides " + torchShape(t.strides()) +
                        " is not contiguous; pass t.contiguous() (a copy; copy an "
                        "output back after the call)");
  std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
  std::span<const int64_t> s(shape);
  Arg a = [&] {
    switch (t.scalar_type()) {
    case at::kFloat:
      return Arg(static_cast<float *>(t.data_ptr()), s);
    case at::kDouble:
      return Arg(static_cast<double *>(t.data_ptr()), s);
    case at::kInt:
      return Arg(static_cast<int32_t *>(t.data_ptr()), s);
    case at::kLong:
      return Arg(static_cast<int64_t *>(t.data_ptr()), s);
    case at::kBool:
      return Arg(static_cast<bool *>(t.data_ptr()), s);
    default:
      return Arg::refused(what + ": seqfuse takes float32, float64, int32, int64 and "
                                 "bool tensors; convert with t.to(...)");
    }
  }();
  if (!a.refusal() && t.requires_grad())
    a.readOnly("it requires grad (writing it would bypass autograd); pass t.detach()");
  return a;
}

} // namespace detail

template <> struct ArgAdapter<at::Tensor> {
  static Arg convert(const at::Tensor &t) { return detail::torchArg(t); }
};

} // namespace seqfuse

#endif // SEQFUSE_TORCH_H
