// RUN: seqfuse-opt --seqfuse-lower-to-gpu="threads=64 items=2 map-items=2 checked=false" --split-input-file %s | FileCheck %s
// (Unchecked: lower-to-gpu-checked.mlir has what checked mode changes.)

// A map: tiles of threads * map-items, blocks striding over them; the host
// computes the grid and launches. Every access runs unchecked (the map's
// indices are its own iteration, proven in range by the op's bounds).
// CHECK-LABEL: func.func @axpy
// CHECK-SAME: seqfuse.gpu_host
// CHECK: %[[TILES:.*]] = arith.ceildivsi %{{.*}}, %c128
// CHECK: gpu.launch_func @axpy_kernels::@axpy_map_0 blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%c64, %{{.*}}, %{{.*}}) args(%arg0 : memref<?xf32>, %arg1 : memref<?xf32>)
// CHECK: gpu.module @axpy_kernels
// CHECK: gpu.func @axpy_map_0(%{{.*}}: memref<?xf32> {seqfuse.name = "x"}, %{{.*}}: memref<?xf32> {seqfuse.name = "y"}) kernel
// CHECK-SAME: known_block_size = array<i32: 64, 1, 1>
// CHECK: gpu.thread_id x
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}}
// CHECK: memref.load {{.*}} {seqfuse.in_bounds}
// CHECK: memref.store {{.*}} {seqfuse.in_bounds}
// CHECK-NOT: seqfuse.map
func.func @axpy(%x: memref<?xf32> {seqfuse.name = "x"}, %y: memref<?xf32> {seqfuse.name = "y"}) attributes {seqfuse.kernel} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %a = memref.load %x[%i] : memref<?xf32>
    %b = memref.load %y[%i] : memref<?xf32>
    %s = arith.addf %a, %b : f32
    memref.store %s, %y[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "f.cpp:3"}
  return
}

// -----

// A scan: one kernel with one tile per block (its id from a counter), the
// look-back state (flags, aggregates, inclusive prefixes) in scratch, warp
// shuffles and barriers; a float slot also gets the first non-finite tile
// and a one-thread kernel that finishes (the exact loop from that tile).
// CHECK-LABEL: func.func @cumsum
// CHECK: %[[COUNTER:.*]] = gpu.alloc (%{{.*}}) : memref<?xi64>
// CHECK: %[[FLAGS:.*]] = gpu.alloc (%{{.*}}) : memref<?xi32>
// CHECK: gpu.memset %[[COUNTER]]
// CHECK: gpu.memset %[[FLAGS]]
// CHECK: gpu.launch_func @cumsum_kernels::@cumsum_scan_0
// CHECK: gpu.launch_func @cumsum_kernels::@cumsum_scan_finish_1 blocks in (%c1{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c1{{.*}}, %c1{{.*}}, %c1{{.*}})
// CHECK: gpu.func @cumsum_scan_0
// CHECK-SAME: workgroup(
// CHECK: memref.atomic_rmw addi
// CHECK: gpu.barrier
// CHECK: gpu.shuffle up
// CHECK: memref.atomic_rmw ori
// CHECK: llvm.fence syncscope("device") acq_rel
// CHECK: memref.atomic_rmw assign
// CHECK: gpu.func @cumsum_scan_finish_1
// CHECK-SAME: seqfuse.single_thread
func.func @cumsum(%v: memref<?xf32> {seqfuse.name = "v"}, %out: memref<?xf32> {seqfuse.name = "out"}) attributes {seqfuse.kernel} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %r = seqfuse.scan %c0 to %n init(%zero : f32) element {
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
  } {kind = [#seqfuse.fold<add>], identity = [0.0 : f32], fp = #seqfuse.fp<reassociate>, at = "f.cpp:9"} -> f32
  return
}

// -----

// A last-writer-wins scatter: the winner of each element (atomic max of the
// iteration) in scratch, then a pass where each winner stores.
// CHECK-LABEL: func.func @scatter
// CHECK: %[[W:.*]] = gpu.alloc (%{{.*}}) : memref<?xi64>
// CHECK: gpu.memset %[[W]], %c-1_i64
// CHECK: gpu.launch_func @scatter_kernels::@scatter_scatter_winner_0
// CHECK: gpu.launch_func @scatter_kernels::@scatter_scatter_write_1
// CHECK: memref.atomic_rmw maxs
// CHECK: arith.cmpi eq
// CHECK: memref.store
func.func @scatter(%idx: memref<?xindex>, %v: memref<?xf32>, %t: memref<?xf32>) attributes {seqfuse.kernel} {
  %c0 = arith.constant 0 : index
  %n = memref.dim %idx, %c0 : memref<?xindex>
  seqfuse.scatter %c0 to %n into %t : memref<?xf32> element {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xindex>
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %j, %x : index, f32
  }
  return
}

