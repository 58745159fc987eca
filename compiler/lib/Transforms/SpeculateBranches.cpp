//===- SpeculateBranches.cpp - value-only scf.if to arith.select ----------===//
//
// Rewrite (see Passes.td): an scf.if with results whose branches only
// compute values, none of which can raise, becomes the branches' ops hoisted
// before it and one arith.select per result.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace seqfuse {
#define GEN_PASS_DEF_SPECULATEBRANCHESPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;

namespace {

/// True when every op of `region` may run unconditionally.
bool speculatable(Region &region) {
  for (Operation &op : region.front().without_terminator()) {
    if (op.getNumRegions() || seqfuse::mayFault(&op))
      return false;
    if (!isMemoryEffectFree(&op) && !isa<memref::LoadOp>(op))
      return false;
  }
  return true;
}

struct SpeculateBranches : seqfuse::impl::SpeculateBranchesPassBase<SpeculateBranches> {
  void runOnOperation() override {
    SmallVector<scf::IfOp> ifs;
    getOperation()->walk([&](scf::IfOp op) { ifs.push_back(op); }); // inner first
    for (scf::IfOp op : ifs) {
      if (op.getNumResults() == 0 || op.getElseRegion().empty() ||
          !speculatable(op.getThenRegion()) || !speculatable(op.getElseRegion()))
        continue;
      OpBuilder b(op);
      auto hoist = [&](Region &region) {
        IRMapping m;
        for (Operation &inner : region.front().without_terminator())
          b.clone(inner, m);
        SmallVector<Value> out;
        for (Value v : region.front().getTerminator()->getOperands())
          out.push_back(m.lookupOrDefault(v));
        return out;
      };
      SmallVector<Value> thenVals = hoist(op.getThenRegion());
      SmallVector<Value> elseVals = hoist(op.getElseRegion());
      SmallVector<Value> results;
      for (auto [t, e] : llvm::zip(thenVals, elseVals))
        results.push_back(
            arith::SelectOp::create(b, op.getLoc(), op.getCondition(), t, e));
      op.replaceAllUsesWith(results);
      op.erase();
    }
  }
};

} // namespace
