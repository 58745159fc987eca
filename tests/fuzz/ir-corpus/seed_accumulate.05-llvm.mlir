#loc = loc("examples/seed_accumulate.cpp":20:11)
#loc2 = loc("examples/seed_accumulate.cpp":23:3)
module {
  llvm.func @seed_accumulate(%arg0: !llvm.ptr loc("examples/seed_accumulate.cpp":20:11), %arg1: !llvm.ptr loc("examples/seed_accumulate.cpp":20:11), %arg2: i64 loc("examples/seed_accumulate.cpp":20:11), %arg3: i64 loc("examples/seed_accumulate.cpp":20:11), %arg4: i64 loc("examples/seed_accumulate.cpp":20:11), %arg5: !llvm.ptr loc("examples/seed_accumulate.cpp":20:11), %arg6: !llvm.ptr loc("examples/seed_accumulate.cpp":20:11), %arg7: i64 loc("examples/seed_accumulate.cpp":20:11), %arg8: i64 loc("examples/seed_accumulate.cpp":20:11), %arg9: i64 loc("examples/seed_accumulate.cpp":20:11)) attributes {seqfuse.checked, seqfuse.kernel} {
    %0 = llvm.mlir.constant(0 : index) : i64 loc(#loc1)
    %1 = llvm.mlir.constant(1 : index) : i64 loc(#loc2)
    llvm.br ^bb1(%0 : i64) loc(#loc2)
  ^bb1(%2: i64 loc("examples/seed_accumulate.cpp":23:3)):  // 2 preds: ^bb0, ^bb2
    %3 = llvm.icmp "slt" %2, %arg3 : i64 loc(#loc2)
    llvm.cond_br %3, ^bb2, ^bb3 loc(#loc2)
  ^bb2:  // pred: ^bb1
    %4 = llvm.getelementptr inbounds|nuw %arg1[%2] : (!llvm.ptr, i64) -> !llvm.ptr, f32 loc(#loc3)
    %5 = llvm.load %4 : !llvm.ptr -> f32 loc(#loc3)
    %6 = llvm.getelementptr inbounds|nuw %arg6[%2] : (!llvm.ptr, i64) -> !llvm.ptr, f32 loc(#loc3)
    %7 = llvm.load %6 : !llvm.ptr -> f32 loc(#loc3)
    %8 = llvm.fadd %5, %7 : f32 loc(#loc3)
    llvm.store %8, %4 : f32, !llvm.ptr loc(#loc3)
    %9 = llvm.add %2, %1 : i64 loc(#loc2)
    llvm.br ^bb1(%9 : i64) loc(#loc2)
  ^bb3:  // pred: ^bb1
    llvm.return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc1 = loc(unknown)
#loc3 = loc("examples/seed_accumulate.cpp":24:7)
