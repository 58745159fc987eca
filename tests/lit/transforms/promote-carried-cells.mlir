// RUN: seqfuse-opt --seqfuse-promote-carried-cells --split-input-file %s | FileCheck %s

// x[i] = a[i]*x[i-1] + a[i]: x[lb-1] is read before the loop, only if it runs;
// the loop carries x[i-1] and still stores x[i].
// CHECK-LABEL: func.func @recurrence
// CHECK: %[[RUNS:.*]] = arith.cmpi slt, %[[LB:.*]], %[[UB:.*]] : index
// CHECK: %[[FIRST:.*]] = scf.if %[[RUNS]] -> (f64) {
// CHECK:   %[[PREV:.*]] = arith.subi %[[LB]], %{{.*}} : index
// CHECK:   %[[V:.*]] = memref.load %{{.*}}[%[[PREV]]] : memref<?xf64>
// CHECK:   scf.yield %[[V]] : f64
// CHECK: } else {
// CHECK: scf.for %[[I:.*]] = %[[LB]] to %[[UB]] step %{{.*}} iter_args(%[[P:.*]] = %[[FIRST]]) -> (f64) {
// CHECK-NOT: memref.load %arg1
// CHECK:   %[[M:.*]] = arith.mulf %{{.*}}, %[[P]] : f64
// CHECK:   %[[U:.*]] = arith.addf %[[M]], %{{.*}} : f64
// CHECK:   memref.store %[[U]], %arg1[%[[I]]] : memref<?xf64>
// CHECK:   scf.yield %[[U]] : f64
// CHECK: } {seqfuse.states = ["x[i-1]"]}
func.func @recurrence(%a: memref<?xf64> {seqfuse.name = "a"}, %x: memref<?xf64> {seqfuse.name = "x"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  scf.for %i = %c1 to %n step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %p = memref.load %x[%im1] : memref<?xf64>
    %ai = memref.load %a[%i] : memref<?xf64>
    %t = arith.mulf %ai, %p : f64
    %u = arith.addf %t, %ai : f64
    memref.store %u, %x[%i] : memref<?xf64>
  }
  return
}

// -----

// A store before the read: promoting would move the read (and its possible
// fault) before that store. Left alone.
// CHECK-LABEL: func.func @store_first
// CHECK: scf.for
// CHECK-NOT: iter_args
func.func @store_first(%x: memref<?xf64>, %y: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %z = arith.constant 0.0 : f64
  scf.for %i = %c0 to %n step %c1 {
    memref.store %z, %y[%i] : memref<?xf64>
    %im1 = arith.subi %i, %c1 : index
    %p = memref.load %x[%im1] : memref<?xf64>
    memref.store %p, %x[%i] : memref<?xf64>
  }
  return
}

// -----

// Order 2: x[i] = x[i-1] + x[i-2]. Two cells, x[lb-1] and x[lb-2] read before
// the loop (in the order the first iteration reads them); cell 1 takes the
// stored value, cell 2 the old cell 1.
// CHECK-LABEL: func.func @fib
// CHECK: %[[FIRST:.*]]:2 = scf.if %{{.*}} -> (i64, i64) {
// CHECK:   %[[P1:.*]] = memref.load %arg0
// CHECK:   %[[P2:.*]] = memref.load %arg0
// CHECK:   scf.yield %[[P1]], %[[P2]] : i64, i64
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%[[C1:.*]] = %[[FIRST]]#0, %[[C2:.*]] = %[[FIRST]]#1) -> (i64, i64) {
// CHECK-NOT: memref.load
// CHECK:   %[[S:.*]] = arith.addi %[[C1]], %[[C2]] : i64
// CHECK:   memref.store %[[S]], %arg0[%[[I]]]
// CHECK:   scf.yield %[[S]], %[[C1]] : i64, i64
// CHECK: } {seqfuse.states = ["x[i-1]", "x[i-2]"]}
func.func @fib(%x: memref<?xi64> {seqfuse.name = "x"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c0 : memref<?xi64>
  scf.for %i = %c2 to %n step %c1 {
    %im1 = arith.subi %i, %c1 : index
    %p = memref.load %x[%im1] : memref<?xi64>
    %im2 = arith.subi %i, %c2 : index
    %q = memref.load %x[%im2] : memref<?xi64>
    %s = arith.addi %p, %q : i64
    memref.store %s, %x[%i] : memref<?xi64>
  }
  return
}

// -----

// x[i-2] without x[i-1]: the first two iterations would read x[lb-2] and
// x[lb-1] at different times than a shift register. Left alone.
// CHECK-LABEL: func.func @gap
// CHECK: scf.for
// CHECK-NOT: iter_args
func.func @gap(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c2 to %n step %c1 {
    %im2 = arith.subi %i, %c2 : index
    %q = memref.load %x[%im2] : memref<?xf32>
    memref.store %q, %x[%i] : memref<?xf32>
  }
  return
}

// -----

// A fixed element: t[0] += v[i]; out[i] = t[0]. t[0] is read before the loop
// and written after it, both only when the loop runs; in the body the load
// takes the carried value and the store sets it.
// CHECK-LABEL: func.func @fixed
// CHECK: %[[RUNS:.*]] = arith.cmpi slt
// CHECK: %[[FIRST:.*]] = scf.if %[[RUNS]] -> (f32) {
// CHECK:   %[[T0:.*]] = memref.load %arg1[%{{.*}}] : memref<4xf32>
// CHECK:   scf.yield %[[T0]]
// CHECK: %[[R:.*]] = scf.for %[[I:.*]] = {{.*}} iter_args(%[[C:.*]] = %[[FIRST]]) -> (f32) {
// CHECK-NOT: memref.load %arg1
// CHECK:   %[[S:.*]] = arith.addf %[[C]], %{{.*}} : f32
// CHECK-NOT: memref.store {{.*}} %arg1
// CHECK:   memref.store %[[S]], %arg2[%[[I]]]
// CHECK:   scf.yield %[[S]] : f32
// CHECK: } {seqfuse.states = ["t[0]"]}
// CHECK: scf.if %[[RUNS]] {
// CHECK:   memref.store %[[R]], %arg1[%{{.*}}] : memref<4xf32>
func.func @fixed(%v: memref<?xf32> {seqfuse.name = "v", seqfuse.dims = ["v.size(0)#0"]}, %t: memref<4xf32> {seqfuse.name = "t"},
                 %out: memref<?xf32> {seqfuse.name = "out", seqfuse.dims = ["v.size(0)#0"]}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %z = arith.constant 0 : index
    %a = memref.load %t[%z] : memref<4xf32>
    %x = memref.load %v[%i] : memref<?xf32>
    %s = arith.addf %a, %x : f32
    %z2 = arith.constant 0 : index
    memref.store %s, %t[%z2] : memref<4xf32>
    %z3 = arith.constant 0 : index
    %b = memref.load %t[%z3] : memref<4xf32>
    memref.store %b, %out[%i] : memref<?xf32>
  }
  return
}

// -----

// Another statement may raise (v[idx[i]]): the loop would stop with t[0]
// updated up to there, so the element stays in memory.
// CHECK-LABEL: func.func @fixed_beside_fault
// CHECK: scf.for
// CHECK-NOT: iter_args
func.func @fixed_beside_fault(%v: memref<?xf32>, %idx: memref<?xindex>, %t: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %idx, %c0 : memref<?xindex>
  scf.for %i = %c0 to %n step %c1 {
    %a = memref.load %t[%c0] : memref<4xf32>
    %j = memref.load %idx[%i] : memref<?xindex>
    %x = memref.load %v[%j] : memref<?xf32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %t[%c0] : memref<4xf32>
  }
  return
}

// -----

// A memref made inside the loop cannot be read before it: left alone.
// CHECK-LABEL: func.func @local
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.alloca
func.func @local(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %m = memref.alloca() : memref<2xf32>
    %a = memref.load %m[%c0] : memref<2xf32>
    %s = arith.addf %a, %a : f32
    memref.store %s, %m[%c0] : memref<2xf32>
  }
  return
}

// -----

// if (c[i]) t[0] += v[i]: the element is provably in range (t is 4 long), so
// it is read before the loop although an iteration may not read it; the if
// yields its value (the old one where c fails).
// CHECK-LABEL: func.func @fixed_conditional
// CHECK: %[[FIRST:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK: scf.for %{{.*}} iter_args(%[[C:.*]] = %[[FIRST]]) -> (f32) {
// CHECK:   %[[NEW:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK:     %[[S:.*]] = arith.addf %[[C]], %{{.*}} : f32
// CHECK:     scf.yield %[[S]] : f32
// CHECK:   } else {
// CHECK:     scf.yield %[[C]] : f32
// CHECK:   scf.yield %[[NEW]] : f32
// CHECK: } {seqfuse.states = ["t[0]"]}
func.func @fixed_conditional(%v: memref<?xf32> {seqfuse.dims = ["v.size(0)#0"]}, %c: memref<?xi1> {seqfuse.dims = ["v.size(0)#0"]},
                             %t: memref<4xf32> {seqfuse.name = "t"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %f = memref.load %c[%i] : memref<?xi1>
    scf.if %f {
      %a = memref.load %t[%c0] : memref<4xf32>
      %x = memref.load %v[%i] : memref<?xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %t[%c0] : memref<4xf32>
    }
  }
  return
}
