//===- selective_scan.cpp - a batched selective scan (Mamba style) --------===//
//
// The Python loop, shapes x, delta, y: (B, D, L); A: (D,); Bm, Cm: (B, L):
//
//   for b in range(B):
//       for d in range(D):
//           h = 0
//           for l in range(L):
//               dt = delta[b, d, l]
//               h = exp(dt * A[d]) * h + dt * Bm[b, l] * x[b, d, l]
//               y[b, d, l] = h * Cm[b, l]
//
// Each (b, d) channel runs a linear state-space recurrence along the sequence
// axis l: the state h decays by exp(dt * A[d]) (A < 0, so by a factor in
// (0, 1]) and takes in dt * Bm * x; the output reads it through Cm. The step
// size dt depends on the input ("selective"): dt = 0 leaves h unchanged and
// ignores that x. (Mamba's state has an extra axis N, with A: (D, N) and
// Bm, Cm: (B, L, N); here N = 1.)
//
// seqfuse recognises the nest as two maps (every (b, d) channel is
// independent) holding an inclusive scan of kind `affine` along l:
// h = a(l)*h + c(l) with a, c free of h, combined as (A, C) then (a, c) =
// (a*A, a*C + c). So a parallel lowering may run the channels in parallel
// and split each sequence into chunks.
//
// DSL points: the state h is declared inside the d loop's body, so it is
// re-initialised to 0 for every channel; a rank-3 tensor is indexed as
// x(b, d, l) and passed as a seqfuse::View (pointer and shape). exp calls the
// C library's expf on the JIT and the interpreter alike, as std::exp does
// below, so the results are bit-identical.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

#include <cmath>

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("selective_scan");
  auto batch = p.dim("batch");
  auto dim = p.dim("dim");
  auto len = p.dim("len");
  auto x = p.input<float, 3>("x", {batch, dim, len});
  auto delta = p.input<float, 3>("delta", {batch, dim, len});
  auto A = p.input<float>("A", {dim});
  auto Bm = p.input<float, 2>("Bm", {batch, len});
  auto Cm = p.input<float, 2>("Cm", {batch, len});
  auto y = p.output<float, 3>("y", {batch, dim, len});
  loop(0, batch, [&](Var b) {
    loop(0, dim, [&](Var d) {
      auto h = p.state<float>("h", 0.0f);
      loop(0, len, [&](Var l) {
        h = exp(delta(b, d, l) * A[d]) * h + delta(b, d, l) * Bm(b, l) * x(b, d, l);
        y(b, d, l) = h * Cm(b, l);
      });
    });
  });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // B = 2, D = 3, L = 8, deterministic values: x in -1.25..1.25 with zeros,
  // delta in 0..0.6 (with some 0: skipped steps), A = -0.5, -1, -2.
  const int64_t nB = 2, nD = 3, nL = 8;
  std::vector<float> xData(nB * nD * nL), deltaData(nB * nD * nL);
  std::vector<float> aData{-0.5f, -1.0f, -2.0f}, bData(nB * nL), cData(nB * nL);
  for (int64_t b = 0; b < nB; ++b)
    for (int64_t l = 0; l < nL; ++l) {
      bData[b * nL + l] = 0.5f + 0.125f * static_cast<float>((b + 3 * l) % 5);
      cData[b * nL + l] = 1.0f - 0.25f * static_cast<float>((2 * b + l) % 4);
      for (int64_t d = 0; d < nD; ++d) {
        int64_t at = (b * nD + d) * nL + l;
        xData[at] = 0.25f * static_cast<float>((7 * b + 3 * d + 5 * l) % 11 - 5);
        deltaData[at] = 0.1f * static_cast<float>((b + 2 * d + 3 * l) % 7);
      }
    }
  std::vector<float> yData(nB * nD * nL);
  kernel(View<float>{xData.data(), {nB, nD, nL}},
         View<float>{deltaData.data(), {nB, nD, nL}}, aData,
         View<float>{bData.data(), {nB, nL}}, View<float>{cData.data(), {nB, nL}},
         View<float>{yData.data(), {nB, nD, nL}});
  for (int64_t b = 0; b < nB; ++b)
    for (int64_t d = 0; d < nD; ++d) {
      std::printf("y[%lld, %lld, :]: ", static_cast<long long>(b),
                  static_cast<long long>(d));
      printValues(yData.data() + (b * nD + d) * nL, nL);
      std::printf("\n");
    }

  std::vector<float> want(nB * nD * nL);
  for (int64_t b = 0; b < nB; ++b)
    for (int64_t d = 0; d < nD; ++d) {
      float h = 0.0f;
      for (int64_t l = 0; l < nL; ++l) {
        int64_t at = (b * nD + d) * nL + l;
        float dt = deltaData[at];
        h = std::exp(dt * aData[d]) * h + dt * bData[b * nL + l] * xData[at];
        want[at] = h * cData[b * nL + l];
      }
    }
  return checkAgainst("y", yData, want);
}
