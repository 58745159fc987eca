//===- TorchBench.cpp - libtorch baselines for scripts/bench.sh -----------===//
//
// The same workloads as JitBench.cpp, written as a libtorch user would, on
// torch's own threads (all hardware threads, like seqfuse's default). Built
// with g++ in its own binary (seqfuse-bench-torch): libtorch 1.13's headers do
// not compile with clang 22 in C++20. Names mirror JitBench's, with "Torch".
//
//===----------------------------------------------------------------------===//
#include <torch/torch.h>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <thread>

namespace {

/// The inputs JitBench uses: ramp(n, scale)[i] = scale * ((i*7919) % 201 - 100).
torch::Tensor ramp(int64_t n, float scale) {
  auto i = torch::arange(n, torch::kInt64);
  return ((i * 7919) % 201 - 100).to(torch::kFloat32) * scale;
}

/// JitBench's randomIndices: xorshift64 modulo `range`.
torch::Tensor randomIndices(int64_t n, int64_t range) {
  auto t = torch::empty({n}, torch::kInt64);
  auto *p = t.data_ptr<int64_t>();
  uint64_t x = 88172645463325252ull;
  for (int64_t i = 0; i < n; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    p[i] = static_cast<int64_t>(x % static_cast<uint64_t>(range));
  }
  return t;
}

template <class F>
void timeLoop(benchmark::State &state, int64_t n, int bytes, F &&body) {
  for (auto _ : state) {
    torch::Tensor out = body();
    benchmark::DoNotOptimize(out.data_ptr());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * bytes);
}

void foldSizes(benchmark::internal::Benchmark *b) {
  for (int lg : {10, 14, 18, 22, 24, 26})
    b->Args({lg});
}

// torch.cumsum into a preallocated output (no allocation in the loop).
void BM_TorchCumsum(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  torch::Tensor v = ramp(n, 0.01f), out = torch::empty({n});
  timeLoop(state, n, 8, [&] { return torch::cumsum_out(out, v, 0); });
}
BENCHMARK(BM_TorchCumsum)->Apply(foldSizes)->Unit(benchmark::kMicrosecond);

void BM_TorchCummax(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  torch::Tensor v = ramp(n, 0.01f), vals = torch::empty({n}),
                idx = torch::empty({n}, torch::kInt64);
  timeLoop(state, n, 8, [&] { return std::get<0>(torch::cummax_out(vals, idx, v, 0)); });
}
BENCHMARK(BM_TorchCummax)->Apply(foldSizes)->Unit(benchmark::kMicrosecond);

// Values near 1 so the product stays finite, as in JitBench's cumprod.
void BM_TorchCumprod(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  torch::Tensor v = 1.0f + ramp(n, 1e-5f), out = torch::empty({n});
  timeLoop(state, n, 8, [&] { return torch::cumprod_out(out, v, 0); });
}
BENCHMARK(BM_TorchCumprod)->Apply(foldSizes)->Unit(benchmark::kMicrosecond);

// s = a[i]*s + b[i] has no torch op. Its fastest formulation in torch ops is
// closed form, s_i = P_i * (s_0 + sum_{j<=i} b_j / P_j) with P = cumprod(a):
// three passes and a division, and wrong where P under- or overflows (which
// the loop is not); a time to compare, not an equivalent.
void BM_TorchAffine(benchmark::State &state) {
  int64_t n = int64_t(1) << state.range(0);
  torch::Tensor a = 1.0f + ramp(n, 1e-5f), b = ramp(n, 0.01f), p = torch::empty({n}),
                q = torch::empty({n}), out = torch::empty({n});
  timeLoop(state, n, 12, [&] {
    torch::cumprod_out(p, a, 0);
    torch::cumsum_out(q, b / p, 0);
    return torch::mul_out(out, p, q);
  });
}
BENCHMARK(BM_TorchAffine)->Apply(foldSizes)->Unit(benchmark::kMicrosecond);

constexpr int64_t kScatterN = int64_t(1) << 22;

// t.scatter_(0, idx, v): with duplicate indices torch leaves which write
// wins undefined (seqfuse: the last, as the loop).
void BM_TorchScatter(benchmark::State &state) {
  const int64_t targets = int64_t(1) << state.range(0);
  torch::Tensor idx = randomIndices(kScatterN, targets), v = ramp(kScatterN, 0.01f),
                t = torch::zeros({targets});
  timeLoop(state, kScatterN, 12, [&] { return t.scatter_(0, idx, v); });
}
BENCHMARK(BM_TorchScatter)->Arg(12)->Arg(20)->Unit(benchmark::kMillisecond);

// h.index_add_(0, bin, w): the histogram h[bin[i]] += w[i].
void BM_TorchIndexAdd(benchmark::State &state) {
  const int64_t targets = int64_t(1) << state.range(0);
  torch::Tensor bin = randomIndices(kScatterN, targets), w = ramp(kScatterN, 0.01f),
                h = torch::zeros({targets});
  timeLoop(state, kScatterN, 12, [&] { return h.index_add_(0, bin, w); });
}
BENCHMARK(BM_TorchIndexAdd)->Arg(8)->Arg(20)->Unit(benchmark::kMillisecond);

// JitBench's three-loop chain: y = 0.5*v + 1 (map), c = cumsum(y) (scan),
// t[idx[i]] = c[i] (scatter), 2^22 into 2^20.
void BM_TorchChain(benchmark::State &state) {
  const int64_t n = kScatterN, targets = int64_t(1) << 20;
  torch::Tensor v = ramp(n, 0.01f), idx = randomIndices(n, targets),
                y = torch::empty({n}), c = torch::empty({n}), t = torch::zeros({targets});
  timeLoop(state, n, 20, [&] {
    torch::add_out(y, torch::mul(v, 0.5), 1.0);
    torch::cumsum_out(c, y, 0);
    return t.scatter_(0, idx, c);
  });
}
BENCHMARK(BM_TorchChain)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv) {
  torch::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
