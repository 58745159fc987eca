// RUN: seqfuse-opt --seqfuse-lower-to-gpu --split-input-file %s | FileCheck %s

// A loop kept sequential (and the store after it, at the top level): one
// thread each, the status buffer first, the launch marked as one that may
// fail; results that later code uses go through cells.
// CHECK-LABEL: func.func @kept
// CHECK: %[[CELL:.*]] = gpu.alloc () : memref<1xi64>
// CHECK: %[[STATUS:.*]] = gpu.alloc () : memref<4xi64>
// CHECK: gpu.launch_func @kept_kernels::@kept_serial_0 {{.*}} args(%[[STATUS]] : memref<4xi64>{{.*}}) {seqfuse.may_fail}
// CHECK: %[[R:.*]] = memref.load %[[CELL]][%{{.*}}] {seqfuse.in_bounds}
// CHECK: gpu.launch_func @kept_kernels::@kept_serial_1 {{.*}} {seqfuse.may_fail}
// CHECK: gpu.func @kept_serial_0(%{{.*}}: memref<4xi64>
// CHECK-SAME: seqfuse.single_thread
// CHECK: scf.for
func.func @kept(%k: memref<?xi64>, %out: memref<1xi64>) attributes {seqfuse.kernel} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %k, %c0 : memref<?xi64>
  %r = seqfuse.sequential {
    %one = arith.constant 1 : i64
    %c1 = arith.constant 1 : index
    %s = scf.for %i = %c0 to %n step %c1 iter_args(%a = %one) -> (i64) {
      %x = memref.load %k[%i] : memref<?xi64>
      %m = arith.muli %a, %a : i64
      %y = arith.addi %m, %x : i64
      scf.yield %y : i64
    }
    seqfuse.yield %s : i64
  } {reason = "a square of the state"} -> i64
  memref.store %r, %out[%c0] : memref<1xi64>
  return
}

// -----

// Checked mode: an op whose indices are not proven in range first runs a
// read-only probe (the first failing iteration by atomic min), then its
// parallel form up to it (the kernel reads where to stop), then one thread
// runs the exact loop from there, which raises as the loop does.
// CHECK: seqfuse.algorithms = [{algorithm = "GPU: tiles of {{.*}}; its run-time checks first
// CHECK-LABEL: func.func @gather
// CHECK: %[[FIRST:.*]] = gpu.alloc (%{{.*}}) : memref<?xi64>
// CHECK: gpu.memset %[[FIRST]], %c9187201950435737471_i64
// CHECK: gpu.launch_func @gather_kernels::@gather_probe_0 {{.*}}%[[FIRST]] : memref<?xi64>)
// CHECK: gpu.launch_func @gather_kernels::@gather_map_1 {{.*}}%[[FIRST]]
// CHECK: gpu.launch_func @gather_kernels::@gather_tail_2 {{.*}} {seqfuse.may_fail}
// CHECK: gpu.func @gather_probe_0
// CHECK: arith.cmpi uge
// CHECK: memref.atomic_rmw mins
// CHECK-NOT: memref.store
// CHECK: gpu.func @gather_map_1
// CHECK: memref.load %{{.*}}[%{{.*}}] {seqfuse.in_bounds}
// CHECK: gpu.func @gather_tail_2
// CHECK: scf.for
func.func @gather(%idx: memref<?xindex>, %v: memref<?xf32>, %out: memref<?xf32>) attributes {seqfuse.kernel} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %idx, %c0 : memref<?xindex>
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xindex>
    %x = memref.load %v[%j] : memref<?xf32>
    memref.store %x, %out[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "g.cpp:2"}
  return
}
