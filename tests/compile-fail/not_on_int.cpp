// ! on an integer must not compile (it would be a bitwise not; use ~).
// EXPECT: seqfuse: &&, || and ! need bool expressions
#include <seqfuse/dsl/Program.h>
using namespace seqfuse;
void f() {
  Program p("bad");
  auto k = p.inout<int32_t>("k");
  loop(0, k.size(0), [&](Var i) { k[i] = !k[i]; });
}
