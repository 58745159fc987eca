//===- GPUPipeline.cpp - pattern ops to GPU kernels, PTX, and their CPU twin -===//
//
// The one translation unit with the NVVM headers (dialect, target,
// translations, the GPU-to-NVVM conversion): stages of the GPU target and of
// its CPU twin (Target::gpuSim), and the check of the chip and PTX version.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Pipelines/Pipelines.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include <cstdlib>
#include <utility>

using namespace mlir;
using seqfuse::PipelineConfig;

void seqfuse::registerGPUDialects(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

//===----------------------------------------------------------------------===//
// Stages
//===----------------------------------------------------------------------===//

void seqfuse::addGPUStage(OpPassManager &pm, const PipelineConfig &c) {
  // Every pattern op as kernels (tiles, look-back scans, exact scatters);
  // anything that may not run in parallel as one thread running the loop.
  LowerToGPUPassOptions o;
  if (c.gpuThreads)
    o.threads = c.gpuThreads;
  if (c.gpuItems)
    o.items = c.gpuItems;
  if (c.gpuMapItems)
    o.mapItems = c.gpuMapItems;
  o.checked = c.checked;
  o.lookbackStress = c.gpuLookbackStress;
  pm.addPass(createLowerToGPUPass(o));
  // Checked mode: the one-thread kernels check their indices (the parallel
  // ones run only where the checks are known to pass).
  if (c.checked)
    pm.addPass(createInsertRuntimeChecksPass());
  // The host function keeps only what the launches need.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

namespace {

void addNVVMStage(OpPassManager &pm, const PipelineConfig &c) {
  // A failed check in a one-thread kernel records itself and returns (on
  // branches: lower scf first).
  pm.addNestedPass<gpu::GPUModuleOp>(createSCFToControlFlowPass());
  pm.addPass(seqfuse::createGPUCheckExitsPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = c.gpuChip;
  target.features = c.gpuFeatures;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // Index is 64-bit, as on the host (sizes and iteration numbers cross).
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(nvvm));
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void addGPUSimStage(OpPassManager &pm, const PipelineConfig &) {
  // The same kernels as CPU loops: blocks on the host's threads, threads
  // phase by phase between barriers.
  pm.addPass(seqfuse::createGPUToCPUSimPass());
}

void addSimCFStage(OpPassManager &pm, const PipelineConfig &) {
  seqfuse::addCFStage(pm);
  pm.addPass(seqfuse::createGPUCheckExitsPass());
}

} // namespace

void seqfuse::addPTXPasses(OpPassManager &pm) {
  GpuModuleToBinaryPassOptions o;
  o.compilationTarget = "isa"; // PTX; the backend runs ptxas itself
  pm.addPass(createGpuModuleToBinaryPass(o));
}

llvm::ArrayRef<seqfuse::PipelineStage> seqfuse::gpuStages() {
  static const PipelineStage stages[] = {
      {"pattern", [](OpPassManager &pm,
                     const PipelineConfig &c) { addPatternStage(pm, c.strictFP); }},
      {"fused", [](OpPassManager &pm, const PipelineConfig &) { addFusedStage(pm); }},
      {"gpu", addGPUStage},
      {"nvvm", addNVVMStage},
  };
  return stages;
}

llvm::ArrayRef<seqfuse::PipelineStage> seqfuse::gpuSimStages() {
  static const PipelineStage stages[] = {
      {"pattern", [](OpPassManager &pm,
                     const PipelineConfig &c) { addPatternStage(pm, c.strictFP); }},
      {"fused", [](OpPassManager &pm, const PipelineConfig &) { addFusedStage(pm); }},
      {"gpu", addGPUStage},
      {"gpu-sim", addGPUSimStage},
      {"cf", addSimCFStage},
      {"llvm", [](OpPassManager &pm, const PipelineConfig &) { addLLVMStage(pm); }},
  };
  return stages;
}

//===----------------------------------------------------------------------===//
// The chip and PTX version
//===----------------------------------------------------------------------===//

std::string seqfuse::validateGPUTarget(const std::string &chip,
                                       const std::string &features) {
  // The oldest PTX ISA each chip is supported by (LLVM's NVPTX target);
  // sm_70 is the first with the fences and scoped atomics the kernels use.
  static const std::pair<const char *, int> minPTX[] = {
      {"sm_70", 60},   {"sm_72", 61},  {"sm_75", 63},   {"sm_80", 70},  {"sm_86", 71},
      {"sm_87", 74},   {"sm_89", 78},  {"sm_90", 78},   {"sm_90a", 80}, {"sm_100", 86},
      {"sm_100a", 86}, {"sm_101", 86}, {"sm_101a", 86}, {"sm_120", 87}, {"sm_120a", 87},
  };
  static const int knownPTX[] = {60, 61, 62, 63, 64, 65, 70, 71, 72, 73, 74, 75, 76,
                                 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90};
  int need = -1;
  std::string chips;
  for (auto [name, v] : minPTX) {
    chips += (chips.empty() ? "" : ", ") + std::string(name);
    if (chip == name)
      need = v;
  }
  if (need < 0)
    return "seqfuse: Options::gpuChip '" + chip +
           "' is not a supported GPU (one of: " + chips + ")";
  int ptx = -1;
  if (features.rfind("+ptx", 0) == 0 && features.size() > 4 &&
      features.find_first_not_of("0123456789", 4) == std::string::npos)
    ptx = std::atoi(features.c_str() + 4);
  bool known = false;
  for (int v : knownPTX)
    known |= v == ptx;
  if (!known)
    return "seqfuse: Options::gpuFeatures must be a PTX ISA version such as \"+ptx80\" "
           "(60 .. 90), got '" +
           features + "'";
  if (ptx < need)
    return "seqfuse: " + chip + " needs PTX ISA " + std::to_string(need / 10) + "." +
           std::to_string(need % 10) + " or later (Options::gpuFeatures \"+ptx" +
           std::to_string(need) + "\"), got '" + features + "'";
  return "";
}

//===----------------------------------------------------------------------===//
// seqfuse-opt pipelines
//===----------------------------------------------------------------------===//

namespace {

struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  Option<bool> checked{*this, "checked",
                       llvm::cl::desc("Insert run-time index and divisor checks"),
                       llvm::cl::init(true)};
  Option<bool> strictFP{*this, "strict-fp",
                        llvm::cl::desc("Keep every float fold in the loop's order"),
                        llvm::cl::init(false)};
  Option<std::string> chip{*this, "chip", llvm::cl::desc("GPU (sm_90, ...)"),
                           llvm::cl::init("sm_90")};
  Option<std::string> features{*this, "features", llvm::cl::desc("PTX ISA (+ptx80, ...)"),
                               llvm::cl::init("+ptx80")};
};

void buildStages(OpPassManager &pm, const GPUPipelineOptions &o,
                 llvm::ArrayRef<seqfuse::PipelineStage> stages) {
  seqfuse::PipelineConfig c;
  c.checked = o.checked;
  c.strictFP = o.strictFP;
  c.gpuChip = o.chip;
  c.gpuFeatures = o.features;
  for (const seqfuse::PipelineStage &s : stages)
    s.addPasses(pm, c);
}

} // namespace

void seqfuse::registerGPUPipelines() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "seqfuse-gpu-pipeline",
      "seqfuse's GPU pipeline: loop form to GPU kernels in the NVVM dialect (then "
      "--gpu-module-to-binary=format=isa gives PTX)",
      [](OpPassManager &pm, const GPUPipelineOptions &o) {
        if (std::string why = validateGPUTarget(o.chip, o.features); !why.empty()) {
          llvm::errs() << why << "\n";
          std::exit(1);
        }
        buildStages(pm, o, gpuStages());
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "seqfuse-gpu-sim-pipeline",
      "seqfuse's GPU kernels on the CPU: loop form to GPU kernels, then each kernel as "
      "loops over blocks and threads, to the LLVM dialect",
      [](OpPassManager &pm, const GPUPipelineOptions &o) {
        buildStages(pm, o, gpuSimStages());
      });
}
