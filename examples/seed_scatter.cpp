//===- seed_scatter.cpp - t[idx[i]] = m[i] --------------------------------===//
//
// The Python loop:
//
//   t = zeros(5); idx = [0, 2, 4]; m = [3, -1, 2]
//   for i in range(3):
//       t[idx[i]] = m[i]
//
// Result: t = [3, 0, -1, 0, 2]. An index outside t raises seqfuse::IndexError
// naming t, the index and this file's line, and nothing is written out of
// bounds.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("seed_scatter");
  auto t = p.inout<float>("t");
  auto idx = p.input<int64_t>("idx");
  auto m = p.input<float>("m", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = m[i]; });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  std::vector<float> tData(5, 0.0f), mData{3, -1, 2};
  std::vector<int64_t> idxData{0, 2, 4};
  kernel(tData, idxData, mData);
  printResult(tData);

  std::vector<float> want(5, 0.0f);
  for (size_t i = 0; i < idxData.size(); ++i)
    want[idxData[i]] = mData[i];
  return checkAgainst(tData, want);
}
