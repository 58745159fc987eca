//===- PassAttrs.h - the attributes seqfuse's passes put on IR --*- C++ -*-===//
//
// The `seqfuse.`-prefixed attributes the compiler's passes put on ops of
// other dialects (the module, func, scf, memref, arith) for later passes
// and the report. The dialect declares them: its verifier
// (SeqfuseDialect::verifyOperationAttribute) checks each one's type and
// rejects any other `seqfuse.` name. No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DIALECT_SEQFUSE_PASSATTRS_H
#define SEQFUSE_DIALECT_SEQFUSE_PASSATTRS_H

namespace seqfuse {

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
/// On a fused pattern op (seqfuse-fuse-patterns): the bytes per iteration
/// its ops' loops read and write, as separate loops and as the fused one
/// (each element of an array counted once per loop), for the report.
inline constexpr const char *kBytesBeforeAttr = "seqfuse.bytes_before";
inline constexpr const char *kBytesAfterAttr = "seqfuse.bytes_after";
/// On a pattern op that runs as its own loop right after another over the
/// same range (seqfuse-fuse-patterns): that op ("scan at f.cpp:14", or a
/// fused op's list), and why the two were not fused, for the report.
inline constexpr const char *kNotFusedAfterAttr = "seqfuse.not_fused_after";
inline constexpr const char *kNotFusedAttr = "seqfuse.not_fused";
/// Func attribute marking a kernel whose checks are inserted.
inline constexpr const char *kCheckedAttr = "seqfuse.checked";

/// Func attribute set by seqfuse-lower-patterns: the kernel's pattern ops are
/// lowered (and may have been parallelized). The pattern-stage passes leave
/// such a func alone, so that replaying the pipeline on a later stage's dump
/// changes nothing.
inline constexpr const char *kLoweredFuncAttr = "seqfuse.lowered_patterns";
/// Func attribute set by seqfuse-lower-to-gpu on the host function: it only
/// computes sizes, allocates scratch, launches kernels and reads cells back.
inline constexpr const char *kGpuHostAttr = "seqfuse.gpu_host";
/// On a gpu.launch_func whose kernel may record a failed run-time check in
/// the status buffer, its first operand: the host raises after it.
inline constexpr const char *kMayFailAttr = "seqfuse.may_fail";
/// On a gpu.func run by one thread (the exact loop of an op, glue code).
inline constexpr const char *kSingleThreadAttr = "seqfuse.single_thread";
/// On a func.func made by seqfuse-gpu-to-cpu-sim: the kernel it runs.
inline constexpr const char *kSimKernelAttr = "seqfuse.sim_kernel";
} // namespace seqfuse

#endif // SEQFUSE_DIALECT_SEQFUSE_PASSATTRS_H
