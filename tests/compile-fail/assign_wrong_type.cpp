// Storing an i32 expression into an f32 tensor must not compile.
// EXPECT: seqfuse: the two operands have different element types
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto x = p.inout<float>("x");
  auto k = p.input<int32_t>("k");
  loop(0, x.size(0), [&](Var i) { x[i] = k[i]; });
}
