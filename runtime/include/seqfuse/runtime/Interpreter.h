//===- Interpreter.h - the reference interpreter ---------------*- C++ -*-===//
//
// Executes a loop-form func.func (func, scf, memref, arith, math) with the
// loop's exact sequential semantics: the oracle every optimisation is tested
// against. Internal header (MLIR-dependent).
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_INTERPRETER_H
#define SEQFUSE_RUNTIME_INTERPRETER_H

#include "seqfuse/runtime/Kernel.h"

#include <span>

namespace mlir {
namespace func {
class FuncOp;
}
} // namespace mlir

namespace seqfuse {

/// Runs `fn` on `args` (already validated against its signature: tensors are
/// contiguous row-major buffers whose shapes match the memref types).
/// Every load and store is bounds-checked and every integer division checked,
/// whatever the options: a failure throws IndexError with the message of
/// formatCheckFailure(), after the writes of earlier statements, before the
/// failing access. Throws CompileError for an op it does not know.
void interpret(mlir::func::FuncOp fn, std::span<const Arg> args);

} // namespace seqfuse

#endif // SEQFUSE_RUNTIME_INTERPRETER_H
