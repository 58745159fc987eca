// RUN: seqfuse-opt --seqfuse-distribute-ranks="dim=n checked=0" --split-input-file %s | FileCheck %s
// Checked mode: each op's checks first, in a read-only pass over this rank's
// iterations; the first failing one agreed (all-reduce min); its rank runs it
// checked.
// RUN: seqfuse-opt --seqfuse-distribute-ranks="dim=n checked=1" --split-input-file %s | FileCheck %s --check-prefix=CHECKED
// The CPU pipeline's stages after "fused" (as Target::ranks() runs them)
// take it to OpenMP and the LLVM dialect; the distribution's own divisions
// make no check.
// RUN: seqfuse-opt --seqfuse-distribute-ranks="dim=n" --seqfuse-lower-patterns="parallel-folds=1 parallel-scatters=1" --seqfuse-insert-runtime-checks --seqfuse-parallelize-maps --canonicalize --cse --seqfuse-parallel-to-openmp --convert-scf-to-cf --canonicalize --convert-to-llvm --reconcile-unrealized-casts --split-input-file %s | FileCheck %s --check-prefix=LLVM

// A scan over the distributed rows: this rank's positions from the plan; the
// summaries of the runs it ends (a run begun on the rank before goes on from
// the state received); every run's summary all-gathered; the carries in run
// order; the rescans from the carries; from a run whose floats are not
// finite, a pipeline in rank order (results broadcast by the last rank).
// CHECK-LABEL: func.func @cumsum
// CHECK: call @seqfuse_mpi_plan
// CHECK: call @seqfuse_mpi_run_length
// CHECK: scf.if
// CHECK: call @seqfuse_mpi_send
// CHECK: scf.parallel
// CHECK: call @seqfuse_mpi_recv
// CHECK: call @seqfuse_mpi_gather_runs
// CHECK: scf.for {{.*}} -> (f32, index)
// CHECK: arith.cmpf uno
// CHECK: scf.parallel
// CHECK: call @seqfuse_mpi_bcast
// CHECK-NOT: seqfuse.scan
// CHECK: return
// CHECKED-LABEL: func.func @cumsum
// CHECKED: scf.parallel
// CHECKED: arith.cmpi uge, %{{.*}}, %{{.*}} : index
// CHECKED: memref.store {{.*}} {seqfuse.in_bounds} : memref<?xindex>
// CHECKED: call @seqfuse_mpi_allreduce_min
// CHECKED: call @seqfuse_mpi_gather_runs
// CHECKED: call @seqfuse_mpi_row_owner
// CHECKED: call @seqfuse_mpi_expect_failure
// CHECKED: memref.load %arg0[%{{.*}}] : memref<?xf32>
// CHECKED: call @seqfuse_mpi_failure_missing
// CHECKED: call @seqfuse_mpi_fail_at
// CHECKED-LABEL: func.func @hist_and_map
// LLVM-NOT: divide-by-zero
// LLVM-LABEL: llvm.func @cumsum
// LLVM: llvm.call @seqfuse_mpi_gather_runs
// LLVM: omp.parallel
module attributes {} {
func.func @cumsum(%v: memref<?xf32> {seqfuse.dims = ["n#0"], seqfuse.name = "v"},
                  %out: memref<?xf32> {seqfuse.dims = ["n#0"], seqfuse.name = "out"}) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %last = seqfuse.scan %c0 to %n init(%zero : f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%acc: f32, %x: f32):
    %s = arith.addf %acc, %x : f32
    seqfuse.yield %s : f32
  } body {
  ^bb0(%i: index, %acc: f32):
    memref.store %acc, %out[%i] : memref<?xf32>
    seqfuse.yield
  } {kind = [#seqfuse.fold<add>], identity = [0.0 : f32], fp = #seqfuse.fp<reassociate>, at = "a.cpp:3"} -> f32
  return %last : f32
}
}

// -----

// A histogram into a target every rank holds (its first dimension is not
// n): integer +, so a private copy per rank, all-reduced, then added. A map
// runs on this rank's rows. A load of one row outside the ops is made by the
// row's rank and broadcast.
// CHECK: module attributes {seqfuse.algorithms
// CHECK-SAME: a private copy of the target per rank, all-reduced
// CHECK-SAME: each rank the iterations of its rows
// CHECK-LABEL: func.func @hist_and_map
// CHECK: call @seqfuse_mpi_row_owner
// CHECK: call @seqfuse_mpi_bcast
// CHECK: call @seqfuse_mpi_plan
// CHECK: memref.alloc(%{{.*}}) : memref<?xi64>
// CHECK: call @seqfuse_mpi_allreduce(
// CHECK: seqfuse.map
module attributes {} {
func.func @hist_and_map(%h: memref<?xi64> {seqfuse.dims = ["?"], seqfuse.name = "h"},
                        %bin: memref<?xindex> {seqfuse.dims = ["n#0"], seqfuse.name = "bin"},
                        %out: memref<?xi64> {seqfuse.dims = ["n#0"], seqfuse.name = "out"},
                        %first: memref<1xi64> {seqfuse.dims = ["1"], seqfuse.name = "first"}) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %bin, %c0 : memref<?xindex>
  %b0 = memref.load %bin[%c0] : memref<?xindex>
  %b0i = arith.index_cast %b0 : index to i64
  memref.store %b0i, %first[%c0] : memref<1xi64>
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
  ^bb0(%i: index):
    %j = memref.load %bin[%i] : memref<?xindex>
    %one = arith.constant 1 : i64
    seqfuse.yield %j, %one : index, i64
  } combiner {
  ^bb0(%old: i64, %x: i64):
    %s = arith.addi %old, %x : i64
    seqfuse.yield %s : i64
  } {kind = #seqfuse.fold<add>, at = "a.cpp:4"}
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %j = memref.load %bin[%i] : memref<?xindex>
    %k = arith.index_cast %j : index to i64
    memref.store %k, %out[%i] : memref<?xi64>
    seqfuse.yield
  } {at = "a.cpp:5"}
  return
}
}

// -----

// A map that reads another row (a stencil): every rank all-gathers the
// distributed tensors it uses, runs it on the whole copies and keeps its
// rows of what it wrote.
// CHECK: not distributed (it reads 'v' at another row than its iteration's)
// CHECK-LABEL: func.func @stencil
// CHECK: memref.alloc(%{{.*}}) {seqfuse.name = "v"} : memref<?xf32>
// CHECK: call @seqfuse_mpi_allgather_rows
// CHECK: call @seqfuse_mpi_push_copyback
// CHECK: seqfuse.map
// CHECK: call @seqfuse_mpi_pop_copybacks
// CHECK: memref.dealloc
module attributes {} {
func.func @stencil(%v: memref<?xf32> {seqfuse.dims = ["n#0"], seqfuse.name = "v"},
                   %out: memref<?xf32> {seqfuse.dims = ["n#0"], seqfuse.name = "out"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %m = arith.subi %n, %c1 : index
  seqfuse.map %c0 to %m {
  ^bb0(%i: index):
    %i1 = arith.addi %i, %c1 : index
    %x = memref.load %v[%i] : memref<?xf32>
    %y = memref.load %v[%i1] : memref<?xf32>
    %s = arith.addf %x, %y : f32
    memref.store %s, %out[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:6"}
  return
}
}
