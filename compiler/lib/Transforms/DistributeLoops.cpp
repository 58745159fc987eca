//===- DistributeLoops.cpp - one loop per independent statement group -----===//
//
// Rewrite and legality: see Passes.td (DistributeLoopsPass).
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Analysis/LoopPatterns.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/EquivalenceClasses.h"

namespace seqfuse {
#define GEN_PASS_DEF_DISTRIBUTELOOPSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;

namespace {

bool hasEffects(Operation *op) {
  bool any = false;
  op->walk([&](Operation *inner) {
    if (isa<memref::StoreOp, func::CallOp>(inner))
      any = true;
  });
  return any;
}

/// Top-level body ops `v` depends on (its backward slice inside the body).
void sliceOf(Value v, Block *body, llvm::SmallPtrSetImpl<Operation *> &out) {
  SmallVector<Value> work{v};
  while (!work.empty()) {
    Value x = work.pop_back_val();
    Operation *def = x.getDefiningOp();
    while (def && def->getBlock() != body)
      def = def->getParentOp() && def->getParentOp()->getBlock() ? def->getParentOp()
                                                                 : nullptr;
    if (!def || !out.insert(def).second)
      continue;
    def->walk([&](Operation *inner) {
      for (Value o : inner->getOperands())
        work.push_back(o);
    });
  }
}

/// Memrefs an op reads or writes (anywhere inside it).
void memrefsOf(Operation *op, llvm::SetVector<Value> &reads,
               llvm::SetVector<Value> &writes) {
  op->walk([&](Operation *inner) {
    if (auto l = dyn_cast<memref::LoadOp>(inner))
      reads.insert(l.getMemRef());
    if (auto s = dyn_cast<memref::StoreOp>(inner))
      writes.insert(s.getMemRef());
  });
}

bool distribute(scf::ForOp loop) {
  Block *body = loop.getBody();
  if (seqfuse::constIndex(loop.getStep()) != 1)
    return false;
  // A loop that is one pattern as a whole stays whole (fewest ops); only a
  // loop that would stay sequential is split, so that only the offending
  // statements do.
  if (seqfuse::classifyLoop(loop).kind != seqfuse::LoopPattern::Kind::Sequential)
    return false;
  for (Operation &op : body->without_terminator())
    if (seqfuse::mayFault(&op))
      return false;
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  unsigned nStates = loop.getNumRegionIterArgs();
  // Nodes: states 0..n-1, then side-effecting ops.
  SmallVector<Operation *> effects;
  for (Operation &op : body->without_terminator())
    if (hasEffects(&op))
      effects.push_back(&op);
  unsigned nNodes = nStates + effects.size();
  if (nNodes < 2)
    return false;
  SmallVector<llvm::SmallPtrSet<Operation *, 16>> slices(nNodes);
  for (unsigned k = 0; k < nStates; ++k)
    sliceOf(yield.getOperand(k), body, slices[k]);
  for (auto [j, op] : llvm::enumerate(effects)) {
    slices[nStates + j].insert(op);
    op->walk([&](Operation *inner) {
      for (Value o : inner->getOperands())
        sliceOf(o, body, slices[nStates + j]);
    });
  }
  llvm::EquivalenceClasses<unsigned> groups;
  for (unsigned x = 0; x < nNodes; ++x)
    groups.insert(x);
  // A node joins every state it depends on.
  for (unsigned x = 0; x < nNodes; ++x)
    for (Operation *op : slices[x]) {
      bool usesState = false;
      op->walk([&](Operation *inner) {
        for (Value o : inner->getOperands())
          for (unsigned k = 0; k < nStates; ++k)
            if (o == loop.getRegionIterArgs()[k]) {
              groups.unionSets(x, k);
              usesState = true;
            }
      });
      (void)usesState;
    }
  // Nodes touching a memref that some node writes share a group.
  SmallVector<llvm::SetVector<Value>> reads(nNodes), writes(nNodes);
  for (unsigned x = 0; x < nNodes; ++x)
    for (Operation *op : slices[x])
      memrefsOf(op, reads[x], writes[x]);
  for (unsigned x = 0; x < nNodes; ++x)
    for (Value m : writes[x])
      for (unsigned y = 0; y < nNodes; ++y)
        if (reads[y].contains(m) || writes[y].contains(m))
          groups.unionSets(x, y);
  // Groups in program order of their first op.
  llvm::DenseMap<Operation *, unsigned> position;
  for (Operation &op : body->without_terminator())
    position[&op] = position.size();
  llvm::DenseMap<unsigned, unsigned> first; // leader -> first position
  for (unsigned x = 0; x < nNodes; ++x) {
    unsigned l = groups.getLeaderValue(x);
    unsigned pos = ~0u;
    for (Operation *op : slices[x])
      pos = std::min(pos, position.lookup(op));
    auto [it, inserted] = first.try_emplace(l, pos);
    if (!inserted)
      it->second = std::min(it->second, pos);
  }
  SmallVector<unsigned> leaders;
  for (auto &[l, pos] : first)
    leaders.push_back(l);
  llvm::sort(leaders, [&](unsigned a, unsigned b) {
    return std::make_pair(first[a], a) < std::make_pair(first[b], b);
  });
  if (leaders.size() < 2)
    return false;
  OpBuilder b(loop);
  SmallVector<Value> results(nStates);
  for (unsigned leader : leaders) {
    llvm::SmallPtrSet<Operation *, 32> ops;
    SmallVector<unsigned> states;
    for (unsigned x = 0; x < nNodes; ++x)
      if (groups.getLeaderValue(x) == leader) {
        ops.insert(slices[x].begin(), slices[x].end());
        if (x < nStates)
          states.push_back(x);
      }
    SmallVector<Value> init;
    for (unsigned k : states)
      init.push_back(loop.getInitArgs()[k]);
    auto part = scf::ForOp::create(b, loop.getLoc(), loop.getLowerBound(),
                                   loop.getUpperBound(), loop.getStep(), init);
    if (auto names = loop->getAttrOfType<ArrayAttr>("seqfuse.states")) {
      SmallVector<Attribute> n;
      for (unsigned k : states)
        n.push_back(names[k]);
      if (!n.empty())
        part->setAttr("seqfuse.states", b.getArrayAttr(n));
    }
    Block *pb = part.getBody();
    if (!pb->empty())
      pb->getTerminator()->erase();
    IRMapping m;
    m.map(loop.getInductionVar(), part.getInductionVar());
    for (auto [j, k] : llvm::enumerate(states))
      m.map(loop.getRegionIterArgs()[k], part.getRegionIterArgs()[j]);
    OpBuilder nb = OpBuilder::atBlockEnd(pb);
    for (Operation &op : body->without_terminator())
      if (ops.contains(&op))
        nb.clone(op, m);
    SmallVector<Value> yielded;
    for (unsigned k : states)
      yielded.push_back(m.lookupOrDefault(yield.getOperand(k)));
    scf::YieldOp::create(nb, yield.getLoc(), yielded);
    for (auto [j, k] : llvm::enumerate(states))
      results[k] = part.getResult(j);
  }
  for (unsigned k = 0; k < nStates; ++k)
    loop.getResult(k).replaceAllUsesWith(results[k]);
  loop.erase();
  return true;
}

struct DistributeLoops : seqfuse::impl::DistributeLoopsPassBase<DistributeLoops> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) {
      if (!seqfuse::inLoweredFunc(loop))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops)
      distribute(loop);
  }
};

} // namespace
