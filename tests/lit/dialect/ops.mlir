// RUN: seqfuse-opt %s | FileCheck %s
// Round trip: print, parse again, print the same.
// RUN: seqfuse-opt %s | seqfuse-opt | FileCheck %s

// CHECK-LABEL: func.func @square
// CHECK: seqfuse.map %{{.*}} to %{{.*}} {
// CHECK: ^bb0(%[[I:.*]]: index):
// CHECK:   memref.store %{{.*}}, %{{.*}}[%[[I]]] : memref<?xf32>
// CHECK:   seqfuse.yield
func.func @square(%in: memref<?xf32>, %out: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %x = memref.load %in[%i] : memref<?xf32>
    %y = arith.mulf %x, %x : f32
    memref.store %y, %out[%i] : memref<?xf32>
    seqfuse.yield
  }
  return
}

// CHECK-LABEL: func.func @sum
// CHECK: %[[R:.*]] = seqfuse.reduce %{{.*}} to %{{.*}} init(%{{.*}} : f32) element {
// CHECK: } combiner {
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: f32):
// CHECK: } {identity = [0.000000e+00 : f32], kind = [#seqfuse.fold<add>]} -> f32
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
  } {kind = [#seqfuse.fold<add>], identity = [0.0 : f32]} -> f32
  return %r : f32
}

// An affine recurrence x = a*x + b as a scan over (a, b) pairs, composed
// (a2*a1, a2*b1 + b2); init (0, x0) is the constant map to x0.
// CHECK-LABEL: func.func @affine
// CHECK: seqfuse.scan %{{.*}} to %{{.*}} init(%{{.*}}, %{{.*}} : f64, f64) element {
// CHECK: } combiner {
// CHECK: } body {
// CHECK: ^bb0(%{{.*}}: index, %{{.*}}: f64, %[[X:.*]]: f64):
// CHECK: memref.store %[[X]]
// CHECK: } {kind = [#seqfuse.fold<affine>], reverse} -> f64, f64
func.func @affine(%a: memref<?xf64>, %b: memref<?xf64>, %x: memref<?xf64>, %n: index, %x0: f64) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f64
  %r:2 = seqfuse.scan %c0 to %n init(%zero, %x0 : f64, f64) element {
  ^bb0(%i: index):
    %ai = memref.load %a[%i] : memref<?xf64>
    %bi = memref.load %b[%i] : memref<?xf64>
    seqfuse.yield %ai, %bi : f64, f64
  } combiner {
  ^bb0(%a1: f64, %b1: f64, %a2: f64, %b2: f64):
    %aa = arith.mulf %a2, %a1 : f64
    %ab = arith.mulf %a2, %b1 : f64
    %bb = arith.addf %ab, %b2 : f64
    seqfuse.yield %aa, %bb : f64, f64
  } body {
  ^bb0(%i: index, %acc_a: f64, %acc_b: f64):
    memref.store %acc_b, %x[%i] : memref<?xf64>
    seqfuse.yield
  } {kind = [#seqfuse.fold<affine>], reverse, inclusive = true} -> f64, f64
  return
}

// CHECK-LABEL: func.func @scatters
// CHECK: seqfuse.scatter %{{.*}} to %{{.*}} into %{{.*}} : memref<?xf32> element {
// CHECK: seqfuse.scatter_combine %{{.*}} to %{{.*}} into %{{.*}} : memref<?xi64> element {
// CHECK: } combiner {
// CHECK: } {kind = #seqfuse.fold<add>}
func.func @scatters(%t: memref<?xf32>, %h: memref<?xi64>, %idx: memref<?xindex>, %m: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  seqfuse.scatter %c0 to %n into %t : memref<?xf32> element {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xindex>
    %v = memref.load %m[%i] : memref<?xf32>
    seqfuse.yield %j, %v : index, f32
  }
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xindex>
    %one = arith.constant 1 : i64
    seqfuse.yield %j, %one : index, i64
  } combiner {
  ^bb0(%old: i64, %x: i64):
    %s = arith.addi %old, %x : i64
    seqfuse.yield %s : i64
  } {kind = #seqfuse.fold<add>}
  return
}

// CHECK-LABEL: func.func @kept
// CHECK: seqfuse.sequential {
// CHECK:   scf.for
// CHECK: } {reason = "the condition reads t[2], which iteration 2 writes"}
func.func @kept(%t: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  seqfuse.sequential {
    scf.for %i = %c0 to %n step %c1 {
      %x = memref.load %t[%i] : memref<?xf32>
      memref.store %x, %t[%c0] : memref<?xf32>
    }
    seqfuse.yield
  } {reason = "the condition reads t[2], which iteration 2 writes"}
  return
}

// A scan with a step region (an affine fold whose step subtracts as the loop
// did); the step prints between the combiner and the body.
// CHECK-LABEL: func.func @scan_with_step
// CHECK: } combiner {
// CHECK: } step {
// CHECK:   arith.subf
// CHECK: } body {
// CHECK: {kind = [#seqfuse.fold<affine>]} -> f32, f32
func.func @scan_with_step(%v: memref<?xf32>, %out: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %r:2 = seqfuse.scan %c0 to %n init(%one, %zero : f32, f32) element {
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
    %raw = arith.negf %b2 : f32
    %b = arith.subf %b1, %raw : f32
    seqfuse.yield %a1, %b : f32, f32
  } body {
  ^bb0(%i: index, %a: f32, %b: f32):
    memref.store %b, %out[%i] : memref<?xf32>
    seqfuse.yield
  } {kind = [#seqfuse.fold<affine>]} -> f32, f32
  return
}
