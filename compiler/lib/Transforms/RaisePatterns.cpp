//===- RaisePatterns.cpp - scf.for loops to seqfuse pattern ops -----------===//
//
// Each pass asks classifyLoop() (Analysis/LoopPatterns.h) and rewrites the
// loops it proves (innermost first):
//
//   seqfuse-raise-maps      for i { independent body }      => seqfuse.map
//   seqfuse-raise-folds     for i iter_args(s) { s ⊕ c(i) }  => seqfuse.reduce / scan
//   seqfuse-raise-scatters  for i { t[g(i)] = v(i) }        => seqfuse.scatter
//                           for i { t[g(i)] = t[g(i)] ⊕ v }  => seqfuse.scatter_combine
//   seqfuse-keep-sequential every other loop                => seqfuse.sequential
//   {reason}
//
// Raised ops keep the loop's exact sequential meaning: regions are clones of
// the loop's ops (a scan's body is the whole loop body minus the updates, so
// side effects and possible faults happen in the loop's order).
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Analysis/LoopPatterns.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"
#include "seqfuse/dsl/EmitLoopForm.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace seqfuse {
#define GEN_PASS_DEF_RAISEMAPSPASS
#define GEN_PASS_DEF_RAISEFOLDSPASS
#define GEN_PASS_DEF_RAISESCATTERSPASS
#define GEN_PASS_DEF_KEEPSEQUENTIALPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;
using Kind = LoopPattern::Kind;

namespace {

/// Loops innermost first.
SmallVector<scf::ForOp> loopsPostOrder(Operation *root) {
  SmallVector<scf::ForOp> loops;
  root->walk([&](scf::ForOp loop) { loops.push_back(loop); });
  return loops;
}

/// Clones the loop body's ops (not its terminator, not `skip`) into `b`.
void cloneBody(OpBuilder &b, scf::ForOp loop, IRMapping &map,
               const llvm::SmallPtrSetImpl<Operation *> &skip) {
  for (Operation &op : loop.getBody()->without_terminator())
    if (!skip.contains(&op))
      b.clone(op, map);
}

Block *newBlock(OpBuilder &b, Region &region, TypeRange types, Location loc) {
  SmallVector<Location> locs(types.size(), loc);
  return b.createBlock(&region, region.end(), types, locs);
}

void raiseMap(scf::ForOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto map = MapOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound());
  OpBuilder::InsertionGuard g(b);
  Block *body = newBlock(b, map.getBody(), {b.getIndexType()}, loc);
  IRMapping m;
  m.map(loop.getInductionVar(), body->getArgument(0));
  llvm::SmallPtrSet<Operation *, 1> none;
  cloneBody(b, loop, m, none);
  YieldOp::create(b, loc);
  loop.erase();
}

template <class FoldOp>
void buildFoldRegions(FoldOp op, scf::ForOp loop, const LoopPattern &p) {
  OpBuilder b(op.getContext());
  Location loc = loop.getLoc();
  TypeRange types = loop.getInitArgs().getTypes();
  Type index = b.getIndexType();
  // element(i): the c of each s ⊕ c.
  {
    Block *blk = newBlock(b, op.getElement(), {index}, loc);
    b.setInsertionPointToEnd(blk);
    IRMapping m;
    m.map(loop.getInductionVar(), blk->getArgument(0));
    llvm::SmallPtrSet<Operation *, 8> updates;
    for (const auto &f : p.folds)
      updates.insert(f.update);
    // Clone only what the elements need (their backward slices), in order.
    llvm::SmallPtrSet<Operation *, 16> needed;
    SmallVector<Value> work;
    for (const auto &f : p.folds)
      work.push_back(f.update->getOperand(1 - f.stateOperand));
    while (!work.empty()) {
      Value v = work.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (!def || !loop->isProperAncestor(def) || !needed.insert(def).second)
        continue;
      def->walk([&](Operation *inner) {
        for (Value o : inner->getOperands())
          work.push_back(o);
      });
    }
    for (Operation &o : loop.getBody()->without_terminator())
      if (needed.contains(&o))
        b.clone(o, m);
    SmallVector<Value> elems;
    for (const auto &f : p.folds)
      elems.push_back(m.lookupOrDefault(f.update->getOperand(1 - f.stateOperand)));
    YieldOp::create(b, loc, elems);
  }
  // combiner(acc..., x...): the updates themselves.
  {
    SmallVector<Type> args(types.begin(), types.end());
    args.append(types.begin(), types.end());
    Block *blk = newBlock(b, op.getCombiner(), args, loc);
    b.setInsertionPointToEnd(blk);
    SmallVector<Value> next;
    for (auto [k, f] : llvm::enumerate(p.folds)) {
      IRMapping m;
      m.map(f.update->getOperand(f.stateOperand), blk->getArgument(k));
      m.map(f.update->getOperand(1 - f.stateOperand), blk->getArgument(types.size() + k));
      next.push_back(b.clone(*f.update, m)->getResult(0));
    }
    YieldOp::create(b, loc, next);
  }
  SmallVector<Attribute> ids;
  std::string kind;
  bool allIds = true;
  for (auto [k, f] : llvm::enumerate(p.folds)) {
    kind += (k ? "," : "") + f.monoid;
    TypedAttr id = monoidIdentity(f.monoid, types[k]);
    allIds &= static_cast<bool>(id);
    ids.push_back(id);
  }
  op.setKindAttr(b.getStringAttr(kind));
  if (allIds)
    op.setIdentityAttr(b.getArrayAttr(ids));
}

void raiseFold(scf::ForOp loop, const LoopPattern &p) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  TypeRange types = loop.getInitArgs().getTypes();
  Operation *raised;
  if (p.kind == Kind::Reduce) {
    auto red = ReduceOp::create(b, loc, types, loop.getLowerBound(), loop.getUpperBound(),
                                loop.getInitArgs(), false, nullptr, nullptr);
    buildFoldRegions(red, loop, p);
    raised = red;
  } else {
    auto scan = ScanOp::create(b, loc, types, loop.getLowerBound(), loop.getUpperBound(),
                               loop.getInitArgs(), p.inclusive, false, nullptr, nullptr);
    buildFoldRegions(scan, loop, p);
    // body(i, acc...): every op of the loop but the updates, in order, with
    // the states before (exclusive) or after (inclusive) their update.
    OpBuilder bb(loop.getContext());
    SmallVector<Type> args{bb.getIndexType()};
    args.append(types.begin(), types.end());
    Block *blk = newBlock(bb, scan.getBody(), args, loc);
    bb.setInsertionPointToEnd(blk);
    IRMapping m;
    m.map(loop.getInductionVar(), blk->getArgument(0));
    llvm::SmallPtrSet<Operation *, 8> updates;
    for (auto [k, f] : llvm::enumerate(p.folds)) {
      updates.insert(f.update);
      Value state = p.inclusive ? Value(f.update->getResult(0))
                                : Value(loop.getRegionIterArgs()[k]);
      m.map(state, blk->getArgument(1 + k));
    }
    cloneBody(bb, loop, m, updates);
    YieldOp::create(bb, loc);
    raised = scan;
  }
  if (auto names = loop->getAttr(attrs::kStateNames))
    raised->setAttr(attrs::kStateNames, names);
  std::string at = fileLine(p.folds.front().update->getLoc());
  if (!at.empty())
    raised->setAttr("at", b.getStringAttr(at));
  loop.replaceAllUsesWith(raised->getResults());
  loop.erase();
}

void raiseScatter(scf::ForOp loop, LoopPattern p) {
  OpBuilder b(loop);
  Location loc = p.store.getLoc();
  Value target = p.store.getMemRef();
  Operation *raised;
  Region *element;
  if (p.kind == Kind::Scatter) {
    auto op =
        ScatterOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(), target);
    raised = op;
    element = &op.getElement();
  } else {
    auto op = ScatterCombineOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                                       target, b.getStringAttr(p.combineKind));
    raised = op;
    element = &op.getElement();
    OpBuilder cb(loop.getContext());
    Type t = cast<MemRefType>(target.getType()).getElementType();
    Block *blk = newBlock(cb, op.getCombiner(), {t, t}, loc);
    cb.setInsertionPointToEnd(blk);
    IRMapping m;
    Value v = p.combine->getOperand(0) == p.targetLoad.getResult()
                  ? p.combine->getOperand(1)
                  : p.combine->getOperand(0);
    m.map(p.targetLoad.getResult(), blk->getArgument(0));
    m.map(v, blk->getArgument(1));
    YieldOp::create(cb, loc, cb.clone(*p.combine, m)->getResult(0));
  }
  OpBuilder eb(loop.getContext());
  Block *blk = newBlock(eb, *element, {eb.getIndexType()}, loc);
  eb.setInsertionPointToEnd(blk);
  IRMapping m;
  m.map(loop.getInductionVar(), blk->getArgument(0));
  llvm::SmallPtrSet<Operation *, 4> skip{p.store.getOperation()};
  Value value = p.store.getValue();
  if (p.kind == Kind::ScatterCombine) {
    skip.insert(p.targetLoad.getOperation());
    skip.insert(p.combine);
    value = p.combine->getOperand(0) == p.targetLoad.getResult()
                ? p.combine->getOperand(1)
                : p.combine->getOperand(0);
  }
  cloneBody(eb, loop, m, skip);
  SmallVector<Value> yields;
  for (Value i : p.store.getIndices())
    yields.push_back(m.lookupOrDefault(i));
  yields.push_back(m.lookupOrDefault(value));
  YieldOp::create(eb, loc, yields);
  (void)raised;
  loop.erase();
}

template <class Derived, class Base> struct RaisePass : Base {
  void runOnOperation() override {
    for (scf::ForOp loop : loopsPostOrder(this->getOperation())) {
      LoopPattern p = classifyLoop(loop);
      static_cast<Derived *>(this)->raise(loop, p);
    }
  }
};

struct RaiseMaps : RaisePass<RaiseMaps, seqfuse::impl::RaiseMapsPassBase<RaiseMaps>> {
  void raise(scf::ForOp loop, const LoopPattern &p) {
    if (p.kind == Kind::Map)
      raiseMap(loop);
  }
};
struct RaiseFolds : RaisePass<RaiseFolds, seqfuse::impl::RaiseFoldsPassBase<RaiseFolds>> {
  void raise(scf::ForOp loop, const LoopPattern &p) {
    if (p.kind == Kind::Reduce || p.kind == Kind::Scan)
      raiseFold(loop, p);
  }
};
struct RaiseScatters
    : RaisePass<RaiseScatters, seqfuse::impl::RaiseScattersPassBase<RaiseScatters>> {
  void raise(scf::ForOp loop, const LoopPattern &p) {
    if (p.kind == Kind::Scatter || p.kind == Kind::ScatterCombine)
      raiseScatter(loop, p);
  }
};

/// Wraps every loop no pattern was proven for (the outermost such loop of a
/// nest, or one inside a pattern op) with its reason.
struct KeepSequential : seqfuse::impl::KeepSequentialPassBase<KeepSequential> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> todo;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<SequentialOp>(op))
        return WalkResult::skip();
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        todo.push_back(loop);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (scf::ForOp loop : todo) {
      LoopPattern p = classifyLoop(loop);
      std::string reason =
          p.kind == Kind::Sequential ? p.reason : "a pattern pass did not run on it";
      OpBuilder b(loop);
      auto seq = SequentialOp::create(b, loop.getLoc(), loop.getResultTypes(),
                                      b.getStringAttr(reason));
      std::string at =
          fileLine((p.reasonOp ? p.reasonOp : loop.getOperation())->getLoc());
      if (!at.empty())
        seq->setAttr("at", b.getStringAttr(at));
      Block *blk = b.createBlock(&seq.getBody());
      loop.replaceAllUsesWith(seq.getResults());
      loop->moveBefore(blk, blk->end());
      b.setInsertionPointToEnd(blk);
      YieldOp::create(b, loop.getLoc(), loop.getResults());
    }
  }
};

} // namespace
