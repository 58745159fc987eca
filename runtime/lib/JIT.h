//===- JIT.h - LLVM JIT and native code text (internal) --------*- C++ -*-===//
//
// The only part of the runtime that includes the ExecutionEngine and LLVM
// target headers.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_LIB_JIT_H
#define SEQFUSE_RUNTIME_LIB_JIT_H

#include "seqfuse/runtime/Kernel.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class ExecutionEngine;
}

namespace seqfuse::detail {

/// A JIT-compiled kernel: the engine owns the code; `packed` is the
/// `_mlir_<name>(void **args)` wrapper ExecutionEngine generates.
struct JitModule {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*packed)(void **) = nullptr;
  ~JitModule();
  /// The packed wrapper of another function of the module. Throws
  /// CompileError.
  void (*lookup(const std::string &fnName) const)(void **);
};

/// JIT-compiles an LLVM-dialect module and looks up `fnName` (none when
/// empty). Throws CompileError.
/// `extraSymbols` resolve the module's external functions besides the
/// runtime's own (and take precedence over them).
std::unique_ptr<JitModule>
jitCompile(mlir::ModuleOp llvmModule, const std::string &fnName, int optLevel,
           const std::vector<std::pair<std::string, void *>> &extraSymbols = {});

/// The llvm-ir and asm stages of a JIT-compiled module; nullopt for others.
std::optional<std::string> jitStageText(mlir::ModuleOp llvmModule, int optLevel, Stage s);

/// LLVM IR after the optimisation pipeline the JIT runs.
std::string emitLLVMIR(mlir::ModuleOp llvmModule, int optLevel);
/// Native assembly for the host, as the JIT would generate it.
std::string emitAssembly(mlir::ModuleOp llvmModule, int optLevel);

} // namespace seqfuse::detail

#endif // SEQFUSE_RUNTIME_LIB_JIT_H
