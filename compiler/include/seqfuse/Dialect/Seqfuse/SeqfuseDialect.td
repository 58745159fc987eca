//===- SeqfuseDialect.td - the seqfuse pattern dialect ------*- tablegen -*-===//
#ifndef SEQFUSE_DIALECT_SEQFUSE_DIALECT
#define SEQFUSE_DIALECT_SEQFUSE_DIALECT

include "mlir/IR/OpBase.td"

def Seqfuse_Dialect : Dialect {
  let name = "seqfuse";
  let cppNamespace = "::seqfuse";
  let summary = "Parallel patterns recovered from sequential loops";
  let description = [{
    Each op states a parallel pattern that a loop-form `scf.for` was proven to
    be: a `map` (independent iterations), a `reduce` or `scan` over an
    associative combiner (monoids, affine maps, tuples), a last-writer-wins
    `scatter`, a `scatter_combine` (histogram), or a `sequential` region kept
    as written. Every op has an exact sequential meaning (a left-to-right fold
    over the iteration range), so it lowers back to a loop that computes
    precisely what the original loop computed; parallel code generators may
    reassociate only what the op's combiner allows.
  }];
  let useDefaultAttributePrinterParser = 1;
  // The `seqfuse.*` attributes that ops of other dialects (the module, func
  // and its arguments, scf.for, memref, arith) carry: LoopFormAttrs.h and
  // PassAttrs.h name them, the verifiers check each one's type and reject
  // any other `seqfuse.` name.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
}

class Seqfuse_Op<string mnemonic, list<Trait> traits = []>
    : Op<Seqfuse_Dialect, mnemonic, traits>;

#endif // SEQFUSE_DIALECT_SEQFUSE_DIALECT
