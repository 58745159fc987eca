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

/// Does `loop`'s body call the check-failure handler (a run-time check)?
bool makesChecks(scf::ForOp loop) {
  bool found = false;
  loop.getBody()->walk([&](func::CallOp call) {
    found |= call.getCallee() == kCheckFailedFn;
    return found ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found;
}

struct ParallelizeMaps : seqfuse::impl::ParallelizeMapsPassBase<ParallelizeMaps> {
  using ParallelizeMapsPassBase::ParallelizeMapsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (chunk < 1 || cutoff < 0) {
      module.emitError("seqfuse-parallelize-maps: chunk must be >= 1 and cutoff >= 0");
      return signalPassFailure();
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
    SmallVector<Attribute> records;
    if (auto old = module->getAttrOfType<ArrayAttr>(kAlgorithmsAttr))
      records.append(old.begin(), old.end());
    for (scf::ForOp loop : maps) {
      auto at = loop->getAttrOfType<StringAttr>(kLoweredAtAttr);
      std::string algorithm;
      if (makesChecks(loop)) {
        algorithm = "sequential loop (its body checks an index or divisor at run time: "
                    "checked mode raises at the first failing iteration, with memory as "
                    "the loop leaves it)";
      } else {
        parallelize(loop);
        algorithm = "parallel: chunks of " + std::to_string(chunk) +
                    " iterations on the OpenMP threads (Options::numThreads, "
                    "SEQFUSE_NUM_THREADS) when it runs at least " +
                    std::to_string(cutoff) + " iterations, else one loop";
      }
      if (at) {
        Builder b(module.getContext());
        records.push_back(b.getDictionaryAttr(
            {b.getNamedAttr("at", at),
             b.getNamedAttr("algorithm", b.getStringAttr(algorithm))}));
      }
    }
    // Clear the marks (nested maps' too), so that replaying the stage
    // changes nothing.
    module->walk([](scf::ForOp l) {
      l->removeAttr(kLoweredAttr);
      l->removeAttr(kLoweredAtAttr);
    });
    if (!records.empty())
      module->setAttr(kAlgorithmsAttr, ArrayAttr::get(module.getContext(), records));
  }

  /// if (n >= cutoff) parallel chunks else the loop as it is.
  void parallelize(scf::ForOp loop) {
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Value lb = loop.getLowerBound(), ub = loop.getUpperBound();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value size = arith::ConstantIndexOp::create(b, loc, chunk);
    Value trip =
        arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), zero);
    Value big = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, trip,
                                      arith::ConstantIndexOp::create(b, loc, cutoff));
    auto branch = scf::IfOp::create(b, loc, TypeRange{}, big, /*withElseRegion=*/true);
    // else: the loop as it is.
    loop->moveBefore(branch.elseBlock()->getTerminator());
    // then: one scf.parallel iteration per chunk, each a loop over its range.
    OpBuilder tb = branch.getThenBodyBuilder();
    Value chunks = arith::CeilDivSIOp::create(tb, loc, trip, size);
    auto par = scf::ParallelOp::create(
        tb, loc, ValueRange{zero}, ValueRange{chunks}, ValueRange{one},
        [&](OpBuilder &pb, Location l, ValueRange ivs) {
          Value lo = arith::AddIOp::create(pb, l, lb,
                                           arith::MulIOp::create(pb, l, ivs[0], size));
          Value hi =
              arith::MinSIOp::create(pb, l, arith::AddIOp::create(pb, l, lo, size), ub);
          auto inner = scf::ForOp::create(pb, l, lo, hi, one);
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
