//===- GPUBackend.cpp - NVIDIA GPU kernels, and their CPU twin ------------===//
//
// Both targets run the stage "gpu" (seqfuse-lower-to-gpu: kernels plus a
// host function that launches them) and read the host function into a
// launch plan (gpu/Plan.h). Target::gpu lowers the kernels to NVVM and PTX
// (and a cubin when CUDA's ptxas is found) and runs the plan through the
// CUDA driver; Target::gpuSim lowers the same kernels to CPU loops
// (seqfuse-gpu-to-cpu-sim), JIT-compiles them, and runs the same plan with
// host memory as the "device".
//
//===----------------------------------------------------------------------===//
#include "Backend.h"
#include "JIT.h"
#include "gpu/CudaDriver.h"
#include "gpu/Module.h"
#include "gpu/Plan.h"
#include "seqfuse/Pipelines/Pipelines.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

using namespace seqfuse;
using namespace seqfuse::detail;

namespace {

//===----------------------------------------------------------------------===//
// The launch plan from the host function
//===----------------------------------------------------------------------===//

unsigned widthOf(mlir::Type t) { return t.isIndex() ? 64 : t.getIntOrFloatBitWidth(); }

int64_t bytesOfType(mlir::Type t) {
  if (t.isIndex())
    return 8;
  return std::max<int64_t>(1, (t.getIntOrFloatBitWidth() + 7) / 8);
}

std::optional<gpu::BinOp> binOpOf(mlir::Operation *op) {
  using B = gpu::BinOp;
  return llvm::TypeSwitch<mlir::Operation *, std::optional<B>>(op)
      .Case<mlir::arith::AddIOp>([](auto) { return B::Add; })
      .Case<mlir::arith::SubIOp>([](auto) { return B::Sub; })
      .Case<mlir::arith::MulIOp>([](auto) { return B::Mul; })
      .Case<mlir::arith::DivSIOp>([](auto) { return B::DivS; })
      .Case<mlir::arith::DivUIOp>([](auto) { return B::DivU; })
      .Case<mlir::arith::CeilDivSIOp>([](auto) { return B::CeilDivS; })
      .Case<mlir::arith::FloorDivSIOp>([](auto) { return B::FloorDivS; })
      .Case<mlir::arith::RemSIOp>([](auto) { return B::RemS; })
      .Case<mlir::arith::RemUIOp>([](auto) { return B::RemU; })
      .Case<mlir::arith::MinSIOp>([](auto) { return B::MinS; })
      .Case<mlir::arith::MaxSIOp>([](auto) { return B::MaxS; })
      .Case<mlir::arith::MinUIOp>([](auto) { return B::MinU; })
      .Case<mlir::arith::MaxUIOp>([](auto) { return B::MaxU; })
      .Case<mlir::arith::AndIOp>([](auto) { return B::And; })
      .Case<mlir::arith::OrIOp>([](auto) { return B::Or; })
      .Case<mlir::arith::XOrIOp>([](auto) { return B::Xor; })
      .Case<mlir::arith::ShLIOp>([](auto) { return B::Shl; })
      .Case<mlir::arith::ShRSIOp>([](auto) { return B::ShrS; })
      .Case<mlir::arith::ShRUIOp>([](auto) { return B::ShrU; })
      .Default([](auto) { return std::nullopt; });
}

gpu::Pred predOf(mlir::arith::CmpIPredicate p) {
  using P = mlir::arith::CmpIPredicate;
  switch (p) {
  case P::eq:
    return gpu::Pred::Eq;
  case P::ne:
    return gpu::Pred::Ne;
  case P::slt:
    return gpu::Pred::Slt;
  case P::sle:
    return gpu::Pred::Sle;
  case P::sgt:
    return gpu::Pred::Sgt;
  case P::sge:
    return gpu::Pred::Sge;
  case P::ult:
    return gpu::Pred::Ult;
  case P::ule:
    return gpu::Pred::Ule;
  case P::ugt:
    return gpu::Pred::Ugt;
  case P::uge:
    return gpu::Pred::Uge;
  }
  return gpu::Pred::Eq;
}

/// Reads the host function of the stage "gpu" (seqfuse.gpu_host) into a
/// plan: only integer arithmetic on sizes, scratch, memsets, launches and
/// reads of cells may be in it.
gpu::Plan extractPlan(mlir::ModuleOp m) {
  mlir::func::FuncOp host;
  for (auto fn : m.getOps<mlir::func::FuncOp>())
    if (fn->hasAttr(kGpuHostAttr))
      host = fn;
  if (!host)
    throw CompileError("seqfuse: the GPU stage made no host function");
  gpu::Plan plan;
  llvm::DenseMap<mlir::Value, int32_t> regs, bufs;
  llvm::DenseMap<llvm::StringRef, int32_t> kernels;
  mlir::Block &entry = host.getBody().front();
  auto fail = [&](mlir::Operation *op, const std::string &why) -> CompileError {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "seqfuse: the GPU target cannot run '" << op->getName() << "' at "
       << op->getLoc() << " on the host: " << why;
    return CompileError(s);
  };
  auto reg = [&](mlir::Operation *user, mlir::Value v) -> int32_t {
    auto it = regs.find(v);
    if (it == regs.end())
      throw fail(user,
                 "it needs a value the host does not compute (only integer sizes are "
                 "computed there)");
    return it->second;
  };
  auto newReg = [&](mlir::Value v) {
    regs[v] = plan.registers;
    return plan.registers++;
  };
  auto argNo = [&](mlir::Value v) -> int {
    auto a = mlir::dyn_cast<mlir::BlockArgument>(v);
    return a && a.getOwner() == &entry ? static_cast<int>(a.getArgNumber()) : -1;
  };
  for (mlir::Operation &op : entry) {
    if (mlir::isa<mlir::func::ReturnOp, mlir::gpu::DeallocOp>(op))
      continue;
    if (auto c = mlir::dyn_cast<mlir::arith::ConstantOp>(op)) {
      auto ia = mlir::dyn_cast<mlir::IntegerAttr>(c.getValue());
      if (!ia)
        continue; // a float constant no launch needs (else reg() fails)
      gpu::Compute x{gpu::Compute::Kind::Const};
      x.width = static_cast<uint8_t>(widthOf(c.getType()));
      x.imm = x.width == 1 ? static_cast<int64_t>(ia.getValue().getZExtValue())
                           : ia.getValue().getSExtValue();
      x.dst = newReg(c);
      plan.steps.push_back(x);
      continue;
    }
    if (auto d = mlir::dyn_cast<mlir::memref::DimOp>(op)) {
      auto idx = d.getConstantIndex();
      if (!idx)
        throw fail(&op, "the dimension is not a constant");
      gpu::Compute x{gpu::Compute::Kind::ArgDim};
      if (int a = argNo(d.getSource()); a >= 0) {
        x.a = a;
        x.imm = *idx;
      } else if (auto it = bufs.find(d.getSource()); it != bufs.end()) {
        x.kind = gpu::Compute::Kind::BufferElems;
        x.a = it->second;
      } else {
        throw fail(&op, "the memref is neither an argument nor scratch");
      }
      x.dst = newReg(d);
      plan.steps.push_back(x);
      continue;
    }
    if (auto bin = binOpOf(&op);
        bin && op.getNumResults() == 1 && op.getResult(0).getType().isIntOrIndex()) {
      gpu::Compute x{gpu::Compute::Kind::Binary};
      x.bin = *bin;
      x.a = reg(&op, op.getOperand(0));
      x.b = reg(&op, op.getOperand(1));
      x.width = static_cast<uint8_t>(widthOf(op.getResult(0).getType()));
      x.dst = newReg(op.getResult(0));
      plan.steps.push_back(x);
      continue;
    }
    if (auto c = mlir::dyn_cast<mlir::arith::CmpIOp>(op)) {
      gpu::Compute x{gpu::Compute::Kind::Cmp};
      x.pred = predOf(c.getPredicate());
      x.a = reg(&op, c.getLhs());
      x.b = reg(&op, c.getRhs());
      x.width = static_cast<uint8_t>(widthOf(c.getLhs().getType()));
      x.dst = newReg(c);
      plan.steps.push_back(x);
      continue;
    }
    if (auto s = mlir::dyn_cast<mlir::arith::SelectOp>(op);
        s && s.getType().isIntOrIndex()) {
      gpu::Compute x{gpu::Compute::Kind::Select};
      x.a = reg(&op, s.getCondition());
      x.b = reg(&op, s.getTrueValue());
      x.c = reg(&op, s.getFalseValue());
      x.width = static_cast<uint8_t>(widthOf(s.getType()));
      x.dst = newReg(s);
      plan.steps.push_back(x);
      continue;
    }
    if (mlir::isa<mlir::arith::IndexCastOp, mlir::arith::IndexCastUIOp,
                  mlir::arith::ExtSIOp, mlir::arith::ExtUIOp, mlir::arith::TruncIOp>(
            op) &&
        op.getOperand(0).getType().isIntOrIndex()) {
      gpu::Compute x{gpu::Compute::Kind::Cast};
      x.a = reg(&op, op.getOperand(0));
      x.isSigned = !mlir::isa<mlir::arith::IndexCastUIOp, mlir::arith::ExtUIOp>(op);
      x.imm = widthOf(op.getOperand(0).getType());
      x.width = static_cast<uint8_t>(widthOf(op.getResult(0).getType()));
      x.dst = newReg(op.getResult(0));
      plan.steps.push_back(x);
      continue;
    }
    if (auto a = mlir::dyn_cast<mlir::gpu::AllocOp>(op)) {
      auto mt = a.getType();
      gpu::Alloc x;
      x.buffer = plan.buffers++;
      bufs[a.getMemref()] = x.buffer;
      x.elemBytes = bytesOfType(mt.getElementType());
      if (!a.getDynamicSizes().empty()) {
        x.elems = reg(&op, a.getDynamicSizes().front());
      } else {
        gpu::Compute c{gpu::Compute::Kind::Const};
        c.imm = mt.getNumElements();
        c.dst = plan.registers++;
        plan.steps.push_back(c);
        x.elems = c.dst;
      }
      plan.steps.push_back(x);
      continue;
    }
    if (auto s = mlir::dyn_cast<mlir::gpu::MemsetOp>(op)) {
      auto c = s.getValue().getDefiningOp<mlir::arith::ConstantOp>();
      auto ia = c ? mlir::dyn_cast<mlir::IntegerAttr>(c.getValue()) : nullptr;
      if (!ia)
        throw fail(&op, "the value is not an integer constant");
      uint64_t v = ia.getValue().getZExtValue();
      unsigned bytes = static_cast<unsigned>(bytesOfType(ia.getType()));
      uint8_t byte = v & 0xff;
      for (unsigned k = 1; k < bytes; ++k)
        if (((v >> (8 * k)) & 0xff) != byte)
          throw fail(&op, "the value's bytes differ");
      auto it = bufs.find(s.getDst());
      if (it == bufs.end())
        throw fail(&op, "not scratch");
      plan.steps.push_back(gpu::Memset{it->second, byte});
      continue;
    }
    if (auto l = mlir::dyn_cast<mlir::gpu::LaunchFuncOp>(op)) {
      gpu::Launch x;
      llvm::StringRef name = l.getKernelName().getValue();
      auto [it, fresh] =
          kernels.try_emplace(name, static_cast<int32_t>(plan.kernels.size()));
      if (fresh)
        plan.kernels.push_back(name.str());
      x.kernel = it->second;
      x.gridX = reg(&op, l.getGridSizeX());
      x.gridY = reg(&op, l.getGridSizeY());
      auto block = l.getBlockSizeX().getDefiningOp<mlir::arith::ConstantIndexOp>();
      if (!block)
        throw fail(&op, "the block size is not a constant");
      x.block = block.value();
      x.mayFail = op.hasAttr(kMayFailAttr);
      for (mlir::Value v : l.getKernelOperands()) {
        gpu::Param p{gpu::Param::Kind::Register};
        if (auto mt = mlir::dyn_cast<mlir::MemRefType>(v.getType())) {
          if (int a = argNo(v); a >= 0) {
            p.kind = gpu::Param::Kind::Tensor;
            p.index = a;
            p.rank = static_cast<int32_t>(mt.getRank());
          } else if (auto b = bufs.find(v); b != bufs.end()) {
            p.kind = gpu::Param::Kind::Buffer;
            p.index = b->second;
            p.rank = 1;
          } else {
            throw fail(&op, "a memref operand is neither an argument nor scratch");
          }
        } else if (int a = argNo(v); a >= 0) {
          p.kind = gpu::Param::Kind::ScalarArg;
          p.index = a;
          p.bytes = static_cast<uint8_t>(bytesOfType(v.getType()));
        } else {
          p.index = reg(&op, v);
          p.bytes = static_cast<uint8_t>(bytesOfType(v.getType()) <= 4 ? 4 : 8);
        }
        x.params.push_back(p);
      }
      plan.steps.push_back(std::move(x));
      continue;
    }
    if (auto ld = mlir::dyn_cast<mlir::memref::LoadOp>(op)) {
      auto it = bufs.find(ld.getMemRef());
      if (it == bufs.end() || !ld.getType().isIntOrIndex())
        throw fail(&op, "only integer cells of scratch can be read back");
      gpu::Read x;
      x.buffer = it->second;
      x.index = reg(&op, ld.getIndices().front());
      x.bytes = static_cast<uint8_t>(bytesOfType(ld.getType()));
      x.width = static_cast<uint8_t>(widthOf(ld.getType()));
      x.dst = newReg(ld);
      plan.steps.push_back(x);
      continue;
    }
    // Anything else is fine while nothing the plan does needs it.
    if (mlir::isPure(&op))
      continue;
    throw fail(&op, "not a size computation, allocation or launch");
  }
  return plan;
}

/// The access (0 in, 1 out, 2 inout) of each argument of the host function.
std::vector<uint8_t> accessOf(mlir::ModuleOp m) {
  std::vector<uint8_t> out;
  for (auto fn : m.getOps<mlir::func::FuncOp>())
    if (fn->hasAttr(kGpuHostAttr))
      for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
        auto a = fn.getArgAttrOfType<mlir::StringAttr>(i, "seqfuse.access");
        out.push_back(!a                        ? 0
                      : a.getValue() == "out"   ? 1
                      : a.getValue() == "inout" ? 2
                                                : 0);
      }
  return out;
}

/// Runs the backend's stages after "fused" up to and including `last`.
void runStages(mlir::ModuleOp m, llvm::ArrayRef<PipelineStage> stages, const char *first,
               const char *last, const PipelineConfig &config) {
  bool on = false;
  for (const PipelineStage &s : stages) {
    on |= std::string_view(s.name) == first;
    if (!on)
      continue;
    runPasses(m, s.name, [&](mlir::OpPassManager &pm) { s.addPasses(pm, config); });
    if (std::string_view(s.name) == last)
      return;
  }
}

llvm::ArrayRef<PipelineStage> after(llvm::ArrayRef<PipelineStage> all, const char *name) {
  while (!all.empty() && std::string_view(all.front().name) != name)
    all = all.drop_front();
  return all.empty() ? all : all.drop_front();
}

bool makes(Target t, Stage s) {
  std::span<const Stage> all = stagesOf(t);
  return std::find(all.begin(), all.end(), s) != all.end();
}

//===----------------------------------------------------------------------===//
// Target::gpuSim: the kernels on the CPU
//===----------------------------------------------------------------------===//

class SimDevice final : public gpu::Device {
public:
  explicit SimDevice(const std::vector<void (*)(void **)> &fns) : fns(fns) {}
  void *alloc(size_t bytes) override {
    void *p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p)
      throw Error("seqfuse: out of memory for GPU scratch (" + std::to_string(bytes) +
                  " bytes)");
    return p;
  }
  void release(void *p) override { std::free(p); }
  void memset(void *p, uint8_t byte, size_t bytes) override {
    std::memset(p, byte, bytes);
  }
  void launch(int32_t kernel, int64_t gx, int64_t gy, int64_t, void **params,
              size_t count) override {
    llvm::SmallVector<void *, 64> args{&gx, &gy};
    args.append(params, params + count);
    fns[kernel](args.data());
  }
  void read(void *host, const void *device, size_t bytes) override {
    std::memcpy(host, device, bytes);
  }

private:
  const std::vector<void (*)(void **)> &fns;
};

class GPUSimExecutable final : public Executable {
public:
  gpu::Plan plan;
  mlir::OwningOpRef<mlir::ModuleOp> llvmModule;
  std::unique_ptr<JitModule> jit;
  std::vector<void (*)(void **)> fns;
  std::vector<CheckSite> sites;
  int numThreads = 0, optLevel = 3;

  void call(std::span<const Arg> args) const override {
    std::vector<void *> data(args.size());
    for (size_t i = 0; i < args.size(); ++i)
      data[i] = args[i].isTensor() ? args[i].data() : nullptr;
    SimDevice dev(fns);
    ThreadCount threads(numThreads);
    if (std::optional<gpu::Failure> f = gpu::run(plan, dev, args, data))
      raiseCheckFailure(*f, sites);
  }
  std::optional<std::string> stageText(Stage s) const override {
    return jitStageText(llvmModule.get(), optLevel, s);
  }
};

class GPUSimBackend final : public Backend {
public:
  std::string_view name() const override { return "gpu-sim"; }
  bool produces(Stage s) const override { return makes(Target::gpuSim(), s); }
  llvm::ArrayRef<PipelineStage> passStages() const override {
    return after(gpuSimStages(), "fused");
  }
  std::unique_ptr<Executable> compile(BackendInput in) const override {
    auto e = std::make_unique<GPUSimExecutable>();
    mlir::ModuleOp m = *in.fused;
    runStages(m, passStages(), "gpu", "gpu", in.config);
    e->plan = extractPlan(m);
    e->sites = readSites(m);
    applyAlgorithms(in.report, m);
    runStages(m, passStages(), "gpu-sim", "llvm", in.config);
    e->llvmModule = std::move(in.fused);
    e->numThreads = in.config.numThreads;
    e->optLevel = in.config.optLevel;
    e->jit = jitCompile(*e->llvmModule, "", in.config.optLevel);
    for (const std::string &k : e->plan.kernels)
      e->fns.push_back(e->jit->lookup("sim_" + k));
    return e;
  }
};

//===----------------------------------------------------------------------===//
// Target::gpu: PTX, cubin, the CUDA driver
//===----------------------------------------------------------------------===//

/// CUDA's ptxas: $SEQFUSE_PTXAS, else on PATH, else under $CUDA_HOME /
/// $CUDA_PATH / /usr/local/cuda. Empty when there is none.
std::string findPtxas() {
  if (const char *e = std::getenv("SEQFUSE_PTXAS"))
    return e;
  if (auto p = llvm::sys::findProgramByName("ptxas"))
    return *p;
  for (const char *var : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *root = std::getenv(var)) {
      std::string p = std::string(root) + "/bin/ptxas";
      if (llvm::sys::fs::can_execute(p))
        return p;
    }
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda/bin/ptxas";
  return "";
}

/// The cubin ptxas makes of `ptx` for `chip`; "" when there is no ptxas.
/// Throws CompileError when ptxas refuses the PTX.
std::string assemble(const std::string &ptx, const std::string &chip) {
  std::string ptxas = findPtxas();
  if (ptxas.empty())
    return "";
  llvm::SmallString<128> in, out, err;
  if (llvm::sys::fs::createTemporaryFile("seqfuse", "ptx", in) ||
      llvm::sys::fs::createTemporaryFile("seqfuse", "cubin", out) ||
      llvm::sys::fs::createTemporaryFile("seqfuse", "log", err))
    throw CompileError("seqfuse: cannot create temporary files for ptxas");
  auto cleanup = [&] {
    llvm::sys::fs::remove(in);
    llvm::sys::fs::remove(out);
    llvm::sys::fs::remove(err);
  };
  std::ofstream(std::string(in)) << ptx;
  std::string inS(in), outS(out), arch = "-arch=" + chip;
  llvm::SmallVector<llvm::StringRef> argv{ptxas, arch, "-O3", inS, "-o", outS};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(err),
                                                llvm::StringRef(err)};
  std::string msg;
  int rc = llvm::sys::ExecuteAndWait(ptxas, argv, std::nullopt, redirects, 120, 0, &msg);
  if (rc != 0) {
    std::ifstream log{std::string(err)};
    std::stringstream ss;
    ss << log.rdbuf();
    cleanup();
    throw CompileError("seqfuse: ptxas (" + ptxas + ") refused the PTX for " + chip +
                       ": " + (msg.empty() ? ss.str() : msg + "\n" + ss.str()));
  }
  std::ifstream bin(std::string(out), std::ios::binary);
  std::stringstream ss;
  ss << bin.rdbuf();
  cleanup();
  return ss.str();
}

class GPUExecutable final : public Executable {
public:
  SavedKernel saved; // what a call runs, and what save() writes
  std::string ptxText;

  void call(std::span<const Arg> args) const override { saved.call(args); }
  std::optional<std::string> stageText(Stage s) const override {
    if (s == Stage::PTX)
      return ptxText;
    return std::nullopt;
  }
  void save(std::ostream &os) const override { saved.write(os); }
};

class GPUBackend final : public Backend {
public:
  std::string_view name() const override { return "gpu"; }
  bool produces(Stage s) const override { return makes(Target::gpu(), s); }
  llvm::ArrayRef<PipelineStage> passStages() const override {
    return after(gpuStages(), "fused");
  }
  std::unique_ptr<Executable> compile(BackendInput in) const override {
    auto e = std::make_unique<GPUExecutable>();
    SavedKernel &k = e->saved;
    k.sig = in.sig;
    mlir::ModuleOp m = *in.fused;
    runStages(m, passStages(), "gpu", "gpu", in.config);
    k.plan = extractPlan(m);
    k.sites = readSites(m);
    k.access = accessOf(m);
    applyAlgorithms(in.report, m);
    runStages(m, passStages(), "nvvm", "nvvm", in.config);
    runPasses(m, "ptx", [](mlir::OpPassManager &pm) { addPTXPasses(pm); });
    m.walk([&](mlir::gpu::BinaryOp bin) {
      for (mlir::Attribute a : bin.getObjects())
        if (auto o = mlir::dyn_cast<mlir::gpu::ObjectAttr>(a))
          k.ptx = o.getObject().getValue().str();
    });
    if (k.ptx.empty())
      throw CompileError("seqfuse: the GPU pipeline made no PTX");
    k.chip = in.config.gpuChip;
    k.cubin = assemble(k.ptx, k.chip);
    // What became of the PTX, as a comment in front of it (kernel.ir("ptx")).
    std::string ptxas = findPtxas();
    e->ptxText = k.cubin.empty()
                     ? "// seqfuse: no ptxas found ($SEQFUSE_PTXAS, PATH, $CUDA_HOME, "
                       "/usr/local/cuda): the driver compiles this PTX when it loads it\n"
                     : "// seqfuse: assembled by " + ptxas + " -arch=" + k.chip +
                           " into a cubin of " + std::to_string(k.cubin.size()) +
                           " bytes\n";
    e->ptxText += k.ptx;
    return e;
  }
};

} // namespace

const Backend &seqfuse::detail::gpuBackend() {
  static const GPUBackend b;
  return b;
}

const Backend &seqfuse::detail::gpuSimBackend() {
  static const GPUSimBackend b;
  return b;
}
