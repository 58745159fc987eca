//===- MpiBench.cpp - Target::ranks() kernels against their local pass ----===//
//
// Run under mpirun by scripts/mpi-bench.sh, which prints each distributed
// kernel's time split into local compute and communication, the bytes each
// rank sent, the communication as a fraction of the local pass, and the cost
// model's extrapolation to 1,024 ranks (docs/distributed.md).
//
// Every benchmark has a fixed iteration count (every rank must make the same
// collective calls); an iteration's time is the slowest rank's (barrier,
// call, all-reduce max). Rank 0 reports. Baselines measured in the same run,
// on each rank's own block: memcpy of its bytes, the plain -O3 loop, and the
// single-process CPU kernel (the "local pass").
//
//===----------------------------------------------------------------------===//
#include <seqfuse/mpi.h>
#include <seqfuse/seqfuse.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <vector>

using namespace seqfuse;

namespace {

int worldRank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

enum Workload : int {
  Cumsum,
  Affine,
  HistogramInt,
  HistogramFloat,
  ScatterRows,
  kWorkloads
};
const char *const kNames[] = {"cumsum_f32", "affine_f32", "histogram_i32_256",
                              "histogram_f32_256", "scatter_rows_f32"};

Program program(int w) {
  Program p(kNames[w]);
  auto n = p.dim("n");
  switch (w) {
  case Cumsum: {
    auto v = p.input<float>("v", {n});
    auto out = p.output<float>("out", {n});
    auto acc = p.state<float>("acc", 0.0f);
    loop(0, n, [&](Var i) {
      acc += v[i];
      out[i] = acc;
    });
    break;
  }
  case Affine: {
    auto a = p.input<float>("a", {n});
    auto b = p.input<float>("b", {n});
    auto out = p.output<float>("out", {n});
    auto x = p.state<float>("x", 0.0f);
    loop(0, n, [&](Var i) {
      x = a[i] * x + b[i];
      out[i] = x;
    });
    break;
  }
  case HistogramInt: {
    auto w8 = p.input<int32_t>("w", {n});
    auto bin = p.input<int32_t>("bin", {n});
    auto h = p.inout<int32_t>("h", {256});
    loop(0, n, [&](Var i) { h[bin[i]] += w8[i]; });
    break;
  }
  case HistogramFloat: {
    auto w8 = p.input<float>("w", {n});
    auto bin = p.input<int32_t>("bin", {n});
    auto h = p.inout<float>("h", {256});
    loop(0, n, [&](Var i) { h[bin[i]] += w8[i]; });
    break;
  }
  default: {
    auto v = p.input<float>("v", {n});
    auto idx = p.input<int32_t>("idx", {n});
    auto t = p.inout<float>("t", {n});
    loop(0, n, [&](Var i) { t[idx[i]] = v[i]; });
    break;
  }
  }
  return p;
}

/// One rank's arguments for workload `w` over global rows [b.begin, b.end).
struct Data {
  std::vector<float> f0, f1, f2, hf;
  std::vector<int32_t> i0, i1, hi;
  std::vector<Arg> args;
  int64_t bytes = 0; // read and written per call (for memcpy)
};

Data data(int w, dist::Block b, int64_t n) {
  Data d;
  const int64_t m = b.end - b.begin;
  std::mt19937_64 rng(static_cast<uint64_t>(b.begin) * 7919 + 1);
  auto f = [&](std::vector<float> &v, float lo, float hi) {
    std::uniform_real_distribution<float> u(lo, hi);
    v.resize(m);
    for (float &x : v)
      x = u(rng);
  };
  switch (w) {
  case Cumsum:
    f(d.f0, -1, 1);
    d.f1.resize(m);
    d.args = {Arg(d.f0), Arg(d.f1)};
    d.bytes = 8 * m;
    break;
  case Affine:
    f(d.f0, -1, 1); // not [0.5, 1): see docs/distributed.md (denormals)
    f(d.f1, -1, 1);
    d.f2.resize(m);
    d.args = {Arg(d.f0), Arg(d.f1), Arg(d.f2)};
    d.bytes = 12 * m;
    break;
  case HistogramInt:
  case HistogramFloat:
    d.i1.resize(m);
    for (int32_t &x : d.i1)
      x = static_cast<int32_t>(rng() % 256);
    if (w == HistogramInt) {
      d.i0.assign(m, 1);
      d.args = {Arg(d.i0), Arg(d.i1)};
    } else {
      f(d.f0, 0, 1);
      d.args = {Arg(d.f0), Arg(d.i1)};
    }
    d.hf.assign(256, 0.0f);
    d.hi.assign(256, 0);
    if (w == HistogramInt)
      d.args.push_back(Arg(d.hi));
    else
      d.args.push_back(Arg(d.hf));
    d.bytes = 8 * m;
    break;
  default:
    f(d.f0, -1, 1);
    d.i1.resize(m);
    for (int32_t &x : d.i1)
      x = static_cast<int32_t>(rng() % static_cast<uint64_t>(std::max<int64_t>(n, 1)));
    d.f1.resize(m);
    d.args = {Arg(d.f0), Arg(d.i1), Arg(d.f1)};
    d.bytes = 12 * m;
    break;
  }
  return d;
}

/// The slowest rank's value.
double maxOver(double v) {
  double out = v;
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return out;
}
double meanOver(double v) {
  double out = v;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return out / size;
}

template <class Fn> double timed(Fn fn) {
  MPI_Barrier(MPI_COMM_WORLD);
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return maxOver(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

Options opts() {
  Options o;
  o.checked = false; // as the CPU benchmarks: the kernels' own speed
  o.numThreads = 1;  // one rank per core here
  return o;
}

/// The distributed kernel: its time, and (counters) the slowest rank's time
/// in MPI and (SEQFUSE_MPI_WAIT_STATS=1, as scripts/mpi-bench.sh runs it)
/// waiting at collectives for the slowest rank, the mean bytes sent per
/// rank, and the mean collectives.
void BM_Dist(benchmark::State &state) {
  const int w = static_cast<int>(state.range(0));
  const int64_t n = int64_t(1) << state.range(1);
  dist::Kernel k = dist::compile(program(w), MPI_COMM_WORLD, opts());
  dist::Block b = dist::blockOf(n, MPI_COMM_WORLD);
  Data d = data(w, b, n);
  k.call(d.args); // warm (first-touch, JIT symbols)
  double comm = 0, wait = 0, bytes = 0, colls = 0, msgs = 0;
  for (auto _ : state) {
    state.SetIterationTime(timed([&] { k.call(d.args); }));
    dist::CallStats s = dist::lastCallStats();
    comm += maxOver(s.commSeconds);
    wait += maxOver(s.waitSeconds);
    bytes += meanOver(static_cast<double>(s.bytesSent));
    colls += meanOver(static_cast<double>(s.collectives));
    msgs += meanOver(static_cast<double>(s.messages));
  }
  const double it = static_cast<double>(state.iterations());
  state.counters["comm_ms"] = comm / it * 1e3;
  state.counters["wait_ms"] = wait / it * 1e3;
  state.counters["bytes_per_rank"] = bytes / it;
  state.counters["collectives"] = colls / it;
  state.counters["messages"] = msgs / it;
  state.SetLabel(kNames[w]);
}

/// The single-process CPU kernel on each rank's own block (the local pass).
void BM_LocalPass(benchmark::State &state) {
  const int w = static_cast<int>(state.range(0));
  const int64_t n = int64_t(1) << state.range(1);
  Kernel k = compile(program(w), Target::cpu(), opts());
  dist::Block b = dist::blockOf(n, MPI_COMM_WORLD);
  Data d = data(w, b, n);
  if (w == ScatterRows) // the block's own rows: indices into it, not global
    for (int32_t &x : d.i1)
      x = static_cast<int32_t>(x % std::max<int64_t>(b.end - b.begin, 1));
  k.call(d.args);
  for (auto _ : state)
    state.SetIterationTime(timed([&] { k.call(d.args); }));
  state.SetLabel(kNames[w]);
}

/// memcpy of the bytes each rank's block reads and writes.
void BM_MemcpyLocal(benchmark::State &state) {
  const int w = static_cast<int>(state.range(0));
  const int64_t n = int64_t(1) << state.range(1);
  dist::Block b = dist::blockOf(n, MPI_COMM_WORLD);
  Data d = data(w, b, n);
  std::vector<char> src(d.bytes / 2 + 1), dst(d.bytes / 2 + 1);
  std::memset(src.data(), 1, src.size());
  std::memset(dst.data(), 2, dst.size());
  for (auto _ : state)
    state.SetIterationTime(
        timed([&] { std::memcpy(dst.data(), src.data(), src.size()); }));
  benchmark::DoNotOptimize(dst.data());
}

/// The plain -O3 loop of the sum scan on each rank's block (no carry in).
void BM_PlainCumsum(benchmark::State &state) {
  const int64_t n = int64_t(1) << state.range(1);
  dist::Block b = dist::blockOf(n, MPI_COMM_WORLD);
  Data d = data(Cumsum, b, n);
  for (auto _ : state)
    state.SetIterationTime(timed([&] {
      float acc = 0;
      for (size_t i = 0; i < d.f0.size(); ++i) {
        acc += d.f0[i];
        d.f1[i] = acc;
      }
      benchmark::DoNotOptimize(d.f1.data());
    }));
}

/// MPI's own costs here, for the model: an 8-byte all-reduce (latency) and
/// an all-gather of 2^k bytes per rank (bandwidth).
void BM_AllreduceLatency(benchmark::State &state) {
  int64_t v = 1, out = 0;
  for (auto _ : state)
    state.SetIterationTime(
        timed([&] { MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD); }));
}
void BM_Allgather(benchmark::State &state) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int per = static_cast<int>(state.range(0));
  std::vector<char> mine(per, 1), all(static_cast<size_t>(per) * size);
  for (auto _ : state)
    state.SetIterationTime(timed([&] {
      MPI_Allgather(mine.data(), per, MPI_BYTE, all.data(), per, MPI_BYTE,
                    MPI_COMM_WORLD);
    }));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(per) * size);
}

void sizes(benchmark::internal::Benchmark *b) {
  for (int w = 0; w < kWorkloads; ++w)
    for (int lg : {16, 20, 24})
      b->Args({w, lg});
}

constexpr int kIters = 5;
BENCHMARK(BM_Dist)->Apply(sizes)->UseManualTime()->Iterations(kIters)->Unit(
    benchmark::kMillisecond);
BENCHMARK(BM_LocalPass)
    ->Apply(sizes)
    ->UseManualTime()
    ->Iterations(kIters)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MemcpyLocal)
    ->Apply(sizes)
    ->UseManualTime()
    ->Iterations(kIters)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlainCumsum)
    ->Args({0, 16})
    ->Args({0, 20})
    ->Args({0, 24})
    ->UseManualTime()
    ->Iterations(kIters)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AllreduceLatency)
    ->UseManualTime()
    ->Iterations(2000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Allgather)
    ->Arg(4096)
    ->Arg(1 << 19)
    ->UseManualTime()
    ->Iterations(50)
    ->Unit(benchmark::kMicrosecond);

/// Rank 0 reports; the others run the same benchmarks silently.
class Silent : public benchmark::BenchmarkReporter {
public:
  bool ReportContext(const Context &) override { return true; }
  void ReportRuns(const std::vector<Run> &) override {}
};

} // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  benchmark::Initialize(&argc, argv);
  if (worldRank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    Silent silent;
    benchmark::RunSpecifiedBenchmarks(&silent);
  }
  benchmark::Shutdown();
  MPI_Finalize();
  return 0;
}
