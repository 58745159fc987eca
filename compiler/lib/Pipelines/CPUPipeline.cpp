//===- CPUPipeline.cpp - loop form to LLVM dialect ------------------------===//
#include "seqfuse/Pipelines/Pipelines.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

//===----------------------------------------------------------------------===//
// Loop-form stages
//===----------------------------------------------------------------------===//

void seqfuse::addPatternStage(OpPassManager &pm, bool strictFP) {
  // Find what each loop is (docs/patterns.md); every raised op keeps the
  // loop's exact sequential meaning, and the reasons go to the report.
  // x[i] = f(x[i-1]) carries x[i-1] in a register: a state like the others.
  pm.addPass(createPromoteCarriedCellsPass());
  // Value-only branches become selects, so conditional updates are seen.
  pm.addPass(createSpeculateBranchesPass());
  // Independent statement groups of one loop become separate loops.
  pm.addPass(createDistributeLoopsPass());
  pm.addPass(createRaiseScattersPass());
  pm.addPass(createRaiseFoldsPass());
  pm.addPass(createRaiseMapsPass());
  pm.addPass(createKeepSequentialPass());
  // Which folds a parallel lowering may reassociate (none with strict_fp).
  pm.addPass(createFloatPolicyPass(FloatPolicyPassOptions{strictFP}));
}

void seqfuse::addFusedStage(OpPassManager &pm) {
  // Distribution split loops into the fewest groups with a pattern each;
  // groups over the same range that can run as one loop are put back together.
  pm.addPass(createFusePatternsPass());
}

void seqfuse::addCanonicalStage(OpPassManager &pm) {
  // Fold constants and duplicate loads so later analyses see one value per fact.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void seqfuse::addCheckedStage(OpPassManager &pm, const PipelineConfig &config) {
  // Pattern ops become loops first, so the checks see induction variables
  // and can prove most direct indices in range. Folds also get their
  // parallel form (blocked reduce-then-scan) where their float policy allows.
  const int64_t mapChunk = config.parallelChunk ? config.parallelChunk : 16384;
  const int64_t foldChunk = config.parallelChunk ? config.parallelChunk : 16448;
  LowerPatternsPassOptions lower;
  lower.parallelFolds = true;
  lower.parallelScatters = true;
  lower.chunk = foldChunk;
  lower.cutoff = 4 * foldChunk;
  // Scans of one accumulator step 8 iterations at a time in registers.
  lower.simd = 8;
  pm.addPass(createLowerPatternsPass(lower));
  // Checked mode: every index not provably in range raises IndexError.
  if (config.checked)
    pm.addPass(createInsertRuntimeChecksPass());
  // Maps and folds whose bodies make no check run on threads, in fixed chunks.
  pm.addPass(
      createParallelizeMapsPass(ParallelizeMapsPassOptions{mapChunk, 4 * mapChunk}));
}

//===----------------------------------------------------------------------===//
// Lowering stages
//===----------------------------------------------------------------------===//

void seqfuse::addCFStage(OpPassManager &pm) {
  // scf.parallel (the parallel maps) to OpenMP's parallel + workshare loop,
  // run by libomp's threads; then convert-to-llvm has no pattern for scf:
  // lower the rest to cf first.
  pm.addPass(createParallelToOpenMPPass());
  pm.addPass(createSCFToControlFlowPass());
  // Fold the pass-through blocks scf-to-cf leaves (the serial branch of a
  // parallel map): the LLVM dialect's canonicalizer no longer can, and a
  // replay of this stage's dump must give the same LLVM dialect.
  pm.addPass(createCanonicalizerPass());
}

void seqfuse::addLLVMStage(OpPassManager &pm) {
  // Transcendental math calls libm through opaque wrappers (the functions the
  // interpreter calls) that LLVM can neither fold nor rewrite; anything left
  // without an LLVM intrinsic becomes a plain libm call.
  pm.addPass(createMathToRuntimePass());
  pm.addPass(createConvertMathToLibmPass());
  // One pass for func/arith/cf/memref/math/index through their ToLLVM
  // interfaces (registered in registerAllDialects).
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // Address computations repeated per access fold here, so the stage is a
  // fixed point of the whole pipeline (replaying it changes nothing).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

std::string seqfuse::PipelineConfig::key() const {
  const auto &[checked, strictFP, optLevel, numThreads, parallelChunk, gpuThreads,
               gpuItems, gpuMapItems, gpuLookbackStress, gpuChip, gpuFeatures, rankDim] =
      *this;
  return "checked=" + std::to_string(checked) + "|strict_fp=" + std::to_string(strictFP) +
         "|O=" + std::to_string(optLevel) + "|threads=" + std::to_string(numThreads) +
         "|chunk=" + std::to_string(parallelChunk) +
         "|gpu_tile=" + std::to_string(gpuThreads) + "x" + std::to_string(gpuItems) +
         "x" + std::to_string(gpuMapItems) +
         "|gpu_stress=" + std::to_string(gpuLookbackStress) + "|gpu=" + gpuChip + "," +
         gpuFeatures + "|ranks=" + rankDim;
}

llvm::ArrayRef<seqfuse::PipelineStage> seqfuse::cpuStages() {
  // Checks come before any folding, so that an access the program makes but
  // never uses (a dead load) still raises, as in the loop.
  static const PipelineStage stages[] = {
      {"pattern", [](OpPassManager &pm,
                     const PipelineConfig &c) { addPatternStage(pm, c.strictFP); }},
      {"fused", [](OpPassManager &pm, const PipelineConfig &) { addFusedStage(pm); }},
      {"checked",
       [](OpPassManager &pm, const PipelineConfig &c) { addCheckedStage(pm, c); }},
      {"canonical",
       [](OpPassManager &pm, const PipelineConfig &) { addCanonicalStage(pm); }},
      {"cf", [](OpPassManager &pm, const PipelineConfig &) { addCFStage(pm); }},
      {"llvm", [](OpPassManager &pm, const PipelineConfig &) { addLLVMStage(pm); }},
  };
  return stages;
}

void seqfuse::buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options) {
  PipelineConfig config;
  config.checked = options.checked;
  config.strictFP = options.strictFP;
  for (const PipelineStage &stage : cpuStages())
    stage.addPasses(pm, config);
}

void seqfuse::registerPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "seqfuse-cpu-pipeline",
      "seqfuse's CPU pipeline: loop form (or any later stage) to the LLVM dialect",
      buildCPUPipeline);
}

void seqfuse::registerAllPasses() {
  registerSeqfusePasses();
  registerPipelines();
  registerGPUPipelines();
}
