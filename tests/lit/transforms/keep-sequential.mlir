// RUN: seqfuse-opt --seqfuse-keep-sequential --split-input-file %s | FileCheck %s

// The seed's conditional loop: the condition reads t[2], which iteration 2
// writes.
// CHECK-LABEL: func.func @seed_conditional
// CHECK: seqfuse.sequential {
// CHECK:   scf.for
// CHECK:   seqfuse.yield
// CHECK: } {at = "seed_conditional.cpp:26", reason = "the condition reads t[2], which iteration 2 writes"}
func.func @seed_conditional(%t: memref<?xf32> {seqfuse.name = "t"}, %u: memref<?xf32> {seqfuse.name = "u"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %thr = arith.constant 2.0 : f32
  %n = memref.dim %t, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %t2 = memref.load %t[%c2] : memref<?xf32> loc("seed_conditional.cpp":26:5)
    %ok = arith.cmpf oge, %t2, %thr : f32
    scf.if %ok {
      %a = memref.load %t[%i] : memref<?xf32>
      %b = memref.load %u[%i] : memref<?xf32>
      %s = arith.addf %a, %b : f32
      memref.store %s, %t[%i] : memref<?xf32>
    }
  }
  return
}

// -----

// A kept loop's results become the sequential op's results.
// CHECK-LABEL: func.func @nonlinear
// CHECK: %[[R:.*]] = seqfuse.sequential {
// CHECK:   %[[L:.*]] = scf.for
// CHECK:   seqfuse.yield %[[L]] : f64
// CHECK: } {at = "{{.*}}", reason = "the update of state 'x' is not of the form x = x op c with an associative op (+ * min max & | ^), nor linear in the state (e.g. x = a*x + b), nor an add-then-clamp (e.g. x = max(x + a, b)), nor a select-by-order (argmin/argmax), nor a select of those and resets, with c, a, b free of the state"} -> f64
// CHECK: return %[[R]]
func.func @nonlinear(%v: memref<?xf64> {seqfuse.name = "u"}) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f64
  %n = memref.dim %v, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z) -> (f64) {
    %a = memref.load %v[%i] : memref<?xf64>
    %sq = arith.mulf %x, %x : f64
    %s = arith.addf %sq, %a : f64
    scf.yield %s : f64
  } {seqfuse.states = ["x"]}
  return %r : f64
}

// -----

// CHECK-LABEL: func.func @indirect
// CHECK: reason = "it reads t[idx2[i]] and writes t[idx[i]]: iterations may depend on each other through t"
func.func @indirect(%t: memref<?xf32> {seqfuse.name = "t"}, %idx: memref<?xindex> {seqfuse.name = "idx"}, %idx2: memref<?xindex> {seqfuse.name = "idx2"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n = memref.dim %idx, %c0 : memref<?xindex>
  scf.for %i = %c0 to %n step %c1 {
    %j = memref.load %idx[%i] : memref<?xindex>
    %k = memref.load %idx2[%i] : memref<?xindex>
    %v = memref.load %t[%k] : memref<?xf32>
    %w = arith.addf %v, %one : f32
    memref.store %w, %t[%j] : memref<?xf32>
  }
  return
}

// -----

// CHECK-LABEL: func.func @memory_recurrence
// CHECK: reason = "it reads x[i-1], which the previous iteration writes"
func.func @memory_recurrence(%x: memref<?xf32> {seqfuse.name = "x"}) {
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
