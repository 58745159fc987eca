//===- seed_conditional.cpp - if t[2] >= 2: t[i] += u[i] ------------------===//
//
// The Python loop:
//
//   t = arange(5.); u = [-1, 2, -3, 4, -5]
//   for i in range(5):
//       if t[2] >= 2.0:
//           t[i] += u[i]
//
// The condition reads t[2], which iteration 2 itself changes (2 + -3 = -1):
// iterations 0..2 see t[2] = 2 and add, iterations 3 and 4 see t[2] = -1 and
// do not. Result: t = [-1, 3, -1, 3, 4]. (The source document's vectorised
// rewrite tests the condition once, before the loop, and gets
// [-1, 3, -1, 7, -1]: not what the loop computes.)
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("seed_conditional");
  auto t = p.inout<float>("t");
  auto u = p.input<float>("u", {t.size(0)});
  loop(0, t.size(0), [&](Var i) { if_(t[2] >= 2.0f, [&] { t[i] += u[i]; }); });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  std::vector<float> tData{0, 1, 2, 3, 4}, uData{-1, 2, -3, 4, -5};
  kernel(tData, uData);
  printResult(tData);

  std::vector<float> want{0, 1, 2, 3, 4};
  for (size_t i = 0; i < 5; ++i)
    if (want[2] >= 2.0f)
      want[i] += uData[i];
  return checkAgainst(tData, want);
}
