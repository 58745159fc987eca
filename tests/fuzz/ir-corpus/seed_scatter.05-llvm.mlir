#loc = loc("examples/seed_scatter.cpp":19:11)
#loc2 = loc("examples/seed_scatter.cpp":23:3)
module attributes {seqfuse.check_sites = [{dim = 0 : i64, file = "examples/seed_scatter.cpp", kind = "index", line = 24 : i64, tensor = "t"}]} {
  llvm.func @seqfuse_rt_check_failed(i64, i64, i64) attributes {sym_visibility = "private"} loc(#loc)
  llvm.func @seed_scatter(%arg0: !llvm.ptr loc("examples/seed_scatter.cpp":19:11), %arg1: !llvm.ptr loc("examples/seed_scatter.cpp":19:11), %arg2: i64 loc("examples/seed_scatter.cpp":19:11), %arg3: i64 loc("examples/seed_scatter.cpp":19:11), %arg4: i64 loc("examples/seed_scatter.cpp":19:11), %arg5: !llvm.ptr loc("examples/seed_scatter.cpp":19:11), %arg6: !llvm.ptr loc("examples/seed_scatter.cpp":19:11), %arg7: i64 loc("examples/seed_scatter.cpp":19:11), %arg8: i64 loc("examples/seed_scatter.cpp":19:11), %arg9: i64 loc("examples/seed_scatter.cpp":19:11), %arg10: !llvm.ptr loc("examples/seed_scatter.cpp":19:11), %arg11: !llvm.ptr loc("examples/seed_scatter.cpp":19:11), %arg12: i64 loc("examples/seed_scatter.cpp":19:11), %arg13: i64 loc("examples/seed_scatter.cpp":19:11), %arg14: i64 loc("examples/seed_scatter.cpp":19:11)) attributes {seqfuse.checked, seqfuse.kernel} {
    %0 = llvm.mlir.constant(0 : i64) : i64 loc(#loc1)
    %1 = llvm.mlir.constant(0 : index) : i64 loc(#loc1)
    %2 = llvm.mlir.constant(1 : index) : i64 loc(#loc2)
    llvm.br ^bb1(%1 : i64) loc(#loc2)
  ^bb1(%3: i64 loc("examples/seed_scatter.cpp":23:3)):  // 2 preds: ^bb0, ^bb4
    %4 = llvm.icmp "slt" %3, %arg8 : i64 loc(#loc2)
    llvm.cond_br %4, ^bb2, ^bb5 loc(#loc2)
  ^bb2:  // pred: ^bb1
    %5 = llvm.getelementptr inbounds|nuw %arg11[%3] : (!llvm.ptr, i64) -> !llvm.ptr, f32 loc(#loc3)
    %6 = llvm.load %5 : !llvm.ptr -> f32 loc(#loc3)
    %7 = llvm.getelementptr inbounds|nuw %arg6[%3] : (!llvm.ptr, i64) -> !llvm.ptr, i64 loc(#loc3)
    %8 = llvm.load %7 : !llvm.ptr -> i64 loc(#loc3)
    %9 = llvm.icmp "uge" %8, %arg3 : i64 loc(#loc3)
    llvm.cond_br %9, ^bb3, ^bb4 loc(#loc3)
  ^bb3:  // pred: ^bb2
    llvm.call @seqfuse_rt_check_failed(%0, %8, %arg3) : (i64, i64, i64) -> () loc(#loc3)
    llvm.br ^bb4 loc(#loc3)
  ^bb4:  // 2 preds: ^bb2, ^bb3
    %10 = llvm.getelementptr inbounds|nuw %arg1[%8] : (!llvm.ptr, i64) -> !llvm.ptr, f32 loc(#loc3)
    llvm.store %6, %10 : f32, !llvm.ptr loc(#loc3)
    %11 = llvm.add %3, %2 : i64 loc(#loc2)
    llvm.br ^bb1(%11 : i64) loc(#loc2)
  ^bb5:  // pred: ^bb1
    llvm.return loc(#loc)
  } loc(#loc)
} loc(#loc)
#loc1 = loc(unknown)
#loc3 = loc("examples/seed_scatter.cpp":24:7)
