#loc = loc("examples/seed_conditional.cpp":22:11)
#loc2 = loc("examples/seed_conditional.cpp":25:3)
module attributes {seqfuse.check_sites = [{dim = 0 : i64, file = "examples/seed_conditional.cpp", kind = "index", line = 26 : i64, tensor = "t"}]} {
  llvm.func @seqfuse_rt_check_failed(i64, i64, i64) attributes {sym_visibility = "private"} loc(#loc)
  llvm.func @seed_conditional(%arg0: !llvm.ptr loc("examples/seed_conditional.cpp":22:11), %arg1: !llvm.ptr loc("examples/seed_conditional.cpp":22:11), %arg2: i64 loc("examples/seed_conditional.cpp":22:11), %arg3: i64 loc("examples/seed_conditional.cpp":22:11), %arg4: i64 loc("examples/seed_conditional.cpp":22:11), %arg5: !llvm.ptr loc("examples/seed_conditional.cpp":22:11), %arg6: !llvm.ptr loc("examples/seed_conditional.cpp":22:11), %arg7: i64 loc("examples/seed_conditional.cpp":22:11), %arg8: i64 loc("examples/seed_conditional.cpp":22:11), %arg9: i64 loc("examples/seed_conditional.cpp":22:11)) attributes {seqfuse.checked, seqfuse.kernel} {
    %0 = llvm.mlir.constant(2 : i64) : i64 loc(#loc1)
    %1 = llvm.mlir.constant(0 : i64) : i64 loc(#loc1)
    %2 = llvm.mlir.constant(0 : index) : i64 loc(#loc1)
    %3 = llvm.mlir.constant(1 : index) : i64 loc(#loc2)
    %4 = llvm.mlir.constant(2 : index) : i64 loc(#loc1)
    %5 = llvm.mlir.constant(2.000000e+00 : f32) : f32 loc(#loc1)
    llvm.br ^bb1(%2 : i64) loc(#loc2)
  ^bb1(%6: i64 loc("examples/seed_conditional.cpp":25:3)):  // 2 preds: ^bb0, ^bb6
    %7 = llvm.icmp "slt" %6, %arg3 : i64 loc(#loc2)
    llvm.cond_br %7, ^bb2, ^bb7 loc(#loc2)
  ^bb2:  // pred: ^bb1
    %8 = llvm.icmp "ule" %arg3, %4 : i64 loc(#loc3)
    llvm.cond_br %8, ^bb3, ^bb4 loc(#loc3)
  ^bb3:  // pred: ^bb2
    llvm.call @seqfuse_rt_check_failed(%1, %0, %arg3) : (i64, i64, i64) -> () loc(#loc3)
    llvm.br ^bb4 loc(#loc3)
  ^bb4:  // 2 preds: ^bb2, ^bb3
    %9 = llvm.getelementptr inbounds|nuw %arg1[2] : (!llvm.ptr) -> !llvm.ptr, f32 loc(#loc3)
    %10 = llvm.load %9 : !llvm.ptr -> f32 loc(#loc3)
    %11 = llvm.fcmp "oge" %10, %5 : f32 loc(#loc3)
    llvm.cond_br %11, ^bb5, ^bb6 loc(#loc3)
  ^bb5:  // pred: ^bb4
    %12 = llvm.getelementptr inbounds|nuw %arg1[%6] : (!llvm.ptr, i64) -> !llvm.ptr, f32 loc(#loc4)
    %13 = llvm.load %12 : !llvm.ptr -> f32 loc(#loc4)
    %14 = llvm.getelementptr inbounds|nuw %arg6[%6] : (!llvm.ptr, i64) -> !llvm.ptr, f32 loc(#loc4)
    %15 = llvm.load %14 : !llvm.ptr -> f32 loc(#loc4)
    %16 = llvm.fadd %13, %15 : f32 loc(#loc4)
    llvm.store %16, %12 : f32, !llvm.ptr loc(#loc4)
    llvm.br ^bb6 loc(#loc3)
  ^bb6:  // 2 preds: ^bb4, ^bb5
    %17 = llvm.add %6, %3 : i64 loc(#loc2)
    llvm.br ^bb1(%17 : i64) loc(#loc2)
  ^bb7:  // pred: ^bb1
    llvm.return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc1 = loc(unknown)
#loc3 = loc("examples/seed_conditional.cpp":26:5)
#loc4 = loc("examples/seed_conditional.cpp":27:9)
