//===- ParallelScatterTest.cpp - scatters and histograms on threads -------===//
//
// seqfuse-lower-patterns gives last-writer-wins scatters and histograms
// private copies of the target: fixed blocks of iterations (as many as keep
// blocks x target elements <= n/4 for histograms, n/8 for scatters, at most
// 16), each into its own copy, then
// every element merged in block order. A block stops at its first index out
// of range; the blocks before it and its part up to there are merged, and the
// loop goes on from that iteration, so checked mode raises exactly where the
// loop does, with the loop's memory. With fewer than two blocks the target
// is split among the threads (owner-computes): each runs every iteration in
// order and writes its own elements, stopping at the same first index out
// of range. Checked here, at sizes around the block boundaries and at 1, 2,
// 4 and 7 threads:
//   - integer histograms, float min/max and scatters give the loop's bits;
//   - float + histograms differ by at most the reassociation bound, and not
//     at all with strictFP or owner-computes (both keep the loop's order);
//   - every result is bitwise the same for any thread count.
// SEQFUSE_PARALLEL_CHUNK=16 makes small sizes run in parallel (from 64).
//
//===----------------------------------------------------------------------===//
#include "Differential.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>

using namespace seqfuse;
using namespace seqfuse::testing;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const int kThreadCounts[] = {1, 2, 4, 7}; // 7 oversubscribes 2 cores
constexpr int64_t kSmallChunk = 16;

struct Family {
  const char *name;
  bool reassociates; ///< its combiner rounds floats
  std::function<void(Program &)> build;
  /// The argument holding indices, and the target they index.
  const char *indices, *target;
  /// The arguments shaped like the target, and what the indices add to it.
  std::vector<const char *> targetShaped;
  int64_t offset = 0;
};

std::vector<Family> families() {
  return {
      {"count_i64",
       false,
       [](Program &p) {
         auto h = p.inout<int64_t>("h");
         auto bin = p.input<int32_t>("bin");
         loop(0, bin.size(0), [&](Var i) { h[bin[i]] += 1; });
       },
       "bin",
       "h",
       {"h"}},
      {"weights_f32",
       true,
       [](Program &p) {
         auto h = p.inout<float>("h");
         auto bin = p.input<int64_t>("bin");
         auto w = p.input<float>("w", {bin.size(0)});
         loop(0, bin.size(0), [&](Var i) { h[bin[i]] += w[i]; });
       },
       "bin",
       "h",
       {"h"}},
      {"min_f32",
       false,
       [](Program &p) { // NaN, ±0 and inf keys: min and max are exact in any order
         auto lo = p.inout<float>("lo");
         auto bin = p.input<int64_t>("bin");
         auto w = p.input<float>("w", {bin.size(0)});
         loop(0, bin.size(0), [&](Var i) { lo[bin[i]].minWith(w[i]); });
       },
       "bin",
       "lo",
       {"lo"}},
      {"max_f64",
       false,
       [](Program &p) {
         auto hi = p.inout<double>("hi");
         auto bin = p.input<int32_t>("bin");
         auto w = p.input<double>("w", {bin.size(0)});
         loop(0, bin.size(0), [&](Var i) { hi[bin[i]].maxWith(w[i]); });
       },
       "bin",
       "hi",
       {"hi"}},
      {"xor_i32",
       false,
       [](Program &p) {
         auto x = p.inout<int32_t>("x");
         auto bin = p.input<int64_t>("bin");
         auto k = p.input<int32_t>("k", {bin.size(0)});
         loop(0, bin.size(0), [&](Var i) { x[bin[i]] = x[bin[i]] ^ k[i]; });
       },
       "bin",
       "x",
       {"x"}},
      {"product_i32",
       false,
       [](Program &p) { // wraps like the loop
         auto h = p.inout<int32_t>("h");
         auto bin = p.input<int64_t>("bin");
         auto k = p.input<int32_t>("k", {bin.size(0)});
         loop(0, bin.size(0), [&](Var i) { h[bin[i]] *= k[i] | 1; });
       },
       "bin",
       "h",
       {"h"}},
      {"last_writer_f32",
       false,
       [](Program &p) { // duplicates: the highest i wins
         auto t = p.inout<float>("t");
         auto idx = p.input<int64_t>("idx");
         auto m = p.input<float>("m", {idx.size(0)});
         loop(0, idx.size(0), [&](Var i) { t[idx[i]] = m[i] * 2.0f; });
       },
       "idx",
       "t",
       {"t"}},
      {"last_writer_i64_offset",
       false,
       [](Program &p) { // the index is an expression of the data
         auto t = p.inout<int64_t>("t");
         auto idx = p.input<int32_t>("idx");
         loop(0, idx.size(0), [&](Var i) { t[idx[i] - 1] = cast<int64_t>(i); });
       },
       "idx",
       "t",
       {"t"},
       1},
  };
}

Program make(const Family &f) {
  Program p(f.name);
  f.build(p);
  return p;
}

GenOptions optionsFor(const Family &f, int threads) {
  GenOptions o;
  // Around the cutoff (64) and the block count's steps (n / (2 x size)).
  o.sizes = {0, 1, 2, 3, 5, 8, 63, 64, 65, 200, 257, 1000, 4097};
  o.trials = 16;
  o.numThreads = threads;
  o.parallelChunk = kSmallChunk;
  o.seed = 2000 + threads;
  o.indexInto[f.indices] = {f.target, 0};
  return o;
}

TEST(ParallelScatters, EveryFamilyMatchesTheLoopAtEveryThreadCount) {
  for (const Family &f : families())
    for (int threads : kThreadCounts) {
      SCOPED_TRACE(std::string(f.name) + " threads=" + std::to_string(threads));
      Program p = make(f);
      GenOptions o = optionsFor(f, threads);
      differential(p, o);
      // Out-of-range indices: the same IndexError at the same iteration, the
      // same writes before it (and the unchecked kernel where none is).
      o.indexInto[f.indices] = {f.target, 1};
      o.seed += 100;
      differential(p, o);
      if (::testing::Test::HasFailure())
        return;
    }
}

TEST(ParallelScatters, TheReportNamesTheAlgorithmAndTheFloatPolicy) {
  for (const Family &f : families()) {
    SCOPED_TRACE(f.name);
    Program p = make(f);
    Kernel k = compile(p); // checked: the element's accesses are proven
    std::string text = k.reportText();
    EXPECT_THAT(text, HasSubstr("algorithm: parallel: private copies of the target"));
    EXPECT_THAT(text,
                HasSubstr(f.reassociates ? "floats reassociated in that fixed grouping"
                                         : "exact: the loop's result bit for bit"));
    EXPECT_THAT(k.ir(Stage::LLVMIR), HasSubstr("__kmpc_fork_call"));
    // Scatters into targets too large for copies: split among the threads.
    if (std::string(f.name).rfind("last_writer", 0) == 0)
      EXPECT_THAT(text, HasSubstr("with fewer than two blocks, owner-computes"));
    else
      EXPECT_THAT(text, Not(HasSubstr("owner-computes")));
    Kernel strict = compile(p, Target::cpu(), Options{.strictFP = true});
    if (f.reassociates)
      EXPECT_THAT(strict.reportText(), Not(HasSubstr("algorithm: parallel")));
    else
      EXPECT_THAT(strict.reportText(), HasSubstr("algorithm: parallel: private copies"));
  }
}

TEST(ParallelScatters, ResultsAreBitwiseTheSameForAnyThreadCount) {
  for (const Family &f : families()) {
    Program p = make(f);
    for (auto [n, bins] : {std::pair<int64_t, int64_t>{70000, 256},
                           {300000, 5000},
                           {3001, 7},
                           {100000, int64_t(1) << 17}}) {
      SCOPED_TRACE(std::string(f.name) + " n=" + std::to_string(n));
      GenOptions o;
      o.specialProb = 0.0005;
      o.sizes = {n};
      // Indices in range for a target of `bins` elements.
      o.fill[f.indices] = [&](Buffer &b, std::mt19937_64 &r) {
        for (int64_t e = 0; e < b.elems(); ++e) {
          int64_t v = static_cast<int64_t>(r() % bins) + f.offset;
          if (b.type == DType::I32)
            b.as<int32_t>()[e] = static_cast<int32_t>(v);
          else
            b.as<int64_t>()[e] = v;
        }
      };
      std::mt19937_64 rng(n);
      std::vector<Buffer> bufs = generate(p.data(), o, rng);
      // The target and its like: `bins` elements (their first ones).
      for (size_t j = 0; j < bufs.size(); ++j)
        for (const char *name : f.targetShaped)
          if (p.data().args[j].name == name) {
            bufs[j].shape = {bins};
            bufs[j].bytes.resize(bins * dtypeBytes(bufs[j].type));
          }
      ParallelChunk scope(n == 3001 ? kSmallChunk : 0);
      std::vector<std::vector<unsigned char>> first;
      Kernel interp = compile(p, Target::interpreter());
      Outcome want = runOn(interp, bufs);
      ASSERT_FALSE(want.error) << *want.error;
      for (int threads : kThreadCounts) {
        Kernel k = compile(p, Target::cpu(), Options{.numThreads = threads});
        ASSERT_THAT(k.reportText(), HasSubstr("private copies"));
        Outcome got = runOn(k, bufs);
        ASSERT_FALSE(got.error) << *got.error;
        std::vector<std::vector<unsigned char>> bytes;
        for (Buffer &b : got.bufs)
          bytes.push_back(b.bytes);
        if (first.empty())
          first = bytes;
        else
          ASSERT_TRUE(bytes == first) << threads << " threads";
        // Fewer than two blocks: owner-computes (scatters) or the loop
        // (histograms), the loop's bits for floats too.
        bool inOrder = n / (4 * bins) < 2;
        if (!f.reassociates || inOrder)
          for (size_t j = 0; j < got.bufs.size(); ++j)
            ASSERT_TRUE(sameBits(want.bufs[j], got.bufs[j])) << p.data().args[j].name;
      }
    }
  }
}

TEST(ParallelScatters, AnIndexOutOfRangeRaisesWhereTheLoopDoesWithItsWrites) {
  Program p("par_hist_error");
  auto h = p.inout<int64_t>("h");
  auto bin = p.input<int64_t>("bin");
  loop(0, bin.size(0), [&](Var i) { h[bin[i]] += cast<int64_t>(i); });
  Kernel k = compile(p, Target::cpu(), Options{.numThreads = 4});
  EXPECT_THAT(k.reportText(), HasSubstr("private copies"));
  int64_t n = 400000;
  // 64 bins: private copies; 2^18: owner-computes (n / (4 x bins) < 2).
  for (int64_t size : {int64_t(64), int64_t(1) << 18})
    for (int64_t bad : {int64_t(7), int64_t(130000), int64_t(399999)}) {
      SCOPED_TRACE(std::to_string(size) + " bins, bad " + std::to_string(bad));
      std::vector<int64_t> hs(size, 5), bins(n);
      for (int64_t i = 0; i < n; ++i)
        bins[i] = (i * 37) % size;
      bins[bad] = size;
      if (bad + 1 < n)
        bins[bad + 1] = -1; // a later one too
      try {
        k(hs, bins);
        ADD_FAILURE() << "no IndexError";
      } catch (const IndexError &e) {
        EXPECT_THAT(std::string(e.what()), HasSubstr("index " + std::to_string(size) +
                                                     " out of range for tensor 'h'"));
      }
      std::vector<int64_t> want(size, 5);
      for (int64_t i = 0; i < bad; ++i)
        want[bins[i]] += i;
      EXPECT_EQ(hs, want);
    }
}

TEST(ParallelScatters, AGatherInTheElementIsCheckedFirstInParallel) {
  Program p("par_gather_scatter");
  auto t = p.inout<float>("t");
  auto v = p.input<float>("v");
  auto src = p.input<int64_t>("src");
  auto dst = p.input<int64_t>("dst", {src.size(0)});
  loop(0, src.size(0), [&](Var i) { t[dst[i]] = v[src[i]]; });
  EXPECT_THAT(compile(p).reportText(), HasSubstr("its run-time checks first"));
  EXPECT_THAT(compile(p, Target::cpu(), Options{.checked = false}).reportText(),
              HasSubstr("algorithm: parallel: private copies"));
  GenOptions o;
  o.sizes = {0, 1, 5, 64, 65, 300};
  o.parallelChunk = kSmallChunk;
  o.numThreads = 2;
  o.indexInto["src"] = {"v", 0};
  o.indexInto["dst"] = {"t", 0};
  differential(p, o); // v empty with src not: an IndexError, as in the loop
}

TEST(ParallelScatters, ALargeTargetIsSplitAmongTheThreads) {
  // Blocks x target elements must stay <= n/8 for copies: t as large as the
  // indices is split among the threads instead (the kernel decides per
  // call), each writing its own elements in the loop's order. Duplicates
  // (every index twice), targets whose size is not a multiple of the
  // owners' lines, and thread counts above the core count.
  Program p = make(families()[6]); // last_writer_f32
  Kernel interp = compile(p, Target::interpreter());
  for (int threads : kThreadCounts)
    for (int64_t n : {int64_t(100000), int64_t(65793)}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, n " + std::to_string(n));
      Kernel k = compile(p, Target::cpu(), Options{.numThreads = threads});
      std::vector<float> t(n, -1.0f), want(n, -1.0f), m(n);
      std::vector<int64_t> idx(n);
      for (int64_t i = 0; i < n; ++i) {
        idx[i] = (i * 7919) % n / 2;
        m[i] = static_cast<float>(i);
      }
      interp(want, idx, m);
      k(t, idx, m);
      EXPECT_EQ(t, want);
    }
}

TEST(ParallelScatters, OwnerComputesStopsAtTheFirstIndexOutOfRange) {
  // Owners check each block of 256 iterations before writing it: a bad
  // index at, before and after a block boundary, and in the last block.
  Program p = make(families()[6]); // last_writer_f32
  Kernel k = compile(p, Target::cpu(), Options{.numThreads = 2});
  int64_t n = 100000;
  for (int64_t bad :
       {int64_t(0), int64_t(255), int64_t(256), int64_t(257), int64_t(70001), n - 1}) {
    SCOPED_TRACE(bad);
    std::vector<float> t(n, -1.0f), want(n, -1.0f), m(n);
    std::vector<int64_t> idx(n);
    for (int64_t i = 0; i < n; ++i) {
      idx[i] = (i * 7919) % n;
      m[i] = static_cast<float>(i);
    }
    idx[bad] = n + 3;
    if (bad + 1 < n)
      idx[bad + 1] = -2; // a later one too
    try {
      k(t, idx, m);
      ADD_FAILURE() << "no IndexError";
    } catch (const IndexError &e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr("index " + std::to_string(n + 3) +
                                                   " out of range for tensor 't'"));
    }
    for (int64_t i = 0; i < bad; ++i)
      want[idx[i]] = 2.0f * m[i];
    EXPECT_EQ(t, want);
  }
}

TEST(ParallelScatters, AStrictFloatScatterRunsInParallel) {
  // A last writer rounds nothing: strictFP keeps a scatter parallel.
  Program p = make(families()[6]); // last_writer_f32
  Kernel strict = compile(p, Target::cpu(), Options{.strictFP = true});
  EXPECT_THAT(strict.reportText(),
              AllOf(HasSubstr("algorithm: parallel: private copies"),
                    HasSubstr("owner-computes"), Not(HasSubstr("reassociated"))));
  // differential() runs an unchecked strictFP kernel too, bit for bit.
  differential(p, optionsFor(families()[6], 2));
}

TEST(ParallelScatters, AScatterAfterAScanRunsAsItsOwnPassAndTheReportSaysWhy) {
  // map -> scan -> scatter: the map and the scan fuse; the scatter stays its
  // own pass (its copies read only the indices, the values once at the
  // merge), and the report says so at the scatter's line.
  Program p("chain");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto idx = p.input<int64_t>("idx", {n});
  auto y = p.output<float>("y", {n});
  auto c = p.output<float>("c", {n});
  auto t = p.inout<float>("t");
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) { y[i] = 0.5f * v[i] + 1.0f; });
  loop(0, n, [&](Var i) {
    acc += y[i];
    c[i] = acc;
  });
  loop(0, n, [&](Var i) { t[idx[i]] = c[i]; });
  Kernel k = compile(p);
  std::vector<Remark> r = k.report();
  auto line = [&](const char *pattern) {
    auto it = std::find_if(r.begin(), r.end(),
                           [&](const Remark &x) { return x.pattern == pattern; });
    return it == r.end() ? Remark{} : *it;
  };
  EXPECT_THAT(line("fused").detail, HasSubstr("run as one scan loop")) << k.reportText();
  Remark apart = line("not fused");
  EXPECT_EQ(apart.location, line("scatter").location) << k.reportText();
  EXPECT_THAT(apart.detail,
              ::testing::MatchesRegex(
                  "scatter runs as its own loop after the map at .*:[0-9]+ \\+ scan at "
                  ".*:[0-9]+: a last-writer-wins scatter runs as its own pass: .*"))
      << k.reportText();
  for (int threads : kThreadCounts) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    GenOptions o;
    o.sizes = {0, 1, 2, 3, 63, 64, 65, 1000, 4097};
    o.trials = 12;
    o.numThreads = threads;
    o.parallelChunk = kSmallChunk;
    o.floatLo = -0.5;
    o.floatHi = 0.5;
    o.indexInto["idx"] = {"t", threads == 7 ? 1 : 0}; // out of range too
    differential(p, o);
  }
}

} // namespace
