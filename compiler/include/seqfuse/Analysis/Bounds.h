//===- Bounds.h - what is known about indices and names ---------*- C++ -*-===//
//
// Small facts about loop-form IR shared by the check pass and the pattern
// analyses: constant indices, provably in-bounds accesses, accesses that can
// fault at run time, and the user's names and source lines for remarks.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_ANALYSIS_BOUNDS_H
#define SEQFUSE_ANALYSIS_BOUNDS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>

namespace seqfuse {

/// The value of an integer/index constant.
std::optional<int64_t> constIndex(mlir::Value v);

/// True when `idx` is known to lie in [0, extent(memref, dim)): the induction
/// variable (or reversed induction variable lo + hi - 1 - k) of a unit-step
/// scf.for over [lb >= 0, ub <= extent), or a constant inside a static extent.
/// Extents are equal when they are the same memref.dim, equal static sizes,
/// or dimensions declared with the same size symbol (`seqfuse.dims`), which
/// the runtime checks at every call.
bool provablyInBounds(mlir::Value idx, mlir::Value memref, int64_t dim);

/// True when `op` can raise at run time in checked mode: a load or store
/// whose index is not provably in bounds, or an integer division or remainder
/// whose divisor is not a constant other than 0 and -1. Ops with regions can
/// fault when anything inside can.
bool mayFault(mlir::Operation *op);

/// The user's name of a memref (its function argument's `seqfuse.name`), or
/// "<memref>".
std::string tensorName(mlir::Value memref);

/// "file:line" of the first file location in `loc`, or "" if there is none.
std::string fileLine(mlir::Location loc);

} // namespace seqfuse

#endif // SEQFUSE_ANALYSIS_BOUNDS_H
