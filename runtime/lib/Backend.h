//===- Backend.h - what a target makes of a fused module (internal) -*- C++ -*-===//
//
// The seam between the runtime's API and cache (Kernel.cpp) and the code
// generators. compile() runs the stages every target shares (loop form,
// patterns, fusion, their report), then hands the fused module to the
// target's Backend, which lowers it, records in the report what its
// lowerings chose, and returns an Executable that calls the result. A
// backend adds a Target kind and one translation unit (CPUBackend.cpp,
// InterpreterBackend.cpp); nothing in Kernel.cpp knows how a target runs.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_LIB_BACKEND_H
#define SEQFUSE_RUNTIME_LIB_BACKEND_H

#include "Signature.h"
#include "seqfuse/Pipelines/Pipelines.h"
#include "seqfuse/Pipelines/Report.h"
#include "seqfuse/runtime/Checks.h"
#include "seqfuse/runtime/Kernel.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace seqfuse::detail {

/// A kernel compiled for one target. call() may run from many threads at
/// once.
class Executable {
public:
  virtual ~Executable() = default;
  /// Runs the kernel on arguments already validated against its signature.
  /// A failed run-time check throws IndexError (formatCheckFailure's text),
  /// with memory as the loop leaves it when it raises.
  virtual void call(std::span<const Arg> args) const = 0;
  /// Kernel::call: validates the arguments against `sig`, then calls. A
  /// target whose calls are collective (Target::ranks) agrees on the
  /// validation across its processes first.
  virtual void run(const Signature &sig, Target target, std::span<const Arg> args) const {
    sig.validate(args, target);
    call(args);
  }
  /// The text of a stage this target makes outside MLIR's passes (the CPU's
  /// llvm-ir and asm); nullopt for the others.
  virtual std::optional<std::string> stageText(Stage) const { return std::nullopt; }
  /// Writes what GPUModule::load reads (Target::gpu only); throws Error.
  virtual void save(std::ostream &) const {
    throw Error("seqfuse: only Target::gpu() kernels can be saved");
  }
};

/// What a backend is given: the fused module (its own to lower), the loop
/// form as emitted (never modified; the interpreter runs it), the options
/// and the report so far, to which it adds the algorithm of each op.
struct BackendInput {
  std::string name;                        ///< the kernel's function name
  const Signature &sig;                    ///< its arguments
  mlir::ModuleOp loop;                     ///< outlives the Executable
  mlir::OwningOpRef<mlir::ModuleOp> fused; ///< after the stage "fused"
  const PipelineConfig &config;            ///< every option, as the pipeline reads them
  std::vector<ReportLine> &report;         ///< one line per pattern op
};

/// A code generator: lowers the fused module for one Target kind.
class Backend {
public:
  virtual ~Backend() = default;
  /// Target::name() of the targets it serves.
  virtual std::string_view name() const = 0;
  /// Whether kernel.ir(s) is something this target makes (every target makes
  /// program and loop).
  virtual bool produces(Stage s) const = 0;
  /// The pass stages it runs after "fused", in order: kernel.ir() replays
  /// them on a copy of the loop form to show a stage's IR.
  virtual llvm::ArrayRef<PipelineStage> passStages() const = 0;
  /// Lowers `in.fused`. Throws CompileError.
  virtual std::unique_ptr<Executable> compile(BackendInput in) const = 0;
};

/// The backend of `target`'s kind.
const Backend &backendFor(Target target);
const Backend &cpuBackend();
const Backend &interpreterBackend();
const Backend &gpuBackend();
const Backend &gpuSimBackend();
/// Target::ranks()'s backend, which the seqfuse_mpi library registers
/// (seqfuse/mpi.h); null where it is not linked.
const Backend *ranksBackend();
void setRanksBackend(const Backend *backend);

/// The check sites seqfuse-insert-runtime-checks recorded on `m`: site k
/// is what a failure with site k reports.
std::vector<CheckSite> readSites(mlir::ModuleOp m);

/// The threads of one call's parallel loops (OpenMP): Options::numThreads,
/// else $SEQFUSE_NUM_THREADS, else every hardware thread. Set for the call
/// only: the caller's own OpenMP setting is restored after.
class ThreadCount {
public:
  explicit ThreadCount(int requested);
  ~ThreadCount();
  ThreadCount(const ThreadCount &) = delete;
  ThreadCount &operator=(const ThreadCount &) = delete;

private:
  int saved = 0;
};

/// Runs the passes `build` adds on `m`; a failure, with every diagnostic
/// and its location, throws CompileError naming the stage `what`.
void runPasses(mlir::ModuleOp m, const std::string &what,
               const std::function<void(mlir::OpPassManager &)> &build);

} // namespace seqfuse::detail

#endif // SEQFUSE_RUNTIME_LIB_BACKEND_H
