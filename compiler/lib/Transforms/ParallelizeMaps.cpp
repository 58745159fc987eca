//===- ParallelizeMaps.cpp - seqfuse.map loops on threads -----------------===//
//
// The rewrite is in Passes.td (ParallelizeMapsPass). Chunks are fixed-size
// ranges of the iteration space, so which iterations run together never
// depends on the number of threads; a map's iterations are independent, so
// the result is the loop's, bit for bit, whatever the schedule.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace seqfuse {
#define GEN_PASS_DEF_PARALLELIZEMAPSPASS
#define GEN_PASS_DEF_PARALLELTOOPENMPPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;

namespace {

constexpr const char *kChecksStaySequential =
    "sequential loop (its body checks an index or divisor at run time: checked mode "
    "raises at the first failing iteration, with memory as the loop leaves it)";

/// What a parallel form whose body checks adds to its report line.
constexpr const char *kProbed =
    "; its run-time checks first, in a parallel read-only pass over the same chunks: "
    "the parallel form runs up to the first failing iteration, and the loop from there "
    "raises as the loop does";

/// Does `body` call the check-failure handler (a run-time check)?
bool makesChecks(Region &body) {
  bool found = false;
  body.walk([&](func::CallOp call) {
    found |= call.getCallee() == kCheckFailedFn;
    return found ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found;
}

/// Is `op` a run-time check: `scf.if (failed) { call @seqfuse_rt_check_failed }`?
bool isCheck(Operation *op) {
  auto branch = dyn_cast<scf::IfOp>(op);
  if (!branch || branch.getNumResults() || !branch.getElseRegion().empty())
    return false;
  return llvm::any_of(branch.thenBlock()->without_terminator(), [](Operation &o) {
    auto call = dyn_cast<func::CallOp>(o);
    return call && call.getCallee() == kCheckFailedFn;
  });
}

bool containsCheck(Operation *op) {
  bool found = false;
  op->walk([&](Operation *inner) {
    found |= inner != op && isCheck(inner);
    return found ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found;
}

/// Removes every run-time check in `region` (where they are known to pass).
void stripChecks(Region &region) {
  SmallVector<Operation *> checks;
  region.walk([&](Operation *op) {
    if (isCheck(op))
      checks.push_back(op);
  });
  for (Operation *op : checks)
    op->erase();
}

/// The read-only twin of a loop body: for iteration `iv`, does any run-time
/// check of the body fail? Built in program order; what follows a check runs
/// only where it passed (so a guarded load or division is never made out of
/// range), stores are left out. Fails (returns null) where the answer could
/// depend on what the loop writes or on its carried values: a check inside
/// a nested loop, an op with other effects, or (checked after building by
/// the caller through `reads`) a load of memory the loop writes.
class Probe {
public:
  Probe(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value build(Block &body, Value iv) {
    m.map(body.getArgument(0), iv);
    return run(body.begin(), std::prev(body.end()));
  }
  bool ok = true;

private:
  Value constant(bool v) { return arith::ConstantOp::create(b, loc, b.getBoolAttr(v)); }

  /// if (c) true else rest()
  Value orElse(Value c, function_ref<Value()> rest) {
    auto branch = scf::IfOp::create(b, loc, TypeRange{b.getI1Type()}, c, true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(branch.thenBlock());
    scf::YieldOp::create(b, loc, constant(true));
    b.setInsertionPointToStart(branch.elseBlock());
    scf::YieldOp::create(b, loc, rest());
    return branch.getResult(0);
  }

  Value run(Block::iterator it, Block::iterator end) {
    for (; it != end && ok; ++it) {
      Operation &op = *it;
      auto next = std::next(it);
      if (isCheck(&op))
        return orElse(m.lookupOrDefault(cast<scf::IfOp>(op).getCondition()),
                      [&] { return run(next, end); });
      if (isa<memref::StoreOp>(op))
        continue;
      bool writes = op.walk([](Operation *inner) {
                        if (isa<memref::StoreOp, func::CallOp>(inner) ||
                            (!isMemoryEffectFree(inner) && !isa<memref::LoadOp>(inner) &&
                             inner->getNumRegions() == 0))
                          return WalkResult::interrupt();
                        return WalkResult::advance();
                      }).wasInterrupted();
      if (!containsCheck(&op)) {
        if (!writes)
          b.clone(op, m);
        else if (op.getNumResults())
          ok = false; // a value computed with effects
        continue;
      }
      auto branch = dyn_cast<scf::IfOp>(op);
      if (!branch || branch.getNumResults()) {
        ok = false; // a check in a nested loop
        break;
      }
      // A statement under the program's condition: its checks run where the
      // condition holds (or, for the else branch, where it does not).
      auto inner = scf::IfOp::create(b, loc, TypeRange{b.getI1Type()},
                                     m.lookupOrDefault(branch.getCondition()), true);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(inner.thenBlock());
        Block *t = branch.thenBlock();
        scf::YieldOp::create(b, loc, run(t->begin(), std::prev(t->end())));
        b.setInsertionPointToStart(inner.elseBlock());
        Value failed = constant(false);
        if (!branch.getElseRegion().empty()) {
          Block *e = branch.elseBlock();
          failed = run(e->begin(), std::prev(e->end()));
        }
        scf::YieldOp::create(b, loc, failed);
      }
      return orElse(inner.getResult(0), [&] { return run(next, end); });
    }
    return constant(false);
  }

  OpBuilder &b;
  Location loc;
  IRMapping m;
};

} // namespace

Value seqfuse::buildProbe(OpBuilder &b, Location loc, Block &body, Value iv) {
  Probe probe(b, loc);
  Value failed = probe.build(body, iv);
  return probe.ok ? failed : Value();
}

namespace {

/// Removes what `region` computes but does not use (the loads and arithmetic
/// of the left-out stores).
void eraseDeadOps(Region &region) {
  for (bool changed = true; changed;) {
    changed = false;
    region.walk([&](Operation *op) {
      if (!op->hasTrait<OpTrait::IsTerminator>() && isOpTriviallyDead(op)) {
        op->erase();
        changed = true;
      }
    });
  }
}

struct ParallelizeMaps : seqfuse::impl::ParallelizeMapsPassBase<ParallelizeMaps> {
  using ParallelizeMapsPassBase::ParallelizeMapsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (chunk < 1 || cutoff < 0) {
      module.emitError("seqfuse-parallelize-maps: chunk must be >= 1 and cutoff >= 0");
      return signalPassFailure();
    }
    auto record = [&](Operation *op, StringRef pattern, const std::string &algorithm) {
      if (auto at = op->getAttrOfType<StringAttr>(kLoweredAtAttr))
        recordAlgorithm(module, at.getValue(), pattern, algorithm);
    };
    // Folds (seqfuse-lower-patterns' `if (big) parallel else loop`), outermost
    // first: one that checks keeps its loop; inside one that runs in parallel
    // the maps stay loops.
    SmallVector<scf::IfOp> folds;
    module.walk<WalkOrder::PreOrder>([&](scf::IfOp branch) {
      auto kind = branch->getAttrOfType<StringAttr>(kLoweredAttr);
      if (!kind)
        return WalkResult::advance();
      folds.push_back(branch);
      return WalkResult::skip();
    });
    for (scf::IfOp branch : folds) {
      StringRef kind = branch->getAttrOfType<StringAttr>(kLoweredAttr).getValue();
      bool checked = false;
      if (makesChecks(branch.getThenRegion())) {
        if (!keepChecked(branch)) {
          record(branch, kind, kChecksStaySequential);
          keepLoop(branch);
          continue;
        }
        checked = true;
      }
      auto described = branch->getAttrOfType<StringAttr>(kLoweredAlgorithmAttr);
      std::string algorithm = described ? described.getValue().str() : "parallel";
      if (checked)
        algorithm += kProbed;
      record(branch, kind, algorithm);
      branch->walk([](scf::ForOp l) {
        l->removeAttr(kLoweredAttr);
        l->removeAttr(kLoweredAtAttr);
      });
      for (StringRef a : {kLoweredAttr, kLoweredAtAttr, kLoweredAlgorithmAttr})
        branch->removeAttr(a);
    }
    // Outermost first: a map inside a map runs inside its parent's chunk.
    SmallVector<scf::ForOp> maps;
    module.walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      auto kind = loop->getAttrOfType<StringAttr>(kLoweredAttr);
      if (!kind || kind.getValue() != "map")
        return WalkResult::advance();
      maps.push_back(loop);
      return WalkResult::skip();
    });
    for (scf::ForOp loop : maps) {
      std::string algorithm;
      if (makesChecks(loop.getRegion())) {
        algorithm = parallelizeChecked(loop)
                        ? "parallel: chunks of " + std::to_string(chunk) +
                              " iterations on the OpenMP threads when it runs at least " +
                              std::to_string(cutoff) + " iterations, else one loop" +
                              kProbed
                        : kChecksStaySequential;
      } else {
        parallelize(loop);
        algorithm = "parallel: chunks of " + std::to_string(chunk) +
                    " iterations on the OpenMP threads (Options::numThreads, "
                    "SEQFUSE_NUM_THREADS) when it runs at least " +
                    std::to_string(cutoff) + " iterations, else one loop";
      }
      record(loop, "map", algorithm);
    }
    // Clear the marks (nested maps' too), so that replaying the stage
    // changes nothing.
    module->walk([](Operation *op) {
      if (auto l = dyn_cast<scf::ForOp>(op)) {
        l->removeAttr(kLoweredAttr);
        l->removeAttr(kLoweredAtAttr);
      }
      op->removeAttr(kLoweredTripAttr);
    });
  }

  /// The fixed chunks of [lo, hi): `trip` iterations, `big` when there are
  /// at least `cutoff`, chunk c over range(c).
  struct Chunks {
    Value lo, hi, zero, one, size, trip, big;
    std::pair<Value, Value> range(OpBuilder &b, Location loc, Value c) const {
      Value clo =
          arith::AddIOp::create(b, loc, lo, arith::MulIOp::create(b, loc, c, size));
      Value chi =
          arith::MinSIOp::create(b, loc, arith::AddIOp::create(b, loc, clo, size), hi);
      return {clo, chi};
    }
  };
  Chunks chunksOf(OpBuilder &b, Location loc, Value lo, Value hi) {
    Chunks c{lo, hi, {}, {}, {}, {}, {}};
    c.zero = arith::ConstantIndexOp::create(b, loc, 0);
    c.one = arith::ConstantIndexOp::create(b, loc, 1);
    c.size = arith::ConstantIndexOp::create(b, loc, chunk);
    c.trip =
        arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, hi, lo), c.zero);
    c.big = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, c.trip,
                                  arith::ConstantIndexOp::create(b, loc, cutoff));
    return c;
  }

  /// Builds, before `at`, the first iteration in [lo, hi) at which a check
  /// of `loop`'s body fails (hi where none does): a parallel read-only pass
  /// over fixed chunks when hi - lo >= cutoff, else lo (not probed: every
  /// iteration keeps its checks). Null (and nothing
  /// built) where the body's checks cannot be evaluated apart from it (see
  /// Probe), or read what the loop writes.
  Value firstFailure(Operation *at, Value lo, Value hi, scf::ForOp loop) {
    OpBuilder b(at);
    Location loc = loop.getLoc();
    Chunks ch = chunksOf(b, loc, lo, hi);
    Value zero = ch.zero, one = ch.one, size = ch.size, trip = ch.trip;
    bool ok = true;
    auto branch = scf::IfOp::create(
        b, loc, ch.big,
        [&](OpBuilder &tb, Location) {
          Value chunks = arith::CeilDivSIOp::create(tb, loc, trip, size);
          auto dyn = MemRefType::get({ShapedType::kDynamic}, tb.getIndexType());
          Value stops = memref::AllocOp::create(tb, loc, dyn, ValueRange{chunks});
          auto range = [&](OpBuilder &x, Value c) { return ch.range(x, loc, c); };
          // The first failing iteration in [clo, chi), else chi: a loop that
          // stops probing at the first failure.
          auto firstIn = [&](OpBuilder &x, Value clo, Value chi) -> Value {
            auto scan = scf::ForOp::create(
                x, loc, clo, chi, one, ValueRange{chi},
                [&](OpBuilder &nb, Location, Value i, ValueRange first) {
                  Value going = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::eq,
                                                      first[0], chi);
                  auto step = scf::IfOp::create(
                      nb, loc, going,
                      [&](OpBuilder &yb, Location) {
                        Probe probe(yb, loc);
                        Value failed = probe.build(*loop.getBody(), i);
                        ok &= probe.ok;
                        scf::YieldOp::create(
                            yb, loc,
                            ValueRange{arith::SelectOp::create(yb, loc, failed, i, chi)});
                      },
                      [&](OpBuilder &eb, Location) {
                        scf::YieldOp::create(eb, loc, first);
                      });
                  scf::YieldOp::create(nb, loc, step.getResults());
                });
            return scan.getResult(0);
          };
          // 1. In parallel, whether each chunk has a failure: an or over its
          // iterations, without early exit, so that LLVM can vectorise the
          // common case (one check per iteration, straight-line code).
          scf::ParallelOp::create(
              tb, loc, ValueRange{zero}, ValueRange{chunks}, ValueRange{one},
              [&](OpBuilder &pb, Location, ValueRange ivs) {
                auto [clo, chi] = range(pb, ivs[0]);
                Value none = arith::ConstantOp::create(pb, loc, pb.getBoolAttr(false));
                auto any = scf::ForOp::create(
                    pb, loc, clo, chi, one, ValueRange{none},
                    [&](OpBuilder &nb, Location, Value i, ValueRange seen) {
                      Probe probe(nb, loc);
                      Value failed = probe.build(*loop.getBody(), i);
                      ok &= probe.ok;
                      scf::YieldOp::create(
                          nb, loc,
                          ValueRange{arith::OrIOp::create(nb, loc, seen[0], failed)});
                    });
                memref::StoreOp::create(
                    pb, loc, arith::SelectOp::create(pb, loc, any.getResult(0), clo, chi),
                    stops, ivs[0]);
              });
          // 2. The first chunk with a failure, then its first failing
          // iteration (one chunk, sequentially).
          Value no = arith::ConstantOp::create(tb, loc, tb.getBoolAttr(false));
          auto pick = scf::ForOp::create(
              tb, loc, zero, chunks, one, ValueRange{chunks, no},
              [&](OpBuilder &nb, Location, Value c, ValueRange it) {
                auto [clo, chi] = range(nb, c);
                (void)clo;
                Value stop = memref::LoadOp::create(nb, loc, stops, ValueRange{c});
                Value bad =
                    arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::slt, stop, chi);
                Value take = arith::AndIOp::create(
                    nb, loc, bad,
                    arith::XOrIOp::create(
                        nb, loc, it[1],
                        arith::ConstantOp::create(nb, loc, nb.getBoolAttr(true))));
                scf::YieldOp::create(
                    nb, loc,
                    ValueRange{arith::SelectOp::create(nb, loc, take, c, it[0]),
                               arith::OrIOp::create(nb, loc, it[1], bad)});
              });
          auto exact = scf::IfOp::create(
              tb, loc, pick.getResult(1),
              [&](OpBuilder &yb, Location) {
                auto [clo, chi] = range(yb, pick.getResult(0));
                scf::YieldOp::create(yb, loc, ValueRange{firstIn(yb, clo, chi)});
              },
              [&](OpBuilder &eb, Location) {
                scf::YieldOp::create(eb, loc, ValueRange{hi});
              });
          memref::DeallocOp::create(tb, loc, stops);
          scf::YieldOp::create(tb, loc, exact.getResults());
        },
        // Not probed: nothing may run without its checks.
        [&](OpBuilder &eb, Location) { scf::YieldOp::create(eb, loc, ValueRange{lo}); });
    // What the probe kept must not read what the loop writes, nor use the
    // loop's own values (its carried accumulators), nor values defined after
    // `at`.
    eraseDeadOps(branch.getThenRegion());
    llvm::SmallPtrSet<Value, 8> written;
    loop.getRegion().walk([&](memref::StoreOp st) { written.insert(st.getMemRef()); });
    branch.getThenRegion().walk([&](Operation *op) {
      if (auto l = dyn_cast<memref::LoadOp>(op); l && written.contains(l.getMemRef()))
        ok = false;
      for (Value v : op->getOperands()) {
        if (loop.getRegion().isAncestor(v.getParentRegion()))
          ok = false;
        Operation *def = v.getDefiningOp();
        if (def && def->getBlock() == at->getBlock() && at->isBeforeInBlock(def))
          ok = false;
      }
    });
    if (!ok) {
      // Everything built here, innermost last.
      Operation *first = zero.getDefiningOp();
      SmallVector<Operation *> built;
      for (Operation *op = first; op != at; op = op->getNextNode())
        built.push_back(op);
      for (Operation *op : llvm::reverse(built))
        op->erase();
      return Value();
    }
    return branch.getResult(0);
  }

  /// Checked mode for a map: `if (n >= cutoff) { k = firstFailure; parallel
  /// chunks over [lb, k) without checks } ; the checked loop from k (or lb)`.
  /// False (and nothing changed) where the body's checks cannot be probed.
  bool parallelizeChecked(scf::ForOp loop) {
    OpBuilder b(loop);
    Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
    Value k = firstFailure(loop, lb, ub, loop);
    if (!k)
      return false;
    // The unchecked parallel chunks over [lb, k): a copy of the loop.
    auto head = cast<scf::ForOp>(b.clone(*loop));
    head.setUpperBound(k);
    stripChecks(head.getRegion());
    loop.setLowerBound(k);
    parallelize(head);
    return true;
  }

  /// Checked mode for a fold's or scatter's parallel form: the form covers
  /// [lb, k) without checks, k its loop's first failing iteration; the loop
  /// after it goes on from where the form stops and raises at k.
  bool keepChecked(scf::IfOp branch) {
    auto id = branch->getAttrOfType<IntegerAttr>(kLoweredTripAttr);
    if (!id)
      return false;
    Operation *span = nullptr;
    for (Operation *op = branch->getPrevNode(); op && !span; op = op->getPrevNode())
      if (op->getAttr(kLoweredTripAttr) == id)
        span = op;
    // The loop after the form: from where the form stops, step 1. A scan's
    // register steps (an scf.while from there) come first; the loop after
    // them has the same body, so it is the one the probe copies.
    Value start = branch.getResult(0);
    for (Operation *user : start.getUsers())
      if (auto w = dyn_cast<scf::WhileOp>(user); w && w.getInits()[0] == start)
        start = w.getResult(0);
    scf::ForOp rest;
    for (Operation *user : start.getUsers())
      if (auto f = dyn_cast<scf::ForOp>(user);
          f && f.getLowerBound() == start && getConstantIntValue(f.getStep()) == 1)
        rest = f;
    if (!span || !rest || !isa<arith::SubIOp>(span))
      return false;
    Value k = firstFailure(span, span->getOperand(1), span->getOperand(0), rest);
    if (!k)
      return false;
    span->setOperand(0, k);
    stripChecks(branch.getThenRegion());
    return true;
  }

  /// The fold's loop alone, in place of `if (big) parallel else loop`.
  static void keepLoop(scf::IfOp branch) {
    Block *loop = branch.elseBlock();
    auto yield = cast<scf::YieldOp>(loop->getTerminator());
    branch.replaceAllUsesWith(yield.getOperands());
    for (Operation &op : llvm::make_early_inc_range(loop->without_terminator()))
      op.moveBefore(branch);
    branch.erase();
  }

  /// if (n >= cutoff) parallel chunks else the loop as it is.
  void parallelize(scf::ForOp loop) {
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Chunks ch = chunksOf(b, loc, loop.getLowerBound(), loop.getUpperBound());
    auto branch = scf::IfOp::create(b, loc, TypeRange{}, ch.big, /*withElseRegion=*/true);
    // else: the loop as it is.
    loop->moveBefore(branch.elseBlock()->getTerminator());
    // then: one scf.parallel iteration per chunk, each a loop over its range.
    OpBuilder tb = branch.getThenBodyBuilder();
    Value chunks = arith::CeilDivSIOp::create(tb, loc, ch.trip, ch.size);
    auto par = scf::ParallelOp::create(
        tb, loc, ValueRange{ch.zero}, ValueRange{chunks}, ValueRange{ch.one},
        [&](OpBuilder &pb, Location l, ValueRange ivs) {
          auto [lo, hi] = ch.range(pb, l, ivs[0]);
          auto inner = scf::ForOp::create(pb, l, lo, hi, ch.one);
          IRMapping m;
          m.map(loop.getInductionVar(), inner.getInductionVar());
          OpBuilder ib = OpBuilder::atBlockBegin(inner.getBody());
          ib.setInsertionPoint(inner.getBody()->getTerminator());
          for (Operation &op : loop.getBody()->without_terminator())
            ib.clone(op, m);
        });
    (void)par;
  }
};

struct ParallelToOpenMP : seqfuse::impl::ParallelToOpenMPPassBase<ParallelToOpenMP> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool any = false;
    module.walk([&](scf::ParallelOp) { any = true; });
    if (!any)
      return;
    OpPassManager pm(ModuleOp::getOperationName());
    pm.addPass(createConvertSCFToOpenMPPass());
    if (failed(runPipeline(pm, module)))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    memref::AllocaScopeOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
