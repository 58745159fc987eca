// A floating-point literal meeting an integer expression must not compile.
// EXPECT: seqfuse: a floating-point literal cannot be combined with an integer
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto k = p.inout<int32_t>("k");
  loop(0, k.size(0), [&](Var i) { k[i] = k[i] * 1.5; });
}
