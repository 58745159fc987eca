//===- distributed.cpp - one loop across MPI ranks: x = a*x + b, histogram --===//
//
// Run with:   mpirun -np 4 build/bin/distributed
// (as root, Open MPI also wants OMPI_ALLOW_RUN_AS_ROOT=1
// OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; --oversubscribe where there are fewer
// cores than ranks).
//
// The Python loops, over a range no machine need hold alone:
//
//   x = 0
//   for i in range(n):
//       x = a[i]*x + b[i]          # an affine recurrence
//       out[i] = x
//       h[bin[i]] += 1             # a histogram of 16 bins
//
// Every rank holds its block of a, b, bin and out (rows [begin, end) of the
// n rows, from seqfuse::dist::blockOf) and the whole h; it calls the kernel
// with those, at the same time as the others. seqfuse runs the recurrence
// as runs of iterations fixed by n: each rank composes the affine maps of
// the runs it holds, the runs' compositions are exchanged (an all-gather of
// a few bytes per run), every rank applies them in run order to find the
// state entering each of its runs, and rescans its runs from there. The
// histogram (integer +) is counted per rank and all-reduced. The result is
// the loop's: integers exactly, floats within rounding of the loop's order
// and bit for bit the same for any number of ranks.
//
// Each rank checks its block against the loop run over everything (every
// rank makes the same inputs); rank 0 prints the report and what each rank
// spent communicating.
//
//===----------------------------------------------------------------------===//
#include "example_util.h"

#include <seqfuse/mpi.h>

#include <cmath>

using namespace seqfuse;

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  Program p("distributed");
  auto n = p.dim("n");
  auto a = p.input<double>("a", {n});
  auto b = p.input<double>("b", {n});
  auto bin = p.input<int32_t>("bin", {n});
  auto out = p.output<double>("out", {n});
  auto h = p.inout<int64_t>("h", {16}); // not n rows: every rank holds it whole
  auto x = p.state<double>("x", 0.0);
  loop(0, n, [&](Var i) {
    x = a[i] * x + b[i];
    out[i] = x;
    h[bin[i]] += int64_t(1);
  });
  dist::Kernel kernel = dist::compile(p, MPI_COMM_WORLD);

  // The whole inputs, made alike on every rank; each passes its block.
  const int64_t total = 1000003; // not a multiple of the rank count
  auto aOf = [](int64_t i) {
    return 0.5 + 0.5 * std::cos(0.001 * static_cast<double>(i));
  };
  auto bOf = [](int64_t i) { return std::sin(0.01 * static_cast<double>(i)); };
  auto binOf = [](int64_t i) { return static_cast<int32_t>((i * 7919) % 16); };
  dist::Block blk = dist::blockOf(total, MPI_COMM_WORLD);
  const int64_t rows = blk.end - blk.begin;
  std::vector<double> aL(rows), bL(rows), outL(rows);
  std::vector<int32_t> binL(rows);
  for (int64_t i = blk.begin; i < blk.end; ++i) {
    aL[i - blk.begin] = aOf(i);
    bL[i - blk.begin] = bOf(i);
    binL[i - blk.begin] = binOf(i);
  }
  std::vector<int64_t> hist(16, 0);
  kernel(aL, bL, binL, outL, hist);
  dist::CallStats stats = dist::lastCallStats();

  // The loop over everything, on every rank, for its own block.
  double xs = 0, worst = 0;
  std::vector<int64_t> want(16, 0);
  for (int64_t i = 0; i < total; ++i) {
    xs = aOf(i) * xs + bOf(i);
    ++want[binOf(i)];
    if (i >= blk.begin && i < blk.end)
      worst = std::max(worst, std::fabs(outL[i - blk.begin] - xs) / (1 + std::fabs(xs)));
  }
  int bad = (worst > 1e-9 || hist != want) ? 1 : 0, anyBad = 0;
  MPI_Allreduce(&bad, &anyBad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0) {
    std::printf("%s", kernel.reportText().c_str());
    std::printf("%d ranks, %lld rows; rank 0 holds %lld: out[0..2] = [%g, %g, %g]\n",
                size, static_cast<long long>(total), static_cast<long long>(rows),
                outL[0], outL[1], outL[2]);
    printResult("h", hist);
    std::printf("rank 0: %.2f ms in all, %.3f ms in MPI, %llu bytes sent\n",
                stats.seconds * 1e3, stats.commSeconds * 1e3,
                static_cast<unsigned long long>(stats.bytesSent));
    std::printf("%s\n",
                anyBad ? "MISMATCH with the loop" : "matches the loop on every rank");
  }
  MPI_Finalize();
  return anyBad;
}
