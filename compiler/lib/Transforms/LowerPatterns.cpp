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

/// for k in [lo, hi) with `init` carried; `body(b, i, acc)` returns the next
/// accumulator. With `revBase` (lb + ub - 1 of a reverse fold), i = revBase - k.
scf::ForOp
buildLoop(OpBuilder &b, Location loc, Value lo, Value hi, Value revBase, ValueRange init,
          function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> body) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  return scf::ForOp::create(
      b, loc, lo, hi, one, init, [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
        Value i = revBase ? (Value)arith::SubIOp::create(nb, l, revBase, k) : k;
        scf::YieldOp::create(nb, l, body(nb, i, acc));
      });
}

/// lb + ub - 1 for a reverse fold, else null.
Value reverseBase(OpBuilder &b, Location loc, Value lb, Value ub, bool reverse) {
  if (!reverse)
    return Value();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  return arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, lb, ub), one);
}

SmallVector<Value> concat(ValueRange a, ValueRange b) {
  SmallVector<Value> out(a.begin(), a.end());
  out.append(b.begin(), b.end());
  return out;
}

void lower(MapOp op) {
  OpBuilder b(op);
  scf::ForOp loop = buildLoop(b, op.getLoc(), op.getLowerBound(), op.getUpperBound(),
                              Value(), {}, [&](OpBuilder &nb, Value i, ValueRange) {
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

/// The fold's own loop over k in [lo, hi) from `init`, exactly as the loop
/// runs it (`step` where present); slots not `live` are carried unchanged.
template <class FoldOp>
scf::ForOp foldLoop(OpBuilder &b, FoldOp op, Region *body, bool inclusive, Value lo,
                    Value hi, Value revBase, ValueRange init, ArrayRef<bool> live) {
  Region &apply = op.getStep().empty() ? op.getCombiner() : op.getStep();
  return buildLoop(b, op.getLoc(), lo, hi, revBase, init,
                   [&](OpBuilder &nb, Value i, ValueRange acc) {
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
}

/// Where and how a parallel fold runs (LowerPatternsPass's options).
struct Schedule {
  int64_t chunk, group, cutoff;
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

/// The blocked reduce-then-scan of LowerPatternsPass's description, in the
/// then-branch of `if (trip >= cutoff)`; returns the fold's results. The
/// iteration space is k in [lb, ub) (i = revBase - k in reverse).
template <class FoldOp>
SmallVector<Value> parallelFold(OpBuilder &b, FoldOp op, Region *body, bool inclusive,
                                Value revBase, ArrayRef<bool> live, const Schedule &s) {
  Location loc = op.getLoc();
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  TypeRange types = op->getResultTypes();
  bool isScan = body != nullptr;
  bool hasFloat = llvm::any_of(types, [](Type t) { return isa<FloatType>(t); });
  // A clamp's bounds are ±inf where a side is open: only NaN means trouble.
  auto kind = op.getKind();
  bool nanOnly = kind && kind->contains("clamp");
  auto cst = [&](OpBuilder &x, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(x, loc, v);
  };
  auto iterOf = [&](OpBuilder &x, Value k) -> Value {
    return revBase ? (Value)arith::SubIOp::create(x, loc, revBase, k) : k;
  };
  // Per slot, the group's chunk summaries and (scans) the chunks' carries:
  // static buffers at the function's entry (the fold may sit in a loop).
  SmallVector<Value> sums, carries, ends;
  {
    auto fn = op->template getParentOfType<func::FuncOp>();
    OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
    for (Type t : types) {
      auto mt = MemRefType::get({s.group}, t);
      sums.push_back(memref::AllocaOp::create(eb, loc, mt));
      carries.push_back(memref::AllocaOp::create(eb, loc, mt));
      if (hasFloat)
        ends.push_back(memref::AllocaOp::create(eb, loc, mt));
    }
  }
  auto load = [&](OpBuilder &x, ArrayRef<Value> bufs, Value c) {
    SmallVector<Value> out;
    for (Value m : bufs) {
      auto l = memref::LoadOp::create(x, loc, m, ValueRange{c});
      l->setAttr(kInBoundsAttr, x.getUnitAttr());
      out.push_back(l);
    }
    return out;
  };
  auto store = [&](OpBuilder &x, ValueRange vals, ArrayRef<Value> bufs, Value c) {
    for (auto [v, m] : llvm::zip_equal(vals, bufs)) {
      auto st = memref::StoreOp::create(x, loc, v, m, ValueRange{c});
      st->setAttr(kInBoundsAttr, x.getUnitAttr());
    }
  };
  auto combine = [&](OpBuilder &x, ValueRange acc, ValueRange elem) {
    return inlineRegion(x, op.getCombiner(), concat(acc, elem));
  };
  Value zero = cst(b, 0), one = cst(b, 1), size = cst(b, s.chunk);
  Value span = cst(b, s.chunk * s.group);
  // One parallel loop over the group's chunks [lo, hi) of `size` iterations:
  // body(b, c, lo, hi).
  auto overChunks = [&](OpBuilder &x, Value g0, Value gend, Value chunks, Value size,
                        function_ref<void(OpBuilder &, Value, Value, Value)> fn) {
    scf::ParallelOp::create(
        x, loc, ValueRange{zero}, ValueRange{chunks}, ValueRange{one},
        [&](OpBuilder &pb, Location, ValueRange ivs) {
          Value lo = arith::AddIOp::create(pb, loc, g0,
                                           arith::MulIOp::create(pb, loc, ivs[0], size));
          Value hi = arith::MinSIOp::create(
              pb, loc, arith::AddIOp::create(pb, loc, lo, size), gend);
          fn(pb, ivs[0], lo, hi);
        });
  };
  auto groups = scf::ForOp::create(
      b, loc, lb, ub, span, op.getInit(),
      [&](OpBuilder &gb, Location, Value g0, ValueRange acc) {
        Value gend =
            arith::MinSIOp::create(gb, loc, arith::AddIOp::create(gb, loc, g0, span), ub);
        Value chunks = arith::CeilDivSIOp::create(
            gb, loc, arith::SubIOp::create(gb, loc, gend, g0), size);
        // 1. Each chunk's summary: element(lo) ⊕ ... ⊕ element(hi - 1), from
        // the identity where there is one, else from the first element (a
        // loop over [lo, min(lo + 1, hi)), which the checks see as in range).
        std::optional<ArrayAttr> identity = op.getIdentity();
        overChunks(
            gb, g0, gend, chunks, size, [&](OpBuilder &pb, Value c, Value lo, Value hi) {
              SmallVector<Value> start;
              for (auto [j, t] : llvm::enumerate(types))
                start.push_back(arith::ConstantOp::create(
                    pb, loc,
                    identity ? cast<TypedAttr>((*identity)[j]) : pb.getZeroAttr(t)));
              Value from = lo;
              if (!identity) {
                from = arith::AddIOp::create(pb, loc, lo, one);
                auto first =
                    buildLoop(pb, loc, lo, arith::MinSIOp::create(pb, loc, from, hi),
                              Value(), start, [&](OpBuilder &nb, Value k, ValueRange) {
                                return inlineRegion(nb, op.getElement(), {iterOf(nb, k)});
                              });
                start.assign(first.getResults().begin(), first.getResults().end());
              }
              auto sum = buildLoop(
                  pb, loc, from, hi, Value(), start,
                  [&](OpBuilder &nb, Value k, ValueRange a) {
                    return combine(nb, a,
                                   inlineRegion(nb, op.getElement(), {iterOf(nb, k)}));
                  });
              // Floats that may be reassociated may be so inside a chunk too, in
              // the same fixed way for any thread count: LLVM vectorises the
              // summaries of monoids.
              auto fp = op->template getAttrOfType<StringAttr>("fp");
              if (fp && fp.getValue() == "reassociate")
                sum.getBody()->walk([](arith::ArithFastMathInterface f) {
                  arith::FastMathFlagsAttr old = f.getFastMathFlagsAttr();
                  f->setAttr(f.getFastMathAttrName(),
                             arith::FastMathFlagsAttr::get(
                                 f->getContext(),
                                 (old ? old.getValue() : arith::FastMathFlags::none) |
                                     arith::FastMathFlags::reassoc));
                });
              store(pb, sum.getResults(), sums, c);
            });
        // 2. The carries, in chunk order: the same grouping for any thread
        // count. A float slot of a summary or carry that is not finite (NaN,
        // inf in the data, a product that overflowed or underflowed to 0 and
        // met an inf) means the grouping may matter beyond rounding: the
        // group then runs as the loop, from its start.
        SmallVector<Value> inits(acc.begin(), acc.end());
        if (hasFloat)
          inits.push_back(arith::ConstantOp::create(gb, loc, gb.getBoolAttr(false)));
        unsigned n = types.size();
        auto carry = scf::ForOp::create(
            gb, loc, zero, chunks, one, inits,
            [&](OpBuilder &nb, Location, Value c, ValueRange it) {
              ValueRange a = it.take_front(n);
              if (isScan)
                store(nb, a, carries, c);
              SmallVector<Value> x = load(nb, sums, c);
              SmallVector<Value> next = combine(nb, a, x);
              if (hasFloat)
                next.push_back(arith::OrIOp::create(
                    nb, loc, it[n],
                    arith::OrIOp::create(nb, loc, notFinite(nb, loc, x, nanOnly),
                                         notFinite(nb, loc, next, nanOnly))));
              scf::YieldOp::create(nb, loc, next);
            });
        SmallVector<Value> out(carry.getResults().take_front(n));
        // 3. Scans: each chunk's loop from its carry. Where the grouping may
        // matter (`bad`), the group runs as one chunk from its start instead,
        // and its results are the loop's (reductions too).
        if (!hasFloat) {
          if (isScan)
            overChunks(gb, g0, gend, chunks, size,
                       [&](OpBuilder &pb, Value c, Value lo, Value hi) {
                         foldLoop(pb, op, body, inclusive, lo, hi, revBase,
                                  load(pb, carries, c), live);
                       });
          scf::YieldOp::create(gb, loc, out);
          return;
        }
        Value bad = carry.getResults().back();
        scf::IfOp::create(gb, loc, bad, [&](OpBuilder &tb, Location) {
          store(tb, acc, carries, zero);
          scf::YieldOp::create(tb, loc);
        });
        Value many = isScan ? chunks : zero;
        Value loops = arith::SelectOp::create(gb, loc, bad, one, many);
        Value length = arith::SelectOp::create(gb, loc, bad, span, size);
        overChunks(gb, g0, gend, loops, length,
                   [&](OpBuilder &pb, Value c, Value lo, Value hi) {
                     auto loop = foldLoop(pb, op, body, inclusive, lo, hi, revBase,
                                          load(pb, carries, c), live);
                     store(pb, loop.getResults(), ends, c);
                   });
        SmallVector<Value> exact = load(gb, ends, zero);
        for (unsigned j = 0; j < n; ++j)
          out[j] = arith::SelectOp::create(gb, loc, bad, exact[j], out[j]);
        scf::YieldOp::create(gb, loc, out);
      });
  return SmallVector<Value>(groups.getResults());
}

/// Why `op` runs as its loop only, or "" when it may run in parallel.
std::string sequentialOnly(Operation *op) {
  auto fp = op->getAttrOfType<StringAttr>("fp");
  if (fp && fp.getValue() == "strict")
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
    if (isa<MapOp, ReduceOp, ScanOp, ScatterOp, ScatterCombineOp>(p))
      return "it runs inside the " + p->getName().stripDialect().str() +
             " around it, which is the parallel loop";
  return "";
}

template <class FoldOp>
void lowerFold(FoldOp op, Region *body, bool inclusive, const Schedule *parallel) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Region &apply = op.getStep().empty() ? op.getCombiner() : op.getStep();
  // Slots nothing needs (e.g. the composed matrix of a linear recurrence,
  // needed only to combine chunks) are carried unchanged; the canonicalizer
  // then drops them.
  SmallVector<bool> live = liveSlots(op, apply, body);
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  Value revBase = reverseBase(b, loc, lb, ub, op.getReverse());
  std::string why = parallel ? sequentialOnly(op) : "";
  auto at = op->template getAttrOfType<StringAttr>("at");
  std::string where = at ? at.getValue().str() : fileLine(loc);
  StringRef pattern = isa<ScanOp>(op) ? "scan" : "reduce";
  if (!why.empty() && !where.empty())
    recordAlgorithm(op->template getParentOfType<ModuleOp>(), where, pattern,
                    "sequential loop (" + why + ")");
  if (!parallel || !why.empty()) {
    auto loop = foldLoop(b, op, body, inclusive, lb, ub, revBase, op.getInit(), live);
    op.replaceAllUsesWith(loop.getResults());
    op.erase();
    return;
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value trip =
      arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), zero);
  Value big =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, trip,
                            arith::ConstantIndexOp::create(b, loc, parallel->cutoff));
  auto branch = scf::IfOp::create(
      b, loc, big,
      [&](OpBuilder &tb, Location) {
        scf::YieldOp::create(
            tb, loc, parallelFold(tb, op, body, inclusive, revBase, live, *parallel));
      },
      [&](OpBuilder &eb, Location) {
        auto loop =
            foldLoop(eb, op, body, inclusive, lb, ub, revBase, op.getInit(), live);
        scf::YieldOp::create(eb, loc, loop.getResults());
      });
  // What it was, for seqfuse-parallelize-maps and the report.
  branch->setAttr(kLoweredAttr, b.getStringAttr(pattern));
  if (!where.empty())
    branch->setAttr(kLoweredAtAttr, b.getStringAttr(where));
  if (auto fp = op->template getAttrOfType<StringAttr>("fp"))
    branch->setAttr("seqfuse.fp", fp);
  op.replaceAllUsesWith(branch.getResults());
  op.erase();
}

template <class ScatterOp> void lowerScatter(ScatterOp op, Region *combiner) {
  OpBuilder b(op);
  buildLoop(b, op.getLoc(), op.getLowerBound(), op.getUpperBound(), Value(), {},
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
  using LowerPatternsPassBase::LowerPatternsPassBase;

  void runOnOperation() override {
    if (chunk < 1 || group < 1 || cutoff < 0) {
      getOperation()->emitError(
          "seqfuse-lower-patterns: chunk and group must be >= 1 and cutoff >= 0");
      return signalPassFailure();
    }
    Schedule sched{chunk, group, cutoff};
    const Schedule *schedule = parallelFolds ? &sched : nullptr;
    SmallVector<Operation *> ops; // post-order: inner ops before outer ones
    getOperation()->walk([&](Operation *op) {
      if (isa<MapOp, ReduceOp, ScanOp, ScatterOp, ScatterCombineOp, SequentialOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto m = dyn_cast<MapOp>(op))
        lower(m);
      else if (auto r = dyn_cast<ReduceOp>(op))
        lowerFold(r, nullptr, true, schedule);
      else if (auto s = dyn_cast<ScanOp>(op))
        lowerFold(s, &s.getBody(), s.getInclusive(), schedule);
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
