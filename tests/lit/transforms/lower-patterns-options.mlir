// RUN: not seqfuse-opt --seqfuse-lower-patterns="parallel-folds=1 chunk=0" %s 2>&1 | FileCheck %s
// RUN: not seqfuse-opt --seqfuse-lower-patterns="parallel-folds=1 simd=0" %s 2>&1 | FileCheck %s
// CHECK: error: seqfuse-lower-patterns: chunk, group and simd must be >= 1 and cutoff >= 0
func.func @f() {
  return
}
