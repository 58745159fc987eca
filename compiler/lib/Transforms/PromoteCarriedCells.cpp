//===- PromoteCarriedCells.cpp - x[i-1] read after x[i] written -----------===//
//
// Rewrite (see Passes.td): a recurrence through memory, x[i] = f(x[i-1], ...,
// x[i-K]) with K <= 4, becomes K loop-carried values (a shift register of
// iter_args), with the store kept.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SmallBitVector.h"

namespace seqfuse {
#define GEN_PASS_DEF_PROMOTECARRIEDCELLSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;

namespace {

/// The loop's accesses to a 1-D memref x when they are loads of x[i-1] ...
/// x[i-K] (every offset 1..K, K <= kMaxOrder) and, after them, one store to
/// x[i] in the loop's block.
struct Cells {
  SmallVector<memref::LoadOp> loads;
  SmallVector<unsigned> offsets;   // per load
  SmallVector<unsigned> firstRead; // offsets in the order the body first reads them
  memref::StoreOp store;
  unsigned order = 0;
};
constexpr unsigned kMaxOrder = 4;

std::optional<Cells> findCells(scf::ForOp loop, Value x) {
  Cells c;
  bool other = false;
  loop.getBody()->walk([&](Operation *op) {
    if (auto l = dyn_cast<memref::LoadOp>(op); l && l.getMemRef() == x)
      c.loads.push_back(l);
    else if (auto s = dyn_cast<memref::StoreOp>(op); s && s.getMemRef() == x)
      other |= static_cast<bool>(c.store), c.store = s;
  });
  if (other || !c.store || c.loads.empty() || c.store->getBlock() != loop.getBody() ||
      c.store.getIndices().size() != 1 ||
      c.store.getIndices()[0] != loop.getInductionVar())
    return std::nullopt;
  llvm::SmallBitVector seen(kMaxOrder + 1);
  for (memref::LoadOp l : c.loads) {
    if (l.getIndices().size() != 1 || l->getBlock() != loop.getBody() ||
        !l->isBeforeInBlock(c.store))
      return std::nullopt;
    auto sub = l.getIndices()[0].getDefiningOp<arith::SubIOp>();
    std::optional<int64_t> d = sub && sub.getLhs() == loop.getInductionVar()
                                   ? seqfuse::constIndex(sub.getRhs())
                                   : std::nullopt;
    if (!d || *d < 1 || *d > static_cast<int64_t>(kMaxOrder))
      return std::nullopt;
    c.offsets.push_back(*d);
    if (!seen.test(*d))
      c.firstRead.push_back(*d);
    seen.set(*d);
    c.order = std::max<unsigned>(c.order, *d);
  }
  for (unsigned d = 1; d <= c.order; ++d)
    if (!seen.test(d))
      return std::nullopt; // x[i-2] without x[i-1]: the first reads would differ
  // The first iteration reads x[lb-1] ... x[lb-K]; they are read before the
  // loop instead, so nothing the body does before its last such read may be
  // observable or raise first.
  for (Operation &op : *loop.getBody()) {
    if (llvm::all_of(c.loads, [&](memref::LoadOp l) { return l->isBeforeInBlock(&op); }))
      break;
    if (isa<memref::LoadOp>(op) && llvm::is_contained(c.loads, cast<memref::LoadOp>(op)))
      continue;
    if (seqfuse::mayFault(&op) || isa<memref::StoreOp, func::CallOp>(op) ||
        (op.getNumRegions() && !isMemoryEffectFree(&op)))
      return std::nullopt;
  }
  return c;
}

void promote(scf::ForOp loop, Cells c) {
  OpBuilder b(loop);
  Location loc = c.loads.front().getLoc();
  Type t = c.loads.front().getType();
  Value x = c.store.getMemRef();
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
  // x[lb-1] ... x[lb-K], read only when the loop runs, in the order the
  // first iteration reads them (as the loop would read them).
  Value runs = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lb, ub);
  SmallVector<Type> types(c.order, t);
  auto first = scf::IfOp::create(b, loc, types, runs, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(first.thenBlock());
    SmallVector<Value> cells(c.order);
    for (unsigned d : c.firstRead) {
      Value off = arith::ConstantIndexOp::create(b, loc, d);
      Value prev = arith::SubIOp::create(b, loc, lb, off);
      cells[d - 1] = memref::LoadOp::create(b, loc, x, ValueRange{prev});
    }
    scf::YieldOp::create(b, loc, cells);
    b.setInsertionPointToStart(first.elseBlock());
    Value zero = isa<FloatType>(t)
                     ? (Value)arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.0))
                     : (Value)arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
    scf::YieldOp::create(b, loc, SmallVector<Value>(c.order, zero));
  }
  // The same loop with K more iter_args: cell d holds x[i-d].
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  SmallVector<Value> init(loop.getInitArgs());
  llvm::append_range(init, first.getResults());
  auto newLoop = scf::ForOp::create(b, loop.getLoc(), lb, ub, loop.getStep(), init);
  newLoop->setAttrs(loop->getAttrs());
  SmallVector<Attribute> names;
  auto old = loop->getAttrOfType<ArrayAttr>("seqfuse.states");
  for (unsigned k = 0; k < loop.getNumRegionIterArgs(); ++k)
    names.push_back(old && k < old.size() ? old[k]
                                          : b.getStringAttr("s" + std::to_string(k)));
  for (unsigned d = 1; d <= c.order; ++d)
    names.push_back(
        b.getStringAttr(seqfuse::tensorName(x) + "[i-" + std::to_string(d) + "]"));
  newLoop->setAttr("seqfuse.states", b.getArrayAttr(names));
  Block *body = newLoop.getBody();
  if (!body->empty())
    body->getTerminator()->erase();
  unsigned base = loop.getNumRegionIterArgs();
  IRMapping m;
  m.map(loop.getInductionVar(), newLoop.getInductionVar());
  for (auto [o, n] : llvm::zip(loop.getRegionIterArgs(), newLoop.getRegionIterArgs()))
    m.map(o, n);
  llvm::SmallPtrSet<Operation *, 4> loads;
  for (auto [l, d] : llvm::zip(c.loads, c.offsets)) {
    m.map(l.getResult(), newLoop.getRegionIterArgs()[base + d - 1]);
    loads.insert(l);
  }
  OpBuilder nb = OpBuilder::atBlockEnd(body);
  for (Operation &op : loop.getBody()->without_terminator())
    if (!loads.contains(&op))
      nb.clone(op, m);
  SmallVector<Value> yielded;
  for (Value v : yield.getOperands())
    yielded.push_back(m.lookupOrDefault(v));
  yielded.push_back(m.lookupOrDefault(c.store.getValue())); // x[i] is next x[i-1]
  for (unsigned d = 2; d <= c.order; ++d)
    yielded.push_back(newLoop.getRegionIterArgs()[base + d - 2]);
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
        if (auto cells = findCells(loop, x)) {
          promote(loop, *cells);
          break; // the loop was replaced; one cell per loop for now
        }
    }
  }
};

} // namespace
