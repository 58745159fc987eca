// RUN: seqfuse-opt --canonicalize %s | FileCheck %s

// A scatter or histogram whose element reads nothing still writes its
// target: the canonicalizer must not erase it as dead.
// CHECK-LABEL: func.func @kept
// CHECK: seqfuse.scatter
// CHECK: seqfuse.scatter_combine
func.func @kept(%t: memref<?xf32>, %h: memref<?xi64>, %n: index) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  seqfuse.scatter %c0 to %n into %t : memref<?xf32> element {
  ^bb0(%i: index):
    seqfuse.yield %i, %one : index, f32
  }
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
  ^bb0(%i: index):
    %k = arith.constant 1 : i64
    seqfuse.yield %c0, %k : index, i64
  } combiner {
  ^bb0(%old: i64, %x: i64):
    %s = arith.addi %old, %x : i64
    seqfuse.yield %s : i64
  } {kind = #seqfuse.fold<add>}
  return
}

// A map whose body only computes is dead.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: seqfuse.map
func.func @dead(%n: index) {
  %c0 = arith.constant 0 : index
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %j = arith.addi %i, %i : index
    seqfuse.yield
  }
  return
}
