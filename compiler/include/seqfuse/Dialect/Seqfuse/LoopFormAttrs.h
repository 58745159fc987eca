//===- LoopFormAttrs.h - the attributes of loop-form IR ---------*- C++ -*-===//
//
// The contract between whatever emits loop-form IR (the DSL's emitter,
// dsl/lib/EmitLoopForm.cpp, or a hand-written .mlir file) and the compiler:
// the names of the attributes the compiler's analyses, the interpreter and
// the runtime read. The compiler owns them; emitters include this header.
// No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DIALECT_SEQFUSE_LOOPFORMATTRS_H
#define SEQFUSE_DIALECT_SEQFUSE_LOOPFORMATTRS_H

namespace seqfuse::attrs {
/// On each func argument: the user's name of the tensor or parameter.
inline constexpr const char *kArgName = "seqfuse.name";
/// On each tensor argument: "in", "out" or "inout".
inline constexpr const char *kArgAccess = "seqfuse.access";
/// On each tensor argument: one string per dimension, a size symbol ("n"),
/// "?" (any) or a fixed extent ("5"); equal symbols are checked equal per call.
inline constexpr const char *kArgDims = "seqfuse.dims";
/// On the func: it is a seqfuse kernel.
inline constexpr const char *kKernel = "seqfuse.kernel";
/// On scf.for and on fold ops: the user's names of the iter_args (states).
inline constexpr const char *kStateNames = "seqfuse.states";
/// On an scf.for written with loopReverse (and on the fold raised from it):
/// iteration k is the user's i = lo + hi - 1 - k. Only the report reads it.
inline constexpr const char *kReversed = "seqfuse.reversed";
} // namespace seqfuse::attrs

#endif // SEQFUSE_DIALECT_SEQFUSE_LOOPFORMATTRS_H
