//===- PromoteCarriedCells.cpp - x[i-1] read after x[i] written -----------===//
//
// Rewrite (see Passes.td): a recurrence through memory, x[i] = f(x[i-1]),
// becomes a loop-carried value (iter_arg), with the store kept.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace seqfuse {
#define GEN_PASS_DEF_PROMOTECARRIEDCELLSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;

namespace {

/// The (load of x[i-1], store of x[i]) pair of a 1-D memref, if the loop's
/// accesses to it are exactly those.
std::optional<std::pair<memref::LoadOp, memref::StoreOp>> findCell(scf::ForOp loop,
                                                                   Value x) {
  memref::LoadOp load;
  memref::StoreOp store;
  int count = 0;
  loop.getBody()->walk([&](Operation *op) {
    if (auto l = dyn_cast<memref::LoadOp>(op); l && l.getMemRef() == x)
      load = l, ++count;
    if (auto s = dyn_cast<memref::StoreOp>(op); s && s.getMemRef() == x)
      store = s, ++count;
  });
  if (count != 2 || !load || !store || load.getIndices().size() != 1 ||
      load->getBlock() != loop.getBody() || store->getBlock() != loop.getBody() ||
      !load->isBeforeInBlock(store) || store.getIndices()[0] != loop.getInductionVar())
    return std::nullopt;
  // The first element is read before the loop: nothing the loop does before
  // that read may be observable or raise first.
  for (Operation &op : *loop.getBody()) {
    if (&op == load.getOperation())
      break;
    if (seqfuse::mayFault(&op) || isa<memref::StoreOp, func::CallOp>(op) ||
        (op.getNumRegions() && !isMemoryEffectFree(&op)))
      return std::nullopt;
  }
  auto sub = load.getIndices()[0].getDefiningOp<arith::SubIOp>();
  if (!sub || sub.getLhs() != loop.getInductionVar() ||
      seqfuse::constIndex(sub.getRhs()) != 1)
    return std::nullopt;
  return std::pair(load, store);
}

void promote(scf::ForOp loop, memref::LoadOp load, memref::StoreOp store) {
  OpBuilder b(loop);
  Location loc = load.getLoc();
  Type t = load.getType();
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
  // x[lb-1], read only when the loop runs (as the loop would read it).
  Value runs = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lb, ub);
  auto first = scf::IfOp::create(b, loc, TypeRange{t}, runs, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(first.thenBlock());
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value prev = arith::SubIOp::create(b, loc, lb, one);
    scf::YieldOp::create(
        b, loc,
        ValueRange{memref::LoadOp::create(b, loc, load.getMemRef(), ValueRange{prev})});
    b.setInsertionPointToStart(first.elseBlock());
    Value zero = isa<FloatType>(t)
                     ? (Value)arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.0))
                     : (Value)arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
    scf::YieldOp::create(b, loc, zero);
  }
  // The same loop with one more iter_arg.
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  SmallVector<Value> init(loop.getInitArgs());
  init.push_back(first.getResult(0));
  auto newLoop = scf::ForOp::create(b, loop.getLoc(), lb, ub, loop.getStep(), init);
  newLoop->setAttrs(loop->getAttrs());
  if (auto names = loop->getAttrOfType<ArrayAttr>("seqfuse.states")) {
    SmallVector<Attribute> n(names.begin(), names.end());
    n.push_back(b.getStringAttr(seqfuse::tensorName(load.getMemRef()) + "[i-1]"));
    newLoop->setAttr("seqfuse.states", b.getArrayAttr(n));
  } else {
    SmallVector<Attribute> n;
    for (unsigned k = 0; k < loop.getNumRegionIterArgs(); ++k)
      n.push_back(b.getStringAttr("s" + std::to_string(k)));
    n.push_back(b.getStringAttr(seqfuse::tensorName(load.getMemRef()) + "[i-1]"));
    newLoop->setAttr("seqfuse.states", b.getArrayAttr(n));
  }
  Block *body = newLoop.getBody();
  if (!body->empty())
    body->getTerminator()->erase();
  IRMapping m;
  m.map(loop.getInductionVar(), newLoop.getInductionVar());
  for (auto [o, n] : llvm::zip(loop.getRegionIterArgs(), newLoop.getRegionIterArgs()))
    m.map(o, n);
  m.map(load.getResult(), newLoop.getRegionIterArgs().back());
  OpBuilder nb = OpBuilder::atBlockEnd(body);
  for (Operation &op : loop.getBody()->without_terminator())
    if (&op != load.getOperation())
      nb.clone(op, m);
  SmallVector<Value> yielded;
  for (Value v : yield.getOperands())
    yielded.push_back(m.lookupOrDefault(v));
  yielded.push_back(m.lookupOrDefault(store.getValue()));
  scf::YieldOp::create(nb, yield.getLoc(), yielded);
  for (auto [o, n] : llvm::zip(loop.getResults(), newLoop.getResults()))
    o.replaceAllUsesWith(n);
  loop.erase();
}

struct PromoteCarriedCells
    : seqfuse::impl::PromoteCarriedCellsPassBase<PromoteCarriedCells> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops) {
      if (seqfuse::constIndex(loop.getStep()) != 1)
        continue;
      llvm::SetVector<Value> stored;
      loop.getBody()->walk([&](memref::StoreOp s) { stored.insert(s.getMemRef()); });
      for (Value x : stored)
        if (auto cell = findCell(loop, x)) {
          promote(loop, cell->first, cell->second);
          break; // the loop was replaced; one cell per loop for now
        }
    }
  }
};

} // namespace
