// RUN: seqfuse-opt --seqfuse-cpu-pipeline %s | FileCheck %s
// RUN: seqfuse-opt --seqfuse-cpu-pipeline="checked=false" %s | FileCheck %s --check-prefix=FAST
// The pipeline is idempotent: running it on its own output changes nothing.
// RUN: seqfuse-opt --seqfuse-cpu-pipeline %s > %t.llvm.mlir
// RUN: seqfuse-opt --seqfuse-cpu-pipeline %t.llvm.mlir | diff %t.llvm.mlir -

// A running sum with a loop-carried state and a gather: a scan whose
// parallel form runs after a parallel read-only pass over the gather's index
// checks; the loop from the first failing iteration has the state as a block
// argument of its header, and the gather guarded.
// CHECK-LABEL: llvm.func @seqfuse_rt_check_failed(i64, i64, i64)
// CHECK-LABEL: llvm.func @gather_sum
// CHECK: omp.parallel
// CHECK: llvm.icmp "uge"
// CHECK: omp.parallel
// CHECK: llvm.fadd
// CHECK: ^bb{{[0-9]+}}(%{{.*}}: i64, %{{.*}}: f32):
// CHECK: llvm.icmp "uge"
// CHECK: llvm.call @seqfuse_rt_check_failed
// CHECK: llvm.fadd
// CHECK: llvm.br ^bb{{[0-9]+}}(%{{.*}}, %{{.*}} : i64, f32)
// CHECK-NOT: scf.
// CHECK-NOT: memref.
// FAST-NOT: seqfuse_rt_check_failed
// FAST: llvm.fadd
func.func @gather_sum(%v: memref<?xf32> {seqfuse.name = "v"},
                      %idx: memref<?xi32> {seqfuse.name = "idx", seqfuse.dims = ["n"]},
                      %out: memref<?xf32> {seqfuse.name = "out", seqfuse.dims = ["n"]})
    attributes {seqfuse.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %idx, %c0 : memref<?xi32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
    %j = memref.load %idx[%i] : memref<?xi32>
    %ji = arith.index_cast %j : i32 to index
    %x = memref.load %v[%ji] : memref<?xf32>
    %t = math.tanh %x : f32
    %a = arith.addf %acc, %t : f32
    memref.store %a, %out[%i] : memref<?xf32>
    scf.yield %a : f32
  }
  return
}
