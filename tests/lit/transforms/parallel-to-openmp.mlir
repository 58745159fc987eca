// RUN: seqfuse-opt --seqfuse-parallel-to-openmp %s | FileCheck %s
// RUN: seqfuse-opt --seqfuse-parallel-to-openmp --convert-scf-to-cf %s | FileCheck %s --check-prefix=CF

// scf.parallel becomes omp.parallel + omp.wsloop; the alloca scope the
// upstream conversion wraps the body in is inlined (the body allocates
// nothing), so scf-to-cf may split the body into blocks.
// CHECK-LABEL: func.func @chunks
// CHECK: omp.parallel
// CHECK: omp.wsloop
// CHECK-NOT: memref.alloca_scope
// CHECK: scf.for
// CF: omp.parallel
// CF-NOT: memref.alloca_scope
// CF: cf.cond_br
func.func @chunks(%v: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%c) = (%c0) to (%n) step (%c1) {
    %lo = arith.muli %c, %c4 : index
    %hi = arith.addi %lo, %c4 : index
    scf.for %i = %lo to %hi step %c1 {
      %x = memref.load %v[%i] : memref<?xf32>
      %y = arith.mulf %x, %two : f32
      memref.store %y, %v[%i] : memref<?xf32>
    }
    scf.reduce
  }
  return
}

// Without scf.parallel nothing changes.
// CHECK-LABEL: func.func @serial
// CHECK-NOT: omp.
// CHECK: scf.for
func.func @serial(%v: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %v[%i] : memref<?xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %v[%i] : memref<?xf32>
  }
  return
}
