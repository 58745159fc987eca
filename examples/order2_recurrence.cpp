//===- order2_recurrence.cpp - x[i] = a*x[i-1] + b*x[i-2] + u[i] ----------===//
//
// The Python loop, written twice: once in memory, once with two states.
//
//   for i in range(2, n):                  # x[0], x[1] given
//       x[i] = a * x[i-1] + b * x[i-2] + u[i]
//
//   y[0] = x[0]; y[1] = x[1]
//   x1 = x[1]; x2 = x[0]                   # x[i-1] and x[i-2]
//   for i in range(2, n):
//       old = x1                           # keep x[i-1]: x1 is about to change
//       x1 = a * x1 + b * x2 + u[i]
//       x2 = old
//       y[i] = x1
//
// Both compute the same order-2 linear recurrence (a damped oscillator driven
// by u; a = b = 1, u = 0 would be Fibonacci), so y equals x.
//
// seqfuse recognises both as scans of kind `linear`: the first carries
// x[i-1] and x[i-2] as a shift register of two states; in the second, the
// states x1, x2 (and the copy `old`) are updated linearly from each other.
// Each step is the 2x2 companion matrix [[a, b], [1, 0]] plus the constant
// u[i]; matrices compose, so the scan can be split into chunks. The step
// re-evaluates each row as written, so the result is the loop's bit for bit.
//
// DSL subtlety: an expression is a recipe, evaluated where a statement uses
// it, and a state read means its value at that point. So the order of the
// state updates is the loop's meaning:
//  * `x2 = x1; x1 = a*x1 + b*x2 + u[i]` would compute a*x1 + b*x1 + u[i]
//    (x2 already holds the new value);
//  * `auto prev = x1; x1 = ...; x2 = prev;` does not save x1 either: `prev`
//    is the expression "read x1", evaluated after x1 changed. A third state
//    (`old`) holds the value.
// A state's initial value may be an expression (x[1], x[0]); it is evaluated
// where the state is declared, here after the first loop (which does not
// change x[0] or x[1]).
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

using namespace seqfuse;

int main(int argc, char **argv) {
  Program p("order2_recurrence");
  auto n = p.dim("n");
  auto x = p.inout<double>("x", {n});
  auto u = p.input<double>("u", {n});
  auto a = p.param<double>("a");
  auto b = p.param<double>("b");
  auto y = p.output<double>("y", {n});
  // 1. In memory: x[i-1] and x[i-2] are the previous iterations' writes.
  loop(2, n, [&](Var i) { x[i] = a * x[i - 1] + b * x[i - 2] + u[i]; });
  // 2. With states.
  y[0] = x[0];
  y[1] = x[1];
  auto x1 = p.state<double>("x1", x[1]);
  auto x2 = p.state<double>("x2", x[0]);
  auto old = p.state<double>("old", 0.0);
  loop(2, n, [&](Var i) {
    old = x1;
    x1 = a * x1 + b * x2 + u[i];
    x2 = old;
    y[i] = x1;
  });

  Kernel kernel = compile(p, targetFromArgs(argc, argv));
  printReport(kernel);

  // x[0] = 1, x[1] = 0; pushed by u at 5 and 11 (u[0], u[1] are not used).
  const double aVal = 1.5, bVal = -0.75;
  std::vector<double> xData(16, 0.0), yData(16, 0.0);
  std::vector<double> uData{9, 9, 0, 0, 0, 2, 0, 0, 0, 0, 0, -3, 0, 0, 0.5, 0};
  xData[0] = 1.0;
  std::vector<double> xInit = xData;
  kernel(xData, uData, aVal, bVal, yData);
  printResult("x", xData);
  printResult("y", yData);

  std::vector<double> want = xInit;
  for (size_t i = 2; i < want.size(); ++i)
    want[i] = aVal * want[i - 1] + bVal * want[i - 2] + uData[i];
  return checkAgainst("x", xData, want) | checkAgainst("y", yData, want);
}
