// The loop form through the GPU pipeline to PTX (no GPU and no ptxas
// needed): the scan's tile kernel and its one-thread finishing kernel.
// RUN: seqfuse-opt --seqfuse-gpu-pipeline %s | seqfuse-opt --gpu-module-to-binary=format=isa > %t
// RUN: FileCheck %s < %t
// Floats stay IEEE: no contraction into fma.
// RUN: FileCheck %s --check-prefix=NOFMA < %t
// A chip and PTX version this LLVM cannot generate together are refused
// before LLVM sees them (it would abort).
// RUN: not seqfuse-opt --seqfuse-gpu-pipeline="features=+ptx60" %s 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK: gpu.binary @running_sum_kernels
// CHECK-SAME: .target sm_90
// CHECK-SAME: .visible .entry running_sum_scan_0(
// CHECK-SAME: atom.global.add.u64
// CHECK-SAME: bar.sync
// CHECK-SAME: shfl.sync.up.b32
// CHECK-SAME: fence.acq_rel.gpu
// CHECK-SAME: atom.global.exch.b32
// CHECK-SAME: .visible .entry running_sum_scan_finish_1(
// NOFMA-NOT: fma.rn
// BAD: sm_90 needs PTX ISA 7.8 or later
module {
  func.func @running_sum(%arg0: memref<?xf32> {seqfuse.access = "in", seqfuse.dims = ["n#0"], seqfuse.name = "v"}, %arg1: memref<?xf32> {seqfuse.access = "out", seqfuse.dims = ["n#0"], seqfuse.name = "out"}) attributes {seqfuse.kernel} {
    %c0 = arith.constant 0 : index
    %dim = memref.dim %arg0, %c0 : memref<?xf32>
    %c1 = arith.constant 1 : index
    %cst = arith.constant 0.000000e+00 : f32
    %0 = scf.for %i = %c0 to %dim step %c1 iter_args(%acc = %cst) -> (f32) {
      %1 = memref.load %arg0[%i] : memref<?xf32>
      %2 = arith.mulf %1, %1 : f32
      %3 = arith.addf %acc, %2 : f32
      memref.store %3, %arg1[%i] : memref<?xf32>
      scf.yield %3 : f32
    }
    return
  }
}
