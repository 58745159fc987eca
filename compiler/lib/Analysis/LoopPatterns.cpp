//===- LoopPatterns.cpp - which parallel pattern an scf.for is ------------===//
#include "seqfuse/Analysis/LoopPatterns.h"
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/EquivalenceClasses.h"

#include <functional>
#include <limits>

using namespace mlir;
using namespace seqfuse;
using Kind = LoopPattern::Kind;

std::string seqfuse::monoidOf(Operation *op) {
  if (isa<arith::AddIOp, arith::AddFOp>(op))
    return "add";
  if (isa<arith::MulIOp, arith::MulFOp>(op))
    return "mul";
  if (isa<arith::MinSIOp, arith::MinimumFOp>(op))
    return "min";
  if (isa<arith::MaxSIOp, arith::MaximumFOp>(op))
    return "max";
  if (isa<arith::MinUIOp>(op))
    return "minu";
  if (isa<arith::MaxUIOp>(op))
    return "maxu";
  if (isa<arith::AndIOp>(op))
    return "and";
  if (isa<arith::OrIOp>(op))
    return "or";
  if (isa<arith::XOrIOp>(op))
    return "xor";
  return "";
}

TypedAttr seqfuse::monoidIdentity(const std::string &m, Type t) {
  Builder b(t.getContext());
  if (auto ft = dyn_cast<FloatType>(t)) {
    const llvm::fltSemantics &sem = ft.getFloatSemantics();
    if (m == "add")
      return b.getFloatAttr(t, llvm::APFloat::getZero(sem, /*neg=*/true));
    if (m == "mul")
      return b.getFloatAttr(t, 1.0);
    if (m == "min")
      return b.getFloatAttr(t, llvm::APFloat::getInf(sem, false));
    if (m == "max")
      return b.getFloatAttr(t, llvm::APFloat::getInf(sem, true));
    return {};
  }
  unsigned w = t.isIndex() ? 64 : t.getIntOrFloatBitWidth();
  auto ia = [&](const APInt &v) -> TypedAttr { return b.getIntegerAttr(t, v); };
  if (m == "add" || m == "or" || m == "xor" || m == "maxu")
    return ia(APInt::getZero(w));
  if (m == "mul")
    return ia(APInt(w, 1));
  if (m == "and" || m == "minu")
    return ia(APInt::getAllOnes(w));
  if (m == "min")
    return ia(APInt::getSignedMaxValue(w));
  if (m == "max")
    return ia(APInt::getSignedMinValue(w));
  return {};
}

SmallVector<Value> LoopPattern::Fold::roots() const {
  SmallVector<Value> out;
  if (compare)
    return SmallVector<Value>(picks.begin(), picks.end());
  if (monoid == "linear" || monoid == "clamp")
    return SmallVector<Value>(linearLeaves.begin(), linearLeaves.end());
  if (tree) {
    for (Operation *op : ops)
      if (auto sel = dyn_cast<arith::SelectOp>(op))
        out.push_back(sel.getCondition());
    for (auto [v, kind] : llvm::zip(leaves, leafKinds))
      if (kind == 'r')
        out.push_back(v);
      else if (kind == 'o')
        out.push_back(v.getDefiningOp()->getOperand(1 - stateOperand));
    return out;
  }
  if (monoid != "affine") {
    out.push_back(update->getOperand(1 - stateOperand));
    return out;
  }
  for (Value v : {cond, a[0], b[0], a[1], b[1]})
    if (v)
      out.push_back(v);
  return out;
}

std::string seqfuse::stateName(scf::ForOp loop, unsigned k) {
  if (auto names = loop->getAttrOfType<ArrayAttr>(attrs::kStateNames))
    if (k < names.size())
      if (auto s = dyn_cast<StringAttr>(names[k]))
        return s.getValue().str();
  return "s" + std::to_string(k);
}

namespace {

struct Access {
  Operation *op;
  Value memref;
  SmallVector<Value> indices;
  bool write;
  /// An inner seqfuse.scatter/scatter_combine's target: any element.
  bool anywhere = false;
};

bool definedOutside(Value v, scf::ForOp loop) {
  return !loop->isAncestor(v.getParentRegion()->getParentOp()) &&
         v.getParentRegion() != &loop.getRegion();
}

/// An index that takes a different value in every iteration: i, i + c,
/// i - c or c - i, with c loop-invariant.
bool injectiveInIv(Value idx, scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  if (idx == iv)
    return true;
  if (auto add = idx.getDefiningOp<arith::AddIOp>())
    return (add.getLhs() == iv && definedOutside(add.getRhs(), loop)) ||
           (add.getRhs() == iv && definedOutside(add.getLhs(), loop));
  if (auto sub = idx.getDefiningOp<arith::SubIOp>())
    return (sub.getLhs() == iv && definedOutside(sub.getRhs(), loop)) ||
           (sub.getRhs() == iv && definedOutside(sub.getLhs(), loop));
  return false;
}

/// True when `a` and `b` always hold the same value in an iteration: the
/// same SSA value, or the same pure op (or load of memory the loop does not
/// write) on operands that are the same. The DSL re-evaluates an index
/// expression per use, so `h[bin[i]] += 1` loads bin[i] twice.
bool sameValue(Value a, Value b, const llvm::SetVector<Value> &written, int depth = 0) {
  if (a == b)
    return true;
  Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
  if (!x || !y || depth > 8 || x->getName() != y->getName() ||
      x->getAttrDictionary() != y->getAttrDictionary() ||
      x->getNumOperands() != y->getNumOperands() || x->getNumRegions() ||
      x->getNumResults() != 1 || a.getType() != b.getType())
    return false;
  if (auto load = dyn_cast<memref::LoadOp>(x)) {
    if (written.contains(load.getMemRef()))
      return false;
  } else if (!isMemoryEffectFree(x)) {
    return false;
  }
  for (auto [u, v] : llvm::zip(x->getOperands(), y->getOperands()))
    if (!sameValue(u, v, written, depth + 1))
      return false;
  return true;
}

bool sameIndices(ValueRange a, ValueRange b, const llvm::SetVector<Value> &written) {
  if (a.size() != b.size())
    return false;
  for (auto [u, v] : llvm::zip(a, b))
    if (!sameValue(u, v, written))
      return false;
  return true;
}

/// A dimension in which every access uses the same injective index.
std::optional<unsigned> ownedDim(ArrayRef<const Access *> accesses, scf::ForOp loop) {
  if (llvm::any_of(accesses, [](const Access *a) { return a->anywhere; }))
    return std::nullopt;
  unsigned rank = accesses.front()->indices.size();
  for (unsigned d = 0; d < rank; ++d) {
    Value first = accesses.front()->indices[d];
    if (!injectiveInIv(first, loop))
      continue;
    if (llvm::all_of(accesses, [&](const Access *a) { return a->indices[d] == first; }))
      return d;
  }
  return std::nullopt;
}

/// How a user would write an index: i, i-1, 2, idx[i], ...
std::string showIndex(Value idx, scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  if (idx == iv)
    return "i";
  if (auto c = constIndex(idx))
    return std::to_string(*c);
  if (auto sub = idx.getDefiningOp<arith::SubIOp>())
    if (sub.getLhs() == iv)
      if (auto c = constIndex(sub.getRhs()))
        return "i-" + std::to_string(*c);
  if (auto add = idx.getDefiningOp<arith::AddIOp>())
    if (add.getLhs() == iv)
      if (auto c = constIndex(add.getRhs()))
        return "i+" + std::to_string(*c);
  Value v = idx;
  if (auto cast = v.getDefiningOp<arith::IndexCastOp>())
    v = cast.getIn();
  if (auto load = v.getDefiningOp<memref::LoadOp>()) {
    std::string s = tensorName(load.getMemRef()) + "[";
    for (auto [k, i] : llvm::enumerate(load.getIndices()))
      s += (k ? ", " : "") + showIndex(i, loop);
    return s + "]";
  }
  return "(computed)";
}

std::string showAccess(const Access &a, scf::ForOp loop) {
  std::string s = tensorName(a.memref) + "[";
  for (auto [k, i] : llvm::enumerate(a.indices))
    s += (k ? ", " : "") + showIndex(i, loop);
  return s + "]";
}

bool writes(Operation *op) {
  return isa<memref::StoreOp, func::CallOp, ScatterOp, ScatterCombineOp>(op);
}

bool hasSideEffects(Operation *op) {
  bool any = false;
  op->walk([&](Operation *inner) { any |= writes(inner); });
  return any;
}

/// True when `load`'s value reaches the condition of an scf.if in `loop`.
bool feedsCondition(Operation *load, scf::ForOp loop) {
  SetVector<Operation *> slice;
  getForwardSlice(load, &slice);
  for (Operation *op : slice)
    if (auto ifOp = dyn_cast<scf::IfOp>(op))
      if (loop->isAncestor(ifOp)) {
        Operation *def = ifOp.getCondition().getDefiningOp();
        if (def == load || (def && slice.contains(def)))
          return true;
      }
  return false;
}

/// s' as an affine function of the state s (see LoopPattern::Fold). Only
/// shapes whose sequential evaluation is exactly a*s + b are accepted, so the
/// fold (a2*B + b2) reproduces the loop's floating-point results bit for bit.
struct AffineSide {
  Value a, b;
  bool bNegate = false;
  bool aZero = false;
  SmallVector<Operation *> ops;
};

std::optional<AffineSide> matchAffineSide(Value v, Value s,
                                          llvm::function_ref<bool(Value)> isFree) {
  AffineSide r;
  if (v == s)
    return r; // 1*s + 0
  // A reset to a free value: 0*s + v. Exact only for integers (for floats
  // 0*inf and 0*NaN are NaN).
  if (isFree(v) && v.getType().isIntOrIndex()) {
    r.aZero = true;
    r.b = v;
    return r;
  }
  Operation *op = v.getDefiningOp();
  if (!op || op->getNumOperands() != 2)
    return std::nullopt;
  auto scaled = [&](Value p, AffineSide &out) -> bool { // s or a*s / s*a
    if (p == s)
      return true;
    Operation *m = p.getDefiningOp();
    if (!m || !isa<arith::MulFOp, arith::MulIOp>(m))
      return false;
    Value x = m->getOperand(0), y = m->getOperand(1);
    if (x == s && isFree(y))
      out.a = y;
    else if (y == s && isFree(x))
      out.a = x;
    else
      return false;
    out.ops.push_back(m);
    return true;
  };
  if (isa<arith::AddFOp, arith::AddIOp, arith::SubFOp, arith::SubIOp>(op)) {
    bool sub = isa<arith::SubFOp, arith::SubIOp>(op);
    Value x = op->getOperand(0), y = op->getOperand(1);
    if (scaled(x, r) && isFree(y)) {
      r.b = y;
      r.bNegate = sub;
    } else if (!sub && isFree(x) && scaled(y, r)) {
      r.b = x;
    } else {
      return std::nullopt;
    }
    r.ops.push_back(op);
    return r;
  }
  if (isa<arith::MulFOp, arith::MulIOp>(op) && scaled(v, r))
    return r;
  return std::nullopt;
}

class Classifier {
public:
  explicit Classifier(scf::ForOp loop) : loop(loop) {}

  LoopPattern run() {
    if (constIndex(loop.getStep()) != 1)
      return sequential("the loop's step is not 1", loop);
    loop.getBody()->walk([&](Operation *op) {
      if (auto l = dyn_cast<memref::LoadOp>(op))
        accesses.push_back(
            {op, l.getMemRef(), SmallVector<Value>(l.getIndices()), false});
      else if (auto s = dyn_cast<memref::StoreOp>(op))
        accesses.push_back({op, s.getMemRef(), SmallVector<Value>(s.getIndices()), true});
      else if (isa<ScatterOp, ScatterCombineOp>(op))
        accesses.push_back({op, op->getOperand(2), {}, true, /*anywhere=*/true});
    });
    for (const Access &a : accesses)
      if (a.write)
        written.insert(a.memref);
    // Memory: which written memrefs are owned by iterations?
    SmallVector<Value> unowned;
    for (Value m : written) {
      SmallVector<const Access *> of;
      for (const Access &a : accesses)
        if (a.memref == m)
          of.push_back(&a);
      if (!ownedDim(of, loop) && !counterOwned(of))
        unowned.push_back(m);
    }
    if (!unowned.empty())
      return classifyUnowned(unowned);
    if (loop.getNumRegionIterArgs() == 0) {
      LoopPattern p;
      p.kind = Kind::Map;
      return p;
    }
    return classifyFold();
  }

private:
  scf::ForOp loop;
  SmallVector<Access> accesses;
  llvm::SetVector<Value> written;

  /// Stream compaction: every access is a store `m[k] = ...` inside
  /// `if (p)`, k a state whose update is `k' = p ? k + 1 : k`. k grows
  /// by one exactly when m[k] is written, so no two iterations write the same
  /// element and none reads one. k is an Index state, or an int32_t/int64_t
  /// one converted with a signed index_cast: such a k can only repeat a value
  /// after wrapping through the negative numbers, which are out of range for
  /// every tensor, so before any two stores hit one element a store faults
  /// (checked mode raises there, as the loop does).
  bool counterOwned(ArrayRef<const Access *> accesses) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (const Access *a : accesses) {
      if (!a->write || a->indices.size() != 1)
        return false;
      auto ifOp = dyn_cast<scf::IfOp>(a->op->getParentOp());
      Value index = a->indices[0];
      if (auto c = index.getDefiningOp<arith::IndexCastOp>();
          c && isa<IntegerType>(c.getIn().getType()))
        index = c.getIn();
      auto arg = dyn_cast<BlockArgument>(index);
      if (!ifOp || ifOp->getBlock() != loop.getBody() || !arg ||
          arg.getOwner() != loop.getBody() || arg.getArgNumber() == 0 ||
          a->op->getParentRegion() != &ifOp.getThenRegion())
        return false;
      unsigned k = arg.getArgNumber() - 1; // after the induction variable
      auto sel = yield.getOperand(k).getDefiningOp<arith::SelectOp>();
      if (!sel || sel.getCondition() != ifOp.getCondition() || sel.getFalseValue() != arg)
        return false;
      auto inc = sel.getTrueValue().getDefiningOp<arith::AddIOp>();
      if (!inc || !((inc.getLhs() == arg && constIndex(inc.getRhs()) == 1) ||
                    (inc.getRhs() == arg && constIndex(inc.getLhs()) == 1)))
        return false;
    }
    return true;
  }

  LoopPattern sequential(std::string reason, Operation *at) {
    LoopPattern p;
    p.kind = Kind::Sequential;
    p.reason = std::move(reason);
    p.reasonOp = at;
    return p;
  }

  /// Memory that more than one iteration touches: a scatter, a histogram,
  /// or a dependence that keeps the loop sequential.
  LoopPattern classifyUnowned(ArrayRef<Value> unowned) {
    Value m = unowned.front();
    for (const Access &a : accesses)
      if (a.anywhere && llvm::is_contained(unowned, a.memref))
        return sequential("an inner loop scatters into " + tensorName(a.memref) +
                              ", which every iteration may write anywhere",
                          a.op);
    SmallVector<const Access *> loads, stores;
    for (const Access &a : accesses)
      if (a.memref == m)
        (a.write ? stores : loads).push_back(&a);
    // A read of it explains the dependence best.
    for (const Access *l : loads) {
      bool sameAsStore =
          stores.size() == 1 && sameIndices(l->indices, stores.front()->indices, written);
      if (sameAsStore) {
        // A fixed element (t[0], t[k]) read and written by every iteration:
        // promote-carried-cells carries it when it can.
        bool fixed = llvm::all_of(l->indices, [&](Value i) {
          return definedOutside(i, loop) || constIndex(i).has_value() ||
                 (i.getDefiningOp() && isMemoryEffectFree(i.getDefiningOp()) &&
                  llvm::all_of(i.getDefiningOp()->getOperands(),
                               [&](Value o) { return definedOutside(o, loop); }));
        });
        if (fixed)
          return sequential("it reads and writes " + showAccess(*l, loop) +
                                " in every iteration, and the element is carried in a "
                                "register only when nothing else in the loop can raise "
                                "and its first access comes before any store",
                            l->op);
        continue;
      }
      std::string what = showAccess(*l, loop);
      std::string reason =
          feedsCondition(l->op, loop) ? "the condition reads " : "it reads ";
      reason += what;
      std::string idx = l->indices.size() == 1 ? showIndex(l->indices[0], loop) : "";
      if (idx == "i-1")
        reason += ", which the previous iteration writes";
      else if (!idx.empty() && idx.find_first_not_of("0123456789") == std::string::npos)
        reason += ", which iteration " + idx + " writes";
      else if (stores.size() == 1)
        reason += " and writes " + showAccess(*stores.front(), loop) +
                  ": iterations may depend on each other through " + tensorName(m);
      else
        reason += ", which other iterations write";
      return sequential(reason, l->op);
    }
    // Only writes to m: a single indirect store (scatter), or a histogram.
    if (stores.size() != 1)
      return sequential("it writes " + tensorName(m) + " at several places per iteration",
                        stores.front()->op);
    auto store = cast<memref::StoreOp>(stores.front()->op);
    if (unowned.size() > 1 || written.size() > 1 || loop.getNumRegionIterArgs() > 0 ||
        llvm::count_if(accesses, [](const Access &a) { return a.write; }) > 1 ||
        store->getBlock() != loop.getBody())
      return sequential("it writes " + showAccess(*stores.front(), loop) +
                            " among other statements it cannot be split from (they "
                            "share memory or state, or something in the loop can raise)",
                        store);
    LoopPattern p;
    p.kind = Kind::Scatter;
    p.store = store;
    return p;
  }

  /// State k as the key of a select-by-order: y_k = select(c, v, s_k) with
  /// c = cmp(v, s_k) (or cmp(s_k, v)), v free; other states selected by the
  /// same c (s_j' = select(c, w, s_j), w free) travel with it.
  bool matchArgBest(unsigned k, LoopPattern::Fold &f,
                    llvm::function_ref<uint64_t(Value)> maskOf, scf::YieldOp yield) {
    Value s = loop.getRegionIterArgs()[k];
    auto sel = yield.getOperand(k).getDefiningOp<arith::SelectOp>();
    if (!sel || sel->getBlock() != loop.getBody() || sel.getFalseValue() != s)
      return false;
    Value v = sel.getTrueValue();
    Operation *cmp = sel.getCondition().getDefiningOp();
    if (!cmp || !isa<arith::CmpFOp, arith::CmpIOp>(cmp) || maskOf(v) != 0 ||
        cmp->getBlock() != loop.getBody())
      return false;
    // The DSL re-evaluates `v` in the branch: compare by value, not by SSA.
    bool keyRight = cmp->getOperand(1) == s && sameValue(cmp->getOperand(0), v, written);
    bool keyLeft = cmp->getOperand(0) == s && sameValue(cmp->getOperand(1), v, written);
    if (!keyRight && !keyLeft)
      return false;
    // Which candidate wins: "v < key" is argmin (first wins on ties), ...
    std::string kind;
    bool strict = false, less = false;
    if (auto c = dyn_cast<arith::CmpFOp>(cmp)) {
      using P = arith::CmpFPredicate;
      P pr = c.getPredicate();
      if (pr != P::OLT && pr != P::OLE && pr != P::OGT && pr != P::OGE)
        return false;
      strict = pr == P::OLT || pr == P::OGT;
      less = pr == P::OLT || pr == P::OLE;
    } else {
      using P = arith::CmpIPredicate;
      P pr = cast<arith::CmpIOp>(cmp).getPredicate();
      if (pr != P::slt && pr != P::sle && pr != P::sgt && pr != P::sge && pr != P::ult &&
          pr != P::ule && pr != P::ugt && pr != P::uge)
        return false;
      strict = pr == P::slt || pr == P::sgt || pr == P::ult || pr == P::ugt;
      less = pr == P::slt || pr == P::sle || pr == P::ult || pr == P::ule;
    }
    if (keyLeft)
      less = !less; // key < v: v wins when it is greater
    f.monoid = std::string(less ? "argmin" : "argmax") + (strict ? "" : "_last");
    f.states = {k};
    f.update = sel;
    f.compare = cmp;
    f.picks = {v};
    f.compared = keyRight ? cmp->getOperand(0) : cmp->getOperand(1);
    if (maskOf(f.compared) != 0)
      return false;
    f.ops = {cmp, sel};
    for (unsigned j = 0; j < loop.getNumRegionIterArgs(); ++j) {
      if (j == k)
        continue;
      auto other = yield.getOperand(j).getDefiningOp<arith::SelectOp>();
      if (!other || other.getCondition() != sel.getCondition() ||
          other.getFalseValue() != loop.getRegionIterArgs()[j] ||
          maskOf(other.getTrueValue()) != 0)
        continue;
      f.states.push_back(j);
      f.picks.push_back(other.getTrueValue());
      f.ops.push_back(other);
    }
    return true;
  }

  /// y as select(cond, affine, affine) or affine in s (cond, a, b free).
  static bool matchAffine(Value y, Value s, LoopPattern::Fold &f,
                          llvm::function_ref<uint64_t(Value)> maskOf) {
    auto isFree = [&](Value v) { return maskOf(v) == 0; };
    auto take = [&](const AffineSide &side, int j) {
      f.a[j] = side.a;
      f.b[j] = side.b;
      f.bNegate[j] = side.bNegate;
      f.aZero[j] = side.aZero;
      f.ops.append(side.ops.begin(), side.ops.end());
    };
    f.monoid = "affine";
    if (auto sel = y.getDefiningOp<arith::SelectOp>()) {
      auto t = matchAffineSide(sel.getTrueValue(), s, isFree);
      auto e = matchAffineSide(sel.getFalseValue(), s, isFree);
      if (!t || !e || !isFree(sel.getCondition()))
        return false;
      f.cond = sel.getCondition();
      take(*t, 0);
      take(*e, 1);
      f.ops.push_back(sel);
      return true;
    }
    auto side = matchAffineSide(y, s, isFree);
    if (!side || side->ops.empty())
      return false;
    take(*side, 0);
    return true;
  }

  /// y as a tree of selects on free conditions over the leaves s, s ⊕ w
  /// (w free, one ⊕ with the state on one side) and free resets.
  bool matchSelectTree(Value y, Value s, LoopPattern::Fold &f,
                       llvm::function_ref<uint64_t(Value)> maskOf) {
    auto isFree = [&](Value v) { return maskOf(v) == 0; };
    std::function<bool(Value, int)> visit = [&](Value v, int depth) -> bool {
      if (depth > 16)
        return false;
      if (v == s) {
        f.leaves.push_back(v);
        f.leafKinds.push_back('k');
        return true;
      }
      if (isFree(v)) {
        f.leaves.push_back(v);
        f.leafKinds.push_back('r');
        return true;
      }
      Operation *d = v.getDefiningOp();
      if (!d || d->getBlock() != loop.getBody())
        return false;
      if (auto sel = dyn_cast<arith::SelectOp>(d)) {
        if (!isFree(sel.getCondition()))
          return false;
        f.ops.push_back(sel);
        return visit(sel.getTrueValue(), depth + 1) &&
               visit(sel.getFalseValue(), depth + 1);
      }
      if (monoidOf(d).empty() || d->getNumOperands() != 2)
        return false;
      int side = d->getOperand(0) == s ? 0 : d->getOperand(1) == s ? 1 : -1;
      if (side < 0 || !isFree(d->getOperand(1 - side)))
        return false;
      if (!f.treeOp) {
        f.treeOp = d;
        f.stateOperand = side;
      } else if (d->getName() != f.treeOp->getName() ||
                 d->getAttrDictionary() != f.treeOp->getAttrDictionary() ||
                 side != static_cast<int>(f.stateOperand)) {
        return false;
      }
      f.ops.push_back(d);
      f.leaves.push_back(v);
      f.leafKinds.push_back('o');
      return true;
    };
    if (!y.getDefiningOp<arith::SelectOp>() || !visit(y, 0))
      return false;
    f.tree = y;
    bool resets = f.segmented();
    std::string op = f.treeOp ? monoidOf(f.treeOp) : "";
    if (!resets && op.empty())
      return false; // select(c, s, s): nothing to fold
    f.monoid = resets ? (op.empty() ? "reset" : "segmented_" + op) : op;
    return true;
  }

  /// The state an iter_arg is (its position), or -1.
  int stateIndex(Value x) {
    auto arg = dyn_cast<BlockArgument>(x);
    if (!arg || arg.getOwner() != loop.getBody() || arg.getArgNumber() == 0)
      return -1;
    return arg.getArgNumber() - 1;
  }

  /// y as a linear expression of states: states, free values (the leaves),
  /// +, -, negation, * by a free value, / by a free value (floats), selects
  /// on a free condition. `refs` gets the states it reads, `ops` its ops.
  bool linearTree(Value v, llvm::SetVector<Operation *> &ops,
                  llvm::SetVector<Value> &leaves, llvm::SetVector<unsigned> &refs,
                  llvm::function_ref<uint64_t(Value)> maskOf, int depth = 0) {
    if (depth > 256) // deep expressions stay sequential (bounded recursion)
      return false;
    if (int k = stateIndex(v); k >= 0) {
      refs.insert(k);
      return true;
    }
    if (maskOf(v) == 0) {
      leaves.insert(v);
      return true;
    }
    Operation *op = v.getDefiningOp();
    if (!op || op->getBlock() != loop.getBody())
      return false;
    if (ops.contains(op))
      return true; // a shared subexpression, already taken (x + x + ...)
    auto lin = [&](Value x) {
      return linearTree(x, ops, leaves, refs, maskOf, depth + 1);
    };
    auto leaf = [&](Value x) {
      if (maskOf(x) != 0)
        return false;
      leaves.insert(x);
      return true;
    };
    bool ok = false;
    if (isa<arith::AddFOp, arith::AddIOp, arith::SubFOp, arith::SubIOp>(op))
      ok = lin(op->getOperand(0)) && lin(op->getOperand(1));
    else if (isa<arith::MulFOp, arith::MulIOp>(op))
      ok = maskOf(op->getOperand(0)) == 0
               ? leaf(op->getOperand(0)) && lin(op->getOperand(1))
               : leaf(op->getOperand(1)) && lin(op->getOperand(0));
    else if (isa<arith::DivFOp>(op))
      ok = leaf(op->getOperand(1)) && lin(op->getOperand(0));
    else if (isa<arith::NegFOp>(op))
      ok = lin(op->getOperand(0));
    else if (auto sel = dyn_cast<arith::SelectOp>(op))
      ok =
          leaf(sel.getCondition()) && lin(sel.getTrueValue()) && lin(sel.getFalseValue());
    if (ok)
      ops.insert(op);
    return ok;
  }

  /// Add-then-clamp (max-plus, min-plus, clamps): y as a function of state
  /// k of the form min(max(s + a, l), h) with a, l, h free: built from s, free
  /// values (the leaves), + and - of a free value (s - c, not c - s), float
  /// max/min with a free value, and selects on a free condition. A free value
  /// alone is the constant function (l = h = it), so resets fit too.
  /// Composition stays in the family: (A, L, H) then (a, l, h) is
  /// (A + a, clamp(L + a, l, h), clamp(H + a, l, h)). `bounds` counts the
  /// max/min ops (a tree without one is affine, not this).
  bool clampTree(Value v, unsigned k, llvm::SetVector<Operation *> &ops,
                 llvm::SetVector<Value> &leaves, unsigned &bounds,
                 llvm::function_ref<uint64_t(Value)> maskOf, int depth = 0) {
    if (depth > 256)
      return false;
    if (stateIndex(v) == static_cast<int>(k))
      return true;
    uint64_t mask = maskOf(v);
    if (mask == 0) {
      leaves.insert(v);
      return true;
    }
    if (mask != (uint64_t(1) << k))
      return false; // reads another state
    Operation *op = v.getDefiningOp();
    if (!op || op->getBlock() != loop.getBody() || op->getNumResults() != 1)
      return false;
    if (ops.contains(op))
      return false; // s reached twice (max(s + a, s)): not of slope one
    auto sub = [&](Value x) {
      return clampTree(x, k, ops, leaves, bounds, maskOf, depth + 1);
    };
    auto leaf = [&](Value x) {
      if (maskOf(x) != 0)
        return false;
      leaves.insert(x);
      return true;
    };
    bool ok = false;
    if (isa<arith::AddFOp, arith::MaximumFOp, arith::MinimumFOp>(op)) {
      bool left = maskOf(op->getOperand(1)) == 0;
      ok = leaf(op->getOperand(left ? 1 : 0)) && sub(op->getOperand(left ? 0 : 1));
      bounds += !isa<arith::AddFOp>(op);
    } else if (isa<arith::SubFOp>(op)) {
      ok = leaf(op->getOperand(1)) && sub(op->getOperand(0));
    } else if (auto sel = dyn_cast<arith::SelectOp>(op)) {
      ok =
          leaf(sel.getCondition()) && sub(sel.getTrueValue()) && sub(sel.getFalseValue());
    }
    if (ok)
      ops.insert(op);
    return ok;
  }

  /// State k as an add-then-clamp fold ("clamp"), or false.
  bool matchClamp(unsigned k, LoopPattern::Fold &f,
                  llvm::function_ref<uint64_t(Value)> maskOf, scf::YieldOp yield) {
    Type t = loop.getRegionIterArgs()[k].getType();
    if (!isa<FloatType>(t))
      return false; // integer + wraps: max(s + a, b) does not compose exactly
    llvm::SetVector<Operation *> ops;
    llvm::SetVector<Value> leaves;
    unsigned bounds = 0;
    if (!clampTree(yield.getOperand(k), k, ops, leaves, bounds, maskOf) || bounds == 0)
      return false;
    SmallVector<Operation *> sorted(ops.begin(), ops.end());
    llvm::sort(sorted, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
    f = LoopPattern::Fold();
    f.monoid = "clamp";
    f.states.push_back(k);
    f.update = sorted.back();
    f.rowOps.push_back(sorted);
    f.ops.assign(sorted.begin(), sorted.end());
    f.linearLeaves.assign(leaves.begin(), leaves.end());
    return true;
  }

  /// Linear systems: groups of states (at most kMaxLinear) whose updates are
  /// linear in the group's states, with free coefficients: an order-K
  /// recurrence x[i] = a1*x[i-1] + ... + aK*x[i-K] + c (after
  /// promote-carried-cells), coupled states, or (with `singles`, for a state
  /// no other family takes) one state, e.g. x = x + a*(v - x).
  static constexpr unsigned kMaxLinear = 4;
  std::optional<LoopPattern>
  matchLinearSystems(SmallVectorImpl<bool> &taken,
                     llvm::function_ref<uint64_t(Value)> maskOf, scf::YieldOp yield,
                     std::vector<LoopPattern::Fold> &out, bool singles,
                     std::optional<unsigned> only = std::nullopt) {
    unsigned n = loop.getNumRegionIterArgs();
    struct Row {
      llvm::SetVector<Operation *> ops;
      llvm::SetVector<Value> leaves;
      llvm::SetVector<unsigned> refs;
    };
    std::vector<std::optional<Row>> rows(n);
    for (unsigned k = 0; k < n; ++k) {
      Type t = loop.getRegionIterArgs()[k].getType();
      if (taken[k] || t.isInteger(1) || !(isa<FloatType>(t) || t.isIntOrIndex()))
        continue;
      Row r;
      if (linearTree(yield.getOperand(k), r.ops, r.leaves, r.refs, maskOf))
        rows[k] = std::move(r);
    }
    // Drop rows reading a state without a linear row (or of another type).
    for (bool changed = true; changed;) {
      changed = false;
      for (unsigned k = 0; k < n; ++k)
        if (rows[k])
          for (unsigned l : rows[k]->refs)
            if (!rows[l] || loop.getRegionIterArgs()[l].getType() !=
                                loop.getRegionIterArgs()[k].getType()) {
              rows[k].reset();
              changed = true;
              break;
            }
    }
    // Groups: states connected by reading each other.
    llvm::EquivalenceClasses<unsigned> groups;
    for (unsigned k = 0; k < n; ++k)
      if (rows[k]) {
        groups.insert(k);
        for (unsigned l : rows[k]->refs)
          groups.unionSets(k, l);
      }
    for (auto it = groups.begin(); it != groups.end(); ++it) {
      if (!(*it)->isLeader())
        continue;
      SmallVector<unsigned> members(groups.member_begin(**it), groups.member_end());
      llvm::sort(members);
      if (only && !llvm::is_contained(members, *only))
        continue;
      if (members.size() < 2 && !singles)
        continue; // a single state: a monoid or an affine map first
      if (members.size() > kMaxLinear)
        return sequential(
            "states " + stateName(loop, members[0]) + " ... " +
                stateName(loop, members.back()) + " form a linear system of " +
                std::to_string(members.size()) + " states; seqfuse folds at most " +
                std::to_string(kMaxLinear),
            loop);
      LoopPattern::Fold f;
      f.monoid = "linear";
      f.states.assign(members.begin(), members.end());
      llvm::SetVector<Value> leaves;
      for (unsigned k : members) {
        Row &r = *rows[k];
        SmallVector<Operation *> ops(r.ops.begin(), r.ops.end());
        llvm::sort(ops, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
        if (!ops.empty())
          f.update = ops.back();
        f.rowOps.push_back(ops);
        for (Operation *op : ops)
          if (!llvm::is_contained(f.ops, op))
            f.ops.push_back(op);
        leaves.insert(r.leaves.begin(), r.leaves.end());
      }
      if (!f.update)
        continue; // only moves and free values: left to the per-state analysis
      f.linearLeaves.assign(leaves.begin(), leaves.end());
      for (unsigned k : members)
        taken[k] = true;
      out.push_back(std::move(f));
    }
    return std::nullopt;
  }

  LoopPattern notRecognised(const std::string &name, Operation *at) {
    return sequential(
        "the update of state '" + name + "' is not of the form " + name + " = " + name +
            " op c with an associative op (+ * min max & | ^), nor linear in the state " +
            "(e.g. " + name + " = a*" + name + " + b), nor an add-then-clamp (e.g. " +
            name + " = max(" + name + " + a, b)), nor a select-by-order " +
            "(argmin/argmax), nor a select of those and resets, with c, a, b free of " +
            "the state",
        at);
  }

  /// `f` with only its state and update kept (after a failed match).
  static LoopPattern::Fold &resetFold(LoopPattern::Fold &f) {
    LoopPattern::Fold fresh;
    fresh.states = f.states;
    fresh.update = f.update;
    f = fresh;
    return f;
  }

  LoopPattern classifyFold() {
    unsigned n = loop.getNumRegionIterArgs();
    if (n > 64)
      return sequential("it carries more than 64 states", loop);
    // Which states does each value depend on?
    llvm::DenseMap<Value, uint64_t> mask;
    for (unsigned k = 0; k < n; ++k)
      mask[loop.getRegionIterArgs()[k]] = uint64_t(1) << k;
    auto maskOf = [&](Value v) { return mask.lookup(v); };
    for (Operation &op : loop.getBody()->without_terminator()) {
      uint64_t m = 0;
      op.walk([&](Operation *inner) {
        for (Value v : inner->getOperands())
          m |= maskOf(v);
      });
      for (Value r : op.getResults())
        mask[r] = m;
    }
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    LoopPattern p;
    bool usesBefore = false, usesAfter = false;
    llvm::SmallPtrSet<Operation *, 8> updates;
    // Uses of each fold's states, and no leak of its intermediate values.
    auto account = [&](const LoopPattern::Fold &f) -> std::optional<LoopPattern> {
      llvm::SmallPtrSet<Operation *, 8> own(f.ops.begin(), f.ops.end());
      llvm::SmallPtrSet<Operation *, 8> producers;
      for (unsigned k : f.states) {
        Value s = loop.getRegionIterArgs()[k], y = yield.getOperand(k);
        if (Operation *d = y.getDefiningOp())
          producers.insert(d);
        for (Operation *user : s.getUsers())
          if (!own.contains(user) &&
              !(f.monoid == "linear" && user == yield.getOperation()))
            usesBefore = true; // (a linear system moves states into each other)
        for (Operation *user : y.getUsers())
          if (user != yield.getOperation() && !own.contains(user))
            usesAfter = true;
      }
      for (Operation *o : f.ops)
        if (!producers.contains(o))
          for (Operation *user : o->getUsers())
            if (!own.contains(user))
              return sequential("an intermediate value of the update of state '" +
                                    stateName(loop, f.states.front()) +
                                    "' is used elsewhere in the loop",
                                user);
      return std::nullopt;
    };
    // Select-by-order groups first: key = cmp(v, key) ? v : key, and states
    // selected by the same comparison.
    llvm::SmallVector<bool> taken(n, false);
    for (unsigned k = 0; k < n; ++k) {
      LoopPattern::Fold f;
      if (!matchArgBest(k, f, maskOf, yield))
        continue;
      for (unsigned j : f.states)
        taken[j] = true;
      if (auto fail = account(f))
        return *fail;
      p.folds.push_back(f);
    }
    std::vector<LoopPattern::Fold> linear;
    if (auto fail = matchLinearSystems(taken, maskOf, yield, linear, /*singles=*/false))
      return *fail;
    for (LoopPattern::Fold &f : linear) {
      if (auto fail = account(f))
        return *fail;
      p.folds.push_back(std::move(f));
    }
    for (unsigned k = 0; k < n; ++k) {
      if (taken[k])
        continue;
      Value s = loop.getRegionIterArgs()[k], y = yield.getOperand(k);
      std::string name = stateName(loop, k);
      Operation *u = y.getDefiningOp();
      bool inBody = u && u->getBlock() == loop.getBody();
      std::string monoid = inBody ? monoidOf(u) : "";
      LoopPattern::Fold f;
      f.states.push_back(k);
      f.update = u;
      bool isMonoid = !monoid.empty() && u->getNumOperands() == 2 &&
                      (u->getOperand(0) == s || u->getOperand(1) == s) &&
                      maskOf(u->getOperand(u->getOperand(0) == s ? 1 : 0)) == 0;
      if (isMonoid) {
        f.stateOperand = u->getOperand(0) == s ? 0 : 1;
        f.monoid = monoid;
        f.ops.push_back(u);
      } else if (inBody && !matchAffine(y, s, f, maskOf) &&
                 !matchSelectTree(y, s, resetFold(f), maskOf)) {
        // Any other update linear in the state: x = x + a*(v - x), (x + c)*d.
        std::vector<LoopPattern::Fold> single;
        if (auto fail =
                matchLinearSystems(taken, maskOf, yield, single, /*singles=*/true, k))
          return *fail;
        if (!single.empty()) {
          if (auto fail = account(single.front()))
            return *fail;
          p.folds.push_back(std::move(single.front()));
          updates.insert(u);
          continue;
        }
        // Add-then-clamp: x = max(x + v, c), min(max(x + v, lo), hi), ...
        if (matchClamp(k, resetFold(f), maskOf, yield)) {
          if (auto fail = account(f))
            return *fail;
          p.folds.push_back(f);
          updates.insert(u);
          continue;
        }
        return notRecognised(name, u);
      } else if (!inBody) {
        return notRecognised(name, u ? u : loop.getOperation());
      }
      if (auto fail = account(f))
        return *fail;
      p.folds.push_back(f);
      updates.insert(u);
    }
    if (usesBefore && usesAfter)
      return sequential("the loop uses a state both before and after its update", loop);
    p.inclusive = usesAfter;
    // The elements (the c of s ⊕ c) must not read memory the loop writes.
    SetVector<Operation *> elementOps;
    for (const LoopPattern::Fold &f : p.folds)
      for (Value c : f.roots()) {
        if (Operation *def = c.getDefiningOp(); def && loop->isAncestor(def)) {
          BackwardSliceOptions opts;
          opts.omitBlockArguments = true;
          opts.filter = [&](Operation *op) { return loop->isProperAncestor(op); };
          (void)getBackwardSlice(def, &elementOps, opts);
          elementOps.insert(def);
        }
      }
    // ... except the element's own slot of an iteration-owned memref, read
    // before the iteration writes it (inclusive: elements are evaluated before
    // the body) or after (exclusive: after the body), as the loop does.
    for (Operation *op : elementOps) {
      auto l = dyn_cast<memref::LoadOp>(op);
      if (!l || !written.contains(l.getMemRef()))
        continue;
      Access self{op, l.getMemRef(), SmallVector<Value>(l.getIndices()), false};
      bool ok = true;
      for (const Access &a : accesses) {
        if (a.memref != l.getMemRef() || !a.write)
          continue;
        SmallVector<const Access *> pair{&a, &self};
        bool ordered =
            a.op->getBlock() == op->getBlock() &&
            (p.inclusive ? op->isBeforeInBlock(a.op) : a.op->isBeforeInBlock(op));
        ok &= ownedDim(pair, loop).has_value() && ordered;
      }
      if (!ok)
        return sequential("the value folded into a state reads " +
                              tensorName(l.getMemRef()) + ", which the loop writes",
                          op);
    }
    bool sideEffects = llvm::any_of(loop.getBody()->without_terminator(),
                                    [](Operation &op) { return hasSideEffects(&op); });
    // Inclusive scans evaluate the elements before the body: that must not
    // move a possible fault before a side effect the loop makes first.
    if (p.inclusive && sideEffects) {
      Operation *firstEffect = nullptr;
      for (Operation &op : loop.getBody()->without_terminator())
        if (hasSideEffects(&op)) {
          firstEffect = &op;
          break;
        }
      for (Operation *op : elementOps)
        if (mayFault(op) && firstEffect && op->getBlock() == firstEffect->getBlock() &&
            firstEffect->isBeforeInBlock(op))
          return sequential("a value folded into a state is read after a store of the "
                            "same iteration and may raise; keeping the loop's order",
                            op);
    }
    p.kind = (!sideEffects && !usesBefore && !usesAfter) ? Kind::Reduce : Kind::Scan;
    return p;
  }
};

} // namespace

LoopPattern seqfuse::classifyLoop(scf::ForOp loop) {
  LoopPattern p = Classifier(loop).run();
  if (p.kind != Kind::Scatter)
    return p;
  // A histogram: t[j] = t[j] ⊕ v with the same j, v free of t[j].
  auto store = p.store;
  Value m = store.getMemRef();
  memref::LoadOp load;
  for (Operation &op : loop.getBody()->without_terminator())
    if (auto l = dyn_cast<memref::LoadOp>(&op); l && l.getMemRef() == m)
      load = l;
  if (!load)
    return p; // last writer wins
  Operation *u = store.getValue().getDefiningOp();
  std::string monoid = u ? monoidOf(u) : "";
  llvm::SetVector<Value> targetOnly;
  targetOnly.insert(m);
  if (!sameIndices(load.getIndices(), store.getIndices(), targetOnly) || monoid.empty() ||
      u->getNumOperands() != 2 ||
      (u->getOperand(0) != load.getResult() && u->getOperand(1) != load.getResult()) ||
      !load->hasOneUse()) {
    LoopPattern s;
    s.reason = "it updates " + tensorName(m) + " in a way that is not t[j] = t[j] ⊕ v";
    s.reasonOp = store;
    return s;
  }
  Value v = u->getOperand(0) == load.getResult() ? u->getOperand(1) : u->getOperand(0);
  SetVector<Operation *> slice;
  if (Operation *def = v.getDefiningOp(); def && loop->isProperAncestor(def)) {
    BackwardSliceOptions opts;
    opts.omitBlockArguments = true;
    opts.filter = [&](Operation *op) { return loop->isProperAncestor(op); };
    (void)getBackwardSlice(def, &slice, opts);
    slice.insert(def);
  }
  // The value must not depend on the target, and may not raise after the
  // target's load (the lowering evaluates it first).
  for (Operation *op : slice)
    if (op == load.getOperation() || (op->getBlock() == load->getBlock() &&
                                      load->isBeforeInBlock(op) && mayFault(op))) {
      LoopPattern s;
      s.reason = "the value added to " + tensorName(m) +
                 " is computed after reading it and may raise; keeping the loop's order";
      s.reasonOp = op;
      return s;
    }
  p.kind = Kind::ScatterCombine;
  p.targetLoad = load;
  p.combine = u;
  p.combineKind = monoid;
  return p;
}
