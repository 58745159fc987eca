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

// -----

// Fold families are an enum: a string (the old form) or an unknown family
// does not parse.
func.func @kind_is_a_string(%v: memref<?xf32>, %n: index) -> f32 {
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
  // expected-error @+1 {{attribute 'kind' failed to satisfy constraint: the fold family of each group of accumulators}}
  } {kind = "add"} -> f32
  return %r : f32
}

// -----

func.func @unknown_family(%h: memref<?xi64>, %bin: memref<?xindex>, %n: index) {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i64
  seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
  ^bb0(%i: index):
    %b = memref.load %bin[%i] : memref<?xindex>
    seqfuse.yield %b, %one : index, i64
  } combiner {
  ^bb0(%old: i64, %x: i64):
    %s = arith.addi %old, %x : i64
    seqfuse.yield %s : i64
  // expected-error @+2 {{expected ::seqfuse::FoldKind to be one of: add, mul, min, max}}
  // expected-error @+1 {{failed to parse Seqfuse_FoldKindAttr parameter 'value'}}
  } {kind = #seqfuse.fold<sum>}
  return
}

// -----

func.func @policy_is_an_enum(%h: memref<?xf64>, %bin: memref<?xindex>, %n: index) {
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
  // expected-error @+1 {{attribute 'fp' failed to satisfy constraint}}
  } {kind = #seqfuse.fold<add>, fp = "strict"}
  return
}

// -----

// The seqfuse.* attributes other dialects' ops carry are declared: a typo
// or a value of the wrong type is an error.
// expected-error @+1 {{unknown seqfuse attribute 'seqfuse.kernal' (known: seqfuse.name, seqfuse.access}}
func.func @typo(%n: index) attributes {seqfuse.kernal} {
  return
}

// -----

// expected-error @+1 {{attribute 'seqfuse.access' must be "in", "out" or "inout", got "inplace"}}
func.func @access(%t: memref<?xf32> {seqfuse.access = "inplace"}) {
  return
}

// -----

func.func @states(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{attribute 'seqfuse.states' must be an array of strings, got 3 : i64}}
  scf.for %i = %c0 to %n step %c1 {
  } {seqfuse.states = 3}
  return
}
