//===- SeqfuseToSCF.cpp - pattern ops as their exact loops ----------------===//
//
// Each op's regions are inlined into an scf.for with their block arguments
// mapped to the iteration and the accumulators (SeqfuseToSCF.h).
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Conversion/SeqfuseToSCF.h"
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/PassAttrs.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

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

void loops::lowerNestedToLoops(Operation *root) {
  SmallVector<Operation *> ops;
  root->walk<WalkOrder::PostOrder>([&](Operation *op) {
    if (op != root && (isa<PatternOp>(op) || isa<SequentialOp>(op)))
      ops.push_back(op);
  });
  for (Operation *op : ops)
    (void)lowerToLoop(op);
}

void loops::markUnchecked(Operation *root) {
  root->walk([](Operation *op) {
    if (isa<memref::LoadOp, memref::StoreOp, arith::DivSIOp, arith::DivUIOp,
            arith::RemSIOp, arith::RemUIOp, arith::CeilDivSIOp, arith::CeilDivUIOp,
            arith::FloorDivSIOp>(op))
      op->setAttr(kInBoundsAttr, UnitAttr::get(op->getContext()));
  });
}

bool loops::iterationProbe(OpBuilder &b, Location loc, Operation *op, Value i,
                           bool &madeChecks, function_ref<void(OpBuilder &, Value)> use) {
  madeChecks = false;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value next = arith::AddIOp::create(b, loc, i, one);
  // One iteration of the op's exact loop, as a template: its checks, then
  // its read-only twin.
  scf::ForOp tmpl;
  llvm::SmallPtrSet<Value, 4> written; // what the op writes
  op->walk([&](memref::StoreOp st) { written.insert(st.getMemRef()); });
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    tmpl = cast<scf::ForOp>(b.clone(*loop));
    tmpl.setLowerBound(i);
    tmpl.setUpperBound(next);
    tmpl.setStep(one);
  } else {
    auto p = cast<PatternOp>(op);
    if (Value t = p.getScatterTarget())
      written.insert(t);
    SmallVector<Value> init;
    if (p.getCombinerRegion() && !p.getScatterTarget())
      init.assign(op->getOperands().begin() + 2, op->getOperands().end());
    tmpl = scf::ForOp::create(
        b, loc, i, next, one, init,
        [&](OpBuilder &nb, Location, Value iv, ValueRange acc) {
          SmallVector<Value> out;
          if (p.getScatterTarget()) {
            SmallVector<Value> e = inlineRegion(nb, p.getElementRegion(), {iv});
            Value v = e.pop_back_val();
            if (Region *c = p.getCombinerRegion()) {
              Value old = memref::LoadOp::create(nb, loc, p.getScatterTarget(), e);
              v = inlineRegion(nb, *c, {old, v}).front();
            }
            memref::StoreOp::create(nb, loc, v, p.getScatterTarget(), e);
          } else if (p.getCombinerRegion()) {
            out = foldStep(nb, p, iv, acc, liveSlots(p));
          } else {
            inlineRegion(nb, p.getElementRegion(), {iv});
          }
          scf::YieldOp::create(nb, loc, out);
        });
  }
  lowerNestedToLoops(tmpl);
  madeChecks =
      guardAccesses(tmpl, [](Operation *, StringRef, StringRef, int64_t) -> int64_t {
        return 0; // the probe reports only where, the loop reports what
      });
  if (!madeChecks) {
    tmpl.erase();
    return true;
  }
  Value failed = buildProbe(b, loc, *tmpl.getBody(), i);
  if (!failed)
    return false;
  use(b, failed);
  // What the twin computes but no check uses (the fold's own arithmetic, the
  // stores' values) goes.
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<Operation *> dead;
    for (Operation *o = tmpl->getNextNode(); o; o = o->getNextNode())
      o->walk([&](Operation *in) {
        if (!in->hasTrait<OpTrait::IsTerminator>() && isOpTriviallyDead(in))
          dead.push_back(in);
      });
    for (Operation *d : dead)
      if (d->use_empty()) {
        d->erase();
        changed = true;
        break; // the walk's list may hold what this erased
      }
  }
  // The twin may use neither the template's own values (its carried
  // accumulators: those checks depend on the fold's state) nor memory the op
  // writes (it would see other values than the loop).
  bool ok = true;
  for (Operation *o = tmpl->getNextNode(); o; o = o->getNextNode())
    o->walk([&](Operation *in) {
      for (Value v : in->getOperands())
        if (tmpl.getRegion().isAncestor(v.getParentRegion()))
          ok = false;
      if (auto l = dyn_cast<memref::LoadOp>(in); l && written.contains(l.getMemRef()))
        ok = false;
    });
  // Where the twin uses the template's values, erasing the template alone
  // would leave its users pointing at freed values: the caller discards the
  // block, template and all.
  if (ok)
    tmpl.erase();
  return ok;
}
