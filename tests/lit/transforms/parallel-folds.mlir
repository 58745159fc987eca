// RUN: seqfuse-opt --seqfuse-lower-patterns="parallel-folds=1 chunk=16 group=4 cutoff=64" --split-input-file %s | FileCheck %s
// The chunk loops' direct indices are proven in range: no check is inserted,
// and seqfuse-parallelize-maps keeps the parallel form and records it.
// RUN: seqfuse-opt --seqfuse-lower-patterns="parallel-folds=1" --seqfuse-insert-runtime-checks --seqfuse-parallelize-maps --split-input-file %s | FileCheck %s --check-prefix=KEPT
// The whole pipeline takes it to OpenMP and the LLVM dialect.
// RUN: seqfuse-opt --seqfuse-cpu-pipeline --split-input-file %s | FileCheck %s --check-prefix=LLVM

// An integer scan: phase 1 (summaries) and phase 3 (each chunk from its
// carry) are scf.parallel over the group's chunks; phase 2 is a loop in chunk
// order. No NaN test for integers.
// CHECK-LABEL: func.func @cumsum_i32
// CHECK-DAG: %[[SUMS:.*]] = memref.alloca() : memref<4xi32>
// CHECK-DAG: %[[CARRIES:.*]] = memref.alloca() : memref<4xi32>
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %{{.*}}, %c64
// CHECK: scf.if %[[BIG]] -> (i32) {
// CHECK: scf.for %[[G:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (i32) {
// CHECK: scf.parallel (%[[C:.*]]) =
// CHECK: %[[ID:.*]] = arith.constant 0 : i32
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %[[ID]]) -> (i32) {
// CHECK: memref.store %{{.*}}, %[[SUMS]][%[[C]]] {seqfuse.in_bounds}
// CHECK: scf.for %[[C2:.*]] = %{{.*}} iter_args(%[[A:.*]] = %[[ACC]]) -> (i32) {
// CHECK-NEXT: memref.store %[[A]], %[[CARRIES]][%[[C2]]] {seqfuse.in_bounds}
// CHECK-NEXT: memref.load %[[SUMS]][%[[C2]]] {seqfuse.in_bounds}
// CHECK-NEXT: arith.addi
// CHECK: scf.parallel (%[[C3:.*]]) =
// CHECK: %[[FROM:.*]] = memref.load %[[CARRIES]][%[[C3]]] {seqfuse.in_bounds}
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %[[FROM]]) -> (i32) {
// CHECK: memref.store
// CHECK: } else {
// CHECK: scf.for
// CHECK: } {seqfuse.at = "a.cpp:3", seqfuse.lowered = "scan"}
// KEPT: module attributes {seqfuse.algorithms = [{algorithm = "parallel: blocked reduce-then-scan, chunks of 16384 iterations{{.*}}exact: the loop's result bit for bit", at = "a.cpp:3", pattern = "scan"}]}
// KEPT-NOT: seqfuse_rt_check_failed
// KEPT-NOT: seqfuse.lowered =
// LLVM: omp.parallel
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
  } {kind = "add", identity = [0 : i32], at = "a.cpp:3"} -> i32
  return %r : i32
}

// -----

// A float reduction that may be reassociated: summaries with reassoc flags,
// then a non-finite test over summaries and carries; a group where it fails
// runs as one chunk from its start (its result taken from `ends`).
// CHECK-LABEL: func.func @sum_f32
// CHECK: scf.parallel
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK: arith.subf
// CHECK: arith.cmpf uno
// CHECK: %[[LOOPS:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[LOOPS]])
// CHECK: arith.select
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
  } {kind = "add", identity = [-0.0 : f32], fp = "reassociate", at = "a.cpp:9"} -> f32
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
  } {fp = "strict"} -> f32
  return %r : f32
}

// -----

// Without an identity (select-by-order), a chunk's summary starts from its
// first element: a loop over [lo, min(lo + 1, hi)), in range for the checks.
// Reverse: i = lb + ub - 1 - k in every phase.
// CHECK-LABEL: func.func @argmax_reverse
// CHECK: %[[BASE:.*]] = arith.subi %{{.*}}, %c1
// CHECK: scf.parallel
// CHECK: %[[NEXT:.*]] = arith.addi %[[LO:.*]], %c1_{{[0-9]+}} : index
// CHECK: %[[END:.*]] = arith.minsi %[[NEXT]], %{{.*}}
// CHECK: scf.for %[[K:.*]] = %[[LO]] to %[[END]]
// CHECK-NEXT: arith.subi %[[BASE]], %[[K]]
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
  } {reverse, kind = "argmax", at = "a.cpp:20"} -> i64, index
  return %r#0, %r#1 : i64, index
}
