// RUN: seqfuse-opt --seqfuse-lower-patterns="parallel-scatters=1 chunk=16 group=4 cutoff=64" --split-input-file %s | FileCheck %s
// Checked mode: the element's own accesses are proven in range and the
// private copies' by construction, so seqfuse-parallelize-maps keeps the
// parallel form; only the loop after it (from the first index out of range)
// checks.
// RUN: seqfuse-opt --seqfuse-lower-patterns="parallel-scatters=1" --seqfuse-insert-runtime-checks --seqfuse-parallelize-maps --split-input-file %s | FileCheck %s --check-prefix=KEPT
// RUN: seqfuse-opt --seqfuse-cpu-pipeline --split-input-file %s | FileCheck %s --check-prefix=LLVM

// A histogram. From 64 iterations, with blocks = min(4, n / (4 x bins)) >= 2:
// each block of iterations adds into its own copy (from the identity, 0) and
// stops at its first index out of range; the copies are merged in block order
// up to the first block that stopped; the loop goes on from there.
// CHECK-LABEL: func.func @hist
// CHECK: %[[STOPS:.*]] = memref.alloca() : memref<4xindex>
// CHECK: %[[ROOM:.*]] = arith.divsi %{{.*}}, %{{.*}} {seqfuse.in_bounds} : index
// CHECK: %[[BLOCKS:.*]] = arith.minsi %[[ROOM]], %c4
// CHECK: %[[FROM:.*]] = scf.if %{{.*}} -> (index) {
// CHECK: %[[PRIV:.*]] = memref.alloc(%{{.*}}) : memref<?xi64>
// CHECK: scf.parallel (%[[B:.*]]) = (%{{.*}}) to (%[[BLOCKS]])
// CHECK: memref.store %c0_i64, %[[PRIV]][%{{.*}}] {seqfuse.in_bounds}
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : index
// CHECK: memref.load %[[PRIV]][%{{.*}}] {seqfuse.in_bounds}
// CHECK: arith.addi
// CHECK: memref.store %{{.*}}, %[[PRIV]][%{{.*}}] {seqfuse.in_bounds}
// CHECK: memref.store %{{.*}}, %[[STOPS]][%[[B]]] {seqfuse.in_bounds}
// CHECK: %[[MERGE:.*]]:3 = scf.for {{.*}} -> (index, index, i1)
// CHECK: memref.load %[[STOPS]]
// CHECK: scf.parallel
// CHECK: memref.load %arg0[%{{.*}}] {seqfuse.in_bounds}
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[MERGE]]#0
// CHECK: memref.store %{{.*}}, %arg0[%{{.*}}] {seqfuse.in_bounds}
// CHECK: memref.dealloc %[[PRIV]]
// CHECK: scf.yield %[[MERGE]]#1 : index
// CHECK: } {seqfuse.algorithm = "parallel: private copies of the target for up to 4 fixed blocks{{.*}}<= n/4, two at least){{.*}}exact: the loop's result bit for bit; else the loop", seqfuse.at = "a.cpp:4", seqfuse.lowered = "scatter_combine", seqfuse.trip = {{[0-9]+}} : i64}
// CHECK: scf.for %{{.*}} = %[[FROM]] to
// KEPT: module attributes {seqfuse.algorithms = [{algorithm = "parallel: private copies{{.*}}", at = "a.cpp:4", pattern = "scatter_combine"}]
// KEPT-LABEL: func.func @hist
// KEPT: scf.parallel
// KEPT-NOT: seqfuse_rt_check_failed
// KEPT: scf.parallel
// KEPT-NOT: seqfuse_rt_check_failed
// KEPT: memref.dealloc
// KEPT: func.call @seqfuse_rt_check_failed
// LLVM-LABEL: llvm.func @hist
// LLVM: llvm.call @malloc
// LLVM: omp.parallel
// LLVM: omp.parallel
// LLVM: llvm.call @free
func.func @hist(%h: memref<?xi64>, %idx: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %idx, %c0 : memref<?xindex>
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xindex>
    %one = arith.constant 1 : i64
    seqfuse.yield %j, %one : index, i64
  } combiner {
  ^bb0(%old: i64, %x: i64):
    %s = arith.addi %old, %x : i64
    seqfuse.yield %s : i64
  } {at = "a.cpp:4"}
  return
}

// -----

// A last-writer-wins scatter into a 2-D target: each copy holds the last
// iteration that wrote an element, as an i32 offset from its block's start
// (-1: none); the merge takes the last block's that wrote it and, where some
// iteration did, stores that iteration's value. With fewer than two blocks (a
// target larger than n/8), owner-computes: the target as one dimension in
// as many ranges of whole 64-byte lines as there are threads (at most 4);
// each owner runs every iteration in blocks of 256 (all indices in range
// first, then the writes, with no check), and stores an element another
// owner has into its own slot: a select of the memref and the index.
// CHECK-LABEL: func.func @scatter2d
// CHECK: %[[SLOTS:.*]] = memref.alloca() : memref<128xf32>
// CHECK: %[[BLOCKS:.*]] = arith.minsi %{{.*}}, %c4 : index
// CHECK: %[[ENOUGH:.*]] = arith.cmpi sge, %[[BLOCKS]], %c2
// CHECK: %[[I32:.*]] = arith.cmpi slt, %{{.*}}, %c2147483647
// CHECK: %[[COPIES:.*]] = arith.andi %[[ENOUGH]], %[[I32]]
// CHECK: %[[THREADS:.*]] = call @omp_get_max_threads() : () -> i32
// CHECK: %[[T:.*]] = arith.index_cast %[[THREADS]]
// CHECK: %[[FROM:.*]] = scf.if %{{.*}} -> (index) {
// CHECK: scf.if %[[COPIES]] -> (index) {
// CHECK: %[[PRIV:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
// CHECK: scf.parallel
// CHECK: memref.store %c-1_i32, %[[PRIV]]
// CHECK: %[[OFF:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: memref.store %[[OFF]], %[[PRIV]]
// CHECK: scf.parallel
// CHECK: arith.remui %{{.*}}, %{{.*}} {seqfuse.in_bounds} : index
// CHECK: arith.divui %{{.*}}, %{{.*}} {seqfuse.in_bounds} : index
// CHECK: %[[LAST:.*]] = scf.for {{.*}} -> (index)
// CHECK: memref.load %[[PRIV]]
// CHECK: arith.cmpi sge, %{{.*}}, %c0_i32
// CHECK: arith.select
// CHECK: %[[WROTE:.*]] = arith.cmpi sge, %[[LAST]]
// CHECK: scf.if %[[WROTE]] {
// CHECK: %[[V:.*]] = memref.load %arg3
// CHECK: memref.store %[[V]], %arg0[%{{.*}}, %{{.*}}] {seqfuse.in_bounds} : memref<?x?xf32>
// CHECK: } else {
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %arg0 {{\[\[}}0, 1]] : memref<?x?xf32> into memref<?xf32>
// CHECK: %[[SPARE:.*]] = memref.cast %[[SLOTS]] : memref<128xf32> to memref<?xf32>
// CHECK: scf.parallel
// CHECK: scf.while
// CHECK: arith.addi %{{.*}}, %c256
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (i1)
// CHECK: arith.cmpi ult
// CHECK: arith.andi
// CHECK: scf.if
// CHECK: scf.for
// CHECK: %[[OFF:.*]] = arith.subi
// CHECK-NEXT: %[[MINE:.*]] = arith.cmpi ult, %[[OFF]]
// CHECK-NEXT: %[[MEM:.*]] = arith.select %[[MINE]], %[[FLAT]], %[[SPARE]] : memref<?xf32>
// CHECK: %[[AT:.*]] = arith.select %[[MINE]], %{{.*}}, %{{.*}} : index
// CHECK: memref.store %{{.*}}, %[[MEM]][%[[AT]]] {seqfuse.in_bounds} : memref<?xf32>
// CHECK: } {seqfuse.algorithm = "parallel: private copies{{.*}}<= n/8, two at least){{.*}}(the last block that wrote an element wins){{.*}}exact: the loop's result bit for bit; with fewer than two blocks, owner-computes{{.*}}; else the loop", seqfuse.at = "a.cpp:9", seqfuse.lowered = "scatter", seqfuse.trip = {{[0-9]+}} : i64}
// CHECK: scf.for %{{.*}} = %[[FROM]] to
func.func @scatter2d(%t: memref<?x?xf32>, %r: memref<?xindex>, %c: memref<?xindex>, %v: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %r, %c0 : memref<?xindex>
  seqfuse.scatter %c0 to %n into %t : memref<?x?xf32> element {
  ^bb0(%i: index):
    %j = memref.load %r[%i] : memref<?xindex>
    %k = memref.load %c[%i] : memref<?xindex>
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %j, %k, %x : index, index, f32
  } {at = "a.cpp:9"}
  return
}

// -----

// Float + may not be regrouped under strict_fp; a combiner without a neutral
// value has no private copies to start from: both keep the loop.
// CHECK-LABEL: func.func @strict_hist
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @strict_hist(%h: memref<?xf32>, %idx: memref<?xindex>, %w: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %idx, %c0 : memref<?xindex>
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xf32> element {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xindex>
    %x = memref.load %w[%i] : memref<?xf32>
    seqfuse.yield %j, %x : index, f32
  } combiner {
  ^bb0(%old: f32, %x: f32):
    %s = arith.addf %old, %x : f32
    seqfuse.yield %s : f32
  } {at = "a.cpp:14", fp = #seqfuse.fp<strict>}
  return
}

// -----

// Checked mode, a gather in the element: the loop after the private copies
// checks v[src[i]]; a parallel read-only pass finds its first failing
// iteration K first, and the copies' trip count becomes K - lb (the subi
// tagged seqfuse.trip), so they cover [lb, K) without checks and the loop
// raises at K.
// KEPT: {algorithm = "parallel: private copies{{.*}}; its run-time checks first, in a parallel read-only pass{{.*}}", at = "a.cpp:20", pattern = "scatter"}
// KEPT-LABEL: func.func @gather_scatter
// KEPT: %[[K:.*]] = scf.if %{{.*}} -> (index) {
// KEPT: memref.alloc(%{{.*}}) : memref<?xindex>
// KEPT: } else {
// KEPT: %[[SPAN:.*]] = arith.subi %[[K]], %c0 : index
// KEPT: %[[FROM:.*]] = scf.if %{{.*}} -> (index) {
// KEPT-NOT: seqfuse_rt_check_failed
// KEPT: scf.for %{{.*}} = %[[FROM]] to
// KEPT: func.call @seqfuse_rt_check_failed
func.func @gather_scatter(%t: memref<?xf32>, %dst: memref<?xindex>, %src: memref<?xindex>, %v: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %dst, %c0 : memref<?xindex>
  seqfuse.scatter %c0 to %n into %t : memref<?xf32> element {
  ^bb0(%i: index):
    %j = memref.load %dst[%i] : memref<?xindex>
    %s = memref.load %src[%i] : memref<?xindex>
    %x = memref.load %v[%s] : memref<?xf32>
    seqfuse.yield %j, %x : index, f32
  } {at = "a.cpp:20"}
  return
}
