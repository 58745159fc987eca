// RUN: seqfuse-opt --seqfuse-float-policy --split-input-file %s | FileCheck %s --check-prefixes=CHECK,DEFAULT
// RUN: seqfuse-opt --seqfuse-float-policy=strict=true --split-input-file %s | FileCheck %s --check-prefixes=CHECK,STRICT

// A float sum rounds: reassociating it changes the result's last bits.
// CHECK-LABEL: func.func @sum
// DEFAULT: {fp = #seqfuse.fp<reassociate>, kind = [#seqfuse.fold<add>]}
// STRICT: {fp = #seqfuse.fp<strict>, kind = [#seqfuse.fold<add>]}
func.func @sum(%v: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%a: f32, %x: f32):
    %s = arith.addf %a, %x : f32
    seqfuse.yield %s : f32
  } {kind = [#seqfuse.fold<add>]} -> f32
  return %r : f32
}

// -----

// min/max, integers and selects are exact under any grouping: no attribute.
// CHECK-LABEL: func.func @exact
// CHECK-NOT: fp =
// CHECK: {kind = [#seqfuse.fold<min>, #seqfuse.fold<add>]}
func.func @exact(%v: memref<?xf32>, %w: memref<?xi32>, %n: index) -> (f32, i32) {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  %zi = arith.constant 0 : i32
  %r:2 = seqfuse.reduce %c0 to %n init(%z, %zi : f32, i32) element {
  ^bb0(%i: index):
    %x = memref.load %v[%i] : memref<?xf32>
    %y = memref.load %w[%i] : memref<?xi32>
    seqfuse.yield %x, %y : f32, i32
  } combiner {
  ^bb0(%a: f32, %b: i32, %x: f32, %y: i32):
    %m = arith.minimumf %a, %x : f32
    %s = arith.addi %b, %y : i32
    seqfuse.yield %m, %s : f32, i32
  } {kind = [#seqfuse.fold<min>, #seqfuse.fold<add>]} -> f32, i32
  return %r#0, %r#1 : f32, i32
}

// -----

// A float histogram's updates may be applied in another order only by
// default.
// CHECK-LABEL: func.func @hist
// DEFAULT: {fp = #seqfuse.fp<reassociate>, kind = #seqfuse.fold<add>}
// STRICT: {fp = #seqfuse.fp<strict>, kind = #seqfuse.fold<add>}
func.func @hist(%h: memref<?xf64>, %bin: memref<?xindex>, %n: index) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f64
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xf64> element {
  ^bb0(%i: index):
    %b = memref.load %bin[%i] : memref<?xindex>
    seqfuse.yield %b, %one : index, f64
  } combiner {
  ^bb0(%old: f64, %x: f64):
    %s = arith.addf %old, %x : f64
    seqfuse.yield %s : f64
  } {kind = #seqfuse.fold<add>}
  return
}
