//===- Pipelines.h - named seqfuse pass pipelines ---------------*- C++ -*-===//
//
// The CPU pipeline, loop form -> LLVM dialect, as a list of stages. The
// runtime runs the stages one by one to record each stage's IR; seqfuse-opt
// registers the whole list as `--seqfuse-cpu-pipeline`, so any dumped stage
// replays (every stage is idempotent on IR that already passed it).
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_PIPELINES_PIPELINES_H
#define SEQFUSE_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <string>

namespace mlir {
class OpPassManager;
class DialectRegistry;
} // namespace mlir

namespace seqfuse {

/// Everything that changes what the pipeline makes of a program, in one
/// struct: the runtime builds it from the public seqfuse::Options, the
/// pipeline reads it, and key() puts every field in the kernel cache key.
/// key() and fromOptions() unpack the structs with structured bindings, so a
/// field added here or to Options does not compile until both handle it.
struct PipelineConfig {
  bool checked = true;   ///< run-time index and divisor checks
  bool strictFP = false; ///< keep every float fold in the loop's order
  int optLevel = 3;      ///< LLVM optimisation level of the JIT, 0..3
  int numThreads = 0;    ///< threads of the parallel loops (0: the default)
  /// Iterations per chunk of the parallel loops (maps and folds); they run in
  /// parallel from 4 chunks up. Fixed, so results never depend on the thread
  /// count. 0: the defaults (maps 16384; folds 16448, four lanes of 4112, so
  /// that lanes of any element type are never a multiple of 4 KiB apart).
  /// Tests lower it (SEQFUSE_PARALLEL_CHUNK) to cross chunk boundaries at
  /// small sizes.
  int64_t parallelChunk = 0;
  /// GPU kernels: threads per block, elements per thread of a fold's tile,
  /// iterations per thread of a map's tile (0: the defaults 256, 16, 4).
  /// Tests shrink them (SEQFUSE_GPU_TILE) so small inputs cross tiles.
  int64_t gpuThreads = 0, gpuItems = 0, gpuMapItems = 0;
  /// Testing (SEQFUSE_GPU_LOOKBACK_STRESS): most tiles publish only their
  /// aggregate, so every look-back walks over aggregates.
  bool gpuLookbackStress = false;
  /// The NVIDIA GPU the PTX is for (Options::gpuChip, gpuFeatures).
  std::string gpuChip = "sm_90", gpuFeatures = "+ptx80";
  /// Target::ranks(): the named size whose rows are distributed.
  std::string rankDim;
  /// "checked=1|strict_fp=0|O=3|threads=0|chunk=0|...": every field, for the
  /// kernel cache key.
  std::string key() const;
};

/// One stage of the CPU pipeline: its name (kernel.ir(name), dump files,
/// the report) and the passes that turn the previous stage into it.
struct PipelineStage {
  const char *name;
  void (*addPasses)(mlir::OpPassManager &pm, const PipelineConfig &config);
};
/// The CPU pipeline's pass stages in order: pattern, fused, checked,
/// canonical, cf, llvm. (The runtime adds program and loop before them, and
/// llvm-ir and asm after, which LLVM itself makes.)
llvm::ArrayRef<PipelineStage> cpuStages();

struct CPUPipelineOptions : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> checked{*this, "checked",
                       llvm::cl::desc("Insert run-time index and divisor checks"),
                       llvm::cl::init(true)};
  Option<bool> strictFP{*this, "strict-fp",
                        llvm::cl::desc("Keep every float fold in the loop's order"),
                        llvm::cl::init(false)};
};

/// Stage "pattern": loops raised to seqfuse pattern ops, the rest wrapped in
/// seqfuse.sequential with the reason; float folds marked with the policy.
void addPatternStage(mlir::OpPassManager &pm, bool strictFP = false);
/// Stage "fused": neighbouring pattern ops over the same range fused.
void addFusedStage(mlir::OpPassManager &pm);
/// Stage "canonical": canonicalize + CSE on loop form.
void addCanonicalStage(mlir::OpPassManager &pm);
/// Stage "checked": pattern ops lowered to loops (folds also in parallel
/// form), then run-time checks (none when !checked), then the parallel loops
/// that make no check kept.
void addCheckedStage(mlir::OpPassManager &pm, const PipelineConfig &config);
/// Stage "cf": structured control flow to branches.
void addCFStage(mlir::OpPassManager &pm);
/// Stage "llvm": everything to the LLVM dialect.
void addLLVMStage(mlir::OpPassManager &pm);

/// The GPU target's pass stages after the shared ones: gpu (pattern ops as
/// kernels and the host's launch sequence), nvvm (kernels in the NVVM
/// dialect). PTX and cubin come from the backend (gpu-module-to-binary,
/// ptxas).
llvm::ArrayRef<PipelineStage> gpuStages();
/// The GPU kernels run on the CPU (Target::gpuSim): gpu, gpu-sim (kernels
/// as loops over blocks and threads), cf, llvm.
llvm::ArrayRef<PipelineStage> gpuSimStages();
/// Stage "gpu": seqfuse-lower-to-gpu, the checks of one-thread kernels,
/// canonicalize + CSE.
void addGPUStage(mlir::OpPassManager &pm, const PipelineConfig &config);
/// The gpu.modules to PTX text: gpu-module-to-binary (format isa), in place.
void addPTXPasses(mlir::OpPassManager &pm);
/// "" when `chip` and `features` name a GPU and PTX version this LLVM can
/// generate code for together (sm_70 and later, +ptxNN new enough for the
/// chip), else why not. (A bad pair aborts LLVM, so it is checked first.)
std::string validateGPUTarget(const std::string &chip, const std::string &features);

/// All CPU stages in order.
void buildCPUPipeline(mlir::OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `seqfuse-cpu-pipeline`, `seqfuse-gpu-pipeline` and
/// `seqfuse-gpu-sim-pipeline` with the global pass-pipeline registry.
void registerPipelines();

/// Every dialect, interface and translation seqfuse's pipelines use.
void registerAllDialects(mlir::DialectRegistry &registry);
/// The NVVM dialect, target and translations (GPUPipeline.cpp).
void registerGPUDialects(mlir::DialectRegistry &registry);
void registerGPUPipelines();
/// Registers seqfuse's passes and pipelines for command-line tools.
void registerAllPasses();

} // namespace seqfuse

#endif // SEQFUSE_PIPELINES_PIPELINES_H
