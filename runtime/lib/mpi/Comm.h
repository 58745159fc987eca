//===- Comm.h - what a distributed kernel calls (internal) ------*- C++ -*-===//
//
// The JIT-compiled code of a Target::ranks() kernel (seqfuse-distribute-
// ranks) calls these C functions for everything that crosses ranks: where
// this rank's iterations lie, point-to-point messages of small states,
// broadcasts, reductions, all-gathers of run summaries and rows, and the
// exchange of scatter records. Every integer is an i64; addresses are passed
// as integers (memref.extract_aligned_pointer_as_index). A call binds its
// communicator and every rank's block of rows (CallScope) on the calling
// thread first; the code calls these functions from that thread only.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_LIB_MPI_COMM_H
#define SEQFUSE_RUNTIME_LIB_MPI_COMM_H

#include "seqfuse/mpi.h"

#include <mpi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace seqfuse::dist {

/// One call's communicator and every rank's block of the distributed rows:
/// rank r holds rows [begin[r], begin[r] + count[r]).
struct CallScope {
  MPI_Comm comm;
  int rank = 0, size = 1;
  std::vector<int64_t> begin, count;
  int64_t rows = 0; ///< the global extent
  /// The first and last rank with rows (0 and 0 when none has any): rows
  /// before the first belong to the first, rows past the end to the last.
  int firstOwner = 0, lastOwner = 0;
  /// Requests of the sends still in flight, and their buffers.
  std::vector<MPI_Request> pending;
  std::vector<std::vector<char>> buffers;
  /// Records received by the last exchange (seqfuse_mpi_take_records).
  std::vector<int64_t> received;
  /// This rank runs the iteration a probe found failing: its failed check
  /// sends the failure to the other ranks.
  bool expectFailure = false;
  /// Whole copies of distributed tensors an op runs on (every rank alike):
  /// (whole, biased base, bytes per row). Their rows go back to the
  /// tensors when the op ends, or when a check fails in it.
  struct CopyBack {
    int64_t whole, biased, rowBytes;
  };
  std::vector<CopyBack> copyBacks;
  void copyBack(const CopyBack &c) const;
  CallStats stats;

  /// Binds `this` to the calling thread (the JIT'd code's calls find it).
  explicit CallScope(MPI_Comm c);
  ~CallScope();
  CallScope(const CallScope &) = delete;
  CallScope &operator=(const CallScope &) = delete;

  /// Every rank's block, from each rank's count of rows (collective).
  void setRows(int64_t localRows);
  /// The rank holding global row `row` (see firstOwner).
  int ownerOfRow(int64_t row) const;
  /// Rank r's positions [a, b) of a fold over positions [lb, kEnd): k = i,
  /// or k = revBase - i when `reverse`.
  std::pair<int64_t, int64_t> positions(int r, int64_t lb, int64_t kEnd, bool reverse,
                                        int64_t revBase) const;
  /// The runs [first, end) of `runLength` positions from lb that rank r ends
  /// (their last position is in its range).
  std::pair<int64_t, int64_t> ownedRuns(int r, int64_t lb, int64_t kEnd, bool reverse,
                                        int64_t revBase, int64_t runLength) const;
  static CallScope &current();
  static CallScope *active();
};

/// Throws Error with MPI's text for a failed MPI call.
void check(int rc, const char *what);

} // namespace seqfuse::dist

extern "C" {
int64_t seqfuse_mpi_rank();
int64_t seqfuse_mpi_size();
/// The rank holding global row `row`.
int64_t seqfuse_mpi_row_owner(int64_t row);
/// This rank's rows [begin, end) into out[0], out[1].
void seqfuse_mpi_rows(int64_t out);
/// Fills plan[0..5): this rank's positions [a, b) of [lb, kEnd) (see
/// CallScope::positions), the ranks before and after it in position order
/// that have positions (-1: none), and the rank holding position kEnd - 1
/// (-1: none).
void seqfuse_mpi_plan(int64_t lb, int64_t kEnd, int64_t reverse, int64_t revBase,
                      int64_t plan);
/// Iterations per run of a distributed fold of `trip` iterations: a function
/// of the trip count alone, so the runs are the same for any rank count.
int64_t seqfuse_mpi_run_length(int64_t trip);
/// Every rank's summaries of the runs it ends (`local`, `bytesPerRun` each,
/// in run order), into `all` in run order on every rank.
void seqfuse_mpi_gather_runs(int64_t lb, int64_t kEnd, int64_t reverse, int64_t revBase,
                             int64_t runLength, int64_t local, int64_t all,
                             int64_t bytesPerRun);
/// Positions per tile of a histogram into a replicated target of `elems`
/// elements over `trip` iterations (a function of both alone): at least
/// 4096, and tiles x elements at most 2^24.
int64_t seqfuse_mpi_tile_length(int64_t trip, int64_t elems);
/// A histogram's tiles (`tileLength` positions from lb; each rank the
/// private copies of the tiles it ends, `elems` elements each, at `leaves`)
/// combined by one fixed binary tree over the tile indices, the same for any
/// rank count: the root into `root` on every rank. `kind` 2 f32, 3 f64; `op`
/// 0 add, 1 mul, 2 minimum, 3 maximum, 4 minnum, 5 maxnum. Returns 0 when
/// there is no tile.
int64_t seqfuse_mpi_tree_combine(int64_t lb, int64_t kEnd, int64_t tileLength,
                                 int64_t leaves, int64_t elems, int64_t kind, int64_t op,
                                 int64_t root);
/// Sends `bytes` at `addr` to rank `to` (copied: the caller may reuse the
/// memory at once); the call's end waits for them.
void seqfuse_mpi_send(int64_t addr, int64_t bytes, int64_t to, int64_t tag);
void seqfuse_mpi_recv(int64_t addr, int64_t bytes, int64_t from, int64_t tag);
void seqfuse_mpi_bcast(int64_t addr, int64_t bytes, int64_t root);
int64_t seqfuse_mpi_allreduce_min(int64_t v);
/// Element-wise over `count` elements at `addr`: `kind` 0 i32, 1 i64; `op`
/// 0 sum, 1 product, 2 min, 3 max, 4 and, 5 or, 6 xor, 7 unsigned min,
/// 8 unsigned max. Exact in any order (integers wrap).
void seqfuse_mpi_allreduce(int64_t addr, int64_t count, int64_t kind, int64_t op);
/// Last writer wins across ranks: at `iters` (i64 per element, -1 none) and
/// `values` (`valueBytes` each, <= 8), every rank ends with the value of the
/// largest iteration of any rank.
void seqfuse_mpi_allreduce_winner(int64_t iters, int64_t values, int64_t count,
                                  int64_t valueBytes);
/// Records (linear index, iteration, value bits), `count` of them at
/// `records`: to the rank holding row `index / perRow` (`toAll` 0) or to
/// every rank (1). Returns how many this rank received; they wait, sorted by
/// iteration, for seqfuse_mpi_take_records.
int64_t seqfuse_mpi_exchange(int64_t records, int64_t count, int64_t perRow,
                             int64_t toAll);
void seqfuse_mpi_take_records(int64_t out);
/// Every rank's rows of a distributed tensor (`biased`: its descriptor's
/// base, biased by -begin rows) into `whole`, on every rank.
void seqfuse_mpi_allgather_rows(int64_t biased, int64_t whole, int64_t rowBytes);
/// An op runs on whole copies (every rank alike): its rows of `whole` go
/// back into the distributed tensor at pop_copybacks (the last `count`
/// pushed), or before a failed check raises.
void seqfuse_mpi_push_copyback(int64_t whole, int64_t biased, int64_t rowBytes);
void seqfuse_mpi_pop_copybacks(int64_t count);
/// Checked mode, at the iteration a probe found failing: its rank runs it
/// after expect_failure (its failed check sends the failure to every rank
/// and raises); failure_missing is reached only if it did not fail (an
/// internal error, raised on every rank). The other ranks call fail_at.
void seqfuse_mpi_expect_failure();
void seqfuse_mpi_failure_missing();
void seqfuse_mpi_fail_at(int64_t owner);
/// What a Target::ranks() kernel calls for a failed check.
void seqfuse_mpi_check_failed(int64_t site, int64_t value, int64_t bound);
}

#endif // SEQFUSE_RUNTIME_LIB_MPI_COMM_H
