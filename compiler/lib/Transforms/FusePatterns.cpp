//===- FusePatterns.cpp - neighbouring pattern ops into one ---------------===//
//
// The rewrite and its legality are in Passes.td (FusePatternsPass). A fused
// op does, per iteration, the first op's work and then the second's; the
// result is what running all of the first and then all of the second gives,
// because every memref both touch (one writing) is accessed only at the same
// iteration-owned element, the elements of a fold read nothing the other op
// writes (except a value a map before it stores at the same iteration, which
// the fused element computes itself), and nothing can raise.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/PassAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <set>

namespace seqfuse {
#define GEN_PASS_DEF_FUSEPATTERNSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;

namespace {

bool fusable(Operation *op) { return isa<MapOp, ReduceOp, ScanOp>(op); }

bool reverseOf(Operation *op) {
  if (auto r = dyn_cast<ReduceOp>(op))
    return r.getReverse();
  if (auto s = dyn_cast<ScanOp>(op))
    return s.getReverse();
  return false;
}

/// Bounds known equal: the same value, equal constants, or the same
/// dimension of the same memref.
bool sameBound(Value a, Value b) {
  if (a == b)
    return true;
  auto ca = constIndex(a), cb = constIndex(b);
  if (ca || cb)
    return ca && cb && *ca == *cb;
  auto da = a.getDefiningOp<memref::DimOp>(), db = b.getDefiningOp<memref::DimOp>();
  if (!da || !db || da.getSource() != db.getSource())
    return false;
  auto ia = constIndex(da.getIndex()), ib = constIndex(db.getIndex());
  return ia && ib && *ia == *ib;
}

struct Access {
  Value memref;
  SmallVector<Value> indices;
  bool write;
  Value iv;       // the pattern op's iteration index where the access is
  bool inElement; // in a fold's element region
};

/// The memory accesses inside `root`; false when something else touches
/// memory (a call, an unknown op).
bool collect(Operation *root, SmallVector<Access> &out) {
  bool known = true;
  root->walk([&](Operation *op) {
    // A scatter writes (a histogram also reads) its target at indices its
    // element yields: any element, never an owned one.
    if (isa<ScatterOp, ScatterCombineOp>(op)) {
      Value t = op->getOperand(2);
      out.push_back({t, {}, true, Value(), false});
      if (isa<ScatterCombineOp>(op))
        out.push_back({t, {}, false, Value(), false});
    }
    if (op == root)
      return;
    Value m;
    SmallVector<Value> idx;
    bool write = false;
    if (auto l = dyn_cast<memref::LoadOp>(op)) {
      m = l.getMemRef();
      idx.assign(l.getIndices().begin(), l.getIndices().end());
    } else if (auto s = dyn_cast<memref::StoreOp>(op)) {
      m = s.getMemRef();
      idx.assign(s.getIndices().begin(), s.getIndices().end());
      write = true;
    } else {
      if (op->getNumRegions() == 0 && !isMemoryEffectFree(op) && !isa<memref::DimOp>(op))
        known = false;
      return;
    }
    // The region of `root` holding the access gives the iteration index.
    Region *r = op->getParentRegion();
    while (r->getParentOp() != root)
      r = r->getParentOp()->getParentRegion();
    Block &entry = r->front();
    auto pattern = dyn_cast<PatternOp>(root);
    bool iteration = !pattern || pattern.takesIteration(*r);
    Value iv = iteration && entry.getNumArguments() ? entry.getArgument(0) : Value();
    bool inElement = isa<ReduceOp, ScanOp>(root) && r->getRegionNumber() == 0;
    out.push_back({m, idx, write, iv, inElement});
  });
  return known;
}

/// c in idx = iv + c (iv, iv + c, c + iv, iv - c with c constant).
std::optional<int64_t> ivOffset(Value idx, Value iv) {
  if (!iv)
    return std::nullopt;
  if (idx == iv)
    return 0;
  if (auto add = idx.getDefiningOp<arith::AddIOp>()) {
    if (add.getLhs() == iv)
      return constIndex(add.getRhs());
    if (add.getRhs() == iv)
      return constIndex(add.getLhs());
  }
  if (auto sub = idx.getDefiningOp<arith::SubIOp>())
    if (sub.getLhs() == iv)
      if (auto c = constIndex(sub.getRhs()))
        return -*c;
  return std::nullopt;
}

bool mayFaultAny(Operation *op) { return mayFault(op); }

/// Values `op` (its operands and its regions) uses that are defined outside it.
llvm::SetVector<Value> capturedValues(Operation *op) {
  llvm::SetVector<Value> out;
  op->walk([&](Operation *inner) {
    for (Value v : inner->getOperands()) {
      Operation *def = v.getDefiningOp();
      Region *r = v.getParentRegion();
      bool inside = def ? op->isAncestor(def) : op->isAncestor(r->getParentOp());
      if (!inside)
        out.insert(v);
    }
  });
  return out;
}

/// Bytes per iteration `op`'s loop reads and writes: each element at a
/// fixed offset from the iteration counted once (a load and a store of
/// y[i] are one element), each other access (an index from data) once per
/// access; a fused op's own figure where fusion recorded one. -1: unknown.
int64_t bytesPerIteration(Operation *op, bool recorded) {
  if (recorded)
    if (auto b = op->getAttrOfType<IntegerAttr>(kBytesBeforeAttr))
      return b.getInt();
  SmallVector<Access> acc;
  if (!collect(op, acc))
    return -1;
  std::set<std::pair<void *, SmallVector<int64_t>>> seen;
  int64_t bytes = 0;
  for (const Access &x : acc) {
    auto type = dyn_cast<MemRefType>(x.memref.getType());
    if (!type)
      return -1;
    int64_t size = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    SmallVector<int64_t> key;
    bool fixed = !x.indices.empty() || type.getRank() == 0;
    for (Value idx : x.indices) {
      auto off = ivOffset(idx, x.iv);
      if (!off && !constIndex(idx)) {
        fixed = false;
        break;
      }
      key.push_back(off ? *off : (int64_t(1) << 40) + *constIndex(idx));
    }
    if (fixed && !seen.insert({x.memref.getAsOpaquePointer(), key}).second)
      continue;
    bytes += size;
  }
  return bytes;
}

llvm::SmallPtrSet<Value, 8> writtenBy(ArrayRef<Access> accesses) {
  llvm::SmallPtrSet<Value, 8> w;
  for (const Access &a : accesses)
    if (a.write)
      w.insert(a.memref);
  return w;
}

/// Where map `a` stores to `m` exactly once, in its body's block, at [i] of
/// its iteration i, a value computed there by ops without regions from i
/// and from loads of memory in `unwritten` only: that store, else null. A
/// fold after `a` that reads m[i] in its element may compute that value
/// instead (store-to-load forwarding), since running all of `a` first leaves
/// exactly it in m[i].
memref::StoreOp forwardableStore(Operation *a, Value m,
                                 function_ref<bool(Value)> unwritten) {
  auto map = dyn_cast<MapOp>(a);
  if (!map)
    return {};
  Block &body = map.getBody().front();
  Value iv = body.getArgument(0);
  memref::StoreOp only;
  int stores = 0;
  map.getBody().walk([&](memref::StoreOp st) {
    if (st.getMemRef() == m) {
      ++stores;
      only = st;
    }
  });
  if (stores != 1 || only->getBlock() != &body || only.getIndices().size() != 1 ||
      only.getIndices()[0] != iv)
    return {};
  // The stored value's slice in the body.
  SmallVector<Value> work{only.getValue()};
  llvm::SmallPtrSet<Operation *, 16> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == &body && arg != iv)
        return {};
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (!map->isAncestor(def))
      continue; // defined outside the map
    if (def->getBlock() != &body || def->getNumRegions() || mayFault(def))
      return {};
    if (auto l = dyn_cast<memref::LoadOp>(def)) {
      if (!unwritten(l.getMemRef()))
        return {};
    } else if (!isMemoryEffectFree(def)) {
      return {};
    }
    if (seen.insert(def).second)
      llvm::append_range(work, def->getOperands());
  }
  return only;
}

/// Replaces, in `element` (a fold's element region, iteration index its
/// first argument), every load of a memref in `forwarded` at [i] by the
/// value map `a` stores there (forwardableStore), computed anew.
void forwardStores(Operation *a, Region &element, ArrayRef<Value> forwarded) {
  Block &entry = element.front();
  Value i = entry.getArgument(0);
  SmallVector<memref::LoadOp> loads;
  element.walk([&](memref::LoadOp l) {
    if (llvm::is_contained(forwarded, l.getMemRef()) && l.getIndices().size() == 1 &&
        l.getIndices()[0] == i)
      loads.push_back(l);
  });
  auto map = cast<MapOp>(a);
  Block &body = map.getBody().front();
  for (memref::LoadOp l : loads) {
    memref::StoreOp st;
    map.getBody().walk([&](memref::StoreOp s) {
      if (s.getMemRef() == l.getMemRef())
        st = s;
    });
    // The slice, in the body's order.
    llvm::SetVector<Operation *> slice;
    SmallVector<Value> work{st.getValue()};
    while (!work.empty()) {
      Operation *def = work.pop_back_val().getDefiningOp();
      if (def && def->getBlock() == &body && slice.insert(def))
        llvm::append_range(work, def->getOperands());
    }
    SmallVector<Operation *> ordered(slice.begin(), slice.end());
    llvm::sort(ordered, [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
    OpBuilder b(l);
    IRMapping m;
    m.map(body.getArgument(0), i);
    for (Operation *op : ordered)
      b.clone(*op, m);
    l.getResult().replaceAllUsesWith(m.lookupOrDefault(st.getValue()));
    l.erase();
  }
}

/// "scan at f.cpp:14" (a fused op: "map at f.cpp:13 + scan at f.cpp:14").
std::string describe(Operation *op) {
  if (auto list = op->getAttrOfType<ArrayAttr>("fused")) {
    std::string s;
    for (auto [k, a] : llvm::enumerate(list))
      s += (k ? " + " : "") + cast<StringAttr>(a).getValue().str();
    return s;
  }
  std::string s = op->getName().stripDialect().str();
  std::string where = fileLine(op->getLoc());
  if (auto p = dyn_cast<PatternOp>(op); p && !p.getStatementLocation().empty())
    where = p.getStatementLocation().str();
  else if (auto at = op->getAttrOfType<StringAttr>("at"))
    where = at.getValue().str();
  return where.empty() ? s : s + " at " + where;
}

/// Why running all of `a` and then all of `b` may not be replaced by
/// running iteration i of both before iteration i + 1 ("" where it may).
/// `forward` gets the memrefs whose stores in `a` the fused element must
/// compute (forwardableStore).
std::string fuseBlocker(Operation *a, Operation *b,
                        SmallVector<Value> *forward = nullptr) {
  if (!sameBound(a->getOperand(0), b->getOperand(0)) ||
      !sameBound(a->getOperand(1), b->getOperand(1)))
    return "they run over ranges not known to be the same";
  if (reverseOf(a) != reverseOf(b))
    return "one runs in reverse";
  if (!fusable(a) || !fusable(b)) {
    Operation *s = fusable(a) ? b : a;
    if (isa<ScatterOp>(s))
      return "a last-writer-wins scatter runs as its own pass: its private copies "
             "record each element's last writing iteration from the indices alone and "
             "read the winners' values once, at the merge, and owner-computes splits the "
             "target among the threads, each reading every iteration, so one pass with "
             "a map or fold would move no fewer bytes";
    return "a histogram runs as its own pass: its private copies add in iteration "
           "order within fixed blocks of iterations, an order a fold's chunks and lanes "
           "do not keep (fusion with a histogram is not built)";
  }
  auto sa = dyn_cast<ScanOp>(a), sb = dyn_cast<ScanOp>(b);
  if (sa && sb && sa.getInclusive() != sb.getInclusive())
    return "one scan is inclusive, the other exclusive";
  if (mayFaultAny(a) || mayFaultAny(b))
    return "something in the " + std::string(mayFaultAny(a) ? "first" : "second") +
           " can raise (a checked index or divisor), and one loop would change which "
           "writes precede the error";
  for (Value v : capturedValues(b))
    if (v.getDefiningOp() == a)
      return "the second uses the first's result";
  SmallVector<Access> accA, accB;
  if (!collect(a, accA) || !collect(b, accB))
    return "one of them touches memory in a way not analysed (a call)";
  auto wa = writtenBy(accA), wb = writtenBy(accB);
  // Elements are evaluated before the bodies.
  for (const Access &x : accA)
    if (x.inElement && wb.contains(x.memref))
      return "the first's element reads '" + tensorName(x.memref) +
             "', which the second writes";
  // Unless `a` is a map whose store b's element may compute instead.
  auto unwritten = [&](Value m) { return !wa.contains(m) && !wb.contains(m); };
  SmallVector<Value> forwarded;
  for (const Access &x : accB) {
    if (!x.inElement || !wa.contains(x.memref))
      continue;
    bool atI = !x.write && x.indices.size() == 1 && x.indices[0] == x.iv;
    if (!atI || wb.contains(x.memref) || !forwardableStore(a, x.memref, unwritten))
      return "the second's element reads '" + tensorName(x.memref) +
             "', which the first writes, and not as a value the first stores at the "
             "same iteration from memory neither writes";
    forwarded.push_back(x.memref);
  }
  // Shared memory with a write: the same iteration-owned element in both.
  llvm::SetVector<Value> shared;
  for (const Access &x : accA)
    for (const Access &y : accB)
      if (x.memref == y.memref && (x.write || y.write))
        shared.insert(x.memref);
  for (Value m : shared) {
    SmallVector<const Access *> all;
    for (const Access &x : accA)
      if (x.memref == m)
        all.push_back(&x);
    for (const Access &x : accB)
      if (x.memref == m)
        all.push_back(&x);
    unsigned rank = all.front()->indices.size();
    bool owned = false;
    for (unsigned d = 0; d < rank && !owned; ++d) {
      auto first = ivOffset(all.front()->indices[d], all.front()->iv);
      owned = first && llvm::all_of(all, [&](const Access *x) {
                return ivOffset(x->indices[d], x->iv) == first;
              });
    }
    if (!owned)
      return "both access '" + tensorName(m) +
             "', one writing, at elements that are not the same iteration's";
  }
  if (forward)
    *forward = std::move(forwarded);
  return "";
}

/// `y` (before `b`) and `b` can swap: neither reads or writes what the other
/// writes, neither can raise, and `b` does not use `y`'s results.
bool commutes(Operation *y, Operation *b) {
  if (mayFaultAny(y) || mayFaultAny(b))
    return false; // (an integer division is pure but can raise)
  if (isMemoryEffectFree(y) && !y->getNumRegions())
    return true;
  SmallVector<Access> ay, ab;
  if (!collect(y, ay) || !collect(b, ab))
    return false;
  if (!y->getNumRegions() && !isa<memref::LoadOp, memref::StoreOp>(y))
    return false;
  if (auto l = dyn_cast<memref::LoadOp>(y))
    ay.push_back({l.getMemRef(), {}, false, {}, false});
  if (auto s = dyn_cast<memref::StoreOp>(y))
    ay.push_back({s.getMemRef(), {}, true, {}, false});
  auto wy = writtenBy(ay), wb = writtenBy(ab);
  for (const Access &x : ay)
    if (wb.contains(x.memref))
      return false;
  for (const Access &x : ab)
    if (wy.contains(x.memref))
      return false;
  return true;
}

/// The pieces of a map or fold, as the fused op takes them.
struct Parts {
  Operation *op;
  SmallVector<Type> accTypes;
  SmallVector<Value> init;
  Region *element = nullptr, *combiner = nullptr, *step = nullptr, *body = nullptr;
  bool inclusive = true;
  ArrayAttr kind;
  ArrayAttr identity;

  explicit Parts(Operation *o) : op(o) {
    if (auto m = dyn_cast<MapOp>(o)) {
      body = &m.getBody();
      return;
    }
    if (auto r = dyn_cast<ReduceOp>(o)) {
      fill(r);
      return;
    }
    auto s = cast<ScanOp>(o);
    fill(s);
    body = &s.getBody();
    inclusive = s.getInclusive();
  }
  template <class F> void fill(F f) {
    accTypes.assign(f.getResultTypes().begin(), f.getResultTypes().end());
    init.assign(f.getInit().begin(), f.getInit().end());
    element = &f.getElement();
    combiner = &f.getCombiner();
    step = f.getStep().empty() ? nullptr : &f.getStep();
    kind = f.getKindAttr();
    identity = f.getIdentityAttr();
  }
  bool isFold() const { return element != nullptr; }
};

Block *block(OpBuilder &b, Region &region, TypeRange types, Location loc) {
  SmallVector<Location> locs(types.size(), loc);
  return b.createBlock(&region, region.end(), types, locs);
}

/// The user-facing names of a fold's accumulators, or s<k>.
SmallVector<Attribute> stateNames(const Parts &p, Builder &b) {
  SmallVector<Attribute> out;
  auto names = p.op->getAttrOfType<ArrayAttr>(attrs::kStateNames);
  for (unsigned k = 0; k < p.accTypes.size(); ++k)
    out.push_back(names && k < names.size() ? names[k]
                                            : b.getStringAttr("s" + std::to_string(k)));
  return out;
}

/// "map at f.cpp:12" for each op fused into `op` so far.
SmallVector<Attribute> fusedList(Operation *op, Builder &b) {
  if (auto list = op->getAttrOfType<ArrayAttr>("fused"))
    return SmallVector<Attribute>(list.begin(), list.end());
  StringRef at = cast<PatternOp>(op).getStatementLocation();
  std::string where = !at.empty() ? at.str() : fileLine(op->getLoc());
  std::string s = op->getName().stripDialect().str();
  if (!where.empty())
    s += " at " + where;
  return {b.getStringAttr(s)};
}

Operation *fuse(Operation *a, Operation *b, ArrayRef<Value> forwarded) {
  int64_t before = bytesPerIteration(a, true), partB = bytesPerIteration(b, true);
  before = before < 0 || partB < 0 ? -1 : before + partB;
  Parts pa(a), pb(b);
  Location loc = FusedLoc::get(a->getContext(), {a->getLoc(), b->getLoc()});
  OpBuilder ob(a);
  Value lb = a->getOperand(0), ub = a->getOperand(1);
  Type index = ob.getIndexType();
  Operation *fused;
  unsigned na = pa.accTypes.size();
  SmallVector<Type> accTypes(pa.accTypes);
  llvm::append_range(accTypes, pb.accTypes);
  SmallVector<Value> init(pa.init);
  llvm::append_range(init, pb.init);
  // The body of the fused op: a's iteration, then b's.
  auto buildBody = [&](Region &region, bool withAcc) {
    OpBuilder bb(a->getContext());
    SmallVector<Type> args{index};
    if (withAcc)
      llvm::append_range(args, accTypes);
    Block *blk = block(bb, region, args, loc);
    bb.setInsertionPointToEnd(blk);
    Value i = blk->getArgument(0);
    auto accs = blk->getArguments().drop_front();
    for (auto [p, offset] : {std::pair<Parts *, unsigned>{&pa, 0}, {&pb, na}}) {
      if (!p->body)
        continue;
      SmallVector<Value> args{i};
      if (isa<ScanOp>(p->op))
        llvm::append_range(args, accs.slice(offset, p->accTypes.size()));
      inlineRegion(bb, *p->body, args);
    }
    YieldOp::create(bb, loc);
  };
  if (!pa.isFold() && !pb.isFold()) {
    auto map = MapOp::create(ob, loc, lb, ub, nullptr, nullptr);
    buildBody(map.getBody(), false);
    fused = map;
  } else {
    bool scan = pa.body || pb.body;
    bool inclusive =
        (isa<ScanOp>(a) ? pa.inclusive : true) && (isa<ScanOp>(b) ? pb.inclusive : true);
    Region *element, *combiner, *step;
    if (scan) {
      auto s = ScanOp::create(ob, loc, accTypes, lb, ub, init, inclusive, reverseOf(a),
                              nullptr, nullptr, nullptr, nullptr, nullptr);
      buildBody(s.getBody(), true);
      element = &s.getElement(), combiner = &s.getCombiner(), step = &s.getStep();
      fused = s;
    } else {
      auto r = ReduceOp::create(ob, loc, accTypes, lb, ub, init, reverseOf(a), nullptr,
                                nullptr, nullptr, nullptr, nullptr);
      element = &r.getElement(), combiner = &r.getCombiner(), step = &r.getStep();
      fused = r;
    }
    OpBuilder rb(a->getContext());
    {
      Block *blk = block(rb, *element, {index}, loc);
      rb.setInsertionPointToEnd(blk);
      SmallVector<Value> out;
      for (Parts *p : {&pa, &pb})
        if (p->element)
          llvm::append_range(out, inlineRegion(rb, *p->element, blk->getArgument(0)));
      YieldOp::create(rb, loc, out);
      if (!forwarded.empty())
        forwardStores(a, *element, forwarded);
    }
    auto buildCombine = [&](Region &region, bool useStep) {
      SmallVector<Type> args(accTypes);
      llvm::append_range(args, accTypes);
      Block *blk = block(rb, region, args, loc);
      rb.setInsertionPointToEnd(blk);
      unsigned n = accTypes.size();
      SmallVector<Value> out;
      for (auto [p, offset] : {std::pair<Parts *, unsigned>{&pa, 0}, {&pb, na}}) {
        if (!p->element)
          continue;
        unsigned w = p->accTypes.size();
        SmallVector<Value> args(blk->getArguments().slice(offset, w));
        llvm::append_range(args, blk->getArguments().slice(n + offset, w));
        Region &r = useStep && p->step ? *p->step : *p->combiner;
        llvm::append_range(out, inlineRegion(rb, r, args));
      }
      YieldOp::create(rb, loc, out);
    };
    buildCombine(*combiner, false);
    if (pa.step || pb.step)
      buildCombine(*step, true);
    // kind, identity, names, float policy
    SmallVector<Attribute> kinds;
    for (Parts *p : {&pa, &pb})
      if (p->kind)
        llvm::append_range(kinds, p->kind.getValue());
    if (!kinds.empty())
      fused->setAttr("kind", rb.getArrayAttr(kinds));
    bool ids = (!pa.isFold() || pa.identity) && (!pb.isFold() || pb.identity);
    if (ids) {
      SmallVector<Attribute> all;
      for (Parts *p : {&pa, &pb})
        if (p->identity)
          llvm::append_range(all, p->identity.getValue());
      fused->setAttr("identity", rb.getArrayAttr(all));
    }
    SmallVector<Attribute> names = stateNames(pa, rb);
    llvm::append_range(names, stateNames(pb, rb));
    fused->setAttr(attrs::kStateNames, rb.getArrayAttr(names));
    // The stricter policy of the two: strict wins over reassociate.
    std::optional<FloatPolicy> policy;
    for (Operation *op : {a, b})
      if (auto fp = op->getAttrOfType<FloatPolicyAttr>("fp"))
        policy = policy == FloatPolicy::Strict ? *policy : fp.getValue();
    if (policy)
      fused->setAttr("fp", FloatPolicyAttr::get(rb.getContext(), *policy));
  }
  if (auto at = a->getAttrOfType<StringAttr>("at"))
    fused->setAttr("at", at);
  SmallVector<Attribute> list = fusedList(a, ob);
  llvm::append_range(list, fusedList(b, ob));
  fused->setAttr("fused", ob.getArrayAttr(list));
  int64_t after = bytesPerIteration(fused, false);
  if (before >= 0 && after >= 0) {
    fused->setAttr(kBytesBeforeAttr, ob.getI64IntegerAttr(before));
    fused->setAttr(kBytesAfterAttr, ob.getI64IntegerAttr(after));
  }
  for (unsigned k = 0; k < a->getNumResults(); ++k)
    a->getResult(k).replaceAllUsesWith(fused->getResult(k));
  for (unsigned k = 0; k < b->getNumResults(); ++k)
    b->getResult(k).replaceAllUsesWith(fused->getResult(na + k));
  b->erase();
  a->erase();
  return fused;
}

/// Fuses `a` with the next fusable op of its block it can reach: the ops in
/// between either commute with it or are pure ops it needs (hoisted above
/// `a`). Returns the fused op, or null.
Operation *fuseWithNext(Operation *a) {
  for (Operation *b = a->getNextNode(); b; b = b->getNextNode()) {
    if (!fusable(b))
      continue;
    // Ops between a and b that b needs, transitively: hoisted above a.
    llvm::SetVector<Operation *> needed;
    llvm::SetVector<Value> captured = capturedValues(b);
    SmallVector<Value> work(captured.begin(), captured.end());
    bool ok = true;
    while (!work.empty() && ok) {
      Value v = work.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (!def || def->getBlock() != a->getBlock() || !a->isBeforeInBlock(def) ||
          !def->isBeforeInBlock(b))
        continue;
      if (!isMemoryEffectFree(def) || def->getNumRegions() || mayFault(def)) {
        ok = false;
        break;
      }
      if (needed.insert(def))
        llvm::append_range(work, capturedValues(def));
    }
    for (Operation *y : needed)
      for (Value v : y->getOperands())
        if (v.getDefiningOp() == a)
          ok = false;
    for (Operation *y = a->getNextNode(); ok && y != b; y = y->getNextNode())
      if (!needed.contains(y) && !commutes(y, b))
        ok = false;
    SmallVector<Value> forwarded;
    if (!ok || !fuseBlocker(a, b, &forwarded).empty())
      continue;
    SmallVector<Operation *> hoist(needed.begin(), needed.end());
    llvm::sort(hoist, [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
    for (Operation *y : hoist)
      y->moveBefore(a);
    return fuse(a, b, forwarded);
  }
  return nullptr;
}

/// Why the ops `a` .. `b` (b the next pattern op after a) did not become one
/// loop: fuseBlocker's reason, or what lies between them.
std::string whyApart(Operation *a, Operation *b) {
  std::string reason = fuseBlocker(a, b);
  if (!reason.empty())
    return reason;
  for (Operation *y = a->getNextNode(); y != b; y = y->getNextNode()) {
    if (commutes(y, b))
      continue;
    std::string what;
    if (y->getDialect() && y->getDialect()->getNamespace() == "seqfuse") {
      what = describe(y);
    } else {
      what = y->getName().getStringRef().str();
      if (std::string where = fileLine(y->getLoc()); !where.empty())
        what += " at " + where;
    }
    return "the " + what + " between them touches memory the second does, or can " +
           "raise, so the second cannot move up to the first";
  }
  return "a value the second needs is computed between them by an op that cannot "
         "move above the first";
}

/// Marks each pattern op that runs as its own loop right after another over
/// the same range (kNotFusedAttr, kNotFusedAfterAttr), for the report.
void explainUnfused(Block &blk) {
  Operation *prev = nullptr;
  for (Operation &op : blk) {
    if (!isa<PatternOp>(&op))
      continue;
    Operation *a = prev;
    prev = &op;
    if (!a || !sameBound(a->getOperand(0), op.getOperand(0)) ||
        !sameBound(a->getOperand(1), op.getOperand(1)))
      continue;
    Builder b(op.getContext());
    op.setAttr(kNotFusedAfterAttr, b.getStringAttr(describe(a)));
    op.setAttr(kNotFusedAttr, b.getStringAttr(whyApart(a, &op)));
  }
}

struct FusePatterns : seqfuse::impl::FusePatternsPassBase<FusePatterns> {
  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *blk) { blocks.push_back(blk); });
    for (Block *blk : blocks) {
      for (bool changed = true; changed;) {
        changed = false;
        for (Operation &op : *blk)
          if (fusable(&op) && fuseWithNext(&op)) {
            changed = true;
            break;
          }
      }
      explainUnfused(*blk);
    }
  }
};

} // namespace
