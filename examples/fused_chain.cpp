//===- fused_chain.cpp - four passes over the same range run as one loop --===//
//
// Running mean and variance, written pass by pass as array code often is
// (cumsum, cumsum of squares, then two elementwise steps):
//
//   s = 0; q = 0
//   for i in range(n): s += v[i];        sum[i] = s           # scan
//   for i in range(n): q += v[i] * v[i]; sumSq[i] = q         # scan
//   for i in range(n): mean[i] = sum[i] / (i + 1)             # map
//   for i in range(n): var[i] = sumSq[i] / (i + 1) - mean[i] * mean[i]  # map
//
// mean[i] and var[i] are the mean and the (population) variance of v[0..i].
//
// seqfuse raises each loop on its own (scan, scan, map, map), then fuses the
// four into one scan loop (a `fused` remark): each reads the others' arrays
// only at its own element i, and nothing in them can raise, so running
// iteration i of all four before iteration i + 1 gives the same result as
// running the passes one after the other. The two scans become one scan with
// two accumulators (kind "add,add"), the maps join its body in program order;
// the fused stage (kernel.ir(Stage::Fused), or SEQFUSE_DUMP_IR=1) shows the
// one loop.
//
// What does not fuse: a scan whose element reads what the loop before it
// writes, e.g. `scaled[i] = 2 * v[i]` then `acc += scaled[i]` (a fold's
// elements are evaluated before the bodies), loops over different ranges,
// an access at another element (`a[i + 1]`), or a statement that can raise.
//
// DSL points: the program has no local arrays, so the intermediates sum and
// sumSq are output() tensors the caller provides. cast<float>(i + 1) converts
// the Index loop variable; mixing types without a cast does not compile.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("fused_chain");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto sum = p.output<float>("sum", {n});
  auto sumSq = p.output<float>("sumSq", {n});
  auto mean = p.output<float>("mean", {n});
  auto var = p.output<float>("var", {n});
  auto s = p.state<float>("s", 0.0f);
  auto q = p.state<float>("q", 0.0f);
  loop(0, n, [&](Var i) {
    s += v[i];
    sum[i] = s;
  });
  loop(0, n, [&](Var i) {
    q += v[i] * v[i];
    sumSq[i] = q;
  });
  loop(0, n, [&](Var i) { mean[i] = sum[i] / cast<float>(i + 1); });
  loop(0, n, [&](Var i) { var[i] = sumSq[i] / cast<float>(i + 1) - mean[i] * mean[i]; });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // Constant at first (variance 0), then a jump, negative values and a
  // return towards the start.
  std::vector<float> vData{2, 2, 2, 2, 6, 6, -4, 0, 1, 3, 8, -2, 2, 2, 5, -1};
  const size_t len = vData.size();
  std::vector<float> sumData(len), sumSqData(len), meanData(len), varData(len);
  kernel(vData, sumData, sumSqData, meanData, varData);
  printResult("mean", meanData);
  printResult("var", varData);

  std::vector<float> wantSum(len), wantSumSq(len), wantMean(len), wantVar(len);
  float ws = 0.0f, wq = 0.0f;
  for (size_t i = 0; i < len; ++i) {
    ws += vData[i];
    wantSum[i] = ws;
  }
  for (size_t i = 0; i < len; ++i) {
    wq += vData[i] * vData[i];
    wantSumSq[i] = wq;
  }
  for (size_t i = 0; i < len; ++i)
    wantMean[i] = wantSum[i] / static_cast<float>(i + 1);
  for (size_t i = 0; i < len; ++i)
    wantVar[i] = wantSumSq[i] / static_cast<float>(i + 1) - wantMean[i] * wantMean[i];
  return checkAgainst("sum", sumData, wantSum) |
         checkAgainst("sumSq", sumSqData, wantSumSq) |
         checkAgainst("mean", meanData, wantMean) | checkAgainst("var", varData, wantVar);
}
