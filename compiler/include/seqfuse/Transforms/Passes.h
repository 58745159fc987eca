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
/// Func attribute marking a kernel whose checks are inserted.
inline constexpr const char *kCheckedAttr = "seqfuse.checked";

#define GEN_PASS_DECL
#include "seqfuse/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "seqfuse/Transforms/Passes.h.inc"

} // namespace seqfuse

#endif // SEQFUSE_TRANSFORMS_PASSES_H
