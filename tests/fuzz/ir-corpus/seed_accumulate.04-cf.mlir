#loc = loc("examples/seed_accumulate.cpp":20:11)
#loc1 = loc("examples/seed_accumulate.cpp":23:3)
module {
  func.func @seed_accumulate(%arg0: memref<?xf32> {seqfuse.access = "inout", seqfuse.dims = ["t.size(0)"], seqfuse.name = "t"} loc("examples/seed_accumulate.cpp":20:11), %arg1: memref<?xf32> {seqfuse.access = "in", seqfuse.dims = ["t.size(0)"], seqfuse.name = "u"} loc("examples/seed_accumulate.cpp":20:11)) attributes {seqfuse.checked, seqfuse.kernel} {
    %c1 = arith.constant 1 : index loc(#loc1)
    %c0 = arith.constant 0 : index loc(#loc2)
    %dim = memref.dim %arg0, %c0 : memref<?xf32> loc(#loc1)
    cf.br ^bb1(%c0 : index) loc(#loc1)
  ^bb1(%0: index loc("examples/seed_accumulate.cpp":23:3)):  // 2 preds: ^bb0, ^bb2
    %1 = arith.cmpi slt, %0, %dim : index loc(#loc1)
    cf.cond_br %1, ^bb2, ^bb3 loc(#loc1)
  ^bb2:  // pred: ^bb1
    %2 = memref.load %arg0[%0] : memref<?xf32> loc(#loc3)
    %3 = memref.load %arg1[%0] : memref<?xf32> loc(#loc3)
    %4 = arith.addf %2, %3 : f32 loc(#loc3)
    memref.store %4, %arg0[%0] : memref<?xf32> loc(#loc3)
    %5 = arith.addi %0, %c1 : index loc(#loc1)
    cf.br ^bb1(%5 : index) loc(#loc1)
  ^bb3:  // pred: ^bb1
    return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc2 = loc(unknown)
#loc3 = loc("examples/seed_accumulate.cpp":24:7)
