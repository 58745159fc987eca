// RUN: seqfuse-opt --seqfuse-fuse-patterns --split-input-file %s | FileCheck %s

// A map writing tmp[i], a scan whose body reads tmp[i], and a reduction over
// the same range (its bound a separate memref.dim of the same memref, its
// init a constant defined in between): one scan with both accumulators, the
// map's statements first in its body. Bytes per iteration: 8 (map: v, tmp)
// + 12 (scan: v, tmp, out) + 4 (reduce: w) as separate loops; 16 fused (v,
// w, tmp, out once each).
// CHECK-LABEL: func.func @chain
// CHECK: %[[R:.*]]:2 = seqfuse.scan %{{.*}} to %{{.*}} init(%{{.*}}, %{{.*}} : f32, i32) element {
// CHECK: ^bb0(%[[I:.*]]: index):
// CHECK:   %[[V:.*]] = memref.load %arg0[%[[I]]]
// CHECK:   %[[W:.*]] = memref.load %arg1[%[[I]]]
// CHECK:   seqfuse.yield %[[V]], %[[W]] : f32, i32
// CHECK: } combiner {
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: i32, %[[X:.*]]: f32, %[[Y:.*]]: i32):
// CHECK:   arith.addf %[[A]], %[[X]]
// CHECK:   arith.maxsi %[[B]], %[[Y]]
// CHECK: } body {
// CHECK: ^bb0(%[[BI:.*]]: index, %[[ACC:.*]]: f32, %{{.*}}: i32):
// CHECK:   %[[T:.*]] = arith.mulf
// CHECK:   memref.store %[[T]], %arg2[%[[BI]]]
// CHECK:   %[[T2:.*]] = memref.load %arg2[%[[BI]]]
// CHECK:   %[[S:.*]] = arith.addf %[[ACC]], %[[T2]]
// CHECK:   memref.store %[[S]], %arg3[%[[BI]]]
// CHECK: } {fused = ["map at {{.*}}", "scan at a.cpp:3", "reduce at {{.*}}"], identity = [-0.000000e+00 : f32, -2147483648 : i32], kind = [#seqfuse.fold<add>, #seqfuse.fold<max>], seqfuse.bytes_after = 16 : i64, seqfuse.bytes_before = 24 : i64, seqfuse.states = ["acc", "m"]} -> f32, i32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @chain(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %w: memref<?xi32> {seqfuse.dims = ["n#0"]},
                 %tmp: memref<?xf32> {seqfuse.dims = ["n#0"]}, %out: memref<?xf32> {seqfuse.dims = ["n#0"]}) -> (f32, i32) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %two = arith.constant 2.0 : f32
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %tmp[%i] : memref<?xf32>
    seqfuse.yield
  }
  %z = arith.constant 0.0 : f32
  %s = seqfuse.scan %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%a: f32, %x: f32):
    %r = arith.addf %a, %x : f32
    seqfuse.yield %r : f32
  } body {
  ^bb0(%i: index, %acc: f32):
    %t = memref.load %tmp[%i] : memref<?xf32>
    %r = arith.addf %acc, %t : f32
    memref.store %r, %out[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:3", identity = [-0.0 : f32], kind = [#seqfuse.fold<add>], seqfuse.states = ["acc"]} -> f32
  %n2 = memref.dim %v, %c0 : memref<?xf32>
  %lo = arith.constant -2147483648 : i32
  %m = seqfuse.reduce %c0 to %n2 init(%lo : i32) element {
  ^bb0(%i: index):
    %x = memref.load %w[%i] : memref<?xi32>
    seqfuse.yield %x : i32
  } combiner {
  ^bb0(%a: i32, %x: i32):
    %r = arith.maxsi %a, %x : i32
    seqfuse.yield %r : i32
  } {identity = [-2147483648 : i32], kind = [#seqfuse.fold<max>], seqfuse.states = ["m"]} -> i32
  return %s, %m : f32, i32
}

// -----

// The reduction's element reads tmp[i], which the map writes: in one loop
// the element would run before the map's store of the same iteration. The
// fused element computes the stored value (v[i]) itself instead, and the
// store stays in the fused op's body: a scan.
// CHECK-LABEL: func.func @element_reads_written
// CHECK-NOT: seqfuse.map
// CHECK: seqfuse.scan {{.*}} element {
// CHECK-NEXT: ^bb0(%[[I:.*]]: index):
// CHECK-NEXT: %[[X:.*]] = memref.load %arg0[%[[I]]]
// CHECK-NEXT: seqfuse.yield %[[X]] : f32
// CHECK: } body {
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: seqfuse.bytes_after = 8 : i64, seqfuse.bytes_before = 12 : i64
func.func @element_reads_written(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %tmp: memref<?xf32> {seqfuse.dims = ["n#0"]}) -> f32 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    memref.store %x, %tmp[%i] : memref<?xf32>
    seqfuse.yield
  }
  %z = arith.constant 0.0 : f32
  %s = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    %x = memref.load %tmp[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%a: f32, %x: f32):
    %r = arith.addf %a, %x : f32
    seqfuse.yield %r : f32
  } -> f32
  return %s : f32
}

// -----

// The second map reads tmp[i + 1] (another iteration's element) and a
// kept loop between touches tmp: neither fuses.
// CHECK-LABEL: func.func @other_element
// CHECK: seqfuse.map
// CHECK: seqfuse.map
// CHECK: seqfuse.not_fused = "something in the second can raise {{.*}}", seqfuse.not_fused_after = "map at {{.*}}fuse-patterns.mlir:[[#@LINE+8]]"
// CHECK: seqfuse.sequential
// CHECK: seqfuse.map
// CHECK: seqfuse.not_fused = "something in the first can raise {{.*}}", seqfuse.not_fused_after = "map at {{.*}}fuse-patterns.mlir:[[#@LINE+11]]"
func.func @other_element(%v: memref<8xf32>, %tmp: memref<8xf32>, %o: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  seqfuse.map %c0 to %c7 {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<8xf32>
    memref.store %x, %tmp[%i] : memref<8xf32>
    seqfuse.yield
  }
  seqfuse.map %c0 to %c7 {
  ^bb0(%i: index):
    %j = arith.addi %i, %c1 : index
    %x = memref.load %tmp[%j] : memref<8xf32>
    memref.store %x, %o[%i] : memref<8xf32>
    seqfuse.yield
  }
  seqfuse.sequential {
    scf.for %i = %c0 to %c7 step %c1 {
      %x = memref.load %tmp[%i] : memref<8xf32>
      memref.store %x, %tmp[%c0] : memref<8xf32>
    }
    seqfuse.yield
  } {reason = "x"}
  seqfuse.map %c0 to %c7 {
  ^bb0(%i: index):
    %x = memref.load %tmp[%i] : memref<8xf32>
    memref.store %x, %o[%i] : memref<8xf32>
    seqfuse.yield
  }
  return
}

// -----

// Two maps with a commuting kept loop between (it touches only other
// memory): they fuse, the kept loop stays after.
// CHECK-LABEL: func.func @across
// CHECK: seqfuse.map
// CHECK:   memref.store {{.*}} %arg1
// CHECK:   memref.store {{.*}} %arg3
// CHECK: } {fused = ["map at {{.*}}fuse-patterns.mlir:{{[0-9]+}}", "map at {{.*}}fuse-patterns.mlir:{{[0-9]+}}"], seqfuse.bytes_after = 12 : i64, seqfuse.bytes_before = 16 : i64}
// CHECK-NEXT: seqfuse.sequential
// CHECK-NOT: seqfuse.map
func.func @across(%v: memref<8xf32>, %a: memref<8xf32>, %t: memref<8xf32>, %b: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  seqfuse.map %c0 to %c8 {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<8xf32>
    memref.store %x, %a[%i] : memref<8xf32>
    seqfuse.yield
  }
  seqfuse.sequential {
    scf.for %i = %c0 to %c8 step %c1 {
      %x = memref.load %t[%i] : memref<8xf32>
      memref.store %x, %t[%c0] : memref<8xf32>
    }
    seqfuse.yield
  } {reason = "x"}
  seqfuse.map %c0 to %c8 {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<8xf32>
    memref.store %x, %b[%i] : memref<8xf32>
    seqfuse.yield
  }
  return
}

// -----

// A scan whose element reads y[i], which the map before it writes at the same
// iteration: the fused element computes the stored value itself (store-to-load
// forwarding: running all of the map first leaves exactly it in y[i]), and
// the map's store stays in the body.
// CHECK-LABEL: func.func @forward
// CHECK-NOT: seqfuse.map
// CHECK: seqfuse.scan {{.*}} element {
// CHECK-NEXT: ^bb0(%[[I:.*]]: index):
// CHECK-NEXT: %[[X:.*]] = memref.load %arg0[%[[I]]]
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[X]], %{{.*}} : f32
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[M]], %{{.*}} : f32
// CHECK-NEXT: seqfuse.yield %[[A]] : f32
// CHECK: } body {
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: memref.store %{{.*}}, %arg2[
// CHECK: fused = ["map at a.cpp:3", "scan at a.cpp:4"]
func.func @forward(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %y: memref<?xf32> {seqfuse.dims = ["n#0"]}, %c: memref<?xf32> {seqfuse.dims = ["n#0"]}) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    %m = arith.mulf %x, %half : f32
    %a = arith.addf %m, %one : f32
    memref.store %a, %y[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:3"}
  %r = seqfuse.scan %c0 to %n init(%zero : f32) element {
  ^bb0(%i: index):
    %e = memref.load %y[%i] : memref<?xf32>
    seqfuse.yield %e : f32
  } combiner {
  ^bb0(%p: f32, %q: f32):
    %s = arith.addf %p, %q : f32
    seqfuse.yield %s : f32
  } body {
  ^bb0(%i: index, %acc: f32):
    memref.store %acc, %c[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:4", identity = [-0.0 : f32], kind = [#seqfuse.fold<add>]} -> f32
  return
}

// -----

// The same, but the map's value reads what the scan writes (c): not forwarded,
// not fused.
// CHECK-LABEL: func.func @no_forward
// CHECK: seqfuse.map
// CHECK-NOT: fused = [
// CHECK: seqfuse.scan
// CHECK-NOT: fused = [
// CHECK: seqfuse.not_fused = "the second's element reads '<memref>', which the first writes, and not as a value the first stores at the same iteration from memory neither writes", seqfuse.not_fused_after = "map at a.cpp:3"
func.func @no_forward(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %y: memref<?xf32> {seqfuse.dims = ["n#0"]}, %c: memref<?xf32> {seqfuse.dims = ["n#0"]}) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %x = memref.load %c[%i] : memref<?xf32>
    memref.store %x, %y[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:3"}
  %r = seqfuse.scan %c0 to %n init(%zero : f32) element {
  ^bb0(%i: index):
    %e = memref.load %y[%i] : memref<?xf32>
    seqfuse.yield %e : f32
  } combiner {
  ^bb0(%p: f32, %q: f32):
    %s = arith.addf %p, %q : f32
    seqfuse.yield %s : f32
  } body {
  ^bb0(%i: index, %acc: f32):
    memref.store %acc, %c[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:4", identity = [-0.0 : f32], kind = [#seqfuse.fold<add>]} -> f32
  return
}

// -----

// A last-writer-wins scatter after a scan over the same range: its own pass
// (see the pass description), explained on the scatter. Over another range
// no remark: those loops were never candidates.
// CHECK-LABEL: func.func @scatter_after_scan
// CHECK: seqfuse.scan
// CHECK-NOT: seqfuse.not_fused
// CHECK: seqfuse.scatter
// CHECK: } {at = "a.cpp:5", seqfuse.not_fused = "a last-writer-wins scatter runs as its own pass: {{.*}}", seqfuse.not_fused_after = "scan at a.cpp:4"}
// CHECK: seqfuse.map
// CHECK-NOT: seqfuse.not_fused
// CHECK: return
func.func @scatter_after_scan(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %idx: memref<?xi64> {seqfuse.dims = ["n#0"]}, %c: memref<?xf32> {seqfuse.dims = ["n#0"]}, %t: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  %m = memref.dim %t, %c0 : memref<?xf32>
  %zero = arith.constant 0.0 : f32
  %r = seqfuse.scan %c0 to %n init(%zero : f32) element {
  ^bb0(%i: index):
    %e = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %e : f32
  } combiner {
  ^bb0(%p: f32, %q: f32):
    %s = arith.addf %p, %q : f32
    seqfuse.yield %s : f32
  } body {
  ^bb0(%i: index, %acc: f32):
    memref.store %acc, %c[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:4", identity = [-0.0 : f32], kind = [#seqfuse.fold<add>]} -> f32
  seqfuse.scatter %c0 to %n into %t : memref<?xf32> element {
  ^bb0(%i: index):
    %j = memref.load %idx[%i] : memref<?xi64>
    %x = memref.load %c[%i] : memref<?xf32>
    %ji = arith.index_cast %j : i64 to index
    seqfuse.yield %ji, %x : index, f32
  } {at = "a.cpp:5"}
  seqfuse.map %c0 to %m {
  ^bb0(%i: index):
    %x = memref.load %t[%i] : memref<?xf32>
    memref.store %x, %c[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:6"}
  return
}

// -----

// Two maps that could fuse, but a kept loop between them writes what the
// second reads: the second cannot move up, and its remark names the kept loop.
// CHECK-LABEL: func.func @blocked_between
// CHECK: seqfuse.sequential
// CHECK: seqfuse.map
// CHECK: } {at = "a.cpp:9", seqfuse.not_fused = "the sequential at a.cpp:8 between them touches memory the second does, or can raise, so the second cannot move up to the first", seqfuse.not_fused_after = "map at a.cpp:7"}
func.func @blocked_between(%v: memref<?xf32> {seqfuse.dims = ["n#0"]}, %a: memref<?xf32> {seqfuse.dims = ["n#0"]}, %b: memref<?xf32> {seqfuse.dims = ["n#0"]}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %v, %c0 : memref<?xf32>
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    memref.store %x, %a[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:7"}
  seqfuse.sequential {
    %x = memref.load %v[%c0] : memref<?xf32>
    memref.store %x, %b[%c0] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:8", reason = "x"}
  seqfuse.map %c0 to %n {
  ^bb0(%i: index):
    %x = memref.load %b[%i] : memref<?xf32>
    memref.store %x, %v[%i] : memref<?xf32>
    seqfuse.yield
  } {at = "a.cpp:9"}
  return
}
