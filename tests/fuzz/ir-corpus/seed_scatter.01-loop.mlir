#loc = loc("examples/seed_scatter.cpp":19:11)
module {
  func.func @seed_scatter(%arg0: memref<?xf32> {seqfuse.access = "inout", seqfuse.dims = ["?"], seqfuse.name = "t"} loc("examples/seed_scatter.cpp":19:11), %arg1: memref<?xi64> {seqfuse.access = "in", seqfuse.dims = ["idx.size(0)"], seqfuse.name = "idx"} loc("examples/seed_scatter.cpp":19:11), %arg2: memref<?xf32> {seqfuse.access = "in", seqfuse.dims = ["idx.size(0)"], seqfuse.name = "m"} loc("examples/seed_scatter.cpp":19:11)) attributes {seqfuse.kernel} {
    %c0 = arith.constant 0 : index loc(#loc1)
    %c0_0 = arith.constant 0 : index loc(#loc1)
    %dim = memref.dim %arg1, %c0_0 : memref<?xi64> loc(#loc1)
    %c1 = arith.constant 1 : index loc(#loc1)
    scf.for %arg3 = %c0 to %dim step %c1 {
      %0 = memref.load %arg2[%arg3] : memref<?xf32> loc(#loc2)
      %1 = memref.load %arg1[%arg3] : memref<?xi64> loc(#loc2)
      %2 = arith.index_cast %1 : i64 to index loc(#loc2)
      memref.store %0, %arg0[%2] : memref<?xf32> loc(#loc2)
    } loc(#loc1)
    return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc1 = loc("examples/seed_scatter.cpp":23:3)
#loc2 = loc("examples/seed_scatter.cpp":24:7)
