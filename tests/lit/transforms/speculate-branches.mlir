// RUN: seqfuse-opt --seqfuse-speculate-branches --split-input-file %s | FileCheck %s

// A state updated under a condition, with loads that cannot raise (the loop
// runs over their own extent): both branches hoisted, one select.
// CHECK-LABEL: func.func @conditional_update
// CHECK: scf.for
// CHECK-NOT: scf.if
// CHECK: memref.load %{{.*}} : memref<?xi1>
// CHECK: %[[A:.*]] = memref.load %{{.*}} : memref<?xf64>
// CHECK: %[[M:.*]] = arith.mulf %[[A]], %[[X:.*]] : f64
// CHECK: %[[U:.*]] = arith.addf %[[M]], %[[A]] : f64
// CHECK: %[[Y:.*]] = arith.select %{{.*}}, %[[U]], %[[X]] : f64
// CHECK: scf.yield %[[Y]]
func.func @conditional_update(%a: memref<?xf64> {seqfuse.dims = ["n#0"]}, %c: memref<?xi1> {seqfuse.dims = ["n#0"]}) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f64
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z) -> (f64) {
    %ci = memref.load %c[%i] : memref<?xi1>
    %y = scf.if %ci -> (f64) {
      %ai = memref.load %a[%i] : memref<?xf64>
      %t = arith.mulf %ai, %x : f64
      %u = arith.addf %t, %ai : f64
      scf.yield %u : f64
    } else {
      scf.yield %x : f64
    }
    scf.yield %y : f64
  }
  return %r : f64
}

// -----

// A load that may be out of range (t[j], j from data) stays guarded; so does
// a branch that stores.
// CHECK-LABEL: func.func @kept
// CHECK: scf.if %{{.*}} -> (f32)
// CHECK: scf.if
// CHECK:   memref.store
func.func @kept(%t: memref<?xf32>, %j: index, %c: i1, %x: f32) -> f32 {
  %r = scf.if %c -> (f32) {
    %v = memref.load %t[%j] : memref<?xf32>
    scf.yield %v : f32
  } else {
    scf.yield %x : f32
  }
  scf.if %c {
    memref.store %x, %t[%j] : memref<?xf32>
  }
  return %r : f32
}

// -----

// Stream compaction: the counter's update is selected before the branch, the
// store stays under the condition (using k before the increment).
// CHECK-LABEL: func.func @compaction
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%[[K:.*]] = %{{.*}}) -> (index) {
// CHECK:   %[[P:.*]] = arith.cmpf ogt
// CHECK:   %[[K1:.*]] = arith.addi %[[K]], %{{.*}} : index
// CHECK:   %[[NEXT:.*]] = arith.select %[[P]], %[[K1]], %[[K]] : index
// CHECK:   scf.if %[[P]] {
// CHECK:     memref.store %{{.*}}, %{{.*}}[%[[K]]] : memref<?xf32>
// CHECK:   }
// CHECK:   scf.yield %[[NEXT]] : index
func.func @compaction(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %out: memref<?xf32>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%k = %c0) -> (index) {
    %x = memref.load %v[%i] : memref<?xf32>
    %p = arith.cmpf ogt, %x, %z : f32
    %k2 = scf.if %p -> (index) {
      memref.store %x, %out[%k] : memref<?xf32>
      %k1 = arith.addi %k, %c1 : index
      scf.yield %k1 : index
    } else {
      scf.yield %k : index
    }
    scf.yield %k2 : index
  }
  return %r : index
}
