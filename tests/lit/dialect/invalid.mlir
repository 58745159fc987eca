// RUN: seqfuse-opt %s --split-input-file --verify-diagnostics

func.func @map_args(%n: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'body' region must take (index), but takes (index, index)}}
  seqfuse.map %c0 to %n {
  ^bb0(%i: index, %j: index):
    seqfuse.yield
  }
  return
}

// -----

func.func @reduce_element_type(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{'element' region must yield (f32), but yields (i32)}}
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    %x = arith.constant 1 : i32
    seqfuse.yield %x : i32
  } combiner {
  ^bb0(%a: f32, %b: f32):
    seqfuse.yield %a : f32
  } -> f32
  return %r : f32
}

// -----

func.func @reduce_combiner_args(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{'combiner' region must take (f32, f32), but takes (f32)}}
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    seqfuse.yield %z : f32
  } combiner {
  ^bb0(%a: f32):
    seqfuse.yield %a : f32
  } -> f32
  return %r : f32
}

// -----

func.func @reduce_identity(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{identity 0 : i32 is not of type 'f32'}}
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    seqfuse.yield %z : f32
  } combiner {
  ^bb0(%a: f32, %b: f32):
    seqfuse.yield %a : f32
  } {identity = [0 : i32]} -> f32
  return %r : f32
}

// -----

func.func @reduce_no_init(%n: index) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{needs at least one accumulator (init)}}
  seqfuse.reduce %c0 to %n element {
  ^bb0(%i: index):
    seqfuse.yield
  } combiner {
  ^bb0:
    seqfuse.yield
  }
  return
}

// -----

func.func @scan_body(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{'body' region must take (index, f32), but takes (index)}}
  %r = seqfuse.scan %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    seqfuse.yield %z : f32
  } combiner {
  ^bb0(%a: f32, %b: f32):
    seqfuse.yield %a : f32
  } body {
  ^bb0(%i: index):
    seqfuse.yield
  } -> f32
  return %r : f32
}

// -----

func.func @scatter_rank(%t: memref<?x?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %v = arith.constant 1.0 : f32
  // expected-error @+1 {{'element' region must yield (index, index, f32), but yields (index, f32)}}
  seqfuse.scatter %c0 to %n into %t : memref<?x?xf32> element {
  ^bb0(%i: index):
    seqfuse.yield %i, %v : index, f32
  }
  return
}

// -----

func.func @histogram_combiner(%h: memref<?xi64>, %n: index) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i64
  // expected-error @+1 {{'combiner' region must take (i64, i64), but takes (i32, i32)}}
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
  ^bb0(%i: index):
    seqfuse.yield %i, %one : index, i64
  } combiner {
  ^bb0(%a: i32, %b: i32):
    seqfuse.yield %a : i32
  }
  return
}

// -----

func.func @sequential_terminator() {
  // expected-error @+1 {{'body' region must end in seqfuse.yield}}
  seqfuse.sequential {
    func.return
  } {reason = "x"}
  return
}

// -----

func.func @step_types(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{'step' region must yield (f32), but yields (i32)}}
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    seqfuse.yield %z : f32
  } combiner {
  ^bb0(%a: f32, %b: f32):
    seqfuse.yield %a : f32
  } step {
  ^bb0(%a: f32, %b: f32):
    %k = arith.constant 1 : i32
    seqfuse.yield %k : i32
  } -> f32
  return %r : f32
}

// -----

// (IR fuzzer) A region whose block is empty: an error, not a crash.
func.func @empty_element(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{'element' region must end in seqfuse.yield}}
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
  } combiner {
  ^bb0(%a: f32, %b: f32):
    seqfuse.yield %a : f32
  } -> f32
  return %r : f32
}

// -----

func.func @empty_step(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  // expected-error @+1 {{'step' region must end in seqfuse.yield}}
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
  ^bb0(%i: index):
    seqfuse.yield %z : f32
  } combiner {
  ^bb0(%a: f32, %b: f32):
    seqfuse.yield %a : f32
  } step {
  ^bb0(%a: f32, %b: f32):
  } -> f32
  return %r : f32
}
