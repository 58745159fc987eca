//===- FloatPolicy.cpp - may a fold's floats be reassociated? -------------===//
//
// See Passes.td (FloatPolicyPass). The decision is read off the combiner
// itself: inexact float arithmetic in it means grouping the elements
// differently changes the rounding.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"

namespace seqfuse {
#define GEN_PASS_DEF_FLOATPOLICYPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;

namespace {

/// True when `region` rounds: a float op other than the exact ones
/// (min/max, negation, comparisons, selects, copies).
bool rounds(Region &region) {
  bool any = false;
  region.walk([&](Operation *op) {
    if (isa<arith::MinimumFOp, arith::MaximumFOp, arith::MinNumFOp, arith::MaxNumFOp,
            arith::NegFOp, arith::CmpFOp, arith::SelectOp, arith::ConstantOp>(op))
      return;
    if (isa<math::MathDialect>(op->getDialect()) ||
        llvm::any_of(op->getResultTypes(), [](Type t) { return isa<FloatType>(t); }))
      any = true;
  });
  return any;
}

struct FloatPolicy : seqfuse::impl::FloatPolicyPassBase<FloatPolicy> {
  using FloatPolicyPassBase::FloatPolicyPassBase;
  void runOnOperation() override {
    auto policy =
        FloatPolicyAttr::get(&getContext(), strict ? seqfuse::FloatPolicy::Strict
                                                   : seqfuse::FloatPolicy::Reassociate);
    getOperation()->walk([&](PatternOp op) {
      Region *combiner = op.getCombinerRegion();
      if (combiner && rounds(*combiner))
        op->setAttr("fp", policy);
    });
  }
};

} // namespace
