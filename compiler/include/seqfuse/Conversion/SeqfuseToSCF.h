//===- SeqfuseToSCF.h - pattern ops as their exact loops --------*- C++ -*-===//
//
// The reference lowering: every pattern op as the scf.for that computes
// exactly what the loop it was raised from computes (the op's sequential
// meaning, Dialect/Seqfuse/SeqfuseOps.td). It reads ops only through the
// PatternOp interface. The parallel lowerings (SeqfuseToCPU.cpp; a GPU one
// next) run part of the iterations their way and the rest with these loops,
// and fall back to them wholly where they cannot run an op in parallel.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_CONVERSION_SEQFUSETOSCF_H
#define SEQFUSE_CONVERSION_SEQFUSETOSCF_H

#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace seqfuse::loops {

/// for k in [lo, hi) with `init` carried; `body(b, i, acc)` returns the next
/// accumulator. With `revBase` (lb + ub - 1 of a reverse fold), i = revBase - k.
mlir::scf::ForOp buildLoop(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lo,
                           mlir::Value hi, mlir::Value revBase, mlir::ValueRange init,
                           llvm::function_ref<llvm::SmallVector<mlir::Value>(
                               mlir::OpBuilder &, mlir::Value, mlir::ValueRange)>
                               body);

/// lb + ub - 1 for a reverse fold, else null.
mlir::Value reverseBase(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lb,
                        mlir::Value ub, bool reverse);

llvm::SmallVector<mlir::Value> concat(mlir::ValueRange a, mlir::ValueRange b);

/// The region that applies one element to a fold's accumulator as the loop
/// does: `step` where present, else `combiner`.
mlir::Region &applyRegion(PatternOp fold);

/// Accumulator slots something needs: a used result, an accumulator the
/// consumer region reads, or one the apply region computes a needed slot
/// from. The others are carried unchanged (the canonicalizer drops them).
llvm::SmallVector<bool> liveSlots(PatternOp fold);

/// One iteration i of `fold` from `acc`, exactly as the loop runs it (the
/// apply region; a scan's consumer before or after); slots not `live` are
/// carried unchanged. Returns the next accumulator.
llvm::SmallVector<mlir::Value> foldStep(mlir::OpBuilder &b, PatternOp fold, mlir::Value i,
                                        mlir::ValueRange acc, llvm::ArrayRef<bool> live);

/// The fold's own loop over k in [lo, hi) from `init`.
mlir::scf::ForOp foldLoop(mlir::OpBuilder &b, PatternOp fold, mlir::Value lo,
                          mlir::Value hi, mlir::Value revBase, mlir::ValueRange init,
                          llvm::ArrayRef<bool> live);

/// A scatter's (or histogram's) loop over [from, its upper bound).
void scatterLoop(mlir::OpBuilder &b, PatternOp scatter, mlir::Value from);

/// The user's file:line of `op` (its `at`, else its location), or "".
std::string statementLocation(mlir::Operation *op);

/// Why `op` may run only as its loop, whatever the target, or "" when a
/// parallel form may run it: strict_fp floats (unless `inOrder`: a form
/// that keeps the loop's order of every float operation), an exclusive scan
/// whose element reads what its body writes (parallel forms evaluate
/// elements before bodies), an op inside another pattern op (that one is
/// the parallel loop).
std::string whyNotParallel(mlir::Operation *op, bool inOrder = false);

/// Lowers every pattern op and seqfuse.sequential nested in `root` to its
/// exact loop, innermost first (a map's body may hold folds).
void lowerNestedToLoops(mlir::Operation *root);

/// Marks every load, store and integer division in `root` seqfuse.in_bounds:
/// seqfuse-insert-runtime-checks then leaves them alone (code whose checks
/// were run by a probe first, or that is in range by construction).
void markUnchecked(mlir::Operation *root);

/// Iteration `i` of `op` (a pattern op, or an scf.for a seqfuse.sequential
/// keeps) probed for checked mode: one iteration of its exact loop with the
/// checks seqfuse-insert-runtime-checks would make (guardAccesses), turned
/// into its read-only twin (buildProbe) at `b`, whose insertion point must
/// be at the end of a block of its own (everything the twin computes but no
/// check uses is erased up to the block's end). `use(b, failed)` builds what
/// uses the answer (whether a check fails at `i`). Sets `madeChecks` to
/// whether the iteration makes any check at all (none: nothing is built).
/// Returns false, with the block to be discarded, where the answer could
/// depend on what the op carries or writes: the op must then run its checked
/// loop in order.
bool iterationProbe(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *op,
                    mlir::Value i, bool &madeChecks,
                    llvm::function_ref<void(mlir::OpBuilder &, mlir::Value)> use);

/// Replaces `op` (a pattern op or a seqfuse.sequential) by its exact loop.
/// A map's loop is tagged for seqfuse-parallelize-maps and the report.
/// Fails, with a diagnostic on the op, for an op it has no loop for.
mlir::LogicalResult lowerToLoop(mlir::Operation *op);

} // namespace seqfuse::loops

#endif // SEQFUSE_CONVERSION_SEQFUSETOSCF_H
