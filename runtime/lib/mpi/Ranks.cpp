//===- Ranks.cpp - the Target::ranks() backend and seqfuse::dist ----------===//
//
// Compiling: the fused module through seqfuse-distribute-ranks (stage
// "ranks"), then the CPU pipeline's stages after "fused", then LLVM's JIT with
// the seqfuse_mpi_* functions (Comm.h) resolved. Calling (collective): the
// arguments are validated on every rank and the outcome agreed; the blocks
// of rows of every rank are gathered; each distributed tensor is passed
// with its global extent and a base biased by -begin rows, so the code
// addresses its rows by global index.
//
//===----------------------------------------------------------------------===//
#include "../Backend.h"
#include "../Guard.h"
#include "../JIT.h"
#include "Comm.h"
#include "seqfuse/Transforms/Passes.h"
#include "seqfuse/dsl/Program.h"

#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/SmallVector.h"

#include <chrono>
#include <cstring>

using namespace seqfuse;
using namespace seqfuse::detail;

namespace {

int64_t bytesOf(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::Bool:
    return 1;
  default:
    return 8;
  }
}

std::vector<std::pair<std::string, void *>> shimSymbols() {
  std::vector<std::pair<std::string, void *>> s;
  auto add = [&](const char *name, auto *fn) {
    s.emplace_back(name, reinterpret_cast<void *>(fn));
  };
  add("seqfuse_mpi_rank", &seqfuse_mpi_rank);
  add("seqfuse_mpi_size", &seqfuse_mpi_size);
  add("seqfuse_mpi_row_owner", &seqfuse_mpi_row_owner);
  add("seqfuse_mpi_rows", &seqfuse_mpi_rows);
  add("seqfuse_mpi_plan", &seqfuse_mpi_plan);
  add("seqfuse_mpi_run_length", &seqfuse_mpi_run_length);
  add("seqfuse_mpi_gather_runs", &seqfuse_mpi_gather_runs);
  add("seqfuse_mpi_send", &seqfuse_mpi_send);
  add("seqfuse_mpi_recv", &seqfuse_mpi_recv);
  add("seqfuse_mpi_bcast", &seqfuse_mpi_bcast);
  add("seqfuse_mpi_allreduce_min", &seqfuse_mpi_allreduce_min);
  add("seqfuse_mpi_allreduce", &seqfuse_mpi_allreduce);
  add("seqfuse_mpi_allreduce_winner", &seqfuse_mpi_allreduce_winner);
  add("seqfuse_mpi_exchange", &seqfuse_mpi_exchange);
  add("seqfuse_mpi_tile_length", &seqfuse_mpi_tile_length);
  add("seqfuse_mpi_tree_combine", &seqfuse_mpi_tree_combine);
  add("seqfuse_mpi_take_records", &seqfuse_mpi_take_records);
  add("seqfuse_mpi_allgather_rows", &seqfuse_mpi_allgather_rows);
  add("seqfuse_mpi_push_copyback", &seqfuse_mpi_push_copyback);
  add("seqfuse_mpi_pop_copybacks", &seqfuse_mpi_pop_copybacks);
  add("seqfuse_mpi_expect_failure", &seqfuse_mpi_expect_failure);
  add("seqfuse_mpi_failure_missing", &seqfuse_mpi_failure_missing);
  add("seqfuse_mpi_fail_at", &seqfuse_mpi_fail_at);
  // A failed check may have to tell the other ranks first.
  add(kCheckFailedFn, &seqfuse_mpi_check_failed);
  return s;
}

/// Throws ArgumentError on every rank when `error` is set on any: the
/// message of the lowest such rank, naming it.
void agree(dist::CallScope &s, const std::string &error) {
  int bad = error.empty() ? s.size : s.rank, first = s.size;
  dist::check(MPI_Allreduce(&bad, &first, 1, MPI_INT, MPI_MIN, s.comm), "MPI_Allreduce");
  if (first == s.size)
    return;
  int64_t len = static_cast<int64_t>(error.size());
  dist::check(MPI_Bcast(&len, 1, MPI_INT64_T, first, s.comm), "MPI_Bcast");
  std::string text = s.rank == first ? error : std::string(len, '\0');
  dist::check(MPI_Bcast(text.data(), static_cast<int>(len), MPI_CHAR, first, s.comm),
              "MPI_Bcast");
  throw ArgumentError("seqfuse: rank " + std::to_string(first) + ": " + text);
}

uint64_t fnv(uint64_t h, const void *p, size_t n) {
  auto *c = static_cast<const unsigned char *>(p);
  for (size_t i = 0; i < n; ++i)
    h = (h ^ c[i]) * 1099511628211ull;
  return h;
}

class RanksExecutable final : public Executable {
public:
  mlir::OwningOpRef<mlir::ModuleOp> llvmModule;
  std::unique_ptr<JitModule> jit;
  std::vector<CheckSite> sites;
  std::vector<bool> distributed; // per argument
  std::string dim;
  int numThreads = 0, optLevel = 3;

  void call(std::span<const Arg>) const override {
    throw Error("seqfuse: a Target::ranks() kernel is called collectively through "
                "seqfuse::dist::Kernel (seqfuse/mpi.h)");
  }
  void run(const Signature &sig, Target target, std::span<const Arg> args) const override;
  std::optional<std::string> stageText(Stage s) const override {
    return jitStageText(llvmModule.get(), optLevel, s);
  }
};

void RanksExecutable::run(const Signature &sig, Target target,
                          std::span<const Arg> args) const {
  dist::CallScope *sp = dist::CallScope::active();
  if (!sp)
    call(args); // throws: not through seqfuse::dist
  dist::CallScope &s = *sp;
  auto t0 = std::chrono::steady_clock::now();
  // Every rank checks its own arguments; all raise if one fails.
  std::string error;
  try {
    sig.validate(args, target);
  } catch (const ArgumentError &e) {
    error = e.what();
  }
  agree(s, error);
  // Scalars and replicated tensors' shapes must be the same on every rank
  // (the kernel's own control flow depends on them).
  std::vector<uint64_t> mine(args.size()), lo(args.size()), hi(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    uint64_t h = 1469598103934665603ull;
    if (!a.isTensor()) {
      h = fnv(h, a.scalarPtr(), static_cast<size_t>(bytesOf(a.type())));
    } else {
      for (int d = distributed[i] ? 1 : 0; d < a.rank(); ++d) {
        int64_t e = a.dim(d);
        h = fnv(h, &e, sizeof e);
      }
    }
    mine[i] = h;
  }
  dist::check(MPI_Allreduce(mine.data(), lo.data(), static_cast<int>(mine.size()),
                            MPI_UINT64_T, MPI_MIN, s.comm),
              "MPI_Allreduce");
  dist::check(MPI_Allreduce(mine.data(), hi.data(), static_cast<int>(mine.size()),
                            MPI_UINT64_T, MPI_MAX, s.comm),
              "MPI_Allreduce");
  for (size_t i = 0; i < args.size(); ++i)
    if (lo[i] != hi[i])
      throw ArgumentError(
          "seqfuse: argument " + std::to_string(i) + " ('" + sig.args[i].name +
          "') is not the same on every rank: scalars, and the shapes of tensors whose "
          "first dimension is not '" +
          dim + "' (every rank holds them whole), must be passed alike by every rank");
  int64_t localRows = 0;
  for (size_t i = 0; i < args.size(); ++i)
    if (distributed[i]) {
      localRows = args[i].dim(0);
      break;
    }
  s.setRows(localRows);
  // Packed calling convention, as the CPU target (CPUBackend.cpp).
  struct Descriptor {
    void *ptrs[2];
    int64_t ints[1 + 2 * Arg::kMaxRank];
  };
  std::vector<Descriptor> descs(args.size());
  std::vector<void *> slots;
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    if (!a.isTensor()) {
      slots.push_back(const_cast<void *>(a.scalarPtr()));
      continue;
    }
    Descriptor &d = descs[i];
    int r = a.rank();
    int64_t stride = 1;
    for (int j = r - 1; j >= 0; --j) {
      d.ints[1 + j] = a.dim(j);
      d.ints[1 + r + j] = stride;
      stride *= a.dim(j);
    }
    d.ints[0] = 0;
    auto base = reinterpret_cast<uintptr_t>(a.data());
    if (distributed[i]) {
      // Row `begin` of the global view is this rank's first row.
      int64_t rowElems = r > 1 ? d.ints[1 + r] : 1;
      base -= static_cast<uintptr_t>(s.begin[s.rank] * rowElems * bytesOf(a.type()));
      d.ints[1] = s.rows;
    }
    d.ptrs[0] = d.ptrs[1] = reinterpret_cast<void *>(base);
    slots.push_back(&d.ptrs[0]);
    slots.push_back(&d.ptrs[1]);
    for (int j = 0; j < 1 + 2 * r; ++j)
      slots.push_back(&d.ints[j]);
  }
  CheckFailure failure;
  bool ok;
  {
    ThreadCount threads(numThreads);
    ok = runGuarded(jit->packed, slots.data(), &failure);
  }
  s.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!ok) {
    if (failure.site < 0 || failure.site >= static_cast<int64_t>(sites.size()))
      throw IndexError("seqfuse: run-time check failed at an unknown site");
    throw IndexError(
        formatCheckFailure(sites[failure.site], failure.value, failure.bound));
  }
}

void addRanksPasses(mlir::OpPassManager &pm, const PipelineConfig &c) {
  // Each rank its rows; what crosses ranks becomes calls of the runtime.
  DistributeRanksPassOptions o;
  o.dim = c.rankDim;
  o.checked = c.checked;
  o.run = c.parallelChunk;
  pm.addPass(createDistributeRanksPass(o));
}

class RanksBackend final : public Backend {
public:
  std::string_view name() const override { return "ranks"; }
  bool produces(Stage s) const override {
    for (Stage x : stagesOf(Target::ranks()))
      if (x == s)
        return true;
    return false;
  }
  llvm::ArrayRef<PipelineStage> passStages() const override {
    static const std::vector<PipelineStage> stages = [] {
      std::vector<PipelineStage> out{{"ranks", addRanksPasses}};
      bool after = false;
      for (const PipelineStage &p : cpuStages()) {
        if (after)
          out.push_back(p);
        after |= std::string_view(p.name) == stageName(Stage::Fused);
      }
      return out;
    }();
    return stages;
  }
  std::unique_ptr<Executable> compile(BackendInput in) const override {
    auto e = std::make_unique<RanksExecutable>();
    e->dim = in.config.rankDim;
    // As seqfuse-distribute-ranks finds them: the tensors whose first extent
    // is the named size; else the tensor of that name and those sharing its
    // first (named) extent.
    int32_t symbol = -1;
    for (size_t j = 0; j < in.sig.dimNames.size(); ++j)
      if (in.sig.dimNames[j] == e->dim)
        symbol = static_cast<int32_t>(j);
    const ast::Argument *named = nullptr;
    for (const ast::Argument &a : in.sig.args)
      if (symbol < 0 && a.isTensor && a.name == e->dim)
        named = &a;
    if (named && !named->shape.empty() && named->shape[0].kind == ast::DimSpec::Named)
      symbol = named->shape[0].symbol;
    bool any = false;
    for (const ast::Argument &a : in.sig.args) {
      bool d = a.isTensor && !a.shape.empty() &&
               ((a.shape[0].kind == ast::DimSpec::Named && a.shape[0].symbol == symbol) ||
                &a == named);
      e->distributed.push_back(d);
      any |= d;
      for (size_t j = 1; j < a.shape.size(); ++j)
        if (a.isTensor && symbol >= 0 && a.shape[j].kind == ast::DimSpec::Named &&
            a.shape[j].symbol == symbol)
          throw CompileError("seqfuse: Target::ranks(): tensor '" + a.name + "' has '" +
                             e->dim +
                             "' as a later dimension: the distributed size must be the "
                             "first dimension of every tensor that has it");
    }
    if (!any)
      throw CompileError("seqfuse: Target::ranks(): no tensor of program '" + in.name +
                         "' has '" + e->dim + "' as its first dimension");
    e->llvmModule = std::move(in.fused);
    runPasses(*e->llvmModule, "ranks-pipeline", [&](mlir::OpPassManager &pm) {
      for (const PipelineStage &stage : passStages())
        stage.addPasses(pm, in.config);
    });
    e->sites = readSites(*e->llvmModule);
    applyAlgorithms(in.report, *e->llvmModule);
    e->numThreads = in.config.numThreads;
    e->optLevel = in.config.optLevel;
    e->jit = jitCompile(*e->llvmModule, in.name, in.config.optLevel, shimSymbols());
    return e;
  }
};

const RanksBackend theBackend;

struct Comm {
  MPI_Comm comm = MPI_COMM_NULL;
  ~Comm() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && comm != MPI_COMM_NULL)
      MPI_Comm_free(&comm);
  }
};

thread_local dist::CallStats lastStats;

} // namespace

dist::Kernel dist::compile(const Program &program, MPI_Comm comm, Options options) {
  detail::setRanksBackend(&theBackend);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized)
    throw CompileError(
        "seqfuse: seqfuse::dist::compile needs MPI initialised (MPI_Init)");
  seqfuse::Kernel k = seqfuse::compile(program, Target::ranks(), std::move(options));
  auto c = std::make_shared<Comm>();
  check(MPI_Comm_dup(comm, &c->comm), "MPI_Comm_dup");
  return Kernel(std::move(k), std::static_pointer_cast<const void>(c));
}

MPI_Comm dist::Kernel::comm() const {
  return static_cast<const Comm *>(comm_.get())->comm;
}

void dist::Kernel::call(std::span<const Arg> args) const {
  CallScope scope(comm());
  lastStats = {};
  try {
    kernel_.call(args);
  } catch (...) {
    lastStats = scope.stats;
    throw;
  }
  lastStats = scope.stats;
}

dist::CallStats dist::lastCallStats() { return lastStats; }

dist::Block dist::blockOf(int64_t rows, MPI_Comm comm) {
  int rank = 0, size = 1;
  check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  int64_t base = rows / size, extra = rows % size;
  int64_t begin = rank * base + std::min<int64_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}
