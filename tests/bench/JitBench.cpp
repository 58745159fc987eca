//===- JitBench.cpp - JIT latency, cache hits, kernel throughput ----------===//
//
// Run through scripts/bench.sh, which prints each result as a ratio against
// baselines measured in the same run (memcpy, the plain -O3 C++ loop).
//
//===----------------------------------------------------------------------===//
#include <seqfuse/seqfuse.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>
#include <thread>
#include <vector>

using namespace seqfuse;

namespace {

/// A small program: running sum with a conditional reset.
Program smallProgram(float reset) {
  Program p("small");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    acc += v[i];
    if_(acc > reset, [&] { acc = 0.0f; });
    out[i] = acc;
  });
  return p;
}

/// Cold: emit + pipeline + LLVM JIT + lookup, cache bypassed.
void BM_ColdJit(benchmark::State &state) {
  for (auto _ : state) {
    state.PauseTiming();
    clearCache();
    Program p = smallProgram(100.0f);
    state.ResumeTiming();
    Kernel k = compile(p);
    benchmark::DoNotOptimize(k.impl());
  }
}
BENCHMARK(BM_ColdJit)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(20)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

/// Cache hit: fingerprint + lookup of an already compiled program.
void BM_CacheHit(benchmark::State &state) {
  Program p = smallProgram(100.0f);
  Kernel k = compile(p);
  for (auto _ : state) {
    Kernel again = compile(p);
    benchmark::DoNotOptimize(again.impl());
  }
}
BENCHMARK(BM_CacheHit)->Unit(benchmark::kMicrosecond);

constexpr int64_t kN = 1 << 22;

void BM_Memcpy(benchmark::State &state) {
  std::vector<float> a(kN, 1.0f), b(kN);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), kN * sizeof(float));
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kN * 8);
}
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);

void BM_PlainLoop(benchmark::State &state) {
  std::vector<float> v(kN, 1.0f), out(kN);
  for (auto _ : state) {
    float acc = 0;
    for (int64_t i = 0; i < kN; ++i) {
      acc += v[i];
      if (acc > 100.0f)
        acc = 0;
      out[i] = acc;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kN * 8);
}
BENCHMARK(BM_PlainLoop)->Unit(benchmark::kMillisecond);

void runKernel(benchmark::State &state, Options o) {
  Program p = smallProgram(100.0f);
  Kernel k = compile(p, Target::cpu(), o);
  std::vector<float> v(kN, 1.0f), out(kN);
  for (auto _ : state) {
    k(v, out);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kN * 8);
}
void BM_SeqfuseChecked(benchmark::State &state) { runKernel(state, Options{}); }
void BM_SeqfuseUnchecked(benchmark::State &state) {
  runKernel(state, Options{.checked = false});
}
BENCHMARK(BM_SeqfuseChecked)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SeqfuseUnchecked)->Unit(benchmark::kMillisecond);

/// A second-order linear recurrence (a linear-system scan of two states).
void BM_PlainOrder2(benchmark::State &state) {
  std::vector<double> x(kN, 0.5), c(kN, 0.25);
  for (auto _ : state) {
    for (int64_t i = 2; i < kN; ++i)
      x[i] = 0.5 * x[i - 1] + 0.25 * x[i - 2] + c[i];
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PlainOrder2)->Unit(benchmark::kMillisecond);

void BM_SeqfuseOrder2(benchmark::State &state) {
  Program p("order2");
  auto x = p.inout<double>("x");
  auto c = p.input<double>("c", {x.size(0)});
  loop(2, x.size(0), [&](Var i) { x[i] = 0.5 * x[i - 1] + 0.25 * x[i - 2] + c[i]; });
  Kernel k = compile(p, Target::cpu(), Options{.checked = false});
  std::vector<double> xs(kN, 0.5), cs(kN, 0.25);
  for (auto _ : state) {
    k(xs, cs);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SeqfuseOrder2)->Unit(benchmark::kMillisecond);

/// One loop of three statement groups: a map, a non-linear (sequential)
/// state, a scan. seqfuse distributes it, then fuses the map and the scan
/// back: two passes over memory where the plain loop makes one.
void BM_PlainMixed(benchmark::State &state) {
  std::vector<float> v(kN, 0.25f), out(kN), res(kN), sums(kN);
  for (auto _ : state) {
    float x = 0, acc = 0;
    for (int64_t i = 0; i < kN; ++i) {
      out[i] = v[i] * 2.0f;
      x = x * x + v[i];
      res[i] = x;
      acc += v[i];
      sums[i] = acc;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::DoNotOptimize(res.data());
    benchmark::DoNotOptimize(sums.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PlainMixed)->Unit(benchmark::kMillisecond);

void BM_SeqfuseMixed(benchmark::State &state) {
  Program p("mixed");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto res = p.output<float>("res", {n});
  auto sums = p.output<float>("sums", {n});
  auto x = p.state<float>("x", 0.0f);
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    out[i] = v[i] * 2.0f;
    x = x * x + v[i];
    res[i] = x;
    acc += v[i];
    sums[i] = acc;
  });
  Kernel k = compile(p, Target::cpu(), Options{.checked = false});
  std::vector<float> vs(kN, 0.25f), o(kN), r(kN), su(kN);
  for (auto _ : state) {
    k(vs, o, r, su);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SeqfuseMixed)->Unit(benchmark::kMillisecond);

} // namespace

//===----------------------------------------------------------------------===//
// A map on threads (seqfuse-parallelize-maps): out[i] = a*x[i] + y[i], 12
// bytes per element, at sizes across the serial cutoff (65536), against the
// plain -O3 loop and memcpy of the same 12 bytes, all in this run. Argument:
// log2 of n; second argument: threads (0: the default, all hardware threads).
//===----------------------------------------------------------------------===//

Program mapProgram() {
  Program p("bench_map");
  auto n = p.dim("n");
  auto x = p.input<float>("x", {n});
  auto y = p.input<float>("y", {n});
  auto out = p.output<float>("out", {n});
  auto a = p.param<float>("a");
  loop(0, n, [&](Var i) { out[i] = a * x[i] + y[i]; });
  return p;
}

void BM_SeqfuseMap(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  Program p = mapProgram();
  Kernel k = compile(p, Target::cpu(), Options{.numThreads = int(state.range(1))});
  std::vector<float> x(n, 1.0f), y(n, 2.0f), out(n);
  for (auto _ : state) {
    k(x, y, out, 3.0f);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 12);
}
BENCHMARK(BM_SeqfuseMap)
    ->ArgsProduct({{10, 14, 16, 18, 20, 22, 24}, {1, 0}})
    ->Unit(benchmark::kMicrosecond);

void BM_PlainMap(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> x(n, 1.0f), y(n, 2.0f), out(n);
  float a = 3.0f;
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    for (int64_t i = 0; i < n; ++i)
      out[i] = a * x[i] + y[i];
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 12);
}
BENCHMARK(BM_PlainMap)->DenseRange(10, 24, 2)->Unit(benchmark::kMicrosecond);

void BM_MemcpyMap(benchmark::State &state) { // the same 12 bytes per element
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> a(2 * n, 1.0f), b(2 * n);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), n * sizeof(float) * 3 / 2);
    benchmark::DoNotOptimize(b.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 12);
}
BENCHMARK(BM_MemcpyMap)->DenseRange(10, 24, 2)->Unit(benchmark::kMicrosecond);

//===----------------------------------------------------------------------===//
// Folds on threads (blocked reduce-then-scan): the f32 sum scan (8 bytes per
// element) against memcpy of the same bytes, the plain -O3 loop and
// std::inclusive_scan; the f32 affine recurrence s = a[i]*s + b[i] (12 bytes
// per element) against its plain loop. Argument: log2 of n; second: threads
// (0: all).
//===----------------------------------------------------------------------===//

/// Runs `body` once per benchmark iteration, keeping `out` alive; the rate
/// counts `bytes` per element of n.
template <class F>
void timeLoop(benchmark::State &state, int64_t n, int bytes, const float *out, F &&body) {
  for (auto _ : state) {
    body();
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * bytes);
}

constexpr int kFoldSizes[] = {10, 14, 18, 22, 24, 26};

void foldSizes(benchmark::internal::Benchmark *b, bool threads) {
  for (int lg : kFoldSizes) {
    if (threads) {
      b->Args({lg, 1});
      b->Args({lg, 0});
    } else {
      b->Args({lg});
    }
  }
}

Program cumsumProgram() {
  Program p("bench_cumsum");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    acc += v[i];
    out[i] = acc;
  });
  return p;
}

std::vector<float> ramp(int64_t n, float scale) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = scale * static_cast<float>((i * 7919) % 201 - 100);
  return v;
}

void BM_SeqfuseCumsum(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  Kernel k =
      compile(cumsumProgram(), Target::cpu(), Options{.numThreads = int(state.range(1))});
  std::vector<float> v = ramp(n, 0.01f), out(n);
  timeLoop(state, n, 8, out.data(), [&] { k(v, out); });
}
BENCHMARK(BM_SeqfuseCumsum)
    ->Apply([](auto *b) { foldSizes(b, true); }) -> Unit(benchmark::kMicrosecond);

void BM_PlainCumsum(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> v = ramp(n, 0.01f), out(n);
  timeLoop(state, n, 8, out.data(), [&] {
    float acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      acc += v[i];
      out[i] = acc;
    }
  });
}
BENCHMARK(BM_PlainCumsum)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);

void BM_InclusiveScan(benchmark::State &state) { // std::inclusive_scan, no policy
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> v = ramp(n, 0.01f), out(n);
  timeLoop(state, n, 8, out.data(),
           [&] { std::inclusive_scan(v.begin(), v.end(), out.begin()); });
}
BENCHMARK(BM_InclusiveScan)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);

void BM_MemcpyBytes(benchmark::State &state) { // memcpy of 4 bytes per element
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> a(n, 1.0f), b(n);
  timeLoop(state, n, 8, b.data(),
           [&] { std::memcpy(b.data(), a.data(), n * sizeof(float)); });
}
BENCHMARK(BM_MemcpyBytes)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);

/// memcpy of 4 bytes per element on every hardware thread, each copying its
/// contiguous share (threads started per iteration: ~20-50 us of the ~1 ms
/// at 2^22): the copy bandwidth with all cores, the other ceiling of a
/// parallel kernel (one core nearly saturates memory here).
void BM_MemcpyThreads(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> a(n, 1.0f), b(n);
  const int64_t threads = std::max(1u, std::thread::hardware_concurrency());
  timeLoop(state, n, 8, b.data(), [&] {
    std::vector<std::thread> pool;
    for (int64_t t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        int64_t lo = n * t / threads, hi = n * (t + 1) / threads;
        std::memcpy(b.data() + lo, a.data() + lo, (hi - lo) * sizeof(float));
      });
    for (std::thread &th : pool)
      th.join();
  });
}
BENCHMARK(BM_MemcpyThreads)->Arg(22)->Arg(24)->Unit(benchmark::kMicrosecond);

Program affineProgram() {
  Program p("bench_affine");
  auto n = p.dim("n");
  auto a = p.input<float>("a", {n});
  auto b = p.input<float>("b", {n});
  auto out = p.output<float>("out", {n});
  auto s = p.state<float>("s", 0.0f);
  loop(0, n, [&](Var i) {
    s = a[i] * s + b[i];
    out[i] = s;
  });
  return p;
}

void BM_SeqfuseAffine(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  Kernel k =
      compile(affineProgram(), Target::cpu(), Options{.numThreads = int(state.range(1))});
  std::vector<float> a = ramp(n, 0.009f), b = ramp(n, 0.5f), out(n);
  timeLoop(state, n, 12, out.data(), [&] { k(a, b, out); });
}
BENCHMARK(BM_SeqfuseAffine)
    ->Apply([](auto *b) { foldSizes(b, true); }) -> Unit(benchmark::kMicrosecond);

void BM_PlainAffine(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> a = ramp(n, 0.009f), b = ramp(n, 0.5f), out(n);
  timeLoop(state, n, 12, out.data(), [&] {
    float s = 0;
    for (int64_t i = 0; i < n; ++i) {
      s = a[i] * s + b[i];
      out[i] = s;
    }
  });
}
BENCHMARK(BM_PlainAffine)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);

/// A running max or product over v: out[i] = m = max(m, v[i]) or m * v[i].
Program cumProgram(bool product) {
  Program p(product ? "bench_cumprod" : "bench_cummax");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto m = p.state<float>("m", product ? 1.0f : -std::numeric_limits<float>::infinity());
  loop(0, n, [&](Var i) {
    if (product)
      m = m * v[i];
    else
      m = max(m, v[i]);
    out[i] = m;
  });
  return p;
}

/// Inputs near 1 for the product, so that it stays finite and normal.
std::vector<float> cumInput(int64_t n, bool product) {
  std::vector<float> v = ramp(n, product ? 1e-5f : 0.01f);
  if (product)
    for (float &x : v)
      x += 1.0f;
  return v;
}

void BM_SeqfuseCumOp(benchmark::State &state, bool product) {
  int64_t n = int64_t(1) << state.range(0);
  Kernel k = compile(cumProgram(product), Target::cpu());
  std::vector<float> v = cumInput(n, product), out(n);
  timeLoop(state, n, 8, out.data(), [&] { k(v, out); });
}
void BM_PlainCumOp(benchmark::State &state, bool product) {
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> v = cumInput(n, product), out(n);
  timeLoop(state, n, 8, out.data(), [&] {
    float m = product ? 1.0f : -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) {
      m = product ? m * v[i] : std::max(m, v[i]);
      out[i] = m;
    }
  });
}
void BM_SeqfuseCummax(benchmark::State &s) { BM_SeqfuseCumOp(s, false); }
void BM_PlainCummax(benchmark::State &s) { BM_PlainCumOp(s, false); }
void BM_SeqfuseCumprod(benchmark::State &s) { BM_SeqfuseCumOp(s, true); }
void BM_PlainCumprod(benchmark::State &s) { BM_PlainCumOp(s, true); }
BENCHMARK(BM_SeqfuseCummax)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PlainCummax)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SeqfuseCumprod)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PlainCumprod)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);

/// A float dot product, acc += x[i] * y[i] (a reduction: 8 bytes per
/// element). The plain loop is what -O3 makes of it: one chain of adds
/// (without -ffast-math it may not regroup them).
Program dotProgram() {
  Program p("bench_dot");
  auto n = p.dim("n");
  auto x = p.input<float>("x", {n});
  auto y = p.input<float>("y", {n});
  auto res = p.output<float>("res", {1});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) { acc += x[i] * y[i]; });
  res[0] = acc;
  return p;
}
void BM_SeqfuseDot(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  Kernel k = compile(dotProgram(), Target::cpu());
  std::vector<float> x = ramp(n, 0.01f), y = ramp(n, 0.02f), res(1);
  timeLoop(state, n, 8, res.data(), [&] { k(x, y, res); });
}
void BM_PlainDot(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> x = ramp(n, 0.01f), y = ramp(n, 0.02f), res(1);
  timeLoop(state, n, 8, res.data(), [&] {
    float acc = 0;
    for (int64_t i = 0; i < n; ++i)
      acc += x[i] * y[i];
    res[0] = acc;
  });
}
BENCHMARK(BM_SeqfuseDot)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PlainDot)
    ->Apply([](auto *b) { foldSizes(b, false); }) -> Unit(benchmark::kMicrosecond);

/// A segmented running max: m = start[i] ? v[i] : max(m, v[i]); out[i] = m.
/// Segments start every 1000 elements or so (pseudo-random flags).
std::vector<char> segmentStarts(int64_t n) {
  std::vector<char> f(n);
  uint64_t x = 88172645463325252ull;
  for (int64_t i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    f[i] = (x % 1000) == 0;
  }
  return f;
}

void BM_SeqfuseSegMax(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  Program p("bench_segmax");
  auto nn = p.dim("n");
  auto v = p.input<float>("v", {nn});
  auto start = p.input<bool>("start", {nn});
  auto out = p.output<float>("out", {nn});
  auto m = p.state<float>("m", -std::numeric_limits<float>::infinity());
  loop(0, nn, [&](Var i) {
    if_(start[i], [&] { m = v[i]; }).else_([&] { m = max(m, v[i]); });
    out[i] = m;
  });
  Kernel k = compile(p);
  std::vector<float> vs = ramp(n, 0.01f), os(n);
  std::vector<char> fs = segmentStarts(n);
  std::span<const bool> flags(reinterpret_cast<const bool *>(fs.data()), fs.size());
  timeLoop(state, n, 9, os.data(), [&] { k(vs, flags, os); });
}
BENCHMARK(BM_SeqfuseSegMax)->Arg(22)->Arg(24)->Unit(benchmark::kMicrosecond);

void BM_PlainSegMax(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  std::vector<float> vs = ramp(n, 0.01f), os(n);
  std::vector<char> fs = segmentStarts(n);
  timeLoop(state, n, 9, os.data(), [&] {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < n; ++i) {
      m = fs[i] ? vs[i] : std::max(m, vs[i]);
      os[i] = m;
    }
  });
}
BENCHMARK(BM_PlainSegMax)->Arg(22)->Arg(24)->Unit(benchmark::kMicrosecond);

//===----------------------------------------------------------------------===//
// Scatters on threads: an f32 histogram h[bin[i]] += w[i] into 2^8 or 2^20
// bins and a
// last-writer-wins scatter t[idx[i]] = v[i] into 2^12 or 2^20 elements,
// random indices, 2^22 iterations, against their plain -O3 loops. Arguments:
// checked (seqfuse), log2 of the scatter's target size.
//===----------------------------------------------------------------------===//

constexpr int64_t kScatterN = int64_t(1) << 22;

std::vector<int64_t> randomIndices(int64_t n, int64_t range) {
  std::vector<int64_t> v(n);
  uint64_t x = 88172645463325252ull;
  for (int64_t i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v[i] = static_cast<int64_t>(x % static_cast<uint64_t>(range));
  }
  return v;
}

void BM_SeqfuseHistogram(benchmark::State &state) {
  Program p("bench_hist");
  auto bin = p.input<int64_t>("bin");
  auto w = p.input<float>("w", {bin.size(0)});
  auto h = p.inout<float>("h");
  loop(0, bin.size(0), [&](Var i) { h[bin[i]] += w[i]; });
  Kernel k = compile(p, Target::cpu(), Options{.checked = state.range(0) != 0});
  const int64_t targets = int64_t(1) << state.range(1);
  std::vector<int64_t> bins = randomIndices(kScatterN, targets);
  std::vector<float> ws = ramp(kScatterN, 0.01f), hs(targets);
  for (auto _ : state) {
    k(bins, ws, hs);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SeqfuseHistogram)
    ->ArgsProduct({{0, 1}, {8, 20}})
    ->Unit(benchmark::kMillisecond);

void BM_PlainHistogram(benchmark::State &state) {
  const int64_t targets = int64_t(1) << state.range(0);
  std::vector<int64_t> bins = randomIndices(kScatterN, targets);
  std::vector<float> ws = ramp(kScatterN, 0.01f), hs(targets);
  for (auto _ : state) {
    for (int64_t i = 0; i < kScatterN; ++i)
      hs[bins[i]] += ws[i];
    benchmark::DoNotOptimize(hs.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PlainHistogram)->Arg(8)->Arg(20)->Unit(benchmark::kMillisecond);

void BM_SeqfuseScatter(benchmark::State &state) {
  Program p("bench_scatter");
  auto idx = p.input<int64_t>("idx");
  auto v = p.input<float>("v", {idx.size(0)});
  auto t = p.inout<float>("t");
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = v[i]; });
  Kernel k = compile(p, Target::cpu(), Options{.checked = state.range(0) != 0});
  const int64_t targets = int64_t(1) << state.range(1);
  std::vector<int64_t> is = randomIndices(kScatterN, targets);
  std::vector<float> vs = ramp(kScatterN, 0.01f), ts(targets);
  for (auto _ : state) {
    k(is, vs, ts);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SeqfuseScatter)
    ->ArgsProduct({{0, 1}, {12, 20}})
    ->Unit(benchmark::kMillisecond);

void BM_PlainScatter(benchmark::State &state) {
  const int64_t targets = int64_t(1) << state.range(0);
  std::vector<int64_t> is = randomIndices(kScatterN, targets);
  std::vector<float> vs = ramp(kScatterN, 0.01f), ts(targets);
  for (auto _ : state) {
    for (int64_t i = 0; i < kScatterN; ++i)
      ts[is[i]] = vs[i];
    benchmark::DoNotOptimize(ts.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PlainScatter)->Arg(12)->Arg(20)->Unit(benchmark::kMillisecond);

//===----------------------------------------------------------------------===//
// A gather out[i] = v[idx[i]] * 2, 2^22 random indices into 2^20: checked
// mode checks every index (a parallel read-only pass first, then the map in
// parallel up to the first failure). Argument: checked.
//===----------------------------------------------------------------------===//

void BM_SeqfuseGather(benchmark::State &state) {
  Program p("bench_gather");
  auto v = p.input<float>("v");
  auto idx = p.input<int64_t>("idx");
  auto out = p.output<float>("out", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { out[i] = v[idx[i]] * 2.0f; });
  Kernel k = compile(p, Target::cpu(), Options{.checked = state.range(0) != 0});
  const int64_t targets = int64_t(1) << 20;
  std::vector<float> vs = ramp(targets, 0.01f), os(kScatterN);
  std::vector<int64_t> is = randomIndices(kScatterN, targets);
  for (auto _ : state) {
    k(vs, is, os);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SeqfuseGather)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_PlainGather(benchmark::State &state) {
  const int64_t targets = int64_t(1) << 20;
  std::vector<float> vs = ramp(targets, 0.01f), os(kScatterN);
  std::vector<int64_t> is = randomIndices(kScatterN, targets);
  for (auto _ : state) {
    for (int64_t i = 0; i < kScatterN; ++i)
      os[i] = vs[is[i]] * 2.0f;
    benchmark::DoNotOptimize(os.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PlainGather)->Unit(benchmark::kMillisecond);

//===----------------------------------------------------------------------===//
// The three-loop chain: y[i] = 0.5*v[i] + 1 (map); acc += y[i], c[i] = acc
// (scan); t[idx[i]] = c[i] (scatter), 2^22 into 2^20, written as three loops,
// against the same three loops in plain C++. Argument: checked.
//===----------------------------------------------------------------------===//

void BM_SeqfuseChain(benchmark::State &state) {
  Program p("bench_chain");
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
  Kernel k = compile(p, Target::cpu(), Options{.checked = state.range(0) != 0});
  const int64_t targets = int64_t(1) << 20;
  std::vector<float> vs = ramp(kScatterN, 0.01f), ys(kScatterN), cs(kScatterN),
                     ts(targets);
  std::vector<int64_t> is = randomIndices(kScatterN, targets);
  for (auto _ : state) {
    k(vs, is, ys, cs, ts);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SeqfuseChain)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_PlainChain(benchmark::State &state) {
  const int64_t n = kScatterN, targets = int64_t(1) << 20;
  std::vector<float> vs = ramp(n, 0.01f), ys(n), cs(n), ts(targets);
  std::vector<int64_t> is = randomIndices(n, targets);
  for (auto _ : state) {
    for (int64_t i = 0; i < n; ++i)
      ys[i] = 0.5f * vs[i] + 1.0f;
    float acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      acc += ys[i];
      cs[i] = acc;
    }
    for (int64_t i = 0; i < n; ++i)
      ts[is[i]] = cs[i];
    benchmark::DoNotOptimize(ts.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_PlainChain)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
