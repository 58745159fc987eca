//===- seed_accumulate.cpp - t[i] += u[i] ---------------------------------===//
//
// The Python loop:
//
//   t = zeros(5); u = [1, 2, 3, 4, 5]
//   for i in range(5):
//       t[i] += u[i]
//
// Each iteration adds one element: the result is t = u = [1, 2, 3, 4, 5].
// (The source document rewrote this as a cumulative sum; that is a different
// program. seqfuse computes what the loop computes.)
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

using namespace seqfuse;

int main(int argc, char **argv) {
  // 1. Write the loop in the DSL. Nothing runs yet: this records a program.
  Program p("seed_accumulate");
  auto t = p.inout<float>("t");
  auto u = p.input<float>("u", {t.size(0)}); // same length as t, checked per call
  loop(0, t.size(0), [&](Var i) { t[i] += u[i]; });

  // 2. Compile it (LLVM JIT by default) and run it on ordinary vectors.
  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  std::vector<float> tData(5, 0.0f), uData{1, 2, 3, 4, 5};
  kernel(tData, uData);
  printResult(tData);

  // 3. The same loop in plain C++, for comparison.
  std::vector<float> want(5, 0.0f);
  for (size_t i = 0; i < 5; ++i)
    want[i] += uData[i];
  return checkAgainst(tData, want);
}
