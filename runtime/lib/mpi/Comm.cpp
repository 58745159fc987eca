//===- Comm.cpp - what a distributed kernel calls -------------------------===//
//
// Every function here is called by every rank in the same order, except the
// point-to-point sends and receives, whose partners the plan names.
// Collectives over whole communicators only; no MPI call from a kernel's
// parallel loops (they run between these calls).
//
//===----------------------------------------------------------------------===//
#include "Comm.h"
#include "../Guard.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>

using namespace seqfuse;
using namespace seqfuse::dist;

namespace {

thread_local CallScope *tlsScope = nullptr;

/// SEQFUSE_MPI_WAIT_STATS=1: a barrier before each collective, timed apart
/// (CallStats::waitSeconds), so that commSeconds is the collectives' own
/// cost and not the wait for the slowest rank to reach them. For
/// measurement only: the barriers cost a latency each.
bool waitStats() {
  static const bool on = [] {
    const char *e = std::getenv("SEQFUSE_MPI_WAIT_STATS");
    return e && *e && std::string(e) != "0";
  }();
  return on;
}

/// Times the MPI work of one call (CallStats::commSeconds); `collective`:
/// every rank makes it (a point-to-point send or receive is not).
struct CommTimer {
  CallScope &s;
  std::chrono::steady_clock::time_point t0;
  explicit CommTimer(CallScope &s, bool collective = true) : s(s) {
    if (collective && waitStats()) {
      auto w0 = std::chrono::steady_clock::now();
      MPI_Barrier(s.comm);
      s.stats.waitSeconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    }
    t0 = std::chrono::steady_clock::now();
  }
  ~CommTimer() {
    s.stats.commSeconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

/// memcpy that accepts empty ranges (whose pointers may be null: an empty
/// block, an empty target).
void copyBytes(void *dst, const void *src, size_t bytes) {
  if (bytes)
    std::memcpy(dst, src, bytes);
}

int asInt(int64_t v, const char *what) {
  if (v < 0 || v > INT32_MAX)
    throw Error(std::string("seqfuse: ") + what + " of " + std::to_string(v) +
                " bytes is beyond one MPI message (2^31 - 1)");
  return static_cast<int>(v);
}

} // namespace

void seqfuse::dist::check(int rc, const char *what) {
  if (rc == MPI_SUCCESS)
    return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(std::string("seqfuse: ") + what + " failed: " + std::string(text, len));
}

CallScope::CallScope(MPI_Comm c) : comm(c) {
  check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  begin.assign(size, 0);
  count.assign(size, 0);
  tlsScope = this;
}

CallScope::~CallScope() {
  if (!pending.empty())
    MPI_Waitall(static_cast<int>(pending.size()), pending.data(), MPI_STATUSES_IGNORE);
  tlsScope = nullptr;
}

void CallScope::setRows(int64_t localRows) {
  CommTimer t(*this);
  check(MPI_Allgather(&localRows, 1, MPI_INT64_T, count.data(), 1, MPI_INT64_T, comm),
        "MPI_Allgather");
  ++stats.collectives;
  for (int r = 1; r < size; ++r)
    begin[r] = begin[r - 1] + count[r - 1];
  rows = begin[size - 1] + count[size - 1];
  firstOwner = lastOwner = 0;
  bool any = false;
  for (int r = 0; r < size; ++r)
    if (count[r] > 0) {
      if (!any)
        firstOwner = r;
      lastOwner = r;
      any = true;
    }
}

int CallScope::ownerOfRow(int64_t row) const {
  if (row < 0)
    return firstOwner;
  for (int r = 0; r < size; ++r)
    if (count[r] > 0 && begin[r] <= row && row < begin[r] + count[r])
      return r;
  return lastOwner;
}

std::pair<int64_t, int64_t> CallScope::positions(int r, int64_t lb, int64_t kEnd,
                                                 bool reverse, int64_t revBase) const {
  // Rank r's rows, widened to everything before (after) the rows for the
  // first (last) rank that has rows; nothing for a rank without rows (unless
  // no rank has any: then rank 0 has every iteration).
  const bool none = rows == 0;
  if (count[r] == 0 && !(none && r == 0))
    return {0, 0};
  int64_t lo = (r == firstOwner) ? INT64_MIN / 4 : begin[r];
  int64_t hi = (r == lastOwner) ? INT64_MAX / 4 : begin[r] + count[r];
  int64_t a, b;
  if (!reverse) {
    a = std::max(lb, lo);
    b = std::min(kEnd, hi);
  } else {
    // i = revBase - k in [lo, hi)  <=>  k in (revBase - hi, revBase - lo].
    a = std::max(lb, revBase - hi + 1);
    b = std::min(kEnd, revBase - lo + 1);
  }
  if (b <= a)
    return {0, 0};
  return {a, b};
}

std::pair<int64_t, int64_t> CallScope::ownedRuns(int r, int64_t lb, int64_t kEnd,
                                                 bool reverse, int64_t revBase,
                                                 int64_t runLength) const {
  auto [a, b] = positions(r, lb, kEnd, reverse, revBase);
  if (b <= a)
    return {0, 0};
  auto runEnd = [&](int64_t q) { return std::min(lb + (q + 1) * runLength, kEnd); };
  int64_t q0 = (a - lb) / runLength, q1 = (b - 1 - lb) / runLength;
  int64_t first = runEnd(q0) <= b ? q0 : q0 + 1;
  int64_t end = runEnd(q1) == b ? q1 + 1 : q1;
  return {first, std::max(first, end)};
}

CallScope &CallScope::current() {
  if (!tlsScope)
    throw Error("seqfuse: a distributed kernel's code ran outside its call");
  return *tlsScope;
}

CallScope *CallScope::active() { return tlsScope; }

//===----------------------------------------------------------------------===//
// Where iterations are
//===----------------------------------------------------------------------===//

extern "C" {

int64_t seqfuse_mpi_rank() { return CallScope::current().rank; }
int64_t seqfuse_mpi_size() { return CallScope::current().size; }
int64_t seqfuse_mpi_row_owner(int64_t row) {
  return CallScope::current().ownerOfRow(row);
}
void seqfuse_mpi_rows(int64_t out) {
  CallScope &s = CallScope::current();
  auto *o = reinterpret_cast<int64_t *>(out);
  o[0] = s.begin[s.rank];
  o[1] = s.begin[s.rank] + s.count[s.rank];
}

void seqfuse_mpi_plan(int64_t lb, int64_t kEnd, int64_t reverse, int64_t revBase,
                      int64_t planAddr) {
  CallScope &s = CallScope::current();
  auto *plan = reinterpret_cast<int64_t *>(planAddr);
  std::vector<std::pair<int64_t, int>> order; // (a, rank) of ranks with positions
  std::pair<int64_t, int64_t> mine{0, 0};
  int last = -1;
  int64_t lastB = INT64_MIN;
  for (int r = 0; r < s.size; ++r) {
    auto [a, b] = s.positions(r, lb, kEnd, reverse != 0, revBase);
    if (r == s.rank)
      mine = {a, b};
    if (b > a) {
      order.emplace_back(a, r);
      if (b > lastB) {
        lastB = b;
        last = r;
      }
    }
  }
  std::sort(order.begin(), order.end());
  plan[0] = mine.first;
  plan[1] = mine.second;
  plan[2] = plan[3] = -1;
  for (size_t j = 0; j < order.size(); ++j)
    if (order[j].second == s.rank) {
      if (j > 0)
        plan[2] = order[j - 1].second;
      if (j + 1 < order.size())
        plan[3] = order[j + 1].second;
    }
  plan[4] = last;
}

int64_t seqfuse_mpi_run_length(int64_t trip) {
  const int64_t most = 65536; // runs at most: the summaries every rank gets
  return std::max<int64_t>(4096, (trip + most - 1) / most);
}

void seqfuse_mpi_gather_runs(int64_t lb, int64_t kEnd, int64_t reverse, int64_t revBase,
                             int64_t runLength, int64_t local, int64_t all,
                             int64_t bytesPerRun) {
  CallScope &s = CallScope::current();
  CommTimer t(s);
  // Rank r contributes the runs it ends: those whose last position is in
  // its [a, b); ranks in position order end increasing runs.
  std::vector<int> counts(s.size), displs(s.size);
  for (int r = 0; r < s.size; ++r) {
    auto [first, end] = s.ownedRuns(r, lb, kEnd, reverse != 0, revBase, runLength);
    counts[r] = asInt((end - first) * bytesPerRun, "a rank's run summaries");
    displs[r] = asInt(first * bytesPerRun, "the run summaries");
  }
  check(MPI_Allgatherv(reinterpret_cast<void *>(local), counts[s.rank], MPI_BYTE,
                       reinterpret_cast<void *>(all), counts.data(), displs.data(),
                       MPI_BYTE, s.comm),
        "MPI_Allgatherv");
  ++s.stats.collectives;
  s.stats.bytesSent += counts[s.rank];
}

//===----------------------------------------------------------------------===//
// Messages and collectives
//===----------------------------------------------------------------------===//

void seqfuse_mpi_send(int64_t addr, int64_t bytes, int64_t to, int64_t tag) {
  CallScope &s = CallScope::current();
  CommTimer t(s, /*collective=*/false);
  s.buffers.emplace_back(reinterpret_cast<const char *>(addr),
                         reinterpret_cast<const char *>(addr) + bytes);
  s.pending.emplace_back();
  check(MPI_Isend(s.buffers.back().data(), asInt(bytes, "a message"), MPI_BYTE,
                  static_cast<int>(to), static_cast<int>(tag), s.comm, &s.pending.back()),
        "MPI_Isend");
  ++s.stats.messages;
  s.stats.bytesSent += bytes;
}

void seqfuse_mpi_recv(int64_t addr, int64_t bytes, int64_t from, int64_t tag) {
  CallScope &s = CallScope::current();
  CommTimer t(s, /*collective=*/false);
  check(MPI_Recv(reinterpret_cast<void *>(addr), asInt(bytes, "a message"), MPI_BYTE,
                 static_cast<int>(from), static_cast<int>(tag), s.comm,
                 MPI_STATUS_IGNORE),
        "MPI_Recv");
}

void seqfuse_mpi_bcast(int64_t addr, int64_t bytes, int64_t root) {
  CallScope &s = CallScope::current();
  CommTimer t(s);
  check(MPI_Bcast(reinterpret_cast<void *>(addr), asInt(bytes, "a broadcast"), MPI_BYTE,
                  static_cast<int>(root), s.comm),
        "MPI_Bcast");
  ++s.stats.collectives;
  if (s.rank == root)
    s.stats.bytesSent += bytes;
}

int64_t seqfuse_mpi_allreduce_min(int64_t v) {
  CallScope &s = CallScope::current();
  CommTimer t(s);
  int64_t out = v;
  check(MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_MIN, s.comm), "MPI_Allreduce");
  ++s.stats.collectives;
  s.stats.bytesSent += 8;
  return out;
}

} // extern "C"

namespace {

template <class T, class U>
void unsignedOp(void *in, void *inout, int *len, bool maximum) {
  T *x = static_cast<T *>(in), *y = static_cast<T *>(inout);
  for (int i = 0; i < *len; ++i) {
    U a = static_cast<U>(x[i]), b = static_cast<U>(y[i]);
    y[i] = static_cast<T>(maximum ? std::max(a, b) : std::min(a, b));
  }
}
void minU32(void *in, void *inout, int *len, MPI_Datatype *) {
  unsignedOp<int32_t, uint32_t>(in, inout, len, false);
}
void maxU32(void *in, void *inout, int *len, MPI_Datatype *) {
  unsignedOp<int32_t, uint32_t>(in, inout, len, true);
}
void minU64(void *in, void *inout, int *len, MPI_Datatype *) {
  unsignedOp<int64_t, uint64_t>(in, inout, len, false);
}
void maxU64(void *in, void *inout, int *len, MPI_Datatype *) {
  unsignedOp<int64_t, uint64_t>(in, inout, len, true);
}
/// Integer products wrap (MPI_PROD on signed integers may not promise it).
template <class T> void wrapProduct(void *in, void *inout, int *len, MPI_Datatype *) {
  using U = std::make_unsigned_t<T>;
  T *x = static_cast<T *>(in), *y = static_cast<T *>(inout);
  for (int i = 0; i < *len; ++i)
    y[i] = static_cast<T>(static_cast<U>(x[i]) * static_cast<U>(y[i]));
}
template <class T> void wrapSum(void *in, void *inout, int *len, MPI_Datatype *) {
  using U = std::make_unsigned_t<T>;
  T *x = static_cast<T *>(in), *y = static_cast<T *>(inout);
  for (int i = 0; i < *len; ++i)
    y[i] = static_cast<T>(static_cast<U>(x[i]) + static_cast<U>(y[i]));
}

struct Winner {
  int64_t iter;
  uint64_t bits;
};
void winnerOp(void *in, void *inout, int *len, MPI_Datatype *) {
  auto *x = static_cast<Winner *>(in), *y = static_cast<Winner *>(inout);
  for (int i = 0; i < *len; ++i)
    if (x[i].iter > y[i].iter)
      y[i] = x[i];
}

/// Collectives over more elements than one call takes, in pieces.
template <class Fn> void inPieces(int64_t count, Fn fn) {
  const int64_t piece = int64_t(1) << 28;
  for (int64_t at = 0; at < count; at += piece)
    fn(at, static_cast<int>(std::min(piece, count - at)));
}

} // namespace

extern "C" void seqfuse_mpi_allreduce(int64_t addr, int64_t count, int64_t kind,
                                      int64_t op) {
  CallScope &s = CallScope::current();
  CommTimer t(s);
  const bool i32 = kind == 0;
  MPI_Datatype type = i32 ? MPI_INT32_T : MPI_INT64_T;
  MPI_Op mop = MPI_OP_NULL;
  MPI_User_function *own = nullptr;
  switch (op) {
  case 0:
    own = i32 ? wrapSum<int32_t> : wrapSum<int64_t>;
    break;
  case 1:
    own = i32 ? wrapProduct<int32_t> : wrapProduct<int64_t>;
    break;
  case 2:
    mop = MPI_MIN;
    break;
  case 3:
    mop = MPI_MAX;
    break;
  case 4:
    mop = MPI_BAND;
    break;
  case 5:
    mop = MPI_BOR;
    break;
  case 6:
    mop = MPI_BXOR;
    break;
  case 7:
    own = i32 ? minU32 : minU64;
    break;
  case 8:
    own = i32 ? maxU32 : maxU64;
    break;
  default:
    throw Error("seqfuse: internal error: unknown all-reduce op " + std::to_string(op));
  }
  if (own)
    check(MPI_Op_create(own, /*commute=*/1, &mop), "MPI_Op_create");
  const int64_t width = i32 ? 4 : 8;
  int rc = MPI_SUCCESS;
  inPieces(count, [&](int64_t at, int n) {
    if (rc == MPI_SUCCESS)
      rc = MPI_Allreduce(MPI_IN_PLACE, reinterpret_cast<char *>(addr) + at * width, n,
                         type, mop, s.comm);
  });
  if (own)
    MPI_Op_free(&mop);
  check(rc, "MPI_Allreduce");
  ++s.stats.collectives;
  s.stats.bytesSent += count * width;
}

extern "C" void seqfuse_mpi_allreduce_winner(int64_t iters, int64_t values, int64_t count,
                                             int64_t valueBytes) {
  CallScope &s = CallScope::current();
  std::vector<Winner> w(count);
  auto *it = reinterpret_cast<int64_t *>(iters);
  auto *val = reinterpret_cast<char *>(values);
  for (int64_t i = 0; i < count; ++i) {
    w[i].iter = it[i];
    w[i].bits = 0;
    std::memcpy(&w[i].bits, val + i * valueBytes, valueBytes);
  }
  {
    CommTimer t(s);
    MPI_Datatype pair;
    check(MPI_Type_contiguous(2, MPI_INT64_T, &pair), "MPI_Type_contiguous");
    MPI_Type_commit(&pair);
    MPI_Op op;
    check(MPI_Op_create(winnerOp, 1, &op), "MPI_Op_create");
    int rc = MPI_SUCCESS;
    inPieces(count, [&](int64_t at, int n) {
      if (rc == MPI_SUCCESS)
        rc = MPI_Allreduce(MPI_IN_PLACE, w.data() + at, n, pair, op, s.comm);
    });
    MPI_Op_free(&op);
    MPI_Type_free(&pair);
    check(rc, "MPI_Allreduce");
  }
  ++s.stats.collectives;
  s.stats.bytesSent += count * sizeof(Winner);
  for (int64_t i = 0; i < count; ++i) {
    it[i] = w[i].iter;
    std::memcpy(val + i * valueBytes, &w[i].bits, valueBytes);
  }
}

//===----------------------------------------------------------------------===//
// Records and rows
//===----------------------------------------------------------------------===//

extern "C" int64_t seqfuse_mpi_exchange(int64_t records, int64_t count, int64_t perRow,
                                        int64_t toAll) {
  CallScope &s = CallScope::current();
  auto *rec = reinterpret_cast<const int64_t *>(records);
  const int64_t w = 3; // (linear index, iteration, value bits)
  std::vector<int> sendCounts(s.size, 0), recvCounts(s.size, 0);
  std::vector<int64_t> sendBuf;
  {
    CommTimer t(s);
    if (toAll) {
      int mine = asInt(count * w, "the records of a rank");
      check(MPI_Allgather(&mine, 1, MPI_INT, recvCounts.data(), 1, MPI_INT, s.comm),
            "MPI_Allgather");
      std::vector<int> displs(s.size, 0);
      int64_t total = 0;
      for (int r = 0; r < s.size; ++r) {
        displs[r] = asInt(total, "the records");
        total += recvCounts[r];
      }
      s.received.assign(total, 0);
      check(MPI_Allgatherv(rec, mine, MPI_INT64_T, s.received.data(), recvCounts.data(),
                           displs.data(), MPI_INT64_T, s.comm),
            "MPI_Allgatherv");
      s.stats.collectives += 2;
      s.stats.bytesSent += count * w * 8;
    } else {
      // Grouped by the rank holding each record's row, in iteration order.
      std::vector<int> dest(count);
      for (int64_t j = 0; j < count; ++j) {
        dest[j] = s.ownerOfRow(perRow > 0 ? rec[w * j] / perRow : 0);
        sendCounts[dest[j]] += w;
      }
      std::vector<int> sdispl(s.size, 0), rdispl(s.size, 0);
      for (int r = 1; r < s.size; ++r)
        sdispl[r] = sdispl[r - 1] + sendCounts[r - 1];
      sendBuf.resize(count * w);
      std::vector<int> fill(sdispl);
      for (int64_t j = 0; j < count; ++j) {
        std::memcpy(&sendBuf[fill[dest[j]]], rec + w * j, w * 8);
        fill[dest[j]] += w;
      }
      check(MPI_Alltoall(sendCounts.data(), 1, MPI_INT, recvCounts.data(), 1, MPI_INT,
                         s.comm),
            "MPI_Alltoall");
      int64_t total = 0;
      for (int r = 0; r < s.size; ++r) {
        rdispl[r] = asInt(total, "the records");
        total += recvCounts[r];
      }
      s.received.assign(total, 0);
      check(MPI_Alltoallv(sendBuf.data(), sendCounts.data(), sdispl.data(), MPI_INT64_T,
                          s.received.data(), recvCounts.data(), rdispl.data(),
                          MPI_INT64_T, s.comm),
            "MPI_Alltoallv");
      s.stats.collectives += 2;
      s.stats.bytesSent += (count * w - sendCounts[s.rank]) * 8;
    }
  }
  // In iteration order: the loop's order of the writes to each element.
  // Ranks hold increasing iterations in rank order and each sends its own in
  // order, so what arrives (in rank order) is sorted already; sort otherwise.
  const int64_t n = static_cast<int64_t>(s.received.size()) / w;
  bool inOrder = true;
  for (int64_t j = 1; j < n && inOrder; ++j)
    inOrder = s.received[w * (j - 1) + 1] <= s.received[w * j + 1];
  if (inOrder)
    return n;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    int64_t ix = s.received[w * x + 1], iy = s.received[w * y + 1];
    return ix != iy ? ix < iy : x < y;
  });
  std::vector<int64_t> sorted(n * w);
  for (int64_t j = 0; j < n; ++j)
    std::memcpy(&sorted[w * j], &s.received[w * order[j]], w * 8);
  s.received = std::move(sorted);
  return n;
}

extern "C" void seqfuse_mpi_take_records(int64_t out) {
  CallScope &s = CallScope::current();
  copyBytes(reinterpret_cast<void *>(out), s.received.data(), s.received.size() * 8);
  s.received.clear();
}

extern "C" void seqfuse_mpi_allgather_rows(int64_t biased, int64_t whole,
                                           int64_t rowBytes) {
  CallScope &s = CallScope::current();
  CommTimer t(s);
  std::vector<int> counts(s.size), displs(s.size);
  for (int r = 0; r < s.size; ++r) {
    counts[r] = asInt(s.count[r] * rowBytes, "a rank's rows");
    displs[r] = asInt(s.begin[r] * rowBytes, "the rows");
  }
  const char *mine = reinterpret_cast<const char *>(biased) + s.begin[s.rank] * rowBytes;
  check(MPI_Allgatherv(mine, counts[s.rank], MPI_BYTE, reinterpret_cast<void *>(whole),
                       counts.data(), displs.data(), MPI_BYTE, s.comm),
        "MPI_Allgatherv");
  ++s.stats.collectives;
  s.stats.bytesSent += counts[s.rank];
}

void CallScope::copyBack(const CopyBack &c) const {
  if (count[rank] == 0 || c.rowBytes == 0)
    return; // no rows here (an empty block's pointer may be null)
  const int64_t at = begin[rank] * c.rowBytes;
  std::memmove(reinterpret_cast<char *>(c.biased) + at,
               reinterpret_cast<const char *>(c.whole) + at, count[rank] * c.rowBytes);
}

extern "C" void seqfuse_mpi_push_copyback(int64_t whole, int64_t biased,
                                          int64_t rowBytes) {
  CallScope::current().copyBacks.push_back({whole, biased, rowBytes});
}

extern "C" void seqfuse_mpi_pop_copybacks(int64_t count) {
  CallScope &s = CallScope::current();
  for (int64_t j = 0; j < count && !s.copyBacks.empty(); ++j) {
    s.copyBack(s.copyBacks.back());
    s.copyBacks.pop_back();
  }
}

//===----------------------------------------------------------------------===//
// Failures
//===----------------------------------------------------------------------===//

namespace {

/// The failure of the rank running the failing iteration, to every rank.
void shareFailure(CallScope &s, int root, int64_t failure[3]) {
  CommTimer t(s);
  check(MPI_Bcast(failure, 3, MPI_INT64_T, root, s.comm), "MPI_Bcast");
  ++s.stats.collectives;
}

} // namespace

extern "C" void seqfuse_mpi_expect_failure() {
  CallScope::current().expectFailure = true;
}

extern "C" void seqfuse_mpi_failure_missing() {
  CallScope &s = CallScope::current();
  s.expectFailure = false;
  int64_t none[3] = {-1, 0, 0};
  shareFailure(s, s.rank, none);
  seqfuse_rt_check_failed(-1, 0, 0); // an unknown site: the runtime says so
}

extern "C" void seqfuse_mpi_fail_at(int64_t owner) {
  CallScope &s = CallScope::current();
  int64_t failure[3] = {-1, 0, 0};
  shareFailure(s, static_cast<int>(owner), failure);
  seqfuse_rt_check_failed(failure[0], failure[1], failure[2]);
}

extern "C" void seqfuse_mpi_check_failed(int64_t site, int64_t value, int64_t bound) {
  if (CallScope *s = CallScope::active()) {
    // What an op on whole copies wrote stays, as in the loop.
    while (!s->copyBacks.empty()) {
      s->copyBack(s->copyBacks.back());
      s->copyBacks.pop_back();
    }
    if (s->expectFailure) {
      s->expectFailure = false;
      int64_t failure[3] = {site, value, bound};
      shareFailure(*s, s->rank, failure);
    }
  }
  seqfuse_rt_check_failed(site, value, bound);
}

//===----------------------------------------------------------------------===//
// Histograms into replicated targets: a fixed tree over tiles
//===----------------------------------------------------------------------===//

extern "C" int64_t seqfuse_mpi_tile_length(int64_t trip, int64_t elems) {
  const int64_t budget = int64_t(1) << 24; // tiles x elements, all ranks together
  int64_t byElems =
      elems > 0 ? (trip * std::max<int64_t>(elems, 1) + budget - 1) / budget : 1;
  return std::max<int64_t>({4096, byElems, seqfuse_mpi_run_length(trip)});
}

namespace {

template <class T> T combineOp(int64_t op, T x, T y) {
  switch (op) {
  case 0:
    return x + y;
  case 1:
    return x * y;
  case 2:
  case 3: {
    if (std::isnan(x) || std::isnan(y))
      return std::numeric_limits<T>::quiet_NaN();
    if (x == y) // -0 below +0
      return (op == 2) == std::signbit(x) ? x : y;
    return (op == 2) == (x < y) ? x : y;
  }
  default: {
    if (std::isnan(x))
      return y;
    if (std::isnan(y))
      return x;
    if (x == y)
      return (op == 4) == std::signbit(x) ? x : y;
    return (op == 4) == (x < y) ? x : y;
  }
  }
}

/// The tree: node (level l, index j) covers tiles [j 2^l, (j+1) 2^l) of
/// [0, tiles); its value combines its children's, left then right, and is
/// its left child's alone where the right one covers no tile.
template <class T> struct Tree {
  int64_t elems, op;
  std::map<std::pair<int, int64_t>, std::vector<T>> known; // whole nodes

  /// Node (l, j) of `leaves` (tiles [j 2^l, ...) all present, from `base`).
  std::vector<T> fromLeaves(const T *leaves, int64_t base, int l, int64_t j) const {
    if (l == 0)
      return std::vector<T>(leaves + (j - base) * elems, leaves + (j - base + 1) * elems);
    std::vector<T> x = fromLeaves(leaves, base, l - 1, 2 * j);
    std::vector<T> y = fromLeaves(leaves, base, l - 1, 2 * j + 1);
    for (int64_t e = 0; e < elems; ++e)
      x[e] = combineOp<T>(op, x[e], y[e]);
    return x;
  }
  /// Node (l, j) from the known nodes, or nullopt where it covers no tile.
  std::optional<std::vector<T>> node(int l, int64_t j, int64_t tiles) const {
    if ((j << l) >= tiles)
      return std::nullopt;
    if (auto it = known.find({l, j}); it != known.end())
      return it->second;
    if (l == 0)
      throw Error("seqfuse: internal error: a histogram tile is missing");
    auto x = node(l - 1, 2 * j, tiles);
    auto y = node(l - 1, 2 * j + 1, tiles);
    if (!y)
      return x;
    for (int64_t e = 0; e < elems; ++e)
      (*x)[e] = combineOp<T>(op, (*x)[e], (*y)[e]);
    return x;
  }
};

template <class T>
int64_t treeCombine(CallScope &s, int64_t lb, int64_t kEnd, int64_t tileLength,
                    const T *leaves, int64_t elems, int64_t op, T *root) {
  const int64_t trip = std::max<int64_t>(kEnd - lb, 0);
  const int64_t tiles = (trip + tileLength - 1) / tileLength;
  if (tiles == 0)
    return 0;
  Tree<T> tree{elems, op, {}};
  // This rank's tiles as maximal aligned blocks, each a whole node.
  auto [o0, o1] = s.ownedRuns(s.rank, lb, kEnd, false, 0, tileLength);
  std::vector<int64_t> mine; // per node: level, index, then its elements' bits
  for (int64_t i = o0; i < o1;) {
    int l = 0;
    while (i % (int64_t(2) << l) == 0 && i + (int64_t(2) << l) <= o1)
      ++l;
    std::vector<T> v = tree.fromLeaves(leaves, o0, l, i >> l);
    mine.push_back(l);
    mine.push_back(i >> l);
    size_t at = mine.size();
    mine.resize(at + (elems * sizeof(T) + 7) / 8);
    copyBytes(mine.data() + at, v.data(), elems * sizeof(T));
    i += int64_t(1) << l;
  }
  std::vector<int> counts(s.size), displs(s.size);
  int count = static_cast<int>(mine.size());
  {
    CommTimer t(s);
    check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, s.comm),
          "MPI_Allgather");
    for (int r = 1; r < s.size; ++r)
      displs[r] = displs[r - 1] + counts[r - 1];
    std::vector<int64_t> all(static_cast<size_t>(displs[s.size - 1]) +
                             counts[s.size - 1]);
    check(MPI_Allgatherv(mine.data(), count, MPI_INT64_T, all.data(), counts.data(),
                         displs.data(), MPI_INT64_T, s.comm),
          "MPI_Allgatherv");
    s.stats.collectives += 2;
    s.stats.bytesSent += mine.size() * 8;
    const size_t words = (elems * sizeof(T) + 7) / 8;
    for (size_t at = 0; at < all.size(); at += 2 + words) {
      std::vector<T> v(elems);
      copyBytes(v.data(), all.data() + at + 2, elems * sizeof(T));
      tree.known[{static_cast<int>(all[at]), all[at + 1]}] = std::move(v);
    }
  }
  int top = 0;
  while ((int64_t(1) << top) < tiles)
    ++top;
  std::optional<std::vector<T>> r = tree.node(top, 0, tiles);
  copyBytes(root, r->data(), elems * sizeof(T));
  return 1;
}

} // namespace

extern "C" int64_t seqfuse_mpi_tree_combine(int64_t lb, int64_t kEnd, int64_t tileLength,
                                            int64_t leaves, int64_t elems, int64_t kind,
                                            int64_t op, int64_t root) {
  CallScope &s = CallScope::current();
  if (kind == 2)
    return treeCombine<float>(s, lb, kEnd, tileLength,
                              reinterpret_cast<const float *>(leaves), elems, op,
                              reinterpret_cast<float *>(root));
  return treeCombine<double>(s, lb, kEnd, tileLength,
                             reinterpret_cast<const double *>(leaves), elems, op,
                             reinterpret_cast<double *>(root));
}
