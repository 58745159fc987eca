//===- PatternTest.cpp - what the pattern analysis finds, and exactness ---===//
//
// For each recognised pattern: the report names it (with the statement's
// line), and the compiled kernel still equals the interpreter on random
// inputs. For each counter-example: the loop stays sequential, with the
// reason, and gives the loop's exact result.
//
//===----------------------------------------------------------------------===//
#include "Differential.h"

#include <gmock/gmock.h>

using namespace seqfuse;
using namespace seqfuse::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

int count(const std::string &text, const std::string &what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

/// The one remark of `k` whose pattern is `pattern`.
Remark only(const Kernel &k, const std::string &pattern) {
  std::vector<Remark> r = k.report();
  EXPECT_EQ(r.size(), 1u) << k.reportText();
  if (r.empty())
    return {};
  EXPECT_EQ(r[0].pattern, pattern) << k.reportText();
  EXPECT_THAT(r[0].location, HasSubstr("PatternTest.cpp:")) << k.reportText();
  return r[0];
}

TEST(Patterns, MaskedMap) {
  Program p("masked_map");
  auto x = p.input<float>("x");
  auto c = p.input<bool>("c", {x.size(0)});
  auto y = p.inout<float>("y", {x.size(0)});
  loop(0, x.size(0), [&](Var i) { if_(c[i], [&] { y[i] = x[i] * x[i]; }); });
  only(compile(p), "map");
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, ReductionsOfEveryOperator) {
  Program p("reductions");
  auto v = p.input<int32_t>("v");
  auto f = p.input<double>("f", {v.size(0)});
  auto out = p.output<int32_t>("out", {5});
  auto fout = p.output<double>("fout", {3});
  auto s = p.state<int32_t>("s", 0);
  auto m = p.state<int32_t>("m", 1);
  auto a = p.state<int32_t>("a", -1);
  auto o = p.state<int32_t>("o", 0);
  auto x = p.state<int32_t>("x", 0);
  auto fs = p.state<double>("fs", 0.0);
  auto fmn = p.state<double>("fmn", 1e300);
  auto fmx = p.state<double>("fmx", -1e300);
  loop(0, v.size(0), [&](Var i) {
    s += v[i];
    m *= v[i];
    a &= v[i];
    o |= v[i];
    x ^= v[i];
    fs += f[i];
    fmn.minWith(f[i]);
    fmx.maxWith(f[i]);
  });
  out[0] = s, out[1] = m, out[2] = a, out[3] = o, out[4] = x;
  fout[0] = fs, fout[1] = fmn, fout[2] = fmx;
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_GE(r.size(), 1u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "reduce") << k.reportText();
  EXPECT_THAT(r[0].detail, HasSubstr("operator add,mul,and,or,xor,add,min,max"));
  EXPECT_THAT(r[0].detail, HasSubstr("state s, m, a, o, x, fs, fmn, fmx"));
  GenOptions opts;
  opts.intLo = -3; // products overflow and wrap, as in the loop
  opts.intHi = 3;
  EXPECT_EQ(differential(p, opts), 0);
}

TEST(Patterns, InclusiveAndExclusiveScans) {
  Program p("scans");
  auto v = p.input<float>("v");
  auto inc = p.output<float>("inc", {v.size(0)});
  auto exc = p.output<int64_t>("exc", {v.size(0)});
  auto acc = p.state<float>("acc", 0.0f);
  auto cnt = p.state<int64_t>("cnt", 0);
  loop(0, v.size(0), [&](Var i) {
    acc += v[i];
    inc[i] = acc;
  });
  loop(0, v.size(0), [&](Var i) {
    exc[i] = cnt;
    cnt += 1;
  });
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_EQ(r.size(), 3u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "scan");
  EXPECT_THAT(r[0].detail, HasSubstr("inclusive, operator add, identity -0"));
  EXPECT_EQ(r[1].pattern, "scan");
  EXPECT_THAT(r[1].detail, HasSubstr("exclusive, operator add, identity 0"));
  // One loop cannot be both (the fused op has one inclusive flag): the
  // second runs on its own, and the report says why, at its line.
  EXPECT_EQ(r[2].pattern, "not fused");
  EXPECT_EQ(r[2].location, r[1].location);
  EXPECT_THAT(r[2].detail,
              ::testing::MatchesRegex("scan runs as its own loop after the scan at "
                                      ".*PatternTest.cpp:[0-9]+: one scan is inclusive, "
                                      "the other exclusive"));
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, BatchedRowScansInAMap) {
  Program p("rows");
  auto m = p.inout<float, 2>("m");
  loop(0, m.size(0), [&](Var i) {
    auto row = p.state<float>("row", 0.0f);
    loop(0, m.size(1), [&](Var j) {
      row = max(row, m(i, j));
      m(i, j) = row;
    });
  });
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_EQ(r.size(), 2u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "map");
  EXPECT_EQ(r[1].pattern, "scan");
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, LastWriterWinsScatter) {
  Program p("lww");
  auto t = p.inout<float>("t");
  auto idx = p.input<int64_t>("idx");
  auto v = p.input<float>("v", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = v[i] * 2.0f; });
  EXPECT_THAT(only(compile(p), "scatter").detail, HasSubstr("last writer wins into 't'"));
  GenOptions o;
  o.indexInto["idx"] = {"t", 1}; // duplicates, and sometimes out of range
  differential(p, o);
}

TEST(Patterns, Histograms) {
  Program p("hist");
  auto h = p.inout<int64_t>("h");
  auto bin = p.input<int32_t>("bin");
  loop(0, bin.size(0), [&](Var i) { h[bin[i]] += 1; });
  EXPECT_THAT(only(compile(p), "scatter_combine").detail, HasSubstr("operator add"));
  GenOptions o;
  o.indexInto["bin"] = {"h", 1};
  differential(p, o);

  Program q("histmax");
  auto hm = q.inout<float>("hm");
  auto b2 = q.input<int32_t>("b2");
  auto w = q.input<float>("w", {b2.size(0)});
  loop(0, b2.size(0), [&](Var i) { hm[b2[i]].maxWith(w[i]); });
  EXPECT_THAT(only(compile(q), "scatter_combine").detail, HasSubstr("operator max"));
  o.indexInto.clear();
  o.indexInto["b2"] = {"hm", 0};
  o.sizes = {1, 2, 5, 40};
  EXPECT_EQ(differential(q, o), 0);
}

// Counter-examples: sequential, with the reason, and exact.

TEST(Patterns, NonLinearUpdateStaysSequential) {
  Program p("nonlinear");
  auto u = p.input<double>("u");
  auto out = p.output<double>("out", {u.size(0)});
  auto x = p.state<double>("x", 0.0);
  loop(0, u.size(0), [&](Var i) {
    x = x * x + u[i];
    out[i] = x;
  });
  EXPECT_THAT(only(compile(p), "sequential").detail,
              HasSubstr("the update of state 'x' is not of the form x = x op c"));
  GenOptions o;
  o.floatLo = -0.5;
  o.floatHi = 0.5;
  EXPECT_EQ(differential(p, o), 0);
}

TEST(Patterns, SeedConditionalStaysSequential) {
  Program p("seed_conditional");
  auto t = p.inout<float>("t");
  auto u = p.input<float>("u", {t.size(0)});
  loop(0, t.size(0), [&](Var i) { if_(t[2] >= 2.0f, [&] { t[i] += u[i]; }); });
  Kernel k = compile(p);
  EXPECT_THAT(only(k, "sequential").detail,
              HasSubstr("the condition reads t[2], which iteration 2 writes"));
  std::vector<float> tv{0, 1, 2, 3, 4}, uv{-1, 2, -3, 4, -5};
  k(tv, uv);
  EXPECT_EQ(tv, (std::vector<float>{-1, 3, -1, 3, 4}));
}

TEST(Patterns, IndirectReadAfterWriteStaysSequential) {
  Program p("indirect_raw");
  auto t = p.inout<float>("t");
  auto idx = p.input<int64_t>("idx");
  auto idx2 = p.input<int64_t>("idx2", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = t[idx2[i]] + 1.0f; });
  EXPECT_THAT(only(compile(p), "sequential").detail,
              HasSubstr("reads t[idx2[i]] and writes t[idx[i]]"));
  GenOptions o;
  o.indexInto["idx"] = {"t", 0};
  o.indexInto["idx2"] = {"t", 0};
  o.sizes = {1, 2, 3, 8, 30};
  EXPECT_EQ(differential(p, o), 0);
  // Each iteration sees the previous ones' writes, as in the loop.
  Kernel k = compile(p);
  std::vector<float> tv{0, 0, 0};
  std::vector<int64_t> a{1, 2, 0}, b{0, 1, 2};
  k(tv, a, b);
  EXPECT_EQ(tv, (std::vector<float>{3, 1, 2}));
}

TEST(Patterns, MemoryRecurrenceIsAnAffineScan) {
  Program p("recurrence");
  auto x = p.inout<float>("x");
  auto a = p.input<float>("a", {x.size(0)});
  loop(1, x.size(0), [&](Var i) { x[i] = a[i] * x[i - 1] + 1.0f; });
  Remark r = only(compile(p), "scan");
  EXPECT_THAT(r.detail, HasSubstr("operator affine"));
  EXPECT_THAT(r.detail, HasSubstr("state x[i-1]"));
  EXPECT_EQ(differential(p), 0);
  // x[-1] is read (and raises) exactly when the loop reads it.
  Program q("recurrence0");
  auto y = q.inout<float>("y");
  loop(0, y.size(0), [&](Var i) { y[i] = y[i - 1] * 0.5f; });
  EXPECT_EQ(only(compile(q), "scan").pattern, "scan");
  EXPECT_GT(differential(q), 0);
}

TEST(Patterns, LinearRecurrencesOfOrderTwoToFour) {
  // x[i] = a1*x[i-1] + ... + aK*x[i-K] + c[i]: K carried cells, a linear
  // system (companion matrix) folded as (M, v); the step keeps each row's
  // own expression, so the result is the loop's bit for bit.
  Program fib("fib");
  auto x = fib.inout<int64_t>("x");
  loop(2, x.size(0), [&](Var i) { x[i] = x[i - 1] + x[i - 2]; }); // wraps
  Remark r = only(compile(fib), "scan");
  EXPECT_THAT(r.detail, HasSubstr("operator linear"));
  EXPECT_THAT(r.detail, HasSubstr("state x[i-1], x[i-2]"));
  EXPECT_EQ(differential(fib), 0);
  {
    std::vector<int64_t> xs{0, 1, 0, 0, 0, 0, 0, 0};
    compile(fib)(xs);
    EXPECT_EQ(xs, (std::vector<int64_t>{0, 1, 1, 2, 3, 5, 8, 13}));
  }
  for (int order = 2; order <= 4; ++order) {
    Program p("order" + std::to_string(order));
    auto y = p.inout<double>("y");
    auto c = p.input<double>("c", {y.size(0)});
    auto a = p.input<double>("a", {y.size(0)});
    auto w = p.param<double>("w");
    loop(order, y.size(0), [&](Var i) {
      Expr<double> sum = c[i] - a[i] * y[i - 1]; // subtracted, varying coefficient
      for (int k = 2; k <= order; ++k)
        sum = k % 2 ? sum + w * y[i - k] : sum + -0.25 * y[i - k];
      y[i] = sum;
    });
    Kernel k = compile(p);
    Remark rr = only(k, "scan");
    EXPECT_THAT(rr.detail, HasSubstr("operator linear")) << order;
    GenOptions opts; // zero/negative coefficients, NaN/Inf included by default
    EXPECT_EQ(differential(p, opts), 0) << order;
  }
}

TEST(Patterns, UpdatesLinearInTheStateInAnyShape) {
  // Not the exact a*x + b shape, but linear in x: the step keeps the loop's
  // own expression, so the results are the loop's bit for bit.
  Program p("linear_shapes");
  auto v = p.input<float>("v");
  auto c = p.input<bool>("c", {v.size(0)});
  auto alpha = p.param<float>("alpha");
  auto d = p.input<double>("d", {v.size(0)});
  auto e1 = p.output<float>("e1", {v.size(0)});
  auto e2 = p.output<double>("e2", {v.size(0)});
  auto e3 = p.output<int64_t>("e3", {v.size(0)});
  auto x = p.state<float>("x", 0.0f);
  auto y = p.state<double>("y", 1.0);
  auto z = p.state<int64_t>("z", 5);
  loop(0, v.size(0), [&](Var i) {
    x = x + alpha * (v[i] - x);                               // EMA as people write it
    y = select(c[i], (y + d[i]) * 0.5, -y / d[i]);            // (y + c)*d, division
    z = (z - cast<int64_t>(v[i])) * 3 + z * cast<int64_t>(i); // x twice, wraps
    e1[i] = x;
    e2[i] = y;
    e3[i] = z;
  });
  Kernel k = compile(p);
  Remark r = only(k, "scan");
  EXPECT_THAT(r.detail, HasSubstr("operator linear,linear,linear"));
  EXPECT_EQ(differential(p), 0);
  GenOptions wide;
  wide.floatLo = -1e30; // overflow to inf and NaN on the way
  wide.floatHi = 1e30;
  EXPECT_EQ(differential(p, wide), 0);
}

TEST(Patterns, CoupledLinearStates) {
  // A rotation and a running sum of running sums: states updated linearly
  // from each other.
  Program p("coupled");
  auto v = p.input<float>("v");
  auto cs = p.param<float>("cs");
  auto sn = p.param<float>("sn");
  auto out = p.output<float>("out", {v.size(0)});
  auto sums = p.output<int32_t>("sums", {v.size(0)});
  auto re = p.state<float>("re", 1.0f);
  auto im = p.state<float>("im", 0.0f);
  auto old = p.state<float>("old", 0.0f);
  auto t = p.state<int32_t>("t", 0);
  auto u = p.state<int32_t>("u", 0);
  loop(0, v.size(0), [&](Var i) {
    old = re; // expressions read a state's current value: keep the old one
    re = cs * re - sn * im + v[i];
    im = sn * old + cs * im;
    u = u + t; // reads t before its update
    t = t + cast<int32_t>(v[i]);
    out[i] = re;
    sums[i] = u;
  });
  Kernel k = compile(p);
  Remark r = only(k, "scan");
  EXPECT_THAT(r.detail, HasSubstr("operator linear,linear"));
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, NonContiguousOrStateDependentCoefficientsStaySequential) {
  Program p("gap");
  auto x = p.inout<float>("x");
  loop(2, x.size(0), [&](Var i) { x[i] = 0.5f * x[i - 2]; }); // no x[i-1]
  EXPECT_THAT(only(compile(p), "sequential").detail,
              HasSubstr("it reads x[i-2] and writes x[i]"));
  EXPECT_EQ(differential(p), 0);
  Program q("quad");
  auto y = q.inout<float>("y");
  loop(2, y.size(0), [&](Var i) { y[i] = y[i - 1] * y[i - 2]; }); // not linear
  EXPECT_THAT(only(compile(q), "sequential").detail,
              HasSubstr("the update of state 'y[i-1]' is not of the form"));
  EXPECT_EQ(differential(q), 0);
  // Five coupled states: more than the matrix scan takes.
  Program r("five");
  auto v = r.input<int64_t>("v");
  auto out = r.output<int64_t>("out", {v.size(0)});
  std::vector<State<int64_t>> s;
  for (int k = 0; k < 5; ++k)
    s.push_back(r.state<int64_t>("s" + std::to_string(k), k));
  loop(0, v.size(0), [&](Var i) {
    s[0] = s[0] + s[4] + v[i];
    for (int k = 4; k >= 1; --k)
      s[k] = s[k] + s[k - 1];
    out[i] = s[4];
  });
  EXPECT_THAT(
      only(compile(r), "sequential").detail,
      HasSubstr("states s0 ... s4 form a linear system of 5 states; seqfuse folds "
                "at most 4"));
  EXPECT_EQ(differential(r), 0);
}

TEST(Patterns, AffineRecurrences) {
  Program p("affine");
  auto v = p.input<float>("v");
  auto a = p.input<double>("a", {v.size(0)});
  auto b = p.input<double>("b", {v.size(0)});
  auto c = p.input<bool>("c", {v.size(0)});
  auto alpha = p.param<float>("alpha");
  auto ema = p.output<float>("ema", {v.size(0)});
  auto rec = p.output<double>("rec", {v.size(0)});
  auto k = p.output<int64_t>("k", {v.size(0)});
  auto e = p.state<float>("e", 0.0f);
  auto x = p.state<double>("x", 1.0);
  auto n = p.state<int64_t>("n", 3);
  loop(0, v.size(0), [&](Var i) {
    e = alpha * e + (1.0f - alpha) * v[i]; // EMA
    x = select(c[i], a[i] * x - b[i], x);  // conditional affine
    n = n * cast<int64_t>(i) + 7;          // integer, wraps
    ema[i] = e;
    rec[i] = x;
    k[i] = n;
  });
  Kernel kern = compile(p);
  std::vector<Remark> r = kern.report();
  ASSERT_EQ(r.size(), 1u) << kern.reportText();
  EXPECT_EQ(r[0].pattern, "scan") << kern.reportText();
  EXPECT_THAT(r[0].detail, HasSubstr("operator affine,affine,affine"));
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, ConditionalUpdatesUnderIf) {
  Program p("cond_updates");
  auto v = p.input<double>("v");
  auto c = p.input<bool>("c", {v.size(0)});
  auto out = p.output<double>("out", {v.size(0)});
  auto total = p.output<int64_t>("total", {1});
  auto x = p.state<double>("x", 0.0);
  auto cnt = p.state<int64_t>("cnt", 0);
  loop(0, v.size(0), [&](Var i) {
    if_(c[i], [&] {
      x = v[i] * x + 1.0; // conditional affine
      cnt += 1;           // conditional counter
    });
    out[i] = x;
  });
  total[0] = cnt;
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_GE(r.size(), 1u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "scan") << k.reportText();
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, LoopDistribution) {
  Program p("distributed");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto res = p.output<float>("res", {n});
  auto sums = p.output<float>("sums", {n});
  auto x = p.state<float>("x", 0.0f);
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    out[i] = v[i] * 2.0f; // a map
    x = x * x + v[i];     // non-linear: sequential
    res[i] = x;
    acc += v[i]; // a scan
    sums[i] = acc;
  });
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_EQ(r.size(), 4u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "map") << k.reportText();
  EXPECT_EQ(r[1].pattern, "sequential") << k.reportText();
  EXPECT_EQ(r[2].pattern, "scan") << k.reportText();
  // The map and the scan commute with the kept loop between them (they share
  // only read-only memory with it): they fuse back into one loop.
  EXPECT_EQ(r[3].pattern, "fused") << k.reportText();
  EXPECT_THAT(r[3].detail,
              ::testing::MatchesRegex("map at .*PatternTest.cpp:[0-9]+ \\+ "
                                      "scan at .*PatternTest.cpp:[0-9]+ run as "
                                      "one scan loop \\(bytes read and written per "
                                      "iteration: 16 as separate loops, 12 fused\\)"));
  std::string fused = k.ir(Stage::Fused);
  EXPECT_EQ(count(fused, "seqfuse.scan"), 1) << fused;
  EXPECT_EQ(count(fused, "seqfuse.map"), 0) << fused;
  EXPECT_EQ(count(fused, "seqfuse.sequential"), 1) << fused;
  GenOptions o;
  o.floatLo = -0.5;
  o.floatHi = 0.5;
  EXPECT_EQ(differential(p, o), 0);
}

// A loop that is one pattern as a whole is not split.
TEST(Patterns, OnePatternStaysWhole) {
  Program p("whole");
  auto v = p.input<float>("v");
  auto out = p.output<float>("out", {v.size(0)});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, v.size(0), [&](Var i) {
    out[i] = v[i] * 2.0f + acc;
    acc += v[i];
  });
  EXPECT_EQ(only(compile(p), "scan").pattern, "scan");
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, NoDistributionWhenAStatementMayRaise) {
  Program p("not_distributed");
  auto v = p.input<float>("v");
  auto idx = p.input<int64_t>("idx", {v.size(0)});
  auto out = p.output<float>("out", {v.size(0)});
  auto t = p.inout<float>("t");
  loop(0, v.size(0), [&](Var i) {
    out[i] = v[i];
    t[idx[i]] = v[i]; // may raise: splitting would change what was written
  });
  Kernel k = compile(p);
  EXPECT_EQ(only(k, "sequential").pattern, "sequential");
  GenOptions o;
  o.indexInto["idx"] = {"t", 1};
  differential(p, o);
}

TEST(Patterns, ArgMinArgMax) {
  Program p("argbest");
  auto v = p.input<float>("v");
  auto k = p.input<int32_t>("k", {v.size(0)});
  auto res = p.output<int64_t>("res", {4});
  auto best = p.state<float>("best", std::numeric_limits<float>::infinity());
  auto at = p.state<Index>("at", -1);
  auto big = p.state<int32_t>("big", std::numeric_limits<int32_t>::min());
  auto bigAt = p.state<Index>("bigAt", -1);
  loop(0, v.size(0), [&](Var i) {
    if_(v[i] < best, [&] { // argmin, first index wins on ties
      best = v[i];
      at = i;
    });
    if_(k[i] >= big, [&] { // argmax, last index wins on ties
      big = k[i];
      bigAt = i;
    });
  });
  res[0] = cast<int64_t>(at);
  res[1] = cast<int64_t>(bigAt);
  res[2] = cast<int64_t>(big);
  res[3] = cast<int64_t>(best);
  Kernel kern = compile(p);
  std::vector<Remark> r = kern.report();
  ASSERT_EQ(r.size(), 1u) << kern.reportText();
  EXPECT_EQ(r[0].pattern, "reduce") << kern.reportText();
  EXPECT_THAT(r[0].detail, HasSubstr("operator argmin,argmax_last"));
  GenOptions o;
  o.intLo = -3; // many ties
  o.intHi = 3;
  o.sizes = {4, 5, 17, 100};
  EXPECT_EQ(differential(p, o), 0);
  std::vector<float> vs{3, 1, 1, 2};
  std::vector<int32_t> ks{5, 9, 9, 2};
  std::vector<int64_t> out(4);
  kern(vs, ks, out);
  EXPECT_EQ(out, (std::vector<int64_t>{1, 2, 9, 1}));
}

TEST(Patterns, IntegerSegmentedScan) {
  Program p("segmented");
  auto v = p.input<int64_t>("v");
  auto flag = p.input<bool>("flag", {v.size(0)});
  auto out = p.output<int64_t>("out", {v.size(0)});
  auto x = p.state<int64_t>("x", 0);
  loop(0, v.size(0), [&](Var i) {
    if_(flag[i], [&] { x = v[i]; }).else_([&] { x = x + v[i]; }); // reset or add
    out[i] = x;
  });
  Kernel k = compile(p);
  EXPECT_THAT(only(k, "scan").detail, HasSubstr("operator affine"));
  EXPECT_EQ(differential(p), 0);
  std::vector<int64_t> vs{1, 2, 3, 4, 5}, os(5);
  std::vector<char> fl{0, 0, 1, 0, 1};
  int64_t shape[] = {5};
  k(vs, Arg(reinterpret_cast<bool *>(fl.data()), shape), os);
  EXPECT_EQ(os, (std::vector<int64_t>{1, 3, 3, 7, 5}));
}

TEST(Patterns, FloatSegmentedScans) {
  // x = flag ? v : x ⊕ w for every monoid, on floats (where 0*x is not 0,
  // so the affine form with a = 0 would not be exact): a (flag, value) scan.
  Program p("fsegmented");
  auto v = p.input<float>("v");
  auto w = p.input<double>("w", {v.size(0)});
  auto flag = p.input<bool>("flag", {v.size(0)});
  auto c = p.input<bool>("c", {v.size(0)});
  auto sum = p.output<float>("sum", {v.size(0)});
  auto prod = p.output<double>("prod", {v.size(0)});
  auto mx = p.output<float>("mx", {v.size(0)});
  auto last = p.output<double>("last", {v.size(0)});
  auto s = p.state<float>("s", 0.0f);
  auto m = p.state<double>("m", 1.0);
  auto hi = p.state<float>("hi", -1.0f);
  auto l = p.state<double>("l", 0.0);
  loop(0, v.size(0), [&](Var i) {
    if_(flag[i], [&] { s = v[i]; }).else_([&] { s = s + v[i]; }); // segmented sum
    m = select(flag[i], w[i], w[i] * m);                          // state on the right
    // Three-way: reset, accumulate, or keep.
    if_(flag[i], [&] { hi = -v[i]; }).else_([&] {
      if_(c[i], [&] { hi.maxWith(v[i]); });
    });
    if_(c[i], [&] { l = w[i]; }); // the last w where c
    sum[i] = s;
    prod[i] = m;
    mx[i] = hi;
    last[i] = l;
  });
  Kernel k = compile(p);
  Remark r = only(k, "scan");
  EXPECT_THAT(r.detail,
              HasSubstr("operator segmented_add,segmented_mul,segmented_max,reset"));
  EXPECT_EQ(differential(p), 0);
  std::vector<float> vs{1, 2, 3, 4, 5}, ss(5), ms(5);
  std::vector<double> ws{2, 3, 4, 5, 6}, ps(5), ls(5);
  std::vector<char> fl{0, 0, 1, 0, 1}, cs{1, 0, 0, 1, 0};
  int64_t shape[] = {5};
  auto *flp = reinterpret_cast<bool *>(fl.data());
  auto *csp = reinterpret_cast<bool *>(cs.data());
  k(vs, ws, Arg(flp, shape), Arg(csp, shape), ss, ps, ms, ls);
  EXPECT_EQ(ss, (std::vector<float>{1, 3, 3, 7, 5}));
  EXPECT_EQ(ps, (std::vector<double>{2, 6, 4, 20, 6}));
  EXPECT_EQ(ms, (std::vector<float>{1, 1, -3, 4, -5}));
  EXPECT_EQ(ls, (std::vector<double>{2, 2, 2, 5, 5}));
}

TEST(Patterns, MaskedMonoidFolds) {
  // if (c) acc = max(acc, v): the element is v where c, the identity elsewhere.
  Program p("masked_fold");
  auto v = p.input<float>("v");
  auto c = p.input<bool>("c", {v.size(0)});
  auto out = p.output<float>("out", {2});
  auto hi = p.state<float>("hi", -1e30f);
  auto lo = p.state<int32_t>("lo", 1000);
  loop(0, v.size(0), [&](Var i) {
    if_(c[i], [&] { hi.maxWith(v[i]); });
    lo = select(c[i], lo, min(cast<int32_t>(v[i]), lo));
  });
  out[0] = hi;
  out[1] = cast<float>(lo);
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_GE(r.size(), 1u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "reduce") << k.reportText();
  EXPECT_THAT(r[0].detail, HasSubstr("operator max,min"));
  EXPECT_EQ(differential(p), 0);
}

} // namespace

namespace {

/// The fused stage's IR of `p`, and the kernel's remarks of pattern "fused".
std::vector<Remark> fusions(const Kernel &k) {
  std::vector<Remark> out;
  for (const Remark &r : k.report())
    if (r.pattern == "fused")
      out.push_back(r);
  return out;
}

TEST(Fusion, NeighbouringLoopsOverTheSameRange) {
  Program p("fuse_ok");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto w = p.input<int32_t>("w", {n});
  auto tmp = p.output<float>("tmp", {n});
  auto res = p.output<float>("res", {n});
  auto total = p.output<int32_t>("total", {2});
  auto acc = p.state<float>("acc", 0.0f);
  auto s = p.state<int32_t>("s", 0);
  auto m = p.state<int32_t>("m", 0);
  loop(0, n, [&](Var i) { tmp[i] = v[i] * 2.0f; });   // map
  loop(0, n, [&](Var i) { res[i] = tmp[i] + 1.0f; }); // map reading tmp[i]
  loop(0, n, [&](Var i) {
    acc += v[i];
    res[i] = acc + res[i];
  });                                          // scan, body reads res[i]
  loop(0, n, [&](Var i) { s += w[i]; });       // reduce
  loop(0, n, [&](Var i) { m.maxWith(w[i]); }); // reduce
  total[0] = s;
  total[1] = m;
  Kernel k = compile(p);
  std::vector<Remark> f = fusions(k);
  ASSERT_EQ(f.size(), 1u) << k.reportText();
  EXPECT_THAT(f[0].detail, HasSubstr("map at"));
  EXPECT_THAT(f[0].detail, HasSubstr("run as one scan loop"));
  // 8 + 8 (maps: v, tmp; tmp, res) + 8 (scan: v; res read and written) + 4
  // + 4 (reductions: w) as five loops; v, tmp, res and w once fused.
  EXPECT_THAT(f[0].detail,
              HasSubstr("(bytes read and written per iteration: 32 as separate loops, 16 "
                        "fused)"));
  std::string ir = k.ir(Stage::Fused);
  EXPECT_EQ(count(ir, "seqfuse.scan"), 1) << ir;
  EXPECT_EQ(count(ir, "seqfuse.map"), 0) << ir;
  EXPECT_EQ(count(ir, "seqfuse.reduce"), 0) << ir;
  EXPECT_THAT(
      ir,
      HasSubstr("kind = [#seqfuse.fold<add>, #seqfuse.fold<add>, #seqfuse.fold<max>]"))
      << ir;
  EXPECT_EQ(differential(p), 0);
}

TEST(Fusion, AFoldReadingWhatAMapWroteComputesItInItsElement) {
  // y[i] = 0.5*v[i] + 1; acc += y[i]; c[i] = acc: one pass, whose element
  // computes 0.5*v[i] + 1 (the value the map leaves in y[i]) and whose body
  // stores y[i] and c[i].
  Program p("fuse_forward");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto y = p.output<float>("y", {n});
  auto c = p.output<float>("c", {n});
  auto k = p.input<int32_t>("k", {n});
  auto z = p.output<int32_t>("z", {n});
  auto total = p.output<int32_t>("total", {1});
  auto acc = p.state<float>("acc", 0.0f);
  auto s = p.state<int32_t>("s", 0);
  loop(0, n, [&](Var i) { y[i] = 0.5f * v[i] + 1.0f; });
  loop(0, n, [&](Var i) {
    acc += y[i];
    c[i] = acc;
  });
  loop(0, n, [&](Var i) { z[i] = k[i] * 3; });
  loop(0, n, [&](Var i) { s ^= z[i]; }); // integer: exact in any grouping
  total[0] = s;
  Kernel kernel = compile(p);
  std::vector<Remark> f = fusions(kernel);
  ASSERT_EQ(f.size(), 1u) << kernel.reportText();
  std::string ir = kernel.ir(Stage::Fused);
  EXPECT_EQ(count(ir, "seqfuse.map"), 0) << ir;
  EXPECT_EQ(count(ir, "seqfuse.scan"), 1) << ir;
  for (int threads : {1, 2, 4, 7}) {
    GenOptions o;
    o.sizes = {0, 1, 2, 15, 16, 17, 63, 64, 65, 300, 4097};
    o.numThreads = threads;
    o.parallelChunk = 16;
    o.trials = 12;
    EXPECT_EQ(differential(p, o), 0);
  }
}

TEST(Fusion, RefusedWhereTheOrderWouldShow) {
  // Each pair below must not fuse: the second reads another iteration's
  // element of what the first writes, the ranges differ, or something can
  // raise (b[i] = a[i + 1] may: so the reduction after it, whose element
  // reads a[i], cannot be reached from the first map).
  Program p("fuse_refused");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto idx = p.input<int64_t>("idx", {n});
  auto a = p.output<float>("a", {n});
  auto b = p.output<float>("b", {n});
  auto c = p.output<float>("c", {n});
  auto out = p.output<float>("out", {2});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) { a[i] = v[i] + 1.0f; });
  loop(0, n - 1, [&](Var i) { b[i] = a[i + 1]; });     // other element, other range
  loop(0, n, [&](Var i) { acc += a[i]; });             // behind a map that may raise
  loop(1, n, [&](Var i) { c[i] = v[i]; });             // other range
  loop(0, n, [&](Var i) { c[i] = c[i] + v[idx[i]]; }); // may raise
  out[0] = acc;
  Kernel k = compile(p);
  EXPECT_TRUE(fusions(k).empty()) << k.reportText();
  EXPECT_GT(differential(p), 0); // out-of-range idx raise, in the loop's order
}

TEST(FloatPolicy, StrictFPKeepsTheLoopsOrderAndSaysSo) {
  Program p("fp_policy");
  auto v = p.input<float>("v");
  auto w = p.input<int32_t>("w", {v.size(0)});
  auto out = p.output<float>("out", {v.size(0)});
  auto total = p.output<int32_t>("total", {1});
  auto acc = p.state<float>("acc", 0.0f);
  auto s = p.state<int32_t>("s", 0);
  loop(0, v.size(0), [&](Var i) {
    acc = 0.5f * acc + v[i];
    out[i] = acc;
  });
  loop(0, v.size(0), [&](Var i) { s += w[i]; });
  total[0] = s;
  Kernel fast = compile(p);
  Kernel strict = compile(p, Target::cpu(), Options{.strictFP = true});
  std::vector<Remark> rf = fast.report(), rs = strict.report();
  ASSERT_GE(rf.size(), 2u) << fast.reportText();
  ASSERT_GE(rs.size(), 2u) << strict.reportText();
  EXPECT_THAT(rf[0].detail, HasSubstr("floats: may be reassociated in a fixed order"));
  EXPECT_THAT(rs[0].detail, HasSubstr("floats: in the loop's order (strict_fp)"));
  // Integer folds are exact under any grouping: no float policy to state.
  EXPECT_THAT(rf[1].detail, ::testing::Not(HasSubstr("floats:")));
  EXPECT_THAT(strict.ir(Stage::Pattern), HasSubstr("fp = #seqfuse.fp<strict>"));
  EXPECT_THAT(fast.ir(Stage::Pattern), HasSubstr("fp = #seqfuse.fp<reassociate>"));
  // The option is part of the cache key: two kernels.
  EXPECT_NE(fast.impl(), strict.impl());
  // Both are bit-identical to the loop today (the lowering is sequential);
  // strict_fp promises it for every future lowering.
  std::vector<float> vs(1000), o1(1000), o2(1000), ref(1000);
  std::vector<int32_t> ws(1000, 1), t1(1), t2(1);
  float a = 0.0f;
  for (int i = 0; i < 1000; ++i) {
    vs[i] = 1.0f / static_cast<float>(i + 3);
    a = 0.5f * a + vs[i];
    ref[i] = a;
  }
  fast(vs, ws, o1, t1);
  strict(vs, ws, o2, t2);
  EXPECT_EQ(o2, ref);
  EXPECT_EQ(o1, ref);
  EXPECT_EQ(t1[0], 1000);
  EXPECT_EQ(t2[0], 1000);
}

TEST(Fusion, NothingCommutesWithAScatterOrAFaultingDivision) {
  // (Found in review.) The maps around the scatter must not fuse: the third
  // reads t, which the scatter writes anywhere; and an integer division
  // between two maps can raise, so neither map may move across it.
  Program p("fuse_scatter");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto idx = p.input<int64_t>("idx", {n});
  auto t = p.inout<float>("t", {n});
  auto a = p.output<float>("a", {n});
  auto b = p.output<float>("b", {n});
  auto w = p.input<int32_t>("w", {2});
  auto q = p.output<int32_t>("q", {1});
  loop(0, n, [&](Var i) { a[i] = v[i] + 1.0f; });
  loop(0, n, [&](Var i) { t[idx[i]] = v[i]; });
  loop(0, n, [&](Var i) { b[i] = t[i] * 2.0f; });
  q[0] = w[0] / w[1];
  loop(0, n, [&](Var i) { a[i] = a[i] + b[i]; });
  Kernel k = compile(p);
  EXPECT_TRUE(fusions(k).empty()) << k.reportText();
  GenOptions o;
  o.intLo = -1;
  o.intHi = 1; // w[1] == 0 often: the division raises after b is written
  EXPECT_GT(differential(p, o), 0);
  // The same without the scatter and the division: the three maps fuse.
  Program r("fuse_maps");
  auto n2 = r.dim("n");
  auto v2 = r.input<float>("v", {n2});
  auto a2 = r.output<float>("a", {n2});
  auto b2 = r.output<float>("b", {n2});
  loop(0, n2, [&](Var i) { a2[i] = v2[i] + 1.0f; });
  loop(0, n2, [&](Var i) { b2[i] = v2[i] * 2.0f; });
  loop(0, n2, [&](Var i) { a2[i] = a2[i] + b2[i]; });
  Kernel k2 = compile(r);
  ASSERT_EQ(fusions(k2).size(), 1u) << k2.reportText();
  EXPECT_THAT(fusions(k2)[0].detail, HasSubstr("map at"));
  EXPECT_EQ(count(k2.ir(Stage::Fused), "seqfuse.map"), 1);
  EXPECT_EQ(differential(r), 0);
}

TEST(Fusion, MapsIntoExclusiveScans) {
  // An exclusive scan takes the map's statements before its own.
  Program p("fuse_exclusive");
  auto n = p.dim("n");
  auto v = p.input<int64_t>("v", {n});
  auto a = p.output<int64_t>("a", {n});
  auto ex = p.output<int64_t>("ex", {n});
  auto k = p.state<int64_t>("k", 0);
  loop(0, n, [&](Var i) { a[i] = v[i] * 3; });
  loop(0, n, [&](Var i) {
    ex[i] = k + a[i];
    k += v[i];
  });
  Kernel kern = compile(p);
  ASSERT_EQ(fusions(kern).size(), 1u) << kern.reportText();
  EXPECT_THAT(kern.ir(Stage::Fused), HasSubstr("inclusive = false"));
  EXPECT_EQ(differential(p), 0);
}

} // namespace

namespace {

TEST(Patterns, ReductionsIntoAFixedElement) {
  // t[0] += v[i] and friends: the element is read before the loop, carried
  // as a state, and written after it (only when the loop runs).
  Program p("fixed_cells");
  auto v = p.input<float>("v");
  auto t = p.inout<float>("t", {4});
  auto s = p.inout<int32_t>("s", {3});
  auto k = p.param<int64_t>("k");
  auto out = p.output<float>("out", {v.size(0)});
  loop(0, v.size(0), [&](Var i) {
    t[0] += v[i];
    t[1].maxWith(v[i]);
    out[i] = t[0];
  });
  loop(0, v.size(0),
       [&](Var i) { s[k] ^= cast<int32_t>(v[i]); }); // k may be out of range
  Kernel kern = compile(p);
  std::vector<Remark> r = kern.report();
  ASSERT_GE(r.size(), 2u) << kern.reportText();
  EXPECT_EQ(r[0].pattern, "scan") << kern.reportText();
  EXPECT_THAT(r[0].detail, HasSubstr("operator add,max"));
  EXPECT_THAT(r[0].detail, HasSubstr("state t[0], t[1]"));
  EXPECT_EQ(r[1].pattern, "reduce") << kern.reportText();
  EXPECT_THAT(r[1].detail, HasSubstr("state s[k]"));
  EXPECT_GT(differential(p), 0); // k out of range raises, before anything is written
  std::vector<float> vs{1, 5, 2}, ts{10, 0, 7, 7}, os(3);
  std::vector<int32_t> ss{0, 6, 0};
  kern(vs, ts, ss, int64_t{1}, os);
  EXPECT_EQ(ts, (std::vector<float>{18, 5, 7, 7}));
  EXPECT_EQ(os, (std::vector<float>{11, 16, 18}));
  EXPECT_EQ(ss, (std::vector<int32_t>{0, 6 ^ 1 ^ 5 ^ 2, 0}));
  // Nothing runs: nothing is read or written, even with k out of range.
  std::vector<float> none;
  kern(none, ts, ss, int64_t{99}, none);
  EXPECT_EQ(ts[0], 18);
}

TEST(Patterns, FixedElementBesideAFaultingStatementStaysSequential) {
  Program p("fixed_fault");
  auto v = p.input<float>("v");
  auto idx = p.input<int64_t>("idx", {v.size(0)});
  auto t = p.inout<float>("t", {2});
  auto out = p.output<float>("out", {v.size(0)});
  loop(0, v.size(0), [&](Var i) {
    t[0] += v[i];
    out[i] = v[idx[i]] + t[0]; // may raise with t[0] half updated
  });
  EXPECT_THAT(only(compile(p), "sequential").detail,
              HasSubstr("it reads and writes t[0] in every iteration"));
  EXPECT_GT(differential(p), 0);
}

} // namespace

namespace {

TEST(Patterns, SharedSubexpressionsAreAnalysedOnce) {
  // (Found in review.) x = x + x forty times in one iteration: the update
  // is linear (x * 2^40); the analysis must visit each op once, not once per
  // path (2^40).
  Program p("doublings");
  auto v = p.input<int64_t>("v");
  auto out = p.output<int64_t>("out", {v.size(0)});
  auto x = p.state<int64_t>("x", 1);
  loop(0, v.size(0), [&](Var i) {
    for (int k = 0; k < 40; ++k)
      x = x + x;
    x = x + v[i];
    out[i] = x;
  });
  Kernel k = compile(p);
  EXPECT_THAT(only(k, "scan").detail, HasSubstr("operator linear"));
  EXPECT_EQ(differential(p), 0);
}

TEST(Patterns, InnerScatterKeepsTheOuterLoopSequential) {
  // (Found in review.) The inner loop is raised to a scatter first; the
  // outer loop must still see that it writes t anywhere.
  Program p("inner_scatter");
  auto u = p.input<float>("u");
  auto w = p.input<float>("w");
  auto idx = p.input<int64_t>("idx", {w.size(0)});
  auto t = p.inout<float>("t", {4});
  auto out = p.output<float>("out", {1});
  auto s = p.state<float>("s", 0.0f);
  loop(0, u.size(0), [&](Var i) {
    loop(0, w.size(0), [&](Var j) { t[idx[j]] = u[i] * w[j]; });
    s += t[0];
  });
  out[0] = s;
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_GE(r.size(), 1u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "sequential") << k.reportText();
  EXPECT_THAT(r[0].detail, HasSubstr("an inner loop scatters into t")) << k.reportText();
  EXPECT_GT(differential(p), 0); // idx out of range raises
  std::vector<float> us{1, 2, 3}, ws{1, 10}, ts(4), os(1);
  std::vector<int64_t> is{0, 3};
  k(us, ws, is, ts, os);
  EXPECT_EQ(os[0], 1 + 2 + 3); // t[0] = u[i] * w[0] each time
  EXPECT_EQ(ts[3], 30);
}

} // namespace

namespace {

TEST(Patterns, ConditionalUpdatesOfAFixedElement) {
  // if (c) t[0] += v: the element is carried through the if (which yields
  // it), then the select makes it a masked sum. Reading t[0] before the loop
  // although no iteration may read it is fine: it is provably in range.
  Program p("fixed_cond");
  auto v = p.input<float>("v");
  auto c = p.input<bool>("c", {v.size(0)});
  auto t = p.inout<float>("t", {2});
  auto h = p.inout<int64_t>("h", {3});
  auto k = p.param<int64_t>("k");
  loop(0, v.size(0), [&](Var i) {
    if_(c[i], [&] { t[0] += v[i]; }).else_([&] { t[1].maxWith(v[i]); });
  });
  loop(0, v.size(0),
       [&](Var i) { if_(c[i], [&] { h[k] += 1; }); }); // k: maybe out of range
  Kernel kern = compile(p);
  std::vector<Remark> r = kern.report();
  ASSERT_GE(r.size(), 2u) << kern.reportText();
  EXPECT_EQ(r[0].pattern, "reduce") << kern.reportText();
  EXPECT_THAT(r[0].detail, HasSubstr("state t[0], t[1]"));
  // h[k] may be out of range and is read only when c holds: kept.
  EXPECT_NE(r[1].pattern, "reduce") << kern.reportText();
  EXPECT_GT(differential(p), 0);
  std::vector<float> vs{1, 5, 2, 7}, ts{10, -1};
  std::vector<char> cs{1, 0, 1, 0};
  std::vector<int64_t> hs{0, 0, 0};
  int64_t shape[] = {4};
  kern(vs, Arg(reinterpret_cast<bool *>(cs.data()), shape), ts, hs, int64_t{2});
  EXPECT_EQ(ts, (std::vector<float>{13, 7}));
  EXPECT_EQ(hs, (std::vector<int64_t>{0, 0, 2}));
}

} // namespace

namespace {

// Stream compaction: an exclusive scan of the counter and a guarded store.
// A counter of an integer type drives it like an Index one: the store's index
// is index_cast(k).
template <class I> void integerCounterCompaction(const char *name) {
  Program p(name);
  auto v = p.input<float>("v");
  auto out = p.output<float>("out", {v.size(0)});
  auto count = p.output<int64_t>("count", {1});
  auto k = p.state<I>("k", 0);
  loop(0, v.size(0), [&](Var i) {
    if_(v[i] > 0.0f, [&] {
      out[k] = v[i];
      k = k + 1;
    });
  });
  count[0] = cast<int64_t>(k);
  Kernel kern = compile(p);
  Remark r = only(kern, "scan");
  EXPECT_THAT(r.detail, HasSubstr("exclusive"));
  EXPECT_THAT(r.detail, HasSubstr("state k"));
  EXPECT_EQ(differential(p), 0);
  std::vector<float> vs{1, -2, 3, 0, 5}, os(5, 9.0f);
  std::vector<int64_t> c(1);
  kern(vs, os, c);
  EXPECT_EQ(os, (std::vector<float>{1, 3, 5, 9, 9}));
  EXPECT_EQ(c[0], 3);
}

TEST(Patterns, StreamCompactionWithAnIndexInt32OrInt64Counter) {
  integerCounterCompaction<Index>("compact");
  integerCounterCompaction<int32_t>("compact_i32");
  integerCounterCompaction<int64_t>("compact_i64");
}

TEST(Patterns, CompactionCounterStartingNegativeRaisesAtTheFirstStore) {
  // k starts at -1: the first kept element's store is out of range, and
  // checked mode raises there, exactly as the loop does.
  Program p("compact_negative");
  auto v = p.input<float>("v");
  auto out = p.output<float>("out", {v.size(0)});
  auto k = p.state<int32_t>("k", -1);
  loop(0, v.size(0), [&](Var i) {
    if_(v[i] > 0.0f, [&] {
      out[k] = v[i];
      k = k + 1;
    });
  });
  Kernel kern = compile(p);
  EXPECT_EQ(only(kern, "scan").pattern, "scan");
  std::vector<float> vs{-1, 2, 3}, os(3, 7.0f);
  EXPECT_THROW(kern(vs, os), IndexError);
  EXPECT_EQ(os, (std::vector<float>{7, 7, 7}));
  EXPECT_GT(differential(p), 0); // trials that raised, with the same error and memory
}

TEST(Report, PatternsInsideALoopKeptSequentialAreReported) {
  // The outer loop carries a non-linear state, so it stays sequential; its
  // inner loop is still a map, and the report says so after the outer line.
  Program p("nested_report");
  auto m = p.inout<float, 2>("m");
  auto s = p.state<float>("s", 1.0f);
  loop(0, m.size(0), [&](Var i) {
    s = s * s + 1.0f / s;
    loop(0, m.size(1), [&](Var j) { m(i, j) = m(i, j) * s; });
  });
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  ASSERT_GE(r.size(), 2u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "sequential") << k.reportText();
  bool innerMap = false;
  for (size_t i = 1; i < r.size(); ++i)
    innerMap = innerMap || r[i].pattern == "map";
  EXPECT_TRUE(innerMap) << k.reportText();
  EXPECT_EQ(differential(p), 0);
}

TEST(Report, ReverseScansSaySo) {
  Program p("suffix_sum");
  auto v = p.input<float>("v");
  auto out = p.output<float>("out", {v.size(0)});
  auto acc = p.state<float>("acc", 0.0f);
  loopReverse(0, v.size(0), [&](Var i) {
    acc += v[i];
    out[i] = acc;
  });
  Kernel k = compile(p);
  Remark r = only(k, "scan");
  EXPECT_THAT(r.detail,
              HasSubstr("inclusive, in reverse (from the last iteration down)"));
  // A forward scan does not.
  Program q("prefix_sum");
  auto w = q.input<float>("w");
  auto o = q.output<float>("o", {w.size(0)});
  auto a = q.state<float>("a", 0.0f);
  loop(0, w.size(0), [&](Var i) {
    a += w[i];
    o[i] = a;
  });
  EXPECT_THAT(only(compile(q), "scan").detail, Not(HasSubstr("reverse")));
  EXPECT_EQ(differential(p), 0);
}

} // namespace

namespace {

// Add-then-clamp recurrences: x -> min(max(x + a, l), h) compose in closed
// form, so they are scans (kind "clamp"), and the step keeps the loop's bits.
TEST(Patterns, AddThenClampRecurrences) {
  struct Case {
    const char *name;
    std::function<void(State<float> &, Expr<float>, Expr<float>, Expr<bool>)> update;
  };
  std::vector<Case> cases = {
      // Kadane's running best sum ending here.
      {"kadane", [](State<float> &x, Expr<float> v, Expr<float>,
                    Expr<bool>) { x = max(x + v, 0.0f); }},
      // A saturating accumulator.
      {"saturate", [](State<float> &x, Expr<float> v, Expr<float> w,
                      Expr<bool>) { x = min(max(x + v, -1.0f), w); }},
      // min-plus, written the other way round, with a subtraction.
      {"min_plus", [](State<float> &x, Expr<float> v, Expr<float> w,
                      Expr<bool>) { x = min(w, x - v); }},
      // max after min, shifted again.
      {"max_after_min", [](State<float> &x, Expr<float> v, Expr<float> w,
                           Expr<bool>) { x = max(min(x, w) + v, v * 0.5f) - 1.0f; }},
      // Under a condition, and with a reset on the other side.
      {"guarded", [](State<float> &x, Expr<float> v, Expr<float> w,
                     Expr<bool> c) { x = select(c, max(x + v, w), x); }},
      {"reset", [](State<float> &x, Expr<float> v, Expr<float> w,
                   Expr<bool> c) { x = select(c, w, min(x + v, 2.0f)); }},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    Program p(c.name);
    auto n = p.dim("n");
    auto v = p.input<float>("v", {n});
    auto w = p.input<float>("w", {n});
    auto flag = p.input<bool>("flag", {n});
    auto out = p.output<float>("out", {n});
    auto x = p.state<float>("x", 0.0f);
    loop(0, n, [&](Var i) {
      c.update(x, v[i], w[i], flag[i]);
      out[i] = x;
    });
    Kernel k = compile(p);
    Remark r = only(k, "scan");
    EXPECT_THAT(r.detail, HasSubstr("operator clamp")) << k.reportText();
    EXPECT_THAT(r.detail, HasSubstr("state x"));
    EXPECT_EQ(differential(p), 0);
  }
  // Doubles, a reduction (only the final value), NaN and infinities in the
  // random inputs (the differential harness draws them).
  Program p("clamp_reduce");
  auto v = p.input<double>("v");
  auto best = p.output<double>("best", {1});
  auto x = p.state<double>("x", 0.0);
  loop(0, v.size(0), [&](Var i) { x = max(x + v[i], 0.0); });
  best[0] = x;
  Kernel k = compile(p);
  EXPECT_THAT(only(k, "reduce").detail, HasSubstr("operator clamp"));
  EXPECT_EQ(differential(p), 0);
  std::vector<double> vs{1, -3, 4, -1, 2, 1, -5, 4}, b(1);
  k(vs, b);
  EXPECT_EQ(b[0], 5.0); // x: 1, 0, 4, 3, 5, 6, 1, 5
}

TEST(Patterns, IntegerClampsStaySequential) {
  // Integer + wraps, so max(x + a, b) does not compose exactly: kept.
  Program p("int_clamp");
  auto v = p.input<int32_t>("v");
  auto out = p.output<int32_t>("out", {v.size(0)});
  auto x = p.state<int32_t>("x", 0);
  loop(0, v.size(0), [&](Var i) {
    x = max(x + v[i], 0);
    out[i] = x;
  });
  Kernel k = compile(p);
  EXPECT_EQ(only(k, "sequential").pattern, "sequential");
  EXPECT_EQ(differential(p), 0);
}

} // namespace
