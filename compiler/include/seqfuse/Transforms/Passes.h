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
/// The check site a guard reports: (the access or division, its kind
/// "index" / "divide-by-zero" / "divide-overflow", the tensor's name, the
/// dimension) -> the site's number.
using SiteFn = llvm::function_ref<int64_t(mlir::Operation *, llvm::StringRef,
                                          llvm::StringRef, int64_t)>;
/// Guards every load and store in `root` whose index is not proven in range,
/// and every integer division, as seqfuse-insert-runtime-checks does:
/// `scf.if (failed) { call @seqfuse_rt_check_failed(site, value, bound) }`
/// before it (the caller declares the callee). Skips ops marked
/// seqfuse.in_bounds. Returns whether it made a check.
bool guardAccesses(mlir::Operation *root, const SiteFn &addSite);

/// The read-only twin of one iteration of a loop body with run-time checks
/// (guardAccesses): whether any of its checks fails at iteration `iv`,
/// evaluated in program order (what follows a check runs only where it
/// passed; stores are left out). Null, with nothing usable built, where the
/// answer could depend on the loop's own values (its carried accumulators),
/// a nested loop, or an op with other effects; the caller also refuses it
/// where it reads memory the loop writes (see ParallelizeMaps.cpp).
mlir::Value buildProbe(mlir::OpBuilder &b, mlir::Location loc, mlir::Block &body,
                       mlir::Value iv);

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
