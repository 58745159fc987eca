//===- Bounds.cpp - what is known about indices and names -----------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using seqfuse::constIndex;

std::optional<int64_t> seqfuse::constIndex(Value v) {
  APInt c;
  if (v && matchPattern(v, m_ConstantInt(&c)))
    return c.getSExtValue();
  return std::nullopt;
}

namespace {

/// The `seqfuse.dims` name of a function argument's dimension, if any.
std::optional<std::string> dimName(Value memref, int64_t d) {
  auto arg = dyn_cast<BlockArgument>(memref);
  if (!arg)
    return std::nullopt;
  // The kernel function, or a GPU kernel made from it (which keeps its
  // arguments' attributes).
  auto fn = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!fn || !arg.getOwner()->isEntryBlock() ||
      arg.getArgNumber() >= fn.getNumArguments())
    return std::nullopt;
  auto dims =
      fn.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), seqfuse::attrs::kArgDims);
  if (!dims || d < 0 || d >= static_cast<int64_t>(dims.size()))
    return std::nullopt;
  auto s = dyn_cast<StringAttr>(dims[d]);
  if (!s || s.getValue() == "?")
    return std::nullopt;
  return s.getValue().str();
}

/// True when extent (m2, d2) is known to equal extent (m, d).
bool sameExtent(Value m2, int64_t d2, Value m, int64_t d) {
  if (m2 == m && d2 == d)
    return true;
  auto t1 = cast<MemRefType>(m2.getType()), t2 = cast<MemRefType>(m.getType());
  if (!t1.isDynamicDim(d2) && !t2.isDynamicDim(d) &&
      t1.getDimSize(d2) == t2.getDimSize(d))
    return true;
  auto n1 = dimName(m2, d2), n2 = dimName(m, d);
  return n1 && n2 && *n1 == *n2;
}

/// True when `ub` is known to be <= extent(m, d).
bool boundedByExtent(Value ub, Value m, int64_t d) {
  auto mt = cast<MemRefType>(m.getType());
  // min(a, b) <= a and <= b (a chunk's end: min(lo + chunk, ub)).
  if (auto min = ub.getDefiningOp<arith::MinSIOp>())
    return boundedByExtent(min.getLhs(), m, d) || boundedByExtent(min.getRhs(), m, d);
  if (auto c = constIndex(ub))
    return !mt.isDynamicDim(d) && *c <= mt.getDimSize(d);
  if (auto dim = ub.getDefiningOp<memref::DimOp>()) {
    auto dd = constIndex(dim.getIndex());
    auto src = dyn_cast<MemRefType>(dim.getSource().getType());
    // A dimension index out of range (memref.dim %m, -1) proves nothing.
    return dd && src && *dd >= 0 && *dd < src.getRank() &&
           sameExtent(dim.getSource(), *dd, m, d);
  }
  return false;
}

/// True when `v >= lo` is known: v is lo, lo + (something >= 0), or the
/// induction variable of a positive-step loop starting at a value >= lo. The
/// values are loop bounds and chunk starts below an upper bound that is an
/// extent, so the additions cannot wrap.
bool atLeast(Value v, Value lo, int depth = 0) {
  if (v == lo)
    return true;
  if (depth > 8)
    return false;
  if (auto c = constIndex(v), l = constIndex(lo); c && l)
    return *c >= *l;
  if (auto sel = v.getDefiningOp<arith::SelectOp>())
    return atLeast(sel.getTrueValue(), lo, depth + 1) &&
           atLeast(sel.getFalseValue(), lo, depth + 1);
  if (auto add = v.getDefiningOp<arith::AddIOp>())
    return (atLeast(add.getLhs(), lo, depth + 1) &&
            atLeast(add.getRhs(), Value(), depth + 1)) ||
           (atLeast(add.getRhs(), lo, depth + 1) &&
            atLeast(add.getLhs(), Value(), depth + 1));
  if (!lo) { // v >= 0
    if (auto c = constIndex(v))
      return *c >= 0;
    if (auto mul = v.getDefiningOp<arith::MulIOp>())
      return atLeast(mul.getLhs(), Value(), depth + 1) &&
             atLeast(mul.getRhs(), Value(), depth + 1);
  }
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || !arg.getType().isIndex())
    return false;
  if (auto loop = scf::getForInductionVarOwner(v)) {
    auto step = constIndex(loop.getStep());
    return step && *step > 0 && atLeast(loop.getLowerBound(), lo, depth + 1);
  }
  if (auto par = dyn_cast<scf::ParallelOp>(arg.getOwner()->getParentOp())) {
    unsigned k = arg.getArgNumber();
    auto step = constIndex(par.getStep()[k]);
    return step && *step > 0 && atLeast(par.getLowerBound()[k], lo, depth + 1);
  }
  return false;
}

/// True when `v <= hi` is known: v is hi or min(a, b) with a or b <= hi.
bool atMost(Value v, Value hi) {
  if (v == hi)
    return true;
  if (auto min = v.getDefiningOp<arith::MinSIOp>())
    return atMost(min.getLhs(), hi) || atMost(min.getRhs(), hi);
  return false;
}

/// True when `iv` is the induction variable of a unit-step loop over
/// [lb >= 0, ub <= extent(m, d)).
bool loopWithinExtent(scf::ForOp loop, Value m, int64_t d) {
  auto step = constIndex(loop.getStep());
  return atLeast(loop.getLowerBound(), Value()) && step && *step > 0 &&
         boundedByExtent(loop.getUpperBound(), m, d);
}

/// The iteration index of a seqfuse pattern op (the first argument of a map's
/// body, a fold's element or a scan's body, a scatter's element), which takes
/// every value of [lowerBound, upperBound) once: that op; else null.
Operation *patternIndexOwner(Value idx) {
  auto arg = dyn_cast<BlockArgument>(idx);
  if (!arg || arg.getArgNumber() != 0 || !arg.getType().isIndex())
    return nullptr;
  Region *r = arg.getOwner()->getParent();
  Operation *op = r ? r->getParentOp() : nullptr;
  if (!op || !arg.getOwner()->isEntryBlock())
    return nullptr;
  auto pattern = dyn_cast<seqfuse::PatternOp>(op);
  return pattern && pattern.takesIteration(*r) ? op : nullptr;
}

} // namespace

bool seqfuse::provablyInBounds(Value idx, Value m, int64_t d) {
  auto mt = cast<MemRefType>(m.getType());
  if (auto c = constIndex(idx))
    return *c >= 0 && !mt.isDynamicDim(d) && *c < mt.getDimSize(d);
  if (Operation *op = patternIndexOwner(idx)) {
    auto lb = constIndex(op->getOperand(0));
    return lb && *lb >= 0 && boundedByExtent(op->getOperand(1), m, d);
  }
  if (auto loop = scf::getForInductionVarOwner(idx))
    return loopWithinExtent(loop, m, d);
  // Reverse loop: (lo + hi - 1) - k with k in [lo, hi). Canonicalisation
  // folds lo + hi to hi when lo = 0, and may write "- 1" as "+ -1".
  if (auto sub = idx.getDefiningOp<arith::SubIOp>()) {
    // k: a positive-step loop's induction variable, or a pattern op's iteration
    // index, in [kLb, kUb).
    Value kLb, kUb;
    if (auto loop = scf::getForInductionVarOwner(sub.getRhs())) {
      auto step = constIndex(loop.getStep());
      if (!step || *step <= 0)
        return false;
      kLb = loop.getLowerBound();
      kUb = loop.getUpperBound();
    } else if (Operation *op = patternIndexOwner(sub.getRhs())) {
      kLb = op->getOperand(0);
      kUb = op->getOperand(1);
    } else {
      return false;
    }
    Value sum;
    if (auto base = sub.getLhs().getDefiningOp<arith::SubIOp>();
        base && constIndex(base.getRhs()) == 1)
      sum = base.getLhs();
    else if (auto base = sub.getLhs().getDefiningOp<arith::AddIOp>();
             base && constIndex(base.getRhs()) == -1)
      sum = base.getLhs();
    if (!sum)
      return false;
    // k in [lo', hi') within [lo, hi) (a chunk of the reversed range) gives
    // i in [lo, hi).
    Value lo, hi;
    if (auto add = sum.getDefiningOp<arith::AddIOp>()) {
      lo = add.getLhs();
      hi = add.getRhs();
    } else {
      hi = sum; // lo + hi folded to hi (lo = 0): i = hi - 1 - k, k >= 0
    }
    if (!hi || !atMost(kUb, hi) || !boundedByExtent(hi, m, d))
      return false;
    if (lo)
      return atLeast(lo, Value()) && atLeast(kLb, lo);
    return atLeast(kLb, Value());
  }
  return false;
}

bool seqfuse::mayFault(Operation *op) {
  // A scatter stores (a histogram also loads) at the indices its element
  // yields.
  if (isa<seqfuse::ScatterOp, seqfuse::ScatterCombineOp>(op)) {
    Value target = op->getOperand(2);
    Region &element = op->getRegion(0);
    if (element.empty() || element.front().empty())
      return true;
    auto yield = dyn_cast<seqfuse::YieldOp>(&element.front().back());
    auto rank = cast<MemRefType>(target.getType()).getRank();
    if (!yield || static_cast<int64_t>(yield.getValues().size()) != rank + 1)
      return true;
    for (int64_t d = 0; d < rank; ++d)
      if (!provablyInBounds(yield.getValues()[d], target, d))
        return true;
  }
  if (op->getNumRegions() > 0) {
    bool any = false;
    op->walk([&](Operation *inner) {
      if (inner != op && mayFault(inner))
        any = true;
    });
    return any;
  }
  auto indexFaults = [](Value m, ValueRange indices) {
    for (auto [d, idx] : llvm::enumerate(indices))
      if (!provablyInBounds(idx, m, static_cast<int64_t>(d)))
        return true;
    return false;
  };
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return indexFaults(load.getMemRef(), load.getIndices());
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return indexFaults(store.getMemRef(), store.getIndices());
  if (isa<arith::DivSIOp, arith::RemSIOp, arith::DivUIOp, arith::RemUIOp,
          arith::CeilDivSIOp, arith::FloorDivSIOp, arith::CeilDivUIOp>(op)) {
    auto c = constIndex(op->getOperand(1));
    return !c || *c == 0 || *c == -1;
  }
  // Calls (e.g. a failed check) may not return.
  return isa<func::CallOp>(op);
}

std::string seqfuse::tensorName(Value memref) {
  if (auto arg = dyn_cast<BlockArgument>(memref))
    if (auto fn = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
        fn && arg.getOwner()->isEntryBlock() && arg.getArgNumber() < fn.getNumArguments())
      if (auto n = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), attrs::kArgName))
        return n.getValue().str();
  // A copy of a tensor made under its name (seqfuse-distribute-ranks).
  if (Operation *def = memref.getDefiningOp())
    if (auto n = def->getAttrOfType<StringAttr>(attrs::kArgName))
      return n.getValue().str();
  return "<memref>";
}

std::string seqfuse::fileLine(Location loc) {
  std::string out;
  loc->walk([&](Location l) {
    if (auto fl = dyn_cast<FileLineColLoc>(l)) {
      out = fl.getFilename().str() + ":" + std::to_string(fl.getLine());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return out;
}
