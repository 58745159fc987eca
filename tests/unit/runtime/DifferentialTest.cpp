//===- DifferentialTest.cpp - JIT == interpreter on every statement kind --===//
#include "Differential.h"

using namespace seqfuse;
using namespace seqfuse::testing;

namespace {

TEST(Differential, ElementwiseAccumulate) {
  Program p("accumulate");
  auto t = p.inout<float>("t");
  auto u = p.input<float>("u", {t.size(0)});
  loop(0, t.size(0), [&](Var i) { t[i] += u[i]; });
  EXPECT_EQ(differential(p), 0);
}

TEST(Differential, RunningSumStateF32AndWrappingI32) {
  Program p("running");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto k = p.input<int32_t>("k", {n});
  auto kout = p.output<int32_t>("kout", {n});
  auto acc = p.state<float>("acc", 0.0f);
  auto iacc = p.state<int32_t>("iacc", 0);
  loop(0, n, [&](Var i) {
    acc += v[i];
    out[i] = acc;
    iacc = iacc * 1103515245 + k[i]; // overflows: wraps like the loop
    kout[i] = iacc;
  });
  GenOptions o;
  o.intLo = std::numeric_limits<int32_t>::min();
  o.intHi = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(differential(p, o), 0);
}

TEST(Differential, AffineRecurrenceThroughMemory) {
  Program p("affine");
  auto n = p.dim("n");
  auto a = p.input<double>("a", {n});
  auto b = p.input<double>("b", {n});
  auto x = p.inout<double>("x", {n});
  loop(1, n, [&](Var i) { x[i] = a[i] * x[i - 1] + b[i]; });
  EXPECT_EQ(differential(p), 0);
}

TEST(Differential, SecondOrderRecurrenceReverse) {
  Program p("order2rev");
  auto x = p.inout<float>("x");
  auto c = p.param<float>("c");
  loopReverse(0, x.size(0) - 2,
              [&](Var i) { x[i] = c * x[i + 1] - 0.5f * x[i + 2] + x[i]; });
  EXPECT_EQ(differential(p), 0);
}

TEST(Differential, ScatterWithDuplicatesAndOutOfRange) {
  Program p("scatter");
  auto t = p.inout<float>("t");
  auto idx = p.input<int64_t>("idx");
  auto m = p.input<float>("m", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = m[i]; });
  GenOptions o;
  o.sizes = {1, 2, 3, 7, 16, 33, 100}; // t empty with idx not: always an error
  o.indexInto["idx"] = {"t", 0};
  EXPECT_EQ(differential(p, o), 0);
  // Out-of-range indices: the same IndexError, same partial writes.
  o.indexInto["idx"] = {"t", 2};
  o.sizes = {0, 1, 2, 3, 7, 16};
  o.seed = 99;
  EXPECT_GT(differential(p, o), 0);
}

TEST(Differential, HistogramAndMinMaxUpdates) {
  Program p("histogram");
  auto h = p.inout<int64_t>("h");
  auto lo = p.inout<float>("lo", {h.size(0)});
  auto hi = p.inout<float>("hi", {h.size(0)});
  auto bin = p.input<int32_t>("bin");
  auto w = p.input<float>("w", {bin.size(0)});
  loop(0, bin.size(0), [&](Var i) {
    h[bin[i]] += 1;
    lo[bin[i]].minWith(w[i]);
    hi[bin[i]].maxWith(w[i]);
  });
  GenOptions o;
  o.sizes = {1, 2, 3, 7, 16, 33, 100};
  o.indexInto["bin"] = {"h", 0};
  EXPECT_EQ(differential(p, o), 0);
}

TEST(Differential, ConditionalsElseAndSelect) {
  Program p("cond");
  auto x = p.input<float>("x");
  auto c = p.input<bool>("c", {x.size(0)});
  auto y = p.inout<float>("y", {x.size(0)});
  auto cnt = p.output<int32_t>("cnt", {1});
  auto k = p.state<int32_t>("k", 0);
  loop(0, x.size(0), [&](Var i) {
    if_(c[i] && x[i] > 0.0f, [&] {
      y[i] = sqrt(x[i]);
      k += 1;
    }).else_([&] {
      y[i] = select(x[i] != x[i], -1.0f, abs(x[i]) * 2.0f); // NaN -> -1
    });
  });
  cnt[0] = k;
  EXPECT_EQ(differential(p), 0);
}

TEST(Differential, StateDependentConditionSeed3) {
  Program p("seed3");
  auto t = p.inout<float>("t");
  auto u = p.input<float>("u", {t.size(0)});
  loop(0, t.size(0),
       [&](Var i) { if_(t[min(t.size(0) - 1, 2)] >= 2.0f, [&] { t[i] += u[i]; }); });
  GenOptions o;
  o.sizes = {1, 2, 3, 5, 9};
  EXPECT_EQ(differential(p, o), 0);
}

TEST(Differential, MathFunctionsAndCasts) {
  Program p("math");
  auto x = p.input<float>("x");
  auto d = p.output<double>("d", {x.size(0)});
  auto f = p.output<float>("f", {x.size(0)});
  auto i32 = p.output<int32_t>("i32", {x.size(0)});
  auto i64 = p.output<int64_t>("i64", {x.size(0)});
  auto b = p.output<bool>("b", {x.size(0)});
  loop(0, x.size(0), [&](Var i) {
    d[i] = exp(cast<double>(x[i])) + log(abs(cast<double>(x[i]))) +
           pow(cast<double>(x[i]), 2.5);
    f[i] = tanh(x[i]) + sqrt(x[i]) - max(x[i], 0.5f) + min(x[i], -0.5f) + x[i] / 3.0f -
           (x[i] % 1.5f);
    i32[i] = cast<int32_t>(x[i] * 1e9f); // saturates; NaN -> 0
    i64[i] = cast<int64_t>(cast<double>(x[i]) * 1e18) + cast<int64_t>(i);
    b[i] = cast<bool>(x[i]) ^ (x[i] < 0.0f);
  });
  GenOptions o;
  o.specialProb = 0.2;
  EXPECT_EQ(differential(p, o), 0);
}

TEST(Differential, IntegerAbsWraps) {
  Program p("iabs");
  auto a = p.inout<int32_t>("a");
  auto b = p.inout<int64_t>("b", {a.size(0)});
  loop(0, a.size(0), [&](Var i) {
    a[i] = abs(a[i]);
    b[i] = abs(b[i] - 1);
  });
  GenOptions o;
  o.intLo = std::numeric_limits<int32_t>::min(); // abs(MIN) = MIN, as the loop wraps
  o.intHi = std::numeric_limits<int32_t>::min() + 3;
  EXPECT_EQ(differential(p, o), 0);
  Kernel k = compile(p);
  std::vector<int32_t> av{-5, 7, std::numeric_limits<int32_t>::min()};
  std::vector<int64_t> bv{-5, 7, std::numeric_limits<int64_t>::min()};
  k(av, bv);
  EXPECT_EQ(av, (std::vector<int32_t>{5, 7, std::numeric_limits<int32_t>::min()}));
  EXPECT_EQ(bv, (std::vector<int64_t>{6, 6, std::numeric_limits<int64_t>::max()}));
}

// LLVM folds tanhf of constants in double precision and rewrites pow(x, 2)
// as x * x; both differ from libm by an ulp at times (found in review).
TEST(Differential, TranscendentalsMatchLibmBitForBit) {
  Program p("libm");
  auto y = p.output<float>("y", {64});
  auto x = p.input<double>("x");
  auto z = p.output<double>("z", {x.size(0)});
  loop(0, 64, [&](Var i) {
    auto f = cast<float>(i) * 0.1f;
    y[i] = tanh(f) + exp(f) * log(f + 1.0f);
  });
  loop(0, x.size(0),
       [&](Var i) { z[i] = pow(x[i], 2.0) + pow(2.0, x[i]) + pow(x[i], -1.0); });
  GenOptions o;
  o.floatLo = -600;
  o.floatHi = 600;
  o.sizes = {1000};
  EXPECT_EQ(differential(p, o), 0);
}

TEST(Differential, IntegerDivisionRemainderAndErrors) {
  Program p("intdiv");
  auto a = p.input<int32_t>("a");
  auto b = p.input<int32_t>("b", {a.size(0)});
  auto q = p.output<int32_t>("q", {a.size(0)});
  auto r = p.output<int32_t>("r", {a.size(0)});
  loop(0, a.size(0), [&](Var i) {
    q[i] = a[i] / b[i];
    r[i] = a[i] % b[i];
  });
  GenOptions o;
  o.intLo = -5;
  o.intHi = 5; // zero divisors happen: IndexError "division by zero"
  EXPECT_GT(differential(p, o), 0);
}

TEST(Differential, NestedLoops2DAndSeveralLoops) {
  Program p("rows");
  auto m = p.input<float, 2>("m");
  auto rowSum = p.output<float>("rowSum", {m.size(0)});
  auto colMax = p.output<float>("colMax", {m.size(1)});
  loop(0, m.size(0), [&](Var i) {
    auto s = p.state<float>("s", 0.0f); // re-initialised for every row
    loop(0, m.size(1), [&](Var j) { s += m(i, j) * cast<float>(j + 1); });
    rowSum[i] = s;
  });
  loop(0, m.size(1), [&](Var j) { colMax[j] = -1e30f; });
  loop(0, m.size(0),
       [&](Var i) { loop(0, m.size(1), [&](Var j) { colMax[j].maxWith(m(i, j)); }); });
  EXPECT_EQ(differential(p), 0);
}

TEST(Differential, FixedShapesAndScalarParams) {
  Program p("fixed");
  auto x = p.inout<double, 2>("x", {3, 4});
  auto alpha = p.param<double>("alpha");
  auto k = p.param<int64_t>("k");
  auto on = p.param<bool>("on");
  loop(0, 3, [&](Var i) {
    loop(0, 4, [&](Var j) {
      if_(on,
          [&] { x(i, j) = alpha * x(i, j) + cast<double>(k * cast<int64_t>(i + j)); });
    });
  });
  EXPECT_EQ(differential(p), 0);
}

} // namespace
