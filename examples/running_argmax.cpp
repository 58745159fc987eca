//===- running_argmax.cpp - running maximum and where it occurred ---------===//
//
// The Python loop:
//
//   best = -inf; at = -1
//   for i in range(n):
//       if v[i] > best:       # strictly greater: the first of equal values wins
//           best = v[i]
//           at = i
//       runMax[i] = best
//       runAt[i] = at
//
// runMax[i] is max(v[0..i]) and runAt[i] the first index where it occurs.
//
// seqfuse recognises an argmax scan: the key `best` and its payload `at` are
// selected together by the loop's own comparison, (key, payload) then
// (v, w) = v > key ? (v, w) : (key, payload), which is associative. With `>`
// the first index wins on ties (kind `argmax`); `>=` would let the last one
// win (kind `argmax_last`). Any number of payload states may follow the key.
//
// `at` is an Index state (the loop variable's type); cast<int64_t> turns it
// into an element that an int64_t tensor can hold.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

#include <limits>

using namespace seqfuse;

int main(int argc, char **argv) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  Program p("running_argmax");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto runMax = p.output<float>("runMax", {n});
  auto runAt = p.output<int64_t>("runAt", {n});
  auto best = p.state<float>("best", -inf);
  auto at = p.state<Index>("at", -1);
  loop(0, n, [&](Var i) {
    if_(v[i] > best, [&] {
      best = v[i];
      at = i;
    });
    runMax[i] = best;
    runAt[i] = cast<int64_t>(at);
  });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // Starts below zero, has ties (3 at 3 and 5, 8 at 8 and 12) and ends on a
  // value below the maximum.
  std::vector<float> vData{-4, -7, -1, 3, 2, 3, 0, 5, 8, -2, 7.5f, 1, 8, 6, 8.25f, 4};
  std::vector<float> maxData(vData.size());
  std::vector<int64_t> atData(vData.size());
  kernel(vData, maxData, atData);
  printResult("runMax", maxData);
  printResult("runAt", atData);

  std::vector<float> wantMax(vData.size());
  std::vector<int64_t> wantAt(vData.size());
  float b = -inf;
  int64_t where = -1;
  for (size_t i = 0; i < vData.size(); ++i) {
    if (vData[i] > b) {
      b = vData[i];
      where = static_cast<int64_t>(i);
    }
    wantMax[i] = b;
    wantAt[i] = where;
  }
  return checkAgainst("runMax", maxData, wantMax) | checkAgainst("runAt", atData, wantAt);
}
