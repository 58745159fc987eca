// RUN: seqfuse-opt --seqfuse-raise-maps --split-input-file %s | FileCheck %s

// Independent iterations, a masked store, and a reversed index: a map.
// CHECK-LABEL: func.func @masked
// CHECK: seqfuse.map %{{.*}} to %{{.*}} {
// CHECK: ^bb0(%[[I:.*]]: index):
// CHECK:   scf.if
// CHECK:     memref.store %{{.*}}, %{{.*}}[%[[I]]]
// CHECK:   seqfuse.yield
// CHECK-NOT: scf.for
func.func @masked(%c: memref<?xi1>, %x: memref<?xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %p = memref.load %c[%i] : memref<?xi1>
    scf.if %p {
      %v = memref.load %x[%i] : memref<?xf32>
      %w = arith.mulf %v, %v : f32
      memref.store %w, %y[%i] : memref<?xf32>
    }
  }
  return
}

// -----

// CHECK-LABEL: func.func @reversed
// CHECK: seqfuse.map
func.func @reversed(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %nm1 = arith.subi %n, %c1 : index
  scf.for %k = %c0 to %n step %c1 {
    %i = arith.subi %nm1, %k : index
    %v = memref.load %x[%i] : memref<?xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %x[%i] : memref<?xf32>
  }
  return
}

// -----

// A recurrence through memory is not a map.
// CHECK-LABEL: func.func @recurrence
// CHECK-NOT: seqfuse.map
// CHECK: scf.for
func.func @recurrence(%x: memref<?xf32>) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c1 to %n step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %p = memref.load %x[%im1] : memref<?xf32>
    memref.store %p, %x[%i] : memref<?xf32>
  }
  return
}
