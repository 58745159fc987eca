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
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <functional>

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

/// The fold family the analysis named `family` ("add", "segmented_max", ...).
FoldKindAttr foldKindAttr(Builder &b, StringRef family) {
  std::optional<FoldKind> kind = symbolizeFoldKind(family);
  if (!kind)
    llvm::report_fatal_error("seqfuse: the analysis named an unknown fold family '" +
                             family + "'");
  return FoldKindAttr::get(b.getContext(), *kind);
}

/// Loops innermost first.
SmallVector<scf::ForOp> loopsPostOrder(Operation *root) {
  SmallVector<scf::ForOp> loops;
  root->walk([&](scf::ForOp loop) {
    if (!seqfuse::inLoweredFunc(loop)) // replaying a later stage: already lowered
      loops.push_back(loop);
  });
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
  auto map =
      MapOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(), nullptr, nullptr);
  OpBuilder::InsertionGuard g(b);
  Block *body = newBlock(b, map.getBody(), {b.getIndexType()}, loc);
  IRMapping m;
  m.map(loop.getInductionVar(), body->getArgument(0));
  llvm::SmallPtrSet<Operation *, 1> none;
  cloneBody(b, loop, m, none);
  YieldOp::create(b, loc);
  loop.erase();
}

/// Accumulator slots of fold k: one for a monoid, (A, B) for an affine map.
unsigned slotsOf(const LoopPattern::Fold &f) {
  if (f.compare)
    return f.states.size();
  if (f.monoid == "linear")
    return f.states.size() * (f.states.size() + 1) + f.linearLeaves.size();
  if (f.monoid == "clamp") // (a, l, h), the state, the leaves
    return 4 + f.linearLeaves.size();
  return f.monoid == "affine" || f.segmented() ? 2 : 1;
}

Value constantLike(OpBuilder &b, Location loc, Type t, double f, int64_t i) {
  if (isa<FloatType>(t))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, f));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, i));
}

/// The affine element of one iteration: (a, b) selected by cond. A missing
/// a is 1, a missing b is -0.0 (the neutral element of IEEE addition) or 0.
SmallVector<Value> affineElement(OpBuilder &b, Location loc, Type t,
                                 const LoopPattern::Fold &f, IRMapping &m) {
  auto side = [&](int j) -> std::pair<Value, Value> {
    Value a = f.aZero[j] ? constantLike(b, loc, t, 0.0, 0)
              : f.a[j]   ? m.lookupOrDefault(f.a[j])
                         : constantLike(b, loc, t, 1.0, 1);
    Value c = f.b[j] ? m.lookupOrDefault(f.b[j]) : constantLike(b, loc, t, -0.0, 0);
    if (f.b[j] && f.bNegate[j])
      c = isa<FloatType>(t)
              ? (Value)arith::NegFOp::create(b, loc, c)
              : (Value)arith::SubIOp::create(b, loc, constantLike(b, loc, t, 0, 0), c);
    return {a, c};
  };
  auto [a0, b0] = side(0);
  if (!f.cond)
    return {a0, b0};
  auto [a1, b1] = side(1);
  Value c = m.lookupOrDefault(f.cond);
  return {arith::SelectOp::create(b, loc, c, a0, a1),
          arith::SelectOp::create(b, loc, c, b0, b1)};
}

/// The element of a select tree: per leaf (is a reset, value), selected as
/// the loop selects: a reset r is (true, r), s ⊕ w is (false, w), s itself is
/// (false, identity of ⊕). Without resets only the values.
SmallVector<Value> treeElement(OpBuilder &b, Location loc, Type t,
                               const LoopPattern::Fold &f, IRMapping &m) {
  bool seg = f.segmented();
  auto flag = [&](bool v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(v));
  };
  std::function<std::pair<Value, Value>(Value)> emit =
      [&](Value v) -> std::pair<Value, Value> {
    for (auto [leaf, kind] : llvm::zip(f.leaves, f.leafKinds)) {
      if (leaf != v)
        continue;
      if (kind == 'r')
        return {seg ? flag(true) : Value(), m.lookupOrDefault(v)};
      Value val;
      if (kind == 'o')
        val = m.lookupOrDefault(v.getDefiningOp()->getOperand(1 - f.stateOperand));
      else if (TypedAttr id = monoidIdentity(f.treeOp ? monoidOf(f.treeOp) : "add", t))
        val = arith::ConstantOp::create(b, loc, id);
      return {seg ? flag(false) : Value(), val};
    }
    auto sel = v.getDefiningOp<arith::SelectOp>();
    Value c = m.lookupOrDefault(sel.getCondition());
    auto [ft, vt] = emit(sel.getTrueValue());
    auto [fe, ve] = emit(sel.getFalseValue());
    return {seg ? (Value)arith::SelectOp::create(b, loc, c, ft, fe) : Value(),
            arith::SelectOp::create(b, loc, c, vt, ve)};
  };
  auto [fl, val] = emit(f.tree);
  if (seg)
    return {fl, val};
  return {val};
}

Value negate(OpBuilder &b, Location loc, Value v) {
  if (isa<FloatType>(v.getType()))
    return arith::NegFOp::create(b, loc, v);
  return arith::SubIOp::create(b, loc, constantLike(b, loc, v.getType(), 0, 0), v);
}

/// The element of a linear system: the iteration's matrix m (row-major, one
/// row per state), constant vector c, and the rows' free leaves as they are.
/// m and c come from evaluating each row symbolically: a state is the unit
/// vector, a leaf a constant, and +, -, negation, * and / by a leaf and
/// selects act on the coefficient vectors.
SmallVector<Value> linearElement(OpBuilder &b, Location loc, Type t,
                                 const LoopPattern::Fold &f, scf::ForOp loop,
                                 IRMapping &m) {
  unsigned k = f.states.size();
  bool fl = isa<FloatType>(t);
  struct Form {
    SmallVector<Value> coef; // per state; null is 0
    Value konst;             // null is 0
  };
  auto zero = [&]() { return constantLike(b, loc, t, 0.0, 0); };
  auto orZero = [&](Value v) { return v ? v : zero(); };
  // Null-aware arithmetic: null is an exact 0 that is never materialised.
  auto add = [&](Value p, Value q) -> Value {
    if (!p || !q)
      return p ? p : q;
    return fl ? (Value)arith::AddFOp::create(b, loc, p, q)
              : (Value)arith::AddIOp::create(b, loc, p, q);
  };
  auto sub = [&](Value p, Value q) -> Value {
    if (!q)
      return p;
    if (!p)
      return negate(b, loc, q);
    return fl ? (Value)arith::SubFOp::create(b, loc, p, q)
              : (Value)arith::SubIOp::create(b, loc, p, q);
  };
  auto mul = [&](Value p, Value q) -> Value {
    if (!p)
      return p;
    return fl ? (Value)arith::MulFOp::create(b, loc, p, q)
              : (Value)arith::MulIOp::create(b, loc, p, q);
  };
  auto div = [&](Value p, Value q) -> Value {
    return p ? (Value)arith::DivFOp::create(b, loc, p, q) : p;
  };
  llvm::DenseMap<Value, Form> memo;
  std::function<Form(Value)> eval = [&](Value v) -> Form {
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    Form r;
    r.coef.assign(k, Value());
    auto arg = dyn_cast<BlockArgument>(v);
    if (arg && arg.getOwner() == loop.getBody() && arg.getArgNumber() > 0) {
      unsigned state = arg.getArgNumber() - 1;
      r.coef[llvm::find(f.states, state) - f.states.begin()] =
          constantLike(b, loc, t, 1.0, 1);
    } else if (llvm::is_contained(f.linearLeaves, v)) {
      r.konst = m.lookupOrDefault(v);
    } else {
      Operation *op = v.getDefiningOp();
      auto both = [&](auto fn) {
        Form x = eval(op->getOperand(0)), y = eval(op->getOperand(1));
        for (unsigned l = 0; l < k; ++l)
          r.coef[l] = fn(x.coef[l], y.coef[l]);
        r.konst = fn(x.konst, y.konst);
      };
      auto scale = [&](Form x, auto fn) {
        for (unsigned l = 0; l < k; ++l)
          r.coef[l] = fn(x.coef[l]);
        r.konst = fn(x.konst);
      };
      if (isa<arith::AddFOp, arith::AddIOp>(op)) {
        both(add);
      } else if (isa<arith::SubFOp, arith::SubIOp>(op)) {
        both(sub);
      } else if (isa<arith::MulFOp, arith::MulIOp>(op)) {
        bool leftLeaf = llvm::is_contained(f.linearLeaves, op->getOperand(0));
        Value q = m.lookupOrDefault(op->getOperand(leftLeaf ? 0 : 1));
        scale(eval(op->getOperand(leftLeaf ? 1 : 0)), [&](Value x) { return mul(x, q); });
      } else if (isa<arith::DivFOp>(op)) {
        Value q = m.lookupOrDefault(op->getOperand(1));
        scale(eval(op->getOperand(0)), [&](Value x) { return div(x, q); });
      } else if (isa<arith::NegFOp>(op)) {
        scale(eval(op->getOperand(0)),
              [&](Value x) { return x ? negate(b, loc, x) : x; });
      } else {
        auto sel = cast<arith::SelectOp>(op);
        Value c = m.lookupOrDefault(sel.getCondition());
        Form x = eval(sel.getTrueValue()), y = eval(sel.getFalseValue());
        auto pick = [&](Value p, Value q) -> Value {
          if (!p && !q)
            return Value();
          return arith::SelectOp::create(b, loc, c, orZero(p), orZero(q));
        };
        for (unsigned l = 0; l < k; ++l)
          r.coef[l] = pick(x.coef[l], y.coef[l]);
        r.konst = pick(x.konst, y.konst);
      }
    }
    memo[v] = r;
    return r;
  };
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  SmallVector<Value> mat, vec;
  for (unsigned j = 0; j < k; ++j) {
    Form row = eval(yield.getOperand(f.states[j]));
    for (unsigned l = 0; l < k; ++l)
      mat.push_back(orZero(row.coef[l]));
    vec.push_back(row.konst ? row.konst : constantLike(b, loc, t, -0.0, 0));
  }
  llvm::append_range(mat, vec);
  for (Value leaf : f.linearLeaves)
    mat.push_back(m.lookupOrDefault(leaf));
  return mat;
}

/// Linear systems: (M, v, _) then (m, c, leaves) => (m*M, m*v + c, leaves),
/// sums in index order. With `exact` (the step), v' is instead each row's own
/// expression computed from the element's leaves: the loop's rounding, and
/// moves for shift rows.
SmallVector<Value> combineLinear(OpBuilder &b, Location loc, const LoopPattern::Fold &f,
                                 scf::ForOp loop, ValueRange acc, ValueRange x,
                                 bool exact) {
  unsigned k = f.states.size();
  bool fl = isa<FloatType>(acc[0].getType());
  auto mul = [&](Value p, Value q) -> Value {
    return fl ? (Value)arith::MulFOp::create(b, loc, p, q)
              : (Value)arith::MulIOp::create(b, loc, p, q);
  };
  auto add = [&](Value p, Value q) -> Value {
    return fl ? (Value)arith::AddFOp::create(b, loc, p, q)
              : (Value)arith::AddIOp::create(b, loc, p, q);
  };
  SmallVector<Value> next;
  for (unsigned j = 0; j < k; ++j)
    for (unsigned l = 0; l < k; ++l) {
      Value sum;
      for (unsigned p = 0; p < k; ++p) {
        Value t = mul(x[j * k + p], acc[p * k + l]);
        sum = sum ? add(sum, t) : t;
      }
      next.push_back(sum);
    }
  ValueRange leaves = x.drop_front(k * k + k);
  IRMapping m;
  if (exact) {
    for (unsigned l = 0; l < k; ++l)
      m.map(loop.getRegionIterArgs()[f.states[l]], acc[k * k + l]);
    for (auto [leaf, v] : llvm::zip_equal(f.linearLeaves, leaves))
      m.map(leaf, v);
    llvm::SetVector<Operation *> ops;
    for (const auto &row : f.rowOps)
      ops.insert(row.begin(), row.end());
    SmallVector<Operation *> sorted(ops.begin(), ops.end());
    llvm::sort(sorted, [](Operation *p, Operation *q) { return p->isBeforeInBlock(q); });
    for (Operation *op : sorted)
      b.clone(*op, m);
  }
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (unsigned j = 0; j < k; ++j) {
    if (exact) {
      next.push_back(m.lookupOrDefault(yield.getOperand(f.states[j])));
      continue;
    }
    Value sum;
    for (unsigned p = 0; p < k; ++p) {
      Value t = mul(x[j * k + p], acc[k * k + p]);
      sum = sum ? add(sum, t) : t;
    }
    next.push_back(add(sum, x[k * k + j]));
  }
  llvm::append_range(next, leaves);
  return next;
}

/// Float min(max(x, l), h).
Value clampValue(OpBuilder &b, Location loc, Value x, Value l, Value h) {
  return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, l), h);
}

/// The element of an add-then-clamp fold: the iteration's (a, l, h), the
/// function s -> min(max(s + a, l), h) the update is, then the leaves as
/// they are (for the step). Evaluated over the tree: s is (-0, -inf, +inf);
/// a free value r the constant function (-0, r, r); s + c shifts all three
/// by c (clamp(y, l, h) + c = clamp(y + c, l + c, h + c)), s - c likewise;
/// max(E, c) is (a, max(l, c), max(h, c)) and min(E, c) (a, min(l, c),
/// min(h, c)); a select picks per component.
SmallVector<Value> clampElement(OpBuilder &b, Location loc, Type t,
                                const LoopPattern::Fold &f, scf::ForOp loop,
                                IRMapping &m) {
  auto ft = cast<FloatType>(t);
  auto konst = [&](double v) { return constantLike(b, loc, t, v, 0); };
  auto inf = [&](bool negative) {
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(t, llvm::APFloat::getInf(ft.getFloatSemantics(), negative)));
  };
  struct Form {
    Value a, l, h;
  };
  llvm::DenseMap<Value, Form> memo;
  Value s = loop.getRegionIterArgs()[f.states[0]];
  std::function<Form(Value)> eval = [&](Value v) -> Form {
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    Form r;
    if (v == s) {
      r = {konst(-0.0), inf(true), inf(false)};
    } else if (llvm::is_contained(f.linearLeaves, v)) {
      Value x = m.lookupOrDefault(v);
      r = {konst(-0.0), x, x};
    } else {
      Operation *op = v.getDefiningOp();
      if (auto sel = dyn_cast<arith::SelectOp>(op)) {
        Value c = m.lookupOrDefault(sel.getCondition());
        Form x = eval(sel.getTrueValue()), y = eval(sel.getFalseValue());
        r = {arith::SelectOp::create(b, loc, c, x.a, y.a),
             arith::SelectOp::create(b, loc, c, x.l, y.l),
             arith::SelectOp::create(b, loc, c, x.h, y.h)};
      } else {
        // The operand that depends on the state (s - c: the left one), and
        // the free one (a leaf).
        unsigned si = isa<arith::SubFOp>(op) ||
                              llvm::is_contained(f.linearLeaves, op->getOperand(1))
                          ? 0
                          : 1;
        Form x = eval(op->getOperand(si));
        Value c = m.lookupOrDefault(op->getOperand(1 - si));
        if (isa<arith::AddFOp>(op))
          r = {arith::AddFOp::create(b, loc, x.a, c),
               arith::AddFOp::create(b, loc, x.l, c),
               arith::AddFOp::create(b, loc, x.h, c)};
        else if (isa<arith::SubFOp>(op))
          r = {arith::SubFOp::create(b, loc, x.a, c),
               arith::SubFOp::create(b, loc, x.l, c),
               arith::SubFOp::create(b, loc, x.h, c)};
        else if (isa<arith::MaximumFOp>(op))
          r = {x.a, arith::MaximumFOp::create(b, loc, x.l, c),
               arith::MaximumFOp::create(b, loc, x.h, c)};
        else
          r = {x.a, arith::MinimumFOp::create(b, loc, x.l, c),
               arith::MinimumFOp::create(b, loc, x.h, c)};
      }
    }
    memo[v] = r;
    return r;
  };
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  Form top = eval(yield.getOperand(f.states[0]));
  SmallVector<Value> out{top.a, top.l, top.h, konst(-0.0)};
  for (Value leaf : f.linearLeaves)
    out.push_back(m.lookupOrDefault(leaf));
  return out;
}

/// Add-then-clamp: (A, L, H, s, _) then (a, l, h, _, leaves) =>
/// (A + a, clamp(L + a, l, h), clamp(H + a, l, h), clamp(s + a, l, h),
/// leaves); an infinite bound stays infinite under the shift (so -inf + inf
/// is not a NaN). With `exact` (the step), s' is the loop's own expression
/// computed from the element's leaves.
SmallVector<Value> combineClamp(OpBuilder &b, Location loc, const LoopPattern::Fold &f,
                                scf::ForOp loop, ValueRange acc, ValueRange x,
                                bool exact) {
  Value a = x[0], l = x[1], h = x[2];
  Type t = a.getType();
  auto ft = cast<FloatType>(t);
  auto shift = [&](Value bound, bool negative) -> Value {
    Value inf = arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(t, llvm::APFloat::getInf(ft.getFloatSemantics(), negative)));
    Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, bound, inf);
    return arith::SelectOp::create(b, loc, isInf, bound,
                                   arith::AddFOp::create(b, loc, bound, a));
  };
  SmallVector<Value> next{arith::AddFOp::create(b, loc, acc[0], a),
                          clampValue(b, loc, shift(acc[1], true), l, h),
                          clampValue(b, loc, shift(acc[2], false), l, h)};
  ValueRange leaves = x.drop_front(4);
  if (exact) {
    IRMapping m;
    m.map(loop.getRegionIterArgs()[f.states[0]], acc[3]);
    for (auto [leaf, v] : llvm::zip_equal(f.linearLeaves, leaves))
      m.map(leaf, v);
    for (Operation *op : f.rowOps[0])
      b.clone(*op, m);
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    next.push_back(m.lookupOrDefault(yield.getOperand(f.states[0])));
  } else {
    next.push_back(clampValue(b, loc, arith::AddFOp::create(b, loc, acc[3], a), l, h));
  }
  llvm::append_range(next, leaves);
  return next;
}

template <class FoldOp>
void buildFoldRegions(FoldOp op, scf::ForOp loop, const LoopPattern &p,
                      TypeRange accTypes) {
  OpBuilder b(op.getContext());
  Location loc = loop.getLoc();
  Type index = b.getIndexType();
  // element(i): per monoid fold its c; per affine fold its (a, b).
  {
    Block *blk = newBlock(b, op.getElement(), {index}, loc);
    b.setInsertionPointToEnd(blk);
    IRMapping m;
    m.map(loop.getInductionVar(), blk->getArgument(0));
    // Clone only what the elements need (their backward slices), in order.
    llvm::SmallPtrSet<Operation *, 16> needed;
    SmallVector<Value> work;
    for (const auto &f : p.folds)
      for (Value r : f.roots())
        work.push_back(r);
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
    unsigned slot = 0;
    for (const auto &f : p.folds) {
      if (f.compare)
        for (Value v : f.picks)
          elems.push_back(m.lookupOrDefault(v));
      else if (f.monoid == "affine")
        llvm::append_range(elems, affineElement(b, loc, accTypes[slot], f, m));
      else if (f.monoid == "linear")
        llvm::append_range(elems, linearElement(b, loc, accTypes[slot], f, loop, m));
      else if (f.monoid == "clamp")
        llvm::append_range(elems, clampElement(b, loc, accTypes[slot], f, loop, m));
      else if (f.tree)
        llvm::append_range(elems,
                           treeElement(b, loc, accTypes[slot + slotsOf(f) - 1], f, m));
      else
        elems.push_back(m.lookupOrDefault(f.update->getOperand(1 - f.stateOperand)));
      slot += slotsOf(f);
    }
    YieldOp::create(b, loc, elems);
  }
  // combiner(acc..., x...): monoids apply their op; affine maps compose,
  // (A, B) then (a, b) => (a*A, a*B + b).
  // step(acc..., x...): the same, but linear systems apply each row exactly
  // as the loop does (only built when there is one).
  auto build = [&](Region &region, bool exact) {
    SmallVector<Type> args(accTypes.begin(), accTypes.end());
    args.append(accTypes.begin(), accTypes.end());
    Block *blk = newBlock(b, region, args, loc);
    b.setInsertionPointToEnd(blk);
    SmallVector<Value> next;
    unsigned slot = 0, n = accTypes.size();
    for (const auto &f : p.folds) {
      if (f.compare) {
        // The candidate wins as in the loop: cmp(x_key, acc_key) picks x.
        IRMapping m;
        m.map(f.compared, blk->getArgument(n + slot));
        m.map(loop.getRegionIterArgs()[f.states[0]], blk->getArgument(slot));
        Value wins = b.clone(*f.compare, m)->getResult(0);
        for (unsigned j = 0; j < f.states.size(); ++j)
          next.push_back(arith::SelectOp::create(
              b, loc, wins, blk->getArgument(n + slot + j), blk->getArgument(slot + j)));
      } else if (f.monoid == "affine") {
        Value accA = blk->getArgument(slot), accB = blk->getArgument(slot + 1);
        Value xa = blk->getArgument(n + slot), xb = blk->getArgument(n + slot + 1);
        bool fl = isa<FloatType>(accTypes[slot]);
        auto mul = [&](Value x, Value y) -> Value {
          return fl ? (Value)arith::MulFOp::create(b, loc, x, y)
                    : (Value)arith::MulIOp::create(b, loc, x, y);
        };
        next.push_back(mul(xa, accA));
        Value ab = mul(xa, accB);
        next.push_back(fl ? (Value)arith::AddFOp::create(b, loc, ab, xb)
                          : (Value)arith::AddIOp::create(b, loc, ab, xb));
      } else if (f.monoid == "linear") {
        unsigned w = slotsOf(f);
        llvm::append_range(
            next, combineLinear(b, loc, f, loop, blk->getArguments().slice(slot, w),
                                blk->getArguments().slice(n + slot, w), exact));
      } else if (f.monoid == "clamp") {
        unsigned w = slotsOf(f);
        llvm::append_range(
            next, combineClamp(b, loc, f, loop, blk->getArguments().slice(slot, w),
                               blk->getArguments().slice(n + slot, w), exact));
      } else if (f.segmented()) {
        // (f1, a1) then (f2, a2) => (f1 | f2, f2 ? a2 : a1 ⊕ a2).
        Value f1 = blk->getArgument(slot), a1 = blk->getArgument(slot + 1);
        Value f2 = blk->getArgument(n + slot), a2 = blk->getArgument(n + slot + 1);
        next.push_back(arith::OrIOp::create(b, loc, f1, f2));
        Value kept = a1;
        if (f.treeOp) {
          IRMapping m;
          m.map(f.treeOp->getOperand(f.stateOperand), a1);
          m.map(f.treeOp->getOperand(1 - f.stateOperand), a2);
          kept = b.clone(*f.treeOp, m)->getResult(0);
        }
        next.push_back(arith::SelectOp::create(b, loc, f2, a2, kept));
      } else {
        Operation *op = f.tree ? f.treeOp : f.update;
        IRMapping m;
        m.map(op->getOperand(f.stateOperand), blk->getArgument(slot));
        m.map(op->getOperand(1 - f.stateOperand), blk->getArgument(n + slot));
        next.push_back(b.clone(*op, m)->getResult(0));
      }
      slot += slotsOf(f);
    }
    YieldOp::create(b, loc, next);
  };
  build(op.getCombiner(), false);
  if (llvm::any_of(p.folds, [](const auto &f) {
        return f.monoid == "linear" || f.monoid == "clamp";
      }))
    build(op.getStep(), true);
  SmallVector<Attribute> ids, kinds;
  bool allIds = true;
  unsigned slot = 0;
  for (auto [k, f] : llvm::enumerate(p.folds)) {
    kinds.push_back(foldKindAttr(b, f.monoid));
    Type t = accTypes[slot];
    if (f.compare) {
      allIds = false; // the "worst" element depends on the key's type and ties
    } else if (f.monoid == "affine") {
      ids.push_back(isa<FloatType>(t) ? (Attribute)b.getFloatAttr(t, 1.0)
                                      : (Attribute)b.getIntegerAttr(t, 1));
      ids.push_back(isa<FloatType>(t) ? (Attribute)b.getFloatAttr(t, -0.0)
                                      : (Attribute)b.getIntegerAttr(t, 0));
    } else if (f.monoid == "linear") {
      unsigned k = f.states.size();
      for (unsigned j = 0; j < k; ++j)
        for (unsigned l = 0; l < k; ++l)
          ids.push_back(isa<FloatType>(t)
                            ? (Attribute)b.getFloatAttr(t, j == l ? 1.0 : 0.0)
                            : (Attribute)b.getIntegerAttr(t, j == l));
      for (unsigned j = 0; j < k; ++j)
        ids.push_back(isa<FloatType>(t) ? (Attribute)b.getFloatAttr(t, -0.0)
                                        : (Attribute)b.getIntegerAttr(t, 0));
      // The leaf slots hold the last element's leaves (the step reads the
      // right-hand ones only): no value is neutral for them.
      allIds &= f.linearLeaves.empty();
    } else if (f.monoid == "clamp") {
      allIds = false; // the leaf slots hold the last element's leaves
    } else if (f.segmented()) {
      Type vt = accTypes[slot + 1];
      TypedAttr id =
          f.treeOp ? monoidIdentity(monoidOf(f.treeOp), vt) : b.getZeroAttr(vt);
      allIds &= static_cast<bool>(id);
      ids.push_back(b.getBoolAttr(false));
      ids.push_back(id);
    } else {
      TypedAttr id = monoidIdentity(f.tree ? monoidOf(f.treeOp) : f.monoid, t);
      allIds &= static_cast<bool>(id);
      ids.push_back(id);
    }
    slot += slotsOf(f);
  }
  op.setKindAttr(b.getArrayAttr(kinds));
  if (allIds)
    op.setIdentityAttr(b.getArrayAttr(ids));
}

void raiseFold(scf::ForOp loop, const LoopPattern &p) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  // Accumulators: a monoid state as is; an affine state as (1, init), the
  // map x -> 1*x + init, composed with each iteration's (a, b).
  SmallVector<Type> accTypes;
  SmallVector<Value> init;
  SmallVector<unsigned> stateSlot(loop.getNumRegionIterArgs()); // state k's slot
  for (const auto &f : p.folds) {
    if (f.monoid == "linear") { // M = identity, v = the initial states
      Type t = loop.getInitArgs()[f.states[0]].getType();
      unsigned k = f.states.size();
      for (unsigned j = 0; j < k * k; ++j) {
        accTypes.push_back(t);
        init.push_back(constantLike(b, loc, t, j % (k + 1) == 0 ? 1.0 : 0.0,
                                    j % (k + 1) == 0 ? 1 : 0));
      }
      for (unsigned k2 : f.states) {
        stateSlot[k2] = accTypes.size();
        accTypes.push_back(t);
        init.push_back(loop.getInitArgs()[k2]);
      }
      for (Value leaf : f.linearLeaves) { // the last element's leaves (for the step)
        accTypes.push_back(leaf.getType());
        init.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(leaf.getType())));
      }
      continue;
    }
    if (f.monoid == "clamp") { // (-0, -inf, +inf): the identity map; then x0
      Value x0 = loop.getInitArgs()[f.states[0]];
      Type t = x0.getType();
      const llvm::fltSemantics &sem = cast<FloatType>(t).getFloatSemantics();
      accTypes.append(3, t);
      init.push_back(constantLike(b, loc, t, -0.0, 0));
      init.push_back(arith::ConstantOp::create(
          b, loc, b.getFloatAttr(t, llvm::APFloat::getInf(sem, true))));
      init.push_back(arith::ConstantOp::create(
          b, loc, b.getFloatAttr(t, llvm::APFloat::getInf(sem, false))));
      stateSlot[f.states[0]] = accTypes.size();
      accTypes.push_back(t);
      init.push_back(x0);
      for (Value leaf : f.linearLeaves) {
        accTypes.push_back(leaf.getType());
        init.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(leaf.getType())));
      }
      continue;
    }
    for (auto [j, k] : llvm::enumerate(f.states)) {
      Value x0 = loop.getInitArgs()[k];
      Type t = x0.getType();
      if (f.monoid == "affine") {
        accTypes.push_back(t);
        init.push_back(constantLike(b, loc, t, 1.0, 1));
      } else if (f.segmented()) { // (flag, x0): the flag does not matter
        accTypes.push_back(b.getI1Type());
        init.push_back(arith::ConstantOp::create(b, loc, b.getBoolAttr(false)));
      }
      stateSlot[k] = accTypes.size();
      accTypes.push_back(t);
      init.push_back(x0);
    }
  }
  Operation *raised;
  if (p.kind == Kind::Reduce) {
    auto red =
        ReduceOp::create(b, loc, accTypes, loop.getLowerBound(), loop.getUpperBound(),
                         init, false, nullptr, nullptr, nullptr, nullptr, nullptr);
    buildFoldRegions(red, loop, p, accTypes);
    raised = red;
  } else {
    auto scan =
        ScanOp::create(b, loc, accTypes, loop.getLowerBound(), loop.getUpperBound(), init,
                       p.inclusive, false, nullptr, nullptr, nullptr, nullptr, nullptr);
    buildFoldRegions(scan, loop, p, accTypes);
    // body(i, acc...): every op of the loop but the updates, in order, with
    // the states before (exclusive) or after (inclusive) their update.
    OpBuilder bb(loop.getContext());
    SmallVector<Type> args{bb.getIndexType()};
    args.append(accTypes.begin(), accTypes.end());
    Block *blk = newBlock(bb, scan.getBody(), args, loc);
    bb.setInsertionPointToEnd(blk);
    IRMapping m;
    m.map(loop.getInductionVar(), blk->getArgument(0));
    llvm::SmallPtrSet<Operation *, 8> skip;
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (const auto &f : p.folds) {
      skip.insert(f.ops.begin(), f.ops.end());
      skip.insert(f.update);
      for (unsigned k : f.states) {
        Value state =
            p.inclusive ? yield.getOperand(k) : Value(loop.getRegionIterArgs()[k]);
        m.map(state, blk->getArgument(1 + stateSlot[k]));
      }
    }
    cloneBody(bb, loop, m, skip);
    YieldOp::create(bb, loc);
    raised = scan;
  }
  if (auto names = loop->getAttr(attrs::kStateNames))
    raised->setAttr(attrs::kStateNames, names);
  if (loop->hasAttr(attrs::kReversed))
    raised->setAttr(attrs::kReversed, b.getUnitAttr());
  std::string at = fileLine(p.folds.front().update->getLoc());
  if (!at.empty())
    raised->setAttr("at", b.getStringAttr(at));
  for (auto [k, r] : llvm::enumerate(loop.getResults()))
    r.replaceAllUsesWith(raised->getResult(stateSlot[k]));
  loop.erase();
}

void raiseScatter(scf::ForOp loop, LoopPattern p) {
  OpBuilder b(loop);
  Location loc = p.store.getLoc();
  Value target = p.store.getMemRef();
  Operation *raised;
  Region *element;
  if (p.kind == Kind::Scatter) {
    auto op = ScatterOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                                target, nullptr);
    raised = op;
    element = &op.getElement();
  } else {
    auto op = ScatterCombineOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                                       target, foldKindAttr(b, p.combineKind), nullptr,
                                       nullptr);
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
    SmallVector<scf::ForOp> kept;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<SequentialOp>(op))
        return WalkResult::skip();
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        if (!seqfuse::inLoweredFunc(loop))
          kept.push_back(loop);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (scf::ForOp loop : kept) {
      LoopPattern p = classifyLoop(loop);
      std::string reason =
          p.kind == Kind::Sequential ? p.reason : "a pattern pass did not run on it";
      OpBuilder b(loop);
      auto seq = SequentialOp::create(b, loop.getLoc(), loop.getResultTypes(),
                                      b.getStringAttr(reason), nullptr);
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
