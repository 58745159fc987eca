//===- torch_running_update.cpp - the README's running update on tensors --===//
//
// The loop a PyTorch user writes in Python, element by element (about 2 µs an
// element there):
//
//   acc = 0
//   for i in range(n):
//       acc += v[i]
//       if acc > 10: acc = 0
//       out[i] = acc
//
// torch has no op for it (cumsum cannot reset), so it usually stays a Python
// loop. Here the same loop is written once in seqfuse's DSL and called on
// torch::Tensor arguments directly (seqfuse/torch.h): no copies, the kernel
// writes `out`'s storage. seqfuse keeps this loop sequential and says why:
// whether it resets depends on the running value itself, so it is not a
// scan (a reset driven by a flag, as in examples/segmented_scan.cpp, is). It
// still runs as compiled code, not as a Python loop.
//
// Tensors are checked like any other argument: dtype, shape, device, and
// layout (a non-contiguous view is refused with an error naming the argument,
// never read through the wrong strides).
//
// Built with g++ (libtorch 1.13's headers do not compile with clang 22), by
// the install test against an installed seqfuse: tests/install/check.sh.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

#include <seqfuse/torch.h>
#include <torch/torch.h>

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("torch_running_update");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    acc += v[i];
    if_(acc > 10.0f, [&] { acc = 0.0f; });
    out[i] = acc;
  });
  Kernel kernel = compile(p, targetFromArgs(argc, argv));

  torch::Tensor tv = torch::tensor({4.f, 5.f, 6.f, 7.f, 1.f, 2.f, 9.f, 0.5f, -3.f, 8.f});
  torch::Tensor tout = torch::empty_like(tv);
  kernel(tv, tout); // torch::Tensor in, torch::Tensor out
  std::vector<float> got(tout.data_ptr<float>(), tout.data_ptr<float>() + tout.numel());
  printResult(got);
  printReport(kernel);

  // A view that is not contiguous is refused, naming the argument.
  torch::Tensor every2nd = torch::arange(20, torch::kFloat32).slice(0, 0, 20, 2);
  bool refused = false;
  try {
    kernel(every2nd, tout);
  } catch (const ArgumentError &e) {
    std::printf("refused as expected: %s\n", e.what());
    refused = true;
  }
  if (!refused)
    return 1;

  // The same loop in plain C++, for comparison.
  std::vector<float> want(got.size());
  float a = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    a += tv[i].item<float>();
    if (a > 10.0f)
      a = 0.0f;
    want[i] = a;
  }
  return checkAgainst(got, want);
}
