//===- dlpack.h - pass DLPack tensors to seqfuse kernels --------*- C++ -*-===//
//
// Include after <dlpack/dlpack.h> (or instead of it: this header includes it)
// to call kernels with DLPack tensors, the exchange format of NumPy, CuPy,
// JAX, TensorFlow, PyTorch and others. No copy is made: the kernel reads and
// writes the tensor's memory.
//
// ```cpp
// #include <seqfuse/dlpack.h>
// #include <seqfuse/seqfuse.h>
// using namespace seqfuse;
// void addInto(DLTensor &t, DLTensor &u) {
//   Program p("add_into");
//   auto dt = p.inout<float>("t");
//   auto du = p.input<float>("u", {dt.size(0)});
//   loop(0, dt.size(0), [&](Var i) { dt[i] += du[i]; });
//   compile(p)(t, u); // DLTensor &, DLManagedTensor * or const DLTensor &
// }
// ```
//
// A tensor is passed as it is when it lives in host memory (kDLCPU, or
// kDLCUDAHost: pinned), holds float32/float64/int32/int64/bool with one lane,
// has rank <= 8, is row-major contiguous (strides null or compact; strides of
// extent-1 dimensions are ignored) and its data is aligned to its element
// size. Anything else is refused: the call throws seqfuse::ArgumentError
// naming the argument and what is wrong, and nothing is read or written.
// uint8 is refused too, even though DLPack < 0.8 exporters (PyTorch 1.13
// among them) export bool tensors as uint8: seqfuse's bool must hold 0 or 1,
// which uint8 data does not promise. A tensor flagged read-only
// (DLManagedTensorVersioned, DLPack >= 1.0) may only be passed as an input.
//
// The caller keeps ownership: seqfuse never calls a DLManagedTensor's
// deleter.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DLPACK_H
#define SEQFUSE_DLPACK_H

#include "seqfuse/runtime/Kernel.h"

#include <dlpack/dlpack.h>

#include <cstdint>
#include <string>

namespace seqfuse {
namespace detail {

inline std::string dlpackDeviceName(DLDevice d) {
  std::string kind;
  switch (static_cast<int>(d.device_type)) {
  case kDLCPU:
    kind = "cpu";
    break;
  case kDLCUDA:
    kind = "cuda";
    break;
  case kDLCUDAHost:
    kind = "cuda_host";
    break;
  case kDLOpenCL:
    kind = "opencl";
    break;
  case kDLVulkan:
    kind = "vulkan";
    break;
  case kDLMetal:
    kind = "metal";
    break;
  case kDLROCM:
    kind = "rocm";
    break;
  default:
    kind = "device type " + std::to_string(static_cast<int>(d.device_type));
    break;
  }
  return kind + ":" + std::to_string(d.device_id);
}

inline std::string dlpackTypeName(DLDataType t) {
  std::string code;
  switch (t.code) {
  case kDLInt:
    code = "int";
    break;
  case kDLUInt:
    code = "uint";
    break;
  case kDLFloat:
    code = "float";
    break;
  case kDLBfloat:
    code = "bfloat";
    break;
  default:
    code = t.code == 6 ? "bool" : "type code " + std::to_string(static_cast<int>(t.code));
    break;
  }
  std::string s = code + std::to_string(static_cast<int>(t.bits));
  if (t.lanes != 1)
    s += "x" + std::to_string(static_cast<int>(t.lanes));
  return s;
}

inline std::string dlpackShape(const int64_t *v, int32_t n) {
  std::string s = "[";
  for (int32_t d = 0; d < n; ++d)
    s += (d ? ", " : "") + std::to_string(v[d]);
  return s + "]";
}

/// The Arg for a DLTensor, or Arg::refused with the reason.
inline Arg dlpackArg(const DLTensor &t) {
  const std::string what = "DLPack tensor";
  int dev = static_cast<int>(t.device.device_type);
  if (dev != kDLCPU && dev != kDLCUDAHost)
    return Arg::refused(what + " on " + dlpackDeviceName(t.device) +
                        "; the CPU target needs host memory (kDLCPU or kDLCUDAHost)");
  // kDLBool is 6 from DLPack 0.8 on; 0.6 headers do not name it.
  constexpr uint8_t kBool = 6;
  DType type;
  DLDataType dt = t.dtype;
  if (dt.lanes != 1)
    return Arg::refused(what + " of " + dlpackTypeName(dt) +
                        ": vector lanes are not supported (one lane per element)");
  if (dt.code == kDLFloat && dt.bits == 32)
    type = DType::F32;
  else if (dt.code == kDLFloat && dt.bits == 64)
    type = DType::F64;
  else if (dt.code == kDLInt && dt.bits == 32)
    type = DType::I32;
  else if (dt.code == kDLInt && dt.bits == 64)
    type = DType::I64;
  else if (dt.code == kBool && dt.bits == 8)
    type = DType::Bool;
  else
    return Arg::refused(what + " of element type " + dlpackTypeName(dt) +
                        "; seqfuse takes float32, float64, int32, int64 and bool" +
                        (dt.code == kDLUInt && dt.bits == 8
                             ? " (uint8 is not taken as bool: convert it to bool first)"
                             : ""));
  if (t.ndim < 0 || t.ndim > Arg::kMaxRank)
    return Arg::refused(what + " of rank " + std::to_string(t.ndim) + " (at most " +
                        std::to_string(Arg::kMaxRank) + ")");
  if (t.ndim > 0 && !t.shape)
    return Arg::refused(what + " with a null shape");
  int64_t elems = 1;
  for (int32_t d = 0; d < t.ndim; ++d)
    elems *= t.shape[d] < 0 ? 0 : t.shape[d];
  if (t.strides && elems > 0) {
    int64_t expect = 1;
    for (int32_t d = t.ndim - 1; d >= 0; --d) {
      if (t.shape[d] != 1 && t.strides[d] != expect)
        return Arg::refused(what + " of shape " + dlpackShape(t.shape, t.ndim) +
                            " with strides " + dlpackShape(t.strides, t.ndim) +
                            " (in elements) is not row-major contiguous; make a "
                            "contiguous copy first (and copy an output back)");
      expect *= t.shape[d];
    }
  }
  char *data = static_cast<char *>(t.data);
  if (data)
    data += t.byte_offset;
  size_t bytes = dtypeBytes(type);
  if (reinterpret_cast<uintptr_t>(data) % bytes != 0)
    return Arg::refused(
        what + " whose data (" + std::to_string(reinterpret_cast<uintptr_t>(data)) +
        ") is not aligned to its " + std::to_string(bytes) + "-byte elements");
  std::span<const int64_t> shape(t.shape, static_cast<size_t>(t.ndim));
  switch (type) {
  case DType::F32:
    return Arg(reinterpret_cast<float *>(data), shape);
  case DType::F64:
    return Arg(reinterpret_cast<double *>(data), shape);
  case DType::I32:
    return Arg(reinterpret_cast<int32_t *>(data), shape);
  case DType::I64:
    return Arg(reinterpret_cast<int64_t *>(data), shape);
  case DType::Bool:
    return Arg(reinterpret_cast<bool *>(data), shape);
  default:
    return Arg::refused(what + " of an unknown element type");
  }
}

} // namespace detail

template <> struct ArgAdapter<DLTensor> {
  static Arg convert(const DLTensor &t) { return detail::dlpackArg(t); }
};
template <> struct ArgAdapter<DLManagedTensor *> {
  static Arg convert(DLManagedTensor *const &t) {
    if (!t)
      return Arg::refused("null DLManagedTensor pointer");
    return detail::dlpackArg(t->dl_tensor);
  }
};
#ifdef DLPACK_FLAG_BITMASK_READ_ONLY
template <> struct ArgAdapter<DLManagedTensorVersioned *> {
  static Arg convert(DLManagedTensorVersioned *const &t) {
    if (!t)
      return Arg::refused("null DLManagedTensorVersioned pointer");
    Arg a = detail::dlpackArg(t->dl_tensor);
    if ((t->flags & DLPACK_FLAG_BITMASK_READ_ONLY) && !a.refusal())
      a.readOnly("the DLPack tensor is flagged read-only");
    return a;
  }
};
#endif

} // namespace seqfuse

#endif // SEQFUSE_DLPACK_H
