// A 2-D tensor indexed with one index must not compile.
// EXPECT: seqfuse: operator[] takes one index but this tensor has rank > 1
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto m = p.input<float, 2>("m");
  auto o = p.output<float>("o");
  loop(0, o.size(0), [&](Var i) { o[i] = m[i]; });
}
