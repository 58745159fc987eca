//===- SeqfuseToGPU.cpp - pattern ops to GPU kernels ----------------------===//
//
// seqfuse-lower-to-gpu (Passes.td): every kernel function of the fused stage
// becomes a gpu.module of kernels and a host function that computes sizes,
// allocates scratch, launches the kernels in program order and reads small
// results back. Each pattern op gets its GPU form; anything that may not run
// in parallel runs as a kernel of one thread with the op's exact loop
// (SeqfuseToSCF.h). The same kernels run on the CPU through
// seqfuse-gpu-to-cpu-sim, so their tiling, look-back and carries are tested
// without a GPU.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Conversion/Build.h"
#include "seqfuse/Conversion/SeqfuseToSCF.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <limits>

namespace seqfuse {
#define GEN_PASS_DEF_LOWERTOGPUPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;
using namespace seqfuse::loops;
using namespace seqfuse::build;

//===----------------------------------------------------------------------===//
// Small IR helpers
//===----------------------------------------------------------------------===//

namespace {

Value cI32(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

/// if (cond) then else, yielding `types` (each builder ends with its yield).
scf::IfOp ifElse(OpBuilder &b, Location loc, TypeRange types, Value cond,
                 function_ref<void(OpBuilder &, Location)> thenB,
                 function_ref<void(OpBuilder &, Location)> elseB) {
  auto op = scf::IfOp::create(b, loc, types, cond, /*addThenBlock=*/true,
                              /*addElseBlock=*/true);
  OpBuilder tb = OpBuilder::atBlockEnd(op.thenBlock());
  thenB(tb, loc);
  OpBuilder eb = OpBuilder::atBlockEnd(op.elseBlock());
  elseB(eb, loc);
  return op;
}

/// for (k = lo; k < hi; k += step) body(k), no carried values.
void forLoop(OpBuilder &b, Location loc, Value lo, Value hi, Value step,
             function_ref<void(OpBuilder &, Value)> body) {
  scf::ForOp::create(b, loc, lo, hi, step, ValueRange{},
                     [&](OpBuilder &nb, Location, Value k, ValueRange) {
                       body(nb, k);
                       scf::YieldOp::create(nb, loc);
                     });
}

/// The integer type a value of `t` is kept in where it crosses threads
/// through atomics or shuffles: i32 for 32 bits and fewer, else i64.
IntegerType bitsType(Type t) {
  unsigned w = t.isIndex() ? 64 : t.getIntOrFloatBitWidth();
  return IntegerType::get(t.getContext(), w <= 32 ? 32 : 64);
}
Value toBits(OpBuilder &b, Location loc, Value v) {
  return toBitsAs(b, loc, v, bitsType(v.getType()));
}

/// memref.load of m[i] marked in range (the lowering's own buffers).
Value markedLoad(OpBuilder &b, Location loc, Value m, Value i) {
  auto l = memref::LoadOp::create(b, loc, m, ValueRange{i});
  l->setAttr(kInBoundsAttr, b.getUnitAttr());
  return l;
}

/// memref.atomic_rmw `kind` of `v` at m[i]; returns the old value.
Value atomic(OpBuilder &b, Location loc, arith::AtomicRMWKind kind, Value v, Value m,
             Value i) {
  return memref::AtomicRMWOp::create(b, loc, kind, v, m, ValueRange{i});
}
/// A coherent read of m[i] (an atomic or with 0): sees other blocks' writes.
Value atomicRead(OpBuilder &b, Location loc, Value m, Value i) {
  Type t = cast<MemRefType>(m.getType()).getElementType();
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0));
  return atomic(b, loc, arith::AtomicRMWKind::ori, zero, m, i);
}
void fence(OpBuilder &b, Location loc) {
  LLVM::FenceOp::create(b, loc, LLVM::AtomicOrdering::acq_rel, "device");
}

/// Marks every access and integer division in `root` as in range (no
/// run-time check): the code runs only where the op's checks are known to
/// pass (unchecked mode, accesses proven in range, or iterations a probe
/// found clean).
/// Whether `op` would make a run-time check somewhere (an index not proven
/// in range, an integer division), judged in the host function, where the
/// arguments' declared sizes are known.
bool makesChecks(Operation *op) { return mayFault(op); }

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

struct GPUOptions {
  int64_t threads, items, mapItems;
  bool checked, stress;
};

class HostLowering;

/// A kernel under construction: a gpu.func whose body may use values of the
/// host function freely while it is built; launch() makes it isolated from
/// above (memrefs and scalar arguments of the host function become kernel
/// arguments; pure ops and reads of scratch cells are recomputed inside)
/// and creates the gpu.launch_func.
class Kernel {
public:
  Kernel(HostLowering &h, StringRef base, int64_t threads, bool singleThread);

  gpu::GPUFuncOp func;
  OpBuilder b;
  Location loc;
  int64_t threads;

  Value tid() { return gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x); }
  Value blockX() { return gpu::BlockIdOp::create(b, loc, gpu::Dimension::x); }
  Value gridX() { return gpu::GridDimOp::create(b, loc, gpu::Dimension::x); }
  /// `n` elements of `t` in shared memory.
  Value shared(Type t, int64_t n) {
    auto mt = MemRefType::get(
        {n}, t, AffineMap(),
        gpu::AddressSpaceAttr::get(t.getContext(), gpu::AddressSpace::Workgroup));
    return func.addWorkgroupAttribution(mt, loc);
  }
  void barrier() { gpu::BarrierOp::create(b, loc); }
  /// Makes `v` the kernel's first argument (a checked kernel's status).
  void pinFirst(Value v) { pinned = v; }
  /// Finishes the kernel and launches it at `host` on gridX x gridY blocks.
  gpu::LaunchFuncOp launch(OpBuilder &host, Value gridX, Value gridY);
  /// This thread's iterations k of [lb, end): tiles of threads x mapItems
  /// iterations, blocks striding over the tiles, thread t at k = tile start +
  /// j*threads + t (striped: neighbouring threads touch neighbouring
  /// elements). `body` builds iteration k, under k < end.
  void stripedIterations(Value lb, Value end,
                         function_ref<void(OpBuilder &, Value)> body);

private:
  HostLowering &h;
  Value pinned;
  DenseMap<Value, Value> captured;
  SmallVector<Value> operands;
  OpBuilder entry;
  Value capture(Value v, OpBuilder &host);
  Value argument(Value hostValue, Type t, OpBuilder &host);
};

/// Rewrites one kernel function into its launch sequence.
class HostLowering {
public:
  HostLowering(func::FuncOp fn, gpu::GPUModuleOp kernels, const GPUOptions &o)
      : fn(fn), kernels(kernels), opts(o), loc(fn.getLoc()) {}

  void run();

  func::FuncOp fn;
  gpu::GPUModuleOp kernels;
  GPUOptions opts;
  Location loc;
  int count = 0;
  Value status; // memref<4xi64>: a failed check's record (checked mode)

  /// A new scratch buffer of `n` elements of `t`, allocated at `b`.
  Value scratch(OpBuilder &b, Type t, Value n);
  /// One element of `t` in device memory, at the host function's entry.
  Value cell(Type t);
  /// b's insertion point: memref.load of cell[0] on the host (a value the
  /// device computed; kernels that use it read the cell themselves).
  Value readCell(OpBuilder &b, Value cell);
  /// The status buffer, made on first use (zeroed at the entry).
  Value statusBuffer();
  void record(Operation *op, StringRef pattern, const std::string &algorithm);
  /// Blocks for Kernel::stripedIterations over [lb, ub): one per tile, at
  /// most `most` (each then strides over several), at least one.
  Value tileGrid(OpBuilder &host, Value lb, Value ub, int64_t most = 1 << 16);

private:
  void lowerOp(Operation *op);
  gpu::LaunchFuncOp runSerially(ArrayRef<Operation *> ops, const std::string &why);
  /// Where checked mode's parallel form of `op` stops: lb + the first
  /// iteration (in the op's order) at which one of its checks fails, or ub
  /// (a device value: kernels read it); null when its checks cannot be
  /// evaluated apart from it (they read what it writes or carries).
  Value probe(Operation *op);
  /// One thread running `op`'s exact loop from `from` (checked: it raises
  /// at the probe's iteration).
  gpu::LaunchFuncOp checkedTail(Operation *op, Value from, OpBuilder &host);
  // `kEnd`: the parallel form covers k in [lb, kEnd) (null: all of it).
  void lowerMap(MapOp op, Value kEnd);
  template <class FoldOp> void lowerFold(FoldOp op, Value kEnd);
  void lowerScatter(ScatterOp op, Value kEnd);
  void lowerHistogram(ScatterCombineOp op, Value kEnd);
  /// Float + and * (reassociated): deterministic per-tile copies merged in
  /// tile order for small targets, the loop on one thread for larger ones.
  void lowerFloatHistogram(ScatterCombineOp op, Value kEnd);
  std::string whySequential(Operation *op);
};

Kernel::Kernel(HostLowering &h, StringRef base, int64_t threads, bool singleThread)
    : b(h.kernels.getContext()), loc(h.loc), threads(threads), h(h),
      entry(h.kernels.getContext()) {
  OpBuilder mb = OpBuilder::atBlockEnd(h.kernels.getBody());
  std::string name =
      (h.fn.getName() + "_" + base + "_" + std::to_string(h.count++)).str();
  func = gpu::GPUFuncOp::create(mb, loc, name, mb.getFunctionType({}, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), mb.getUnitAttr());
  func.setKnownBlockSizeAttr(
      mb.getDenseI32ArrayAttr({static_cast<int32_t>(singleThread ? 1 : threads), 1, 1}));
  if (singleThread)
    func->setAttr(kSingleThreadAttr, mb.getUnitAttr());
  Block &entryBlock = func.getBody().front();
  b.setInsertionPointToEnd(&entryBlock);
  auto ret = gpu::ReturnOp::create(b, loc);
  b.setInsertionPoint(ret);
}

Value Kernel::argument(Value hostValue, Type t, OpBuilder &host) {
  unsigned idx = func.getNumArguments();
  DictionaryAttr attrs;
  if (auto arg = dyn_cast<BlockArgument>(hostValue);
      arg && arg.getOwner() == &h.fn.getBody().front())
    attrs = h.fn.getArgAttrDict(arg.getArgNumber());
  (void)func.insertArgument(idx, t, attrs, loc); // cannot fail: no attribute checks
  operands.push_back(hostValue);
  (void)host;
  return func.getArgument(idx);
}

Value Kernel::capture(Value v, OpBuilder &host) {
  if (Value c = captured.lookup(v))
    return c;
  Value out;
  Operation *def = v.getDefiningOp();
  if (isa<MemRefType>(v.getType())) {
    out = argument(v, v.getType(), host);
  } else if (auto arg = dyn_cast<BlockArgument>(v);
             arg && arg.getOwner() == &h.fn.getBody().front()) {
    if (v.getType().isInteger(1)) { // passed as i32
      OpBuilder::InsertionGuard g(host);
      Value wide = arith::ExtUIOp::create(host, loc, host.getI32Type(), v);
      Value a = argument(wide, host.getI32Type(), host);
      out = arith::TruncIOp::create(entry, loc, entry.getI1Type(), a);
      entry.setInsertionPointAfter(out.getDefiningOp());
    } else {
      out = argument(v, v.getType(), host);
    }
  } else if (def && def->getNumRegions() == 0 &&
             (isPure(def) || isa<memref::LoadOp, memref::DimOp>(def))) {
    // Recomputed in the kernel: constants, index arithmetic, casts, and
    // reads of scratch cells (what earlier kernels computed).
    IRMapping m;
    for (Value o : def->getOperands())
      m.map(o, capture(o, host));
    Operation *copy = entry.clone(*def, m);
    entry.setInsertionPointAfter(copy); // in creation order: operands first
    if (isa<memref::LoadOp>(copy))
      copy->setAttr(kInBoundsAttr, entry.getUnitAttr());
    out = copy->getResult(cast<OpResult>(v).getResultNumber());
    for (auto [r, c] : llvm::zip(def->getResults(), copy->getResults()))
      captured[r] = c;
  } else {
    def ? def->emitError("seqfuse-lower-to-gpu: a kernel uses this value, which the "
                         "host cannot pass to it")
        : emitError(loc, "seqfuse-lower-to-gpu: a kernel uses a value the host cannot "
                         "pass to it");
    out = arith::ConstantOp::create(entry, loc, entry.getZeroAttr(v.getType()));
    entry.setInsertionPointAfter(out.getDefiningOp());
  }
  captured[v] = out;
  return out;
}

void Kernel::stripedIterations(Value lb, Value end,
                               function_ref<void(OpBuilder &, Value)> body) {
  const int64_t items = h.opts.mapItems, tile = threads * items;
  Value t = tid(), bx = blockX(), gx = gridX();
  Value trip = arith::MaxSIOp::create(b, loc, sub(b, loc, end, lb), cIndex(b, loc, 0));
  Value tiles = arith::CeilDivSIOp::create(b, loc, trip, cIndex(b, loc, tile));
  forLoop(b, loc, bx, tiles, gx, [&](OpBuilder &tb, Value tileIdx) {
    Value base = add(tb, loc, lb, mul(tb, loc, tileIdx, cIndex(tb, loc, tile)));
    for (int64_t j = 0; j < items; ++j) {
      Value k = add(tb, loc, base, add(tb, loc, cIndex(tb, loc, j * threads), t));
      ifThen(tb, loc, cmp(tb, loc, arith::CmpIPredicate::slt, k, end),
             [&](OpBuilder &ib) { body(ib, k); });
    }
  });
}

Value HostLowering::tileGrid(OpBuilder &host, Value lb, Value ub, int64_t most) {
  const int64_t tile = opts.threads * opts.mapItems;
  Value trip =
      arith::MaxSIOp::create(host, loc, sub(host, loc, ub, lb), cIndex(host, loc, 0));
  Value tiles = arith::CeilDivSIOp::create(host, loc, trip, cIndex(host, loc, tile));
  return arith::MaxSIOp::create(
      host, loc, arith::MinSIOp::create(host, loc, tiles, cIndex(host, loc, most)),
      cIndex(host, loc, 1));
}

gpu::LaunchFuncOp Kernel::launch(OpBuilder &host, Value gridX, Value gridY) {
  // Pattern ops the kernel's code holds (a fused scan's body, a map's
  // inner fold) run as their loops in the thread that reaches them.
  lowerNestedToLoops(func);
  entry.setInsertionPointToStart(&func.getBody().front());
  if (pinned)
    capture(pinned, host);
  // Every operand defined outside the kernel, innermost uses too.
  func.walk([&](Operation *op) {
    for (OpOperand &use : op->getOpOperands()) {
      Value v = use.get();
      if (func.getBody().isAncestor(v.getParentRegion()))
        continue;
      use.set(capture(v, host));
    }
  });
  Value one = cIndex(host, loc, 1);
  Value block = cIndex(host, loc, (*func.getKnownBlockSize())[0]);
  return gpu::LaunchFuncOp::create(host, loc, func, gpu::KernelDim3{gridX, gridY, one},
                                   gpu::KernelDim3{block, one, one}, Value(), operands);
}

//===----------------------------------------------------------------------===//
// Host function: scratch, cells, the order of launches
//===----------------------------------------------------------------------===//

Value HostLowering::scratch(OpBuilder &b, Type t, Value n) {
  auto mt = MemRefType::get({ShapedType::kDynamic}, t);
  return gpu::AllocOp::create(b, loc, mt, Type(), ValueRange{}, ValueRange{n},
                              ValueRange{})
      .getMemref();
}

Value HostLowering::cell(Type t) {
  OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
  return gpu::AllocOp::create(eb, loc, MemRefType::get({1}, t), Type(), ValueRange{},
                              ValueRange{}, ValueRange{})
      .getMemref();
}

Value HostLowering::readCell(OpBuilder &b, Value c) {
  auto l = memref::LoadOp::create(b, loc, c, ValueRange{cIndex(b, loc, 0)});
  l->setAttr(kInBoundsAttr, b.getUnitAttr());
  return l;
}

Value HostLowering::statusBuffer() {
  if (status)
    return status;
  OpBuilder eb = OpBuilder::atBlockBegin(&fn.getBody().front());
  status = gpu::AllocOp::create(eb, loc, MemRefType::get({4}, eb.getI64Type()), Type(),
                                ValueRange{}, ValueRange{}, ValueRange{})
               .getMemref();
  gpu::MemsetOp::create(eb, loc, Type(), ValueRange{}, status, cI64(eb, loc, 0));
  return status;
}

void HostLowering::record(Operation *op, StringRef pattern,
                          const std::string &algorithm) {
  std::string where = statementLocation(op);
  if (!where.empty())
    recordAlgorithm(fn->getParentOfType<ModuleOp>(), where, pattern, algorithm);
}

std::optional<arith::AtomicRMWKind> atomicKindOf(Region &combiner);
Operation *floatTreeOp(ScatterCombineOp op);

/// The name of `op` in the report.
std::string patternName(Operation *op) {
  if (isa<SequentialOp>(op))
    return "sequential";
  return op->getName().stripDialect().str();
}

std::string HostLowering::whySequential(Operation *op) {
  if (isa<SequentialOp>(op))
    return "the loop is kept sequential";
  if (std::string why = whyNotParallel(op); !why.empty())
    return why;
  if (auto hist = dyn_cast<ScatterCombineOp>(op)) {
    Type t = cast<MemRefType>(hist.getTarget().getType()).getElementType();
    if (isa<FloatType>(t) ? !atomicKindOf(hist.getCombiner()) && !floatTreeOp(hist)
                          : !atomicKindOf(hist.getCombiner()) || t.isInteger(1))
      return "its combiner has no parallel form on the GPU";
  }
  return "";
}

/// Ops at the top level that run on the host as they are (sizes, bounds,
/// constants): pure, no regions.
bool hostOp(Operation &op) {
  return op.getNumRegions() == 0 && (isPure(&op) || isa<memref::DimOp>(op));
}

void HostLowering::run() {
  Block &body = fn.getBody().front();
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  SmallVector<Operation *> serial; // consecutive top-level ops with effects
  auto flush = [&] {
    if (!serial.empty())
      runSerially(serial, "");
    serial.clear();
  };
  for (Operation *op : ops) {
    if (isa<PatternOp>(op) || isa<SequentialOp>(op)) {
      flush();
      lowerOp(op);
    } else if (!hostOp(*op)) {
      serial.push_back(op);
    }
  }
  flush();
  fn->setAttr(kGpuHostAttr, UnitAttr::get(fn.getContext()));
}

void HostLowering::lowerOp(Operation *op) {
  std::string why = whySequential(op);
  if (!why.empty()) {
    record(op, patternName(op), "GPU: one thread runs the loop (" + why + ")");
    runSerially({op}, why);
    return;
  }
  Value kEnd;
  if (opts.checked && makesChecks(op)) {
    kEnd = probe(op);
    if (!kEnd) {
      std::string why =
          "its run-time checks depend on what it writes or carries (checked "
          "mode raises at the loop's first failing iteration, with memory as "
          "the loop leaves it)";
      record(op, patternName(op), "GPU: one thread runs the loop (" + why + ")");
      runSerially({op}, why);
      return;
    }
  }
  if (auto m = dyn_cast<MapOp>(op))
    return lowerMap(m, kEnd);
  if (auto r = dyn_cast<ReduceOp>(op))
    return lowerFold(r, kEnd);
  if (auto s = dyn_cast<ScanOp>(op))
    return lowerFold(s, kEnd);
  if (auto s = dyn_cast<ScatterOp>(op))
    return lowerScatter(s, kEnd);
  if (auto s = dyn_cast<ScatterCombineOp>(op))
    return atomicKindOf(s.getCombiner()) ? lowerHistogram(s, kEnd)
                                         : lowerFloatHistogram(s, kEnd);
  record(op, patternName(op), "GPU: one thread runs the loop");
  runSerially({op}, "no GPU form");
}

/// What the report adds for an op whose checks a probe ran first.
constexpr const char *kProbed =
    "; its run-time checks first, in a parallel read-only pass (the first failing "
    "iteration by atomic min): the parallel form runs up to it, then one thread runs the "
    "loop from there and raises as the loop does";

Value HostLowering::probe(Operation *op) {
  auto p = cast<PatternOp>(op);
  OpBuilder host(op);
  Value lb = p.getLowerBound(), ub = p.getUpperBound();
  Value revBase = reverseBase(host, loc, lb, ub, p.isReverse());
  // Every byte 0x7F: beyond any iteration.
  Value first = scratch(host, host.getI64Type(), cIndex(host, loc, 1));
  gpu::MemsetOp::create(host, loc, Type(), ValueRange{}, first,
                        cI64(host, loc, 0x7F7F7F7F7F7F7F7FLL));
  Kernel k(*this, "probe", opts.threads, false);
  // The loop over the iterations first, with an empty body per iteration;
  // then each body (the analyses below need finished ops around them).
  struct Slot {
    Block *block;
    Value i, k;
  };
  SmallVector<Slot> slots;
  k.stripedIterations(lb, ub, [&](OpBuilder &ib, Value kk) {
    Value i = revBase ? sub(ib, loc, revBase, kk) : kk;
    slots.push_back({ib.getInsertionBlock(), i, kk});
  });
  bool ok = true;
  for (const Slot &slot : slots) {
    if (!ok)
      break;
    OpBuilder ib(slot.block, std::prev(slot.block->end()));
    Value kk = slot.k;
    bool checks = false;
    ok = iterationProbe(ib, loc, op, slot.i, checks, [&](OpBuilder &pb, Value failed) {
      ifThen(pb, loc, failed, [&](OpBuilder &fb) {
        atomic(fb, loc, arith::AtomicRMWKind::mins,
               arith::IndexCastOp::create(fb, loc, fb.getI64Type(), sub(fb, loc, kk, lb)),
               first, cIndex(fb, loc, 0));
      });
    });
  }
  // (iterationProbe refuses a probe that reads memory the op writes: it
  // would see other values than the loop, the CPU's rule too.)
  if (!ok) {
    k.func.erase();
    return Value();
  }
  markUnchecked(k.func);
  k.launch(host, tileGrid(host, lb, ub), cIndex(host, loc, 1));
  Value hTrip =
      arith::MaxSIOp::create(host, loc, sub(host, loc, ub, lb), cIndex(host, loc, 0));
  // kEnd = lb + min(first, trip), computed where it is used (in kernels).
  Value firstK =
      arith::IndexCastOp::create(host, loc, host.getIndexType(), readCell(host, first));
  return add(host, loc, lb, arith::MinSIOp::create(host, loc, firstK, hTrip));
}

gpu::LaunchFuncOp HostLowering::checkedTail(Operation *op, Value from, OpBuilder &host) {
  auto p = cast<PatternOp>(op);
  Kernel k(*this, "tail", 1, /*singleThread=*/true);
  k.pinFirst(statusBuffer());
  OpBuilder &b = k.b;
  if (p.getScatterTarget())
    scatterLoop(b, p, from);
  else
    buildLoop(b, loc, from, p.getUpperBound(), Value(), {},
              [&](OpBuilder &nb, Value i, ValueRange) {
                inlineRegion(nb, p.getElementRegion(), {i});
                return SmallVector<Value>();
              });
  Value one = cIndex(host, loc, 1);
  auto launch = k.launch(host, one, one);
  launch->setAttr(kMayFailAttr, host.getUnitAttr());
  return launch;
}

/// `ops` (consecutive, in program order) in one kernel of one thread, each
/// pattern op as its exact loop; their results that later code uses are
/// kept in cells.
gpu::LaunchFuncOp HostLowering::runSerially(ArrayRef<Operation *> ops,
                                            const std::string &) {
  OpBuilder host(ops.front());
  Kernel k(*this, "serial", 1, /*singleThread=*/true);
  if (opts.checked)
    k.pinFirst(statusBuffer());
  IRMapping m;
  for (Operation *op : ops)
    k.b.clone(*op, m);
  // Results used after the group: into cells, read back where used.
  OpBuilder after(ops.back()->getBlock(), std::next(ops.back()->getIterator()));
  SmallVector<std::pair<Value, Value>> outs; // (host result, cell)
  for (Operation *op : ops)
    for (Value r : op->getResults()) {
      bool usedLater = llvm::any_of(r.getUsers(), [&](Operation *u) {
        return !llvm::is_contained(ops, fn.getBody().front().findAncestorOpInBlock(*u));
      });
      if (!usedLater)
        continue;
      Value c = cell(r.getType());
      memref::StoreOp::create(k.b, loc, m.lookup(r), c, ValueRange{cIndex(k.b, loc, 0)})
          ->setAttr(kInBoundsAttr, k.b.getUnitAttr());
      outs.push_back({r, c});
    }
  // The clones' pattern ops as their loops (the stores above follow their
  // results).
  for (Operation &c : llvm::make_early_inc_range(*k.b.getInsertionBlock())) {
    if (c.hasTrait<OpTrait::IsTerminator>())
      continue;
    lowerNestedToLoops(&c);
    if (isa<PatternOp>(c) || isa<SequentialOp>(c))
      (void)lowerToLoop(&c);
  }
  Value one = cIndex(host, loc, 1);
  auto launch = k.launch(host, one, one);
  if (opts.checked)
    launch->setAttr(kMayFailAttr, host.getUnitAttr());
  for (auto [r, c] : outs)
    r.replaceAllUsesWith(readCell(after, c));
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  return launch;
}

//===----------------------------------------------------------------------===//
// Maps
//===----------------------------------------------------------------------===//

/// Tiles of threads*mapItems iterations; thread t of tile k runs i = lb +
/// k*tile + j*threads + t (striped: neighbouring threads touch neighbouring
/// elements). Blocks stride over the tiles.
void HostLowering::lowerMap(MapOp op, Value kEnd) {
  OpBuilder host(op);
  const int64_t tile = opts.threads * opts.mapItems;
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  Value one = cIndex(host, loc, 1);
  Value grid = tileGrid(host, lb, ub);
  Value end = kEnd ? kEnd : ub; // checked: up to the probe's first failure
  Kernel k(*this, "map", opts.threads, false);
  k.stripedIterations(
      lb, end, [&](OpBuilder &ib, Value i) { inlineRegion(ib, op.getBody(), {i}); });
  lowerNestedToLoops(k.func);
  markUnchecked(k.func);
  k.launch(host, grid, one);
  if (kEnd)
    checkedTail(op, kEnd, host);
  bool nested = false;
  op.getBody().walk([&](Operation *inner) {
    nested |= isa<PatternOp>(inner) || isa<SequentialOp>(inner);
  });
  record(op, "map",
         "GPU: tiles of " + std::to_string(tile) + " iterations (" +
             std::to_string(opts.threads) + " threads x " +
             std::to_string(opts.mapItems) +
             ", striped), blocks striding over the tiles" +
             (nested ? "; the ops inside run as loops in each iteration's thread" : "") +
             (kEnd ? kProbed : ""));
  op.erase();
}

//===----------------------------------------------------------------------===//
// Folds: one-pass tiled scan with a deterministic look-back
//===----------------------------------------------------------------------===//

/// A warp-level shuffle of a value of any scalar type (32-bit pieces).
Value shuffle(OpBuilder &b, Location loc, Value v, int32_t offset,
              gpu::ShuffleMode mode) {
  Type t = v.getType();
  Value bits = toBits(b, loc, v);
  auto shfl = [&](Value x) {
    return gpu::ShuffleOp::create(b, loc, x, offset, 32, mode).getShuffleResult();
  };
  Value out;
  if (cast<IntegerType>(bits.getType()).getWidth() == 32) {
    out = shfl(bits);
  } else {
    Value lo = arith::TruncIOp::create(b, loc, b.getI32Type(), bits);
    Value hi = arith::TruncIOp::create(
        b, loc, b.getI32Type(), arith::ShRUIOp::create(b, loc, bits, cI64(b, loc, 32)));
    Value slo = arith::ExtUIOp::create(b, loc, b.getI64Type(), shfl(lo));
    Value shi = arith::ExtUIOp::create(b, loc, b.getI64Type(), shfl(hi));
    out = arith::OrIOp::create(b, loc, slo,
                               arith::ShLIOp::create(b, loc, shi, cI64(b, loc, 32)));
  }
  return fromBits(b, loc, out, t);
}

/// An accumulator tuple with a validity flag where the fold has no identity.
struct Acc {
  SmallVector<Value> v;
  Value valid; // null: always valid
};

/// What the fold kernels need of a fold op.
struct FoldInfo {
  Operation *op;
  PatternOp p;
  SmallVector<Type> types;
  std::optional<ArrayAttr> identity;
  /// A float slot: from the first tile whose float values are not finite on,
  /// the loop runs (as the CPU's parallel folds do): inf and NaN then arise
  /// as in the loop, and select-by-order, which NaN makes non-associative,
  /// keeps the loop's result.
  bool checkFinite;
  bool reassociates; // a float policy (the combiner rounds)
  bool nanOnly;      // a clamp: only NaN counts
  Region *body;
  bool inclusive;

  Acc combine(OpBuilder &b, Location loc, const Acc &x, const Acc &y) const {
    SmallVector<Value> c = inlineRegion(
        b, *const_cast<PatternOp &>(p).getCombinerRegion(), concat(x.v, y.v));
    if (!x.valid && !y.valid)
      return {c, Value()};
    // Without an identity: an empty side gives the other one.
    Value xv = x.valid ? x.valid : cBool(b, loc, true);
    Value yv = y.valid ? y.valid : cBool(b, loc, true);
    Acc out;
    for (unsigned j = 0; j < c.size(); ++j)
      out.v.push_back(select(b, loc, xv, select(b, loc, yv, c[j], x.v[j]), y.v[j]));
    out.valid = orOf(b, loc, xv, yv);
    return out;
  }
  Acc identityAcc(OpBuilder &b, Location loc) const {
    Acc a;
    if (identity) {
      for (Attribute x : *identity)
        a.v.push_back(arith::ConstantOp::create(b, loc, cast<TypedAttr>(x)));
      return a;
    }
    for (Type t : types)
      a.v.push_back(arith::ConstantOp::create(b, loc, b.getZeroAttr(t)));
    a.valid = cBool(b, loc, false);
    return a;
  }
};

/// Shared memory for a tile of accumulator tuples, one buffer per slot,
/// with a pad element every 32 (a thread's consecutive items do not share
/// a bank with its neighbours').
struct TileBuffer {
  SmallVector<Value> slots;
  static Value pad(OpBuilder &b, Location loc, Value q) {
    return add(b, loc, q, arith::ShRUIOp::create(b, loc, q, cIndex(b, loc, 5)));
  }
  void store(OpBuilder &b, Location loc, ValueRange v, Value q) {
    Value at = pad(b, loc, q);
    for (auto [x, m] : llvm::zip_equal(v, slots))
      memref::StoreOp::create(b, loc, x, m, ValueRange{at});
  }
  SmallVector<Value> load(OpBuilder &b, Location loc, Value q) {
    Value at = pad(b, loc, q);
    SmallVector<Value> out;
    for (Value m : slots)
      out.push_back(memref::LoadOp::create(b, loc, m, ValueRange{at}));
    return out;
  }
};

/// Look-back status words: state in bits 0-1 (0 none, 1 aggregate, 2
/// inclusive prefix), bit 2: the tile (or one before it) is not finite.
constexpr int64_t kAggregate = 1, kInclusive = 2, kBadBit = 4;

template <class FoldOp> void HostLowering::lowerFold(FoldOp op, Value kEnd) {
  OpBuilder host(op);
  FoldInfo f{op,    cast<PatternOp>(op.getOperation()),
             {},    op.getIdentity(),
             false, false,
             false, nullptr,
             true};
  for (Type t : op->getResultTypes())
    f.types.push_back(t);
  f.checkFinite = llvm::any_of(f.types, [](Type t) { return isa<FloatType>(t); });
  f.reassociates = static_cast<bool>(op.getFp()) && f.checkFinite;
  if (std::optional<ArrayAttr> kinds = op.getKind())
    f.nanOnly = llvm::any_of(*kinds, [](Attribute k) {
      return cast<FoldKindAttr>(k).getValue() == FoldKind::Clamp;
    });
  if constexpr (std::is_same_v<FoldOp, ScanOp>) {
    f.body = &op.getBody();
    f.inclusive = op.getInclusive();
  }
  const unsigned n = f.types.size();
  const int64_t T = opts.threads, W = T / 32;
  // Items per thread: the tile's tuples fit in ~40 KiB of shared memory.
  int64_t bytes = 0;
  for (Type t : f.types)
    bytes += t.isIndex() ? 8 : std::max<int64_t>(1, t.getIntOrFloatBitWidth() / 8);
  int64_t I = opts.items;
  while (I > 1 && T * I * bytes > 40 * 1024)
    I /= 2;
  const int64_t tile = T * I;
  SmallVector<bool> live = liveSlots(f.p);
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  // Checked mode with a probe: the tiles cover k in [lb, kEnd), the
  // finishing kernel's checked loop the rest (it raises at kEnd).
  Value end = kEnd ? kEnd : ub;
  Value revBase = reverseBase(host, loc, lb, ub, op.getReverse());
  auto iterOf = [&](OpBuilder &x, Value k) -> Value {
    return revBase ? sub(x, loc, revBase, k) : k;
  };

  // Host: sizes and scratch.
  Value zero = cIndex(host, loc, 0), one = cIndex(host, loc, 1);
  Value trip = arith::MaxSIOp::create(host, loc, sub(host, loc, ub, lb), zero);
  Value tiles = arith::CeilDivSIOp::create(host, loc, trip, cIndex(host, loc, tile));
  Value slotsN = arith::MaxSIOp::create(host, loc, tiles, one);
  Value counter = scratch(host, host.getI64Type(), one);
  Value flags = scratch(host, host.getI32Type(), slotsN);
  gpu::MemsetOp::create(host, loc, Type(), ValueRange{}, counter, cI64(host, loc, 0));
  gpu::MemsetOp::create(host, loc, Type(), ValueRange{}, flags, cI32(host, loc, 0));
  SmallVector<Value> aggs, incls;
  for (Type t : f.types) {
    aggs.push_back(scratch(host, bitsType(t), slotsN));
    incls.push_back(scratch(host, bitsType(t), slotsN));
  }
  Value firstBad;
  if (f.checkFinite) { // every byte 0x7F: beyond any tile
    firstBad = scratch(host, host.getI64Type(), one);
    gpu::MemsetOp::create(host, loc, Type(), ValueRange{}, firstBad,
                          cI64(host, loc, 0x7F7F7F7F7F7F7F7FLL));
  }

  // The tile kernel.
  Kernel k(*this, isa<ScanOp>(op) ? "scan" : "reduce", T, false);
  OpBuilder &b = k.b;
  Value t = k.tid();
  Value c0 = cIndex(b, loc, 0), c1 = cIndex(b, loc, 1);
  Value shTile = k.shared(b.getIndexType(), 1);
  Value shFlag = k.shared(b.getI1Type(), 2); // [0] a thread saw non-finite, [1] bad
  TileBuffer elems;
  for (Type ty : f.types)
    elems.slots.push_back(k.shared(ty, tile + tile / 32 + 1));
  SmallVector<Value> shW, shPrefix;
  for (Type ty : f.types) {
    shW.push_back(k.shared(ty, W));
    shPrefix.push_back(k.shared(ty, 1));
  }
  Value shWValid = f.identity ? Value() : k.shared(b.getI1Type(), W);
  Value isT0 = cmp(b, loc, arith::CmpIPredicate::eq, t, c0);

  // P0: thread 0 takes the next tile (in the order blocks start, so a tile
  // only ever waits for tiles being worked on).
  ifThen(b, loc, isT0, [&](OpBuilder &x) {
    Value id = atomic(x, loc, arith::AtomicRMWKind::addi, cI64(x, loc, 1), counter, c0);
    memref::StoreOp::create(x, loc,
                            arith::IndexCastOp::create(x, loc, x.getIndexType(), id),
                            shTile, ValueRange{c0});
    memref::StoreOp::create(x, loc, cBool(x, loc, false), shFlag, ValueRange{c0});
  });
  k.barrier();
  Value tileId = memref::LoadOp::create(b, loc, shTile, ValueRange{c0});
  Value tileBase = add(b, loc, lb, mul(b, loc, tileId, cIndex(b, loc, tile)));
  Value tileEnd =
      arith::MinSIOp::create(b, loc, add(b, loc, tileBase, cIndex(b, loc, tile)), end);
  auto validK = [&](OpBuilder &x, Value kk) {
    return cmp(x, loc, arith::CmpIPredicate::slt, kk, tileEnd);
  };

  // P1: the elements, striped (coalesced loads), into shared memory.
  for (int64_t j = 0; j < I; ++j) {
    Value q = add(b, loc, cIndex(b, loc, j * T), t);
    Value kk = add(b, loc, tileBase, q);
    ifThen(b, loc, validK(b, kk), [&](OpBuilder &x) {
      elems.store(x, loc, inlineRegion(x, op.getElement(), {iterOf(x, kk)}), q);
    });
  }
  k.barrier();

  // P2: each thread folds its I consecutive items with the combiner.
  Value first = mul(b, loc, t, cIndex(b, loc, I));
  Acc acc = f.identityAcc(b, loc);
  {
    SmallVector<Value> init = acc.v;
    if (acc.valid)
      init.push_back(acc.valid);
    auto loop = scf::ForOp::create(
        b, loc, c0, cIndex(b, loc, I), c1, init,
        [&](OpBuilder &x, Location, Value j, ValueRange it) {
          Value q = add(x, loc, first, j);
          Value ok = validK(x, add(x, loc, tileBase, q));
          auto br = ifElse(
              x, loc, TypeRange(ValueRange(it)), ok,
              [&](OpBuilder &y, Location) {
                Acc cur{SmallVector<Value>(it.take_front(n)),
                        acc.valid ? it[n] : Value()};
                Acc e{elems.load(y, loc, q), acc.valid ? cBool(y, loc, true) : Value()};
                Acc r = f.combine(y, loc, cur, e);
                SmallVector<Value> out = r.v;
                if (r.valid)
                  out.push_back(r.valid);
                scf::YieldOp::create(y, loc, out);
              },
              [&](OpBuilder &y, Location) { scf::YieldOp::create(y, loc, it); });
          scf::YieldOp::create(x, loc, br.getResults());
        });
    acc.v.assign(loop.getResults().begin(), loop.getResults().begin() + n);
    if (acc.valid)
      acc.valid = loop.getResult(n);
  }
  if (f.checkFinite)
    ifThen(b, loc, notFinite(b, loc, acc.v, f.nanOnly), [&](OpBuilder &x) {
      memref::StoreOp::create(x, loc, cBool(x, loc, true), shFlag, ValueRange{c0});
    });
  // Warp inclusive scan (Kogge-Stone over the lanes; a fixed grouping).
  Value lane = arith::RemUIOp::create(b, loc, t, cIndex(b, loc, 32));
  Value warp = arith::DivUIOp::create(b, loc, t, cIndex(b, loc, 32));
  auto shuffleAcc = [&](const Acc &a, int32_t off, gpu::ShuffleMode mode) {
    Acc s;
    for (Value v : a.v)
      s.v.push_back(shuffle(b, loc, v, off, mode));
    if (a.valid)
      s.valid = shuffle(b, loc, a.valid, off, mode);
    return s;
  };
  Acc inc = acc;
  for (int32_t off = 1; off < 32; off *= 2) {
    Acc up = shuffleAcc(inc, off, gpu::ShuffleMode::UP);
    Acc c = f.combine(b, loc, up, inc);
    Value take = cmp(b, loc, arith::CmpIPredicate::uge, lane, cIndex(b, loc, off));
    Acc next;
    for (unsigned j = 0; j < n; ++j)
      next.v.push_back(select(b, loc, take, c.v[j], inc.v[j]));
    if (inc.valid)
      next.valid = select(b, loc, take, c.valid, inc.valid);
    inc = next;
  }
  Acc prevLane = shuffleAcc(inc, 1, gpu::ShuffleMode::UP);
  ifThen(b, loc, cmp(b, loc, arith::CmpIPredicate::eq, lane, cIndex(b, loc, 31)),
         [&](OpBuilder &x) {
           for (unsigned j = 0; j < n; ++j)
             memref::StoreOp::create(x, loc, inc.v[j], shW[j], ValueRange{warp});
           if (inc.valid)
             memref::StoreOp::create(x, loc, inc.valid, shWValid, ValueRange{warp});
         });
  k.barrier();

  // P3: the warps' totals in order: this thread's warp prefix, the tile's
  // aggregate; thread 0 publishes and looks back.
  auto loadW = [&](OpBuilder &x, Value w) {
    Acc a;
    for (Value m : shW)
      a.v.push_back(memref::LoadOp::create(x, loc, m, ValueRange{w}));
    if (shWValid)
      a.valid = memref::LoadOp::create(x, loc, shWValid, ValueRange{w});
    return a;
  };
  auto foldW = [&](OpBuilder &x, Value upTo) { // fold of sh_w[0 .. upTo)
    Acc init = f.identityAcc(x, loc);
    SmallVector<Value> it0 = init.v;
    if (init.valid)
      it0.push_back(init.valid);
    auto loop = scf::ForOp::create(
        x, loc, cIndex(x, loc, 0), upTo, cIndex(x, loc, 1), it0,
        [&](OpBuilder &y, Location, Value w, ValueRange it) {
          Acc cur{SmallVector<Value>(it.take_front(n)), init.valid ? it[n] : Value()};
          Acc r = f.combine(y, loc, cur, loadW(y, w));
          SmallVector<Value> out = r.v;
          if (r.valid)
            out.push_back(r.valid);
          scf::YieldOp::create(y, loc, out);
        });
    Acc r;
    r.v.assign(loop.getResults().begin(), loop.getResults().begin() + n);
    if (init.valid)
      r.valid = loop.getResult(n);
    return r;
  };
  Acc warpPrefix = foldW(b, warp);
  // Exclusive within the warp: the lane before's inclusive value.
  Acc inWarp;
  {
    Value firstLane = cmp(b, loc, arith::CmpIPredicate::eq, lane, c0);
    Acc none = f.identityAcc(b, loc);
    for (unsigned j = 0; j < n; ++j)
      inWarp.v.push_back(select(b, loc, firstLane, none.v[j], prevLane.v[j]));
    if (prevLane.valid)
      inWarp.valid = select(b, loc, firstLane, none.valid, prevLane.valid);
  }
  Acc threadExcl = f.combine(b, loc, warpPrefix, inWarp);
  auto bitsOf = [&](OpBuilder &x, ArrayRef<Value> bufs, Value at) {
    SmallVector<Value> out;
    for (auto [m, ty] : llvm::zip_equal(bufs, f.types))
      out.push_back(fromBits(x, loc, atomicRead(x, loc, m, at), ty));
    return out;
  };
  auto storeBits = [&](OpBuilder &x, ArrayRef<Value> bufs, ValueRange vals, Value at) {
    for (auto [m, v] : llvm::zip_equal(bufs, vals))
      atomic(x, loc, arith::AtomicRMWKind::assign, toBits(x, loc, v), m, at);
  };
  // Values first, a fence, then the state word: a tile that sees the state
  // sees the values.
  auto publish = [&](OpBuilder &x, ArrayRef<Value> bufs, ValueRange vals, Value at,
                     int64_t state, Value bad) {
    storeBits(x, bufs, vals, at);
    fence(x, loc);
    Value word = arith::OrIOp::create(
        x, loc, cI32(x, loc, state),
        arith::ShLIOp::create(x, loc, arith::ExtUIOp::create(x, loc, x.getI32Type(), bad),
                              cI32(x, loc, 2)));
    atomic(x, loc, arith::AtomicRMWKind::assign, word, flags, at);
  };
  auto badBit = [&](OpBuilder &x, Value word) {
    return cmp(x, loc, arith::CmpIPredicate::ne,
               arith::AndIOp::create(x, loc, word, cI32(x, loc, kBadBit)),
               cI32(x, loc, 0));
  };
  // Thread 0: publish the aggregate (tile 0 has none: its inclusive prefix
  // is known at once), look back for the prefix, publish the inclusive
  // prefix, keep the prefix in shared memory.
  ifThen(b, loc, isT0, [&](OpBuilder &x) {
    Value x0 = cIndex(x, loc, 0), x1 = cIndex(x, loc, 1);
    Acc tileAgg = foldW(x, cIndex(x, loc, W));
    tileAgg.valid = Value(); // a tile always has an iteration
    Value aggBad = cBool(x, loc, false);
    if (f.checkFinite)
      aggBad = orOf(x, loc, notFinite(x, loc, tileAgg.v, f.nanOnly),
                    memref::LoadOp::create(x, loc, shFlag, ValueRange{x0}));
    Value isFirst = cmp(x, loc, arith::CmpIPredicate::eq, tileId, x0);
    ifThen(x, loc, notOf(x, loc, isFirst), [&](OpBuilder &y) {
      publish(y, aggs, tileAgg.v, tileId, kAggregate, aggBad);
    });
    // The prefix: init for tile 0; else walk back to the nearest tile with
    // an inclusive prefix (spinning on a tile that has published nothing
    // yet), then fold the aggregates after it forward in tile order: the
    // grouping of incl(k) = incl(k-1) ⊕ agg(k) whichever tile is found, so
    // the result never depends on timing.
    SmallVector<Value> initVals(op.getInit().begin(), op.getInit().end());
    SmallVector<Type> resTypes(f.types);
    resTypes.push_back(x.getI1Type());
    auto prefixIf = ifElse(
        x, loc, resTypes, isFirst,
        [&](OpBuilder &y, Location) {
          SmallVector<Value> out = initVals;
          out.push_back(cBool(y, loc, false)); // init itself is not judged
          scf::YieldOp::create(y, loc, out);
        },
        [&](OpBuilder &y, Location) {
          auto walk = scf::WhileOp::create(
              y, loc, TypeRange{y.getIndexType()}, ValueRange{sub(y, loc, tileId, x1)},
              [&](OpBuilder &z, Location, ValueRange a) {
                Value j = a[0];
                auto spin = scf::WhileOp::create(
                    z, loc, TypeRange{z.getI32Type()}, ValueRange{cI32(z, loc, 0)},
                    [&](OpBuilder &s, Location, ValueRange) {
                      Value w = atomicRead(s, loc, flags, j);
                      Value none = cmp(s, loc, arith::CmpIPredicate::eq,
                                       arith::AndIOp::create(s, loc, w, cI32(s, loc, 3)),
                                       cI32(s, loc, 0));
                      scf::ConditionOp::create(s, loc, none, ValueRange{w});
                    },
                    [&](OpBuilder &s, Location, ValueRange w) {
                      scf::YieldOp::create(s, loc, w);
                    });
                Value state =
                    arith::AndIOp::create(z, loc, spin.getResult(0), cI32(z, loc, 3));
                scf::ConditionOp::create(z, loc,
                                         cmp(z, loc, arith::CmpIPredicate::ne, state,
                                             cI32(z, loc, kInclusive)),
                                         ValueRange{j});
              },
              [&](OpBuilder &z, Location, ValueRange a) {
                scf::YieldOp::create(z, loc, ValueRange{sub(z, loc, a[0], x1)});
              });
          Value j = walk.getResult(0);
          Value badJ = badBit(y, atomicRead(y, loc, flags, j));
          fence(y, loc);
          SmallVector<Value> it0 = bitsOf(y, incls, j);
          it0.push_back(badJ);
          auto fwd = scf::ForOp::create(
              y, loc, add(y, loc, j, x1), tileId, x1, it0,
              [&](OpBuilder &z, Location, Value m, ValueRange it) {
                Value badM = badBit(z, atomicRead(z, loc, flags, m));
                fence(z, loc);
                Acc r = f.combine(z, loc, Acc{SmallVector<Value>(it.take_front(n)), {}},
                                  Acc{bitsOf(z, aggs, m), {}});
                Value bad = orOf(z, loc, it[n], badM);
                if (f.checkFinite)
                  bad = orOf(z, loc, bad, notFinite(z, loc, r.v, f.nanOnly));
                SmallVector<Value> out = r.v;
                out.push_back(bad);
                scf::YieldOp::create(z, loc, out);
              });
          scf::YieldOp::create(y, loc, fwd.getResults());
        });
    SmallVector<Value> prefix(prefixIf.getResults().take_front(n));
    for (unsigned j = 0; j < n; ++j)
      memref::StoreOp::create(x, loc, prefix[j], shPrefix[j], ValueRange{x0});
    Acc incl = f.combine(x, loc, Acc{prefix, {}}, tileAgg);
    Value bad = orOf(x, loc, prefixIf.getResult(n), aggBad);
    if (f.checkFinite)
      bad = orOf(x, loc, bad, notFinite(x, loc, incl.v, f.nanOnly));
    memref::StoreOp::create(x, loc, bad, shFlag, ValueRange{x1});
    // (lookback-stress: tiles whose index is not a multiple of 3 keep only
    // their aggregate's state, so the tiles after them walk further; the
    // values go to the side for the finishing kernel.)
    Value withState = cBool(x, loc, true);
    if (opts.stress)
      withState =
          orOf(x, loc, isFirst,
               cmp(x, loc, arith::CmpIPredicate::eq,
                   arith::RemUIOp::create(x, loc, tileId, cIndex(x, loc, 3)), x0));
    ifThen(x, loc, withState,
           [&](OpBuilder &y) { publish(y, incls, incl.v, tileId, kInclusive, bad); });
    ifThen(x, loc, notOf(x, loc, withState),
           [&](OpBuilder &y) { storeBits(y, incls, incl.v, tileId); });
    if (f.checkFinite)
      ifThen(x, loc, bad, [&](OpBuilder &y) {
        atomic(y, loc, arith::AtomicRMWKind::mins,
               arith::IndexCastOp::create(y, loc, y.getI64Type(), tileId), firstBad, x0);
      });
  });
  k.barrier();

  // P4: this thread's carry: the tile's prefix, then the threads before it.
  Acc tilePrefix;
  for (Value m : shPrefix)
    tilePrefix.v.push_back(memref::LoadOp::create(b, loc, m, ValueRange{c0}));
  Acc carry = f.combine(b, loc, tilePrefix, threadExcl);
  if (f.checkFinite && f.body) {
    // A carry that is not finite sends this tile back to the loop too
    // (thread 0's is the tile's prefix, judged with the tiles before).
    ifThen(b, loc,
           andOf(b, loc, notOf(b, loc, isT0), notFinite(b, loc, carry.v, f.nanOnly)),
           [&](OpBuilder &x) {
             memref::StoreOp::create(x, loc, cBool(x, loc, true), shFlag, ValueRange{c1});
           });
    k.barrier();
    ifThen(b, loc,
           andOf(b, loc, isT0, memref::LoadOp::create(b, loc, shFlag, ValueRange{c1})),
           [&](OpBuilder &x) {
             atomic(x, loc, arith::AtomicRMWKind::mins,
                    arith::IndexCastOp::create(x, loc, x.getI64Type(), tileId), firstBad,
                    cIndex(x, loc, 0));
           });
  }

  // P6 (scans): each thread applies the loop's step over its items from its
  // carry, keeping the running values the body reads in place of the
  // elements; P7: the bodies, striped.
  if (f.body) {
    k.barrier();
    Value tileBad = f.checkFinite
                        ? (Value)memref::LoadOp::create(b, loc, shFlag, ValueRange{c1})
                        : cBool(b, loc, false);
    ifThen(b, loc, notOf(b, loc, tileBad), [&](OpBuilder &x) {
      scf::ForOp::create(
          x, loc, cIndex(x, loc, 0), cIndex(x, loc, I), cIndex(x, loc, 1), carry.v,
          [&](OpBuilder &y, Location, Value j, ValueRange a) {
            Value q = add(y, loc, first, j);
            Value ok = validK(y, add(y, loc, tileBase, q));
            auto br = ifElse(
                y, loc, TypeRange(ValueRange(a)), ok,
                [&](OpBuilder &z, Location) {
                  SmallVector<Value> e = elems.load(z, loc, q);
                  SmallVector<Value> next =
                      inlineRegion(z, applyRegion(f.p), concat(a, e));
                  for (unsigned s = 0; s < n; ++s)
                    if (!live[s])
                      next[s] = a[s];
                  elems.store(z, loc, f.inclusive ? ValueRange(next) : a, q);
                  scf::YieldOp::create(z, loc, next);
                },
                [&](OpBuilder &z, Location) { scf::YieldOp::create(z, loc, a); });
            scf::YieldOp::create(y, loc, br.getResults());
          });
    });
    k.barrier();
    ifThen(b, loc, notOf(b, loc, tileBad), [&](OpBuilder &x) {
      for (int64_t j = 0; j < I; ++j) {
        Value q = add(x, loc, cIndex(x, loc, j * T), t);
        Value kk = add(x, loc, tileBase, q);
        ifThen(x, loc, validK(x, kk), [&](OpBuilder &y) {
          inlineRegion(y, *f.body, concat({iterOf(y, kk)}, elems.load(y, loc, q)));
        });
      }
    });
  }
  markUnchecked(k.func);
  Value grid = arith::MaxSIOp::create(host, loc, tiles, one);
  k.launch(host, grid, one);

  // The finishing kernel (one thread): the result, and the exact loop from
  // the first tile that was not finite, or from where a probe stopped the
  // tiles (checked: it raises there).
  bool resultsUsed =
      llvm::any_of(op->getResults(), [](Value r) { return !r.use_empty(); });
  if (resultsUsed || f.checkFinite || kEnd) {
    Kernel fin(*this, isa<ScanOp>(op) ? "scan_finish" : "reduce_finish", 1, true);
    if (kEnd)
      fin.pinFirst(statusBuffer());
    OpBuilder &x = fin.b;
    Value z0 = cIndex(x, loc, 0), z1 = cIndex(x, loc, 1);
    Value xTrip = arith::MaxSIOp::create(x, loc, sub(x, loc, end, lb), z0);
    Value xTiles = arith::CeilDivSIOp::create(x, loc, xTrip, cIndex(x, loc, tile));
    Value none = cmp(x, loc, arith::CmpIPredicate::eq, xTiles, z0);
    Value last = sub(x, loc, arith::MaxSIOp::create(x, loc, xTiles, z1), z1);
    auto loadBits = [&](OpBuilder &y, ArrayRef<Value> bufs, Value at) {
      SmallVector<Value> out;
      for (auto [m, ty] : llvm::zip_equal(bufs, f.types))
        out.push_back(fromBits(y, loc, markedLoad(y, loc, m, at), ty));
      return out;
    };
    SmallVector<Type> carryTypes(f.types);
    carryTypes.push_back(x.getIndexType());
    // (the accumulator at `from`, from)
    auto start = ifElse(
        x, loc, carryTypes, none,
        [&](OpBuilder &y, Location) {
          SmallVector<Value> out(op.getInit());
          out.push_back(end);
          scf::YieldOp::create(y, loc, out);
        },
        [&](OpBuilder &y, Location) {
          SmallVector<Value> out = loadBits(y, incls, last);
          out.push_back(end);
          scf::YieldOp::create(y, loc, out);
        });
    SmallVector<Value> carry(start.getResults().begin(), start.getResults().end());
    if (f.checkFinite) {
      Value fb = arith::IndexCastOp::create(x, loc, x.getIndexType(),
                                            markedLoad(x, loc, firstBad, z0));
      Value anyBad = cmp(x, loc, arith::CmpIPredicate::slt, fb, xTiles);
      auto redo = ifElse(
          x, loc, carryTypes, anyBad,
          [&](OpBuilder &y, Location) {
            Value from = add(y, loc, lb, mul(y, loc, fb, cIndex(y, loc, tile)));
            Value isFirst = cmp(y, loc, arith::CmpIPredicate::eq, fb, cIndex(y, loc, 0));
            auto carryIf = ifElse(
                y, loc, f.types, isFirst,
                [&](OpBuilder &z, Location) {
                  scf::YieldOp::create(z, loc, SmallVector<Value>(op.getInit()));
                },
                [&](OpBuilder &z, Location) {
                  scf::YieldOp::create(
                      z, loc, loadBits(z, incls, sub(z, loc, fb, cIndex(z, loc, 1))));
                });
            SmallVector<Value> out(carryIf.getResults().begin(),
                                   carryIf.getResults().end());
            out.push_back(from);
            scf::YieldOp::create(y, loc, out);
          },
          [&](OpBuilder &y, Location) { scf::YieldOp::create(y, loc, carry); });
      carry.assign(redo.getResults().begin(), redo.getResults().end());
    }
    // The exact loop over [from, ub): empty unless a tile was not finite or
    // a probe stopped the tiles.
    Value from = carry.pop_back_val();
    Value rb = reverseBase(x, loc, lb, ub, op.getReverse());
    SmallVector<Value> result(foldLoop(x, f.p, from, ub, rb, carry, live).getResults());
    // Its own accesses are checked where a probe ran (the loop raises as
    // the user's would); the scratch reads above are in range.
    if (!kEnd)
      markUnchecked(fin.func);
    OpBuilder after(op->getBlock(), std::next(op->getIterator()));
    for (auto [r, v] : llvm::zip_equal(op->getResults(), result)) {
      if (r.use_empty())
        continue;
      Value c = cell(r.getType());
      memref::StoreOp::create(x, loc, v, c, ValueRange{z0})
          ->setAttr(kInBoundsAttr, x.getUnitAttr());
      r.replaceAllUsesWith(readCell(after, c));
    }
    auto launch = fin.launch(host, one, one);
    if (kEnd)
      launch->setAttr(kMayFailAttr, host.getUnitAttr());
  }
  std::string what = isa<ScanOp>(op) ? "scan" : "reduction";
  record(op, isa<ScanOp>(op) ? "scan" : "reduce",
         "GPU: one-pass tiled " + what + ", tiles of " + std::to_string(tile) +
             " iterations (" + std::to_string(T) + " threads x " + std::to_string(I) +
             " consecutive items), tile ids in start order, a decoupled look-back "
             "folded forward from the nearest inclusive prefix (the same grouping "
             "whatever the timing: deterministic)" +
             (f.reassociates ? "; floats reassociated in that fixed grouping"
                             : "; exact: the loop's result bit for bit") +
             (f.checkFinite ? "; from a tile whose float values are not finite on, one "
                              "thread runs the loop"
                            : "") +
             (kEnd ? kProbed : ""));
  op.erase();
}

//===----------------------------------------------------------------------===//
// Scatters and histograms
//===----------------------------------------------------------------------===//

/// The row-major linear index of `idx` into memref `m`.
Value linearIndex(OpBuilder &b, Location loc, Value m, ValueRange idx) {
  Value lin = cIndex(b, loc, 0);
  for (auto [d, i] : llvm::enumerate(idx)) {
    Value ext = memref::DimOp::create(b, loc, m, static_cast<int64_t>(d));
    lin = add(b, loc, mul(b, loc, lin, ext), i);
  }
  return lin;
}

/// A kernel over the iterations of `op` (like a map): `body(b, i)`.
/// (`ub` sizes the grid on the host; the kernel runs i < `end`, where a
/// probe may have stopped it earlier: a device value.)
void overIterations(HostLowering &h, Operation *op, Value lb, Value ub, Value end,
                    StringRef name, function_ref<void(OpBuilder &, Value)> body,
                    OpBuilder &host, Value when = Value()) {
  Location loc = h.loc;
  Value zero = cIndex(host, loc, 0), one = cIndex(host, loc, 1);
  Value grid = h.tileGrid(host, lb, ub);
  Kernel k(h, name, h.opts.threads, false);
  k.stripedIterations(lb, end, body);
  markUnchecked(k.func);
  // A launch of no blocks does not run (the plan skips it): `when` false.
  if (when)
    grid = arith::SelectOp::create(host, loc, when, grid, zero);
  k.launch(host, grid, one);
  (void)op;
}

/// Last writer wins, exactly: winner[t] = the largest iteration writing t
/// (atomic max), then every iteration that is its element's winner stores.
void HostLowering::lowerScatter(ScatterOp op, Value kEnd) {
  OpBuilder host(op);
  Value target = op.getTarget();
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  auto mt = cast<MemRefType>(target.getType());
  Value size = cIndex(host, loc, 1);
  for (int64_t d = 0; d < mt.getRank(); ++d)
    size = mul(host, loc, size, memref::DimOp::create(host, loc, target, d));
  Value winner = scratch(host, host.getI64Type(),
                         arith::MaxSIOp::create(host, loc, size, cIndex(host, loc, 1)));
  gpu::MemsetOp::create(host, loc, Type(), ValueRange{}, winner, cI64(host, loc, -1));
  overIterations(
      *this, op, lb, ub, kEnd ? kEnd : ub, "scatter_winner",
      [&](OpBuilder &b, Value i) {
        SmallVector<Value> e = inlineRegion(b, op.getElement(), {i});
        e.pop_back();
        Value lin = linearIndex(b, loc, target, e);
        atomic(b, loc, arith::AtomicRMWKind::maxs,
               arith::IndexCastOp::create(b, loc, b.getI64Type(), i), winner, lin);
      },
      host);
  overIterations(
      *this, op, lb, ub, kEnd ? kEnd : ub, "scatter_write",
      [&](OpBuilder &b, Value i) {
        SmallVector<Value> e = inlineRegion(b, op.getElement(), {i});
        Value v = e.pop_back_val();
        Value lin = linearIndex(b, loc, target, e);
        Value w = memref::LoadOp::create(b, loc, winner, ValueRange{lin});
        ifThen(b, loc,
               cmp(b, loc, arith::CmpIPredicate::eq, w,
                   arith::IndexCastOp::create(b, loc, b.getI64Type(), i)),
               [&](OpBuilder &x) { memref::StoreOp::create(x, loc, v, target, e); });
      },
      host);
  if (kEnd)
    checkedTail(op, kEnd, host);
  record(op, "scatter",
         std::string("GPU: exact last writer wins: the largest iteration writing each "
                     "element by atomic max, then the winners store (two passes over the "
                     "iterations)") +
             (kEnd ? kProbed : ""));
  op.erase();
}

/// The atomic kind of a histogram's combiner where it is one integer
/// operation, else none.
std::optional<arith::AtomicRMWKind> atomicKindOf(Region &combiner) {
  auto yield = cast<YieldOp>(combiner.front().getTerminator());
  Operation *d = yield.getValues().front().getDefiningOp();
  if (!d || d->getBlock() != &combiner.front() || d->getNumOperands() != 2)
    return std::nullopt;
  if (!llvm::is_contained(d->getOperands(), combiner.front().getArgument(0)) ||
      !llvm::is_contained(d->getOperands(), combiner.front().getArgument(1)))
    return std::nullopt;
  using K = arith::AtomicRMWKind;
  if (isa<arith::AddIOp>(d))
    return K::addi;
  if (isa<arith::MulIOp>(d))
    return K::muli;
  if (isa<arith::AndIOp>(d))
    return K::andi;
  if (isa<arith::OrIOp>(d))
    return K::ori;
  if (isa<arith::XOrIOp>(d))
    return K::xori;
  if (isa<arith::MaxSIOp>(d))
    return K::maxs;
  if (isa<arith::MinSIOp>(d))
    return K::mins;
  if (isa<arith::MaxUIOp>(d))
    return K::maxu;
  if (isa<arith::MinUIOp>(d))
    return K::minu;
  if (isa<arith::MaximumFOp>(d))
    return K::maximumf;
  if (isa<arith::MinimumFOp>(d))
    return K::minimumf;
  return std::nullopt;
}

/// The neutral value of an atomic combiner (what a private copy starts from).
TypedAttr atomicIdentity(arith::AtomicRMWKind kind, Type t) {
  Builder b(t.getContext());
  using K = arith::AtomicRMWKind;
  if (auto ft = dyn_cast<FloatType>(t)) {
    bool neg = kind == K::maximumf;
    return b.getFloatAttr(t, APFloat::getInf(ft.getFloatSemantics(), neg));
  }
  unsigned w = t.getIntOrFloatBitWidth();
  switch (kind) {
  case K::muli:
    return b.getIntegerAttr(t, 1);
  case K::andi:
  case K::minu:
    return b.getIntegerAttr(t, APInt::getAllOnes(w));
  case K::maxs:
    return b.getIntegerAttr(t, APInt::getSignedMinValue(w));
  case K::mins:
    return b.getIntegerAttr(t, APInt::getSignedMaxValue(w));
  default:
    return b.getIntegerAttr(t, 0);
  }
}

/// Row-major indices of linear position `lin` in memref `m`.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value m, Value lin) {
  int64_t rank = cast<MemRefType>(m.getType()).getRank();
  SmallVector<Value> idx(rank);
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (d == 0) {
      idx[d] = lin;
      break;
    }
    Value ext = memref::DimOp::create(b, loc, m, d);
    idx[d] = arith::RemUIOp::create(b, loc, lin, ext);
    lin = arith::DivUIOp::create(b, loc, lin, ext);
  }
  return idx;
}

/// Elements of a histogram's target a block keeps a private copy of in
/// shared memory (32 KiB).
int64_t sharedCapacity(Type t) {
  return (32 * 1024) /
         (t.isIndex() ? 8 : std::max<int64_t>(1, t.getIntOrFloatBitWidth() / 8));
}

/// The float + or * a histogram's combiner is (the target element and the
/// value), else null.
Operation *floatTreeOp(ScatterCombineOp op) {
  Block &c = op.getCombiner().front();
  auto yield = cast<YieldOp>(c.getTerminator());
  Operation *d = yield.getValues().front().getDefiningOp();
  if (!isa_and_nonnull<arith::AddFOp, arith::MulFOp>(d) || d->getBlock() != &c ||
      !llvm::is_contained(d->getOperands(), c.getArgument(0)) ||
      !llvm::is_contained(d->getOperands(), c.getArgument(1)))
    return nullptr;
  return d;
}

void HostLowering::lowerFloatHistogram(ScatterCombineOp op, Value kEnd) {
  OpBuilder host(op);
  Value target = op.getTarget();
  auto mt = cast<MemRefType>(target.getType());
  Type et = mt.getElementType();
  const int64_t vBytes = et.getIntOrFloatBitWidth() / 8;
  // A tile per block: its elements' (bin, value) staged in shared memory,
  // P owners each folding a fixed run of them in order into its own copy,
  // the copies folded in owner order into the tile's partial result; then
  // each element of the target folds the tiles' partials in tile order.
  const int64_t T = opts.threads, P = 16, I = 8, tile = T * I;
  const int64_t copiesBytes = 46 * 1024 - tile * (4 + vBytes);
  const int64_t cap = std::max<int64_t>(1, copiesBytes / (P * vBytes));
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  Value end = kEnd ? kEnd : ub;
  Value zero = cIndex(host, loc, 0), one = cIndex(host, loc, 1);
  Value size = cIndex(host, loc, 1);
  for (int64_t d = 0; d < mt.getRank(); ++d)
    size = mul(host, loc, size, memref::DimOp::create(host, loc, target, d));
  Value small = cmp(host, loc, arith::CmpIPredicate::sle, size, cIndex(host, loc, cap));
  Value trip = arith::MaxSIOp::create(host, loc, sub(host, loc, ub, lb), zero);
  Value tiles = arith::CeilDivSIOp::create(host, loc, trip, cIndex(host, loc, tile));
  Value partials = scratch(
      host, et, arith::MaxSIOp::create(host, loc, mul(host, loc, tiles, size), one));
  Value identity = arith::ConstantOp::create(host, loc,
                                             isa<arith::MulFOp>(floatTreeOp(op))
                                                 ? host.getFloatAttr(et, 1.0)
                                                 : host.getFloatAttr(et, -0.0));
  auto combine = [&](OpBuilder &b, Value a, Value x) {
    return inlineRegion(b, op.getCombiner(), {a, x}).front();
  };
  {
    Kernel k(*this, "histogram_tiles", T, false);
    OpBuilder &b = k.b;
    Value copies = k.shared(et, P * cap);
    Value bins = k.shared(b.getI32Type(), tile);
    Value vals = k.shared(et, tile);
    Value valid = k.shared(b.getI1Type(), tile);
    Value t = k.tid(), tileId = k.blockX();
    Value cT = cIndex(b, loc, T);
    Value kSize = cIndex(b, loc, 1);
    for (int64_t d = 0; d < mt.getRank(); ++d)
      kSize = mul(b, loc, kSize, memref::DimOp::create(b, loc, target, d));
    Value tileBase = add(b, loc, lb, mul(b, loc, tileId, cIndex(b, loc, tile)));
    forLoop(b, loc, t, mul(b, loc, kSize, cIndex(b, loc, P)), cT,
            [&](OpBuilder &x, Value e) {
              memref::StoreOp::create(x, loc, identity, copies, ValueRange{e});
            });
    for (int64_t j = 0; j < I; ++j) {
      Value q = add(b, loc, cIndex(b, loc, j * T), t);
      Value kk = add(b, loc, tileBase, q);
      Value ok = cmp(b, loc, arith::CmpIPredicate::slt, kk, end);
      memref::StoreOp::create(b, loc, ok, valid, ValueRange{q});
      ifThen(b, loc, ok, [&](OpBuilder &x) {
        SmallVector<Value> e = inlineRegion(x, op.getElement(), {kk});
        Value v = e.pop_back_val();
        Value lin = linearIndex(x, loc, target, e);
        memref::StoreOp::create(x, loc,
                                arith::IndexCastOp::create(x, loc, x.getI32Type(), lin),
                                bins, ValueRange{q});
        memref::StoreOp::create(x, loc, v, vals, ValueRange{q});
      });
    }
    k.barrier();
    // Owner o folds items [o*tile/P, (o+1)*tile/P) in order into copy o.
    ifThen(b, loc, cmp(b, loc, arith::CmpIPredicate::slt, t, cIndex(b, loc, P)),
           [&](OpBuilder &x) {
             Value first = mul(x, loc, t, cIndex(x, loc, tile / P));
             Value base = mul(x, loc, t, kSize);
             forLoop(x, loc, first, add(x, loc, first, cIndex(x, loc, tile / P)),
                     cIndex(x, loc, 1), [&](OpBuilder &y, Value q) {
                       Value ok = memref::LoadOp::create(y, loc, valid, ValueRange{q});
                       ifThen(y, loc, ok, [&](OpBuilder &z) {
                         Value bin = arith::IndexCastOp::create(
                             z, loc, z.getIndexType(),
                             memref::LoadOp::create(z, loc, bins, ValueRange{q}));
                         Value at = add(z, loc, base, bin);
                         Value old =
                             memref::LoadOp::create(z, loc, copies, ValueRange{at});
                         Value v = memref::LoadOp::create(z, loc, vals, ValueRange{q});
                         memref::StoreOp::create(z, loc, combine(z, old, v), copies,
                                                 ValueRange{at});
                       });
                     });
           });
    k.barrier();
    // The tile's partial: the copies in owner order.
    forLoop(b, loc, t, kSize, cT, [&](OpBuilder &x, Value e) {
      Value acc = identity;
      for (int64_t o = 0; o < P; ++o)
        acc = combine(
            x, acc,
            memref::LoadOp::create(
                x, loc, copies,
                ValueRange{add(x, loc, mul(x, loc, cIndex(x, loc, o), kSize), e)}));
      memref::StoreOp::create(x, loc, acc, partials,
                              ValueRange{add(x, loc, mul(x, loc, tileId, kSize), e)});
    });
    markUnchecked(k.func);
    k.launch(host, arith::SelectOp::create(host, loc, small, tiles, zero), one);
  }
  {
    // Each element of the target: the tiles' partials in tile order.
    Kernel k(*this, "histogram_merge", T, false);
    OpBuilder &b = k.b;
    Value t = k.tid(), bx = k.blockX(), gx = k.gridX();
    Value kSize = cIndex(b, loc, 1);
    for (int64_t d = 0; d < mt.getRank(); ++d)
      kSize = mul(b, loc, kSize, memref::DimOp::create(b, loc, target, d));
    Value kTrip = arith::MaxSIOp::create(b, loc, sub(b, loc, end, lb), cIndex(b, loc, 0));
    Value kTiles = arith::CeilDivSIOp::create(b, loc, kTrip, cIndex(b, loc, tile));
    Value e = add(b, loc, mul(b, loc, bx, cIndex(b, loc, T)), t);
    (void)gx;
    ifThen(b, loc, cmp(b, loc, arith::CmpIPredicate::slt, e, kSize), [&](OpBuilder &x) {
      SmallVector<Value> idx = delinearize(x, loc, target, e);
      Value init = memref::LoadOp::create(x, loc, target, idx);
      auto loop = scf::ForOp::create(
          x, loc, cIndex(x, loc, 0), kTiles, cIndex(x, loc, 1), ValueRange{init},
          [&](OpBuilder &y, Location, Value tt, ValueRange acc) {
            Value part = memref::LoadOp::create(
                y, loc, partials, ValueRange{add(y, loc, mul(y, loc, tt, kSize), e)});
            scf::YieldOp::create(y, loc, combine(y, acc[0], part));
          });
      memref::StoreOp::create(x, loc, loop.getResult(0), target, idx);
    });
    markUnchecked(k.func);
    Value blocks = arith::CeilDivSIOp::create(host, loc, size, cIndex(host, loc, T));
    Value run =
        andOf(host, loc, small, cmp(host, loc, arith::CmpIPredicate::sgt, tiles, zero));
    k.launch(host, arith::SelectOp::create(host, loc, run, blocks, zero), one);
  }
  if (kEnd) {
    Value tailGrid = arith::SelectOp::create(host, loc, small, one, zero);
    auto tail = checkedTail(op, kEnd, host);
    tail.getGridSizeXMutable().assign(tailGrid);
  }
  std::string algorithm =
      "GPU: a target of up to " + std::to_string(cap) + " elements: tiles of " +
      std::to_string(tile) + " iterations, " + std::to_string(P) +
      " owners per tile each folding a fixed run of them in order into its own copy in "
      "shared memory, the copies folded in owner order, then each element folds the "
      "tiles' results in tile order: floats reassociated in that fixed grouping "
      "(deterministic); a larger target: one thread runs the loop" +
      std::string(kEnd ? kProbed : "");
  record(op, "scatter_combine", algorithm);
  // Larger targets: the loop on one thread (a launch of no blocks for small
  // ones). Checked mode: the loop checks all of it itself.
  Value serialGrid = arith::SelectOp::create(host, loc, small, zero, one);
  auto serial = runSerially({op}, ""); // erases op (and host's place with it)
  serial.getGridSizeXMutable().assign(serialGrid);
}

/// Integer combiners (and float min/max, which round nothing) commute and
/// associate exactly: every iteration updates the target atomically.
/// Integer combiners (and float min/max, which round nothing) commute and
/// associate exactly. A target that fits in shared memory gets a private
/// copy per block (from the combiner's identity; every iteration updates it
/// atomically, then the block merges it into the target atomically); a
/// larger one is updated atomically in global memory. Which one runs is
/// decided on the host from the target's size (the other launch has no
/// blocks).
void HostLowering::lowerHistogram(ScatterCombineOp op, Value kEnd) {
  OpBuilder host(op);
  Value target = op.getTarget();
  auto mt = cast<MemRefType>(target.getType());
  Type et = mt.getElementType();
  arith::AtomicRMWKind kind = *atomicKindOf(op.getCombiner()); // whySequential checked
  Value lb = op.getLowerBound(), ub = op.getUpperBound();
  Value end = kEnd ? kEnd : ub;
  const int64_t cap = sharedCapacity(et);
  Value size = cIndex(host, loc, 1);
  for (int64_t d = 0; d < mt.getRank(); ++d)
    size = mul(host, loc, size, memref::DimOp::create(host, loc, target, d));
  Value small = cmp(host, loc, arith::CmpIPredicate::sle, size, cIndex(host, loc, cap));
  // Large targets: every iteration updates the target.
  overIterations(
      *this, op, lb, ub, end, "histogram",
      [&](OpBuilder &b, Value i) {
        SmallVector<Value> e = inlineRegion(b, op.getElement(), {i});
        Value v = e.pop_back_val();
        memref::AtomicRMWOp::create(b, loc, kind, v, target, e);
      },
      host, notOf(host, loc, small));
  // Small targets: a private copy per block.
  {
    Kernel k(*this, "histogram_shared", opts.threads, false);
    OpBuilder &b = k.b;
    Value sh = k.shared(et, cap);
    Value t = k.tid(), T = cIndex(b, loc, opts.threads);
    Value kSize = cIndex(b, loc, 1);
    for (int64_t d = 0; d < mt.getRank(); ++d)
      kSize = mul(b, loc, kSize, memref::DimOp::create(b, loc, target, d));
    Value id = arith::ConstantOp::create(b, loc, atomicIdentity(kind, et));
    forLoop(b, loc, t, kSize, T, [&](OpBuilder &x, Value e) {
      memref::StoreOp::create(x, loc, id, sh, ValueRange{e});
    });
    k.barrier();
    k.stripedIterations(lb, end, [&](OpBuilder &ib, Value i) {
      SmallVector<Value> e = inlineRegion(ib, op.getElement(), {i});
      Value v = e.pop_back_val();
      memref::AtomicRMWOp::create(ib, loc, kind, v, sh,
                                  ValueRange{linearIndex(ib, loc, target, e)});
    });
    k.barrier();
    forLoop(b, loc, t, kSize, T, [&](OpBuilder &x, Value e) {
      Value v = memref::LoadOp::create(x, loc, sh, ValueRange{e});
      Value untouched =
          cmp(x, loc, arith::CmpIPredicate::eq, toBits(x, loc, v), toBits(x, loc, id));
      ifThen(x, loc, notOf(x, loc, untouched), [&](OpBuilder &y) {
        memref::AtomicRMWOp::create(y, loc, kind, v, target,
                                    delinearize(y, loc, target, e));
      });
    });
    markUnchecked(k.func);
    Value zero = cIndex(host, loc, 0), one = cIndex(host, loc, 1);
    // Enough blocks to fill a GPU, few enough that the merges stay small.
    Value grid = tileGrid(host, lb, ub, 1024);
    k.launch(host, arith::SelectOp::create(host, loc, small, grid, zero), one);
  }
  if (kEnd)
    checkedTail(op, kEnd, host);
  record(op, "scatter_combine",
         "GPU: a target of up to " + std::to_string(cap) +
             " elements: a private copy in each block's shared memory (updated "
             "atomically, then merged into the target atomically); a larger one "
             "updated atomically in place; the combiner is exact in any order: the "
             "loop's result bit for bit" +
             (kEnd ? kProbed : ""));
  op.erase();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

struct LowerToGPU : seqfuse::impl::LowerToGPUPassBase<LowerToGPU> {
  using LowerToGPUPassBase::LowerToGPUPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (threads < 32 || threads % 32 != 0 || threads > 1024 || items < 1 ||
        mapItems < 1) {
      module.emitError("seqfuse-lower-to-gpu: threads must be a multiple of 32 in "
                       "[32, 1024], items and map-items >= 1");
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> fns;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr(attrs::kKernel) && !fn.isExternal() && !fn->hasAttr(kGpuHostAttr))
        fns.push_back(fn);
    if (fns.empty())
      return;
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(&getContext()));
    GPUOptions o{threads, items, mapItems, checked, lookbackStress};
    for (func::FuncOp fn : fns) {
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      auto kernels =
          gpu::GPUModuleOp::create(mb, fn.getLoc(), (fn.getName() + "_kernels").str());
      HostLowering h(fn, kernels, o);
      h.run();
    }
    bool failed = false;
    module.walk([&](Operation *op) {
      if (isa<PatternOp>(op) || isa<SequentialOp>(op)) {
        op->emitError("seqfuse-lower-to-gpu: left a pattern op unlowered");
        failed = true;
      }
    });
    if (failed)
      signalPassFailure();
  }
};

} // namespace
