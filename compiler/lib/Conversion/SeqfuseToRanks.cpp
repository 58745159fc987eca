//===- SeqfuseToRanks.cpp - pattern ops across MPI ranks ------------------===//
//
// seqfuse-distribute-ranks (Passes.td): the SPMD form of a kernel every rank
// of an MPI communicator calls at once. Rank r holds rows [begin_r, end_r) of
// the distributed tensors, addressed by global row (biased descriptors);
// everything that crosses ranks is a call to seqfuse_mpi_* (runtime/lib/mpi/
// Comm.h). The values the rest of the function sees (fold results, loads of
// distributed tensors, replicated tensors) are the same on every rank, so the
// function's own control flow runs alike everywhere and every collective call
// is made by every rank in the same order.
//
// Determinism: a fold's runs are fixed by its trip count and combined in run
// order by every rank, so results never depend on the rank or thread count.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Conversion/Build.h"
#include "seqfuse/Conversion/SeqfuseToSCF.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/SetVector.h"

#include <functional>
#include <limits>

namespace seqfuse {
#define GEN_PASS_DEF_DISTRIBUTERANKSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;
using namespace seqfuse::loops;
using namespace seqfuse::build;

namespace {

/// The fields seqfuse_mpi_plan fills (Comm.h): this rank's k-range [a, b) of
/// a fold's positions [lb, kEnd), the ranks before and after it in k order
/// that have positions, and the rank holding the last position.
enum PlanField : int64_t { kA, kB, kLeft, kRight, kLastOwner, kPlanFields };

struct Plan {
  Value a, b;                   // index
  Value left, right, lastOwner; // i64, -1 for none
};

/// A range [a, b) of positions cut into runs of L from lb (the last one
/// ends at kEnd): its first and last run, whether the first began on the
/// rank before, whether the last goes on on the rank after.
struct Runs {
  Value nonEmpty, q0, q1, inFirst, outLast, single;
};

Value toI64(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
  return v;
}
/// `c ? 1 : 0` as an index.
Value idxOf(OpBuilder &b, Location loc, Value c) {
  return select(b, loc, c, cIndex(b, loc, 1), cIndex(b, loc, 0));
}

/// Integer divisions of the distribution's own bookkeeping (never by 0:
/// run lengths, chunk sizes, extents of indices in range), made without a
/// run-time check.
template <class DivOp> Value divNoCheck(OpBuilder &b, Location loc, Value x, Value y) {
  auto op = DivOp::create(b, loc, x, y);
  op->setAttr(kInBoundsAttr, b.getUnitAttr());
  return op;
}

/// `cond ? then() : otherwise()`, both yielding values of the same types.
SmallVector<Value> ifElse(OpBuilder &b, Location loc, Value cond,
                          function_ref<SmallVector<Value>(OpBuilder &)> then,
                          function_ref<SmallVector<Value>(OpBuilder &)> otherwise) {
  auto op = scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &tb, Location) { scf::YieldOp::create(tb, loc, then(tb)); },
      [&](OpBuilder &eb, Location) { scf::YieldOp::create(eb, loc, otherwise(eb)); });
  return SmallVector<Value>(op.getResults());
}

/// Types a state slot may have to be sent: integers, index and floats of
/// at most 64 bits, as the bits of an i64.
bool packable(Type t) {
  if (t.isIndex())
    return true;
  if (isa<IntegerType, FloatType>(t))
    return t.getIntOrFloatBitWidth() <= 64;
  return false;
}

Value toBits(OpBuilder &b, Location loc, Value v) {
  return toBitsAs(b, loc, v, b.getI64Type());
}

/// Bytes one element of `t` takes in memory (i1 takes a byte).
int64_t elementBytes(Type t) {
  if (t.isIndex())
    return 8;
  return std::max<int64_t>(1, (t.getIntOrFloatBitWidth() + 7) / 8);
}

/// The combiner's one operation when it is `op(old, new)` or `op(new, old)`
/// and nothing else; null otherwise.
Operation *singleBinaryOp(Block &blk) {
  auto ops = blk.without_terminator();
  if (blk.getNumArguments() != 2 || std::distance(ops.begin(), ops.end()) != 1)
    return nullptr;
  Operation &o = *ops.begin();
  auto yield = cast<YieldOp>(blk.getTerminator());
  if (yield.getValues().size() != 1 || o.getNumResults() != 1 ||
      yield.getValues()[0] != o.getResult(0) || o.getNumOperands() != 2)
    return nullptr;
  Value x = o.getOperand(0), y = o.getOperand(1);
  if (!((x == blk.getArgument(0) && y == blk.getArgument(1)) ||
        (x == blk.getArgument(1) && y == blk.getArgument(0))))
    return nullptr;
  return &o;
}

/// The op of a histogram's combiner when it is one integer monoid operation
/// of the old value and the element (exact in any order), as
/// seqfuse_mpi_allreduce's op code, with its identity; nullopt otherwise.
std::optional<std::pair<int64_t, int64_t>> integerMonoid(Region &combiner) {
  Block &blk = combiner.front();
  if (blk.getNumArguments() != 2 || !isa<IntegerType>(blk.getArgument(0).getType()))
    return std::nullopt;
  unsigned w = blk.getArgument(0).getType().getIntOrFloatBitWidth();
  if (w != 32 && w != 64)
    return std::nullopt;
  Operation *op = singleBinaryOp(blk);
  if (!op)
    return std::nullopt;
  Operation &o = *op;
  const int64_t maxV = w == 32 ? INT32_MAX : INT64_MAX;
  const int64_t minV = w == 32 ? INT32_MIN : INT64_MIN;
  if (isa<arith::AddIOp>(o))
    return std::make_pair<int64_t, int64_t>(0, 0);
  if (isa<arith::MulIOp>(o))
    return std::make_pair<int64_t, int64_t>(1, 1);
  if (isa<arith::MinSIOp>(o))
    return std::make_pair<int64_t, int64_t>(2, int64_t(maxV));
  if (isa<arith::MaxSIOp>(o))
    return std::make_pair<int64_t, int64_t>(3, int64_t(minV));
  if (isa<arith::AndIOp>(o))
    return std::make_pair<int64_t, int64_t>(4, -1);
  if (isa<arith::OrIOp>(o))
    return std::make_pair<int64_t, int64_t>(5, 0);
  if (isa<arith::XOrIOp>(o))
    return std::make_pair<int64_t, int64_t>(6, 0);
  if (isa<arith::MinUIOp>(o))
    return std::make_pair<int64_t, int64_t>(7, -1);
  if (isa<arith::MaxUIOp>(o))
    return std::make_pair<int64_t, int64_t>(8, 0);
  return std::nullopt;
}

/// The op of a histogram's combiner when it is one float operation of the
/// old value and the element that a fixed tree may regroup, as
/// seqfuse_mpi_tree_combine's op code (0 add, 1 mul: where the float policy
/// allows reassociation; 2 minimum, 3 maximum, 4 minnum, 5 maxnum: exact in
/// any grouping); nullopt otherwise.
std::optional<int64_t> floatTreeOp(Operation *scatter, Region &combiner) {
  Block &blk = combiner.front();
  if (blk.getNumArguments() != 2 ||
      !(blk.getArgument(0).getType().isF32() || blk.getArgument(0).getType().isF64()))
    return std::nullopt;
  Operation *op = singleBinaryOp(blk);
  if (!op)
    return std::nullopt;
  Operation &o = *op;
  auto fp = scatter->getAttrOfType<FloatPolicyAttr>("fp");
  const bool regroup = fp && fp.getValue() == FloatPolicy::Reassociate;
  if (isa<arith::AddFOp>(o) && regroup)
    return 0;
  if (isa<arith::MulFOp>(o) && regroup)
    return 1;
  if (isa<arith::MinimumFOp>(o))
    return 2;
  if (isa<arith::MaximumFOp>(o))
    return 3;
  if (isa<arith::MinNumFOp>(o))
    return 4;
  if (isa<arith::MaxNumFOp>(o))
    return 5;
  return std::nullopt;
}

std::string opName(Operation *op) { return op->getName().stripDialect().str(); }

/// The rewrite of one function.
class Ranks {
public:
  Ranks(ModuleOp m, func::FuncOp fn, bool checked, int64_t run)
      : module(m), fn(fn), checked(checked), run(run) {}

  llvm::SetVector<Value> dist; // the distributed tensors (function arguments)

  LogicalResult rewrite();

private:
  ModuleOp module;
  func::FuncOp fn;
  bool checked;
  int64_t run;
  int64_t nextTag = 16;

  //===--------------------------------------------------------------------===//
  // Calls and buffers
  //===--------------------------------------------------------------------===//

  /// Calls seqfuse_mpi_<name>(i64...) [-> i64], declaring it on first use.
  Value call(OpBuilder &b, Location loc, StringRef name, ArrayRef<Value> args,
             bool result = false) {
    std::string fnName = ("seqfuse_mpi_" + name).str();
    SmallVector<Value> a;
    for (Value v : args)
      a.push_back(toI64(b, loc, v));
    if (!module.lookupSymbol(fnName)) {
      OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
      SmallVector<Type> ins(a.size(), mb.getI64Type());
      SmallVector<Type> outs;
      if (result)
        outs.push_back(mb.getI64Type());
      auto f = func::FuncOp::create(mb, loc, fnName, mb.getFunctionType(ins, outs));
      f.setPrivate();
    }
    auto c = func::CallOp::create(b, loc, fnName,
                                  result ? TypeRange{b.getI64Type()} : TypeRange{}, a);
    return result ? c.getResult(0) : Value();
  }

  Value addr(OpBuilder &b, Location loc, Value memref) {
    return toI64(b, loc, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref));
  }

  /// A buffer at the function's entry (the code may sit in a loop).
  Value entryAlloca(Location loc, MemRefType t) {
    OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
    return memref::AllocaOp::create(eb, loc, t);
  }

  Value load(OpBuilder &b, Location loc, Value m, ValueRange idx) {
    auto l = memref::LoadOp::create(b, loc, m, idx);
    l->setAttr(kInBoundsAttr, b.getUnitAttr());
    return l;
  }
  void store(OpBuilder &b, Location loc, Value v, Value m, ValueRange idx) {
    auto s = memref::StoreOp::create(b, loc, v, m, idx);
    s->setAttr(kInBoundsAttr, b.getUnitAttr());
  }

  /// State slots as i64 bits at buf[off ...].
  void storeState(OpBuilder &b, Location loc, ValueRange vals, Value buf, Value off) {
    for (auto [j, v] : llvm::enumerate(vals))
      store(b, loc, toBits(b, loc, v), buf,
            ValueRange{add(b, loc, off, cIndex(b, loc, static_cast<int64_t>(j)))});
  }
  SmallVector<Value> loadState(OpBuilder &b, Location loc, TypeRange types, Value buf,
                               Value off) {
    SmallVector<Value> out;
    for (auto [j, t] : llvm::enumerate(types))
      out.push_back(fromBits(
          b, loc,
          load(b, loc, buf,
               ValueRange{add(b, loc, off, cIndex(b, loc, static_cast<int64_t>(j)))}),
          t));
    return out;
  }
  Value stateBuffer(Location loc, size_t n) {
    return entryAlloca(loc,
                       MemRefType::get({static_cast<int64_t>(std::max<size_t>(n, 1))},
                                       IntegerType::get(fn.getContext(), 64)));
  }
  void sendState(OpBuilder &b, Location loc, ValueRange vals, Value to, int64_t tag) {
    Value buf = stateBuffer(loc, vals.size());
    storeState(b, loc, vals, buf, cIndex(b, loc, 0));
    call(b, loc, "send",
         {addr(b, loc, buf), cI64(b, loc, 8 * static_cast<int64_t>(vals.size())), to,
          cI64(b, loc, tag)});
  }
  SmallVector<Value> recvState(OpBuilder &b, Location loc, TypeRange types, Value from,
                               int64_t tag) {
    Value buf = stateBuffer(loc, types.size());
    call(b, loc, "recv",
         {addr(b, loc, buf), cI64(b, loc, 8 * static_cast<int64_t>(types.size())), from,
          cI64(b, loc, tag)});
    return loadState(b, loc, types, buf, cIndex(b, loc, 0));
  }
  /// `vals` of rank `root`, on every rank.
  SmallVector<Value> bcastState(OpBuilder &b, Location loc, ValueRange vals, Value root) {
    Value buf = stateBuffer(loc, vals.size());
    storeState(b, loc, vals, buf, cIndex(b, loc, 0));
    call(b, loc, "bcast",
         {addr(b, loc, buf), cI64(b, loc, 8 * static_cast<int64_t>(vals.size())), root});
    return loadState(b, loc, TypeRange(ValueRange(vals)), buf, cIndex(b, loc, 0));
  }

  /// The extents of `m` and their product.
  std::pair<SmallVector<Value>, Value> extents(OpBuilder &b, Location loc, Value m) {
    SmallVector<Value> dims;
    Value size = cIndex(b, loc, 1);
    for (int64_t d = 0; d < cast<MemRefType>(m.getType()).getRank(); ++d) {
      dims.push_back(memref::DimOp::create(b, loc, m, d));
      size = mul(b, loc, size, dims.back());
    }
    return {dims, size};
  }
  /// Bytes of one row (the dimensions after the first) of `m`.
  Value rowBytes(OpBuilder &b, Location loc, Value m) {
    auto t = cast<MemRefType>(m.getType());
    Value bytes = cIndex(b, loc, elementBytes(t.getElementType()));
    for (int64_t d = 1; d < t.getRank(); ++d)
      bytes = mul(b, loc, bytes, memref::DimOp::create(b, loc, m, d));
    return bytes;
  }
  /// Bytes of the whole of `m` (a replicated tensor or cell).
  Value wholeBytes(OpBuilder &b, Location loc, Value m) {
    auto t = cast<MemRefType>(m.getType());
    return mul(b, loc, extents(b, loc, m).second,
               cIndex(b, loc, elementBytes(t.getElementType())));
  }

  //===--------------------------------------------------------------------===//
  // Where iterations are
  //===--------------------------------------------------------------------===//

  Plan plan(OpBuilder &b, Location loc, Value lb, Value kEnd, Value revBase) {
    Value buf = entryAlloca(
        loc, MemRefType::get({kPlanFields}, IntegerType::get(fn.getContext(), 64)));
    call(b, loc, "plan",
         {lb, kEnd, cI64(b, loc, revBase ? 1 : 0), revBase ? revBase : cIndex(b, loc, 0),
          addr(b, loc, buf)});
    auto field = [&](int64_t f) {
      return load(b, loc, buf, ValueRange{cIndex(b, loc, f)});
    };
    return {toIndex(b, loc, field(kA)), toIndex(b, loc, field(kB)), field(kLeft),
            field(kRight), field(kLastOwner)};
  }

  Value rank(OpBuilder &b, Location loc) { return call(b, loc, "rank", {}, true); }

  /// Runs of `L` positions from `lb`, the last ending at `kEnd`.
  struct RunGrid {
    Value lb, kEnd, L;
    Value start(OpBuilder &b, Location loc, Value q) const {
      return add(b, loc, lb, mul(b, loc, q, L));
    }
    Value end(OpBuilder &b, Location loc, Value q) const {
      return minS(b, loc, add(b, loc, start(b, loc, q), L), kEnd);
    }
    Runs of(OpBuilder &b, Location loc, Value a, Value e) const {
      Runs r;
      r.nonEmpty = cmp(b, loc, arith::CmpIPredicate::slt, a, e);
      Value relA = sub(b, loc, a, lb);
      r.q0 = divNoCheck<arith::DivSIOp>(b, loc, relA, L);
      Value last = maxS(b, loc, sub(b, loc, e, cIndex(b, loc, 1)), a);
      r.q1 = divNoCheck<arith::DivSIOp>(b, loc, sub(b, loc, last, lb), L);
      Value rem = divNoCheck<arith::RemSIOp>(b, loc, relA, L);
      r.inFirst = andOf(b, loc, r.nonEmpty,
                        cmp(b, loc, arith::CmpIPredicate::ne, rem, cIndex(b, loc, 0)));
      r.outLast = andOf(b, loc, r.nonEmpty,
                        cmp(b, loc, arith::CmpIPredicate::ne, e, end(b, loc, r.q1)));
      r.single = cmp(b, loc, arith::CmpIPredicate::eq, r.q0, r.q1);
      return r;
    }
  };

  /// Iterations [a, b) of this rank, with the cell where the probe leaves the
  /// first failing one: F, agreed by every rank (kEnd = ub when none). Null
  /// when `op` makes no check; `impossible` when its checks cannot be probed.
  Value probe(OpBuilder &b, Location loc, Operation *probed, Value lb, Value ub,
              Value revBase, bool &impossible) {
    impossible = false;
    Plan pl = plan(b, loc, lb, ub, revBase);
    const int64_t chunk = 16384;
    Value n = maxS(b, loc, sub(b, loc, pl.b, pl.a), cIndex(b, loc, 0));
    Value chunks = divNoCheck<arith::CeilDivSIOp>(b, loc, n, cIndex(b, loc, chunk));
    Value cells = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, b.getIndexType()),
        ValueRange{chunks});
    bool made = false, ok = true;
    // The loops first, with an empty iteration; then its probe (the analyses
    // need finished ops around it).
    Operation *slot = nullptr;
    Value slotI, slotK, slotC;
    auto par = scf::ParallelOp::create(
        b, loc, ValueRange{cIndex(b, loc, 0)}, ValueRange{chunks},
        ValueRange{cIndex(b, loc, 1)}, ValueRange{},
        [&](OpBuilder &pb, Location, ValueRange ivs, ValueRange) {
          Value c = ivs[0];
          Value lo = add(pb, loc, pl.a, mul(pb, loc, c, cIndex(pb, loc, chunk)));
          Value hi = minS(pb, loc, add(pb, loc, lo, cIndex(pb, loc, chunk)), pl.b);
          store(pb, loc, ub, cells, ValueRange{c});
          scf::ForOp::create(pb, loc, lo, hi, cIndex(pb, loc, 1), ValueRange{},
                             [&](OpBuilder &fb, Location, Value k, ValueRange) {
                               slotI = revBase ? sub(fb, loc, revBase, k) : k;
                               slotK = k;
                               slotC = c;
                               slot = scf::YieldOp::create(fb, loc);
                             });
          scf::ReduceOp::create(pb, loc);
        });
    {
      OpBuilder ib(slot);
      ok = iterationProbe(ib, loc, probed, slotI, made, [&](OpBuilder &pb, Value failed) {
        ifThen(pb, loc, failed, [&](OpBuilder &tb) {
          Value old = load(tb, loc, cells, ValueRange{slotC});
          store(tb, loc, minS(tb, loc, old, slotK), cells, ValueRange{slotC});
        });
      });
    }
    if (!made || !ok) {
      par.erase();
      memref::DeallocOp::create(b, loc, cells);
      impossible = !ok;
      return Value();
    }
    markUnchecked(par);
    auto first = scf::ForOp::create(
        b, loc, cIndex(b, loc, 0), chunks, cIndex(b, loc, 1), ValueRange{ub},
        [&](OpBuilder &fb, Location, Value c, ValueRange acc) {
          scf::YieldOp::create(
              fb, loc, ValueRange{minS(fb, loc, acc[0], load(fb, loc, cells, {c}))});
        });
    memref::DeallocOp::create(b, loc, cells);
    return toIndex(b, loc, call(b, loc, "allreduce_min", {first.getResult(0)}, true));
  }

  /// Where a probe found F < ub: the rank holding iteration F runs it
  /// checked (`runIt`), which raises; the others raise the error it sends.
  void failAt(OpBuilder &b, Location loc, Value F, Value ub, Value revBase,
              function_ref<void(OpBuilder &)> runIt) {
    ifThen(b, loc, cmp(b, loc, arith::CmpIPredicate::slt, F, ub), [&](OpBuilder &tb) {
      Value i = revBase ? sub(tb, loc, revBase, F) : F;
      Value owner = call(tb, loc, "row_owner", {i}, true);
      scf::IfOp::create(
          tb, loc, cmp(tb, loc, arith::CmpIPredicate::eq, owner, rank(tb, loc)),
          [&](OpBuilder &ob, Location) {
            call(ob, loc, "expect_failure", {});
            runIt(ob);
            call(ob, loc, "failure_missing", {});
            scf::YieldOp::create(ob, loc);
          },
          [&](OpBuilder &eb, Location) {
            call(eb, loc, "fail_at", {owner});
            scf::YieldOp::create(eb, loc);
          });
    });
  }

  //===--------------------------------------------------------------------===//
  // Classification
  //===--------------------------------------------------------------------===//

  bool insideOp(Operation *op, Value v) {
    Operation *def = v.getParentBlock()->getParentOp();
    return op->isAncestor(def) && def != op->getParentOp();
  }

  /// Why `op` cannot run with each rank on the iterations of its rows: an
  /// access to a distributed tensor at another row than its iteration `ivs`
  /// (or through another op), or (unless `replicatedWrites`) a write of a
  /// replicated one from outside it. "" when it can.
  std::string notLocal(Operation *op, ArrayRef<Value> ivs, bool replicatedWrites) {
    std::string why;
    op->walk([&](Operation *in) {
      if (in == op || !why.empty())
        return;
      for (Value v : in->getOperands()) {
        if (!isa<MemRefType>(v.getType()))
          continue;
        ValueRange idx;
        bool isStore = false;
        if (auto l = dyn_cast<memref::LoadOp>(in); l && l.getMemRef() == v)
          idx = l.getIndices();
        else if (auto s = dyn_cast<memref::StoreOp>(in); s && s.getMemRef() == v) {
          idx = s.getIndices();
          isStore = true;
        }
        if (dist.contains(v)) {
          if (isa<memref::DimOp>(in))
            continue;
          if (idx.empty()) {
            why = "'" + tensorName(v) + "' is used by " +
                  in->getName().getStringRef().str();
            return;
          }
          if (!llvm::is_contained(ivs, idx[0])) {
            why = "it " + std::string(isStore ? "writes" : "reads") + " '" +
                  tensorName(v) + "' at another row than its iteration's";
            return;
          }
        } else if (isStore && !replicatedWrites && !insideOp(op, v)) {
          why = "it writes '" + tensorName(v) + "', which every rank holds whole";
          return;
        }
      }
    });
    return why;
  }

  bool touchesDist(Operation *op) {
    bool found = false;
    op->walk([&](Operation *in) {
      for (Value v : in->getOperands())
        found |= dist.contains(v);
    });
    return found;
  }

  /// A seqfuse.sequential holding one loop over rows: its scf.for, when it
  /// is the only op of its body with effects and steps by 1.
  scf::ForOp rowLoop(SequentialOp s) {
    scf::ForOp loop;
    for (Operation &o : s.getBody().front().without_terminator()) {
      if (auto f = dyn_cast<scf::ForOp>(o)) {
        if (loop)
          return {};
        loop = f;
        continue;
      }
      if (!isPure(&o))
        return {};
    }
    if (!loop)
      return {};
    auto step = loop.getStep().getDefiningOp<arith::ConstantIndexOp>();
    if (!step || step.value() != 1)
      return {};
    // It is over rows when some direct access (not in a nested loop) to a
    // distributed tensor is at its iteration.
    bool overRows = false;
    loop.walk([&](Operation *in) {
      if (auto l = dyn_cast<memref::LoadOp>(in))
        overRows |= dist.contains(l.getMemRef()) && !l.getIndices().empty() &&
                    l.getIndices()[0] == loop.getInductionVar();
      if (auto st = dyn_cast<memref::StoreOp>(in))
        overRows |= dist.contains(st.getMemRef()) && !st.getIndices().empty() &&
                    st.getIndices()[0] == loop.getInductionVar();
    });
    return overRows ? loop : scf::ForOp();
  }

  /// Whether `s` reads or writes a distributed tensor itself (outside the
  /// pattern ops it holds).
  bool accessesDirectly(SequentialOp s) {
    bool found = false;
    s.walk([&](Operation *in) {
      if (in != s.getOperation() && isa<PatternOp>(in))
        return WalkResult::skip();
      for (Value v : in->getOperands())
        if (dist.contains(v) && !isa<memref::DimOp>(in))
          found = true;
      return WalkResult::advance();
    });
    return found;
  }

  void record(Operation *op, const std::string &algorithm) {
    recordAlgorithm(module, statementLocation(op),
                    isa<SequentialOp>(op) ? "sequential" : opName(op), algorithm);
  }

  static constexpr const char *kProbedNote =
      "; checks first in a read-only pass over each rank's iterations, the first failing "
      "iteration agreed by all ranks: the op runs up to it and its rank raises there, "
      "the "
      "same error on every rank";

  //===--------------------------------------------------------------------===//
  // The rewrites
  //===--------------------------------------------------------------------===//

  void unit(Operation *op);
  void glueAccess(Operation *op);
  void gatherFallback(Operation *op, StringRef pattern, const std::string &where,
                      const std::string &why);
  void gatherFallback(Operation *op, const std::string &why) {
    gatherFallback(op, isa<SequentialOp>(op) ? "sequential" : opName(op),
                   statementLocation(op), why);
  }
  void mapAcross(MapOp map, Value kEnd);
  SmallVector<Value> foldAcross(OpBuilder &b, PatternOp p, Value kEnd, std::string &alg);
  void scatterAcross(OpBuilder &b, PatternOp p, Value kEnd, std::string &alg);
  void loopAcross(SequentialOp s, scf::ForOp loop);
  void collect(Region &r, SmallVectorImpl<Operation *> &units,
               SmallVectorImpl<Operation *> &accesses, std::string &error);
};

//===----------------------------------------------------------------------===//
// Ops that are not local: every rank runs them on whole copies
//===----------------------------------------------------------------------===//

void Ranks::gatherFallback(Operation *op, StringRef pattern, const std::string &where,
                           const std::string &why) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  llvm::SetVector<Value> used, written;
  op->walk([&](Operation *in) {
    for (Value v : in->getOperands())
      if (dist.contains(v))
        used.insert(v);
    if (auto st = dyn_cast<memref::StoreOp>(in); st && dist.contains(st.getMemRef()))
      written.insert(st.getMemRef());
  });
  if (auto p = dyn_cast<PatternOp>(op);
      p && p.getScatterTarget() && dist.contains(p.getScatterTarget()))
    written.insert(p.getScatterTarget());
  IRMapping map;
  SmallVector<std::pair<Value, Value>> copies; // (distributed, whole)
  std::string names;
  for (Value m : used) {
    auto t = cast<MemRefType>(m.getType());
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (t.isDynamicDim(d))
        dyn.push_back(memref::DimOp::create(b, loc, m, d));
    auto whole = memref::AllocOp::create(b, loc, t, dyn);
    // Its checks name the tensor, not the copy.
    whole->setAttr(attrs::kArgName, b.getStringAttr(tensorName(m)));
    call(b, loc, "allgather_rows",
         {addr(b, loc, m), addr(b, loc, whole), rowBytes(b, loc, m)});
    // A check that fails in the copy still leaves the rows it wrote here.
    if (written.contains(m))
      call(b, loc, "push_copyback",
           {addr(b, loc, whole), addr(b, loc, m), rowBytes(b, loc, m)});
    map.map(m, whole);
    copies.emplace_back(m, whole);
    names += (names.empty() ? "'" : ", '") + tensorName(m) + "'";
  }
  Operation *clone = b.clone(*op, map);
  op->replaceAllUsesWith(clone);
  b.setInsertionPointAfter(clone);
  // Each rank keeps its rows of what the op wrote.
  call(b, loc, "pop_copybacks", {cI64(b, loc, static_cast<int64_t>(written.size()))});
  for (auto [m, whole] : copies)
    memref::DeallocOp::create(b, loc, whole);
  recordAlgorithm(module, where, pattern,
                  "not distributed (" + why + "): every rank all-gathers " + names +
                      " whole, runs it as on one machine and keeps its own rows");
  op->erase();
}

//===----------------------------------------------------------------------===//
// Maps
//===----------------------------------------------------------------------===//

void Ranks::mapAcross(MapOp map, Value kEnd) {
  OpBuilder b(map);
  Location loc = map.getLoc();
  Plan pl = plan(b, loc, map.getLowerBound(), kEnd, Value());
  map->setOperand(0, pl.a);
  map->setOperand(1, maxS(b, loc, pl.a, pl.b));
}

//===----------------------------------------------------------------------===//
// Folds
//===----------------------------------------------------------------------===//

SmallVector<Value> Ranks::foldAcross(OpBuilder &b, PatternOp p, Value kEnd,
                                     std::string &alg) {
  Operation *op = p;
  Location loc = op->getLoc();
  SmallVector<Type> types(op->getResultTypes());
  const size_t n = types.size();
  SmallVector<Value> init(op->getOperands().drop_front(2));
  SmallVector<bool> live = liveSlots(p);
  const bool isScan = p.getConsumerRegion() != nullptr;
  Value lb = p.getLowerBound(), ub = p.getUpperBound();
  Value revBase = reverseBase(b, loc, lb, ub, p.isReverse());
  const int64_t tag = nextTag;
  nextTag += 8;
  Plan pl = plan(b, loc, lb, kEnd, revBase);
  auto element = [&](OpBuilder &x, Value i) {
    return inlineRegion(x, p.getElementRegion(), {i});
  };
  auto combine = [&](OpBuilder &x, ValueRange acc, ValueRange e) {
    return inlineRegion(x, *p.getCombinerRegion(), concat(acc, e));
  };
  auto iterOf = [&](OpBuilder &x, Value k) {
    return revBase ? sub(x, loc, revBase, k) : k;
  };
  // The fold's own loop (bodies of a scan) over [k0, k1) from `st`.
  auto loopFrom = [&](OpBuilder &x, ValueRange st, Value k0, Value k1) {
    auto loop = foldLoop(x, p, k0, k1, revBase, st, live);
    lowerNestedToLoops(loop);
    return SmallVector<Value>(loop.getResults());
  };
  // The pipeline in rank order from position k0, whose state there is st0.
  auto pipeline = [&](OpBuilder &x, Value k0, ValueRange st0) {
    Value from = maxS(x, loc, pl.a, k0);
    Value has = cmp(x, loc, arith::CmpIPredicate::slt, from, pl.b);
    SmallVector<Value> mine = ifElse(
        x, loc, has,
        [&](OpBuilder &tb) {
          SmallVector<Value> st = ifElse(
              tb, loc, cmp(tb, loc, arith::CmpIPredicate::sle, pl.a, k0),
              [&](OpBuilder &) { return SmallVector<Value>(st0); },
              [&](OpBuilder &eb) { return recvState(eb, loc, types, pl.left, tag + 3); });
          SmallVector<Value> out = loopFrom(tb, st, from, pl.b);
          ifThen(tb, loc,
                 cmp(tb, loc, arith::CmpIPredicate::sge, pl.right, cI64(tb, loc, 0)),
                 [&](OpBuilder &sb) { sendState(sb, loc, out, pl.right, tag + 3); });
          return out;
        },
        [&](OpBuilder &) { return SmallVector<Value>(st0); });
    return ifElse(
        x, loc, cmp(x, loc, arith::CmpIPredicate::sge, pl.lastOwner, cI64(x, loc, 0)),
        [&](OpBuilder &tb) { return bcastState(tb, loc, mine, pl.lastOwner); },
        [&](OpBuilder &) { return SmallVector<Value>(st0); });
  };
  if (std::string why = whyNotParallel(op); !why.empty()) {
    alg = "kept sequential across ranks (" + why +
          "): a pipeline in rank order, each rank its iterations from the state the rank "
          "before sends";
    return pipeline(b, lb, init);
  }

  // Runs of L positions from lb, fixed by the trip count alone.
  Value L =
      run > 0
          ? cIndex(b, loc, run)
          : toIndex(b, loc,
                    call(b, loc, "run_length",
                         {maxS(b, loc, sub(b, loc, ub, lb), cIndex(b, loc, 0))}, true));
  RunGrid grid{lb, kEnd, L};
  Value trip = maxS(b, loc, sub(b, loc, kEnd, lb), cIndex(b, loc, 0));
  Value R = divNoCheck<arith::CeilDivSIOp>(b, loc, trip, L);
  Value nIdx = cIndex(b, loc, static_cast<int64_t>(n));
  auto i64Buffer = [&](OpBuilder &x, Value count) -> Value {
    return memref::AllocOp::create(
        x, loc, MemRefType::get({ShapedType::kDynamic}, x.getI64Type()),
        ValueRange{mul(x, loc, count, nIdx)});
  };
  std::optional<ArrayAttr> identity;
  if (auto a = op->getAttrOfType<ArrayAttr>("identity"))
    identity = a;
  // A run's summary over [k0, k1) (k1 > k0), from the identity (else from
  // its first element) or from `st`.
  auto summary = [&](OpBuilder &x, std::optional<ValueRange> st, Value k0, Value k1) {
    SmallVector<Value> acc;
    Value from = k0;
    if (st) {
      acc.assign(st->begin(), st->end());
    } else if (identity) {
      for (Attribute a : *identity)
        acc.push_back(arith::ConstantOp::create(x, loc, cast<TypedAttr>(a)));
    } else {
      acc = element(x, iterOf(x, k0));
      from = add(x, loc, k0, cIndex(x, loc, 1));
    }
    auto loop = buildLoop(x, loc, from, k1, revBase, acc,
                          [&](OpBuilder &nb, Value i, ValueRange a) {
                            return combine(nb, a, element(nb, i));
                          });
    lowerNestedToLoops(loop);
    return SmallVector<Value>(loop.getResults());
  };
  auto lt = [&](OpBuilder &x, Value u, Value v) {
    return cmp(x, loc, arith::CmpIPredicate::slt, u, v);
  };
  auto sendRight = [&](OpBuilder &x, ValueRange st, int64_t t) {
    sendState(x, loc, st, pl.right, t);
  };
  // Whole runs [qa, qb) in parallel, kLanes at a time per thread: the chains
  // of kLanes runs of full length advance together (independent chains the
  // core overlaps), each run's operations in its own order, exactly as
  // alone; other groups run by run. `first(x, q)` is run q's first state,
  // from its iteration `skip` on; `next(x, i, acc)` the state after
  // iteration i; `done(x, q, acc)` takes run q's last state.
  constexpr int64_t kLanes = 4;
  using FirstFn = std::function<SmallVector<Value>(OpBuilder &, Value)>;
  using NextFn = std::function<SmallVector<Value>(OpBuilder &, Value, ValueRange)>;
  using DoneFn = std::function<void(OpBuilder &, Value, ValueRange)>;
  auto wholeRuns = [&](OpBuilder &x, Value qa, Value qb, int64_t skip,
                       const FirstFn &first, const NextFn &next, const DoneFn &done) {
    Value count = maxS(x, loc, sub(x, loc, qb, qa), cIndex(x, loc, 0));
    Value groups = divNoCheck<arith::CeilDivSIOp>(x, loc, count, cIndex(x, loc, kLanes));
    scf::ParallelOp::create(
        x, loc, ValueRange{cIndex(x, loc, 0)}, ValueRange{groups},
        ValueRange{cIndex(x, loc, 1)}, ValueRange{},
        [&](OpBuilder &pb, Location, ValueRange ivs, ValueRange) {
          Value q0 = add(pb, loc, qa, mul(pb, loc, ivs[0], cIndex(pb, loc, kLanes)));
          Value qLast = add(pb, loc, q0, cIndex(pb, loc, kLanes - 1));
          Value full = andOf(
              pb, loc, cmp(pb, loc, arith::CmpIPredicate::slt, qLast, qb),
              cmp(pb, loc, arith::CmpIPredicate::eq,
                  sub(pb, loc, grid.end(pb, loc, qLast), grid.start(pb, loc, qLast)), L));
          scf::IfOp::create(
              pb, loc, full,
              [&](OpBuilder &tb, Location) {
                SmallVector<Value> init, starts;
                for (int64_t j = 0; j < kLanes; ++j) {
                  Value q = add(tb, loc, q0, cIndex(tb, loc, j));
                  starts.push_back(grid.start(tb, loc, q));
                  llvm::append_range(init, first(tb, q));
                }
                auto loop = scf::ForOp::create(
                    tb, loc, cIndex(tb, loc, skip), L, cIndex(tb, loc, 1), init,
                    [&](OpBuilder &fb, Location, Value t, ValueRange acc) {
                      SmallVector<Value> out;
                      for (int64_t j = 0; j < kLanes; ++j)
                        llvm::append_range(
                            out, next(fb, iterOf(fb, add(fb, loc, starts[j], t)),
                                      acc.slice(j * n, n)));
                      scf::YieldOp::create(fb, loc, out);
                    });
                lowerNestedToLoops(loop);
                for (int64_t j = 0; j < kLanes; ++j)
                  done(tb, add(tb, loc, q0, cIndex(tb, loc, j)),
                       ValueRange(loop.getResults()).slice(j * n, n));
                scf::YieldOp::create(tb, loc);
              },
              [&](OpBuilder &eb, Location) {
                scf::ForOp::create(
                    eb, loc, q0,
                    minS(eb, loc, add(eb, loc, q0, cIndex(eb, loc, kLanes)), qb),
                    cIndex(eb, loc, 1), ValueRange{},
                    [&](OpBuilder &rb, Location, Value q, ValueRange) {
                      auto loop = buildLoop(
                          rb, loc,
                          add(rb, loc, grid.start(rb, loc, q), cIndex(rb, loc, skip)),
                          grid.end(rb, loc, q), revBase, first(rb, q),
                          [&](OpBuilder &nb, Value i, ValueRange a) {
                            return next(nb, i, a);
                          });
                      lowerNestedToLoops(loop);
                      done(rb, q, loop.getResults());
                      scf::YieldOp::create(rb, loc);
                    });
                scf::YieldOp::create(eb, loc);
              });
          scf::ReduceOp::create(pb, loc);
        });
  };
  // A run's first state for its summary (from the identity, or its first
  // element) and the summary's step.
  const int64_t sumSkip = identity ? 0 : 1;
  FirstFn sumFirst = [&](OpBuilder &x, Value q) {
    SmallVector<Value> acc;
    if (identity)
      for (Attribute a : *identity)
        acc.push_back(arith::ConstantOp::create(x, loc, cast<TypedAttr>(a)));
    else
      acc = element(x, iterOf(x, grid.start(x, loc, q)));
    return acc;
  };
  NextFn sumNext = [&](OpBuilder &x, Value i, ValueRange a) {
    return combine(x, a, element(x, i));
  };

  // 1. The summaries of the runs this rank ends.
  Runs g = grid.of(b, loc, pl.a, pl.b);
  Value ownedLo =
      select(b, loc, cmp(b, loc, arith::CmpIPredicate::sle, grid.end(b, loc, g.q0), pl.b),
             g.q0, add(b, loc, g.q0, cIndex(b, loc, 1)));
  Value ownedEnd =
      sub(b, loc, add(b, loc, g.q1, cIndex(b, loc, 1)), idxOf(b, loc, g.outLast));
  Value owned = select(b, loc, g.nonEmpty,
                       maxS(b, loc, sub(b, loc, ownedEnd, ownedLo), cIndex(b, loc, 0)),
                       cIndex(b, loc, 0));
  Value sums = i64Buffer(b, owned);
  ifThen(b, loc, g.nonEmpty, [&](OpBuilder &tb) {
    // The last run, when it goes on on the next rank and begins here: first,
    // so that rank waits least.
    ifThen(tb, loc,
           andOf(tb, loc, g.outLast, notOf(tb, loc, andOf(tb, loc, g.single, g.inFirst))),
           [&](OpBuilder &sb) {
             sendRight(sb, summary(sb, std::nullopt, grid.start(sb, loc, g.q1), pl.b),
                       tag + 1);
           });
    Value qa = add(tb, loc, g.q0, idxOf(tb, loc, g.inFirst));
    Value qb =
        sub(tb, loc, add(tb, loc, g.q1, cIndex(tb, loc, 1)), idxOf(tb, loc, g.outLast));
    wholeRuns(tb, qa, qb, sumSkip, sumFirst, sumNext,
              [&](OpBuilder &x, Value q, ValueRange st) {
                storeState(x, loc, st, sums, mul(x, loc, sub(x, loc, q, ownedLo), nIdx));
              });
    // The first run, begun on the rank before.
    ifThen(tb, loc, g.inFirst, [&](OpBuilder &fb) {
      SmallVector<Value> st = recvState(fb, loc, types, pl.left, tag + 1);
      SmallVector<Value> s =
          summary(fb, ValueRange(st), pl.a, minS(fb, loc, pl.b, grid.end(fb, loc, g.q0)));
      scf::IfOp::create(
          fb, loc, andOf(fb, loc, g.single, g.outLast),
          [&](OpBuilder &sb, Location) {
            sendRight(sb, s, tag + 1);
            scf::YieldOp::create(sb, loc);
          },
          [&](OpBuilder &eb, Location) {
            storeState(eb, loc, s, sums, cIndex(eb, loc, 0));
            scf::YieldOp::create(eb, loc);
          });
    });
  });

  // 2. Every run's summary on every rank; the carries in run order.
  Value all = i64Buffer(b, R);
  call(b, loc, "gather_runs",
       {lb, kEnd, cI64(b, loc, revBase ? 1 : 0), revBase ? revBase : cIndex(b, loc, 0), L,
        addr(b, loc, sums), addr(b, loc, all),
        cI64(b, loc, 8 * static_cast<int64_t>(n))});
  Value carries = i64Buffer(b, add(b, loc, R, cIndex(b, loc, 1)));
  const bool hasFloat = llvm::any_of(types, [](Type t) { return isa<FloatType>(t); });
  auto fpAttr = op->getAttrOfType<FloatPolicyAttr>("fp");
  const bool rounds = fpAttr && fpAttr.getValue() == FloatPolicy::Reassociate;
  auto kinds = op->getAttrOfType<ArrayAttr>("kind");
  const bool nanOnly = kinds && llvm::any_of(kinds, [](Attribute k) {
                         auto f = dyn_cast<FoldKindAttr>(k);
                         return f && f.getValue() == FoldKind::Clamp;
                       });
  SmallVector<Value> chainInit(init);
  chainInit.push_back(R);
  auto chain = scf::ForOp::create(
      b, loc, cIndex(b, loc, 0), R, cIndex(b, loc, 1), chainInit,
      [&](OpBuilder &fb, Location, Value q, ValueRange it) {
        ValueRange acc = it.take_front(n);
        storeState(fb, loc, acc, carries, mul(fb, loc, q, nIdx));
        SmallVector<Value> x = loadState(fb, loc, types, all, mul(fb, loc, q, nIdx));
        SmallVector<Value> next = combine(fb, acc, x);
        Value qBad = it[n];
        if (hasFloat) {
          Value bad = arith::OrIOp::create(fb, loc, notFinite(fb, loc, x, nanOnly),
                                           notFinite(fb, loc, next, nanOnly));
          qBad =
              select(fb, loc,
                     andOf(fb, loc, bad, cmp(fb, loc, arith::CmpIPredicate::eq, qBad, R)),
                     q, qBad);
        }
        next.push_back(qBad);
        scf::YieldOp::create(fb, loc, next);
      });
  SmallVector<Value> total(chain.getResults().take_front(n));
  Value qBad = chain.getResults()[n];
  storeState(b, loc, total, carries, mul(b, loc, R, nIdx));
  auto carryOf = [&](OpBuilder &x, Value q) {
    return loadState(x, loc, types, carries, mul(x, loc, q, nIdx));
  };
  Value kBad = minS(b, loc, grid.start(b, loc, qBad), kEnd);

  // 3. Scans: each rank rescans its runs before kBad from their carries.
  if (isScan) {
    Value a3 = minS(b, loc, pl.a, kBad), b3 = minS(b, loc, pl.b, kBad);
    Runs h = grid.of(b, loc, a3, b3);
    ifThen(b, loc, h.nonEmpty, [&](OpBuilder &tb) {
      ifThen(
          tb, loc,
          andOf(tb, loc, h.outLast, notOf(tb, loc, andOf(tb, loc, h.single, h.inFirst))),
          [&](OpBuilder &sb) {
            sendRight(sb, loopFrom(sb, carryOf(sb, h.q1), grid.start(sb, loc, h.q1), b3),
                      tag + 2);
          });
      Value qa = add(tb, loc, h.q0, idxOf(tb, loc, h.inFirst));
      Value qb =
          sub(tb, loc, add(tb, loc, h.q1, cIndex(tb, loc, 1)), idxOf(tb, loc, h.outLast));
      wholeRuns(
          tb, qa, qb, 0, [&](OpBuilder &x, Value q) { return carryOf(x, q); },
          [&](OpBuilder &x, Value i, ValueRange a) { return foldStep(x, p, i, a, live); },
          [](OpBuilder &, Value, ValueRange) {});
      ifThen(tb, loc, h.inFirst, [&](OpBuilder &fb) {
        SmallVector<Value> st = recvState(fb, loc, types, pl.left, tag + 2);
        SmallVector<Value> out =
            loopFrom(fb, st, a3, minS(fb, loc, b3, grid.end(fb, loc, h.q0)));
        ifThen(fb, loc, andOf(fb, loc, h.single, h.outLast),
               [&](OpBuilder &sb) { sendRight(sb, out, tag + 2); });
      });
    });
  }

  // 4. From a run whose floats were not finite on: the loop, as a pipeline.
  SmallVector<Value> result = ifElse(
      b, loc, lt(b, Value(qBad), R),
      [&](OpBuilder &tb) { return pipeline(tb, kBad, carryOf(tb, qBad)); },
      [&](OpBuilder &) { return total; });
  for (Value buf : {sums, all, carries})
    memref::DeallocOp::create(b, loc, buf);
  alg = std::string("across ranks: runs of L iterations from the first (L fixed by the "
                    "trip count), each rank the summaries of the runs it ends (a run "
                    "begun on the rank before goes on from the state it sends), the "
                    "summaries all-gathered and combined in run order on every rank") +
        (isScan ? ", each rank rescans its runs from their carries" : "") +
        (rounds ? "; floats reassociated in that fixed grouping, the same for any rank "
                  "and thread count; from a run whose floats are not finite on, a "
                  "pipeline in rank order"
                : "; exact: the loop's result bit for bit");
  return result;
}

//===----------------------------------------------------------------------===//
// Scatters and histograms
//===----------------------------------------------------------------------===//

void Ranks::scatterAcross(OpBuilder &b, PatternOp p, Value kEnd, std::string &alg) {
  Operation *op = p;
  Location loc = op->getLoc();
  Value target = p.getScatterTarget();
  Region *combiner = p.getCombinerRegion();
  auto tt = cast<MemRefType>(target.getType());
  Type et = tt.getElementType();
  Plan pl = plan(b, loc, p.getLowerBound(), kEnd, Value());
  auto [dims, size] = extents(b, loc, target);
  Value c0 = cIndex(b, loc, 0), c1 = cIndex(b, loc, 1);
  // Iteration i: its indices, whether they are in range, the linear index
  // and the value.
  struct Elem {
    SmallVector<Value> idx;
    Value ok, lin, v;
  };
  auto elementAt = [&](OpBuilder &x, Value i) {
    Elem e;
    SmallVector<Value> vals = inlineRegion(x, p.getElementRegion(), {i});
    e.v = vals.pop_back_val();
    e.idx = vals;
    e.ok = cBool(x, loc, true);
    e.lin = cIndex(x, loc, 0);
    for (auto [d, j] : llvm::enumerate(e.idx)) {
      e.ok = andOf(x, loc, e.ok, cmp(x, loc, arith::CmpIPredicate::ult, j, dims[d]));
      e.lin = add(x, loc, mul(x, loc, e.lin, dims[d]), j);
    }
    return e;
  };
  auto delinearize = [&](OpBuilder &x, Value lin) {
    SmallVector<Value> idx(dims.size());
    for (int64_t d = static_cast<int64_t>(dims.size()) - 1; d >= 0; --d) {
      idx[d] = divNoCheck<arith::RemUIOp>(x, loc, lin, dims[d]);
      lin = divNoCheck<arith::DivUIOp>(x, loc, lin, dims[d]);
    }
    return idx;
  };
  // The local iterations, in order: fn(b, element) where it is in range.
  auto overIterations =
      [&](OpBuilder &x, ValueRange init,
          function_ref<SmallVector<Value>(OpBuilder &, Value, Elem &, ValueRange)> fn) {
        auto loop = scf::ForOp::create(
            x, loc, pl.a, maxS(x, loc, pl.a, pl.b), c1, init,
            [&](OpBuilder &fb, Location, Value i, ValueRange acc) {
              Elem e = elementAt(fb, i);
              SmallVector<Value> next = ifElse(
                  fb, loc, e.ok, [&](OpBuilder &tb) { return fn(tb, i, e, acc); },
                  [&](OpBuilder &) { return SmallVector<Value>(acc); });
              scf::YieldOp::create(fb, loc, next);
            });
        lowerNestedToLoops(loop);
        return loop;
      };
  auto apply = [&](OpBuilder &x, ValueRange idx, Value v) {
    if (combiner)
      v = inlineRegion(x, *combiner, {load(x, loc, target, idx), v}).front();
    store(x, loc, v, target, idx);
  };
  const bool distributed = dist.contains(target);
  std::optional<std::pair<int64_t, int64_t>> monoid;
  if (combiner && !distributed)
    monoid = integerMonoid(*combiner);
  if (!combiner && !distributed) {
    // Last writer wins into a replicated target: per element, the largest
    // iteration that writes it on this rank and its value; all-reduced by the
    // largest iteration.
    auto iters = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI64Type()),
        ValueRange{size});
    auto vals = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, et), ValueRange{size});
    scf::ForOp::create(b, loc, c0, size, c1, ValueRange{},
                       [&](OpBuilder &fb, Location, Value l, ValueRange) {
                         store(fb, loc, cI64(fb, loc, -1), iters, l);
                         scf::YieldOp::create(fb, loc);
                       });
    overIterations(b, {}, [&](OpBuilder &x, Value i, Elem &e, ValueRange) {
      store(x, loc, toI64(x, loc, i), iters, e.lin);
      store(x, loc, e.v, vals, e.lin);
      return SmallVector<Value>();
    });
    call(b, loc, "allreduce_winner",
         {addr(b, loc, iters), addr(b, loc, vals), size, cI64(b, loc, elementBytes(et))});
    scf::ForOp::create(
        b, loc, c0, size, c1, ValueRange{},
        [&](OpBuilder &fb, Location, Value l, ValueRange) {
          Value it = load(fb, loc, iters, l);
          ifThen(fb, loc, cmp(fb, loc, arith::CmpIPredicate::sge, it, cI64(fb, loc, 0)),
                 [&](OpBuilder &tb) {
                   store(tb, loc, load(tb, loc, vals, l), target, delinearize(tb, l));
                 });
          scf::YieldOp::create(fb, loc);
        });
    memref::DeallocOp::create(b, loc, iters);
    memref::DeallocOp::create(b, loc, vals);
    alg = "across ranks: each rank its iterations into per-element winners (the last "
          "iteration writing each element, and its value), all-reduced by the largest "
          "iteration: the loop's last writer";
    return;
  }
  if (monoid) {
    // An integer histogram into a replicated target: a private copy per rank
    // from the identity, all-reduced (exact in any order), then applied.
    auto priv = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, et), ValueRange{size});
    Value ident = arith::ConstantOp::create(b, loc, b.getIntegerAttr(et, monoid->second));
    scf::ForOp::create(b, loc, c0, size, c1, ValueRange{},
                       [&](OpBuilder &fb, Location, Value l, ValueRange) {
                         store(fb, loc, ident, priv, l);
                         scf::YieldOp::create(fb, loc);
                       });
    overIterations(b, {}, [&](OpBuilder &x, Value, Elem &e, ValueRange) {
      Value old = load(x, loc, priv, e.lin);
      store(x, loc, inlineRegion(x, *combiner, {old, e.v}).front(), priv, e.lin);
      return SmallVector<Value>();
    });
    call(b, loc, "allreduce",
         {addr(b, loc, priv), size,
          cI64(b, loc, et.getIntOrFloatBitWidth() == 32 ? 0 : 1),
          cI64(b, loc, monoid->first)});
    scf::ForOp::create(b, loc, c0, size, c1, ValueRange{},
                       [&](OpBuilder &fb, Location, Value l, ValueRange) {
                         apply(fb, delinearize(fb, l), load(fb, loc, priv, l));
                         scf::YieldOp::create(fb, loc);
                       });
    memref::DeallocOp::create(b, loc, priv);
    alg = "across ranks: a private copy of the target per rank, all-reduced (integer " +
          std::string(opName(&*combiner->front().begin())) +
          ": exact in any order) and added to the target";
    return;
  }
  std::optional<int64_t> treeOp;
  if (combiner && !distributed)
    treeOp = floatTreeOp(op, *combiner);
  if (treeOp) {
    // A float histogram into a replicated target: a private copy per tile
    // (tiles of G iterations from the first, G fixed by the trip count and
    // the target's size), each from the identity in iteration order (a tile
    // begun on the rank before goes on from the copy it sends); the tiles'
    // copies combined by one fixed binary tree over the tile indices, the
    // same for any rank count; then added to the target.
    const int64_t tag = nextTag;
    nextTag += 8;
    Value lb = p.getLowerBound();
    Value trip = maxS(b, loc, sub(b, loc, kEnd, lb), c0);
    Value G =
        run > 0
            ? cIndex(b, loc, run)
            : toIndex(b, loc,
                      call(b, loc, "tile_length",
                           {maxS(b, loc, sub(b, loc, p.getUpperBound(), lb), c0), size},
                           true));
    (void)trip;
    RunGrid grid{lb, kEnd, G};
    Runs g = grid.of(b, loc, pl.a, pl.b);
    Value ownedLo = select(
        b, loc, cmp(b, loc, arith::CmpIPredicate::sle, grid.end(b, loc, g.q0), pl.b),
        g.q0, add(b, loc, g.q0, c1));
    Value ownedEnd = sub(b, loc, add(b, loc, g.q1, c1), idxOf(b, loc, g.outLast));
    Value owned =
        select(b, loc, g.nonEmpty, maxS(b, loc, sub(b, loc, ownedEnd, ownedLo), c0), c0);
    auto bufType = MemRefType::get({ShapedType::kDynamic}, et);
    Value leaves =
        memref::AllocOp::create(b, loc, bufType, ValueRange{mul(b, loc, owned, size)});
    Value ident;
    switch (*treeOp) {
    case 0:
      ident = arith::ConstantOp::create(b, loc, b.getFloatAttr(et, 0.0));
      break;
    case 1:
      ident = arith::ConstantOp::create(b, loc, b.getFloatAttr(et, 1.0));
      break;
    case 2:
    case 4:
      ident = arith::ConstantOp::create(
          b, loc, b.getFloatAttr(et, std::numeric_limits<double>::infinity()));
      break;
    default:
      ident = arith::ConstantOp::create(
          b, loc, b.getFloatAttr(et, -std::numeric_limits<double>::infinity()));
      break;
    }
    auto fill = [&](OpBuilder &x, Value buf, Value off) {
      scf::ForOp::create(x, loc, c0, size, c1, ValueRange{},
                         [&](OpBuilder &fb, Location, Value j, ValueRange) {
                           store(fb, loc, ident, buf, ValueRange{add(fb, loc, off, j)});
                           scf::YieldOp::create(fb, loc);
                         });
    };
    // Iterations [k0, k1) into the copy at buf[off ...], in order.
    auto accumulate = [&](OpBuilder &x, Value buf, Value off, Value k0, Value k1) {
      auto loop = scf::ForOp::create(
          x, loc, k0, maxS(x, loc, k0, k1), c1, ValueRange{},
          [&](OpBuilder &fb, Location, Value i, ValueRange) {
            Elem e = elementAt(fb, i);
            ifThen(fb, loc, e.ok, [&](OpBuilder &tb) {
              Value at = add(tb, loc, off, e.lin);
              Value old = load(tb, loc, buf, ValueRange{at});
              store(tb, loc, inlineRegion(tb, *combiner, {old, e.v}).front(), buf,
                    ValueRange{at});
            });
            scf::YieldOp::create(fb, loc);
          });
      lowerNestedToLoops(loop);
    };
    Value bytes = mul(b, loc, size, cIndex(b, loc, elementBytes(et)));
    ifThen(b, loc, g.nonEmpty, [&](OpBuilder &tb) {
      ifThen(
          tb, loc,
          andOf(tb, loc, g.outLast, notOf(tb, loc, andOf(tb, loc, g.single, g.inFirst))),
          [&](OpBuilder &sb) {
            Value part = memref::AllocOp::create(sb, loc, bufType, ValueRange{size});
            fill(sb, part, c0);
            accumulate(sb, part, c0, grid.start(sb, loc, g.q1), pl.b);
            call(sb, loc, "send",
                 {addr(sb, loc, part), bytes, pl.right, cI64(sb, loc, tag)});
            memref::DeallocOp::create(sb, loc, part);
          });
      Value qa = add(tb, loc, g.q0, idxOf(tb, loc, g.inFirst));
      Value qb = sub(tb, loc, add(tb, loc, g.q1, c1), idxOf(tb, loc, g.outLast));
      scf::ParallelOp::create(
          tb, loc, ValueRange{qa}, ValueRange{maxS(tb, loc, qa, qb)}, ValueRange{c1},
          ValueRange{}, [&](OpBuilder &pb, Location, ValueRange ivs, ValueRange) {
            Value q = ivs[0];
            Value off = mul(pb, loc, sub(pb, loc, q, ownedLo), size);
            fill(pb, leaves, off);
            accumulate(pb, leaves, off, grid.start(pb, loc, q), grid.end(pb, loc, q));
            scf::ReduceOp::create(pb, loc);
          });
      ifThen(tb, loc, g.inFirst, [&](OpBuilder &fb) {
        Value part = memref::AllocOp::create(fb, loc, bufType, ValueRange{size});
        call(fb, loc, "recv", {addr(fb, loc, part), bytes, pl.left, cI64(fb, loc, tag)});
        accumulate(fb, part, c0, pl.a, minS(fb, loc, pl.b, grid.end(fb, loc, g.q0)));
        scf::IfOp::create(
            fb, loc, andOf(fb, loc, g.single, g.outLast),
            [&](OpBuilder &sb, Location) {
              call(sb, loc, "send",
                   {addr(sb, loc, part), bytes, pl.right, cI64(sb, loc, tag)});
              scf::YieldOp::create(sb, loc);
            },
            [&](OpBuilder &eb, Location) {
              scf::ForOp::create(eb, loc, c0, size, c1, ValueRange{},
                                 [&](OpBuilder &lb2, Location, Value j, ValueRange) {
                                   store(lb2, loc, load(lb2, loc, part, ValueRange{j}),
                                         leaves, ValueRange{j});
                                   scf::YieldOp::create(lb2, loc);
                                 });
              scf::YieldOp::create(eb, loc);
            });
        memref::DeallocOp::create(fb, loc, part);
      });
    });
    Value rootBuf = memref::AllocOp::create(b, loc, bufType, ValueRange{size});
    Value any =
        call(b, loc, "tree_combine",
             {lb, kEnd, G, addr(b, loc, leaves), size, cI64(b, loc, et.isF32() ? 2 : 3),
              cI64(b, loc, *treeOp), addr(b, loc, rootBuf)},
             true);
    ifThen(b, loc, cmp(b, loc, arith::CmpIPredicate::ne, any, cI64(b, loc, 0)),
           [&](OpBuilder &tb) {
             scf::ForOp::create(tb, loc, c0, size, c1, ValueRange{},
                                [&](OpBuilder &fb, Location, Value l, ValueRange) {
                                  apply(fb, delinearize(fb, l),
                                        load(fb, loc, rootBuf, l));
                                  scf::YieldOp::create(fb, loc);
                                });
           });
    memref::DeallocOp::create(b, loc, leaves);
    memref::DeallocOp::create(b, loc, rootBuf);
    alg =
        "across ranks: a private copy of the target per tile of G iterations (G fixed by "
        "the trip count and the target's size; a tile begun on the rank before goes on "
        "from the copy it sends), the tiles' copies combined by one fixed binary tree "
        "over "
        "the tile indices (each rank its whole subtrees, all-gathered) and added to the "
        "target: " +
        std::string(*treeOp <= 1 ? "floats reassociated in that fixed grouping, the same "
                                   "for any rank and thread count"
                                 : "exact in any grouping");
    return;
  }
  // Records (linear index, iteration, value bits) of the local iterations,
  // sent to the owner of the element's row (distributed target) or to every
  // rank (replicated), and applied in iteration order: the loop's order.
  Value most = maxS(b, loc, sub(b, loc, pl.b, pl.a), c0);
  auto recs = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI64Type()),
      ValueRange{mul(b, loc, most, cIndex(b, loc, 3))});
  Value perRow = c1;
  for (size_t d = 1; d < dims.size(); ++d)
    perRow = mul(b, loc, perRow, dims[d]);
  // Last writer wins into a distributed target: writes into this rank's own
  // rows are made at once and marked; a record from a rank before (an
  // earlier iteration) then loses to the mark.
  const bool direct = distributed && !combiner;
  Value rowsBuf, rowLo, rowHi, marks;
  if (direct) {
    rowsBuf = entryAlloca(loc, MemRefType::get({2}, b.getI64Type()));
    call(b, loc, "rows", {addr(b, loc, rowsBuf)});
    rowLo = toIndex(b, loc, load(b, loc, rowsBuf, ValueRange{c0}));
    rowHi = toIndex(b, loc, load(b, loc, rowsBuf, ValueRange{c1}));
    marks = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type()),
        ValueRange{sub(b, loc, rowHi, rowLo)});
    Value zero8 = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
    scf::ForOp::create(b, loc, c0, sub(b, loc, rowHi, rowLo), c1, ValueRange{},
                       [&](OpBuilder &fb, Location, Value j, ValueRange) {
                         store(fb, loc, zero8, marks, ValueRange{j});
                         scf::YieldOp::create(fb, loc);
                       });
  }
  auto mine = [&](OpBuilder &x, Value row) {
    return andOf(x, loc, cmp(x, loc, arith::CmpIPredicate::sge, row, rowLo),
                 cmp(x, loc, arith::CmpIPredicate::slt, row, rowHi));
  };
  auto loop = overIterations(
      b, ValueRange{c0}, [&](OpBuilder &x, Value i, Elem &e, ValueRange acc) {
        auto record = [&](OpBuilder &y) {
          Value at = mul(y, loc, acc[0], cIndex(y, loc, 3));
          store(y, loc, toI64(y, loc, e.lin), recs, at);
          store(y, loc, toI64(y, loc, i), recs, add(y, loc, at, c1));
          store(y, loc, toBits(y, loc, e.v), recs, add(y, loc, at, cIndex(y, loc, 2)));
          return SmallVector<Value>{add(y, loc, acc[0], c1)};
        };
        if (!direct)
          return record(x);
        Value row = divNoCheck<arith::DivUIOp>(x, loc, e.lin, perRow);
        return ifElse(
            x, loc, mine(x, row),
            [&](OpBuilder &tb) {
              store(tb, loc, e.v, target, e.idx);
              store(tb, loc, arith::ConstantOp::create(tb, loc, tb.getI8IntegerAttr(1)),
                    marks, ValueRange{sub(tb, loc, row, rowLo)});
              return SmallVector<Value>{acc[0]};
            },
            record);
      });
  Value got = toIndex(b, loc,
                      call(b, loc, "exchange",
                           {addr(b, loc, recs), loop.getResult(0), perRow,
                            cI64(b, loc, distributed ? 0 : 1)},
                           true));
  auto in = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI64Type()),
      ValueRange{mul(b, loc, got, cIndex(b, loc, 3))});
  call(b, loc, "take_records", {addr(b, loc, in)});
  scf::ForOp::create(
      b, loc, c0, got, c1, ValueRange{},
      [&](OpBuilder &fb, Location, Value r, ValueRange) {
        Value at = mul(fb, loc, r, cIndex(fb, loc, 3));
        Value lin = toIndex(fb, loc, load(fb, loc, in, at));
        Value v = fromBits(fb, loc,
                           load(fb, loc, in, add(fb, loc, at, cIndex(fb, loc, 2))), et);
        if (!direct) {
          apply(fb, delinearize(fb, lin), v);
        } else {
          // From a rank before, over a write of this rank: loses.
          Value k = toIndex(fb, loc, load(fb, loc, in, add(fb, loc, at, c1)));
          Value row = divNoCheck<arith::DivUIOp>(fb, loc, lin, perRow);
          Value marked = cmp(fb, loc, arith::CmpIPredicate::ne,
                             load(fb, loc, marks, ValueRange{sub(fb, loc, row, rowLo)}),
                             arith::ConstantOp::create(fb, loc, fb.getI8IntegerAttr(0)));
          Value loses =
              andOf(fb, loc, cmp(fb, loc, arith::CmpIPredicate::slt, k, pl.a), marked);
          ifThen(fb, loc, notOf(fb, loc, loses),
                 [&](OpBuilder &tb) { apply(tb, delinearize(tb, lin), v); });
        }
        scf::YieldOp::create(fb, loc);
      });
  memref::DeallocOp::create(b, loc, recs);
  memref::DeallocOp::create(b, loc, in);
  if (direct)
    memref::DeallocOp::create(b, loc, marks);
  alg =
      distributed
          ? "across ranks: (element, iteration, value) records sent to the rank holding "
            "the element's row (all-to-all) and applied there in iteration order: the "
            "loop's result bit for bit"
          : "across ranks: (element, iteration, value) records all-gathered and applied "
            "in iteration order on every rank: the loop's result bit for bit";
}

//===----------------------------------------------------------------------===//
// Loops kept sequential: a pipeline in rank order
//===----------------------------------------------------------------------===//

void Ranks::loopAcross(SequentialOp s, scf::ForOp loop) {
  Location loc = s.getLoc();
  const int64_t tag = nextTag;
  nextTag += 8;
  // The sequential op's body, inlined here: the loop is then at the level of
  // the function's own control flow.
  std::string reason = s.getReason().str();
  std::string where = statementLocation(s);
  {
    Block &body = s.getBody().front();
    auto yield = cast<YieldOp>(body.getTerminator());
    SmallVector<Value> results(yield.getValues());
    for (Operation &o : llvm::make_early_inc_range(body.without_terminator()))
      o.moveBefore(s);
    s->replaceAllUsesWith(results);
    s->erase();
  }
  // Memory of every rank the loop writes: passed along with its state.
  llvm::SetVector<Value> shared;
  loop.walk([&](memref::StoreOp st) {
    if (!dist.contains(st.getMemRef()) && !insideOp(loop, st.getMemRef()))
      shared.insert(st.getMemRef());
  });
  OpBuilder b(loop);
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
  bool impossible = false;
  Value F;
  if (checked)
    F = probe(b, loc, loop, lb, ub, Value(), impossible);
  if (impossible)
    return gatherFallback(loop, "sequential", where,
                          "kept sequential (" + reason +
                              "), and its checks depend on what it computes");
  Operation *pristine = F ? loop->clone() : nullptr;
  markUnchecked(loop);
  // What used the loop's results, before the code below uses them too.
  SmallVector<SmallVector<OpOperand *>> uses(loop.getNumResults());
  for (auto [j, r] : llvm::enumerate(loop.getResults()))
    for (OpOperand &u : r.getUses())
      uses[j].push_back(&u);

  Value kEnd = F ? F : ub;
  Plan pl = plan(b, loc, lb, kEnd, Value());
  SmallVector<Value> init(loop.getInitArgs());
  SmallVector<Type> types(loop.getResultTypes());
  Value has = cmp(b, loc, arith::CmpIPredicate::slt, pl.a, pl.b);
  auto some = [&](OpBuilder &x, Value r) {
    return cmp(x, loc, arith::CmpIPredicate::sge, r, cI64(x, loc, 0));
  };
  SmallVector<Value> st = ifElse(
      b, loc, andOf(b, loc, has, some(b, pl.left)),
      [&](OpBuilder &tb) {
        SmallVector<Value> r = recvState(tb, loc, types, pl.left, tag + 3);
        for (auto [j, m] : llvm::enumerate(shared))
          call(tb, loc, "recv",
               {addr(tb, loc, m), wholeBytes(tb, loc, m), pl.left,
                cI64(tb, loc, tag + 4 + static_cast<int64_t>(j))});
        return r;
      },
      [&](OpBuilder &) { return init; });
  loop.setLowerBound(pl.a);
  loop.setUpperBound(maxS(b, loc, pl.a, pl.b));
  loop.getInitArgsMutable().assign(st);
  b.setInsertionPointAfter(loop);
  SmallVector<Value> mine(loop.getResults());
  ifThen(b, loc, andOf(b, loc, has, some(b, pl.right)), [&](OpBuilder &tb) {
    sendState(tb, loc, mine, pl.right, tag + 3);
    for (auto [j, m] : llvm::enumerate(shared))
      call(tb, loc, "send",
           {addr(tb, loc, m), wholeBytes(tb, loc, m), pl.right,
            cI64(tb, loc, tag + 4 + static_cast<int64_t>(j))});
  });
  SmallVector<Value> out = ifElse(
      b, loc, some(b, pl.lastOwner),
      [&](OpBuilder &tb) {
        for (Value m : shared)
          call(tb, loc, "bcast",
               {addr(tb, loc, m), wholeBytes(tb, loc, m), pl.lastOwner});
        return bcastState(tb, loc, mine, pl.lastOwner);
      },
      [&](OpBuilder &) { return mine; });
  for (auto [j, list] : llvm::enumerate(uses))
    for (OpOperand *u : list)
      u->set(out[j]);
  if (pristine) {
    auto last = cast<scf::ForOp>(pristine);
    failAt(b, loc, F, ub, Value(), [&](OpBuilder &ob) {
      Value next = add(ob, loc, F, cIndex(ob, loc, 1));
      auto l = cast<scf::ForOp>(ob.clone(*last));
      l.setLowerBound(F);
      l.setUpperBound(next);
      l.getInitArgsMutable().assign(out);
      lowerNestedToLoops(l);
    });
    pristine->destroy();
  }
  lowerNestedToLoops(loop);
  recordAlgorithm(
      module, where, "sequential",
      "kept sequential across ranks (" + reason +
          "): a pipeline in rank order, each rank its rows from the state the "
          "rank before sends" +
          (F ? kProbedNote : ""));
}

//===----------------------------------------------------------------------===//
// Accesses outside pattern ops, made by the row's rank
//===----------------------------------------------------------------------===//

void Ranks::glueAccess(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  auto l = dyn_cast<memref::LoadOp>(op);
  auto s = dyn_cast<memref::StoreOp>(op);
  Value m = l ? l.getMemRef() : s.getMemRef();
  SmallVector<Value> idx(l ? l.getIndices() : s.getIndices());
  Value inRange = cBool(b, loc, true);
  if (checked)
    for (auto [d, j] : llvm::enumerate(idx))
      inRange = andOf(b, loc, inRange,
                      cmp(b, loc, arith::CmpIPredicate::ult, j,
                          memref::DimOp::create(b, loc, m, static_cast<int64_t>(d))));
  auto owned = [&](OpBuilder &x) {
    Value owner = call(x, loc, "row_owner", {idx[0]}, true);
    return std::make_pair(owner,
                          cmp(x, loc, arith::CmpIPredicate::eq, owner, rank(x, loc)));
  };
  if (s) {
    // Out of range: every rank makes the store, whose check raises alike.
    scf::IfOp::create(
        b, loc, inRange,
        [&](OpBuilder &tb, Location) {
          ifThen(tb, loc, owned(tb).second, [&](OpBuilder &ob) { ob.clone(*op); });
          scf::YieldOp::create(tb, loc);
        },
        [&](OpBuilder &eb, Location) {
          eb.clone(*op);
          scf::YieldOp::create(eb, loc);
        });
    op->erase();
    return;
  }
  Type t = l.getType();
  SmallVector<Value> v = ifElse(
      b, loc, inRange,
      [&](OpBuilder &tb) {
        auto [owner, mine] = owned(tb);
        SmallVector<Value> got = ifElse(
            tb, loc, mine,
            [&](OpBuilder &ob) {
              return SmallVector<Value>{ob.clone(*op)->getResult(0)};
            },
            [&](OpBuilder &ob) {
              return SmallVector<Value>{fromBits(ob, loc, cI64(ob, loc, 0), t)};
            });
        return bcastState(tb, loc, got, owner);
      },
      [&](OpBuilder &eb) { return SmallVector<Value>{eb.clone(*op)->getResult(0)}; });
  op->getResult(0).replaceAllUsesWith(v[0]);
  op->erase();
}

//===----------------------------------------------------------------------===//
// One outermost op that touches distributed tensors
//===----------------------------------------------------------------------===//

void Ranks::unit(Operation *op) {
  if (auto s = dyn_cast<SequentialOp>(op)) {
    scf::ForOp loop = rowLoop(s);
    std::string why = "a loop kept sequential that reads or writes distributed tensors "
                      "other than at its own row";
    if (loop) {
      why = notLocal(loop, {loop.getInductionVar()}, /*replicatedWrites=*/true);
      for (Type t : loop.getResultTypes())
        if (why.empty() && !packable(t))
          why = "its state has a type that cannot be sent";
      if (why.empty())
        return loopAcross(s, loop);
    }
    return gatherFallback(op, why);
  }
  auto p = cast<PatternOp>(op);
  SmallVector<Value> ivs{p.getElementRegion().front().getArgument(0)};
  if (Region *c = p.getConsumerRegion())
    ivs.push_back(c->front().getArgument(0));
  std::string why = notLocal(op, ivs, /*replicatedWrites=*/false);
  const bool isFold = p.getCombinerRegion() && !p.getScatterTarget();
  if (why.empty() && isFold)
    for (Type t : op->getResultTypes())
      if (!packable(t))
        why = "its state has a type that cannot be sent";
  if (why.empty())
    if (Value t = p.getScatterTarget())
      if (!packable(cast<MemRefType>(t.getType()).getElementType()))
        why = "its target's element type cannot be sent";
  if (!why.empty())
    return gatherFallback(op, why);

  OpBuilder b(op);
  Location loc = op->getLoc();
  Value lb = p.getLowerBound(), ub = p.getUpperBound();
  Value revBase = reverseBase(b, loc, lb, ub, p.isReverse());
  bool impossible = false;
  Value F;
  if (checked)
    F = probe(b, loc, op, lb, ub, revBase, impossible);
  if (impossible)
    return gatherFallback(op, "its checks depend on what it computes");
  // What the failing iteration runs keeps its checks; the rest has none.
  Operation *pristine = F ? op->clone() : nullptr;
  markUnchecked(op);
  Value kEnd = F ? F : ub;
  std::string alg;
  SmallVector<Value> results;
  if (auto map = dyn_cast<MapOp>(op)) {
    mapAcross(map, kEnd);
    alg = "across ranks: each rank the iterations of its rows";
    b.setInsertionPointAfter(op);
  } else if (isFold) {
    results = foldAcross(b, p, kEnd, alg);
  } else {
    scatterAcross(b, p, kEnd, alg);
  }
  if (pristine) {
    auto q = cast<PatternOp>(pristine);
    failAt(b, loc, F, ub, revBase, [&](OpBuilder &ob) {
      Value next = add(ob, loc, F, cIndex(ob, loc, 1));
      scf::ForOp one;
      if (q.getScatterTarget() || !q.getCombinerRegion())
        one = buildLoop(
            ob, loc, F, next, Value(), {}, [&](OpBuilder &nb, Value i, ValueRange) {
              SmallVector<Value> e = inlineRegion(nb, q.getElementRegion(), {i});
              if (Value t = q.getScatterTarget()) {
                Value v = e.pop_back_val();
                if (Region *c = q.getCombinerRegion())
                  v = inlineRegion(nb, *c, {memref::LoadOp::create(nb, loc, t, e), v})
                          .front();
                memref::StoreOp::create(nb, loc, v, t, e);
              }
              return SmallVector<Value>();
            });
      else
        one = foldLoop(ob, q, F, next, revBase, results, liveSlots(q));
      lowerNestedToLoops(one);
    });
    pristine->destroy();
  }
  if (F)
    alg += kProbedNote;
  record(op, alg);
  if (!isa<MapOp>(op)) {
    op->replaceAllUsesWith(results);
    op->erase();
  }
}

//===----------------------------------------------------------------------===//
// The function
//===----------------------------------------------------------------------===//

void Ranks::collect(Region &r, SmallVectorImpl<Operation *> &units,
                    SmallVectorImpl<Operation *> &accesses, std::string &error) {
  for (Block &blk : r)
    for (Operation &o : blk) {
      if (isa<PatternOp>(o)) {
        if (touchesDist(&o))
          units.push_back(&o);
        continue;
      }
      if (auto s = dyn_cast<SequentialOp>(o)) {
        if (!touchesDist(s))
          continue;
        if (accessesDirectly(s)) {
          units.push_back(s);
          continue;
        }
        // Only its pattern ops reach the rows: its own control flow runs
        // alike on every rank.
        collect(s.getBody(), units, accesses, error);
        continue;
      }
      Value m;
      if (auto l = dyn_cast<memref::LoadOp>(o))
        m = l.getMemRef();
      else if (auto st = dyn_cast<memref::StoreOp>(o))
        m = st.getMemRef();
      if (m && dist.contains(m)) {
        accesses.push_back(&o);
        continue;
      }
      for (Value v : o.getOperands())
        if (dist.contains(v) && !isa<memref::DimOp>(o) && error.empty())
          error = "'" + tensorName(v) + "' is used by " +
                  o.getName().getStringRef().str() + ", which cannot run across ranks";
      for (Region &sub : o.getRegions())
        collect(sub, units, accesses, error);
    }
}

LogicalResult Ranks::rewrite() {
  SmallVector<Operation *> units, accesses;
  std::string error;
  collect(fn.getBody(), units, accesses, error);
  if (!error.empty())
    return fn.emitError("seqfuse-distribute-ranks: ") << error;
  for (Operation *op : accesses)
    glueAccess(op);
  for (Operation *op : units)
    unit(op);
  return success();
}

struct DistributeRanks : seqfuse::impl::DistributeRanksPassBase<DistributeRanks> {
  using DistributeRanksPassBase::DistributeRanksPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (run < 0) {
      module.emitError("seqfuse-distribute-ranks: run must be >= 0");
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> fns(module.getOps<func::FuncOp>());
    for (func::FuncOp fn : fns) {
      if (fn.isExternal())
        continue;
      Ranks r(module, fn, checked, run);
      // The tensors whose first dimension is the named size `dim` ("n", as
      // the DSL's "n#0"); else, where an argument is named `dim`, those whose
      // first dimension is its first (itself alone where its extent is free).
      auto firstDim = [&](BlockArgument a) -> std::string {
        auto dims = fn.getArgAttrOfType<ArrayAttr>(a.getArgNumber(), attrs::kArgDims);
        if (!isa<MemRefType>(a.getType()) || !dims || dims.empty())
          return "";
        auto s = dyn_cast<StringAttr>(dims[0]);
        return s ? s.getValue().str() : "";
      };
      for (BlockArgument a : fn.getArguments()) {
        std::string d = firstDim(a);
        if (d == dim || StringRef(d).starts_with(dim + "#"))
          r.dist.insert(a);
      }
      if (r.dist.empty())
        for (BlockArgument a : fn.getArguments()) {
          auto name = fn.getArgAttrOfType<StringAttr>(a.getArgNumber(), attrs::kArgName);
          std::string d = firstDim(a);
          if (!name || name.getValue() != dim || d.empty())
            continue;
          r.dist.insert(a);
          if (d != "?")
            for (BlockArgument o : fn.getArguments())
              if (firstDim(o) == d)
                r.dist.insert(o);
        }
      if (r.dist.empty())
        continue;
      if (failed(r.rewrite()))
        return signalPassFailure();
    }
  }
};

} // namespace
