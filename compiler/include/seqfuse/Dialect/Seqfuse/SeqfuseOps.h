//===- SeqfuseOps.h - seqfuse pattern dialect -------------------*- C++ -*-===//
#ifndef SEQFUSE_DIALECT_SEQFUSE_SEQFUSEOPS_H
#define SEQFUSE_DIALECT_SEQFUSE_SEQFUSEOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "seqfuse/Dialect/Seqfuse/SeqfuseDialect.h.inc"
#include "seqfuse/Dialect/Seqfuse/SeqfuseEnums.h.inc"
#define GET_ATTRDEF_CLASSES
#include "seqfuse/Dialect/Seqfuse/SeqfuseAttrs.h.inc"
#include "seqfuse/Dialect/Seqfuse/SeqfuseInterfaces.h.inc"

#define GET_OP_CLASSES
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h.inc"

namespace seqfuse {
/// Clones the single block of a seqfuse op's `region` at `b`'s insertion
/// point, its arguments bound to `args`; returns the values its
/// seqfuse.yield passes.
llvm::SmallVector<mlir::Value> inlineRegion(mlir::OpBuilder &b, mlir::Region &region,
                                            mlir::ValueRange args);
} // namespace seqfuse

#endif // SEQFUSE_DIALECT_SEQFUSE_SEQFUSEOPS_H
