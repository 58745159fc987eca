#loc = loc("examples/seed_accumulate.cpp":20:11)
module {
  func.func @seed_accumulate(%arg0: memref<?xf32> {seqfuse.access = "inout", seqfuse.dims = ["t.size(0)"], seqfuse.name = "t"} loc("examples/seed_accumulate.cpp":20:11), %arg1: memref<?xf32> {seqfuse.access = "in", seqfuse.dims = ["t.size(0)"], seqfuse.name = "u"} loc("examples/seed_accumulate.cpp":20:11)) attributes {seqfuse.kernel} {
    %c0 = arith.constant 0 : index loc(#loc1)
    %c0_0 = arith.constant 0 : index loc(#loc1)
    %dim = memref.dim %arg0, %c0_0 : memref<?xf32> loc(#loc1)
    %c1 = arith.constant 1 : index loc(#loc1)
    scf.for %arg2 = %c0 to %dim step %c1 {
      %0 = memref.load %arg0[%arg2] : memref<?xf32> loc(#loc2)
      %1 = memref.load %arg1[%arg2] : memref<?xf32> loc(#loc2)
      %2 = arith.addf %0, %1 : f32 loc(#loc2)
      memref.store %2, %arg0[%arg2] : memref<?xf32> loc(#loc2)
    } loc(#loc1)
    return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc1 = loc("examples/seed_accumulate.cpp":23:3)
#loc2 = loc("examples/seed_accumulate.cpp":24:7)
