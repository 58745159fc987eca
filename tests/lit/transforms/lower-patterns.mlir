// RUN: seqfuse-opt --seqfuse-lower-patterns --split-input-file %s | FileCheck %s
// The lowered IR also goes through the whole CPU pipeline.
// RUN: seqfuse-opt --seqfuse-cpu-pipeline --split-input-file %s | FileCheck %s --check-prefix=LLVM

// LLVM-LABEL: llvm.func @sum
// CHECK-LABEL: func.func @sum
// CHECK: %[[R:.*]] = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// CHECK-NEXT: %[[X:.*]] = memref.load %{{.*}}[%[[I]]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[X]] : f32
// CHECK-NEXT: scf.yield %[[S]] : f32
// CHECK: return %[[R]]
// CHECK-NOT: seqfuse.
func.func @sum(%v: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %r = seqfuse.reduce %c0 to %n init(%zero : f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%acc: f32, %x: f32):
    %s = arith.addf %acc, %x : f32
    seqfuse.yield %s : f32
  } -> f32
  return %r : f32
}

// -----

// Exclusive, reverse scan: the body sees the accumulator before the update,
// at i = lb + ub - 1 - k.
// LLVM-LABEL: llvm.func @rev_exclusive
// CHECK-LABEL: func.func @rev_exclusive
// CHECK: %[[SUM:.*]] = arith.addi %[[LB:.*]], %[[UB:.*]] : index
// CHECK: %[[BASE:.*]] = arith.subi %[[SUM]], %{{.*}} : index
// CHECK: scf.for %[[K:.*]] = %[[LB]] to %[[UB]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (i32) {
// CHECK-NEXT: %[[I:.*]] = arith.subi %[[BASE]], %[[K]] : index
// CHECK-NEXT: memref.store %[[ACC]], %{{.*}}[%[[I]]]
// CHECK-NEXT: %[[X:.*]] = memref.load %{{.*}}[%[[I]]]
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[ACC]], %[[X]] : i32
// CHECK-NEXT: scf.yield %[[S]] : i32
func.func @rev_exclusive(%v: memref<?xi32>, %out: memref<?xi32>, %lb: index, %ub: index) -> i32 {
  %zero = arith.constant 0 : i32
  %r = seqfuse.scan %lb to %ub init(%zero : i32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xi32>
    seqfuse.yield %x : i32
  } combiner {
  ^bb0(%acc: i32, %x: i32):
    %s = arith.addi %acc, %x : i32
    seqfuse.yield %s : i32
  } body {
  ^bb0(%i: index, %acc: i32):
    memref.store %acc, %out[%i] : memref<?xi32>
    seqfuse.yield
  } {reverse, inclusive = false} -> i32
  return %r : i32
}

// -----

// LLVM-LABEL: llvm.func @hist
// CHECK-LABEL: func.func @hist
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[J:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xindex>
// CHECK: %[[OLD:.*]] = memref.load %[[H:.*]][%[[J]]] : memref<?xi64>
// CHECK: %[[NEW:.*]] = arith.addi %[[OLD]], %{{.*}} : i64
// CHECK: memref.store %[[NEW]], %[[H]][%[[J]]] : memref<?xi64>
// CHECK: scf.for %[[I2:.*]] =
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xf32>
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<?xf32>
// CHECK-NOT: seqfuse.
func.func @hist(%h: memref<?xi64>, %t: memref<?xf32>, %idx: memref<?xindex>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xindex>
    %one = arith.constant 1 : i64
    seqfuse.yield %j, %one : index, i64
  } combiner {
  ^bb0(%old: i64, %x: i64):
    %s = arith.addi %old, %x : i64
    seqfuse.yield %s : i64
  }
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    seqfuse.scatter %c0 to %n into %t : memref<?xf32> element {
    ^bb0(%k: index):
      %v = arith.constant 2.0 : f32
      seqfuse.yield %k, %v : index, f32
    }
    seqfuse.yield
  }
  seqfuse.sequential {
    scf.for %i = %c0 to %n step %c1 {
      %v = arith.constant 3.0 : f32
      memref.store %v, %t[%i] : memref<?xf32>
    }
    seqfuse.yield
  } {reason = "kept"}
  return
}

// -----

// A fold with a step: the loop applies `step`, not `combiner`; the slot no
// result, body or live slot needs (A of an affine pair) is carried unchanged.
// LLVM-LABEL: llvm.func @with_step
// CHECK-LABEL: func.func @with_step
// CHECK: %[[R:.*]]:2 = scf.for %{{.*}} iter_args(%[[A:.*]] = %{{.*}}, %[[B:.*]] = %{{.*}}) -> (f32, f32) {
// CHECK:   %[[X:.*]] = memref.load
// CHECK:   %[[M:.*]] = arith.negf %[[X]] : f32
// CHECK:   %[[RAW:.*]] = arith.negf %[[M]] : f32
// CHECK:   %[[S:.*]] = arith.subf %[[B]], %[[RAW]] : f32
// CHECK:   scf.yield %[[A]], %[[S]] : f32, f32
// CHECK: return %[[R]]#1
func.func @with_step(%v: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %r:2 = seqfuse.reduce %c0 to %n init(%one, %zero : f32, f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    %m = arith.negf %x : f32
    seqfuse.yield %one, %m : f32, f32
  } combiner {
  ^bb0(%a1: f32, %b1: f32, %a2: f32, %b2: f32):
    %a = arith.mulf %a2, %a1 : f32
    %t = arith.mulf %a2, %b1 : f32
    %b = arith.addf %t, %b2 : f32
    seqfuse.yield %a, %b : f32, f32
  } step {
  ^bb0(%a1: f32, %b1: f32, %a2: f32, %b2: f32):
    %a = arith.mulf %a2, %a1 : f32
    %raw = arith.negf %b2 : f32
    %b = arith.subf %b1, %raw : f32
    seqfuse.yield %a, %b : f32, f32
  } -> f32, f32
  return %r#1 : f32
}

// -----

// A combiner using an accumulator only inside a nested region: that slot is
// live (it feeds the result through the scf.if).
// LLVM-LABEL: llvm.func @nested_use
// CHECK-LABEL: func.func @nested_use
// CHECK: scf.for %{{.*}} iter_args(%[[A:.*]] = %{{.*}}, %[[B:.*]] = %{{.*}}) -> (f32, f32) {
// CHECK:   scf.if
// CHECK:     scf.yield %[[B]] : f32
// CHECK:   scf.yield %{{.*}}, %{{.*}} : f32, f32
func.func @nested_use(%v: memref<?xf32>, %c: i1, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  %r:2 = seqfuse.reduce %c0 to %n init(%z, %z : f32, f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x, %x : f32, f32
  } combiner {
  ^bb0(%a: f32, %b: f32, %x: f32, %y: f32):
    %s = scf.if %c -> (f32) {
      scf.yield %b : f32
    } else {
      scf.yield %x : f32
    }
    %t = arith.addf %b, %y : f32
    seqfuse.yield %s, %t : f32, f32
  } -> f32, f32
  return %r#0 : f32
}
