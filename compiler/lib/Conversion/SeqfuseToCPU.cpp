//===- SeqfuseToCPU.cpp - pattern ops to parallel CPU code ----------------===//
//
// seqfuse-lower-patterns (Passes.td): folds, scatters and histograms in
// parallel forms (chunked, on OpenMP threads, with in-register steps) where
// they may run so, each followed by its exact loop (SeqfuseToSCF.h) for the
// rest of the iterations; every other op as its exact loop. Maps become
// tagged loops that seqfuse-parallelize-maps splits into chunks. An op no
// lowering knows is refused with a diagnostic.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Analysis/LoopPatterns.h"
#include "seqfuse/Conversion/SeqfuseToSCF.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <limits>

namespace seqfuse {
#define GEN_PASS_DEF_LOWERPATTERNSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;
using namespace seqfuse::loops;

namespace {

/// Where and how a parallel fold runs (LowerPatternsPass's options).
struct Schedule {
  int64_t chunk, group, cutoff, lanes;
  /// Most elements per in-register scan step (1: none).
  int64_t simd;
  /// The next kLoweredTripAttr number (unique in the module).
  int64_t *nextTrip;
};

/// True when some float slot of `vals` is NaN or (unless `nanOnly`) ±inf:
/// v - v is NaN exactly then.
Value notFinite(OpBuilder &b, Location loc, ValueRange vals, bool nanOnly) {
  Value any = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  for (Value v : vals) {
    if (!isa<FloatType>(v.getType()))
      continue;
    Value d = nanOnly ? v : (Value)arith::SubFOp::create(b, loc, v, v);
    any = arith::OrIOp::create(
        b, loc, any, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, d, d));
  }
  return any;
}

/// Marks the loads and stores of `op`'s regions whose indices are in range
/// for every iteration of `op` (Bounds.h, from the op's own range): they are
/// in range for any subset of the iterations too, in whatever order and
/// grouping the parallel code visits them, so the checks skip them.
void markInBounds(Operation *op) {
  op->walk([&](Operation *inner) {
    Value m;
    ValueRange idx;
    if (auto l = dyn_cast<memref::LoadOp>(inner)) {
      m = l.getMemRef();
      idx = l.getIndices();
    } else if (auto st = dyn_cast<memref::StoreOp>(inner)) {
      m = st.getMemRef();
      idx = st.getIndices();
    } else {
      return;
    }
    for (auto [d, i] : llvm::enumerate(idx))
      if (!provablyInBounds(i, m, static_cast<int64_t>(d)))
        return;
    inner->setAttr(kInBoundsAttr, UnitAttr::get(inner->getContext()));
  });
}

/// True when every op of `r` maps lane by lane onto vectors: pure arith ops
/// that are elementwise-mappable (or constants), with no regions, over
/// scalars.
/// Such a combiner combines whole vectors of accumulators at once.
bool laneWiseOp(Operation &o) {
  auto scalar = [](Type t) { return t.isIntOrIndexOrFloat(); };
  // No integer division (checked mode checks each one, on scalars) and
  // nothing else that may trap.
  if (isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
          arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(o))
    return false;
  return isa<arith::ArithDialect>(o.getDialect()) && o.getNumRegions() == 0 &&
         mlir::isPure(&o) && llvm::all_of(o.getOperandTypes(), scalar) &&
         llvm::all_of(o.getResultTypes(), scalar) &&
         (isa<arith::ConstantOp>(o) || o.hasTrait<OpTrait::Elementwise>());
}
bool laneWise(Region &r) {
  auto scalar = [](Type t) { return t.isIntOrIndexOrFloat(); };
  return llvm::all_of(r.front().getArgumentTypes(), scalar) &&
         llvm::all_of(r.front().without_terminator(), laneWiseOp);
}

/// `r` (laneWise) applied to vectors of `width` lanes: each op cloned with
/// vector operands and results; constants and values from outside splat.
SmallVector<Value> inlineLaneWise(OpBuilder &b, Region &r, ValueRange args,
                                  int64_t width) {
  Block &block = r.front();
  Location loc = r.getParentOp()->getLoc();
  IRMapping map;
  for (auto [arg, v] : llvm::zip_equal(block.getArguments(), args))
    map.map(arg, v);
  auto lanes = [&](Value v) -> Value {
    if (Value m = map.lookupOrNull(v))
      return m;
    Value splat =
        vector::BroadcastOp::create(b, loc, VectorType::get({width}, v.getType()), v);
    map.map(v, splat);
    return splat;
  };
  for (Operation &o : block.without_terminator()) {
    if (auto c = dyn_cast<arith::ConstantOp>(o)) {
      auto vt = VectorType::get({width}, c.getType());
      map.map(c.getResult(),
              arith::ConstantOp::create(
                  b, loc, DenseElementsAttr::get(vt, ArrayRef<Attribute>(c.getValue()))));
      continue;
    }
    for (Value v : o.getOperands())
      lanes(v);
    Operation *copy = b.clone(o, map);
    for (Value res : copy->getResults())
      res.setType(VectorType::get({width}, res.getType()));
  }
  SmallVector<Value> out;
  for (Value v : cast<YieldOp>(block.getTerminator()).getValues())
    out.push_back(lanes(v));
  return out;
}

/// An element region (^bb0(%i)) for the `width` iterations i0, i0 + 1, ...
/// (i0, i0 - 1, ... in `reverse`) as vectors, without scalar copies: a load
/// of whole bytes proven in range whose last index is %i and whose others
/// come from outside becomes one vector.load (reversed in reverse), a load at indices
/// from outside a splat, %i itself the vector of the iterations, and lane-wise ops their
/// vector forms. Nothing (and nothing built) where another op is in the region.
/// The last index `v` of a load in element region `r`, as ±%i + c: +1 for
/// %i, %i + c, c + %i and %i - c, -1 for c - %i (a loopReverse index), with
/// c from outside the region or a constant; 0 for any other index.
int iterationSign(Region &r, Value v) {
  Value iv = r.front().getArgument(0);
  if (v == iv)
    return 1;
  auto invariant = [&](Value c) {
    return c.getParentRegion() != &r || c.getDefiningOp<arith::ConstantOp>();
  };
  if (auto a = v.getDefiningOp<arith::AddIOp>();
      a && a->getParentRegion() == &r &&
      ((a.getLhs() == iv && invariant(a.getRhs())) ||
       (a.getRhs() == iv && invariant(a.getLhs()))))
    return 1;
  if (auto d = v.getDefiningOp<arith::SubIOp>(); d && d->getParentRegion() == &r) {
    if (d.getLhs() == iv && invariant(d.getRhs()))
      return 1;
    if (d.getRhs() == iv && invariant(d.getLhs()))
      return -1;
  }
  return 0;
}

/// That index (iterationSign != 0) for iteration `i`, built at `b`.
Value indexAt(OpBuilder &b, Region &r, Value v, Value i) {
  Value iv = r.front().getArgument(0);
  if (v == iv)
    return i;
  Operation *d = v.getDefiningOp();
  IRMapping m;
  m.map(iv, i);
  for (Value x : d->getOperands())
    if (x != iv && x.getParentRegion() == &r)
      m.map(x, b.clone(*x.getDefiningOp())->getResult(0)); // a constant
  return b.clone(*d, m)->getResult(0);
}

bool vectorizableElement(Region &r) {
  Block &block = r.front();
  auto inside = [&](Value v) { return v.getParentRegion() == &r; };
  for (Operation &o : block.without_terminator()) {
    if (laneWiseOp(o))
      continue;
    // Whole bytes only: a memref of i1 holds a byte per element, a vector of
    // i1 a bit.
    auto l = dyn_cast<memref::LoadOp>(o);
    if (!l || !l->hasAttr(kInBoundsAttr) || !l.getType().isIntOrIndexOrFloat() ||
        (!l.getType().isIndex() && l.getType().getIntOrFloatBitWidth() % 8 != 0))
      return false;
    auto idx = l.getIndices();
    for (auto [d, v] : llvm::enumerate(idx))
      if (inside(v) && (d + 1 != idx.size() || iterationSign(r, v) == 0))
        return false;
  }
  return true;
}

std::optional<SmallVector<Value>> vectorElement(OpBuilder &b, Region &r, Value i0,
                                                bool reverse, int64_t width) {
  if (!vectorizableElement(r))
    return std::nullopt;
  Block &block = r.front();
  Value iv = block.getArgument(0);
  Location loc = r.getParentOp()->getLoc();
  auto vecOf = [&](Type t) { return VectorType::get({width}, t); };
  auto reversed = [&](Value v) -> Value {
    SmallVector<int64_t> back;
    for (int64_t j = width - 1; j >= 0; --j)
      back.push_back(j);
    return vector::ShuffleOp::create(b, loc, v, v, b.getDenseI64ArrayAttr(back));
  };
  IRMapping map;
  auto lanes = [&](Value v) -> Value {
    if (Value m = map.lookupOrNull(v))
      return m;
    Value splat;
    if (v == iv) {
      SmallVector<int64_t> steps;
      for (int64_t j = 0; j < width; ++j)
        steps.push_back(reverse ? -j : j);
      Value offs = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(vecOf(b.getIndexType()), ArrayRef<int64_t>(steps)));
      splat = arith::AddIOp::create(
          b, loc, vector::BroadcastOp::create(b, loc, vecOf(v.getType()), i0), offs);
    } else {
      splat = vector::BroadcastOp::create(b, loc, vecOf(v.getType()), v);
    }
    map.map(v, splat);
    return splat;
  };
  for (Operation &o : block.without_terminator()) {
    if (auto l = dyn_cast<memref::LoadOp>(o)) {
      SmallVector<Value> idx(l.getIndices());
      Value v;
      if (int sign = idx.empty() ? 0 : iterationSign(r, idx.back())) {
        // Lane j's index is idx(i0) + j or, where the lanes' iterations or
        // the index run down, idx(i0) - j: one load from the lowest.
        bool down = (sign < 0) != reverse;
        Value at0 = indexAt(b, r, idx.back(), i0);
        idx.back() =
            down ? (Value)arith::SubIOp::create(
                       b, loc, at0, arith::ConstantIndexOp::create(b, loc, width - 1))
                 : at0;
        v = vector::LoadOp::create(b, loc, vecOf(l.getType()), l.getMemRef(), idx);
        if (down)
          v = reversed(v);
      } else {
        v = vector::BroadcastOp::create(b, loc, vecOf(l.getType()),
                                        b.clone(o)->getResult(0));
      }
      map.map(l.getResult(), v);
      continue;
    }
    if (auto c = dyn_cast<arith::ConstantOp>(o)) {
      map.map(c.getResult(),
              arith::ConstantOp::create(
                  b, loc,
                  DenseElementsAttr::get(vecOf(c.getType()),
                                         ArrayRef<Attribute>(c.getValue()))));
      continue;
    }
    for (Value v : o.getOperands())
      lanes(v);
    Operation *copy = b.clone(o, map);
    for (Value res : copy->getResults())
      res.setType(vecOf(res.getType()));
  }
  SmallVector<Value> out;
  for (Value v : cast<YieldOp>(block.getTerminator()).getValues())
    out.push_back(lanes(v));
  return out;
}

/// Whether every accumulator of `op` is a monoid of one slot (+ * min max
/// & | ^, signed or unsigned): associative and commutative for every value,
/// NaN and -0 included. (Select-by-order is not: with NaN, "take x if
/// x > acc" is not associative, so it keeps the loop's order in a lane.)
bool monoidsOnly(Operation *op) {
  auto kinds = op->getAttrOfType<ArrayAttr>("kind");
  auto fold = dyn_cast<PatternOp>(op);
  unsigned n = op->getNumResults();
  if (!kinds || kinds.size() != n || !fold || !fold.getCombinerRegion() ||
      fold.getStepRegion())
    return false;
  // The kind is not trusted alone: slot j of the combiner must be that
  // operation of accumulator j and element j.
  Block &blk = fold.getCombinerRegion()->front();
  auto yield = cast<YieldOp>(blk.getTerminator());
  for (auto [j, k] : llvm::enumerate(kinds)) {
    switch (cast<FoldKindAttr>(k).getValue()) {
    case FoldKind::Add:
    case FoldKind::Mul:
    case FoldKind::Min:
    case FoldKind::Max:
    case FoldKind::MinU:
    case FoldKind::MaxU:
    case FoldKind::And:
    case FoldKind::Or:
    case FoldKind::Xor:
      break;
    default:
      return false;
    }
    Operation *d = yield.getValues()[j].getDefiningOp();
    if (!d || d->getBlock() != &blk || d->getNumOperands() != 2 ||
        monoidOf(d) != stringifyFoldKind(cast<FoldKindAttr>(k).getValue()))
      return false;
    Value acc = blk.getArgument(j), elem = blk.getArgument(n + j);
    if (!((d->getOperand(0) == acc && d->getOperand(1) == elem) ||
          (d->getOperand(0) == elem && d->getOperand(1) == acc)))
      return false;
  }
  return true;
}

/// Iterations per in-register step of a parallel scan's lanes: the most (a
/// power of two, at most `simd`) that divide a lane's run, for a scan of one
/// accumulator (a monoid: + * min max & | ^, a counter) whose combiner works
/// lane by lane; 1 (none) otherwise and for reductions. Measured on a 2-core
/// Zen 3 (f32, 2^18 and 2^24, 2 threads): running max 1.2-2.2x faster,
/// sum and product 1.05-1.2x; with two or more accumulators (affine pairs,
/// matrices, segments) the log-step composes every slot where the loop's
/// step updates one, and it ran 0.75-1.1x: those keep their scalar lanes.
template <class FoldOp> int64_t scanStepWidth(FoldOp op, const Schedule &s) {
  if (!isa<ScanOp>(op.getOperation()) || op->getNumResults() != 1 || !monoidsOnly(op) ||
      !laneWise(op.getCombiner()) || !op->getResultTypes()[0].isIntOrIndexOrFloat())
    return 1;
  int64_t w = 1, len = s.chunk / s.lanes;
  while (w * 2 <= s.simd && len % (w * 2) == 0)
    w *= 2;
  return w;
}

/// from + (max(ub - from, 0) & -width): the end of the whole steps of
/// `width` (a power of two) from `from`; an empty range may have ub < from.
Value wholeStepsEnd(OpBuilder &b, Location loc, Value from, Value ub, int64_t width) {
  Value whole = arith::AndIOp::create(
      b, loc,
      arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, from),
                             arith::ConstantIndexOp::create(b, loc, 0)),
      arith::ConstantIndexOp::create(b, loc, -width));
  return arith::AddIOp::create(b, loc, from, whole);
}

/// `while (k < mid && !stop)` over the state (k, acc..., stop) from
/// (from, init..., false); `body(b, k, acc)` yields the next state.
scf::WhileOp whileBelow(OpBuilder &b, Location loc, Value from, ValueRange init,
                        Value mid,
                        function_ref<void(OpBuilder &, Value, ValueRange)> body) {
  SmallVector<Type> state{b.getIndexType()};
  llvm::append_range(state, init.getTypes());
  state.push_back(b.getI1Type());
  SmallVector<Value> start{from};
  llvm::append_range(start, init);
  start.push_back(arith::ConstantOp::create(b, loc, b.getBoolAttr(false)));
  unsigned n = init.size();
  return scf::WhileOp::create(
      b, loc, state, start,
      [&](OpBuilder &cb, Location, ValueRange args) {
        Value go = arith::AndIOp::create(
            cb, loc,
            arith::CmpIOp::create(cb, loc, arith::CmpIPredicate::slt, args[0], mid),
            arith::XOrIOp::create(
                cb, loc, args.back(),
                arith::ConstantOp::create(cb, loc, cb.getBoolAttr(true))));
        scf::ConditionOp::create(cb, loc, go, args);
      },
      [&](OpBuilder &wb, Location, ValueRange args) {
        body(wb, args[0], args.slice(1, n));
      });
}

/// A scan of one accumulator `width` (scanStepWidth) iterations at a time,
/// in registers: the elements of k .. k+width-1 (i = revBase - k in
/// reverse) as vectors, their inclusive log-step scan (one fixed tree),
/// each lane combined after the running value, then the body on each
/// lane's value in order. The elements are all evaluated before the bodies,
/// as a parallel fold's summaries already are (see sequentialOnly).
template <class FoldOp> struct RegisterStep {
  mutable FoldOp op; // (an op handle: its accessors are not const)
  Region *body;
  bool inclusive;
  Value revBase;
  int64_t width;

  Value iterOf(OpBuilder &x, Value k) const {
    return revBase ? (Value)arith::SubIOp::create(x, op.getLoc(), revBase, k) : k;
  }
  VectorType vecOf(Type t) const { return VectorType::get({width}, t); }

  /// The iterations, and the running values after each of them: lane j
  /// holds acc ⊕ element(i_0) ⊕ ... ⊕ element(i_j).
  std::pair<SmallVector<Value>, SmallVector<Value>> scan(OpBuilder &x, Value k,
                                                         ValueRange acc) const {
    Location loc = op.getLoc();
    TypeRange types = op->getResultTypes();
    unsigned n = types.size();
    SmallVector<Value> iters;
    for (int64_t j = 0; j < width; ++j)
      iters.push_back(
          iterOf(x, arith::AddIOp::create(x, loc, k,
                                          arith::ConstantIndexOp::create(x, loc, j))));
    SmallVector<Value> v;
    if (auto direct = vectorElement(x, op.getElement(), iters[0],
                                    static_cast<bool>(revBase), width)) {
      v = *direct;
    } else {
      SmallVector<SmallVector<Value>> lanesOf(n);
      for (Value i : iters)
        for (auto [q, e] : llvm::enumerate(inlineRegion(x, op.getElement(), {i})))
          lanesOf[q].push_back(e);
      for (unsigned q = 0; q < n; ++q)
        v.push_back(vector::FromElementsOp::create(x, loc, vecOf(types[q]), lanesOf[q]));
    }
    // Sklansky's tree: at step s, each lane j with bit s set combines the
    // last lane of the block of s before it into itself. Only the steps of s
    // >= 4 cross 128-bit halves (a broadcast each): shifting all lanes by s
    // instead measured 2x slower at 8 lanes (cross-lane permutes).
    for (int64_t sh = 1; sh < width; sh *= 2) {
      SmallVector<int64_t> from;
      SmallVector<bool> takes;
      for (int64_t j = 0; j < width; ++j) {
        bool upper = (j & sh) != 0;
        from.push_back(upper ? (j & ~(2 * sh - 1)) + sh - 1 : j);
        takes.push_back(upper);
      }
      SmallVector<Value> shifted;
      for (Value e : v)
        shifted.push_back(
            vector::ShuffleOp::create(x, loc, e, e, x.getDenseI64ArrayAttr(from)));
      SmallVector<Value> both =
          inlineLaneWise(x, op.getCombiner(), concat(shifted, v), width);
      Value mask = arith::ConstantOp::create(
          x, loc, DenseElementsAttr::get(vecOf(x.getI1Type()), ArrayRef<bool>(takes)));
      for (unsigned q = 0; q < n; ++q)
        v[q] = arith::SelectOp::create(x, loc, mask, both[q], v[q]);
    }
    SmallVector<Value> carry;
    for (unsigned q = 0; q < n; ++q)
      carry.push_back(vector::BroadcastOp::create(x, loc, vecOf(types[q]), acc[q]));
    return {iters, inlineLaneWise(x, op.getCombiner(), concat(carry, v), width)};
  }

  /// The body on each lane's running value in order (before it in an
  /// exclusive scan); returns the accumulator after the last lane.
  SmallVector<Value> bodies(OpBuilder &x, ArrayRef<Value> iters, ArrayRef<Value> r,
                            ValueRange acc) const {
    SmallVector<Value> prev(acc.begin(), acc.end());
    for (int64_t j = 0; j < width; ++j) {
      SmallVector<Value> cur;
      for (Value e : r)
        cur.push_back(vector::ExtractOp::create(x, op.getLoc(), e, j));
      inlineRegion(x, *body, concat({iters[j]}, inclusive ? cur : prev));
      prev = cur;
    }
    return prev;
  }
};

/// k in [from, ub) of a scan with an in-register step (`reg`), from `init`:
/// whole steps of reg.width while they last and (`checkFinite`: floats that
/// round) while a step's running values are all finite, then the loop. A
/// step that is not finite runs no body: the loop goes on from its first
/// iteration, so inf and NaN arise exactly as in the loop. Returns the
/// accumulator after ub.
template <class FoldOp>
SmallVector<Value> registerTail(OpBuilder &b, const RegisterStep<FoldOp> &reg, Value from,
                                Value ub, ValueRange init, ArrayRef<bool> live,
                                bool checkFinite) {
  Location loc = reg.op.getLoc();
  unsigned n = init.size();
  Value mid = wholeStepsEnd(b, loc, from, ub, reg.width);
  auto steps =
      whileBelow(b, loc, from, init, mid, [&](OpBuilder &wb, Value k, ValueRange acc) {
        auto [iters, r] = reg.scan(wb, k, acc);
        Value bad = arith::ConstantOp::create(wb, loc, wb.getBoolAttr(false));
        if (checkFinite)
          for (Value v : r) {
            if (!isa<FloatType>(getElementTypeOrSelf(v.getType())))
              continue;
            Value d = arith::SubFOp::create(wb, loc, v, v);
            Value nan = arith::CmpFOp::create(wb, loc, arith::CmpFPredicate::UNO, d, d);
            bad = arith::OrIOp::create(
                wb, loc, bad,
                vector::ReductionOp::create(wb, loc, vector::CombiningKind::OR, nan));
          }
        auto next = scf::IfOp::create(
            wb, loc, bad,
            [&](OpBuilder &tb, Location) {
              SmallVector<Value> same{k};
              llvm::append_range(same, acc);
              same.push_back(bad);
              scf::YieldOp::create(tb, loc, same);
            },
            [&](OpBuilder &eb, Location) {
              SmallVector<Value> out{arith::AddIOp::create(
                  eb, loc, k, arith::ConstantIndexOp::create(eb, loc, reg.width))};
              llvm::append_range(out, reg.bodies(eb, iters, r, acc));
              out.push_back(bad);
              scf::YieldOp::create(eb, loc, out);
            });
        scf::YieldOp::create(wb, loc, next.getResults());
      });
  auto rest = foldLoop(b, reg.op, steps.getResult(0), ub, reg.revBase,
                       steps.getResults().slice(1, n), live);
  return SmallVector<Value>(rest.getResults());
}

/// Vector lanes for the loop of a reduction (after its parallel form, all
/// of it below the cutoff): the most (a power of two, at most `simd`) where
/// every accumulator is a commutative monoid (+ * min max & | ^, signed or
/// unsigned) with an identity, the combiner works lane by lane and the
/// element is vector loads and lane-wise ops; 1 (none) otherwise.
template <class FoldOp> int64_t reduceLaneWidth(FoldOp op, const Schedule &s) {
  if (!isa<ReduceOp>(op.getOperation()) || s.simd < 2 || !op.getIdentity() ||
      !monoidsOnly(op) || !laneWise(op.getCombiner()) ||
      !vectorizableElement(op.getElement()))
    return 1;
  int64_t w = 1;
  while (w * 2 <= s.simd)
    w *= 2;
  return w;
}

/// k in [from, ub) of a reduction (reduceLaneWidth `width` > 1) from
/// `init`: lane j of a vector accumulator folds the elements of iterations
/// j, j + width, ... of the whole steps, from the identity; the lanes are
/// combined in one fixed tree ((0 1) (2 3)) ((4 5) (6 7)) and after `init`;
/// then the loop for the last (ub - from) mod width. With `checkFinite`
/// (floats that round) a result that is not finite is recomputed by the
/// loop over the steps, so inf and NaN come out as in the loop. Returns the
/// accumulator after ub.
template <class FoldOp>
SmallVector<Value> reduceTail(OpBuilder &b, FoldOp op, int64_t width, Value revBase,
                              Value from, Value ub, ValueRange init, ArrayRef<bool> live,
                              bool checkFinite) {
  Location loc = op.getLoc();
  TypeRange types = op->getResultTypes();
  auto vecOf = [&](Type t) { return VectorType::get({width}, t); };
  Value mid = wholeStepsEnd(b, loc, from, ub, width);
  SmallVector<Value> ids;
  for (auto [a, t] : llvm::zip_equal(*op.getIdentity(), types))
    ids.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vecOf(t), ArrayRef<Attribute>(a))));
  auto steps = scf::ForOp::create(
      b, loc, from, mid, arith::ConstantIndexOp::create(b, loc, width), ids,
      [&](OpBuilder &nb, Location, Value k, ValueRange acc) {
        Value i0 = revBase ? (Value)arith::SubIOp::create(nb, loc, revBase, k) : k;
        SmallVector<Value> v =
            *vectorElement(nb, op.getElement(), i0, static_cast<bool>(revBase), width);
        scf::YieldOp::create(nb, loc,
                             inlineLaneWise(nb, op.getCombiner(), concat(acc, v), width));
      });
  // The lanes in a fixed tree, then after init.
  SmallVector<SmallVector<Value>> level;
  for (int64_t j = 0; j < width; ++j) {
    SmallVector<Value> lane;
    for (Value vec : steps.getResults())
      lane.push_back(vector::ExtractOp::create(b, loc, vec, j));
    level.push_back(lane);
  }
  while (level.size() > 1) {
    SmallVector<SmallVector<Value>> up;
    for (size_t j = 0; j + 1 < level.size(); j += 2)
      up.push_back(inlineRegion(b, op.getCombiner(), concat(level[j], level[j + 1])));
    level = std::move(up);
  }
  SmallVector<Value> acc = inlineRegion(b, op.getCombiner(), concat(init, level[0]));
  if (checkFinite) {
    auto exact = scf::IfOp::create(
        b, loc, notFinite(b, loc, acc, /*nanOnly=*/false),
        [&](OpBuilder &tb, Location) {
          scf::YieldOp::create(
              tb, loc, foldLoop(tb, op, from, mid, revBase, init, live).getResults());
        },
        [&](OpBuilder &eb, Location) { scf::YieldOp::create(eb, loc, acc); });
    acc.assign(exact.getResults().begin(), exact.getResults().end());
  }
  return SmallVector<Value>(foldLoop(b, op, mid, ub, revBase, acc, live).getResults());
}

/// The blocked reduce-then-scan of LowerPatternsPass's description over the
/// full chunks of k in [lb, mid) (i = revBase - k in reverse). Returns where
/// the loop must go on from (mid, or the start of a group whose floats were
/// not finite) and the accumulator there.
template <class FoldOp>
SmallVector<Value> parallelFold(OpBuilder &b, FoldOp op, Region *body, bool inclusive,
                                Value revBase, Value mid, ArrayRef<bool> live,
                                const Schedule &s) {
  Location loc = op.getLoc();
  Value lb = op.getLowerBound();
  TypeRange types = op->getResultTypes();
  unsigned n = types.size();
  bool isScan = body != nullptr;
  bool hasFloat = llvm::any_of(types, [](Type t) { return isa<FloatType>(t); });
  // A clamp's bounds are ±inf where a side is open: only NaN means trouble.
  std::optional<ArrayAttr> kinds = op.getKind();
  bool nanOnly = kinds && llvm::any_of(*kinds, [](Attribute k) {
                   return cast<FoldKindAttr>(k).getValue() == FoldKind::Clamp;
                 });
  const int64_t lanes = s.lanes, laneLen = s.chunk / s.lanes;
  auto cst = [&](OpBuilder &x, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(x, loc, v);
  };
  auto iterOf = [&](OpBuilder &x, Value k) -> Value {
    return revBase ? (Value)arith::SubIOp::create(x, loc, revBase, k) : k;
  };
  // Per slot, the group's lane summaries and carries: static buffers at the
  // function's entry (the fold may sit in a loop).
  SmallVector<Value> sums, carries;
  {
    auto fn = op->template getParentOfType<func::FuncOp>();
    OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
    for (Type t : types) {
      auto mt = MemRefType::get({s.group * lanes}, t);
      sums.push_back(memref::AllocaOp::create(eb, loc, mt));
      if (isScan)
        carries.push_back(memref::AllocaOp::create(eb, loc, mt));
    }
  }
  auto load = [&](OpBuilder &x, ArrayRef<Value> bufs, Value q) {
    SmallVector<Value> out;
    for (Value m : bufs) {
      auto l = memref::LoadOp::create(x, loc, m, ValueRange{q});
      l->setAttr(kInBoundsAttr, x.getUnitAttr());
      out.push_back(l);
    }
    return out;
  };
  auto store = [&](OpBuilder &x, ValueRange vals, ArrayRef<Value> bufs, Value q) {
    for (auto [v, m] : llvm::zip_equal(vals, bufs)) {
      auto st = memref::StoreOp::create(x, loc, v, m, ValueRange{q});
      st->setAttr(kInBoundsAttr, x.getUnitAttr());
    }
  };
  auto combine = [&](OpBuilder &x, ValueRange acc, ValueRange elem) {
    return inlineRegion(x, op.getCombiner(), concat(acc, elem));
  };
  Value zero = cst(b, 0), one = cst(b, 1), size = cst(b, s.chunk);
  Value span = cst(b, s.chunk * s.group), len = cst(b, laneLen);
  // The lanes of chunk c: `lanes` runs of laneLen iterations, lane j from
  // k = lo + j*laneLen. One loop over t in [from, laneLen) advances every
  // lane by one iteration: independent chains the core overlaps.
  // laneLoop(b, c, lo, from, init, fn): fn(b, j, k, acc_j) -> next acc_j.
  auto laneLoop =
      [&](OpBuilder &x, Value lo, Value from, int64_t step, ArrayRef<Value> init,
          function_ref<SmallVector<Value>(OpBuilder &, int64_t, Value, ValueRange)> fn) {
        auto loop = scf::ForOp::create(
            x, loc, from, len, cst(x, step), init,
            [&](OpBuilder &nb, Location, Value t, ValueRange acc) {
              SmallVector<Value> next;
              for (int64_t j = 0; j < lanes; ++j) {
                Value k = arith::AddIOp::create(
                    nb, loc, lo, arith::AddIOp::create(nb, loc, t, cst(nb, j * laneLen)));
                llvm::append_range(next, fn(nb, j, k, acc.slice(j * n, n)));
              }
              scf::YieldOp::create(nb, loc, next);
            });
        return SmallVector<Value>(loop.getResults());
      };
  const int64_t width = scanStepWidth(op, s);
  RegisterStep<FoldOp> reg{op, body, inclusive, revBase, width};
  auto simdStep = [&](OpBuilder &x, Value k, ValueRange acc) {
    auto [iters, r] = reg.scan(x, k, acc);
    return reg.bodies(x, iters, r, acc);
  };
  // One parallel loop over the group's chunks: body(b, c, lo).
  auto overChunks = [&](OpBuilder &x, Value g0, Value chunks,
                        function_ref<void(OpBuilder &, Value, Value)> fn) {
    return scf::ParallelOp::create(
        x, loc, ValueRange{zero}, ValueRange{chunks}, ValueRange{one},
        [&](OpBuilder &pb, Location, ValueRange ivs) {
          Value lo = arith::AddIOp::create(pb, loc, g0,
                                           arith::MulIOp::create(pb, loc, ivs[0], size));
          fn(pb, ivs[0], lo);
        });
  };
  auto laneIndex = [&](OpBuilder &x, Value c, int64_t j) -> Value {
    return arith::AddIOp::create(x, loc, arith::MulIOp::create(x, loc, c, cst(x, lanes)),
                                 cst(x, j));
  };
  std::optional<ArrayAttr> identity = op.getIdentity();
  std::optional<FloatPolicy> fp = op.getFp();
  // Groups: while g < mid and no group was found not finite.
  scf::ParallelOp summaries;
  auto groups = whileBelow(
      b, loc, lb, op.getInit(), mid, [&](OpBuilder &gb, Value g0, ValueRange acc) {
        Value gend = arith::MinSIOp::create(
            gb, loc, arith::AddIOp::create(gb, loc, g0, span), mid);
        Value chunks = arith::DivSIOp::create(
            gb, loc, arith::SubIOp::create(gb, loc, gend, g0), size);
        // 1. Each lane's summary: element(k) ⊕ ... over its run, from the
        // identity where there is one, else from its first element.
        summaries = overChunks(gb, g0, chunks, [&](OpBuilder &pb, Value c, Value lo) {
          SmallVector<Value> init;
          Value from = zero;
          for (int64_t j = 0; j < lanes; ++j) {
            if (identity) {
              for (Attribute a : *identity)
                init.push_back(arith::ConstantOp::create(pb, loc, cast<TypedAttr>(a)));
            } else {
              Value k = arith::AddIOp::create(pb, loc, lo, cst(pb, j * laneLen));
              llvm::append_range(init,
                                 inlineRegion(pb, op.getElement(), {iterOf(pb, k)}));
              from = one;
            }
          }
          SmallVector<Value> sum = laneLoop(
              pb, lo, from, 1, init, [&](OpBuilder &nb, int64_t, Value k, ValueRange a) {
                return combine(nb, a, inlineRegion(nb, op.getElement(), {iterOf(nb, k)}));
              });
          for (int64_t j = 0; j < lanes; ++j)
            store(pb, ArrayRef<Value>(sum).slice(j * n, n), sums, laneIndex(pb, c, j));
        });
        // 2. The carries, in lane order: the same grouping for any thread
        // count. A float slot of a summary or carry that is not finite (NaN,
        // inf in the data, a product that overflowed or underflowed to 0 and
        // met an inf) means the grouping may matter beyond rounding: the
        // loop then goes on from this group's start.
        SmallVector<Value> inits(acc.begin(), acc.end());
        inits.push_back(arith::ConstantOp::create(gb, loc, gb.getBoolAttr(false)));
        Value total = arith::MulIOp::create(gb, loc, chunks, cst(gb, lanes));
        auto carry = scf::ForOp::create(
            gb, loc, zero, total, one, inits,
            [&](OpBuilder &nb, Location, Value q, ValueRange it) {
              ValueRange a = it.take_front(n);
              if (isScan)
                store(nb, a, carries, q);
              SmallVector<Value> x = load(nb, sums, q);
              SmallVector<Value> next = combine(nb, a, x);
              Value bad = it[n];
              if (hasFloat)
                bad = arith::OrIOp::create(
                    nb, loc, bad,
                    arith::OrIOp::create(nb, loc, notFinite(nb, loc, x, nanOnly),
                                         notFinite(nb, loc, next, nanOnly)));
              next.push_back(bad);
              scf::YieldOp::create(nb, loc, next);
            });
        Value bad = carry.getResults().back();
        // 3. Scans: each lane's loop from its carry (not in a group that
        // goes back to the loop).
        if (isScan) {
          auto run = [&](OpBuilder &x) {
            overChunks(x, g0, chunks, [&](OpBuilder &pb, Value c, Value lo) {
              SmallVector<Value> init;
              for (int64_t j = 0; j < lanes; ++j)
                llvm::append_range(init, load(pb, carries, laneIndex(pb, c, j)));
              laneLoop(pb, lo, zero, width, init,
                       [&](OpBuilder &nb, int64_t, Value k, ValueRange a) {
                         if (width > 1)
                           return simdStep(nb, k, a);
                         return foldStep(nb, op, iterOf(nb, k), a, live);
                       });
            });
          };
          if (hasFloat)
            scf::IfOp::create(gb, loc,
                              arith::XOrIOp::create(gb, loc, bad,
                                                    arith::ConstantOp::create(
                                                        gb, loc, gb.getBoolAttr(true))),
                              [&](OpBuilder &tb, Location) {
                                run(tb);
                                scf::YieldOp::create(tb, loc);
                              });
          else
            run(gb);
        }
        SmallVector<Value> next{arith::SelectOp::create(gb, loc, bad, g0, gend)};
        for (unsigned j = 0; j < n; ++j)
          next.push_back(
              arith::SelectOp::create(gb, loc, bad, acc[j], carry.getResult(j)));
        next.push_back(bad);
        scf::YieldOp::create(gb, loc, next);
      });
  // Floats that may be reassociated may be so inside a lane too, in the same
  // fixed way for any thread count: LLVM vectorises the summaries of monoids.
  if (fp == FloatPolicy::Reassociate)
    summaries.getBody()->walk([](arith::ArithFastMathInterface f) {
      arith::FastMathFlagsAttr old = f.getFastMathFlagsAttr();
      f->setAttr(
          f.getFastMathAttrName(),
          arith::FastMathFlagsAttr::get(
              f->getContext(), (old ? old.getValue() : arith::FastMathFlags::none) |
                                   arith::FastMathFlags::reassoc));
    });
  SmallVector<Value> out(groups.getResults().take_front(n + 1));
  return out;
}

/// Tags a parallel form and the subi its trip count comes from
/// (kLoweredTripAttr) with the same number, unique in the module.
void tagTrip(Operation *span, Operation *branch, const Schedule &s) {
  Builder b(branch->getContext());
  IntegerAttr id = b.getI64IntegerAttr((*s.nextTrip)++);
  span->setAttr(kLoweredTripAttr, id);
  branch->setAttr(kLoweredTripAttr, id);
}

template <class FoldOp>
void lowerFold(FoldOp op, Region *body, bool inclusive, const Schedule *parallel) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  // Slots nothing needs (e.g. the composed matrix of a linear recurrence,
  // needed only to combine chunks) are carried unchanged; the canonicalizer
  // then drops them.
  SmallVector<bool> live = liveSlots(op);
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  Value revBase = reverseBase(b, loc, lb, ub, op.getReverse());
  std::string why = parallel ? whyNotParallel(op) : "";
  auto at = op->template getAttrOfType<StringAttr>("at");
  std::string where = at ? at.getValue().str() : fileLine(loc);
  StringRef pattern = isa<ScanOp>(op) ? "scan" : "reduce";
  if (!why.empty() && !where.empty())
    recordAlgorithm(op->template getParentOfType<ModuleOp>(), where, pattern,
                    "sequential loop (" + why + ")");
  if (!parallel || !why.empty()) {
    auto loop = foldLoop(b, op, lb, ub, revBase, op.getInit(), live);
    op.replaceAllUsesWith(loop.getResults());
    op.erase();
    return;
  }
  markInBounds(op);
  // The full chunks of runs of at least `cutoff` iterations run in parallel
  // (from lb to mid); the loop goes on from where they stop.
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value chunk = arith::ConstantIndexOp::create(b, loc, parallel->chunk);
  auto span = arith::SubIOp::create(b, loc, ub, lb);
  Value trip = arith::MaxSIOp::create(b, loc, span, zero);
  Value big =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, trip,
                            arith::ConstantIndexOp::create(b, loc, parallel->cutoff));
  auto branch = scf::IfOp::create(
      b, loc, big,
      [&](OpBuilder &tb, Location) {
        Value full = arith::MulIOp::create(
            tb, loc, arith::DivSIOp::create(tb, loc, trip, chunk), chunk);
        Value mid = arith::AddIOp::create(tb, loc, lb, full);
        scf::YieldOp::create(
            tb, loc,
            parallelFold(tb, op, body, inclusive, revBase, mid, live, *parallel));
      },
      [&](OpBuilder &eb, Location) {
        SmallVector<Value> from{lb};
        llvm::append_range(from, op.getInit());
        scf::YieldOp::create(eb, loc, from);
      });
  // What it was, for seqfuse-parallelize-maps and the report.
  branch->setAttr(kLoweredAttr, b.getStringAttr(pattern));
  tagTrip(span, branch, *parallel);
  if (!where.empty())
    branch->setAttr(kLoweredAtAttr, b.getStringAttr(where));
  const Schedule &sc = *parallel;
  const int64_t width = scanStepWidth(op, sc);
  bool rounds = static_cast<bool>(op->template getAttrOfType<FloatPolicyAttr>("fp"));
  // The rest (all of it below the cutoff) in registers too where the
  // element is vector loads and lane-wise ops (nothing in it can fail a
  // check, so evaluating a step's elements before its bodies is not seen).
  bool tailInRegisters = width > 1 && vectorizableElement(op.getElement());
  const int64_t reduceWidth = reduceLaneWidth(op, sc);
  std::string algorithm =
      "parallel: blocked " +
      std::string(isa<ScanOp>(op) ? "reduce-then-scan" : "reduction") +
      " over chunks of " + std::to_string(sc.chunk) + " iterations, " +
      std::to_string(sc.lanes) + " lanes of " + std::to_string(sc.chunk / sc.lanes) +
      " per thread at a time (lane summaries, carries in lane order" +
      (!isa<ScanOp>(op) ? ""
       : width > 1      ? ", then each lane from its carry " + std::to_string(width) +
                         " iterations at a time in registers: a log-step scan of their "
                         "elements, combined after the carry"
                   : ", then each lane's loop from its carry") +
      ") on the OpenMP threads from " + std::to_string(sc.cutoff) + " iterations; " +
      (tailInRegisters
           ? "the rest (all of it below that) " + std::to_string(width) +
                 " iterations at a time in registers as in the lanes, the loop for the "
                 "last ones" +
                 (rounds ? " and from a step whose running values are not finite" : "") +
                 "; "
       : reduceWidth > 1
           ? "the rest (all of it below that) in " + std::to_string(reduceWidth) +
                 " vector lanes of partial results combined in a fixed tree, the "
                 "loop for the last ones" +
                 (rounds ? " and where the result is not finite" : "") + "; "
           : "the rest as the loop; ") +
      (rounds ? "floats reassociated in that fixed grouping, the same for any thread "
                "count; from a group whose floats are not finite on, the loop"
              : "exact: the loop's result bit for bit");
  branch->setAttr(kLoweredAlgorithmAttr, b.getStringAttr(algorithm));
  SmallVector<Value> result;
  if (tailInRegisters)
    result = registerTail(b, RegisterStep<FoldOp>{op, body, inclusive, revBase, width},
                          branch.getResult(0), ub, branch.getResults().drop_front(), live,
                          rounds);
  else if (reduceWidth > 1)
    result = reduceTail(b, op, reduceWidth, revBase, branch.getResult(0), ub,
                        branch.getResults().drop_front(), live, rounds);
  else // the rest (all of it below the cutoff) as the loop
    result = foldLoop(b, op, branch.getResult(0), ub, revBase,
                      branch.getResults().drop_front(), live)
                 .getResults();
  op.replaceAllUsesWith(result);
  op.erase();
}

/// The combiner's neutral value where it is one associative, commutative
/// operation with one (integer + * min max & | ^, float min/max, and float
/// + * where the float policy allows regrouping), else null.
TypedAttr combinerIdentity(Region &combiner, Type t) {
  Block &blk = combiner.front();
  auto yield = cast<YieldOp>(blk.getTerminator());
  Operation *op = yield.getValues().front().getDefiningOp();
  if (!op || op->getBlock() != &blk || &blk.front() != op || op->getNumOperands() != 2)
    return {};
  if (!llvm::is_contained(op->getOperands(), blk.getArgument(0)) ||
      !llvm::is_contained(op->getOperands(), blk.getArgument(1)))
    return {};
  std::string m = monoidOf(op);
  return m.empty() ? TypedAttr() : monoidIdentity(m, t);
}

/// A scatter's element at iteration i: whether its indices are in range of
/// `dims`, their row-major linear index, and the value.
std::tuple<Value, Value, Value> scatterElement(OpBuilder &b, Region &element,
                                               ArrayRef<Value> dims, Value i) {
  Location loc = element.getLoc();
  SmallVector<Value> vals = inlineRegion(b, element, {i});
  Value v = vals.pop_back_val();
  Value ok = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value lin = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [d, j] : llvm::enumerate(vals)) {
    ok = arith::AndIOp::create(
        b, loc, ok, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, j, dims[d]));
    lin = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, lin, dims[d]), j);
  }
  return {ok, lin, v};
}

/// Iterations [from, to) in blocks of 256: whether every index of a block
/// is in range first (`inRange`, an and-reduction LLVM vectorises over what
/// `body` then loads from L1), then `body` for each of its iterations, with
/// no check and no early exit: nothing an iteration loads waits for the one
/// before's index, and LLVM unrolls the loop (an exit per iteration, or a
/// flag carried into each write, cost 1.4-3x: 2^22 scatters into 2^20
/// floats, 7.3 and 10.8 ms against 4.8). At a block with an index out of
/// range, `body` runs for its iterations before the first such index (found
/// again, read-only: the error path only), which is returned; else `to`.
Value untilOutOfRange(OpBuilder &b, Location loc, Value from, Value to,
                      function_ref<Value(OpBuilder &, Value)> inRange,
                      function_ref<void(OpBuilder &, Value)> body) {
  constexpr int64_t kBlock = 256;
  auto cst = [&](OpBuilder &x, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(x, loc, v);
  };
  Value one = cst(b, 1);
  Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  auto run = [&](OpBuilder &x, Value lo, Value hi) {
    scf::ForOp::create(x, loc, lo, hi, one, ValueRange{},
                       [&](OpBuilder &fb, Location, Value i, ValueRange) {
                         body(fb, i);
                         scf::YieldOp::create(fb, loc);
                       });
  };
  auto blocks = scf::WhileOp::create(
      b, loc, TypeRange{b.getIndexType(), b.getI1Type()}, ValueRange{from, yes},
      [&](OpBuilder &cb, Location, ValueRange st) {
        Value below =
            arith::CmpIOp::create(cb, loc, arith::CmpIPredicate::slt, st[0], to);
        scf::ConditionOp::create(cb, loc, arith::AndIOp::create(cb, loc, below, st[1]),
                                 st);
      },
      [&](OpBuilder &db, Location, ValueRange st) {
        Value k = st[0];
        Value end = arith::MinSIOp::create(
            db, loc, arith::AddIOp::create(db, loc, k, cst(db, kBlock)), to);
        auto all = scf::ForOp::create(
            db, loc, k, end, one, ValueRange{yes},
            [&](OpBuilder &rb, Location, Value i, ValueRange acc) {
              scf::YieldOp::create(
                  rb, loc,
                  ValueRange{arith::AndIOp::create(rb, loc, acc[0], inRange(rb, i))});
            });
        Value ok = all.getResult(0);
        auto next = scf::IfOp::create(
            db, loc, ok,
            [&](OpBuilder &tb, Location) {
              run(tb, k, end);
              scf::YieldOp::create(tb, loc, ValueRange{end});
            },
            [&](OpBuilder &eb, Location) {
              scf::YieldOp::create(eb, loc, ValueRange{k});
            });
        scf::YieldOp::create(db, loc, ValueRange{next.getResult(0), ok});
      });
  Value start = blocks.getResult(0);
  auto found = scf::IfOp::create(
      b, loc, blocks.getResult(1),
      [&](OpBuilder &tb, Location) { scf::YieldOp::create(tb, loc, to); },
      [&](OpBuilder &eb, Location) {
        auto scan = scf::WhileOp::create(
            eb, loc, TypeRange{eb.getIndexType()}, ValueRange{start},
            [&](OpBuilder &cb, Location, ValueRange k) {
              // Stops below `to`: some index of the block is out of range.
              scf::ConditionOp::create(cb, loc, inRange(cb, k[0]), k);
            },
            [&](OpBuilder &ab, Location, ValueRange k) {
              scf::YieldOp::create(ab, loc,
                                   ValueRange{arith::AddIOp::create(ab, loc, k[0], one)});
            });
        run(eb, start, scan.getResult(0));
        scf::YieldOp::create(eb, loc, scan.getResult(0));
      });
  return found.getResult(0);
}

/// untilOutOfRange over a scatter's iterations [from, to): `body(b, i, lin,
/// v)` gets iteration i's linear index into `dims` and its value.
Value scatterUntilOutOfRange(OpBuilder &b, Location loc, Value from, Value to,
                             Region &element, ArrayRef<Value> dims,
                             function_ref<void(OpBuilder &, Value, Value, Value)> body) {
  return untilOutOfRange(
      b, loc, from, to,
      [&](OpBuilder &x, Value i) {
        return std::get<0>(scatterElement(x, element, dims, i));
      },
      [&](OpBuilder &x, Value i) {
        auto [ok, lin, v] = scatterElement(x, element, dims, i);
        (void)ok; // in range: untilOutOfRange checked the block
        body(x, i, lin, v);
      });
}

/// Private copies for a scatter (combiner null: last writer wins) or a
/// histogram: `blocks` fixed ranges of the iterations, each into a private
/// copy of the target from the identity (a scatter: the last iteration that
/// wrote each element), stopping at its first index out of range; then each element of
/// the target merged from the copies in block order, up to the first block
/// that stopped. Returns the iteration the loop goes on from: ub, or the
/// first one whose index is out of range (the loop then raises there, or
/// does what the unchecked loop does). The copies cover [lb, ub) of the op.
template <class ScatterOp>
Value privateScatter(OpBuilder &b, ScatterOp op, Region *combiner, TypedAttr identity,
                     Value ub, Value blocks, Value size, const Schedule &s) {
  Location loc = op.getLoc();
  Value lb = op.getLowerBound(), target = op.getTarget();
  auto tt = cast<MemRefType>(target.getType());
  Type et = tt.getElementType();
  int64_t rank = tt.getRank();
  auto cst = [&](OpBuilder &x, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(x, loc, v);
  };
  auto inBounds = [&](Operation *o) {
    o->setAttr(kInBoundsAttr, UnitAttr::get(o->getContext()));
    return o;
  };
  Value zero = cst(b, 0), one = cst(b, 1);
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(memref::DimOp::create(b, loc, target, d));
  Value trip = arith::SubIOp::create(b, loc, ub, lb);
  Value total = arith::MulIOp::create(b, loc, blocks, size);
  // A scatter's copy holds, per element, the last iteration that wrote it
  // (-1: none): one store per iteration, where a value and a written flag
  // were two (2^22 into 2^12, one thread: 6.3 ms against the loop's 3.7).
  // As an i32 offset from its block's start (lowerScatter keeps n < 2^31
  // for copies): a 2^12-element copy is 16 KiB and stays in L1 (as index,
  // 32 KiB: 2^22 into 2^12 on one thread 5.9-6.7 ms).
  auto dyn = MemRefType::get({ShapedType::kDynamic}, combiner ? et : b.getI32Type());
  Value priv = memref::AllocOp::create(b, loc, dyn, ValueRange{total});
  // Where each block stopped (its end where every index was in range).
  Value stops;
  {
    auto fn = op->template getParentOfType<func::FuncOp>();
    OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
    stops =
        memref::AllocaOp::create(eb, loc, MemRefType::get({s.group}, eb.getIndexType()));
  }
  // Divisors here are >= 1 by construction: no run-time check.
  Value len = inBounds(arith::CeilDivSIOp::create(b, loc, trip, blocks))->getResult(0);
  auto blockRange = [&](OpBuilder &x, Value q) -> std::pair<Value, Value> {
    Value lo = arith::MinSIOp::create(
        x, loc, arith::AddIOp::create(x, loc, lb, arith::MulIOp::create(x, loc, q, len)),
        ub);
    Value hi = arith::MinSIOp::create(x, loc, arith::AddIOp::create(x, loc, lo, len), ub);
    return {lo, hi};
  };
  Value none = cst(b, -1);
  Value fill = combiner
                   ? (Value)arith::ConstantOp::create(b, loc, identity)
                   : (Value)arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(-1));
  // 1. Each block into its copy.
  scf::ParallelOp::create(
      b, loc, ValueRange{zero}, ValueRange{blocks}, ValueRange{one},
      [&](OpBuilder &pb, Location, ValueRange ivs) {
        Value q = ivs[0];
        Value base = arith::MulIOp::create(pb, loc, q, size);
        Value fillEnd = arith::AddIOp::create(pb, loc, base, size);
        scf::ForOp::create(
            pb, loc, base, fillEnd, one, ValueRange{},
            [&](OpBuilder &fb, Location, Value e, ValueRange) {
              inBounds(memref::StoreOp::create(fb, loc, fill, priv, ValueRange{e}));
              scf::YieldOp::create(fb, loc);
            });
        auto [lo, hi] = blockRange(pb, q);
        Value stop = scatterUntilOutOfRange(
            pb, loc, lo, hi, op.getElement(), dims,
            [&](OpBuilder &ub2, Value i, Value lin, Value v) {
              Value at = arith::AddIOp::create(ub2, loc, base, lin); // in the copy
              // A scatter: the iteration, from the block's start.
              Value w = arith::IndexCastOp::create(
                  ub2, loc, ub2.getI32Type(), arith::SubIOp::create(ub2, loc, i, lo));
              if (combiner) {
                Value old =
                    inBounds(memref::LoadOp::create(ub2, loc, priv, ValueRange{at}))
                        ->getResult(0);
                w = inlineRegion(ub2, *combiner, {old, v}).front();
              }
              inBounds(memref::StoreOp::create(ub2, loc, w, priv, ValueRange{at}));
            });
        inBounds(memref::StoreOp::create(pb, loc, stop, stops, ValueRange{q}));
      });
  // 2. The blocks to merge: up to the first that stopped early, which ends
  // the prefix of iterations whose indices are in range.
  Value no = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  auto first = scf::ForOp::create(
      b, loc, zero, blocks, one, ValueRange{zero, ub, no},
      [&](OpBuilder &nb, Location, Value q, ValueRange it) {
        auto [lo, hi] = blockRange(nb, q);
        (void)lo;
        Value at =
            inBounds(memref::LoadOp::create(nb, loc, stops, ValueRange{q}))->getResult(0);
        Value early = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::slt, at, hi);
        Value found = it[2];
        Value take = arith::XOrIOp::create(
            nb, loc, found, arith::ConstantOp::create(nb, loc, nb.getBoolAttr(true)));
        Value count = arith::SelectOp::create(
            nb, loc, take, arith::AddIOp::create(nb, loc, q, one), it[0]);
        Value stop = arith::SelectOp::create(
            nb, loc, arith::AndIOp::create(nb, loc, take, early), at, it[1]);
        scf::YieldOp::create(
            nb, loc,
            ValueRange{count, stop, arith::OrIOp::create(nb, loc, found, early)});
      });
  Value merged = first.getResult(0);
  // 3. Each element of the target from the copies, in block order.
  Value span = cst(b, 4096);
  Value pieces = arith::CeilDivSIOp::create(b, loc, size, span); // span: a constant
  scf::ParallelOp::create(
      b, loc, ValueRange{zero}, ValueRange{pieces}, ValueRange{one},
      [&](OpBuilder &pb, Location, ValueRange ivs) {
        Value lo = arith::MulIOp::create(pb, loc, ivs[0], span);
        Value hi = arith::MinSIOp::create(pb, loc,
                                          arith::AddIOp::create(pb, loc, lo, span), size);
        scf::ForOp::create(
            pb, loc, lo, hi, one, ValueRange{},
            [&](OpBuilder &eb, Location, Value e, ValueRange) {
              // The target's indices of element e (row-major).
              SmallVector<Value> idx(rank);
              Value rest = e;
              for (int64_t d = rank - 1; d >= 0; --d) {
                if (d == 0) {
                  idx[d] = rest;
                  break;
                }
                idx[d] = inBounds(arith::RemUIOp::create(eb, loc, rest, dims[d]))
                             ->getResult(0);
                rest = inBounds(arith::DivUIOp::create(eb, loc, rest, dims[d]))
                           ->getResult(0);
              }
              // A histogram folds the copies into the element; a scatter
              // takes the last iteration that wrote it (later blocks hold
              // later iterations: the last block's that wrote it) and stores its value.
              Value init = combiner
                               ? inBounds(memref::LoadOp::create(eb, loc, target, idx))
                                     ->getResult(0)
                               : none;
              auto acc = scf::ForOp::create(
                  eb, loc, zero, merged, one, ValueRange{init},
                  [&](OpBuilder &nb, Location, Value q, ValueRange a) {
                    Value at = arith::AddIOp::create(
                        nb, loc, arith::MulIOp::create(nb, loc, q, size), e);
                    Value x =
                        inBounds(memref::LoadOp::create(nb, loc, priv, ValueRange{at}))
                            ->getResult(0);
                    if (combiner) {
                      scf::YieldOp::create(nb, loc,
                                           inlineRegion(nb, *combiner, {a[0], x}));
                      return;
                    }
                    Value i = arith::AddIOp::create(
                        nb, loc, blockRange(nb, q).first,
                        arith::IndexCastOp::create(nb, loc, nb.getIndexType(), x));
                    Value wrote = arith::CmpIOp::create(
                        nb, loc, arith::CmpIPredicate::sge, x,
                        arith::ConstantOp::create(nb, loc, nb.getI32IntegerAttr(0)));
                    scf::YieldOp::create(
                        nb, loc,
                        ValueRange{arith::SelectOp::create(nb, loc, wrote, i, a[0])});
                  });
              Value last = acc.getResult(0);
              if (combiner) {
                inBounds(memref::StoreOp::create(eb, loc, last, target, idx));
              } else {
                Value wrote =
                    arith::CmpIOp::create(eb, loc, arith::CmpIPredicate::sge, last, zero);
                scf::IfOp::create(eb, loc, wrote, [&](OpBuilder &tb, Location) {
                  Value v = inlineRegion(tb, op.getElement(), {last}).back();
                  inBounds(memref::StoreOp::create(tb, loc, v, target, idx));
                  scf::YieldOp::create(tb, loc);
                });
              }
              scf::YieldOp::create(eb, loc);
            });
      });
  memref::DeallocOp::create(b, loc, priv);
  return first.getResult(1);
}

/// Owner-computes for a last-writer-wins scatter whose target is too large
/// for private copies: the target's elements in `owners` ranges of whole
/// cache lines, one per thread; every thread runs all the iterations in
/// order, evaluating each element, and writes only the elements of its own
/// range, so each element of the target gets the loop's last write: the
/// loop's result for any number of owners. The store is branch-free: an
/// element another thread owns goes to a private slot (an arith.select of
/// the memref and the index; a branch taken at random would be mispredicted
/// every other time). Every thread stops at the first iteration with an
/// index out of range, the same one for all; it is returned (ub where there
/// is none) for the loop to go on from. (Histograms do not gain: their
/// read-modify-writes are latency-bound, and a thread that also runs the
/// other half's iterations keeps half as many of its own in flight. 2^22
/// updates into 2^20 floats: 11 ms against the loop's 10-11 ms, and 22 ms
/// where LLVM's x86 cmov conversion made the select a branch.)
template <class ScatterOp>
Value ownerScatter(OpBuilder &b, ScatterOp op, Value ub, Value owners, Value size,
                   Value line, const Schedule &s) {
  Location loc = op.getLoc();
  Value lb = op.getLowerBound(), target = op.getTarget();
  auto tt = cast<MemRefType>(target.getType());
  Type et = tt.getElementType();
  int64_t rank = tt.getRank();
  auto inBounds = [&](Operation *o) {
    o->setAttr(kInBoundsAttr, UnitAttr::get(o->getContext()));
    return o;
  };
  auto cst = [&](OpBuilder &x, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(x, loc, v);
  };
  Value zero = cst(b, 0), one = cst(b, 1);
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(memref::DimOp::create(b, loc, target, d));
  // The target as one dimension (it is contiguous: ownerScatterFits).
  auto flatType = MemRefType::get({ShapedType::kDynamic}, et);
  Value flat = target;
  if (rank != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t d = 0; d < rank; ++d)
      all[0].push_back(d);
    flat = memref::CollapseShapeOp::create(b, loc, target, all);
  }
  if (flat.getType() != flatType)
    flat = memref::CastOp::create(b, loc, flatType, flat);
  // Where the owners stopped (all at the same iteration), and for each owner
  // the slots for elements others write, 32 apart (no line shared between
  // two threads). At the function's entry: an alloca in the parallel body
  // would need a scope around a body of many blocks.
  constexpr int64_t kSlotStride = 32;
  Value stops, slots;
  {
    auto fn = op->template getParentOfType<func::FuncOp>();
    OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
    stops =
        memref::AllocaOp::create(eb, loc, MemRefType::get({s.group}, eb.getIndexType()));
    slots =
        memref::AllocaOp::create(eb, loc, MemRefType::get({s.group * kSlotStride}, et));
  }
  Value spare = memref::CastOp::create(b, loc, flatType, slots);
  // Elements per owner: whole lines of `line` elements.
  Value per = inBounds(arith::CeilDivSIOp::create(b, loc, size, owners))->getResult(0);
  Value lineMask = arith::SubIOp::create(b, loc, zero, line);
  Value len = arith::AndIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, per, arith::SubIOp::create(b, loc, line, one)),
      lineMask);
  scf::ParallelOp::create(
      b, loc, ValueRange{zero}, ValueRange{owners}, ValueRange{one},
      [&](OpBuilder &pb, Location, ValueRange ivs) {
        Value q = ivs[0];
        Value lo =
            arith::MinSIOp::create(pb, loc, arith::MulIOp::create(pb, loc, q, len), size);
        Value hi = arith::MinSIOp::create(pb, loc,
                                          arith::AddIOp::create(pb, loc, lo, len), size);
        Value width = arith::SubIOp::create(pb, loc, hi, lo);
        Value slot0 = arith::MulIOp::create(pb, loc, q, cst(pb, kSlotStride));
        Value stop = scatterUntilOutOfRange(
            pb, loc, lb, ub, op.getElement(), dims,
            [&](OpBuilder &db, Value i, Value lin, Value v) {
              Value mine =
                  arith::CmpIOp::create(db, loc, arith::CmpIPredicate::ult,
                                        arith::SubIOp::create(db, loc, lin, lo), width);
              Value mem = arith::SelectOp::create(db, loc, mine, flat, spare);
              Value at = arith::SelectOp::create(db, loc, mine, lin, slot0);
              inBounds(memref::StoreOp::create(db, loc, v, mem, ValueRange{at}));
            });
        inBounds(memref::StoreOp::create(pb, loc, stop, stops, ValueRange{q}));
      });
  return inBounds(memref::LoadOp::create(b, loc, stops, ValueRange{zero}))->getResult(0);
}

/// omp_get_max_threads() as an index: the threads a parallel region of
/// this call gets (CPUBackend sets it per call from Options::numThreads).
Value threadCount(OpBuilder &b, Operation *op) {
  auto module = op->getParentOfType<ModuleOp>();
  StringRef name = "omp_get_max_threads";
  if (!module.lookupSymbol(name)) {
    OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
    func::FuncOp::create(mb, module.getLoc(), name,
                         mb.getFunctionType({}, {mb.getI32Type()}))
        .setPrivate();
  }
  Location loc = op->getLoc();
  Value n = func::CallOp::create(b, loc, name, TypeRange{b.getI32Type()}, ValueRange{})
                .getResult(0);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), n);
}

template <class ScatterOp>
void lowerScatter(ScatterOp op, Region *combiner, const Schedule *parallel) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value lb = op.getLowerBound(), ub = op.getUpperBound(), target = op.getTarget();
  StringRef pattern = combiner ? "scatter_combine" : "scatter";
  auto at = op->template getAttrOfType<StringAttr>("at");
  std::string where = at ? at.getValue().str() : fileLine(loc);
  // A last writer rounds nothing: strict_fp does not keep a scatter's order.
  std::string why = parallel ? whyNotParallel(op, /*inOrder=*/!combiner) : "";
  auto tt = cast<MemRefType>(target.getType());
  Type et = tt.getElementType();
  TypedAttr identity = combiner ? combinerIdentity(*combiner, et) : TypedAttr();
  if (parallel && why.empty() && combiner && !identity)
    why = "its combiner has no neutral value to start private copies from";
  // Owner-computes: scatters into a contiguous target (ownerScatter).
  bool owned = !combiner && tt.getLayout().isIdentity() && et.isIntOrFloat();
  if (!why.empty() && !where.empty())
    recordAlgorithm(op->template getParentOfType<ModuleOp>(), where, pattern,
                    "sequential loop (" + why + ")");
  if (!parallel || !why.empty()) {
    scatterLoop(b, op, lb);
    op.erase();
    return;
  }
  markInBounds(op);
  // Private copies pay where they are small beside the work: as many blocks
  // (at most `group`) as keep blocks x target elements <= trip / spread, and
  // two at least. Measured (docs/performance.md): a histogram into 2^20 bins
  // from 2^22 iterations (2 blocks at n/2) only breaks even, and a scatter's
  // written flags and conditional merge cost more: n/4 and n/8. Blocks depend
  // on the trip count and the target's size only. A scatter into a larger
  // target is split among the threads instead (ownerScatter), each reading
  // every iteration: how it is split depends on the thread count, its
  // result does not.
  const int64_t spread = combiner ? 4 : 8;
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value zero = cst(0), one = cst(1), two = cst(2);
  auto span = arith::SubIOp::create(b, loc, ub, lb);
  Value trip = arith::MaxSIOp::create(b, loc, span, zero);
  Value size = one;
  for (int64_t d = 0; d < tt.getRank(); ++d)
    size = arith::MulIOp::create(b, loc, size, memref::DimOp::create(b, loc, target, d));
  Operation *room = arith::DivSIOp::create(
      b, loc, trip,
      arith::MulIOp::create(b, loc, arith::MaxSIOp::create(b, loc, size, one),
                            cst(spread)));
  room->setAttr(kInBoundsAttr, b.getUnitAttr()); // its divisor is >= 4
  Value blocks = arith::MinSIOp::create(b, loc, room->getResult(0), cst(parallel->group));
  Value useCopies = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, blocks, two);
  if (!combiner) // a scatter's copies hold i32 offsets into a block
    useCopies = arith::AndIOp::create(
        b, loc, useCopies,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, trip,
                              cst(std::numeric_limits<int32_t>::max())));
  Value parallelNow = useCopies;
  // Owners: one per thread (at most `group`), each at least a line of 64
  // bytes.
  const int64_t line =
      std::max<int64_t>(1, 512 / std::max(8u, et.getIntOrFloatBitWidth()));
  Value owners;
  if (owned) {
    Operation *lines = arith::DivSIOp::create(b, loc, size, cst(line));
    lines->setAttr(kInBoundsAttr, b.getUnitAttr()); // a constant divisor
    owners = arith::MinSIOp::create(
        b, loc, arith::MinSIOp::create(b, loc, threadCount(b, op), cst(parallel->group)),
        lines->getResult(0));
    parallelNow = arith::OrIOp::create(
        b, loc, useCopies,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, owners, two));
  }
  Value big =
      arith::AndIOp::create(b, loc,
                            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, trip,
                                                  cst(parallel->cutoff)),
                            parallelNow);
  auto branch = scf::IfOp::create(
      b, loc, big,
      [&](OpBuilder &tb, Location) {
        Value end = arith::AddIOp::create(tb, loc, lb, trip);
        if (!owned) {
          scf::YieldOp::create(
              tb, loc,
              privateScatter(tb, op, combiner, identity, end, blocks, size, *parallel));
          return;
        }
        auto pick = scf::IfOp::create(
            tb, loc, useCopies,
            [&](OpBuilder &cb, Location) {
              scf::YieldOp::create(cb, loc,
                                   privateScatter(cb, op, combiner, identity, end, blocks,
                                                  size, *parallel));
            },
            [&](OpBuilder &ob, Location) {
              scf::YieldOp::create(
                  ob, loc, ownerScatter(ob, op, end, owners, size, cst(line), *parallel));
            });
        scf::YieldOp::create(tb, loc, pick.getResults());
      },
      [&](OpBuilder &eb, Location) { scf::YieldOp::create(eb, loc, ValueRange{lb}); });
  branch->setAttr(kLoweredAttr, b.getStringAttr(pattern));
  tagTrip(span, branch, *parallel);
  if (!where.empty())
    branch->setAttr(kLoweredAtAttr, b.getStringAttr(where));
  auto fp = op->template getAttrOfType<FloatPolicyAttr>("fp");
  bool rounds = combiner && fp && fp.getValue() == FloatPolicy::Reassociate;
  std::string algorithm =
      "parallel: private copies of the target for up to " +
      std::to_string(parallel->group) +
      " fixed blocks of iterations (as many as keep blocks x target elements <= n/" +
      std::to_string(spread) + ", two at least) on the OpenMP threads from " +
      std::to_string(parallel->cutoff) + " iterations, merged in block order" +
      (combiner ? "" : " (the last block that wrote an element wins)") + "; " +
      (rounds
           ? "floats reassociated in that fixed grouping, the same for any thread count"
           : "exact: the loop's result bit for bit") +
      (owned ? "; with fewer than two blocks, owner-computes: the target split among the "
               "threads (up to " +
                   std::to_string(parallel->group) +
                   "), each running every iteration in order and writing only its own "
                   "elements (exact)"
             : "") +
      "; else the loop";
  branch->setAttr(kLoweredAlgorithmAttr, b.getStringAttr(algorithm));
  scatterLoop(b, op, branch.getResult(0));
  op.erase();
}

struct LowerPatterns : seqfuse::impl::LowerPatternsPassBase<LowerPatterns> {
  using LowerPatternsPassBase::LowerPatternsPassBase;

  void runOnOperation() override {
    if (chunk < 1 || group < 1 || cutoff < 0 || simd < 1) {
      getOperation()->emitError(
          "seqfuse-lower-patterns: chunk, group and simd must be >= 1 and cutoff >= 0");
      return signalPassFailure();
    }
    // Lanes: independent chains per chunk that one core overlaps.
    int64_t laneCount = lanes > 0 && chunk % lanes == 0 ? lanes : 1;
    // Trip numbers go on from those a module already has.
    int64_t nextTrip = 0;
    getOperation()->walk([&](Operation *op) {
      if (auto id = op->getAttrOfType<IntegerAttr>(kLoweredTripAttr))
        nextTrip = std::max(nextTrip, id.getInt() + 1);
    });
    Schedule sched{chunk, group, cutoff, laneCount, simd, &nextTrip};
    const Schedule *schedule = parallelFolds ? &sched : nullptr;
    const Schedule *scatterSchedule = parallelScatters ? &sched : nullptr;
    SmallVector<Operation *> ops; // post-order: inner ops before outer ones
    getOperation()->walk([&](Operation *op) {
      if (isa<PatternOp, SequentialOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto r = dyn_cast<ReduceOp>(op))
        lowerFold(r, nullptr, true, schedule);
      else if (auto s = dyn_cast<ScanOp>(op))
        lowerFold(s, &s.getBody(), s.getInclusive(), schedule);
      else if (auto sc = dyn_cast<ScatterOp>(op))
        lowerScatter(sc, nullptr, scatterSchedule);
      else if (auto h = dyn_cast<ScatterCombineOp>(op))
        lowerScatter(h, &h.getCombiner(), scatterSchedule);
      else if (failed(lowerToLoop(op))) // maps, sequential regions
        return signalPassFailure();
    }
    // Every seqfuse op must be gone: one no lowering knows is refused.
    WalkResult left = getOperation()->walk([&](Operation *op) {
      if (op->getDialect() &&
          op->getDialect()->getNamespace() == SeqfuseDialect::getDialectNamespace()) {
        op->emitOpError("has no CPU lowering");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      return signalPassFailure();
    // Lowered: the pattern stage leaves these funcs alone from now on.
    getOperation()->walk([](func::FuncOp fn) {
      if (!fn.isExternal())
        fn->setAttr(kLoweredFuncAttr, UnitAttr::get(fn.getContext()));
    });
  }
};

} // namespace
