// RUN: seqfuse-opt --seqfuse-gpu-to-cpu-sim --split-input-file %s | FileCheck %s

// Phases: a barrier ends one; a value used across it (%v) is kept per
// thread; a shuffle is a store of every thread's value, then a read of the
// source lane's; block ids and sizes become the block loop's.
// CHECK-LABEL: func.func @sim_k
// CHECK-SAME: (%[[GX:.*]]: index, %[[GY:.*]]: index, %[[A:.*]]: memref<?xf32>)
// CHECK-SAME: seqfuse.sim_kernel = "k"
// CHECK: scf.parallel (%[[BY:.*]], %[[BX:.*]]) = (%{{.*}}, %{{.*}}) to (%[[GY]], %[[GX]])
// CHECK-DAG: %[[SH:.*]] = memref.alloc() : memref<64xf32>
// CHECK-DAG: %[[KEEPI:.*]] = memref.alloc() : memref<64xindex>
// CHECK-DAG: %[[KEEPV:.*]] = memref.alloc() : memref<64xf32>
// CHECK-DAG: %[[XCH:.*]] = memref.alloc() : memref<64xf32>
// CHECK: arith.muli %[[BX]], %c64
// CHECK: scf.for %[[T0:.*]] = %c0{{.*}} to %c64{{.*}} step %c1{{.*}} {
// CHECK: %[[V:.*]] = memref.load %[[A]]
// CHECK-DAG: memref.store %[[V]], %[[SH]][%[[T0]]]
// CHECK-DAG: memref.store %[[V]], %[[KEEPV]][%[[T0]]]
// CHECK: } {sim_phase}
// CHECK: scf.for %[[T1:.*]] = {{.*}} {
// CHECK: %[[R:.*]] = arith.subi %c63, %[[T1]]
// CHECK: %[[W:.*]] = memref.load %[[SH]][%[[R]]]
// CHECK: memref.store %[[W]], %[[XCH]][%[[T1]]]
// CHECK: } {sim_phase}
// CHECK: scf.for %[[T2:.*]] = {{.*}} {
// CHECK: arith.remui %[[T2]], %c32
// CHECK: %[[OK:.*]] = arith.cmpi uge
// CHECK: %[[OWN:.*]] = memref.load %[[XCH]][%[[T2]]]
// CHECK: %[[OTHER:.*]] = memref.load %[[XCH]]
// CHECK: %[[UP:.*]] = arith.select %[[OK]], %[[OTHER]], %[[OWN]]
// CHECK: %[[MINE:.*]] = memref.load %[[KEEPV]][%[[T2]]]
// CHECK: arith.addf %[[UP]], %[[MINE]]
// CHECK: memref.load %[[KEEPI]][%[[T2]]]
// CHECK: } {sim_phase}
// CHECK: memref.dealloc
// CHECK-NOT: gpu.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%a: memref<?xf32>) workgroup(%sh: memref<64xf32, #gpu.address_space<workgroup>>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      %t = gpu.thread_id x
      %b = gpu.block_id x
      %bd = gpu.block_dim x
      %base = arith.muli %b, %bd : index
      %i = arith.addi %base, %t : index
      %v = memref.load %a[%i] : memref<?xf32>
      memref.store %v, %sh[%t] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %c63 = arith.constant 63 : index
      %r = arith.subi %c63, %t : index
      %w = memref.load %sh[%r] : memref<64xf32, #gpu.address_space<workgroup>>
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %up, %ok = gpu.shuffle up %w, %one, %width : f32
      %s = arith.addf %up, %v : f32
      memref.store %s, %a[%i] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// One thread: the body as it is, no loops.
// CHECK-LABEL: func.func @sim_one
// CHECK-SAME: (%{{.*}}: index, %{{.*}}: index, %[[S:.*]]: memref<4xi64>)
// CHECK-NOT: scf.parallel
// CHECK: memref.store %{{.*}}, %[[S]][%c0{{.*}}]
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @one(%s: memref<4xi64>) kernel attributes {known_block_size = array<i32: 1, 1, 1>, seqfuse.single_thread} {
      %c7 = arith.constant 7 : i64
      %t = gpu.thread_id x
      memref.store %c7, %s[%t] : memref<4xi64>
      gpu.return
    }
  }
}
