//===- ParallelFoldTest.cpp - reductions and scans on threads -------------===//
//
// seqfuse-lower-patterns gives every reduce and scan a blocked
// reduce-then-scan (chunk summaries, carries in chunk order, each chunk's loop
// from its carry). For every fold family, at sizes around the chunk and group
// boundaries and at 1, 2, 4 and 7 threads:
//   - integer, min/max and select-by-order folds give the loop's bits;
//   - folds whose float combiner rounds differ from the loop by at most the
//     reassociation bound in default mode, and not at all with strictFP;
//   - every result is bitwise the same for any thread count.
// SEQFUSE_PARALLEL_CHUNK=16 (GenOptions::parallelChunk) makes small sizes
// run in parallel: chunks of 16, parallel from 64, groups of 256.
//
//===----------------------------------------------------------------------===//
#include "Differential.h"
#include "Families.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>

using namespace seqfuse;
using namespace seqfuse::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const int kThreadCounts[] = {1, 2, 4, 7}; // 7 oversubscribes 2 cores
constexpr int64_t kSmallChunk = 16;

TEST(ParallelFolds, EveryFamilyMatchesTheLoopAtEveryThreadCount) {
  for (const Family &f : families()) {
    Program p = make(f);
    for (int threads : kThreadCounts) {
      SCOPED_TRACE(std::string(f.name) + " threads=" + std::to_string(threads));
      GenOptions o;
      // Around the chunk (16), the cutoff (64) and the group (256).
      o.sizes = {0, 1, 2, 15, 16, 17, 63, 64, 65, 255, 256, 257, 1000, 4097};
      o.trials = 16;
      o.numThreads = threads;
      o.parallelChunk = kSmallChunk;
      o.seed = 1000 + threads;
      differential(p, o);
      if (::testing::Test::HasFailure())
        return;
    }
  }
}

TEST(ParallelFolds, ScansOfOneAccumulatorStepEightIterationsInRegisters) {
  for (const Family &f : families()) {
    SCOPED_TRACE(f.name);
    std::string text =
        compile(make(f), Target::cpu(), Options{.checked = !f.checks}).reportText();
    std::string name = f.name;
    bool one = name == "sum_i32" || name == "cumsum_f32" || name == "exclusive_f64" ||
               name == "running_max_f32" || name == "masked_max_from_1_f32" ||
               name == "suffix_sum_i64" || name == "quotient_sum_i64" ||
               name == "suffix_product_f32";
    bool reduction = name == "product_and_bits_i64" || name == "argmin_argmax" ||
                     name == "dot_f32" || name == "min_max_f32";
    if (one)
      EXPECT_THAT(text,
                  HasSubstr("then each lane from its carry 8 iterations at a time in "
                            "registers: a log-step scan of their elements"));
    else
      EXPECT_THAT(text, Not(HasSubstr("in registers")));
    if (!one && !reduction)
      EXPECT_THAT(text, HasSubstr("then each lane's loop from its carry"));
  }
}

TEST(ParallelFolds, TheReportNamesTheAlgorithmAndTheFloatPolicy) {
  for (const Family &f : families()) {
    SCOPED_TRACE(f.name);
    Program p = make(f);
    Kernel k = compile(p, Target::cpu(), Options{.checked = !f.checks});
    std::string text = k.reportText();
    if (f.checks)
      EXPECT_THAT(compile(p).reportText(),
                  HasSubstr("algorithm: sequential loop (its body checks"));
    EXPECT_THAT(text, HasSubstr("algorithm: parallel: blocked"));
    if (f.reassociates)
      EXPECT_THAT(text, HasSubstr("floats reassociated in that fixed grouping"));
    else
      EXPECT_THAT(text, HasSubstr("exact: the loop's result bit for bit"));
    EXPECT_THAT(k.ir(Stage::LLVMIR), HasSubstr("__kmpc_fork_call"));
    // strict_fp keeps a rounding fold in the loop's order.
    Kernel strict =
        compile(p, Target::cpu(), Options{.checked = !f.checks, .strictFP = true});
    if (f.reassociates)
      EXPECT_THAT(strict.reportText(), Not(HasSubstr("algorithm: parallel")));
    else
      EXPECT_THAT(strict.reportText(), HasSubstr("algorithm: parallel: blocked"));
  }
}

TEST(ParallelFolds, ResultsAreBitwiseTheSameForAnyThreadCount) {
  // Default chunks (16384): across the cutoff (65536), a group (262144) and
  // the last partial chunk; small chunks for many groups.
  for (int64_t chunk : {int64_t(0), kSmallChunk}) {
    for (const Family &f : families()) {
      Program p = make(f);
      // Small chunks: many groups, and the last one partial.
      std::vector<int64_t> sizes = chunk == 0
                                       ? std::vector<int64_t>{65537, 262144 + 16385}
                                       : std::vector<int64_t>{3001, 20000};
      for (int64_t n : sizes) {
        SCOPED_TRACE(std::string(f.name) + " n=" + std::to_string(n) +
                     " chunk=" + std::to_string(chunk));
        GenOptions o;
        o.sizes = {n};
        o.specialProb = 0.0005; // some NaN and inf, most groups finite
        std::mt19937_64 rng(n);
        std::vector<Buffer> bufs = generate(p.data(), o, rng);
        ParallelChunk scope(chunk);
        std::vector<std::vector<unsigned char>> first;
        for (int threads : kThreadCounts) {
          Kernel k = compile(p, Target::cpu(), Options{.numThreads = threads});
          auto got = outputs(k, bufs);
          if (first.empty())
            first = got;
          else
            ASSERT_TRUE(got == first) << threads << " threads";
        }
      }
    }
  }
}

TEST(ParallelFolds, AFoldThatChecksRunsInParallelUpToItsFirstFailureAndRaisesAsTheLoop) {
  // acc += v[idx[i]]: the gather is checked, so the scan keeps its loop; the
  // error, its iteration and the memory written before it are the loop's.
  Program p("par_gather_scan");
  auto v = p.input<int64_t>("v");
  auto idx = p.input<int64_t>("idx");
  auto out = p.output<int64_t>("out", {idx.size(0)});
  auto acc = p.state<int64_t>("acc", 0);
  loop(0, idx.size(0), [&](Var i) {
    acc += v[idx[i]];
    out[i] = acc;
  });
  Kernel k = compile(p, Target::cpu(), Options{.numThreads = 4});
  EXPECT_THAT(k.reportText(), HasSubstr("algorithm: parallel: blocked reduce-then-scan"));
  EXPECT_THAT(k.reportText(), HasSubstr("its run-time checks first"));
  int64_t n = 300000;
  std::vector<int64_t> vs(100), ix(n), o(n, -9);
  for (int j = 0; j < 100; ++j)
    vs[j] = j * 3 - 50;
  for (int64_t i = 0; i < n; ++i)
    ix[i] = (i * 37) % 100;
  ix[200001] = 100;
  try {
    k(vs, ix, o);
    ADD_FAILURE() << "no IndexError";
  } catch (const IndexError &e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("index 100 out of range for tensor 'v'"));
  }
  int64_t want = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i < 200001)
      want += vs[ix[i]];
    ASSERT_EQ(o[i], i < 200001 ? want : -9) << i;
  }
  // Unchecked, the same scan runs in parallel and gives the loop's bits.
  Kernel fast = compile(p, Target::cpu(), Options{.checked = false, .numThreads = 4});
  EXPECT_THAT(fast.reportText(), HasSubstr("algorithm: parallel: blocked"));
  ix[200001] = 5;
  fast(vs, ix, o);
  want = 0;
  for (int64_t i = 0; i < n; ++i) {
    want += vs[ix[i]];
    ASSERT_EQ(o[i], want) << i;
  }
}

TEST(ParallelFolds, DirectIndicesAreProvenInRangeSoCheckedModeRunsInParallel) {
  // out[i] = acc with acc += v[i]: nothing to check, in either mode.
  Program p = make(family("cumsum_f32"));
  Kernel k = compile(p);
  EXPECT_THAT(k.reportText(), HasSubstr("algorithm: parallel: blocked"));
  EXPECT_THAT(k.ir(Stage::Checked), Not(HasSubstr("seqfuse_rt_check_failed")));
}

TEST(ParallelFolds, NonFiniteGroupsRunAsTheLoop) {
  // x = a*0.25*x + b with a = 4 and integer b: every grouping is exact, so the
  // default mode must give the loop's bits. An inf in a chunk makes its group
  // run as the loop (inf, then inf - inf = NaN where the loop has them).
  Program p = make(family("affine_f64"));
  ParallelChunk scope(kSmallChunk);
  Kernel interp = compile(p, Target::interpreter());
  for (int threads : kThreadCounts) {
    Kernel k = compile(p, Target::cpu(), Options{.numThreads = threads});
    EXPECT_THAT(k.reportText(), HasSubstr("floats reassociated"));
    int64_t n = 5000;
    std::vector<double> a(n, 4.0), b(n), want(n), got(n);
    for (int64_t i = 0; i < n; ++i)
      b[i] = static_cast<double>((i * 7919) % 201 - 100);
    b[1100] = std::numeric_limits<double>::infinity();
    b[1105] = -std::numeric_limits<double>::infinity();
    interp(a, b, want);
    k(a, b, got);
    EXPECT_TRUE(std::isinf(want[1102]) && std::isnan(want[1106]));
    for (int64_t i = 0; i < n; ++i)
      ASSERT_TRUE((std::isnan(want[i]) && std::isnan(got[i])) || want[i] == got[i])
          << threads << " threads, " << i << ": " << want[i] << " vs " << got[i];
  }
}

TEST(ParallelFolds,
     BelowTheCutoffReductionsRunInVectorLanesAndNonFiniteResultsAsTheLoop) {
  EXPECT_THAT(compile(make(family("product_and_bits_i64"))).reportText(),
              HasSubstr("the rest (all of it below that) in 8 vector lanes of partial "
                        "results combined in a fixed tree, the loop for the last ones; "
                        "exact"));
  Program p = make(family("dot_f32"));
  Kernel interp = compile(p, Target::interpreter());
  Kernel k = compile(p);
  EXPECT_THAT(k.reportText(), HasSubstr("8 vector lanes of partial results"));
  EXPECT_THAT(k.reportText(), HasSubstr("and where the result is not finite"));
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t n : {0, 1, 7, 8, 9, 17, 1000, 1029}) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      // Integer-valued products sum exactly in any grouping: the loop's bits.
      std::vector<float> x(n), y(n, 1.0f), want(1), got(1, -1.0f);
      for (int64_t i = 0; i < n; ++i)
        x[i] = static_cast<float>((i * 7919) % 201 - 100);
      if (pattern == 1 && n > 600) { // inf and -inf in different lanes: NaN
        x[500] = inf;
        x[509] = -inf;
      } else if (pattern == 2 && n > 600) {
        // The loop goes FLT_MAX, 0, ..., FLT_MAX, 0: finite. Lane 0 would
        // hold FLT_MAX + FLT_MAX = inf and lane 1 -inf: NaN, so the steps
        // are recomputed by the loop.
        const float big = std::numeric_limits<float>::max();
        x[400] = x[408] = big;
        x[401] = x[409] = -big;
      } else if (pattern == 3 && n > 0) {
        x[n - 1] = std::nanf("");
      }
      interp(x, y, want);
      k(x, y, got);
      EXPECT_TRUE((std::isnan(want[0]) && std::isnan(got[0])) || want[0] == got[0])
          << "n=" << n << " pattern " << pattern << ": " << want[0] << " vs " << got[0];
      if (pattern == 2 && n > 600)
        EXPECT_TRUE(std::isfinite(want[0]));
    }
  }
}

TEST(ParallelFolds, VectorLanesOfAnEmptyRangeFromAboveItsEndReadNothing) {
  // loop(1, n) with n = 0 is empty (ub < lb): the lanes' whole steps and the
  // loop after them must not run below lb either, forward or in reverse.
  for (bool reverse : {false, true}) {
    Program p(reverse ? "from_one_reverse" : "from_one");
    auto x = p.input<int64_t>("x");
    auto res = p.output<int64_t>("res", {2});
    auto s = p.state<int64_t>("s", 5);
    auto t = p.state<int64_t>("t", 0);
    auto body = [&](Var i) {
      s += x[i];
      t = t ^ x[i];
    };
    if (reverse)
      loopReverse(1, x.size(0), body);
    else
      loop(1, x.size(0), body);
    res[0] = s;
    res[1] = t;
    Kernel k = compile(p);
    // (loopReverse's index lo + hi - 1 - k is one vector load, reversed.)
    EXPECT_THAT(k.reportText(), HasSubstr("8 vector lanes of partial results"));
    Kernel interp = compile(p, Target::interpreter());
    for (int64_t n : {0, 1, 2, 9, 20}) {
      std::vector<int64_t> xs(n), want(2), got(2);
      for (int64_t i = 0; i < n; ++i)
        xs[i] = i * 3 + 1;
      interp(xs, want);
      k(xs, got);
      EXPECT_EQ(got, want) << "reverse=" << reverse << " n=" << n;
    }
  }
}

TEST(ParallelFolds, OnlyMonoidScansStepInRegisters) {
  // `if (v[i] > m) m = v[i]` is a select-by-order fold of one state: its
  // combiner is lane-wise, but with NaN it is not associative (NaN then 5
  // gives NaN, which the carry then replaces), so a log-step tree would lose
  // the 5 the loop keeps. It must keep the loop's order in every lane.
  Program p("best_so_far");
  auto v = p.input<float>("v");
  auto out = p.output<float>("out", {v.size(0)});
  auto m = p.state<float>("m", -1e30f);
  loop(0, v.size(0), [&](Var i) {
    if_(v[i] > m, [&] { m = v[i]; });
    out[i] = m;
  });
  Kernel interp = compile(p, Target::interpreter());
  for (int64_t chunk : {int64_t(0), kSmallChunk}) {
    ParallelChunk scope(chunk);
    Kernel k = compile(p, Target::cpu(), Options{.numThreads = 2});
    EXPECT_THAT(k.reportText(), Not(HasSubstr("in registers")));
    for (int64_t n : {9, 1000, 70000}) {
      std::vector<float> x(n), want(n), got(n);
      for (int64_t i = 0; i < n; ++i)
        x[i] = i % 97 == 0 ? std::nanf("") : static_cast<float>((i * 7919) % 1009);
      interp(x, want);
      k(x, got);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_TRUE((std::isnan(want[i]) && std::isnan(got[i])) || want[i] == got[i])
            << "chunk " << chunk << " n=" << n << ", " << i << ": " << want[i] << " vs "
            << got[i];
    }
  }
}

TEST(ParallelFolds, AScanWhoseBodyChecksKeepsItsParallelFormAndItsRegisterSteps) {
  // out[i] = acc / w[i]: w's size is its own, so the body checks w[i]. The
  // parallel form runs up to the first failing iteration (the read-only
  // probe), the register steps and the loop raise there as the loop does.
  Program p("scan_body_checks");
  auto v = p.input<float>("v");
  auto w = p.input<float>("w");
  auto out = p.output<float>("out", {v.size(0)});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, v.size(0), [&](Var i) {
    acc += v[i];
    out[i] = acc / w[i];
  });
  Kernel k = compile(p, Target::cpu(), Options{.numThreads = 2});
  Kernel interp = compile(p, Target::interpreter());
  EXPECT_THAT(k.reportText(), HasSubstr("its run-time checks first"));
  EXPECT_THAT(k.reportText(),
              HasSubstr("8 iterations at a time in registers as in the lanes"));
  for (int64_t bad : {int64_t(200003), int64_t(1000), int64_t(0)}) {
    int64_t n = 300000;
    std::vector<float> x(n), ws(bad), want(n, -9.0f), got(n, -9.0f);
    for (int64_t i = 0; i < n; ++i)
      x[i] = static_cast<float>((i * 7919) % 201 - 100);
    for (int64_t i = 0; i < bad; ++i)
      ws[i] = static_cast<float>(1 + i % 3);
    std::string wantError, gotError;
    try {
      interp(x, ws, want);
    } catch (const IndexError &e) {
      wantError = e.what();
    }
    try {
      k(x, ws, got);
    } catch (const IndexError &e) {
      gotError = e.what();
    }
    EXPECT_THAT(gotError, HasSubstr("out of range for tensor 'w'"));
    EXPECT_EQ(gotError, wantError);
    // Integer-valued sums: any grouping gives the loop's values.
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(got[i], want[i]) << "bad=" << bad << ", " << i;
  }
}

TEST(ParallelFolds, BelowTheCutoffScansStepInRegistersAndNonFiniteStepsRunAsTheLoop) {
  // Default chunks: n below the cutoff runs wholly in the register steps
  // (and the loop for the last n mod 8). Integer-valued floats sum exactly in
  // any grouping, so the default mode must give the loop's bits; where the
  // running sum overflows to inf, or meets inf and -inf (NaN), the step runs
  // as the loop from its first iteration.
  Program p = make(family("cumsum_f32"));
  Kernel interp = compile(p, Target::interpreter());
  Kernel k = compile(p);
  EXPECT_THAT(k.reportText(),
              HasSubstr("the rest (all of it below that) 8 iterations at a "
                        "time in registers"));
  EXPECT_THAT(k.reportText(),
              HasSubstr("from a step whose running values are not finite"));
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 1000, 1029}) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      std::vector<float> v(n), want(n), got(n, -1.0f);
      for (int64_t i = 0; i < n; ++i)
        v[i] = static_cast<float>((i * 7919) % 201 - 100);
      if (pattern == 1 && n > 600) { // inf, then -inf in the same step: NaN
        v[500] = inf;
        v[503] = -inf;
      } else if (pattern == 2 && n > 600) {
        // The sum reaches FLT_MAX before the step at 400; the loop then
        // overflows at 400 (a tie, to even: inf), where the step's tree
        // would give lane 1 FLT_MAX + (2^103 - 2^104), finite.
        v[399] = std::numeric_limits<float>::max();
        v[400] = 0x1p103f;
        v[401] = -0x1p104f;
      } else if (pattern == 3 && n > 0) { // NaN in the last (loop) part
        v[n - 1] = std::nanf("");
      }
      interp(v, want);
      k(v, got);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_TRUE((std::isnan(want[i]) && std::isnan(got[i])) || want[i] == got[i])
            << "n=" << n << " pattern " << pattern << ", " << i << ": " << want[i]
            << " vs " << got[i];
      if (pattern == 1 && n > 600)
        EXPECT_TRUE(std::isinf(want[501]) && std::isnan(want[503]));
      if (pattern == 2 && n > 600)
        EXPECT_TRUE(std::isinf(want[401]));
    }
  }
}

} // namespace

namespace {

TEST(ParallelFolds, ABadChunkSettingIsRefusedWithItsName) {
  Program p = make(families()[0]);
  for (const char *bad : {"abc", "0", "-5", "12x"}) {
    SCOPED_TRACE(bad);
    setenv("SEQFUSE_PARALLEL_CHUNK", bad, 1);
    try {
      compile(p, Target::cpu(), Options{.numThreads = 3});
      ADD_FAILURE() << "accepted";
    } catch (const std::exception &e) {
      EXPECT_THAT(
          std::string(e.what()),
          HasSubstr("SEQFUSE_PARALLEL_CHUNK must be an iteration count >= 1, got '" +
                    std::string(bad) + "'"));
    }
    unsetenv("SEQFUSE_PARALLEL_CHUNK");
  }
}

} // namespace
