// NOT RUN BY CI. An IR-fuzzer mutant (seed 4242, mutant 341) on which
// `seqfuse-opt --split-input-file` corrupts the heap while recovering from
// the two parse errors: valgrind shows MLIR's parser (parseAsmSourceFile ->
// Operation::erase) writing to a block that the ODS-generated
// ScatterCombineOp::parse freed when its combiner region failed to parse.
// It crashes in about 2 of 3 runs at exit (no seqfuse pass runs: both
// sections fail to parse). Mechanism: a module-level forward reference
// (`%x = memref.load %v[%i]`) is resolved by the element region's block
// argument `%i`; the combiner region then fails ("redefinition of %x"), the
// generated parser destroys the element region, and the module-level load
// is left using a freed block argument. tests/fuzz/ir_fuzz.py reports such
// mutants (they crash when only parsed) without failing. Upstream has fixed similar parser bugs
// (llvm/llvm-project#127778, #107121); recheck with a newer MLIR.
//   valgrind build/bin/seqfuse-opt --split-input-file tests/fuzz/known/parser-use-after-free.mlir

// A float sum rounds: reassociating it changes the result's last bits.
// CHECK-LABEL: func.func @sum
  %r = seqfuse.reduce %c0 to %n init(%z : f32) element {
// STRICT: {fp = #seqfuse.fp<strict>, kind = [#seqfuse.fold<add>]}
func.func @sum(%v: memref<?xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
// DEFAULT: {fp = #seqfuse.fp<reassociate>, kind = [#seqfuse.fold<add>]}
  ^bb0(%i: index):
// default.
    seqfuse.yield %x : f32
  } combiner {
  ^bb0(%a: f32, %x: f32):
    %s = arith.addf %a, %x : f32
    seqfuse.yield %s : f32
  } {kind = [#seqfuse.fold<add>]} -> f32
  return %r : f32
}

// -----

// A float histogram's updates may be applied in another order only by
    %x = memref.load %v[%i] : memref<?xf32>
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
