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

#include <functional>

namespace seqfuse {
#define GEN_PASS_DEF_PROMOTECARRIEDCELLSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;

namespace {

/// `loop` with more iter_args (`init` after its own, named `names` in seqfuse.states)
/// and the same attributes; its body is empty (no terminator).
scf::ForOp widened(OpBuilder &b, scf::ForOp loop, ValueRange init,
                   ArrayRef<std::string> names) {
  auto newLoop = scf::ForOp::create(b, loop.getLoc(), loop.getLowerBound(),
                                    loop.getUpperBound(), loop.getStep(), init);
  newLoop->setAttrs(loop->getAttrs());
  SmallVector<Attribute> all;
  auto old = loop->getAttrOfType<ArrayAttr>("seqfuse.states");
  for (unsigned k = 0; k < loop.getNumRegionIterArgs(); ++k)
    all.push_back(old && k < old.size() ? old[k]
                                        : b.getStringAttr("s" + std::to_string(k)));
  for (const std::string &n : names)
    all.push_back(b.getStringAttr(n));
  newLoop->setAttr("seqfuse.states", b.getArrayAttr(all));
  Block *body = newLoop.getBody();
  if (!body->empty())
    body->getTerminator()->erase();
  return newLoop;
}

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

scf::ForOp promote(scf::ForOp loop, Cells c) {
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
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
    scf::YieldOp::create(b, loc, SmallVector<Value>(c.order, zero));
  }
  // The same loop with K more iter_args: cell d holds x[i-d].
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  SmallVector<Value> init(loop.getInitArgs());
  llvm::append_range(init, first.getResults());
  SmallVector<std::string> cellNames;
  for (unsigned d = 1; d <= c.order; ++d)
    cellNames.push_back(seqfuse::tensorName(x) + "[i-" + std::to_string(d) + "]");
  scf::ForOp newLoop = widened(b, loop, init, cellNames);
  Block *body = newLoop.getBody();
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
  return newLoop;
}

/// A value that is the same in every iteration: defined outside the loop, or
/// a pure op of such values (the DSL re-emits an index per use).
bool invariant(Value v, scf::ForOp loop, int depth = 0) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return !loop->isAncestor(v.getParentBlock()->getParentOp());
  if (!loop->isAncestor(def))
    return true;
  if (depth > 8 || def->getNumRegions() || !isMemoryEffectFree(def))
    return false;
  return llvm::all_of(def->getOperands(),
                      [&](Value o) { return invariant(o, loop, depth + 1); });
}

/// Two invariant values always equal: the same value, equal constants, or
/// the same pure op of equal values.
bool sameInvariant(Value a, Value b, int depth = 0) {
  if (a == b)
    return true;
  auto ca = seqfuse::constIndex(a), cb = seqfuse::constIndex(b);
  if (ca || cb)
    return ca && cb && *ca == *cb;
  Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
  if (!x || !y || depth > 8 || x->getName() != y->getName() ||
      x->getAttrDictionary() != y->getAttrDictionary() ||
      x->getNumOperands() != y->getNumOperands() || x->getNumResults() != 1)
    return false;
  for (auto [u, v] : llvm::zip(x->getOperands(), y->getOperands()))
    if (!sameInvariant(u, v, depth + 1))
      return false;
  return true;
}

/// A fixed element x[c] (c the same in every iteration) that the loop reads
/// and writes, e.g. `t[0] += v[i]`: every access to x is to that element, in
/// the loop's block, a load first; nothing in the loop can raise but those
/// accesses, and nothing observable happens before the first of them.
struct FixedCell {
  SmallVector<Operation *> accesses; // in the loop's order
};

std::optional<FixedCell> findFixedCell(scf::ForOp loop, Value x) {
  SmallVector<Operation *> all;
  bool bad = false;
  loop.getBody()->walk([&](Operation *op) {
    Value m;
    if (auto l = dyn_cast<memref::LoadOp>(op))
      m = l.getMemRef();
    else if (auto s = dyn_cast<memref::StoreOp>(op))
      m = s.getMemRef();
    if (m != x)
      return;
    // In the loop's block, or one scf.if down (a conditional update).
    auto parentIf = dyn_cast<scf::IfOp>(op->getParentOp());
    bool top = op->getBlock() == loop.getBody();
    bad |= !top && !(parentIf && parentIf->getBlock() == loop.getBody());
    all.push_back(op);
  });
  if (bad || all.empty())
    return std::nullopt;
  auto indices = [](Operation *op) -> ValueRange {
    if (auto l = dyn_cast<memref::LoadOp>(op))
      return l.getIndices();
    return cast<memref::StoreOp>(op).getIndices();
  };
  for (Operation *op : all)
    for (Value i : indices(op))
      if (!invariant(i, loop))
        return std::nullopt;
  auto same = [&](Operation *a, Operation *b) {
    return llvm::all_of(llvm::zip(indices(a), indices(b)), [](auto p) {
      return sameInvariant(std::get<0>(p), std::get<1>(p));
    });
  };
  // Elements differ for sure when some dimension has different constants.
  auto distinct = [&](Operation *a, Operation *b) {
    return llvm::any_of(llvm::zip(indices(a), indices(b)), [](auto p) {
      auto u = seqfuse::constIndex(std::get<0>(p)),
           v = seqfuse::constIndex(std::get<1>(p));
      return u && v && *u != *v;
    });
  };
  // The first element with a store; every other access is to it or to an
  // element that is certainly another.
  FixedCell c;
  for (Operation *op : all) {
    if (!isa<memref::StoreOp>(op))
      continue;
    for (Operation *o : all)
      if (same(op, o))
        c.accesses.push_back(o);
      else if (!distinct(op, o))
        return std::nullopt;
    break;
  }
  if (c.accesses.empty() || !isa<memref::LoadOp>(c.accesses.front()))
    return std::nullopt;
  if (!llvm::any_of(c.accesses, [](Operation *op) { return isa<memref::StoreOp>(op); }))
    return std::nullopt; // only read: nothing to carry
  // Read before the loop although the loop may never read it (a conditional
  // access): only when the read cannot raise.
  bool conditional = llvm::any_of(
      c.accesses, [&](Operation *op) { return op->getBlock() != loop.getBody(); });
  if (conditional)
    for (auto [d, i] : llvm::enumerate(indices(c.accesses.front())))
      if (!seqfuse::provablyInBounds(i, x, d))
        return std::nullopt;
  // The element is read before the loop and written after it: nothing
  // observable or faulting may come before its first access, and nothing
  // else may raise (the loop would stop with the element half updated).
  bool beforeFirst = true;
  Operation *firstTop = loop.getBody()->findAncestorOpInBlock(*c.accesses.front());
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (&op == firstTop)
      beforeFirst = false;
    if (llvm::is_contained(c.accesses, &op))
      continue;
    if (seqfuse::mayFault(&op))
      return std::nullopt;
    if (beforeFirst && (isa<memref::StoreOp, func::CallOp>(op) ||
                        (op.getNumRegions() && !isMemoryEffectFree(&op))))
      return std::nullopt;
  }
  return c;
}

/// `x[c]` carried as an iter_arg: read before the loop and written after it,
/// both only when the loop runs; in the body a load takes the current value
/// and a store sets it.
scf::ForOp promoteFixed(scf::ForOp loop, const FixedCell &c) {
  OpBuilder b(loop);
  auto firstLoad = cast<memref::LoadOp>(c.accesses.front());
  Location loc = firstLoad.getLoc();
  Type t = firstLoad.getType();
  Value x = firstLoad.getMemRef();
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
  Value runs = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lb, ub);
  // The index, computed before the loop (its values are loop-invariant).
  IRMapping hoist;
  SmallVector<Value> idx;
  std::function<Value(Value)> materialize = [&](Value v) -> Value {
    Operation *def = v.getDefiningOp();
    if (!def || !loop->isAncestor(def) || hoist.contains(v))
      return hoist.lookupOrDefault(v);
    for (Value o : def->getOperands())
      materialize(o);
    return b.clone(*def, hoist)->getResult(cast<OpResult>(v).getResultNumber());
  };
  for (Value i : firstLoad.getIndices())
    idx.push_back(materialize(i));
  auto first = scf::IfOp::create(b, loc, TypeRange{t}, runs, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(first.thenBlock());
    scf::YieldOp::create(b, loc, ValueRange{memref::LoadOp::create(b, loc, x, idx)});
    b.setInsertionPointToStart(first.elseBlock());
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
    scf::YieldOp::create(b, loc, zero);
  }
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  SmallVector<Value> init(loop.getInitArgs());
  init.push_back(first.getResult(0));
  // The user's name of the element: t[0], s[k] (a parameter), t[?].
  auto show = [](Value i) -> std::string {
    if (auto v = seqfuse::constIndex(i))
      return std::to_string(*v);
    if (auto cast = i.getDefiningOp<arith::IndexCastOp>())
      i = cast.getIn();
    if (auto arg = dyn_cast<BlockArgument>(i))
      if (auto fn = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
        if (auto n = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "seqfuse.name"))
          return n.getValue().str();
    return "?";
  };
  std::string cell = seqfuse::tensorName(x) + "[";
  for (auto [k, i] : llvm::enumerate(firstLoad.getIndices()))
    cell += (k ? ", " : "") + show(i);
  scf::ForOp newLoop = widened(b, loop, init, {cell + "]"});
  Block *body = newLoop.getBody();
  IRMapping m;
  m.map(loop.getInductionVar(), newLoop.getInductionVar());
  for (auto [o, n] : llvm::zip(loop.getRegionIterArgs(), newLoop.getRegionIterArgs()))
    m.map(o, n);
  Value current = newLoop.getRegionIterArgs().back();
  OpBuilder nb = OpBuilder::atBlockEnd(body);
  // Clones `block`'s ops (not its terminator) at `ob`: loads of the element
  // take `cur`, stores set it.
  std::function<void(OpBuilder &, Block &, Value &)> copy =
      [&](OpBuilder &ob, Block &block, Value &cur) {
        for (Operation &op : block.without_terminator()) {
          if (auto l = dyn_cast<memref::LoadOp>(op);
              l && llvm::is_contained(c.accesses, &op)) {
            m.map(l.getResult(), cur);
            continue;
          }
          if (auto s = dyn_cast<memref::StoreOp>(op);
              s && llvm::is_contained(c.accesses, &op)) {
            cur = m.lookupOrDefault(s.getValue());
            continue;
          }
          auto ifOp = dyn_cast<scf::IfOp>(op);
          bool touches = false;
          op.walk([&](Operation *inner) {
            touches |= llvm::is_contained(c.accesses, inner);
          });
          if (!ifOp || !touches) {
            ob.clone(op, m);
            continue;
          }
          // A conditional update: the if also yields the element's value.
          SmallVector<Type> types(ifOp.getResultTypes());
          types.push_back(t);
          auto newIf = scf::IfOp::create(ob, ifOp.getLoc(), types,
                                         m.lookupOrDefault(ifOp.getCondition()),
                                         /*withElse=*/true);
          for (auto [src, dst] :
               {std::pair<Region *, Block *>{&ifOp.getThenRegion(), newIf.thenBlock()},
                {&ifOp.getElseRegion(), newIf.elseBlock()}}) {
            OpBuilder rb = OpBuilder::atBlockEnd(dst);
            Value inner = cur;
            SmallVector<Value> yields;
            if (!src->empty()) {
              copy(rb, src->front(), inner);
              for (Value v : src->front().getTerminator()->getOperands())
                yields.push_back(m.lookupOrDefault(v));
            }
            yields.push_back(inner);
            scf::YieldOp::create(rb, ifOp.getLoc(), yields);
          }
          for (auto [o, n] : llvm::zip(ifOp.getResults(), newIf.getResults()))
            m.map(o, n);
          cur = newIf.getResults().back();
        }
      };
  copy(nb, *loop.getBody(), current);
  SmallVector<Value> yielded;
  for (Value v : yield.getOperands())
    yielded.push_back(m.lookupOrDefault(v));
  yielded.push_back(current);
  scf::YieldOp::create(nb, yield.getLoc(), yielded);
  for (auto [o, n] : llvm::zip(loop.getResults(), newLoop.getResults()))
    o.replaceAllUsesWith(n);
  // The element's final value, stored only when the loop ran.
  b.setInsertionPointAfter(newLoop);
  auto last = scf::IfOp::create(b, loc, TypeRange{}, runs, /*withElse=*/false);
  b.setInsertionPointToStart(last.thenBlock());
  Operation *lastStore = nullptr;
  for (Operation *op : c.accesses)
    if (isa<memref::StoreOp>(op))
      lastStore = op;
  memref::StoreOp::create(b, lastStore->getLoc(), newLoop.getResults().back(), x, idx);
  loop.erase();
  return newLoop;
}

struct PromoteCarriedCells
    : seqfuse::impl::PromoteCarriedCellsPassBase<PromoteCarriedCells> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (!seqfuse::inLoweredFunc(loop))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops) {
      if (seqfuse::constIndex(loop.getStep()) != 1)
        continue;
      // Each promotion replaces the loop: look again until nothing is left.
      for (bool again = true; again;) {
        again = false;
        llvm::SetVector<Value> stored;
        loop.getBody()->walk([&](memref::StoreOp s) { stored.insert(s.getMemRef()); });
        for (Value x : stored) {
          if (loop->isAncestor(x.getParentBlock()->getParentOp()))
            continue; // a memref made inside the loop cannot be read before it
          scf::ForOp next;
          if (auto cells = findCells(loop, x)) {
            next = promote(loop, *cells);
          } else if (auto cell = findFixedCell(loop, x)) {
            next = promoteFixed(loop, *cell);
          }
          if (next) {
            loop = next;
            again = true;
            break;
          }
        }
      }
    }
  }
};

} // namespace
