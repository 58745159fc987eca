//===- mpi.h - one program across the ranks of an MPI communicator -*- C++ -*-===//
//
// seqfuse::dist::compile(program, comm) gives a kernel that every rank of
// `comm` calls at once (a collective call), each with its own block of the
// rows of the distributed size (Options::rankDim, or the program's only
// named size): every tensor whose first dimension is that size is passed as
// this rank's contiguous rows of it, the ranks' blocks in rank order (rank 0
// the first rows); every other tensor, and every scalar, is passed whole and
// alike on every rank (replicated). The result on the union of the blocks is
// the sequential loop's over the whole range: maps run on each rank's rows,
// folds and scans as runs fixed by the trip count whose summaries are
// exchanged, scatters and histograms by records or private copies, loops
// kept sequential as a pipeline in rank order (the report says which). Float
// results are the same bits for any rank and thread count. Checked mode
// raises the first failing iteration's error on every rank.
//
// Built where Open MPI is found (library seqfuse_mpi); docs/distributed.md.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_MPI_H
#define SEQFUSE_MPI_H

#include "seqfuse/runtime/Kernel.h"

#include <mpi.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>

namespace seqfuse::dist {

/// What one call did on this rank.
struct CallStats {
  double seconds = 0;     ///< the whole call
  double commSeconds = 0; ///< inside MPI (waiting for other ranks included)
  /// With SEQFUSE_MPI_WAIT_STATS=1 only: a timed barrier before each
  /// collective; the wait for the slowest rank goes here, not in commSeconds.
  double waitSeconds = 0;
  uint64_t bytesSent = 0;   ///< point-to-point and this rank's collective contributions
  uint64_t messages = 0;    ///< point-to-point sends
  uint64_t collectives = 0; ///< collective operations
};

class Kernel {
public:
  /// Collective: every rank of the communicator calls it, in the same order
  /// as its other collective calls, with its own rows of the distributed
  /// tensors and the same replicated arguments. An argument error on any
  /// rank throws ArgumentError on every rank (naming the rank).
  template <class... A> void operator()(A &&...args) const {
    std::array<Arg, sizeof...(A)> packed{Arg(std::forward<A>(args))...};
    call(std::span<const Arg>(packed.data(), packed.size()));
  }
  void call(std::span<const Arg> args) const;

  /// The compiled kernel (its report, IR stages and signature; calling it
  /// directly throws: calls go through this class).
  const seqfuse::Kernel &kernel() const { return kernel_; }
  std::string reportText() const { return kernel_.reportText(); }
  std::string ir(Stage s) const { return kernel_.ir(s); }
  /// The communicator it runs on (a duplicate of compile()'s).
  MPI_Comm comm() const;

  Kernel(seqfuse::Kernel k, std::shared_ptr<const void> comm)
      : kernel_(std::move(k)), comm_(std::move(comm)) {}

private:
  seqfuse::Kernel kernel_;
  std::shared_ptr<const void> comm_;
};

/// Compiles `program` for Target::ranks() (collective: it duplicates
/// `comm`, so the kernel's messages never meet the caller's). Throws
/// CompileError.
Kernel compile(const Program &program, MPI_Comm comm, Options options = {});

/// This thread's last call of a distributed kernel on this rank.
CallStats lastCallStats();

/// Rows [begin, end) of this rank when `rows` rows are split as evenly as
/// possible in rank order (the first rows % size ranks get one more).
struct Block {
  int64_t begin = 0, end = 0;
};
Block blockOf(int64_t rows, MPI_Comm comm);

} // namespace seqfuse::dist

#endif // SEQFUSE_MPI_H
