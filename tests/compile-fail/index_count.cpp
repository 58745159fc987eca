// A 2-D tensor needs exactly two indices.
// EXPECT: seqfuse: the number of indices must equal the tensor's rank
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto m = p.input<float, 2>("m");
  auto o = p.output<float>("o");
  loop(0, o.size(0), [&](Var i) { o[i] = m(i, i, i); });
}
