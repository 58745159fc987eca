//===- JIT.cpp - LLVM JIT and native code text ----------------------------===//
#include "JIT.h"
#include "MathRuntime.h"
#include "seqfuse/Transforms/Passes.h"
#include "seqfuse/runtime/Kernel.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <mutex>

extern "C" void seqfuse_rt_check_failed(int64_t site, int64_t value, int64_t bound);

using namespace seqfuse;
using namespace seqfuse::detail;

namespace {

void initLLVM() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

std::string errorText(llvm::Error err) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << err;
  return s;
}

std::unique_ptr<llvm::TargetMachine> hostTargetMachine(int optLevel) {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    throw CompileError("seqfuse: cannot describe the host CPU: " +
                       errorText(builder.takeError()));
  builder->setCodeGenOptLevel(static_cast<llvm::CodeGenOptLevel>(optLevel));
  auto tm = builder->createTargetMachine();
  if (!tm)
    throw CompileError("seqfuse: cannot create a target machine: " +
                       errorText(tm.takeError()));
  return std::move(*tm);
}

/// Translates to LLVM IR and runs LLVM's optimisation pipeline, as the JIT.
std::unique_ptr<llvm::Module> optimizedIR(mlir::ModuleOp m, llvm::LLVMContext &ctx,
                                          llvm::TargetMachine *tm, int optLevel) {
  auto llvmModule = mlir::translateModuleToLLVMIR(m, ctx);
  if (!llvmModule)
    throw CompileError("seqfuse: translation to LLVM IR failed");
  mlir::ExecutionEngine::setupTargetTripleAndDataLayout(llvmModule.get(), tm);
  auto transformer = mlir::makeOptimizingTransformer(optLevel, 0, tm);
  if (auto err = transformer(llvmModule.get()))
    throw CompileError("seqfuse: LLVM optimisation failed: " + errorText(std::move(err)));
  return llvmModule;
}

} // namespace

JitModule::~JitModule() = default;

std::unique_ptr<JitModule> seqfuse::detail::jitCompile(
    mlir::ModuleOp llvmModule, const std::string &fnName, int optLevel,
    const std::vector<std::pair<std::string, void *>> &extraSymbols) {
  initLLVM();
  if (optLevel < 0 || optLevel > 3)
    throw CompileError("seqfuse: optLevel must be 0..3, got " + std::to_string(optLevel));
  // Optimise for, and generate code for, this host (the same target machine
  // the llvm-ir and asm stages use).
  auto tm = hostTargetMachine(optLevel);
  auto transformer = mlir::makeOptimizingTransformer(optLevel, 0, tm.get());
  mlir::ExecutionEngineOptions opts;
  opts.transformer = transformer;
  opts.jitCodeGenOptLevel = static_cast<llvm::CodeGenOptLevel>(optLevel);
  // Perf/GDB listeners cost start-up time and are not needed here.
  opts.enableGDBNotificationListener = false;
  opts.enablePerfNotificationListener = false;
  auto engine = mlir::ExecutionEngine::create(llvmModule, opts, std::move(tm));
  if (!engine)
    throw CompileError("seqfuse: JIT compilation failed: " +
                       errorText(engine.takeError()));
  (*engine)->registerSymbols([&extraSymbols](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    auto add = [&](const char *name, void *addr) {
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(addr),
                             llvm::JITSymbolFlags::Exported};
    };
    add(kCheckFailedFn, reinterpret_cast<void *>(&seqfuse_rt_check_failed));
    for (auto [name, addr] : detail::mathRuntimeSymbols())
      add(name, addr);
    for (const auto &[name, addr] : extraSymbols)
      add(name.c_str(), addr);
    return map;
  });
  auto jit = std::make_unique<JitModule>();
  jit->engine = std::move(*engine);
  if (!fnName.empty())
    jit->packed = jit->lookup(fnName);
  return jit;
}

void (*JitModule::lookup(const std::string &fnName) const)(void **) {
  auto fn = engine->lookupPacked(fnName);
  if (!fn)
    throw CompileError("seqfuse: JIT lookup of '" + fnName +
                       "' failed: " + errorText(fn.takeError()));
  return *fn;
}

std::optional<std::string> seqfuse::detail::jitStageText(mlir::ModuleOp m, int optLevel,
                                                         Stage s) {
  if (s == Stage::LLVMIR)
    return emitLLVMIR(m, optLevel);
  if (s == Stage::Assembly)
    return emitAssembly(m, optLevel);
  return std::nullopt;
}

std::string seqfuse::detail::emitLLVMIR(mlir::ModuleOp m, int optLevel) {
  initLLVM();
  llvm::LLVMContext ctx;
  auto tm = hostTargetMachine(optLevel);
  auto mod = optimizedIR(m, ctx, tm.get(), optLevel);
  std::string s;
  llvm::raw_string_ostream os(s);
  mod->print(os, nullptr);
  return s;
}

std::string seqfuse::detail::emitAssembly(mlir::ModuleOp m, int optLevel) {
  initLLVM();
  llvm::LLVMContext ctx;
  auto tm = hostTargetMachine(optLevel);
  auto mod = optimizedIR(m, ctx, tm.get(), optLevel);
  llvm::SmallString<4096> buf;
  llvm::raw_svector_ostream os(buf);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile))
    throw CompileError("seqfuse: the host target cannot emit assembly");
  pm.run(*mod);
  return std::string(buf.str());
}
