// RUN: seqfuse-opt --seqfuse-parallelize-maps %s | FileCheck %s
// RUN: seqfuse-opt --seqfuse-parallelize-maps %s | seqfuse-opt --seqfuse-parallelize-maps | FileCheck %s --check-prefix=REPLAY
// RUN: not seqfuse-opt --seqfuse-parallelize-maps="chunk=0" %s 2>&1 | FileCheck %s --check-prefix=BAD

// A lowered map with no check: fixed chunks on threads above the cutoff, the
// loop as it was below it. The algorithm is recorded for the report.
// CHECK: module attributes {seqfuse.algorithms = [{algorithm = "parallel: chunks of 16384 iterations{{.*}}at least 65536 iterations, else one loop", at = "a.cpp:3", pattern = "map"}, {algorithm = "parallel: chunks of 16384 iterations{{.*}}; its run-time checks first, in a parallel read-only pass{{.*}}", at = "a.cpp:9", pattern = "map"}, {algorithm = "sequential loop (its body checks an index or divisor at run time{{.*}}", at = "a.cpp:15", pattern = "map"}]}
// CHECK-LABEL: func.func @scale
// CHECK: %[[D:.*]] = arith.subi %[[UB:.*]], %[[LB:.*]] : index
// CHECK: %[[TRIP:.*]] = arith.maxsi %[[D]], %{{.*}} : index
// CHECK: %[[BIG:.*]] = arith.cmpi sge, %[[TRIP]], %{{.*}} : index
// CHECK: scf.if %[[BIG]] {
// CHECK:   %[[N:.*]] = arith.ceildivsi %[[TRIP]], %[[CHUNK:.*]] : index
// CHECK:   scf.parallel (%[[C:.*]]) = (%{{.*}}) to (%[[N]]) step (%{{.*}}) {
// CHECK:     %[[OFF:.*]] = arith.muli %[[C]], %[[CHUNK]] : index
// CHECK:     %[[LO:.*]] = arith.addi %[[LB]], %[[OFF]] : index
// CHECK:     %[[END:.*]] = arith.addi %[[LO]], %[[CHUNK]] : index
// CHECK:     %[[HI:.*]] = arith.minsi %[[END]], %[[UB]] : index
// CHECK:     scf.for %[[I:.*]] = %[[LO]] to %[[HI]] step %{{.*}} {
// CHECK:       memref.load %{{.*}}[%[[I]]]
// CHECK:       memref.store %{{.*}}, %{{.*}}[%[[I]]]
// CHECK: } else {
// CHECK:   scf.for %{{.*}} = %[[LB]] to %[[UB]] step
// CHECK-NOT: seqfuse.lowered
// REPLAY-COUNT-1: scf.parallel
// BAD: seqfuse-parallelize-maps: chunk must be >= 1
module {
  func.func private @seqfuse_rt_check_failed(i64, i64, i64)
  func.func @scale(%v: memref<?xf32>, %out: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %two = arith.constant 2.0 : f32
    %n = memref.dim %v, %c0 : memref<?xf32>
    scf.for %i = %c0 to %n step %c1 {
      %x = memref.load %v[%i] : memref<?xf32>
      %y = arith.mulf %x, %two : f32
      memref.store %y, %out[%i] : memref<?xf32>
    } {seqfuse.lowered = "map", seqfuse.at = "a.cpp:3"}
    return
  }
  // A map whose body checks an index: from the cutoff, a parallel read-only
  // pass marks the chunks where a check fails (an or over the chunk: its
  // checks in program order, the rest of the iteration only where they
  // passed, no store); the first such chunk is then probed alone for its
  // first failing iteration K. The map runs in parallel chunks without checks
  // over [lb, K), and the checked loop from K raises. Below the cutoff
  // K = lb: all of it is the checked loop.
  // CHECK-LABEL: func.func @gather
  // CHECK: %[[K:.*]] = scf.if %{{.*}} -> (index) {
  // CHECK:   %[[STOPS:.*]] = memref.alloc(%{{.*}}) : memref<?xindex>
  // CHECK:   scf.parallel
  // CHECK:     %[[ANY:.*]] = scf.for %[[I:[^ ]*]] = {{.*}} -> (i1) {
  // CHECK:       memref.load %arg1[%[[I]]]
  // CHECK:       %[[FAILS:.*]] = arith.cmpi uge
  // CHECK-NOT:   memref.store
  // CHECK:       arith.ori
  // CHECK:     %[[MARK:.*]] = arith.select %[[ANY]], %{{.*}}, %{{.*}} : index
  // CHECK:     memref.store %[[MARK]], %[[STOPS]]
  // CHECK:   %[[PICK:.*]]:2 = scf.for {{.*}} -> (index, i1)
  // CHECK:   scf.if %[[PICK]]#1 -> (index) {
  // CHECK:     scf.for %[[J:[^ ]*]] = {{.*}} -> (index) {
  // CHECK:       arith.select %{{.*}}, %[[J]], %{{.*}} : index
  // CHECK:   memref.dealloc %[[STOPS]]
  // CHECK: } else {
  // CHECK-NEXT: scf.yield %c0 : index
  // CHECK: scf.parallel
  // CHECK-NOT: seqfuse_rt_check_failed
  // CHECK: memref.load %arg0
  // CHECK: memref.store
  // CHECK: } else {
  // CHECK-NOT: seqfuse_rt_check_failed
  // CHECK: scf.for %{{.*}} = %[[K]] to %{{.*}} step
  // CHECK: call @seqfuse_rt_check_failed
  func.func @gather(%v: memref<?xf32>, %idx: memref<?xindex>, %out: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %idx, %c0 : memref<?xindex>
    %m = memref.dim %v, %c0 : memref<?xf32>
    scf.for %i = %c0 to %n step %c1 {
      %j = memref.load %idx[%i] : memref<?xindex>
      %bad = arith.cmpi uge, %j, %m : index
      scf.if %bad {
        %s = arith.constant 0 : i64
        %jj = arith.index_cast %j : index to i64
        %mm = arith.index_cast %m : index to i64
        func.call @seqfuse_rt_check_failed(%s, %jj, %mm) : (i64, i64, i64) -> ()
      }
      %x = memref.load %v[%j] : memref<?xf32>
      memref.store %x, %out[%i] : memref<?xf32>
    } {seqfuse.lowered = "map", seqfuse.at = "a.cpp:9"}
    return
  }
  // A check on a value the loop writes (here the index, through %tmp)
  // cannot be evaluated before the loop runs: the map stays one loop.
  // CHECK-LABEL: func.func @written_index
  // CHECK-NOT: scf.parallel
  // CHECK: call @seqfuse_rt_check_failed
  func.func @written_index(%v: memref<?xf32>, %idx: memref<?xindex>, %tmp: memref<?xindex>, %out: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %idx, %c0 : memref<?xindex>
    %m = memref.dim %v, %c0 : memref<?xf32>
    scf.for %i = %c0 to %n step %c1 {
      %j = memref.load %idx[%i] : memref<?xindex>
      %j1 = arith.addi %j, %c1 : index
      memref.store %j1, %tmp[%i] : memref<?xindex>
      %k = memref.load %tmp[%i] : memref<?xindex>
      %bad = arith.cmpi uge, %k, %m : index
      scf.if %bad {
        %s = arith.constant 0 : i64
        %kk = arith.index_cast %k : index to i64
        %mm = arith.index_cast %m : index to i64
        func.call @seqfuse_rt_check_failed(%s, %kk, %mm) : (i64, i64, i64) -> ()
      }
      %x = memref.load %v[%k] : memref<?xf32>
      memref.store %x, %out[%i] : memref<?xf32>
    } {seqfuse.lowered = "map", seqfuse.at = "a.cpp:15"}
    return
  }
}
