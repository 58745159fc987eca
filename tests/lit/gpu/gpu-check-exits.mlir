// RUN: seqfuse-opt --seqfuse-gpu-check-exits %s | FileCheck %s

// The failed check records (site, value, bound) and 1 in the status buffer
// (the kernel's first argument) and returns; what followed is unreachable.
// The handler's declaration in the gpu.module goes away.
// CHECK-LABEL: gpu.func @k
// CHECK-SAME: (%[[S:.*]]: memref<4xi64>, %{{.*}}: memref<?xf32>, %[[I:.*]]: index)
// CHECK: cf.cond_br %{{.*}}, ^[[BAD:.*]], ^[[OK:.*]]
// CHECK: ^[[BAD]]:
// CHECK: memref.store %c3_i64, %[[S]][%c1]
// CHECK: memref.store %{{.*}}, %[[S]][%c2]
// CHECK: memref.store %{{.*}}, %[[S]][%c3]
// CHECK: memref.store %{{.*}}, %[[S]][%c0{{.*}}]
// CHECK-NEXT: gpu.return
// CHECK-NOT: call @seqfuse_rt_check_failed
// CHECK-NOT: func.func private @seqfuse_rt_check_failed
module attributes {gpu.container_module} {
  gpu.module @m {
    func.func private @seqfuse_rt_check_failed(i64, i64, i64)
    gpu.func @k(%s: memref<4xi64>, %a: memref<?xf32>, %i: index) kernel attributes {seqfuse.single_thread} {
      %c0 = arith.constant 0 : index
      %n = memref.dim %a, %c0 : memref<?xf32>
      %bad = arith.cmpi uge, %i, %n : index
      cf.cond_br %bad, ^bad, ^ok
    ^bad:
      %site = arith.constant 3 : i64
      %v = arith.index_cast %i : index to i64
      %b = arith.index_cast %n : index to i64
      func.call @seqfuse_rt_check_failed(%site, %v, %b) : (i64, i64, i64) -> ()
      cf.br ^ok
    ^ok:
      %x = memref.load %a[%i] : memref<?xf32>
      gpu.return
    }
  }
}
