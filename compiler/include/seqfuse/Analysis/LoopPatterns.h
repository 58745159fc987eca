//===- LoopPatterns.h - which parallel pattern an scf.for is ---*- C++ -*-===//
//
// Classifies one loop-form scf.for (see docs/patterns.md):
//  * memory: every memref the loop writes must be "owned" by iterations (one
//    index dimension is exactly the induction variable in every access), so
//    distinct iterations touch distinct elements; or the loop is a single
//    indirect store (scatter) or read-modify-write (histogram);
//  * state: every iter_arg's update must be `s ⊕ c` for an associative ⊕ with
//    `c` free of every state (a monoid fold).
// Anything else is kept sequential, with the reason.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_ANALYSIS_LOOPPATTERNS_H
#define SEQFUSE_ANALYSIS_LOOPPATTERNS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <string>
#include <vector>

namespace seqfuse {

struct LoopPattern {
  enum class Kind { Map, Reduce, Scan, Scatter, ScatterCombine, Sequential };
  Kind kind = Kind::Sequential;

  /// Sequential: why, and the op it is about (for file:line).
  std::string reason;
  mlir::Operation *reasonOp = nullptr;

  /// Reduce/Scan: for each iter_arg, the op computing its next value, which
  /// of its operands is the state, and the monoid ("add", "mul", "min",
  /// "max", "and", "or", "xor").
  struct Fold {
    /// The iter_args this fold carries: one, or for "argmin"/"argmax" the key
    /// state first, then the states selected with it.
    llvm::SmallVector<unsigned> states;
    /// The op computing the (key) state's next value.
    mlir::Operation *update = nullptr;
    /// Monoid folds: which operand of `update` is the state.
    unsigned stateOperand = 0;
    /// "add", "mul", "min", "max", "minu", "maxu", "and", "or", "xor";
    /// "affine" for s' = a*s + b (then the accumulator is the pair (A, B)
    /// of the composed map, B being the state); "linear" for several states
    /// updated by a linear system (order-K recurrences); "argmin"/"argmax" (suffix
    /// "_last" when ties go to the later element) for
    /// `if (cmp(v, key)) { key = v; p = w; ... }`.
    std::string monoid;
    /// Select-by-order: the comparison (of a candidate v and the key state)
    /// and the candidates, one per state (v first).
    mlir::Operation *compare = nullptr;
    llvm::SmallVector<mlir::Value> picks;
    /// The candidate as the comparison reads it (the same value as picks[0],
    /// possibly computed twice).
    mlir::Value compared;
    /// Affine: s' = cond ? a[0]*s + b[0] : a[1]*s + b[1] (no cond: only [0]).
    /// A null a means 1, a null b means (-)0; bNegate: b is subtracted.
    mlir::Value cond;
    mlir::Value a[2], b[2];
    bool bNegate[2] = {false, false};
    /// a is 0 (s' = b, a reset): integers only, where 0*s is exactly 0.
    bool aZero[2] = {false, false};
    /// Select trees: s' is a tree of selects on free conditions whose leaves
    /// are s itself ('k'), s ⊕ w with one ⊕ for all leaves, the state on the
    /// same side ('o'), or a free value r, a reset ('r'). With resets the
    /// monoid is "segmented_⊕" (or "reset" when no leaf applies ⊕), the
    /// accumulator (flag, value): (f1, a1) then (f2, a2) = (f1 | f2,
    /// f2 ? a2 : a1 ⊕ a2). Without, it is the masked monoid ⊕ whose element
    /// is w, or the identity where the state is kept.
    mlir::Value tree;
    llvm::SmallVector<mlir::Value> leaves;
    llvm::SmallVector<char> leafKinds;
    /// Select trees: the op of an 'o' leaf, which defines ⊕.
    mlir::Operation *treeOp = nullptr;
    bool segmented() const { return tree && llvm::is_contained(leafKinds, 'r'); }
    /// Linear systems ("linear"): s_j' (j in `states` order) is a linear
    /// expression of the group's states (+, -, negation, * and / by free
    /// values, selects on free conditions); `rowOps[j]` are its ops in the
    /// loop's order and `leaves` the free values the rows read. The
    /// accumulator is (M, v, leaves): the composed map (K*K + K slots, v
    /// holding the states) and the last element's leaves, from which the
    /// `step` region recomputes each row exactly as the loop does
    /// (`linearLeaves`).
    llvm::SmallVector<llvm::SmallVector<mlir::Operation *>> rowOps;
    llvm::SmallVector<mlir::Value> linearLeaves;
    /// Affine, select trees and linear systems: the ops of the update
    /// expressions (replaced by the combiner).
    llvm::SmallVector<mlir::Operation *> ops;
    /// The free values the element is computed from.
    llvm::SmallVector<mlir::Value> roots() const;
  };
  std::vector<Fold> folds;
  /// Scan: the body uses the states after (inclusive) or before the update.
  bool inclusive = true;

  /// Scatter/ScatterCombine: the store, and for a histogram the load of the
  /// same element and the op combining it with the new value.
  mlir::memref::StoreOp store;
  mlir::memref::LoadOp targetLoad;
  mlir::Operation *combine = nullptr;
  std::string combineKind;
};

LoopPattern classifyLoop(mlir::scf::ForOp loop);

/// The monoid an op is ("add", "min", ...), or "" — with its neutral element
/// for `type`.
std::string monoidOf(mlir::Operation *op);
mlir::TypedAttr monoidIdentity(const std::string &monoid, mlir::Type type);

/// "acc" for iter_arg k of `loop` (from the DSL's seqfuse.states), or "s<k>".
std::string stateName(mlir::scf::ForOp loop, unsigned k);

} // namespace seqfuse

#endif // SEQFUSE_ANALYSIS_LOOPPATTERNS_H
