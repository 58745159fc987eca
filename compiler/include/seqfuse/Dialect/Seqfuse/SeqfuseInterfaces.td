//===- SeqfuseInterfaces.td - the contract of pattern ops ---*- tablegen -*-===//
//
// What every lowering (sequential reference, CPU, GPU) and analysis reads of
// a pattern op, without a case per op.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DIALECT_SEQFUSE_INTERFACES
#define SEQFUSE_DIALECT_SEQFUSE_INTERFACES

include "mlir/IR/OpBase.td"

def Seqfuse_PatternOpInterface : OpInterface<"PatternOp"> {
  let cppNamespace = "::seqfuse";
  let description = [{
    A pattern op runs its regions for every iteration `i` of
    `[lowerBound, upperBound)`, with an exact sequential meaning (a loop in
    increasing `i`, or decreasing for a reverse fold) and a parallel one
    that gives the same result (up to the float policy). The parts:

    - the element region computes what iteration `i` contributes (a map's
      body, a fold's element, a scatter's indices and value);
    - a fold's combiner composes accumulators, its optional step applies
      one element as the loop does;
    - a scan's consumer region (`body`) reads the running value;
    - a scatter writes `target`.

    A region "takes the iteration" when its first block argument is `i`.
  }];
  let methods = [
    InterfaceMethod<"The first iteration.", "::mlir::Value", "getLowerBound">,
    InterfaceMethod<"One past the last iteration.", "::mlir::Value", "getUpperBound">,
    InterfaceMethod<"What iteration i computes (its first argument is i).",
                    "::mlir::Region &", "getElementRegion">,
    InterfaceMethod<"The associative combiner of accumulators, or null.",
                    "::mlir::Region *", "getCombinerRegion", (ins), [{}],
                    [{ return nullptr; }]>,
    InterfaceMethod<"The exact one-element step of a fold, or null.",
                    "::mlir::Region *", "getStepRegion", (ins), [{}],
                    [{ return nullptr; }]>,
    InterfaceMethod<"The region that consumes a scan's running value, or null.",
                    "::mlir::Region *", "getConsumerRegion", (ins), [{}],
                    [{ return nullptr; }]>,
    InterfaceMethod<"The memref a scatter writes, or null.", "::mlir::Value",
                    "getScatterTarget", (ins), [{}], [{ return {}; }]>,
    InterfaceMethod<"Whether it folds from upperBound - 1 down.", "bool",
                    "isReverse", (ins), [{}], [{ return false; }]>,
    InterfaceMethod<[{Whether a scan's consumer sees the accumulator after
                      the iteration's element (inclusive) or before it.}],
                    "bool", "isInclusive", (ins), [{}], [{
      auto a = $_op->template getAttrOfType<::mlir::BoolAttr>("inclusive");
      return !a || a.getValue();
    }]>,
  ];
  let extraClassDeclaration = [{
    /// Whether `region` (one of this op's) takes the iteration index as its
    /// first block argument.
    bool takesIteration(::mlir::Region &region) {
      return &region == &getElementRegion() || &region == getConsumerRegion();
    }
    /// The user's file:line of the statement, or "".
    ::llvm::StringRef getStatementLocation() {
      auto at = (*this)->getAttrOfType<::mlir::StringAttr>("at");
      return at ? at.getValue() : ::llvm::StringRef();
    }
  }];
}

#endif // SEQFUSE_DIALECT_SEQFUSE_INTERFACES
