//===- JitBench.cpp - JIT latency, cache hits, kernel throughput ----------===//
//
// Run through scripts/bench.sh, which prints each result as a ratio against
// baselines measured in the same run (memcpy, the plain -O3 C++ loop).
//
//===----------------------------------------------------------------------===//
#include <seqfuse/seqfuse.h>

#include <benchmark/benchmark.h>

#include <cstring>
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

} // namespace

BENCHMARK_MAIN();
