//===- segmented_scan.cpp - a running sum that restarts where a flag is set ===//
//
// The Python loop:
//
//   s = 0
//   for i in range(n):
//       if start[i]:
//           s = v[i]          # a new segment starts here
//       else:
//           s = s + v[i]
//       out[i] = s
//
// out[i] is the sum of v over the segment holding i, up to i; segments start
// at each i where start[i] is true (and at 0).
//
// seqfuse recognises a segmented scan (kind `segmented_add`): the scan's
// accumulator is the pair (restarted, sum), combined as (f1, a1) then
// (f2, a2) = (f1 | f2, f2 ? a2 : a1 + a2), which is associative, so segments
// need not be known in advance. `s = select(start[i], v[i], s + v[i])` is the
// same loop and is recognised the same way. (With integer elements the same
// loop is an `affine` scan, s = a*s + v[i] with a = 0 at a reset; for floats
// 0*s is not always 0, so seqfuse keeps the flag instead.)
//
// bool tensors cannot be passed as std::vector<bool> (it is bit-packed); this
// example passes a std::array<bool, N> as a std::span.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

#include <array>
#include <span>

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("segmented_scan");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto start = p.input<bool>("start", {n});
  auto out = p.output<float>("out", {n});
  auto s = p.state<float>("s", 0.0f);
  loop(0, n, [&](Var i) {
    if_(start[i], [&] { s = v[i]; }).else_([&] { s = s + v[i]; });
    out[i] = s;
  });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // Flags at the first element, on two neighbours (a segment of length 1) and
  // on the last element; negative values, zeros and fractions.
  std::vector<float> vData{1, 2, 3, 4, -1, 0.5f, 0, 2, 7, -3, 1, 1, 1, 1, 0.25f, 9};
  const std::array<bool, 16> startData{true,  false, false, true,  false, false,
                                       false, true,  true,  false, false, false,
                                       false, false, false, true};
  std::vector<float> outData(vData.size());
  kernel(vData, std::span(startData), outData);
  printResult(outData);

  std::vector<float> want(vData.size());
  float acc = 0.0f;
  for (size_t i = 0; i < vData.size(); ++i) {
    acc = startData[i] ? vData[i] : acc + vData[i];
    want[i] = acc;
  }
  return checkAgainst(outData, want);
}
