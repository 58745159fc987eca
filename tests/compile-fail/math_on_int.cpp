// exp() of an integer must not compile.
// EXPECT: seqfuse: this math function needs a floating-point
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto k = p.inout<int32_t>("k");
  loop(0, k.size(0), [&](Var i) { k[i] = exp(k[i]); });
}
