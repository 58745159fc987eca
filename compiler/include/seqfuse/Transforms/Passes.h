//===- Passes.h - seqfuse transformation passes -----------------*- C++ -*-===//
#ifndef SEQFUSE_TRANSFORMS_PASSES_H
#define SEQFUSE_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"

namespace seqfuse {

/// Name of the runtime function a failed check calls (never returns).
inline constexpr const char *kCheckFailedFn = "seqfuse_rt_check_failed";
/// Prefix of the runtime's libm wrappers (seqfuse_rt_expf, ...).
inline constexpr const char *kMathRuntimePrefix = "seqfuse_rt_";
/// Module attribute listing the check sites (DictionaryAttr each).
inline constexpr const char *kCheckSitesAttr = "seqfuse.check_sites";
/// On an scf.for made by seqfuse-lower-patterns: the op it was ("map").
inline constexpr const char *kLoweredAttr = "seqfuse.lowered";
/// On that scf.for: the op's file:line, for the report.
inline constexpr const char *kLoweredAtAttr = "seqfuse.at";
/// On a fold's parallel form: what it runs as, for the report.
inline constexpr const char *kLoweredAlgorithmAttr = "seqfuse.algorithm";
/// On a parallel form's `scf.if` and on the `arith.subi` (ub - lb) its trip
/// count comes from: the same number, unique in the module. A pass may make
/// the parallel form cover only [lb, k) by replacing that subi's ub with k;
/// the loop after the form goes on from where it stops.
inline constexpr const char *kLoweredTripAttr = "seqfuse.trip";
/// On a memref.load / memref.store a lowering made whose index is in range
/// by construction (a parallel fold's chunk summaries), or on an integer
/// division whose divisor is (>= 1): not checked.
inline constexpr const char *kInBoundsAttr = "seqfuse.in_bounds";
/// Module attribute: [{at = "file:line", algorithm = "..."}], what each
/// pattern op runs as (written by the lowerings, read into the report).
inline constexpr const char *kAlgorithmsAttr = "seqfuse.algorithms";
/// Appends {at, pattern, algorithm} to module `m`'s kAlgorithmsAttr.
inline void recordAlgorithm(mlir::ModuleOp m, llvm::StringRef at, llvm::StringRef pattern,
                            llvm::StringRef algorithm) {
  mlir::Builder b(m.getContext());
  llvm::SmallVector<mlir::Attribute> records;
  if (auto old = m->getAttrOfType<mlir::ArrayAttr>(kAlgorithmsAttr))
    records.append(old.begin(), old.end());
  records.push_back(
      b.getDictionaryAttr({b.getNamedAttr("at", b.getStringAttr(at)),
                           b.getNamedAttr("pattern", b.getStringAttr(pattern)),
                           b.getNamedAttr("algorithm", b.getStringAttr(algorithm))}));
  m->setAttr(kAlgorithmsAttr, b.getArrayAttr(records));
}
/// Func attribute marking a kernel whose checks are inserted.
inline constexpr const char *kCheckedAttr = "seqfuse.checked";

/// Func attribute set by seqfuse-lower-patterns: the kernel's pattern ops are
/// lowered (and may have been parallelized). The pattern-stage passes leave
/// such a func alone, so that replaying the pipeline on a later stage's dump
/// changes nothing.
inline constexpr const char *kLoweredFuncAttr = "seqfuse.lowered_patterns";
/// Is `op` inside a func whose patterns are already lowered?
inline bool inLoweredFunc(mlir::Operation *op) {
  auto fn = op->getParentOfType<mlir::func::FuncOp>();
  return fn && fn->hasAttr(kLoweredFuncAttr);
}

#define GEN_PASS_DECL
#include "seqfuse/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "seqfuse/Transforms/Passes.h.inc"

} // namespace seqfuse

#endif // SEQFUSE_TRANSFORMS_PASSES_H
