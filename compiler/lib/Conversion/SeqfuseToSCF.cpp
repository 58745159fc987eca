//===- SeqfuseToSCF.cpp - pattern ops as their exact loops ----------------===//
//
// Each op's regions are inlined into an scf.for with their block arguments
// mapped to the iteration and the accumulators (SeqfuseToSCF.h).
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Conversion/SeqfuseToSCF.h"
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/PassAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace seqfuse;

scf::ForOp
loops::buildLoop(OpBuilder &b, Location loc, Value lo, Value hi, Value revBase,
                 ValueRange init,
                 function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> body) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  return scf::ForOp::create(
      b, loc, lo, hi, one, init, [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
        Value i = revBase ? (Value)arith::SubIOp::create(nb, l, revBase, k) : k;
        scf::YieldOp::create(nb, l, body(nb, i, acc));
      });
}

Value loops::reverseBase(OpBuilder &b, Location loc, Value lb, Value ub, bool reverse) {
  if (!reverse)
    return Value();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  return arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, lb, ub), one);
}

SmallVector<Value> loops::concat(ValueRange a, ValueRange b) {
  SmallVector<Value> out(a.begin(), a.end());
  out.append(b.begin(), b.end());
  return out;
}

Region &loops::applyRegion(PatternOp fold) {
  Region *step = fold.getStepRegion();
  return step ? *step : *fold.getCombinerRegion();
}

SmallVector<bool> loops::liveSlots(PatternOp fold) {
  Operation *op = fold;
  Region &apply = applyRegion(fold);
  Region *body = fold.getConsumerRegion();
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

SmallVector<Value> loops::foldStep(OpBuilder &b, PatternOp fold, Value i, ValueRange acc,
                                   ArrayRef<bool> live) {
  Region *body = fold.getConsumerRegion();
  bool inclusive = fold.isInclusive();
  if (body && !inclusive)
    inlineRegion(b, *body, concat({i}, acc));
  SmallVector<Value> elem = inlineRegion(b, fold.getElementRegion(), {i});
  SmallVector<Value> next = inlineRegion(b, applyRegion(fold), concat(acc, elem));
  for (auto [j, l] : llvm::enumerate(live))
    if (!l)
      next[j] = acc[j];
  if (body && inclusive)
    inlineRegion(b, *body, concat({i}, next));
  return next;
}

scf::ForOp loops::foldLoop(OpBuilder &b, PatternOp fold, Value lo, Value hi,
                           Value revBase, ValueRange init, ArrayRef<bool> live) {
  return buildLoop(b, fold.getLoc(), lo, hi, revBase, init,
                   [&](OpBuilder &nb, Value i, ValueRange acc) {
                     return foldStep(nb, fold, i, acc, live);
                   });
}

void loops::scatterLoop(OpBuilder &b, PatternOp scatter, Value from) {
  Location loc = scatter.getLoc();
  Value target = scatter.getScatterTarget();
  Region *combiner = scatter.getCombinerRegion();
  buildLoop(b, loc, from, scatter.getUpperBound(), Value(), {},
            [&](OpBuilder &nb, Value i, ValueRange) {
              SmallVector<Value> vals = inlineRegion(nb, scatter.getElementRegion(), {i});
              Value v = vals.pop_back_val();
              if (combiner) {
                Value old = memref::LoadOp::create(nb, loc, target, vals);
                v = inlineRegion(nb, *combiner, {old, v}).front();
              }
              memref::StoreOp::create(nb, loc, v, target, vals);
              return SmallVector<Value>();
            });
}

std::string loops::statementLocation(Operation *op) {
  auto at = op->getAttrOfType<StringAttr>("at");
  return at ? at.getValue().str() : fileLine(op->getLoc());
}

/// Why `op` runs as its loop only, or "" when it may run in parallel
/// (`inOrder`: in a form that keeps the loop's order of every float
/// operation, so strict_fp does not forbid it).
std::string loops::whyNotParallel(Operation *op, bool inOrder) {
  auto fp = op->getAttrOfType<FloatPolicyAttr>("fp");
  if (fp && fp.getValue() == FloatPolicy::Strict && !inOrder)
    return "its floats keep the loop's order (strict_fp)";
  // The summaries evaluate elements before any body runs. An inclusive scan
  // does so too (an element may read its own slot before its body writes
  // it); an exclusive one runs the body first, so an element that reads what
  // a body writes would see another value.
  if (auto scan = dyn_cast<ScanOp>(op); scan && !scan.getInclusive()) {
    llvm::SmallPtrSet<Value, 4> written;
    scan.getBody().walk([&](memref::StoreOp st) { written.insert(st.getMemRef()); });
    std::string read;
    scan.getElement().walk([&](memref::LoadOp l) {
      if (written.contains(l.getMemRef()))
        read = tensorName(l.getMemRef());
    });
    if (!read.empty())
      return "its element reads " + read + ", which its body writes first";
  }
  for (Operation *p = op->getParentOp(); p; p = p->getParentOp())
    if (isa<PatternOp>(p))
      return "it runs inside the " + p->getName().stripDialect().str() +
             " around it, which is the parallel loop";
  return "";
}

LogicalResult loops::lowerToLoop(Operation *op) {
  OpBuilder b(op);
  if (auto seq = dyn_cast<SequentialOp>(op)) {
    SmallVector<Value> results = inlineRegion(b, seq.getBody(), {});
    op->replaceAllUsesWith(results);
    op->erase();
    return success();
  }
  auto p = dyn_cast<PatternOp>(op);
  if (!p)
    return op->emitOpError("has no sequential lowering (not a seqfuse pattern op)");
  if (p.getScatterTarget()) {
    scatterLoop(b, p, p.getLowerBound());
  } else if (p.getCombinerRegion()) {
    Value revBase =
        reverseBase(b, op->getLoc(), p.getLowerBound(), p.getUpperBound(), p.isReverse());
    auto loop = foldLoop(b, p, p.getLowerBound(), p.getUpperBound(), revBase,
                         op->getOperands().drop_front(2), liveSlots(p));
    op->replaceAllUsesWith(loop.getResults());
  } else if (op->getNumResults() == 0) {
    scf::ForOp loop = buildLoop(b, op->getLoc(), p.getLowerBound(), p.getUpperBound(),
                                Value(), {}, [&](OpBuilder &nb, Value i, ValueRange) {
                                  inlineRegion(nb, p.getElementRegion(), {i});
                                  return SmallVector<Value>();
                                });
    // What it was, for seqfuse-parallelize-maps and the report.
    loop->setAttr(kLoweredAttr, b.getStringAttr(op->getName().stripDialect()));
    std::string where = statementLocation(op);
    if (!where.empty())
      loop->setAttr(kLoweredAtAttr, b.getStringAttr(where));
  } else {
    return op->emitOpError("has no sequential lowering: a pattern op with results but "
                           "no combiner");
  }
  op->erase();
  return success();
}
