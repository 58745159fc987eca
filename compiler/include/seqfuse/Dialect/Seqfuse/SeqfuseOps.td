//===- SeqfuseOps.td - seqfuse pattern ops ------------------*- tablegen -*-===//
#ifndef SEQFUSE_DIALECT_SEQFUSE_OPS
#define SEQFUSE_DIALECT_SEQFUSE_OPS

include "seqfuse/Dialect/Seqfuse/SeqfuseAttrs.td"
include "seqfuse/Dialect/Seqfuse/SeqfuseDialect.td"
include "seqfuse/Dialect/Seqfuse/SeqfuseInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// Attributes every op may carry: `at`, the user's file:line of the
// statement (the report's location; set where the op is made).
defvar Seqfuse_AtAttr = OptionalAttr<StrAttr>;
// `fused`: the ops seqfuse-fuse-patterns made this one from ("map at
// f.cpp:3"), in program order.
defvar Seqfuse_FusedAttr = OptionalAttr<StrArrayAttr>;

class Seqfuse_PatternOp<string mnemonic, list<Trait> traits = []>
    : Seqfuse_Op<mnemonic, !listconcat([RecursiveMemoryEffects,
                                        DeclareOpInterfaceMethods<Seqfuse_PatternOpInterface,
                                            ["getElementRegion", "getCombinerRegion",
                                             "getStepRegion", "getConsumerRegion",
                                             "getScatterTarget", "isReverse"]>],
                                       traits)>;

def Seqfuse_YieldOp : Seqfuse_Op<"yield", [Pure, Terminator]> {
  let summary = "Ends a region of a seqfuse op, passing values to it";
  let description = [{
    Terminates every region of the seqfuse ops. What the values mean depends
    on the region: the element of an iteration, the combined accumulator, the
    index and value of a scatter, or nothing.

    ```mlir
    seqfuse.yield %a, %b : f32, f32
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, mlir::ValueRange()); }]>];
}

def Seqfuse_MapOp : Seqfuse_PatternOp<"map"> {
  let summary = "Iterations that are independent of each other";
  let description = [{
    Runs `body` for every `i` in `[lowerBound, upperBound)`. The iterations
    were proven independent: no iteration reads what another writes, and no
    two write the same place. Sequentially it is a loop in increasing `i`; in
    parallel any order gives the same result. A condition inside the body
    makes a masked map.

    ```mlir
    seqfuse.map %c0 to %n {
    ^bb0(%i: index):
      %x = memref.load %in[%i] : memref<?xf32>
      %y = arith.mulf %x, %x : f32
      memref.store %y, %out[%i] : memref<?xf32>
      seqfuse.yield
    }
    ```
  }];
  let arguments = (ins Index:$lowerBound, Index:$upperBound, Seqfuse_AtAttr:$at,
                       Seqfuse_FusedAttr:$fused);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$lowerBound `to` $upperBound $body attr-dict";
  let hasVerifier = 1;
}

class Seqfuse_FoldOp<string mnemonic> : Seqfuse_PatternOp<mnemonic> {
  code foldDescription = [{
    `element` (`^bb0(%i: index)`) yields the iteration's element, a tuple of
    the accumulator's types. `combiner` (`^bb0(%acc..., %x...)`) yields the
    new accumulator; it must be associative (it is a composition of update
    functions, or a monoid operator), which makes the fold parallel. The
    optional `identity` is the combiner's neutral element, `kind` names the
    recognised family of each group of accumulators (e.g.
    `[#seqfuse.fold<add>]`, `[#seqfuse.fold<affine>]`,
    `[#seqfuse.fold<argmin>, #seqfuse.fold<and>]`), and `reverse` folds
    from `upperBound - 1` down to `lowerBound`.

    The optional `step` region (same arguments and results as `combiner`)
    applies one iteration's element to the running accumulator exactly as
    the loop does; where it is present the sequential meaning uses `step` in
    place of `combiner`, and `combiner` only composes accumulators (a chunk's
    summary with the next one's). Both describe the same function; they
    differ only in floating-point rounding and in how structural zeros are
    treated (e.g. the shift rows of a companion matrix are moves in `step`,
    multiplications by 0 and 1 in `combiner`). A parallel lowering applies
    `step` inside a chunk and `combiner` across chunks, and only where
    reassociating floating point is allowed (never with `strict_fp`).

    `fp` (`#seqfuse.fp<reassociate>` or `#seqfuse.fp<strict>`) is set by
    `seqfuse-float-policy` where the combiner rounds; `at` is the
    statement's file:line, `fused` the ops `seqfuse-fuse-patterns` made this
    one from. The discardable `seqfuse.states` holds the user's names of the
    accumulators.
  }];
}

def Seqfuse_ReduceOp : Seqfuse_FoldOp<"reduce"> {
  let summary = "A fold of an associative combiner over an iteration range";
  let description = [{
    Sequential meaning: `acc = init; for i: acc = combiner(acc, element(i))`
    (`step` in place of `combiner` where present); the results are the final
    `acc`.
  }] # foldDescription # [{

    ```mlir
    %sum = seqfuse.reduce %c0 to %n init(%zero : f32) element {
    ^bb0(%i: index):
      %x = memref.load %v[%i] : memref<?xf32>
      seqfuse.yield %x : f32
    } combiner {
    ^bb0(%acc: f32, %x: f32):
      %s = arith.addf %acc, %x : f32
      seqfuse.yield %s : f32
    } {kind = [#seqfuse.fold<add>], identity = [0.0 : f32]} -> f32
    ```
  }];
  let arguments = (ins Index:$lowerBound, Index:$upperBound, Variadic<AnyType>:$init,
                       UnitAttr:$reverse, OptionalAttr<Seqfuse_FoldKindArrayAttr>:$kind,
                       OptionalAttr<ArrayAttr>:$identity,
                       OptionalAttr<Seqfuse_FloatPolicyAttr>:$fp, Seqfuse_AtAttr:$at,
                       Seqfuse_FusedAttr:$fused);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$element, SizedRegion<1>:$combiner,
                        MaxSizedRegion<1>:$step);
  let assemblyFormat = [{
    $lowerBound `to` $upperBound (`init` `(` $init^ `:` type($init) `)`)?
    `element` $element `combiner` $combiner (`step` $step^)? attr-dict
    (`->` type($results)^)?
  }];
  let hasVerifier = 1;
}

def Seqfuse_ScanOp : Seqfuse_FoldOp<"scan"> {
  let summary = "A prefix fold whose running value each iteration consumes";
  let description = [{
    Sequential meaning:

    ```
    acc = init
    for i:
      if (!inclusive) body(i, acc)
      acc = combiner(acc, element(i))   // step(acc, element(i)) if present
      if (inclusive) body(i, acc)
    ```

    `body` (`^bb0(%i: index, %acc...)`) consumes the running value, typically
    storing it (`out[i] = acc`); it must not write what `element` reads. The
    results are the final `acc`. A scan nested in a `map` is a batched scan
    along the inner axis.
  }] # foldDescription # [{

    ```mlir
    %last = seqfuse.scan %c0 to %n init(%zero : f32) element {
    ^bb0(%i: index):
      %x = memref.load %v[%i] : memref<?xf32>
      seqfuse.yield %x : f32
    } combiner {
    ^bb0(%acc: f32, %x: f32):
      %s = arith.addf %acc, %x : f32
      seqfuse.yield %s : f32
    } body {
    ^bb0(%i: index, %acc: f32):
      memref.store %acc, %out[%i] : memref<?xf32>
      seqfuse.yield
    } {kind = [#seqfuse.fold<add>], inclusive = true} -> f32
    ```
  }];
  let arguments = (ins Index:$lowerBound, Index:$upperBound, Variadic<AnyType>:$init,
                       DefaultValuedAttr<BoolAttr, "true">:$inclusive,
                       UnitAttr:$reverse, OptionalAttr<Seqfuse_FoldKindArrayAttr>:$kind,
                       OptionalAttr<ArrayAttr>:$identity,
                       OptionalAttr<Seqfuse_FloatPolicyAttr>:$fp, Seqfuse_AtAttr:$at,
                       Seqfuse_FusedAttr:$fused);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$element, SizedRegion<1>:$combiner,
                        SizedRegion<1>:$body, MaxSizedRegion<1>:$step);
  let assemblyFormat = [{
    $lowerBound `to` $upperBound (`init` `(` $init^ `:` type($init) `)`)?
    `element` $element `combiner` $combiner (`step` $step^)? `body` $body attr-dict
    (`->` type($results)^)?
  }];
  let hasVerifier = 1;
}

def Seqfuse_ScatterOp : Seqfuse_PatternOp<"scatter"> {
  let summary = "Indirect writes where the last writer wins";
  let description = [{
    For every `i` in `[lowerBound, upperBound)`, `element` yields the indices
    (one per dimension of `target`) and the value, and the value is stored
    there. Where several iterations write the same place, the highest `i`
    wins, as in the loop. `target` is not read by the loop, and neither the
    indices nor the values depend on it.

    ```mlir
    seqfuse.scatter %c0 to %n into %t : memref<?xf32> element {
    ^bb0(%i: index):
      %j = memref.load %idx[%i] : memref<?xindex>
      %v = memref.load %m[%i] : memref<?xf32>
      seqfuse.yield %j, %v : index, f32
    }
    ```
  }];
  let arguments = (ins Index:$lowerBound, Index:$upperBound,
                       Arg<AnyMemRef, "the memref written", [MemWrite]>:$target,
                       Seqfuse_AtAttr:$at);
  let regions = (region SizedRegion<1>:$element);
  let assemblyFormat = [{
    $lowerBound `to` $upperBound `into` $target `:` type($target) `element` $element
    attr-dict
  }];
  let hasVerifier = 1;
}

def Seqfuse_ScatterCombineOp : Seqfuse_PatternOp<"scatter_combine"> {
  let summary = "Indirect updates with an associative, commutative combiner";
  let description = [{
    A histogram: for every `i`, `element` yields the indices and a value, and
    `target[indices] = combiner(target[indices], value)`. The combiner must be
    associative and commutative (integer +, *, min, max, and, or, xor; float
    min and max; float + and * only where reassociation is allowed), so the
    updates may be applied in any order. `target` is not otherwise accessed.

    ```mlir
    seqfuse.scatter_combine %c0 to %n into %h : memref<?xi64> element {
    ^bb0(%i: index):
      %b = memref.load %bin[%i] : memref<?xindex>
      %one = arith.constant 1 : i64
      seqfuse.yield %b, %one : index, i64
    } combiner {
    ^bb0(%old: i64, %x: i64):
      %s = arith.addi %old, %x : i64
      seqfuse.yield %s : i64
    } {kind = #seqfuse.fold<add>}
    ```
  }];
  let arguments = (ins Index:$lowerBound, Index:$upperBound,
                       Arg<AnyMemRef, "the memref updated", [MemRead, MemWrite]>:$target,
                       OptionalAttr<Seqfuse_FoldKindAttr>:$kind,
                       OptionalAttr<Seqfuse_FloatPolicyAttr>:$fp, Seqfuse_AtAttr:$at);
  let regions = (region SizedRegion<1>:$element, SizedRegion<1>:$combiner);
  let assemblyFormat = [{
    $lowerBound `to` $upperBound `into` $target `:` type($target) `element` $element
    `combiner` $combiner attr-dict
  }];
  let hasVerifier = 1;
}

def Seqfuse_SequentialOp : Seqfuse_Op<"sequential", [RecursiveMemoryEffects]> {
  let summary = "A loop kept as written, with the reason";
  let description = [{
    Holds IR (usually one `scf.for`) that no pattern was proven for; it runs
    exactly as written. `reason` says why, for the user's report. The values
    the body yields (a kept loop's results) are the op's results.

    ```mlir
    seqfuse.sequential {
      scf.for %i = %c0 to %n step %c1 { ... }
      seqfuse.yield
    } {reason = "the condition reads t[2], which iteration 2 writes"}
    ```
  }];
  let arguments = (ins StrAttr:$reason, Seqfuse_AtAttr:$at);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$body attr-dict (`->` type($results)^)?";
  let hasVerifier = 1;
}

#endif // SEQFUSE_DIALECT_SEQFUSE_OPS
