//===- Passes.h - seqfuse transformation passes -----------------*- C++ -*-===//
#ifndef SEQFUSE_TRANSFORMS_PASSES_H
#define SEQFUSE_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "seqfuse/Dialect/Seqfuse/PassAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"

namespace seqfuse {

/// Name of the runtime function a failed check calls (never returns).
inline constexpr const char *kCheckFailedFn = "seqfuse_rt_check_failed";
/// Prefix of the runtime's libm wrappers (seqfuse_rt_expf, ...).
inline constexpr const char *kMathRuntimePrefix = "seqfuse_rt_";
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
