//===- stream_compaction.cpp - keep the selected elements, in order -------===//
//
// The Python loop:
//
//   k = 0
//   for i in range(n):
//       if keep[i]:
//           out[k] = v[i]
//           k = k + 1
//   count[0] = k
//
// out[0..k) holds the kept elements of v in their order, count[0] how many.
//
// seqfuse recognises stream compaction: an exclusive scan over the counter
// (k' = keep[i] ? k + 1 : k, seen before its update) whose body writes out[k]
// under keep[i]. The writes cannot collide: k grows by one exactly when
// out[k] is written, so a parallel lowering may compute every k first (an
// exclusive prefix sum of keep) and then scatter.
//
// DSL points:
//  * k is an Index state, so it can index a tensor directly; cast<int64_t>
//    stores it into an int64_t tensor after the loop (a statement outside
//    any loop runs once).
//  * output() tensors are not cleared: the kernel writes only the elements
//    the program writes, and the others keep the caller's contents (here the
//    -1 fill values after the kept elements). output() and inout() behave
//    alike at run time; output() says the caller's values are not used.
//  * out[k] is checked at run time (k is not provably below n): an index out
//    of range raises seqfuse::IndexError instead of writing out of bounds.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

#include <array>
#include <span>

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("stream_compaction");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto keep = p.input<bool>("keep", {n});
  auto out = p.output<float>("out", {n});
  auto count = p.output<int64_t>("count", {1});
  auto k = p.state<Index>("k", 0);
  loop(0, n, [&](Var i) {
    if_(keep[i], [&] {
      out[k] = v[i];
      k += 1;
    });
  });
  count[0] = cast<int64_t>(k);

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // Keeps the first and the last element, a run of three, and 0 and -0 values.
  std::vector<float> vData{5, 1, -2, 0, 7, 3, -0.0f, 4, 9, -6, 8, 2, 1.5f, -1, 11, 10};
  const std::array<bool, 16> keepData{true,  false, true,  true,  false, false,
                                      true,  true,  true,  false, false, true,
                                      false, false, false, true};
  std::vector<float> outData(vData.size(), -1.0f); // fill values the loop leaves alone
  std::vector<int64_t> countData{-1};
  kernel(vData, std::span(keepData), outData, countData);
  printResult("out", outData);
  printResult("count", countData);

  std::vector<float> want(vData.size(), -1.0f);
  int64_t kept = 0;
  for (size_t i = 0; i < vData.size(); ++i)
    if (keepData[i])
      want[kept++] = vData[i];
  return checkAgainst("out", outData, want) |
         checkAgainst("count", countData, std::vector<int64_t>{kept});
}
