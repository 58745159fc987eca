//===- consumer.cpp - a user's program against an installed seqfuse ------===//
//
// Built by tests/install/check.sh from the installed package only. Runs a
// scan and a scatter, checks them against plain loops, and checks that a bad
// argument raises ArgumentError and a bad index IndexError.
//
//===----------------------------------------------------------------------===//
#include <seqfuse/seqfuse.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace seqfuse;

#ifdef SEQFUSE_DSL_EMITLOOPFORM_H
#error "an installed public header pulled in the MLIR emitter"
#endif
#if defined(MLIR_IR_MLIRCONTEXT_H) || defined(LLVM_ADT_STRINGREF_H)
#error "an installed public header pulled in MLIR or LLVM"
#endif

static int failures = 0;
static void expect(bool ok, const std::string &what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
  failures += !ok;
}

int main() {
  std::printf("seqfuse %s\n", std::string(version()).c_str());
  // A running sum with a reset: a segmented scan.
  Program p("consumer_scan");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    acc += v[i];
    if_(acc > 10.0f, [&] { acc = 0.0f; });
    out[i] = acc;
  });
  Kernel k = compile(p);
  std::vector<float> vs{4, 5, 6, 7, 1, 2}, os(vs.size()), want(vs.size());
  k(vs, os);
  float a = 0;
  for (size_t i = 0; i < vs.size(); ++i) {
    a += vs[i];
    if (a > 10.0f)
      a = 0.0f;
    want[i] = a;
  }
  expect(os == want, "segmented scan matches the plain loop");
  expect(!k.report().empty(), "the report is not empty: " + k.reportText());

  std::vector<float> shortOut(2);
  try {
    k(vs, shortOut);
    expect(false, "a short output raises ArgumentError");
  } catch (const ArgumentError &e) {
    expect(std::string(e.what()).find("'out'") != std::string::npos,
           std::string("ArgumentError names the argument: ") + e.what());
  }

  // A scatter with an index out of range: IndexError, earlier writes kept.
  Program q("consumer_scatter");
  auto t = q.inout<float>("t");
  auto idx = q.input<int64_t>("idx");
  auto m = q.input<float>("m", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = m[i]; });
  Kernel s = compile(q);
  std::vector<float> ts(4, 0.0f), ms{1, 2, 3};
  std::vector<int64_t> is{3, 9, 0};
  try {
    s(ts, is, ms);
    expect(false, "an index out of range raises IndexError");
  } catch (const IndexError &e) {
    expect(ts == std::vector<float>{0, 0, 0, 1},
           std::string("IndexError after the first write, which stays: ") + e.what());
  }
  std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
