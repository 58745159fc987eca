//===- GPUToCPUSim.cpp - GPU kernels as CPU loops -------------------------===//
//
// seqfuse-gpu-to-cpu-sim (Passes.td): each gpu.func kernel becomes a
// func.func that runs its blocks (on the host's threads) and, inside a
// block, its threads phase by phase: a gpu.barrier ends a phase, a
// top-level gpu.shuffle is an exchange through a per-block buffer. The
// kernels the GPU lowering makes are the ones this runs, so their tiling,
// look-back and carries are tested by every CI run.
//
// seqfuse-gpu-check-exits: a failed check in a one-thread kernel records
// itself in the status buffer and returns.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

namespace seqfuse {
#define GEN_PASS_DEF_GPUTOCPUSIMPASS
#define GEN_PASS_DEF_GPUCHECKEXITSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;
using namespace seqfuse;

namespace {

constexpr const char *kPhaseLoopAttr = "sim_phase";

Value cIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The memref type of a workgroup buffer on the host (no address space).
MemRefType hostType(MemRefType t) {
  return MemRefType::get(t.getShape(), t.getElementType(), t.getLayout());
}

/// Ops whose value is the same for every thread of a block and that may run
/// once, before the threads: pure, no regions, operands all uniform.
bool isUniformOp(Operation &op, const llvm::DenseSet<Value> &uniform) {
  if (isa<gpu::ThreadIdOp, gpu::LaneIdOp, gpu::ShuffleOp>(op) || op.getNumRegions() ||
      !isPure(&op))
    return false;
  return llvm::all_of(op.getOperands(), [&](Value v) { return uniform.contains(v); });
}

class KernelSim {
public:
  KernelSim(gpu::GPUFuncOp k, ModuleOp m) : k(k), module(m), loc(k.getLoc()) {}

  func::FuncOp run() {
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    MLIRContext *ctx = k.getContext();
    SmallVector<Type> inputs{IndexType::get(ctx), IndexType::get(ctx)};
    llvm::append_range(inputs, k.getArgumentTypes());
    auto fn = func::FuncOp::create(mb, loc, ("sim_" + k.getName()).str(),
                                   mb.getFunctionType(inputs, {}));
    fn->setAttr(kSimKernelAttr, mb.getStringAttr(k.getName()));
    Block *entry = fn.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockEnd(entry);
    gx = entry->getArgument(0);
    gy = entry->getArgument(1);
    for (auto [from, to] :
         llvm::zip(k.getArguments(), entry->getArguments().drop_front(2)))
      base.map(from, to);
    if (auto known = k.getKnownBlockSize())
      threads = (*known)[0];
    if (k->hasAttr(kSingleThreadAttr)) {
      Value zero = cIndex(b, loc, 0);
      bx = by = zero;
      blockBody(b, /*single=*/true);
      replaceGPUIds(&fn.getBody());
    } else {
      Value c0 = cIndex(b, loc, 0), c1 = cIndex(b, loc, 1);
      auto nest = [&](OpBuilder &x, Value byv, Value bxv) {
        bx = bxv;
        by = byv;
        blockBody(x, false);
        replaceGPUIds(x.getInsertionBlock()->getParent());
      };
      if (parallelBlocks)
        scf::ParallelOp::create(
            b, loc, ValueRange{c0, c0}, ValueRange{gy, gx}, ValueRange{c1, c1},
            [&](OpBuilder &pb, Location, ValueRange ivs) { nest(pb, ivs[0], ivs[1]); });
      else
        scf::ForOp::create(b, loc, c0, gy, c1, ValueRange{},
                           [&](OpBuilder &ob, Location, Value yy, ValueRange) {
                             scf::ForOp::create(
                                 ob, loc, c0, gx, c1, ValueRange{},
                                 [&](OpBuilder &ib, Location, Value xx, ValueRange) {
                                   nest(ib, yy, xx);
                                   scf::YieldOp::create(ib, loc);
                                 });
                             scf::YieldOp::create(ob, loc);
                           });
    }
    func::ReturnOp::create(b, loc);
    return fn;
  }

  bool parallelBlocks = true;
  bool failed = false;

private:
  gpu::GPUFuncOp k;
  ModuleOp module;
  Location loc;
  IRMapping base;
  Value gx, gy, bx, by;
  int64_t threads = 1;

  void fail(Operation *op, const Twine &why) {
    op->emitError("seqfuse-gpu-to-cpu-sim: ") << why;
    failed = true;
  }

  /// One block: shared memory, the hoisted uniform values, the phases.
  void blockBody(OpBuilder &b, bool single) {
    IRMapping m = base;
    SmallVector<Value> frees;
    for (BlockArgument wg : k.getWorkgroupAttributions()) {
      auto t = hostType(cast<MemRefType>(wg.getType()));
      Value buf = memref::AllocOp::create(b, loc, t);
      m.map(wg, buf);
      frees.push_back(buf);
    }
    Block &body = k.getBody().front();
    if (single) {
      for (Operation &op : body.without_terminator()) {
        if (isa<gpu::BarrierOp>(op))
          continue;
        b.clone(op, m);
      }
      for (Value f : frees)
        memref::DeallocOp::create(b, loc, f);
      return;
    }
    // Phases: a barrier ends one; a shuffle's write ends one, its read
    // starts the next.
    llvm::DenseSet<Value> uniform(k.getArguments().begin(), k.getArguments().end());
    for (BlockArgument wg : k.getWorkgroupAttributions())
      uniform.insert(wg);
    llvm::DenseMap<Operation *, int> phaseOf; // -1: uniform
    int phase = 0;
    for (Operation &op : body.without_terminator()) {
      if (isa<gpu::BarrierOp>(op)) {
        ++phase;
        continue;
      }
      if (isUniformOp(op, uniform)) {
        phaseOf[&op] = -1;
        for (Value r : op.getResults())
          uniform.insert(r);
        continue;
      }
      if (isa<gpu::ShuffleOp>(op)) {
        phaseOf[&op] = phase; // the write; the result is the next phase's
        ++phase;
        continue;
      }
      phaseOf[&op] = phase;
    }
    const int phases = phase + 1;
    // Where each top-level value is defined (shuffle results: the phase after).
    auto defPhase = [&](Value v) -> int {
      Operation *d = v.getDefiningOp();
      if (!d || d->getBlock() != &body)
        return -1;
      int p = phaseOf.lookup(d);
      return isa<gpu::ShuffleOp>(d) && p >= 0 ? p + 1 : p;
    };
    auto usePhase = [&](Operation *user) -> int {
      Operation *top = body.findAncestorOpInBlock(*user);
      return top ? phaseOf.lookup(top) : -1;
    };
    // Values used in a phase other than their own: kept per thread.
    llvm::DenseMap<Value, Value> spill;
    for (Operation &op : body.without_terminator()) {
      if (isa<gpu::ThreadIdOp, gpu::LaneIdOp>(op))
        continue; // every phase has its thread's own (the phase loop's index)
      for (Value r : op.getResults()) {
        int dp = defPhase(r);
        if (dp < 0)
          continue;
        for (Operation *u : r.getUsers())
          if (usePhase(u) != dp && !spill.count(r)) {
            if (!r.getType().isIntOrIndexOrFloat()) {
              fail(u, "a value of type other than a scalar crosses a barrier");
              continue;
            }
            Value buf =
                memref::AllocOp::create(b, loc, MemRefType::get({threads}, r.getType()));
            spill[r] = buf;
            frees.push_back(buf);
          }
      }
    }
    // Exchange buffers, one per shuffle.
    llvm::DenseMap<Operation *, Value> exchange;
    for (Operation &op : body.without_terminator())
      if (auto s = dyn_cast<gpu::ShuffleOp>(op)) {
        Value buf = memref::AllocOp::create(
            b, loc, MemRefType::get({threads}, s.getValue().getType()));
        exchange[&op] = buf;
        frees.push_back(buf);
      }
    // Uniform ops, once per block.
    for (Operation &op : body.without_terminator())
      if (phaseOf.lookup(&op) == -1 && !isa<gpu::BarrierOp>(op))
        b.clone(op, m);
    // The phases.
    for (int p = 0; p < phases; ++p) {
      auto loop = scf::ForOp::create(b, loc, cIndex(b, loc, 0), cIndex(b, loc, threads),
                                     cIndex(b, loc, 1));
      loop->setAttr(kPhaseLoopAttr, b.getUnitAttr());
      OpBuilder tb = OpBuilder::atBlockBegin(loop.getBody());
      tb.setInsertionPoint(loop.getBody()->getTerminator());
      Value tid = loop.getInductionVar();
      IRMapping pm = m;
      for (Operation &op : body.without_terminator()) {
        if (isa<gpu::BarrierOp>(op))
          continue;
        int op_p = phaseOf.lookup(&op);
        auto s = dyn_cast<gpu::ShuffleOp>(op);
        bool writesHere = op_p == p;
        bool readsHere = s && op_p + 1 == p;
        if (!writesHere && !readsHere)
          continue;
        // Values this op uses from other phases.
        SmallVector<Value> used(op.getOperands());
        llvm::SetVector<Value> above;
        getUsedValuesDefinedAbove(op.getRegions(), above);
        used.append(above.begin(), above.end());
        for (Value v : used) {
          if (pm.contains(v))
            continue;
          Operation *d = v.getDefiningOp();
          if (isa_and_nonnull<gpu::ThreadIdOp, gpu::LaneIdOp>(d) &&
              d->getBlock() == &body)
            pm.map(v, tb.clone(*d)->getResult(0)); // this phase's thread
          else if (spill.count(v) && defPhase(v) != p)
            pm.map(v, memref::LoadOp::create(tb, loc, spill[v], ValueRange{tid}));
        }
        if (s && writesHere) {
          memref::StoreOp::create(tb, loc, pm.lookupOrDefault(s.getValue()),
                                  exchange[&op], ValueRange{tid});
          continue;
        }
        if (s && readsHere) {
          Value r, valid;
          shuffleRead(tb, s, pm, exchange[&op], tid, r, valid);
          pm.map(s.getShuffleResult(), r);
          pm.map(s.getValid(), valid);
        } else {
          tb.clone(op, pm);
        }
        for (Value res : op.getResults())
          if (auto it = spill.find(res); it != spill.end())
            memref::StoreOp::create(tb, loc, pm.lookup(res), it->second, ValueRange{tid});
      }
    }
    for (Value f : frees)
      memref::DeallocOp::create(b, loc, f);
  }

  /// The value a gpu.shuffle gives thread `tid`, from what every thread of
  /// its warp stored in `buf`, and whether the source lane was in range.
  void shuffleRead(OpBuilder &b, gpu::ShuffleOp s, IRMapping &pm, Value buf, Value tid,
                   Value &result, Value &valid) {
    Value c32 = cIndex(b, loc, 32);
    Value lane = arith::RemUIOp::create(b, loc, tid, c32);
    Value warpBase = arith::SubIOp::create(b, loc, tid, lane);
    auto toIndex = [&](Value v) {
      return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v);
    };
    Value off = toIndex(pm.lookupOrDefault(s.getOffset())),
          width = toIndex(pm.lookupOrDefault(s.getWidth()));
    Value src;
    switch (s.getMode()) {
    case gpu::ShuffleMode::UP:
      src = arith::SubIOp::create(b, loc, lane, off);
      valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, lane, off);
      break;
    case gpu::ShuffleMode::DOWN:
      src = arith::AddIOp::create(b, loc, lane, off);
      valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, src, width);
      break;
    case gpu::ShuffleMode::XOR:
      src = arith::XOrIOp::create(b, loc, lane, off);
      valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, src, width);
      break;
    case gpu::ShuffleMode::IDX:
      src = off;
      valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, src, width);
      break;
    }
    Value own = memref::LoadOp::create(b, loc, buf, ValueRange{tid});
    Value at = arith::SelectOp::create(b, loc, valid,
                                       arith::AddIOp::create(b, loc, warpBase, src), tid);
    Value other = memref::LoadOp::create(b, loc, buf, ValueRange{at});
    result = arith::SelectOp::create(b, loc, valid, other, own);
  }

  /// The GPU's id and size queries in one simulated block (`region`: the
  /// block loop's body, or the function of a one-thread kernel).
  void replaceGPUIds(Region *region) {
    SmallVector<Operation *> dead;
    region->walk([&](Operation *op) {
      OpBuilder b(op);
      Value repl;
      auto dimOf = [](Operation *o) {
        if (auto a = o->getAttrOfType<gpu::DimensionAttr>("dimension"))
          return a.getValue();
        return gpu::Dimension::x;
      };
      if (isa<gpu::ThreadIdOp, gpu::LaneIdOp>(op)) {
        Value tid = cIndex(b, op->getLoc(), 0);
        if (dimOf(op) == gpu::Dimension::x || isa<gpu::LaneIdOp>(op))
          for (Operation *p = op->getParentOp(); p; p = p->getParentOp())
            if (p->hasAttr(kPhaseLoopAttr)) {
              tid = cast<scf::ForOp>(p).getInductionVar();
              break;
            }
        if (isa<gpu::LaneIdOp>(op))
          tid = arith::RemUIOp::create(b, op->getLoc(), tid, cIndex(b, op->getLoc(), 32));
        repl = tid;
      } else if (isa<gpu::BlockIdOp>(op)) {
        gpu::Dimension d = dimOf(op);
        repl = d == gpu::Dimension::x   ? bx
               : d == gpu::Dimension::y ? by
                                        : cIndex(b, op->getLoc(), 0);
      } else if (isa<gpu::GridDimOp>(op)) {
        gpu::Dimension d = dimOf(op);
        repl = d == gpu::Dimension::x   ? gx
               : d == gpu::Dimension::y ? gy
                                        : cIndex(b, op->getLoc(), 1);
      } else if (isa<gpu::BlockDimOp>(op)) {
        repl = cIndex(b, op->getLoc(), dimOf(op) == gpu::Dimension::x ? threads : 1);
      } else if (auto f = dyn_cast<LLVM::FenceOp>(op); f && f.getSyncscope()) {
        LLVM::FenceOp::create(b, op->getLoc(), f.getOrdering());
        dead.push_back(op);
        return;
      } else {
        return;
      }
      op->getResult(0).replaceAllUsesWith(repl);
      dead.push_back(op);
    });
    for (Operation *op : dead)
      op->erase();
  }
};

struct GPUToCPUSim : seqfuse::impl::GPUToCPUSimPassBase<GPUToCPUSim> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUFuncOp> kernels;
    module.walk([&](gpu::GPUFuncOp f) {
      if (f.isKernel())
        kernels.push_back(f);
    });
    bool failed = false;
    for (gpu::GPUFuncOp kf : kernels) {
      KernelSim sim(kf, module);
      sim.run();
      failed |= sim.failed;
    }
    // The host functions and the kernels' modules stay with the GPU stage
    // (the runtime reads its launch sequence from there); what is left is
    // plain CPU code.
    for (Operation &op : llvm::make_early_inc_range(module.getBody()->getOperations())) {
      if (isa<gpu::GPUModuleOp>(op))
        op.erase();
      else if (auto fn = dyn_cast<func::FuncOp>(op); fn && fn->hasAttr(kGpuHostAttr))
        op.erase();
    }
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
    // The kernels' check-failure calls now call the module's handler.
    bool calls = false;
    module.walk([&](func::CallOp c) { calls |= c.getCallee() == kCheckFailedFn; });
    if (calls && !module.lookupSymbol(kCheckFailedFn)) {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      auto i64 = b.getI64Type();
      func::FuncOp::create(b, module.getLoc(), kCheckFailedFn,
                           b.getFunctionType({i64, i64, i64}, {}))
          .setPrivate();
    }
    if (failed)
      signalPassFailure();
  }
};

//===----------------------------------------------------------------------===//
// Check exits
//===----------------------------------------------------------------------===//

struct GPUCheckExits : seqfuse::impl::GPUCheckExitsPassBase<GPUCheckExits> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp c) {
      if (c.getCallee() != kCheckFailedFn)
        return;
      auto fn = c->getParentOfType<FunctionOpInterface>();
      if (fn && (isa<gpu::GPUFuncOp>(fn.getOperation()) || fn->hasAttr(kSimKernelAttr)))
        calls.push_back(c);
    });
    for (func::CallOp call : calls) {
      auto fn = call->getParentOfType<FunctionOpInterface>();
      // A sim function's first two arguments are the grid.
      unsigned statusArg = fn->hasAttr(kSimKernelAttr) ? 2 : 0;
      Block &entry = fn.getFunctionBody().front();
      if (entry.getNumArguments() <= statusArg ||
          cast<MemRefType>(entry.getArgument(statusArg).getType()).getElementType() !=
              IntegerType::get(&getContext(), 64)) {
        call.emitError("seqfuse-gpu-check-exits: a checking kernel must take its status "
                       "buffer (memref<4xi64>) first");
        return signalPassFailure();
      }
      if (!isa<cf::BranchOp, cf::CondBranchOp, func::ReturnOp, gpu::ReturnOp>(
              call->getBlock()->getTerminator()) ||
          isa<scf::IfOp, scf::ForOp, scf::WhileOp>(call->getParentOp())) {
        call.emitError("seqfuse-gpu-check-exits: lower scf to cf first");
        return signalPassFailure();
      }
      Value status = entry.getArgument(statusArg);
      OpBuilder b(call);
      Location loc = call.getLoc();
      auto store = [&](Value v, int64_t at) {
        memref::StoreOp::create(b, loc, v, status, ValueRange{cIndex(b, loc, at)});
      };
      store(call.getOperand(0), 1);
      store(call.getOperand(1), 2);
      store(call.getOperand(2), 3);
      store(arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1)), 0);
      Block *rest = call->getBlock()->splitBlock(call);
      call.erase();
      b.setInsertionPointToEnd(rest->getPrevNode());
      if (isa<gpu::GPUFuncOp>(fn.getOperation()))
        gpu::ReturnOp::create(b, loc);
      else
        func::ReturnOp::create(b, loc);
      (void)rest; // unreachable now; the canonicalizer drops it
    }
    // Kernels no longer call the handler: drop its declarations in
    // gpu.modules (a GPU binary has nothing to resolve it against).
    for (auto gm : module.getOps<gpu::GPUModuleOp>())
      if (auto decl = gm.lookupSymbol<func::FuncOp>(kCheckFailedFn);
          decl && SymbolTable::symbolKnownUseEmpty(decl, gm))
        decl.erase();
  }
};

} // namespace
