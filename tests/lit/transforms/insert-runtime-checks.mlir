// RUN: seqfuse-opt --seqfuse-insert-runtime-checks --split-input-file %s | FileCheck %s
// RUN: seqfuse-opt --seqfuse-insert-runtime-checks --seqfuse-insert-runtime-checks --split-input-file %s | FileCheck %s --check-prefix=TWICE

// An indirect store is guarded; the direct loads over the loop's own extent
// (same memref.dim, or a dimension declared with the same size name) are not.
// CHECK-LABEL: module attributes {seqfuse.check_sites = [{dim = 0 : i64, file = "scatter.cpp", kind = "index", line = 12 : i64, tensor = "t"}]}
// CHECK: func.func private @seqfuse_rt_check_failed(i64, i64, i64)
// CHECK-LABEL: func.func @scatter
// CHECK-SAME: attributes {seqfuse.checked}
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT: %[[J:.*]] = memref.load %{{.*}}[%[[I]]]
// CHECK-NEXT: %[[V:.*]] = memref.load %{{.*}}[%[[I]]]
// CHECK-NEXT: %[[JI:.*]] = arith.index_cast %[[J]]
// CHECK: %[[EXT:.*]] = memref.dim %arg0
// CHECK: %[[BAD:.*]] = arith.cmpi uge, %[[JI]], %[[EXT]] : index
// CHECK: scf.if %[[BAD]] {
// CHECK:   %[[SITE:.*]] = arith.constant 0 : i64
// CHECK:   func.call @seqfuse_rt_check_failed(%[[SITE]],
// CHECK: }
// CHECK-NEXT: memref.store %[[V]], %arg0[%[[JI]]]
// Running the pass twice adds nothing (seqfuse.checked):
// TWICE-LABEL: func.func @scatter
// TWICE-COUNT-1: func.call @seqfuse_rt_check_failed
// TWICE-NOT: func.call @seqfuse_rt_check_failed
// TWICE-LABEL: func.func @recurrence
func.func @scatter(%t: memref<?xf32> {seqfuse.name = "t"},
                   %idx: memref<?xi64> {seqfuse.name = "idx", seqfuse.dims = ["n"]},
                   %m: memref<?xf32> {seqfuse.name = "m", seqfuse.dims = ["n"]}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %idx, %c0 : memref<?xi64>
  scf.for %i = %c0 to %n step %c1 {
    %j = memref.load %idx[%i] : memref<?xi64>
    %v = memref.load %m[%i] : memref<?xf32>
    %ji = arith.index_cast %j : i64 to index
    memref.store %v, %t[%ji] : memref<?xf32> loc("scatter.cpp":12:5)
  }
  return
}

// -----

// x[i-1] with i from 1 is not proven by this pass (only i and the reversed i
// are): it is checked. Constant indices into static shapes are not.
// CHECK-LABEL: func.func @recurrence
// CHECK: %[[IM1:.*]] = arith.subi
// CHECK: arith.cmpi uge, %[[IM1]]
// CHECK: memref.load %arg0[%[[IM1]]]
// CHECK-NOT: seqfuse_rt_check_failed
// CHECK: memref.load %arg1[%c2]
func.func @recurrence(%x: memref<?xf32> {seqfuse.name = "x"}, %s: memref<4xf32> {seqfuse.name = "s"}) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c1 to %n step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %p = memref.load %x[%im1] : memref<?xf32>
    %k = memref.load %s[%c2] : memref<4xf32>
    %y = arith.addf %p, %k : f32
    memref.store %y, %x[%i] : memref<?xf32>
  }
  return
}

// -----

// Signed division: divisor zero, then MIN / -1.
// CHECK-LABEL: func.func @div
// CHECK: %[[Z:.*]] = arith.cmpi eq, %arg1, %{{.*}} : i32
// CHECK: scf.if %[[Z]]
// CHECK: arith.cmpi eq, %arg0, %{{.*}} : i32
// CHECK: arith.cmpi eq, %arg1, %{{.*}} : i32
// CHECK: %[[OV:.*]] = arith.andi
// CHECK: scf.if %[[OV]]
// CHECK: arith.divsi %arg0, %arg1
// CHECK-NOT: scf.if
// CHECK: arith.divsi %arg0, %{{.*}}
func.func @div(%a: i32, %b: i32) -> (i32, i32) {
  %q = arith.divsi %a, %b : i32
  %c3 = arith.constant 3 : i32
  %q3 = arith.divsi %a, %c3 : i32
  return %q, %q3 : i32, i32
}

// -----

// Found by tests/fuzz/ir_fuzz.py (it crashed the bounds proof): a loop bound
// from memref.dim with an out-of-range dimension proves nothing; the access
// is checked.
// CHECK-LABEL: func.func @bad_dim
// CHECK: scf.for
// CHECK: func.call @seqfuse_rt_check_failed
func.func @bad_dim(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %cm1 = arith.constant -1 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %cm1 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    memref.store %v, %x[%i] : memref<?xf32>
  }
  return
}
