// RUN: seqfuse-opt --seqfuse-lower-patterns="parallel-folds=1 chunk=16 group=4 cutoff=64" --split-input-file %s | FileCheck %s
// The chunk loops' direct indices are proven in range: no check is inserted,
// and seqfuse-parallelize-maps keeps the parallel form and records it.
// RUN: seqfuse-opt --seqfuse-lower-patterns="parallel-folds=1" --seqfuse-insert-runtime-checks --seqfuse-parallelize-maps --split-input-file %s | FileCheck %s --check-prefix=KEPT
// With simd=8, scans of one accumulator step 8 iterations at a time in
// registers (lanes of 16 iterations here).
// RUN: seqfuse-opt --seqfuse-lower-patterns="parallel-folds=1 chunk=64 group=4 cutoff=256 simd=8" --split-input-file %s | FileCheck %s --check-prefix=SIMD
// The whole pipeline takes it to OpenMP and the LLVM dialect.
// RUN: seqfuse-opt --seqfuse-cpu-pipeline --split-input-file %s | FileCheck %s --check-prefix=LLVM

// An integer scan. From 64 iterations, the full chunks (16 iterations, 4
// lanes of 4) run in groups of 4 chunks (scf.while, until a group is not
// finite): lane summaries in an scf.parallel, carries in lane order, then each
// lane's loop from its carry in an scf.parallel; the loop does the rest (all
// of it below the cutoff). No finiteness test for integers.
// CHECK-LABEL: func.func @cumsum_i32
// CHECK-DAG: %[[SUMS:.*]] = memref.alloca() : memref<16xi32>
// CHECK-DAG: %[[CARRIES:.*]] = memref.alloca() : memref<16xi32>
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %{{.*}}, %c64
// CHECK: %[[FROM:.*]]:2 = scf.if %[[BIG]] -> (index, i32) {
// CHECK: %[[FULL:.*]] = arith.muli %{{.*}}, %c16 : index
// CHECK: %[[MID:.*]] = arith.addi %c0, %[[FULL]] : index
// CHECK: scf.while (%{{.*}} = %c0, %{{.*}} = %c0_i32, %{{.*}} = %false)
// CHECK: arith.cmpi slt, %{{.*}}, %[[MID]] : index
// CHECK: } do {
// CHECK: scf.parallel (%[[C:.*]]) =
// CHECK: scf.for %{{.*}} = %{{.*}} to %c4 step %{{.*}} iter_args({{.*}}) -> (i32, i32, i32, i32) {
// CHECK: memref.load %{{.*}} {seqfuse.in_bounds} : memref<?xi32>
// CHECK: memref.store %{{.*}}, %[[SUMS]][%{{.*}}] {seqfuse.in_bounds}
// CHECK: scf.for %[[Q:.*]] = %{{.*}} iter_args(%[[A:.*]] = %{{.*}}, %{{.*}} = %{{.*}}) -> (i32, i1) {
// CHECK-NEXT: memref.store %[[A]], %[[CARRIES]][%[[Q]]] {seqfuse.in_bounds}
// CHECK-NEXT: memref.load %[[SUMS]][%[[Q]]] {seqfuse.in_bounds}
// CHECK-NEXT: arith.addi
// CHECK: scf.parallel
// CHECK: memref.load %[[CARRIES]]
// CHECK: scf.for {{.*}} -> (i32, i32, i32, i32) {
// CHECK: memref.store %{{.*}}, %{{.*}} {seqfuse.in_bounds} : memref<?xi32>
// CHECK: } else {
// CHECK-NEXT: scf.yield %c0, %c0_i32 : index, i32
// CHECK: } {seqfuse.algorithm = "parallel: blocked reduce-then-scan over chunks of 16 iterations, 4 lanes of 4 per thread{{.*}}exact: the loop's result bit for bit", seqfuse.at = "a.cpp:3", seqfuse.lowered = "scan", seqfuse.trip = {{[0-9]+}} : i64}
// CHECK: scf.for %{{.*}} = %[[FROM]]#0 to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[FROM]]#1) -> (i32) {
// KEPT: module attributes {seqfuse.algorithms = [{algorithm = "parallel: blocked reduce-then-scan over chunks of 16384 iterations{{.*}}exact: the loop's result bit for bit", at = "a.cpp:3", pattern = "scan"}]}
// KEPT-NOT: seqfuse_rt_check_failed
// KEPT-NOT: seqfuse.lowered =
// LLVM: omp.parallel
// The in-register step: one vector.load of the 8 elements, Sklansky's tree
// (step 1: odd lanes take the lane before; step 2: lanes 2-3 and 6-7 take
// lane 1 and 5; step 4: lanes 4-7 take lane 3), each step's combine masked
// by a select, the lane's carry broadcast and combined in front, and the body
// once per lane in order.
// SIMD-LABEL: func.func @cumsum_i32
// SIMD: scf.parallel
// SIMD: scf.parallel
// SIMD: scf.for %{{.*}} = %{{.*}} to %c16 step %c8
// SIMD: %[[E:.*]] = vector.load %{{.*}}[%{{.*}}] : memref<?xi32>, vector<8xi32>
// SIMD: %[[S1:.*]] = vector.shuffle %[[E]], %[[E]] [0, 0, 2, 2, 4, 4, 6, 6]
// SIMD: %[[C1:.*]] = arith.addi %[[S1]], %[[E]] : vector<8xi32>
// SIMD: %[[E1:.*]] = arith.select %{{.*}}, %[[C1]], %[[E]] : vector<8xi1>, vector<8xi32>
// SIMD: vector.shuffle %[[E1]], %[[E1]] [0, 1, 1, 1, 4, 5, 5, 5]
// SIMD: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 3, 3, 3, 3]
// SIMD: %[[B:.*]] = vector.broadcast %{{.*}} : i32 to vector<8xi32>
// SIMD: %[[R:.*]] = arith.addi %[[B]], %{{.*}} : vector<8xi32>
// SIMD: %[[L0:.*]] = vector.extract %[[R]][0] : i32 from vector<8xi32>
// SIMD-NEXT: memref.store %[[L0]], %{{.*}}[%{{.*}}] {seqfuse.in_bounds} : memref<?xi32>
// SIMD-COUNT-7: vector.extract %[[R]]
// SIMD: 8 iterations at a time in registers: a log-step scan of their elements, combined after the carry
// SIMD-SAME: the rest (all of it below that) 8 iterations at a time in registers as in the lanes, the loop for the last ones; exact
// The rest: whole steps of 8 from where the parallel form stopped (an
// integer scan never stops early), then the loop for the last n mod 8.
// SIMD: %[[WHOLE:.*]] = arith.andi %{{.*}}, %c-8 : index
// SIMD: %[[MIDT:.*]] = arith.addi %[[START:.*]]#0, %[[WHOLE]] : index
// SIMD: %[[STEPS:.*]]:3 = scf.while (%{{.*}} = %[[START]]#0, %{{.*}} = %[[START]]#1, %{{.*}} = %false)
// SIMD: arith.cmpi slt, %{{.*}}, %[[MIDT]] : index
// SIMD: vector.load %{{.*}} : memref<?xi32>, vector<8xi32>
// SIMD: vector.extract
// SIMD: scf.for %{{.*}} = %[[STEPS]]#0 to %{{.*}} step %c1 iter_args(%{{.*}} = %[[STEPS]]#1) -> (i32) {
func.func @cumsum_i32(%v: memref<?xi32> {seqfuse.dims = ["n"]}, %out: memref<?xi32> {seqfuse.dims = ["n"]}) -> i32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xi32>
  %zero = arith.constant 0 : i32
  %r = seqfuse.scan %c0 to %n init(%zero : i32) element {
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
  } {kind = [#seqfuse.fold<add>], identity = [0 : i32], at = "a.cpp:3"} -> i32
  return %r : i32
}

// -----

// A loopReverse scan: its element reads v[n - 1 - i], computed in the
// element. Lane j of a step reads n - 1 - (k + j): one vector load from
// n - 1 - k - 7, reversed; the same in the lanes and in the steps after.
// SIMD-LABEL: func.func @suffix_i32
// SIMD: %[[LOW:.*]] = arith.subi %{{.*}}, %c7{{.*}} : index
// SIMD: %[[E:.*]] = vector.load %{{.*}}[%[[LOW]]] : memref<?xi32>, vector<8xi32>
// SIMD: vector.shuffle %[[E]], %[[E]] [7, 6, 5, 4, 3, 2, 1, 0]
// SIMD: scf.while
// SIMD: vector.load
// SIMD: vector.shuffle %{{.*}}, %{{.*}} [7, 6, 5, 4, 3, 2, 1, 0]
func.func @suffix_i32(%v: memref<?xi32> {seqfuse.dims = ["n"]}, %out: memref<?xi32> {seqfuse.dims = ["n"]}) -> i32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xi32>
  %last = arith.subi %n, %c1 : index
  %zero = arith.constant 0 : i32
  %r = seqfuse.scan %c0 to %n init(%zero : i32) element {
  ^bb0(%i: index):
    %j = arith.subi %last, %i : index
    %x = memref.load %v[%j] : memref<?xi32>
    seqfuse.yield %x : i32
  } combiner {
  ^bb0(%acc: i32, %x: i32):
    %s = arith.addi %acc, %x : i32
    seqfuse.yield %s : i32
  } body {
  ^bb0(%i: index, %acc: i32):
    %j = arith.subi %last, %i : index
    memref.store %acc, %out[%j] : memref<?xi32>
    seqfuse.yield
  } {kind = [#seqfuse.fold<add>], identity = [0 : i32], at = "a.cpp:5"} -> i32
  return %r : i32
}

// -----

// A float reduction that may be reassociated: lane summaries with reassoc
// flags, then a finiteness test of every summary and carry; the while loop
// stops at a group where it fails, and the loop goes on from there.
// CHECK-LABEL: func.func @sum_f32
// CHECK: scf.parallel
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK: scf.for {{.*}} -> (f32, i1)
// CHECK: arith.subf
// CHECK: arith.cmpf uno
// CHECK: %[[BAD:.*]] = arith.ori
// CHECK: %[[AT:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK: scf.yield %[[AT]], %{{.*}} : index, f32, i1
// KEPT: floats reassociated in that fixed grouping
func.func @sum_f32(%v: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %r = seqfuse.reduce %c0 to %n init(%zero : f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%acc: f32, %x: f32):
    %s = arith.addf %acc, %x : f32
    seqfuse.yield %s : f32
  } {kind = [#seqfuse.fold<add>], identity = [-0.0 : f32], fp = #seqfuse.fp<reassociate>, at = "a.cpp:9"} -> f32
  return %r : f32
}

// -----

// strict_fp: the loop only.
// CHECK-LABEL: func.func @strict
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @strict(%v: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %r = seqfuse.reduce %c0 to %n init(%zero : f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%acc: f32, %x: f32):
    %s = arith.addf %acc, %x : f32
    seqfuse.yield %s : f32
  } {fp = #seqfuse.fp<strict>} -> f32
  return %r : f32
}

// -----

// Without an identity (select-by-order), a lane's summary starts from its
// first element. Reverse: i = lb + ub - 1 - k in every phase.
// CHECK-LABEL: func.func @argmax_reverse
// CHECK: %[[BASE:.*]] = arith.subi %{{.*}}, %c1
// CHECK: scf.parallel
// CHECK: %[[K0:.*]] = arith.addi %{{.*}}, %c0_{{[0-9]+}} : index
// CHECK: %[[I0:.*]] = arith.subi %[[BASE]], %[[K0]] : index
// CHECK: memref.load %{{.*}}[%[[I0]]] {seqfuse.in_bounds}
// CHECK: scf.for %{{.*}} = %c1{{.*}} to %c4
// KEPT: at = "a.cpp:20", pattern = "reduce"
// KEPT-NOT: seqfuse_rt_check_failed
func.func @argmax_reverse(%v: memref<?xi64>) -> (i64, index) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xi64>
  %lo = arith.constant -9223372036854775808 : i64
  %r:2 = seqfuse.reduce %c0 to %n init(%lo, %c0 : i64, index) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xi64>
    seqfuse.yield %x, %i : i64, index
  } combiner {
  ^bb0(%k: i64, %at: index, %xk: i64, %xat: index):
    %w = arith.cmpi sgt, %xk, %k : i64
    %nk = arith.select %w, %xk, %k : i64
    %nat = arith.select %w, %xat, %at : index
    seqfuse.yield %nk, %nat : i64, index
  } {reverse, kind = [#seqfuse.fold<argmax>], at = "a.cpp:20"} -> i64, index
  return %r#0, %r#1 : i64, index
}

// -----

// A reverse running max over floats: the 8 elements are loaded from the
// lowest iteration and reversed, so lane j is iteration i0 - j.
// SIMD-LABEL: func.func @runmax_reverse
// SIMD: %[[V:.*]] = vector.load %{{.*}}[%{{.*}}] : memref<?xf32>, vector<8xf32>
// SIMD: vector.shuffle %[[V]], %[[V]] [7, 6, 5, 4, 3, 2, 1, 0]
// SIMD: arith.maximumf %{{.*}}, %{{.*}} : vector<8xf32>
func.func @runmax_reverse(%v: memref<?xf32> {seqfuse.dims = ["n"]}, %out: memref<?xf32> {seqfuse.dims = ["n"]}) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %low = arith.constant 0xFF800000 : f32
  %r = seqfuse.scan %c0 to %n init(%low : f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%acc: f32, %x: f32):
    %m = arith.maximumf %acc, %x : f32
    seqfuse.yield %m : f32
  } body {
  ^bb0(%i: index, %acc: f32):
    memref.store %acc, %out[%i] : memref<?xf32>
    seqfuse.yield
  } {reverse, kind = [#seqfuse.fold<max>], identity = [0xFF800000 : f32], at = "a.cpp:30"} -> f32
  return %r : f32
}

// -----

// Two accumulators (an affine pair): the log-step would compose both slots
// where the loop's step updates one, which measured slower; scalar lanes.
// SIMD-LABEL: func.func @affine_pair
// SIMD-NOT: vector.
// SIMD: 4 lanes of 16 per thread
// SIMD-SAME: then each lane's loop from its carry
func.func @affine_pair(%a: memref<?xf32> {seqfuse.dims = ["n"]}, %b: memref<?xf32> {seqfuse.dims = ["n"]}, %out: memref<?xf32> {seqfuse.dims = ["n"]}) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %r:2 = seqfuse.scan %c0 to %n init(%one, %zero : f32, f32) element {
  ^bb0(%i: index):
    %x = memref.load %a[%i] : memref<?xf32>
    %y = memref.load %b[%i] : memref<?xf32>
    seqfuse.yield %x, %y : f32, f32
  } combiner {
  ^bb0(%pa: f32, %pb: f32, %xa: f32, %xb: f32):
    %na = arith.mulf %xa, %pa : f32
    %t = arith.mulf %xa, %pb : f32
    %nb = arith.addf %t, %xb : f32
    seqfuse.yield %na, %nb : f32, f32
  } body {
  ^bb0(%i: index, %sa: f32, %sb: f32):
    memref.store %sb, %out[%i] : memref<?xf32>
    seqfuse.yield
  } {kind = [#seqfuse.fold<affine>], identity = [1.0 : f32, -0.0 : f32], fp = #seqfuse.fp<reassociate>, at = "a.cpp:40"} -> f32, f32
  return %r#1 : f32
}
