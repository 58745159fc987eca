//===- ParallelTest.cpp - maps on threads (seqfuse-parallelize-maps) ------===//
//
// Maps whose bodies make no run-time check run in chunks of a fixed size on
// OpenMP threads. Their results must be the loop's bit for bit, at every
// thread count and at sizes around the chunk and the serial cutoff; a map
// whose body checks an index stays one loop and raises exactly as the loop.
//
//===----------------------------------------------------------------------===//
#include "Differential.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>

extern "C" int omp_get_max_threads();
extern "C" void omp_set_num_threads(int);

using namespace seqfuse;
using namespace seqfuse::testing;
using ::testing::HasSubstr;

namespace {

constexpr int64_t kChunk = 16384, kCutoff = 65536; // ParallelizeMapsPass defaults
const int kThreadCounts[] = {1, 2, 4, 7};          // 7 oversubscribes 2 cores

/// out[i] = exp(-x[i]*x[i]) * a + y[i], and where x[i] > 0: z[i] = x[i] / 3.
struct Saxpy {
  Program p{"par_map"};
  Saxpy() {
    auto n = p.dim("n");
    auto x = p.input<float>("x", {n});
    auto y = p.input<float>("y", {n});
    auto out = p.output<float>("out", {n});
    auto z = p.output<double>("z", {n});
    auto a = p.param<float>("a");
    loop(0, n, [&](Var i) {
      out[i] = exp(-x[i] * x[i]) * a + y[i];
      if_(x[i] > 0.0f, [&] { z[i] = cast<double>(x[i]) / 3.0; });
    });
  }
};

std::vector<float> randomFloats(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 2.0f);
  std::vector<float> v(n);
  for (float &f : v)
    f = d(rng);
  if (n > 3) {
    v[1] = std::numeric_limits<float>::quiet_NaN();
    v[2] = -std::numeric_limits<float>::infinity();
  }
  return v;
}

/// Bit for bit, except that any NaN matches any NaN (the loop's NaN payloads
/// are not specified; the differential harness compares the same way).
template <class T> bool sameBits(const T *a, const T *b, size_t bytes) {
  for (size_t i = 0; i < bytes / sizeof(T); ++i)
    if (!(std::isnan(a[i]) && std::isnan(b[i])) &&
        std::memcmp(&a[i], &b[i], sizeof(T)) != 0)
      return false;
  return true;
}

TEST(Parallel, MapsAreTheLoopBitForBitAtEveryThreadCountAndSize) {
  Saxpy f;
  Kernel interp = compile(f.p, Target::interpreter());
  const int64_t sizes[] = {0,
                           1,
                           2,
                           15,
                           16,
                           17,
                           kChunk - 1,
                           kChunk,
                           kChunk + 1,
                           kCutoff - 1,
                           kCutoff,
                           kCutoff + 1,
                           3 * kChunk + 5 + kCutoff,
                           300001};
  for (int64_t n : sizes) {
    std::vector<float> x = randomFloats(n, n), y = randomFloats(n, n + 1);
    std::vector<float> want(n, 7.0f);
    std::vector<double> wantZ(n, -1.0);
    interp(x, y, want, wantZ, 1.5f);
    for (bool checked : {true, false}) {
      for (int threads : kThreadCounts) {
        SCOPED_TRACE("checked=" + std::to_string(checked) +
                     " threads=" + std::to_string(threads) + " n=" + std::to_string(n));
        Kernel k = compile(f.p, Target::cpu(),
                           Options{.checked = checked, .numThreads = threads});
        std::vector<float> out(n, 7.0f);
        std::vector<double> z(n, -1.0);
        k(x, y, out, z, 1.5f);
        ASSERT_TRUE(sameBits(out.data(), want.data(), n * sizeof(float)));
        ASSERT_TRUE(sameBits(z.data(), wantZ.data(), n * sizeof(double)));
      }
    }
  }
}

TEST(Parallel, TheReportAndTheIRSayTheMapRunsOnThreads) {
  Saxpy f;
  Kernel k = compile(f.p);
  std::vector<Remark> r = k.report();
  ASSERT_EQ(r.size(), 1u) << k.reportText();
  EXPECT_EQ(r[0].pattern, "map");
  EXPECT_THAT(r[0].detail, HasSubstr("algorithm: parallel: chunks of 16384 iterations"));
  EXPECT_THAT(k.ir(Stage::Checked), HasSubstr("scf.parallel"));
  EXPECT_THAT(k.ir(Stage::LLVMIR), HasSubstr("__kmpc_fork_call"));
  // The interpreter runs the loop form: its report keeps "sequential loop".
  EXPECT_THAT(compile(f.p, Target::interpreter()).report()[0].detail,
              HasSubstr("algorithm: sequential loop"));
}

/// out[i] = v[idx[i]]: the gather's index is checked at run time.
struct Gather {
  Program p{"par_gather"};
  Gather() {
    auto n = p.dim("n");
    auto v = p.input<float>("v");
    auto idx = p.input<int64_t>("idx", {n});
    auto out = p.output<float>("out", {n});
    loop(0, n, [&](Var i) { out[i] = v[idx[i]] * 2.0f; });
  }
};

TEST(Parallel, AMapThatChecksRunsInParallelUpToItsFirstFailureAndRaisesAsTheLoop) {
  // Checked: a parallel read-only pass finds the first iteration whose index
  // is out of range; the map runs in parallel before it and the loop from it.
  Gather g;
  Kernel k = compile(g.p, Target::cpu(), Options{.numThreads = 4});
  EXPECT_THAT(k.report()[0].detail,
              HasSubstr("algorithm: parallel: chunks of 16384 iterations"));
  EXPECT_THAT(k.report()[0].detail, HasSubstr("its run-time checks first"));
  int64_t n = 3 * kCutoff;
  std::vector<float> v(1000);
  for (int j = 0; j < 1000; ++j)
    v[j] = 0.25f * j - 40.0f; // finite: compared with ==
  std::vector<int64_t> idx(n);
  for (int64_t i = 0; i < n; ++i)
    idx[i] = (i * 7919) % 1000;
  idx[n / 2 + 11] = 1000; // the first bad index
  idx[n / 2 + 500] = -5;
  std::vector<float> out(n, 9.0f);
  try {
    k(v, idx, out);
    ADD_FAILURE() << "no IndexError";
  } catch (const IndexError &e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("index 1000 out of range for tensor 'v'"));
  }
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(out[i], i < n / 2 + 11 ? v[idx[i]] * 2.0f : 9.0f) << i;
  // Unchecked, the same map makes no check: it runs on threads.
  Kernel fast = compile(g.p, Target::cpu(), Options{.checked = false, .numThreads = 4});
  EXPECT_THAT(fast.report()[0].detail, HasSubstr("algorithm: parallel"));
  idx[n / 2 + 11] = 3;
  idx[n / 2 + 500] = 4;
  std::vector<float> o2(n);
  fast(v, idx, o2);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(o2[i], v[idx[i]] * 2.0f) << i;
}

TEST(Parallel, BatchedScansInAParallelMap) {
  // Rows are independent (a map over r), each a running sum along c.
  Program p("par_rows");
  auto r = p.dim("r"), c = p.dim("c");
  auto m = p.input<float, 2>("m", {r, c});
  auto out = p.output<float, 2>("out", {r, c});
  loop(0, r, [&](Var i) {
    auto acc = p.state<float>("acc", 0.0f);
    loop(0, c, [&](Var j) {
      acc += m(i, j);
      out(i, j) = acc;
    });
  });
  Kernel interp = compile(p, Target::interpreter());
  for (int threads : kThreadCounts) {
    Kernel k = compile(p, Target::cpu(), Options{.numThreads = threads});
    for (auto [rows, cols] :
         {std::pair<int64_t, int64_t>{kCutoff + 3, 2}, {70000, 3}, {5, 9}}) {
      std::vector<float> in = randomFloats(rows * cols, rows);
      std::vector<float> got(rows * cols), want(rows * cols);
      View<float> vin{in.data(), {rows, cols}}, vgot{got.data(), {rows, cols}},
          vwant{want.data(), {rows, cols}};
      k(vin, vgot);
      interp(vin, vwant);
      ASSERT_TRUE(sameBits(got.data(), want.data(), got.size() * sizeof(float)))
          << threads << " threads, " << rows << "x" << cols;
    }
  }
}

TEST(Parallel, KernelsRunFromManyThreadsAtOnceAndKeepTheCallersSetting) {
  Saxpy f;
  Kernel k = compile(f.p, Target::cpu(), Options{.numThreads = 2});
  Kernel interp = compile(f.p, Target::interpreter());
  int64_t n = 2 * kCutoff + 17;
  std::vector<float> x = randomFloats(n, 5), y = randomFloats(n, 6);
  std::vector<float> want(n, 0.0f);
  std::vector<double> wantZ(n, 0.0);
  interp(x, y, want, wantZ, 0.5f);
  std::vector<std::thread> callers;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      std::vector<float> out(n, 0.0f);
      std::vector<double> z(n, 0.0);
      for (int rep = 0; rep < 3; ++rep)
        k(x, y, out, z, 0.5f);
      ok[t] = sameBits(out.data(), want.data(), n * sizeof(float)) &&
              sameBits(z.data(), wantZ.data(), n * sizeof(double));
    });
  for (auto &c : callers)
    c.join();
  EXPECT_EQ(ok, std::vector<int>(4, 1));
  // Options::numThreads applies to the call only.
  omp_set_num_threads(3);
  std::vector<float> out(n);
  std::vector<double> z(n);
  k(x, y, out, z, 0.5f);
  EXPECT_EQ(omp_get_max_threads(), 3);
}

TEST(Parallel, NumThreadsIsValidated) {
  Saxpy f;
  EXPECT_THROW(compile(f.p, Target::cpu(), Options{.numThreads = -1}), CompileError);
  // Another thread count is another kernel (it is in the cache key).
  Kernel a = compile(f.p, Target::cpu(), Options{.numThreads = 1});
  Kernel b = compile(f.p, Target::cpu(), Options{.numThreads = 2});
  EXPECT_NE(a.impl(), b.impl());
  EXPECT_EQ(b.options().numThreads, 2);
}

TEST(Parallel, DifferentialAtEveryThreadCount) {
  // The random-input harness (NaN, Inf, out-of-range indices) on parallel
  // maps, large enough to pass the cutoff.
  for (int threads : kThreadCounts) {
    SCOPED_TRACE(threads);
    Saxpy f;
    GenOptions o;
    o.sizes = {kCutoff, kCutoff + 1, kCutoff + 2 * kChunk + 3};
    o.trials = 3;
    o.numThreads = threads;
    differential(f.p, o);
  }
}

} // namespace
