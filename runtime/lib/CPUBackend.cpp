//===- CPUBackend.cpp - the LLVM JIT target -------------------------------===//
//
// The fused module through the CPU pipeline's stages after "fused" (checked,
// canonical, cf, llvm), then LLVM's JIT. Calls go through the packed calling
// convention under the check guard, with the call's thread count set for
// libomp's parallel loops.
//
//===----------------------------------------------------------------------===//
#include "Backend.h"
#include "Guard.h"
#include "JIT.h"
#include "seqfuse/Transforms/Passes.h"
#include "seqfuse/runtime/Checks.h"

#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/SmallVector.h"

#include <cstdlib>

using namespace seqfuse;
using namespace seqfuse::detail;

// libomp runs the parallel loops (stage cf: convert-scf-to-openmp).
extern "C" int omp_get_max_threads();
extern "C" void omp_set_num_threads(int);

namespace {

class CPUExecutable final : public Executable {
public:
  mlir::OwningOpRef<mlir::ModuleOp> llvmModule; // the LLVM dialect, for llvm-ir and asm
  std::unique_ptr<JitModule> jit;
  std::vector<CheckSite> sites;
  int numThreads = 0, optLevel = 3;

  void call(std::span<const Arg> args) const override;
  std::optional<std::string> stageText(Stage s) const override {
    return jitStageText(llvmModule.get(), optLevel, s);
  }
};

void CPUExecutable::call(std::span<const Arg> args) const {
  // Packed calling convention: one pointer per expanded LLVM argument. A
  // memref of rank R expands to (allocated, aligned, offset, sizes[R],
  // strides[R]); a scalar to itself.
  // Every call runs this: for up to 8 arguments of rank <= 4 nothing is
  // allocated and nothing is cleared (callgrind: a heap slot vector and a
  // zeroed descriptor array cost ~250 instructions per call).
  struct Descriptor {
    void *ptrs[2];
    int64_t ints[1 + 2 * Arg::kMaxRank];
  };
  llvm::SmallVector<Descriptor, 8> descs;
  descs.resize_for_overwrite(args.size());
  size_t slotCount = 0;
  for (const Arg &a : args)
    slotCount += a.isTensor() ? 3 + 2 * a.rank() : 1;
  llvm::SmallVector<void *, 96> slots;
  slots.reserve(slotCount);
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    if (!a.isTensor()) {
      slots.push_back(const_cast<void *>(a.scalarPtr()));
      continue;
    }
    Descriptor &d = descs[i];
    d.ptrs[0] = d.ptrs[1] = a.data();
    int r = a.rank();
    d.ints[0] = 0;
    int64_t stride = 1;
    for (int j = r - 1; j >= 0; --j) {
      d.ints[1 + j] = a.dim(j);
      d.ints[1 + r + j] = stride;
      stride *= a.dim(j);
    }
    slots.push_back(&d.ptrs[0]);
    slots.push_back(&d.ptrs[1]);
    for (int j = 0; j < 1 + 2 * r; ++j)
      slots.push_back(&d.ints[j]);
  }
  CheckFailure failure;
  ThreadCount threads(numThreads);
  if (!runGuarded(jit->packed, slots.data(), &failure)) {
    if (failure.site < 0 || failure.site >= static_cast<int64_t>(sites.size()))
      throw IndexError("seqfuse: run-time check failed at an unknown site");
    throw IndexError(
        formatCheckFailure(sites[failure.site], failure.value, failure.bound));
  }
}

class CPUBackend final : public Backend {
public:
  std::string_view name() const override { return "cpu"; }
  bool produces(Stage) const override { return true; }
  llvm::ArrayRef<PipelineStage> passStages() const override {
    llvm::ArrayRef<PipelineStage> all = cpuStages();
    while (!all.empty() && std::string_view(all.front().name) != stageName(Stage::Fused))
      all = all.drop_front();
    return all.drop_front(); // what follows "fused"
  }
  std::unique_ptr<Executable> compile(BackendInput in) const override {
    auto e = std::make_unique<CPUExecutable>();
    e->llvmModule = std::move(in.fused);
    runPasses(*e->llvmModule, "cpu-pipeline", [&](mlir::OpPassManager &pm) {
      for (const PipelineStage &stage : passStages())
        stage.addPasses(pm, in.config);
    });
    e->sites = readSites(*e->llvmModule);
    applyAlgorithms(in.report, *e->llvmModule); // what the lowerings chose
    e->numThreads = in.config.numThreads;
    e->optLevel = in.config.optLevel;
    e->jit = jitCompile(*e->llvmModule, in.name, in.config.optLevel);
    return e;
  }
};

} // namespace

std::vector<CheckSite> seqfuse::detail::readSites(mlir::ModuleOp m) {
  std::vector<CheckSite> out;
  auto arr = m->getAttrOfType<mlir::ArrayAttr>(kCheckSitesAttr);
  if (!arr)
    return out;
  for (mlir::Attribute a : arr) {
    auto d = mlir::cast<mlir::DictionaryAttr>(a);
    CheckSite s;
    s.kind = d.getAs<mlir::StringAttr>("kind").getValue().str();
    s.tensor = d.getAs<mlir::StringAttr>("tensor").getValue().str();
    s.dim = d.getAs<mlir::IntegerAttr>("dim").getInt();
    s.file = d.getAs<mlir::StringAttr>("file").getValue().str();
    s.line = d.getAs<mlir::IntegerAttr>("line").getInt();
    out.push_back(std::move(s));
  }
  return out;
}

seqfuse::detail::ThreadCount::ThreadCount(int requested) {
  static const int fromEnv = [] {
    const char *e = std::getenv("SEQFUSE_NUM_THREADS");
    return e ? std::atoi(e) : 0;
  }();
  int n = requested > 0 ? requested : fromEnv;
  if (n > 0) {
    saved = omp_get_max_threads();
    omp_set_num_threads(n);
  }
}

seqfuse::detail::ThreadCount::~ThreadCount() {
  if (saved > 0)
    omp_set_num_threads(saved);
}

const Backend &seqfuse::detail::cpuBackend() {
  static const CPUBackend b;
  return b;
}
