// Indexing with a float must not compile.
// EXPECT: seqfuse: a tensor index must be an integer expression
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto x = p.input<float>("x");
  auto o = p.output<float>("o");
  loop(0, o.size(0), [&](Var i) { o[x[i]] = 1.0f; });
}
