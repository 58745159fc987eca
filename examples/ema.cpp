//===- ema.cpp - exponential moving average: x = x + a*(v[i] - x) ---------===//
//
// The Python loop:
//
//   x = 0
//   for i in range(n):
//       x = x + alpha * (v[i] - x)    # move a fraction alpha towards v[i]
//       out[i] = x
//
// out[i] is the exponentially weighted average of v[0..i] (weights
// alpha * (1 - alpha)^k for the value k steps back), starting from x = 0.
//
// seqfuse recognises this as an inclusive scan of kind `linear`: the update is
// not written as `a*x + b`, but it is linear in x, so each step is the map
// x -> m*x + c with m = 1 - alpha, c = alpha*v[i] (maps compose, so the scan
// can be split into chunks). The step still evaluates the loop's own
// expression, so the result is bit for bit the loop's. Written as
// `x = (1 - alpha)*x + alpha*v[i]` it is an `affine` scan instead (and, in
// floating point, a different program: it rounds differently).
//
// alpha is a scalar parameter (p.param), passed at call time in declaration
// order, after the tensors declared before it.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("ema");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto alpha = p.param<float>("alpha");
  auto out = p.output<float>("out", {n});
  auto x = p.state<float>("x", 0.0f);
  loop(0, n, [&](Var i) {
    x = x + alpha * (v[i] - x);
    out[i] = x;
  });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // A step up to 10, a spike, a step down below zero, and back to 0.
  std::vector<float> vData{0, 0, 10, 10, 10, 10, 100, 10, 10, -5, -5, -5, 0, 0, 0, 0};
  const float a = 0.25f;
  std::vector<float> outData(vData.size());
  kernel(vData, a, outData);
  printResult(outData);

  std::vector<float> want(vData.size());
  float xs = 0.0f;
  for (size_t i = 0; i < vData.size(); ++i) {
    xs = xs + a * (vData[i] - xs);
    want[i] = xs;
  }
  return checkAgainst(outData, want);
}
