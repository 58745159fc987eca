//===- EmitLoopForm.h - DSL program to loop-form MLIR ----------*- C++ -*-===//
//
// Internal (MLIR-dependent): the one walk from a recorded program to a
// `func.func` in upstream dialects (func, scf, memref, arith, math).
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DSL_EMITLOOPFORM_H
#define SEQFUSE_DSL_EMITLOOPFORM_H

#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h" // the attribute names it emits
#include "seqfuse/dsl/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace seqfuse {

/// Emits `program` as a module holding one func.func named after it. The
/// context must have the loop-form dialects loaded (registerLoopFormDialects).
/// Throws DSLError for programs that cannot be emitted (e.g. a state read
/// outside its scope).
mlir::OwningOpRef<mlir::ModuleOp> emitLoopForm(const ast::ProgramData &program,
                                               mlir::MLIRContext &context);

/// The dialects loop-form IR uses.
void registerLoopFormDialects(mlir::DialectRegistry &registry);

} // namespace seqfuse

#endif // SEQFUSE_DSL_EMITLOOPFORM_H
