//===- histogram.cpp - weighted histogram: h[bin[i]] += w[i] --------------===//
//
// The Python loop:
//
//   for i in range(n):
//       h[bin[i]] += w[i]
//
// h[b] grows by the sum of the weights of the elements that fall in bin b.
//
// seqfuse recognises a histogram (`scatter_combine`, operator add): every
// iteration combines its value into one element chosen at run time, with an
// associative and commutative operator, and h is not otherwise read in the
// loop, so iterations may run in any order as long as each update is
// atomic. minWith/maxWith (h[bin[i]].maxWith(w[i])) are histograms too;
// plain `h[bin[i]] = w[i]` is a last-writer-wins scatter instead.
//
// h is inout: the loop adds to what the caller passes (here zeros). Each
// bin[i] is checked at run time: one outside 0..4 raises seqfuse::IndexError
// naming h, the index and this file's line; nothing is written out of bounds.
// Float + is associative only up to rounding: the report says that a
// parallel lowering may reassociate it (Options{.strictFP = true} forbids
// it); today's lowering runs in the loop's order, so the result is exact.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("histogram");
  auto h = p.inout<float>("h");
  auto bin = p.input<int32_t>("bin");
  auto w = p.input<float>("w", {bin.size(0)});
  loop(0, bin.size(0), [&](Var i) { h[bin[i]] += w[i]; });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // Five bins; bin 3 receives nothing, bin 0 gets a negative weight, bin 4
  // only its first and last elements.
  std::vector<int32_t> binData{4, 0, 1, 1, 2, 0, 2, 2, 1, 0, 2, 1, 0, 2, 1, 4};
  std::vector<float> wData{1, 2, 0.5f, 1, 3, -1, 0.25f, 1, 2, 4, 0, 1.5f, 0.5f, 2, 1, 7};
  std::vector<float> hData(5, 0.0f);
  kernel(hData, binData, wData);
  printResult(hData);

  std::vector<float> want(5, 0.0f);
  for (size_t i = 0; i < binData.size(); ++i)
    want[binData[i]] += wData[i];
  return checkAgainst(hData, want);
}
