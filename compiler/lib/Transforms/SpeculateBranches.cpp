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

/// The ops of `block` (not its terminator) that `values` depend on.
llvm::SmallPtrSet<Operation *, 8> sliceIn(Block &block, ValueRange values) {
  llvm::SmallPtrSet<Operation *, 8> out;
  SmallVector<Value> work(values.begin(), values.end());
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != &block || !out.insert(def).second)
      continue;
    for (Value o : def->getOperands())
      work.push_back(o);
  }
  return out;
}

/// True when the values a branch yields can be computed before the branch:
/// nothing in their slice can raise or has effects, and no load reads memory
/// the branch writes.
bool yieldsSpeculatable(Region &region) {
  Block &block = region.front();
  llvm::SmallPtrSet<Operation *, 8> slice =
      sliceIn(block, block.getTerminator()->getOperands());
  llvm::SmallPtrSet<Value, 4> stored;
  block.walk([&](memref::StoreOp s) { stored.insert(s.getMemRef()); });
  for (Operation *op : slice) {
    if (op->getNumRegions() || seqfuse::mayFault(op))
      return false;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (stored.contains(load.getMemRef()))
        return false;
    } else if (!isMemoryEffectFree(op)) {
      return false;
    }
  }
  return true;
}

struct SpeculateBranches : seqfuse::impl::SpeculateBranchesPassBase<SpeculateBranches> {
  void runOnOperation() override {
    SmallVector<scf::IfOp> ifs;
    getOperation()->walk([&](scf::IfOp op) { // inner first
      if (!seqfuse::inLoweredFunc(op))
        ifs.push_back(op);
    });
    for (scf::IfOp op : ifs) {
      if (op.getNumResults() == 0 || op.getElseRegion().empty())
        continue;
      if (speculatable(op.getThenRegion()) && speculatable(op.getElseRegion())) {
        selectBoth(op);
        continue;
      }
      // Branches with stores: the values they yield may still be selected,
      // leaving an if without results for the stores (a counter that drives
      // a write: `if (p) { out[k] = v; k = k + 1; }`).
      if (yieldsSpeculatable(op.getThenRegion()) &&
          yieldsSpeculatable(op.getElseRegion()))
        splitEffects(op);
    }
  }

  static SmallVector<Value> hoist(OpBuilder &b, Region &region, bool onlyYieldSlice) {
    Block &block = region.front();
    llvm::SmallPtrSet<Operation *, 8> slice =
        sliceIn(block, block.getTerminator()->getOperands());
    IRMapping m;
    for (Operation &inner : block.without_terminator())
      if (!onlyYieldSlice || slice.contains(&inner))
        b.clone(inner, m);
    SmallVector<Value> out;
    for (Value v : block.getTerminator()->getOperands())
      out.push_back(m.lookupOrDefault(v));
    return out;
  }

  static void selectBoth(scf::IfOp op) {
    OpBuilder b(op);
    SmallVector<Value> thenVals = hoist(b, op.getThenRegion(), false);
    SmallVector<Value> elseVals = hoist(b, op.getElseRegion(), false);
    SmallVector<Value> results;
    for (auto [t, e] : llvm::zip(thenVals, elseVals))
      results.push_back(arith::SelectOp::create(b, op.getLoc(), op.getCondition(), t, e));
    op.replaceAllUsesWith(results);
    op.erase();
  }

  static void splitEffects(scf::IfOp op) {
    OpBuilder b(op);
    SmallVector<Value> thenVals = hoist(b, op.getThenRegion(), true);
    SmallVector<Value> elseVals = hoist(b, op.getElseRegion(), true);
    SmallVector<Value> results;
    for (auto [t, e] : llvm::zip(thenVals, elseVals))
      results.push_back(arith::SelectOp::create(b, op.getLoc(), op.getCondition(), t, e));
    // The same if, without results, for the effects.
    auto effects = scf::IfOp::create(b, op.getLoc(), TypeRange{}, op.getCondition(),
                                     /*withElseRegion=*/true);
    for (auto [from, to] : {std::pair{&op.getThenRegion(), &effects.getThenRegion()},
                            std::pair{&op.getElseRegion(), &effects.getElseRegion()}}) {
      Block &src = from->front();
      Block &dst = to->front();
      Operation *yield = dst.getTerminator();
      dst.getOperations().splice(yield->getIterator(), src.getOperations(), src.begin(),
                                 std::prev(src.end()));
    }
    op.replaceAllUsesWith(results);
    op.erase();
  }
};

} // namespace
