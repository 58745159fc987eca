#loc = loc("examples/seed_scatter.cpp":19:11)
#loc1 = loc("examples/seed_scatter.cpp":23:3)
module attributes {seqfuse.check_sites = [{dim = 0 : i64, file = "examples/seed_scatter.cpp", kind = "index", line = 24 : i64, tensor = "t"}]} {
  func.func private @seqfuse_rt_check_failed(i64, i64, i64) loc(#loc)
  func.func @seed_scatter(%arg0: memref<?xf32> {seqfuse.access = "inout", seqfuse.dims = ["?"], seqfuse.name = "t"} loc("examples/seed_scatter.cpp":19:11), %arg1: memref<?xi64> {seqfuse.access = "in", seqfuse.dims = ["idx.size(0)"], seqfuse.name = "idx"} loc("examples/seed_scatter.cpp":19:11), %arg2: memref<?xf32> {seqfuse.access = "in", seqfuse.dims = ["idx.size(0)"], seqfuse.name = "m"} loc("examples/seed_scatter.cpp":19:11)) attributes {seqfuse.checked, seqfuse.kernel} {
    %c1 = arith.constant 1 : index loc(#loc1)
    %c0 = arith.constant 0 : index loc(#loc2)
    %dim = memref.dim %arg1, %c0 : memref<?xi64> loc(#loc1)
    cf.br ^bb1(%c0 : index) loc(#loc1)
  ^bb1(%0: index loc("examples/seed_scatter.cpp":23:3)):  // 2 preds: ^bb0, ^bb4
    %1 = arith.cmpi slt, %0, %dim : index loc(#loc1)
    cf.cond_br %1, ^bb2, ^bb5 loc(#loc1)
  ^bb2:  // pred: ^bb1
    %2 = memref.load %arg2[%0] : memref<?xf32> loc(#loc3)
    %3 = memref.load %arg1[%0] : memref<?xi64> loc(#loc3)
    %4 = arith.index_cast %3 : i64 to index loc(#loc3)
    %c0_0 = arith.constant 0 : index loc(#loc3)
    %dim_1 = memref.dim %arg0, %c0_0 : memref<?xf32> loc(#loc3)
    %5 = arith.cmpi uge, %4, %dim_1 : index loc(#loc3)
    cf.cond_br %5, ^bb3, ^bb4 loc(#loc3)
  ^bb3:  // pred: ^bb2
    %c0_i64 = arith.constant 0 : i64 loc(#loc3)
    %6 = arith.index_cast %4 : index to i64 loc(#loc3)
    %7 = arith.index_cast %dim_1 : index to i64 loc(#loc3)
    call @seqfuse_rt_check_failed(%c0_i64, %6, %7) : (i64, i64, i64) -> () loc(#loc3)
    cf.br ^bb4 loc(#loc3)
  ^bb4:  // 2 preds: ^bb2, ^bb3
    memref.store %2, %arg0[%4] : memref<?xf32> loc(#loc3)
    %8 = arith.addi %0, %c1 : index loc(#loc1)
    cf.br ^bb1(%8 : index) loc(#loc1)
  ^bb5:  // pred: ^bb1
    return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc2 = loc(unknown)
#loc3 = loc("examples/seed_scatter.cpp":24:7)
