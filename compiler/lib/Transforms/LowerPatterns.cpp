//===- LowerPatterns.cpp - seqfuse pattern ops to sequential loops --------===//
//
// The rewrites are listed in Passes.td (LowerPatternsPass). Each op's regions
// are inlined into an scf.for with their block arguments mapped to the
// induction variable and accumulators.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace seqfuse {
#define GEN_PASS_DEF_LOWERPATTERNSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;

namespace {

/// for k in [lb, ub) with `init` carried; `body(b, i, acc)` returns the next
/// accumulator. For `reverse`, i = lb + ub - 1 - k.
scf::ForOp
buildLoop(OpBuilder &b, Location loc, Value lb, Value ub, bool reverse, ValueRange init,
          function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> body) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value revBase;
  if (reverse)
    revBase = arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, lb, ub), one);
  return scf::ForOp::create(
      b, loc, lb, ub, one, init, [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
        Value i = reverse ? (Value)arith::SubIOp::create(nb, l, revBase, k) : k;
        scf::YieldOp::create(nb, l, body(nb, i, acc));
      });
}

SmallVector<Value> concat(ValueRange a, ValueRange b) {
  SmallVector<Value> out(a.begin(), a.end());
  out.append(b.begin(), b.end());
  return out;
}

void lower(MapOp op) {
  OpBuilder b(op);
  scf::ForOp loop = buildLoop(b, op.getLoc(), op.getLowerBound(), op.getUpperBound(),
                              false, {}, [&](OpBuilder &nb, Value i, ValueRange) {
                                inlineRegion(nb, op.getBody(), {i});
                                return SmallVector<Value>();
                              });
  // What it was, for seqfuse-parallelize-maps and the report.
  loop->setAttr(kLoweredAttr, b.getStringAttr("map"));
  auto at = op->getAttrOfType<StringAttr>("at");
  std::string where = at ? at.getValue().str() : fileLine(op.getLoc());
  if (!where.empty())
    loop->setAttr(kLoweredAtAttr, b.getStringAttr(where));
  op.erase();
}

/// Accumulator slots something needs: a used result, an accumulator the body
/// reads, or one `apply` computes a needed slot from.
SmallVector<bool> liveSlots(Operation *op, Region &apply, Region *body) {
  unsigned n = op->getNumResults();
  SmallVector<bool> live(n, false);
  for (unsigned j = 0; j < n; ++j)
    live[j] = !op->getResult(j).use_empty() ||
              (body && !body->front().getArgument(1 + j).use_empty());
  Block &blk = apply.front();
  auto yield = cast<YieldOp>(blk.getTerminator());
  for (bool changed = true; changed;) {
    changed = false;
    for (unsigned j = 0; j < n; ++j) {
      if (!live[j])
        continue;
      SmallVector<Value> work{yield.getValues()[j]};
      llvm::SmallPtrSet<Operation *, 16> seen;
      while (!work.empty()) {
        Value v = work.pop_back_val();
        if (auto arg = dyn_cast<BlockArgument>(v)) {
          if (arg.getOwner() == &blk && arg.getArgNumber() < n &&
              !live[arg.getArgNumber()])
            live[arg.getArgNumber()] = changed = true;
          continue;
        }
        Operation *def = v.getDefiningOp();
        if (def && def->getBlock() == &blk && seen.insert(def).second)
          def->walk([&](Operation *inner) { // uses inside its regions too
            llvm::append_range(work, inner->getOperands());
          });
      }
    }
  }
  return live;
}

template <class FoldOp> void lowerFold(FoldOp op, Region *body, bool inclusive) {
  OpBuilder b(op);
  // `step` applies one element exactly as the loop does (where present).
  Region &apply = op.getStep().empty() ? op.getCombiner() : op.getStep();
  // Slots nothing needs (e.g. the composed matrix of a linear recurrence,
  // needed only to combine chunks) are carried unchanged; the canonicalizer
  // then drops them.
  SmallVector<bool> live = liveSlots(op, apply, body);
  auto loop =
      buildLoop(b, op.getLoc(), op.getLowerBound(), op.getUpperBound(), op.getReverse(),
                op.getInit(), [&](OpBuilder &nb, Value i, ValueRange acc) {
                  if (body && !inclusive)
                    inlineRegion(nb, *body, concat({i}, acc));
                  SmallVector<Value> elem = inlineRegion(nb, op.getElement(), {i});
                  SmallVector<Value> next = inlineRegion(nb, apply, concat(acc, elem));
                  for (auto [j, l] : llvm::enumerate(live))
                    if (!l)
                      next[j] = acc[j];
                  if (body && inclusive)
                    inlineRegion(nb, *body, concat({i}, next));
                  return next;
                });
  op.replaceAllUsesWith(loop.getResults());
  op.erase();
}

template <class ScatterOp> void lowerScatter(ScatterOp op, Region *combiner) {
  OpBuilder b(op);
  buildLoop(b, op.getLoc(), op.getLowerBound(), op.getUpperBound(), false, {},
            [&](OpBuilder &nb, Value i, ValueRange) {
              SmallVector<Value> vals = inlineRegion(nb, op.getElement(), {i});
              Value v = vals.pop_back_val();
              if (combiner) {
                Value old = memref::LoadOp::create(nb, op.getLoc(), op.getTarget(), vals);
                v = inlineRegion(nb, *combiner, {old, v}).front();
              }
              memref::StoreOp::create(nb, op.getLoc(), v, op.getTarget(), vals);
              return SmallVector<Value>();
            });
  op.erase();
}

void lower(SequentialOp op) {
  OpBuilder b(op);
  SmallVector<Value> results = inlineRegion(b, op.getBody(), {});
  op.replaceAllUsesWith(results);
  op.erase();
}

struct LowerPatterns : seqfuse::impl::LowerPatternsPassBase<LowerPatterns> {
  void runOnOperation() override {
    SmallVector<Operation *> ops; // post-order: inner ops before outer ones
    getOperation()->walk([&](Operation *op) {
      if (isa<MapOp, ReduceOp, ScanOp, ScatterOp, ScatterCombineOp, SequentialOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto m = dyn_cast<MapOp>(op))
        lower(m);
      else if (auto r = dyn_cast<ReduceOp>(op))
        lowerFold(r, nullptr, true);
      else if (auto s = dyn_cast<ScanOp>(op))
        lowerFold(s, &s.getBody(), s.getInclusive());
      else if (auto sc = dyn_cast<ScatterOp>(op))
        lowerScatter(sc, nullptr);
      else if (auto h = dyn_cast<ScatterCombineOp>(op))
        lowerScatter(h, &h.getCombiner());
      else
        lower(cast<SequentialOp>(op));
    }
    // Lowered: the pattern stage leaves these funcs alone from now on.
    getOperation()->walk([](func::FuncOp fn) {
      if (!fn.isExternal())
        fn->setAttr(kLoweredFuncAttr, UnitAttr::get(fn.getContext()));
    });
  }
};

} // namespace
