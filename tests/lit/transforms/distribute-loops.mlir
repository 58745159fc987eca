// RUN: seqfuse-opt --seqfuse-distribute-loops --split-input-file %s | FileCheck %s

// out[i] = 2*v[i] beside a non-linear state: two loops; the map's part
// carries no state, the other keeps x. Every index is provably in range
// (the dimensions share the size symbol n#0).
// CHECK-LABEL: func.func @split
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:   arith.mulf
// CHECK:   memref.store %{{.*}}, %arg1[%[[I]]]
// CHECK: }
// CHECK: %[[R:.*]] = scf.for %[[J:.*]] = %{{.*}} iter_args(%[[X:.*]] = %{{.*}}) -> (f32) {
// CHECK-NOT: %arg1
// CHECK:   memref.store %{{.*}}, %arg2[%[[J]]]
// CHECK: } {seqfuse.states = ["x"]}
// CHECK: return %[[R]]
func.func @split(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %out: memref<?xf32> {seqfuse.dims = ["n#0"]}, %res: memref<?xf32> {seqfuse.dims = ["n#0"]}) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z) -> (f32) {
    %a = memref.load %v[%i] : memref<?xf32>
    %d = arith.mulf %a, %two : f32
    memref.store %d, %out[%i] : memref<?xf32>
    %sq = arith.mulf %x, %x : f32
    %y = arith.addf %sq, %a : f32
    memref.store %y, %res[%i] : memref<?xf32>
    scf.yield %y : f32
  } {seqfuse.states = ["x"]}
  return %r : f32
}

// -----

// Not split when an access may raise (t[j], j from data).
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-1: scf.for
// CHECK-NOT: scf.for
func.func @kept(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %out: memref<?xf32> {seqfuse.dims = ["n#0"]}, %idx: memref<?xindex> {seqfuse.dims = ["n#0"]}, %t: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %a = memref.load %v[%i] : memref<?xf32>
    memref.store %a, %out[%i] : memref<?xf32>
    %j = memref.load %idx[%i] : memref<?xindex>
    memref.store %a, %t[%j] : memref<?xf32>
  }
  return
}
