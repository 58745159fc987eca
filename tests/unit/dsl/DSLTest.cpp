//===- DSLTest.cpp - recording programs -----------------------------------===//
#include <seqfuse/seqfuse.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

using namespace seqfuse;
using ::testing::HasSubstr;

namespace {

TEST(DSL, RecordsStatementsWithSourceLines) {
  Program p("rec");
  auto t = p.inout<float>("t");
  auto u = p.input<float>("u", {t.size(0)});
  int line = __LINE__ + 1;
  loop(0, t.size(0), [&](Var i) { t[i] += u[i]; });
  const auto &body = p.data().body->stmts;
  ASSERT_EQ(body.size(), 1u);
  ASSERT_EQ(body[0].kind, ast::StmtKind::For);
  const auto &stmt = body[0].body->stmts.at(0);
  EXPECT_EQ(stmt.kind, ast::StmtKind::Store);
  EXPECT_EQ(stmt.loc.line, static_cast<uint32_t>(line));
  EXPECT_THAT(stmt.loc.file, HasSubstr("DSLTest.cpp"));
  EXPECT_EQ(p.str(), "program rec(t: inout f32[t.size(0)], u: in f32[t.size(0)]):\n"
                     "  for i0 in range(0, t.size(0)):\n"
                     "    t[i0] = (t[i0] + u[i0])\n");
}

TEST(DSL, ExpressionsHeldByValueOutliveTheirParts) {
  Program p("byvalue");
  auto x = p.input<double>("x");
  auto y = p.output<double>("y", {x.size(0)});
  loop(0, x.size(0), [&](Var i) {
    auto e = [&] { return x[i] * 2.0 + 1.0; }(); // temporaries gone
    y[i] = e * e;
  });
  Kernel k = compile(p);
  std::vector<double> xs{1, 2}, ys(2);
  k(xs, ys);
  EXPECT_EQ(ys, (std::vector<double>{9, 25}));
}

TEST(DSL, ExpressionsAreEvaluatedWhereUsed) {
  Program p("recipe");
  auto t = p.inout<int32_t>("t");
  auto out = p.output<int32_t>("out", {t.size(0)});
  loop(0, t.size(0), [&](Var i) {
    auto old = t[i] + 0; // a recipe, not a snapshot
    t[i] = 5;
    out[i] = old;
  });
  Kernel k = compile(p);
  std::vector<int32_t> ts{1, 2}, os(2);
  k(ts, os);
  EXPECT_EQ(os, (std::vector<int32_t>{5, 5}));
}

TEST(DSL, MisuseIsReported) {
  EXPECT_THROW(Program("1bad"), DSLError);
  {
    Program p("dup");
    p.input<float>("x");
    EXPECT_THROW(p.input<float>("x"), DSLError);
    EXPECT_THROW((p.input<float, 2>("m", {3})), DSLError);
  }
  std::optional<Tensor<float, 1>> stale;
  {
    Program p("gone");
    stale.emplace(p.inout<float>("x"));
  }
  try {
    (*stale)[0] = 1.0f;
    FAIL();
  } catch (const DSLError &e) {
    EXPECT_THAT(e.what(), HasSubstr("no longer being built"));
  }
  EXPECT_THROW(loop(0, 3, [](Var) {}), DSLError); // no program on this thread
}

TEST(DSL, FingerprintSeparatesConstantsAndLines) {
  auto make = [](float c) {
    Program p("fp");
    auto x = p.inout<float>("x");
    loop(0, x.size(0), [&](Var i) { x[i] = x[i] * c; });
    return p.data().fingerprint();
  };
  EXPECT_EQ(make(2.0f), make(2.0f));
  EXPECT_NE(make(2.0f), make(2.5f));
}

} // namespace

namespace {
// The program shown in README.md, with the output the README states.
TEST(DSL, ReadmeProgram) {
  Program p("running_sum");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    acc += v[i];
    if_(acc > 10.0f, [&] { acc = 0.0f; });
    out[i] = acc;
  });
  for (Target target : {Target::cpu(), Target::interpreter()}) {
    Kernel k = compile(p, target);
    std::vector<float> vs{4, 5, 6, 7}, os(4);
    k(vs, os);
    EXPECT_EQ(os, (std::vector<float>{4, 9, 0, 7})) << target.name();
  }
}
} // namespace

namespace {
// Regression tests for defects found in review.

TEST(DSLReview, WritingAnInputIsRejected) {
  Program p("writes_input");
  auto x = p.input<float>("x");
  try {
    loop(0, x.size(0), [&](Var i) { x[i] = 0.0f; });
    FAIL();
  } catch (const DSLError &e) {
    EXPECT_THAT(e.what(), HasSubstr("writes tensor 'x', which is declared input()"));
  }
}

TEST(DSLReview, SameStateNamesAreDifferentPrograms) {
  auto make = [](bool wantMax) {
    Program p("minmax");
    auto x = p.input<float>("x");
    auto y = p.output<float>("y", {1});
    auto lo = p.state<float>("m", 1e30f);
    auto hi = p.state<float>("m", -1e30f);
    loop(0, x.size(0), [&](Var i) {
      lo.minWith(x[i]);
      hi.maxWith(x[i]);
    });
    y[0] = wantMax ? hi : lo;
    return compile(p);
  };
  std::vector<float> xs{3, -2, 7}, y(1);
  make(true)(xs, y);
  EXPECT_EQ(y[0], 7);
  make(false)(xs, y);
  EXPECT_EQ(y[0], -2);
}

TEST(DSLReview, NamedSizeSpelledLikeAnExtentIsStillChecked) {
  for (Target target : {Target::cpu(), Target::interpreter()}) {
    Program p("named5");
    auto a = p.output<float>("a", {5});
    auto b = p.input<float>("b", {p.dim("5")});
    loop(0, b.size(0), [&](Var i) { a[i] = b[i]; });
    Kernel k = compile(p, target);
    std::vector<float> av(5), bv(100, 1.0f);
    EXPECT_THROW(k(av, bv), IndexError) << target.name();
  }
}

TEST(DSLReview, RepeatedSizeNamesAreDistinct) {
  Program p("dupnames");
  auto n = p.dim("x.size(0)");
  auto x = p.input<float>("x");
  auto y = p.output<float>("y", {x.size(0)}); // names x's size "x.size(0)" too
  auto z = p.input<float>("z", {n});
  loop(0, z.size(0), [&](Var i) { y[i] = z[i]; });
  Kernel k = compile(p);
  std::vector<float> xv(2), yv(2), zv(9, 1.0f);
  EXPECT_THROW(k(xv, yv, zv), IndexError);
}

TEST(DSLReview, DeadLoadStillRaises) {
  for (Target target : {Target::cpu(), Target::interpreter()}) {
    Program p("deadload");
    auto a = p.input<float>("a");
    auto s = p.state<float>("s", 0.0f);
    loop(0, a.size(0), [&](Var i) { s = a[i + 5]; }); // s never used
    Kernel k = compile(p, target);
    std::vector<float> av(3);
    EXPECT_THROW(k(av), IndexError) << target.name();
  }
}

TEST(DSLReview, ProgramBuiltInsideALoopBody) {
  Program p("outer");
  auto x = p.inout<float>("x");
  loop(0, x.size(0), [&](Var i) {
    {
      Program q("inner");
      auto z = q.inout<float>("z");
      loop(0, z.size(0), [&](Var j) { z[j] = 2.0f; });
    }
    x[i] = 1.0f;
  });
  Kernel k = compile(p);
  std::vector<float> xv(3);
  k(xv);
  EXPECT_EQ(xv, (std::vector<float>{1, 1, 1}));
}

TEST(DSLReview, StaleHandleDoesNotReachANewerProgram) {
  std::optional<Tensor<float, 1>> stale;
  {
    Program p("old");
    stale.emplace(p.inout<float>("x"));
  }
  Program q("newer"); // may reuse the old program's memory
  auto y = q.inout<float>("y");
  EXPECT_THROW((*stale)[0] = 1.0f, DSLError);
  EXPECT_TRUE(q.data().body->stmts.empty());
  (void)y;
}

TEST(DSLReview, HandlesOfAnotherProgramAreRejected) {
  Program a("progA");
  auto xa = a.input<float>("xa");
  auto ya = a.output<float>("ya", {xa.size(0)});
  {
    Program b("progB");
    auto yb = b.output<float>("yb");
    loop(0, yb.size(0), [&](Var i) { yb[i] = xa[i]; }); // xa belongs to progA
    EXPECT_THROW(compile(b), CompileError);
  }
  (void)ya;
}

TEST(DSLReview, ElseMustFollowItsIf) {
  Program p("else_twice");
  auto x = p.inout<float>("x");
  loop(0, x.size(0), [&](Var i) {
    auto branch = if_(x[i] > 0.0f, [&] { x[i] = 1.0f; });
    branch.else_([&] { x[i] = 2.0f; });
    EXPECT_THROW(branch.else_([&] { x[i] = 3.0f; }), DSLError);
    auto late = if_(x[i] > 1.0f, [&] { x[i] = 4.0f; });
    x[i] += 1.0f;
    EXPECT_THROW(late.else_([&] { x[i] = 5.0f; }), DSLError);
  });
}

TEST(DSLReview, ReservedProgramNames) {
  EXPECT_THROW(Program("tanhf"), DSLError);
  EXPECT_THROW(Program("memset"), DSLError);
  EXPECT_THROW(Program("seqfuse_rt_x"), DSLError);
}
} // namespace
