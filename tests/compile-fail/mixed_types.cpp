// f32 + i32 without a cast must not compile.
// EXPECT: seqfuse: the two operands have different element types
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto x = p.input<float>("x");
  auto k = p.input<int32_t>("k");
  auto o = p.output<float>("o");
  loop(0, o.size(0), [&](Var i) { o[i] = x[i] + k[i]; });
}
