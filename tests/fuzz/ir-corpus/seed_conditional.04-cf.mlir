#loc = loc("examples/seed_conditional.cpp":22:11)
#loc2 = loc("examples/seed_conditional.cpp":25:3)
module attributes {seqfuse.check_sites = [{dim = 0 : i64, file = "examples/seed_conditional.cpp", kind = "index", line = 26 : i64, tensor = "t"}]} {
  func.func private @seqfuse_rt_check_failed(i64, i64, i64) loc(#loc)
  func.func @seed_conditional(%arg0: memref<?xf32> {seqfuse.access = "inout", seqfuse.dims = ["t.size(0)"], seqfuse.name = "t"} loc("examples/seed_conditional.cpp":22:11), %arg1: memref<?xf32> {seqfuse.access = "in", seqfuse.dims = ["t.size(0)"], seqfuse.name = "u"} loc("examples/seed_conditional.cpp":22:11)) attributes {seqfuse.checked, seqfuse.kernel} {
    %cst = arith.constant 2.000000e+00 : f32 loc(#loc1)
    %c2 = arith.constant 2 : index loc(#loc1)
    %c1 = arith.constant 1 : index loc(#loc2)
    %c0 = arith.constant 0 : index loc(#loc1)
    %dim = memref.dim %arg0, %c0 : memref<?xf32> loc(#loc2)
    cf.br ^bb1(%c0 : index) loc(#loc2)
  ^bb1(%0: index loc("examples/seed_conditional.cpp":25:3)):  // 2 preds: ^bb0, ^bb6
    %1 = arith.cmpi slt, %0, %dim : index loc(#loc2)
    cf.cond_br %1, ^bb2, ^bb7 loc(#loc2)
  ^bb2:  // pred: ^bb1
    %c0_0 = arith.constant 0 : index loc(#loc3)
    %dim_1 = memref.dim %arg0, %c0_0 : memref<?xf32> loc(#loc3)
    %2 = arith.cmpi uge, %c2, %dim_1 : index loc(#loc3)
    cf.cond_br %2, ^bb3, ^bb4 loc(#loc3)
  ^bb3:  // pred: ^bb2
    %c0_i64 = arith.constant 0 : i64 loc(#loc3)
    %3 = arith.index_cast %c2 : index to i64 loc(#loc3)
    %4 = arith.index_cast %dim_1 : index to i64 loc(#loc3)
    call @seqfuse_rt_check_failed(%c0_i64, %3, %4) : (i64, i64, i64) -> () loc(#loc3)
    cf.br ^bb4 loc(#loc3)
  ^bb4:  // 2 preds: ^bb2, ^bb3
    %5 = memref.load %arg0[%c2] : memref<?xf32> loc(#loc3)
    %6 = arith.cmpf oge, %5, %cst : f32 loc(#loc3)
    cf.cond_br %6, ^bb5, ^bb6 loc(#loc3)
  ^bb5:  // pred: ^bb4
    %7 = memref.load %arg0[%0] : memref<?xf32> loc(#loc4)
    %8 = memref.load %arg1[%0] : memref<?xf32> loc(#loc4)
    %9 = arith.addf %7, %8 : f32 loc(#loc4)
    memref.store %9, %arg0[%0] : memref<?xf32> loc(#loc4)
    cf.br ^bb6 loc(#loc3)
  ^bb6:  // 2 preds: ^bb4, ^bb5
    %10 = arith.addi %0, %c1 : index loc(#loc2)
    cf.br ^bb1(%10 : index) loc(#loc2)
  ^bb7:  // pred: ^bb1
    return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc1 = loc(unknown)
#loc3 = loc("examples/seed_conditional.cpp":26:5)
#loc4 = loc("examples/seed_conditional.cpp":27:9)
