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

constexpr const char *kChecksStaySequential =
    "sequential loop (its body checks an index or divisor at run time: checked mode "
    "raises at the first failing iteration, with memory as the loop leaves it)";

/// Does `body` call the check-failure handler (a run-time check)?
bool makesChecks(Region &body) {
  bool found = false;
  body.walk([&](func::CallOp call) {
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
      if (makesChecks(branch.getThenRegion())) {
        record(branch, kind, kChecksStaySequential);
        keepLoop(branch);
        continue;
      }
      auto described = branch->getAttrOfType<StringAttr>(kLoweredAlgorithmAttr);
      std::string algorithm = described ? described.getValue().str() : "parallel";
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
        algorithm = kChecksStaySequential;
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
    module->walk([](scf::ForOp l) {
      l->removeAttr(kLoweredAttr);
      l->removeAttr(kLoweredAtAttr);
    });
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
