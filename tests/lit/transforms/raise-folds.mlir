// RUN: seqfuse-opt --seqfuse-raise-folds --split-input-file %s | FileCheck %s

// acc = acc + v[i]; out[i] = acc  =>  inclusive scan; k = k ^ w[i] alongside.
// CHECK-LABEL: func.func @running
// CHECK: %[[R:.*]]:2 = seqfuse.scan %{{.*}} to %{{.*}} init(%{{.*}}, %{{.*}} : f32, i32) element {
// CHECK: ^bb0(%[[I:.*]]: index):
// CHECK:   %[[V:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xf32>
// CHECK:   %[[W:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xi32>
// CHECK:   seqfuse.yield %[[V]], %[[W]] : f32, i32
// CHECK: } combiner {
// CHECK: ^bb0(%[[A:.*]]: f32, %[[K:.*]]: i32, %[[X:.*]]: f32, %[[Y:.*]]: i32):
// CHECK:   arith.addf %[[A]], %[[X]] : f32
// CHECK:   arith.xori %[[K]], %[[Y]] : i32
// CHECK: } body {
// CHECK: ^bb0(%[[BI:.*]]: index, %[[ACC:.*]]: f32, %{{.*}}: i32):
// CHECK:   memref.store %[[ACC]], %{{.*}}[%[[BI]]] : memref<?xf32>
// CHECK: } {at = "running.cpp:7", identity = [-0.000000e+00 : f32, 0 : i32], kind = [#seqfuse.fold<add>, #seqfuse.fold<xor>], seqfuse.states = ["acc", "k"]} -> f32, i32
// CHECK: return %[[R]]#1
func.func @running(%v: memref<?xf32>, %w: memref<?xi32>, %out: memref<?xf32>) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %zi = arith.constant 0 : i32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z, %k = %zi) -> (f32, i32) {
    %a = memref.load %v[%i] : memref<?xf32>
    %b = memref.load %w[%i] : memref<?xi32>
    %s = arith.addf %acc, %a : f32 loc("running.cpp":7:5)
    memref.store %s, %out[%i] : memref<?xf32>
    %k2 = arith.xori %k, %b : i32
    scf.yield %s, %k2 : f32, i32
  } {seqfuse.states = ["acc", "k"]}
  return %r#1 : i32
}

// -----

// out[i] = acc; acc = min(acc, v[i])  =>  exclusive scan.
// CHECK-LABEL: func.func @exclusive_min
// CHECK: seqfuse.scan
// CHECK: arith.minimumf
// CHECK: } body {
// CHECK: ^bb0(%{{.*}}: index, %[[ACC:.*]]: f32):
// CHECK:   memref.store %[[ACC]]
// CHECK: inclusive = false
func.func @exclusive_min(%v: memref<?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> (f32) {
    memref.store %acc, %out[%i] : memref<?xf32>
    %a = memref.load %v[%i] : memref<?xf32>
    %s = arith.minimumf %acc, %a : f32
    scf.yield %s : f32
  }
  return
}

// -----

// Nothing but the fold: a reduction.
// CHECK-LABEL: func.func @sum
// CHECK: %[[R:.*]] = seqfuse.reduce
// CHECK: arith.muli
// CHECK: identity = [1 : index], kind = [#seqfuse.fold<mul>]} -> index
// CHECK: return %[[R]]
func.func @sum(%v: memref<?xindex>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xindex>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c1) -> (index) {
    %a = memref.load %v[%i] : memref<?xindex>
    %s = arith.muli %a, %acc : index
    scf.yield %s : index
  }
  return %r : index
}

// -----

// An element that may raise (w[i], not provably in range) read after the
// iteration's store: an inclusive scan would move the fault first. Left as is.
// CHECK-LABEL: func.func @late_fault
// CHECK-NOT: seqfuse.
// CHECK: scf.for
func.func @late_fault(%v: memref<?xf32>, %w: memref<?xf32>, %out: memref<?xf32>, %out2: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> (f32) {
    memref.store %z, %out2[%i] : memref<?xf32>
    %b = memref.load %w[%i] : memref<?xf32>
    %s = arith.addf %acc, %b : f32
    memref.store %s, %out[%i] : memref<?xf32>
    scf.yield %s : f32
  }
  return
}

// -----

// x = x*x + v[i] is not a fold: left as is.
// CHECK-LABEL: func.func @nonlinear
// CHECK-NOT: seqfuse.
// CHECK: scf.for
func.func @nonlinear(%v: memref<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f64
  %n = memref.dim %v, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z) -> (f64) {
    %a = memref.load %v[%i] : memref<?xf64>
    %sq = arith.mulf %x, %x : f64
    %s = arith.addf %sq, %a : f64
    scf.yield %s : f64
  }
  return %r : f64
}

// -----

// x = c[i] ? a[i]*x - b[i] : x  =>  affine scan over (a, b) pairs; the state
// is the B slot, composed (A, B) then (a, b) = (a*A, a*B + b).
// CHECK-LABEL: func.func @affine
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK: %[[R:.*]]:2 = seqfuse.scan %{{.*}} to %{{.*}} init(%[[ONE]], %{{.*}} : f64, f64) element {
// CHECK:   %[[NB:.*]] = arith.negf
// CHECK:   %[[SA:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f64
// CHECK:   %[[SB:.*]] = arith.select %{{.*}}, %[[NB]], %{{.*}} : f64
// CHECK:   seqfuse.yield %[[SA]], %[[SB]] : f64, f64
// CHECK: } combiner {
// CHECK: ^bb0(%[[A:.*]]: f64, %[[B:.*]]: f64, %[[XA:.*]]: f64, %[[XB:.*]]: f64):
// CHECK:   %[[AA:.*]] = arith.mulf %[[XA]], %[[A]] : f64
// CHECK:   %[[AB:.*]] = arith.mulf %[[XA]], %[[B]] : f64
// CHECK:   %[[S:.*]] = arith.addf %[[AB]], %[[XB]] : f64
// CHECK:   seqfuse.yield %[[AA]], %[[S]] : f64, f64
// CHECK: } body {
// CHECK: ^bb0(%[[I:.*]]: index, %{{.*}}: f64, %[[X:.*]]: f64):
// CHECK:   memref.store %[[X]], %{{.*}}[%[[I]]]
// CHECK: identity = [1.000000e+00, -0.000000e+00], kind = [#seqfuse.fold<affine>]
// CHECK: return %[[R]]#1
func.func @affine(%a: memref<?xf64>, %b: memref<?xf64>, %c: memref<?xi1>, %out: memref<?xf64>, %x0: f64) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf64>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %x0) -> (f64) {
    %ai = memref.load %a[%i] : memref<?xf64>
    %bi = memref.load %b[%i] : memref<?xf64>
    %ci = memref.load %c[%i] : memref<?xi1>
    %ax = arith.mulf %ai, %x : f64
    %t = arith.subf %ax, %bi : f64
    %y = arith.select %ci, %t, %x : f64
    memref.store %y, %out[%i] : memref<?xf64>
    scf.yield %y : f64
  }
  return %r : f64
}

// -----

// The compaction loop after seqfuse-speculate-branches: out[k] is written
// once per increment of k, so out is conflict-free; k is an exclusive scan
// (the body's store sees k before the update).
// CHECK-LABEL: func.func @compaction
// CHECK: seqfuse.scan
// CHECK: } body {
// CHECK: ^bb0(%{{.*}}: index, %{{.*}}: index, %[[K:.*]]: index):
// CHECK:   scf.if
// CHECK:     memref.store %{{.*}}, %{{.*}}[%[[K]]] : memref<?xf32>
// CHECK: inclusive = false, kind = [#seqfuse.fold<affine>]
func.func @compaction(%v: memref<?xf32>, %out: memref<?xf32>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%k = %c0) -> (index) {
    %x = memref.load %v[%i] : memref<?xf32>
    %p = arith.cmpf ogt, %x, %z : f32
    %k1 = arith.addi %k, %c1 : index
    %next = arith.select %p, %k1, %k : index
    scf.if %p {
      memref.store %x, %out[%k] : memref<?xf32>
    }
    scf.yield %next : index
  }
  return %r : index
}

// -----

// The same compaction with an i32 counter: the store's index is
// index_cast(k) (signed), so k can repeat only after wrapping through the
// negative numbers, which are out of range: out is still conflict-free.
// CHECK-LABEL: func.func @compaction_i32
// CHECK: seqfuse.scan
// CHECK: } body {
// CHECK: ^bb0(%{{.*}}: index, %{{.*}}: i32, %[[K:.*]]: i32):
// CHECK:   scf.if
// CHECK:     %[[J:.*]] = arith.index_cast %[[K]] : i32 to index
// CHECK:     memref.store %{{.*}}, %{{.*}}[%[[J]]] : memref<?xf32>
// CHECK: inclusive = false, kind = [#seqfuse.fold<affine>]
func.func @compaction_i32(%v: memref<?xf32>, %out: memref<?xf32>) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %k0 = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%k = %k0) -> (i32) {
    %x = memref.load %v[%i] : memref<?xf32>
    %p = arith.cmpf ogt, %x, %z : f32
    %k1 = arith.addi %k, %one : i32
    %next = arith.select %p, %k1, %k : i32
    scf.if %p {
      %j = arith.index_cast %k : i32 to index
      memref.store %x, %out[%j] : memref<?xf32>
    }
    scf.yield %next : i32
  }
  return %r : i32
}

// -----

// A zero-extended counter (index_castui) is not accepted: it wraps from
// 2^32 - 1 to 0 without passing an out-of-range index.
// CHECK-LABEL: func.func @compaction_ui
// CHECK-NOT: seqfuse.scan
// CHECK: scf.for
func.func @compaction_ui(%v: memref<?xf32>, %out: memref<?xf32>) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %k0 = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%k = %k0) -> (i32) {
    %x = memref.load %v[%i] : memref<?xf32>
    %p = arith.cmpf ogt, %x, %z : f32
    %k1 = arith.addi %k, %one : i32
    %next = arith.select %p, %k1, %k : i32
    scf.if %p {
      %j = arith.index_castui %k : i32 to index
      memref.store %x, %out[%j] : memref<?xf32>
    }
    scf.yield %next : i32
  }
  return %r : i32
}

// -----

// x = flag[i] ? v[i] : x + v[i] on floats: a segmented scan over
// (reset flag, value), combiner (f1 | f2, f2 ? a2 : a1 + a2).
// CHECK-LABEL: func.func @segmented_float
// CHECK: %[[F:.*]] = arith.constant false
// CHECK: %[[R:.*]]:2 = seqfuse.scan %{{.*}} to %{{.*}} init(%[[F]], %{{.*}} : i1, f32) element {
// CHECK: ^bb0(%[[I:.*]]: index):
// CHECK:   %[[FL:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xi1>
// CHECK:   %[[V:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xf32>
// CHECK:   %[[T:.*]] = arith.constant true
// CHECK:   %[[NF:.*]] = arith.constant false
// CHECK:   %[[EF:.*]] = arith.select %[[FL]], %[[T]], %[[NF]] : i1
// CHECK:   %[[EV:.*]] = arith.select %[[FL]], %[[V]], %[[V]] : f32
// CHECK:   seqfuse.yield %[[EF]], %[[EV]] : i1, f32
// CHECK: } combiner {
// CHECK: ^bb0(%[[F1:.*]]: i1, %[[A1:.*]]: f32, %[[F2:.*]]: i1, %[[A2:.*]]: f32):
// CHECK:   %[[OR:.*]] = arith.ori %[[F1]], %[[F2]] : i1
// CHECK:   %[[SUM:.*]] = arith.addf %[[A1]], %[[A2]] : f32
// CHECK:   %[[NEXT:.*]] = arith.select %[[F2]], %[[A2]], %[[SUM]] : f32
// CHECK:   seqfuse.yield %[[OR]], %[[NEXT]] : i1, f32
// CHECK: } body {
// CHECK: ^bb0(%[[BI:.*]]: index, %{{.*}}: i1, %[[X:.*]]: f32):
// CHECK:   memref.store %[[X]], %{{.*}}[%[[BI]]] : memref<?xf32>
// CHECK: } {at = "{{.*}}", identity = [false, -0.000000e+00 : f32], kind = [#seqfuse.fold<segmented_add>]} -> i1, f32
// CHECK: return %[[R]]#1
func.func @segmented_float(%v: memref<?xf32>, %flag: memref<?xi1>, %out: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z) -> (f32) {
    %f = memref.load %flag[%i] : memref<?xi1>
    %a = memref.load %v[%i] : memref<?xf32>
    %s = arith.addf %x, %a : f32
    %y = arith.select %f, %a, %s : f32
    memref.store %y, %out[%i] : memref<?xf32>
    scf.yield %y : f32
  }
  return %r : f32
}

// -----

// if (c[i]) m = max(m, v[i]): a masked reduction, the identity where c fails.
// CHECK-LABEL: func.func @masked_max
// CHECK: seqfuse.reduce
// CHECK:   %[[NI:.*]] = arith.constant 0xFF800000 : f32
// CHECK:   arith.select %{{.*}}, %{{.*}}, %[[NI]] : f32
// CHECK: } combiner {
// CHECK:   arith.maximumf
// CHECK: identity = [0xFF800000 : f32], kind = [#seqfuse.fold<max>]}
func.func @masked_max(%v: memref<?xf32>, %c: memref<?xi1>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%m = %z) -> (f32) {
    %f = memref.load %c[%i] : memref<?xi1>
    %a = memref.load %v[%i] : memref<?xf32>
    %s = arith.maximumf %m, %a : f32
    %y = arith.select %f, %s, %m : f32
    scf.yield %y : f32
  }
  return %r : f32
}

// -----

// y[i] = 1.5*y[i-1] + (-0.5)*y[i-2] - c[i] (cells already promoted): a linear
// system of two states. The accumulator is (M, v, leaves), M = identity at
// first; the element is the companion matrix, the constant, and the row's
// free values as they are (1.5, -0.5, c[i]); the combiner composes (m*M,
// m*v + c); the step evaluates the row as the loop wrote it from the leaves
// (the shift row is a move).
// CHECK-LABEL: func.func @order2
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: seqfuse.scan %{{.*}} to %{{.*}} init(%[[ONE]], %[[Z]], %{{.*}}, %{{.*}}, %arg3, %arg4, %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32, f32, f32, f32, f32, f32, f32) element {
// CHECK:   %[[C:.*]] = memref.load %arg0
// CHECK:   %[[NC:.*]] = arith.negf %[[C]] : f32
// CHECK:   seqfuse.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[NC]], %{{.*}}, %cst, %cst_0, %[[C]] : f32, f32, f32, f32, f32, f32, f32, f32, f32
// CHECK: } combiner {
// CHECK-COUNT-12: arith.mulf
// CHECK: } step {
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[V0:.*]]: f32, %[[V1:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[A:.*]]: f32, %[[B:.*]]: f32, %[[CI:.*]]: f32):
// CHECK:   %[[T1:.*]] = arith.mulf %[[A]], %[[V0]] : f32
// CHECK:   %[[T2:.*]] = arith.mulf %[[B]], %[[V1]] : f32
// CHECK:   %[[S1:.*]] = arith.addf %[[T1]], %[[T2]] : f32
// CHECK:   %[[S:.*]] = arith.subf %[[S1]], %[[CI]] : f32
// CHECK:   seqfuse.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[S]], %[[V0]], %[[A]], %[[B]], %[[CI]] : f32, f32, f32, f32, f32, f32, f32, f32, f32
// CHECK: } body {
// CHECK: kind = [#seqfuse.fold<linear>]
func.func @order2(%c: memref<?xf32>, %y: memref<?xf32>, %n: index, %y1: f32, %y2: f32) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %a = arith.constant 1.5 : f32
  %b = arith.constant -0.5 : f32
  %r:2 = scf.for %i = %c2 to %n step %c1 iter_args(%p = %y1, %q = %y2) -> (f32, f32) {
    %ci = memref.load %c[%i] : memref<?xf32>
    %t1 = arith.mulf %a, %p : f32
    %t2 = arith.mulf %b, %q : f32
    %s1 = arith.addf %t1, %t2 : f32
    %s = arith.subf %s1, %ci : f32
    memref.store %s, %y[%i] : memref<?xf32>
    scf.yield %s, %p : f32, f32
  }
  return
}

// -----

// x = x + a*(v[i] - x): linear in x (x read twice), not the a*x + b shape. A
// linear system of one state: the element's matrix is 1 - a (evaluated
// symbolically), its constant a*v[i]; the step re-evaluates x + a*(v - x).
// CHECK-LABEL: func.func @ema_as_written
// CHECK: seqfuse.reduce
// CHECK: element {
// CHECK:   %[[V:.*]] = memref.load
// CHECK:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:   %[[NEG:.*]] = arith.negf %[[ONE]] : f32
// CHECK:   %[[NA:.*]] = arith.mulf %[[NEG]], %arg1 : f32
// CHECK:   %[[AV:.*]] = arith.mulf %[[V]], %arg1 : f32
// CHECK:   %[[M1:.*]] = arith.addf %[[ONE]], %[[NA]] : f32
// CHECK:   seqfuse.yield %[[M1]], %[[AV]], %arg1, %[[V]] : f32, f32, f32, f32
// CHECK: } step {
// CHECK: ^bb0(%{{.*}}: f32, %[[X:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32, %[[A:.*]]: f32, %[[VV:.*]]: f32):
// CHECK:   %[[D:.*]] = arith.subf %[[VV]], %[[X]] : f32
// CHECK:   %[[M:.*]] = arith.mulf %[[A]], %[[D]] : f32
// CHECK:   %[[N:.*]] = arith.addf %[[X]], %[[M]] : f32
// CHECK:   seqfuse.yield %{{.*}}, %[[N]], %[[A]], %[[VV]] : f32, f32, f32, f32
// CHECK: kind = [#seqfuse.fold<linear>]
func.func @ema_as_written(%v: memref<?xf32>, %a: f32, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z) -> (f32) {
    %vi = memref.load %v[%i] : memref<?xf32>
    %d = arith.subf %vi, %x : f32
    %m = arith.mulf %a, %d : f32
    %y = arith.addf %x, %m : f32
    scf.yield %y : f32
  }
  return %r : f32
}

// -----

// if (v[i] < best) { best = v[i]; at = i; }: argmin with a payload, the
// loop's own strict comparison as the combiner (the first index wins on
// ties); beside it an and/or/unsigned-min reduction of integers.
// CHECK-LABEL: func.func @argmin_and_bits
// CHECK: %[[R:.*]]:5 = seqfuse.reduce %{{.*}} to %{{.*}} init(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : f32, index, i32, i32, i32) element {
// CHECK: ^bb0(%[[I:.*]]: index):
// CHECK:   %[[V:.*]] = memref.load %arg0[%[[I]]]
// CHECK:   %[[W:.*]] = memref.load %arg1[%[[I]]]
// CHECK:   seqfuse.yield %[[V]], %[[I]], %[[W]], %[[W]], %[[W]] : f32, index, i32, i32, i32
// CHECK: } combiner {
// CHECK: ^bb0(%[[KEY:.*]]: f32, %[[AT:.*]]: index, %[[A:.*]]: i32, %[[O:.*]]: i32, %[[M:.*]]: i32, %[[XK:.*]]: f32, %[[XI:.*]]: index, %[[XA:.*]]: i32, %[[XO:.*]]: i32, %[[XM:.*]]: i32):
// CHECK:   %[[WINS:.*]] = arith.cmpf olt, %[[XK]], %[[KEY]] : f32
// CHECK:   arith.select %[[WINS]], %[[XK]], %[[KEY]] : f32
// CHECK:   arith.select %[[WINS]], %[[XI]], %[[AT]] : index
// CHECK:   arith.andi %[[A]], %[[XA]] : i32
// CHECK:   arith.ori %[[O]], %[[XO]] : i32
// CHECK:   arith.minui %[[M]], %[[XM]] : i32
// CHECK: } {at = "{{.*}}", kind = [#seqfuse.fold<argmin>, #seqfuse.fold<and>, #seqfuse.fold<or>, #seqfuse.fold<minu>], seqfuse.states = ["best", "at", "a", "o", "m"]}
func.func @argmin_and_bits(%v: memref<?xf32>, %w: memref<?xi32>, %n: index) -> (index, i32, i32, i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %inf = arith.constant 0x7F800000 : f32
  %ones = arith.constant -1 : i32
  %z = arith.constant 0 : i32
  %r:5 = scf.for %i = %c0 to %n step %c1 iter_args(%best = %inf, %at = %c0, %a = %ones, %o = %z, %m = %ones) -> (f32, index, i32, i32, i32) {
    %x = memref.load %v[%i] : memref<?xf32>
    %lt = arith.cmpf olt, %x, %best : f32
    %b2 = arith.select %lt, %x, %best : f32
    %at2 = arith.select %lt, %i, %at : index
    %y = memref.load %w[%i] : memref<?xi32>
    %a2 = arith.andi %a, %y : i32
    %o2 = arith.ori %o, %y : i32
    %m2 = arith.minui %m, %y : i32
    scf.yield %b2, %at2, %a2, %o2, %m2 : f32, index, i32, i32, i32
  } {seqfuse.states = ["best", "at", "a", "o", "m"]}
  return %r#1, %r#2, %r#3, %r#4 : index, i32, i32, i32
}

// -----

// x = max(x + v[i], 0) (Kadane's running sum, max-plus): an add-then-clamp
// fold. Element (a, l, h) = (-0 + v, max(-inf + v, 0), max(+inf + v, 0))
// then the leaves; the step re-evaluates the loop's own max(x + v, 0).
// CHECK-LABEL: func.func @max_plus
// CHECK: seqfuse.scan
// CHECK: } combiner {
// CHECK: arith.minimumf
// CHECK: } step {
// Accumulator (A, L, H, x, leaves 0 and v), then the element, the same.
// CHECK: ^bb0(%{{[a-z0-9]+}}: f32, %{{[a-z0-9]+}}: f32, %{{[a-z0-9]+}}: f32, %[[S:[a-z0-9]+]]: f32, {{.*}}, %[[Z:[a-z0-9]+]]: f32, %[[V:[a-z0-9]+]]: f32):
// CHECK:   %[[SUM:.*]] = arith.addf %[[S]], %[[V]] : f32
// CHECK:   %[[NEW:.*]] = arith.maximumf %[[SUM]], %[[Z]] : f32
// CHECK:   seqfuse.yield %{{.*}}, %{{.*}}, %{{.*}}, %[[NEW]], %[[Z]], %[[V]]
// CHECK: kind = [#seqfuse.fold<clamp>]
func.func @max_plus(%v: memref<?xf32>, %out: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z) -> (f32) {
    %a = memref.load %v[%i] : memref<?xf32>
    %s = arith.addf %x, %a : f32
    %m = arith.maximumf %s, %z : f32
    memref.store %m, %out[%i] : memref<?xf32>
    scf.yield %m : f32
  }
  return %r : f32
}

// -----

// x = min(x, c) after x + v is a clamp too, but c - x (slope -1) and
// max(x + v, x) (x reached twice) are not: they stay loops.
// CHECK-LABEL: func.func @not_clamps
// CHECK-NOT: seqfuse.scan
// CHECK-NOT: seqfuse.reduce
func.func @not_clamps(%v: memref<?xf32>) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %n = memref.dim %v, %c0 : memref<?xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%x = %z, %y = %z) -> (f32, f32) {
    %a = memref.load %v[%i] : memref<?xf32>
    %d = arith.subf %a, %x : f32
    %m = arith.maximumf %d, %z : f32
    %s = arith.addf %y, %a : f32
    %m2 = arith.maximumf %s, %y : f32
    scf.yield %m, %m2 : f32, f32
  }
  return %r#0, %r#1 : f32, f32
}
