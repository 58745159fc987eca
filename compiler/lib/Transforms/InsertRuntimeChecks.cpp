//===- InsertRuntimeChecks.cpp - checked mode for loop-form kernels -------===//
//
// Rewrite (see Passes.td):
//   memref.load %m[%i]   =>   scf.if (%i >=u dim(%m)) { call
//   @seqfuse_rt_check_failed(site, %i, dim) }
//                             memref.load %m[%i]
// skipped where %i is provably in [0, dim(%m)). Integer divisions get a check
// of the divisor. The callee never returns (the runtime long-jumps back to the
// caller of the kernel), so the guarded access is never executed.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace seqfuse {
#define GEN_PASS_DEF_INSERTRUNTIMECHECKSPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;

using seqfuse::constIndex;
using seqfuse::provablyInBounds;

namespace {

/// if (failed) call @seqfuse_rt_check_failed(site, value, bound)
void emitCheck(OpBuilder &b, Location loc, Value failed, int64_t site, Value value,
               Value bound) {
  auto ifOp = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  auto toI64 = [&](Value v) -> Value {
    if (v.getType().isIndex())
      return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
    if (v.getType().getIntOrFloatBitWidth() < 64)
      return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
    return v;
  };
  Value s = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(site));
  func::CallOp::create(b, loc, seqfuse::kCheckFailedFn, TypeRange{},
                       ValueRange{s, toI64(value), toI64(bound)});
}

bool guard(Operation *op, const seqfuse::SiteFn &addSite) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  bool any = false;
  if (isa<memref::LoadOp, memref::StoreOp>(op)) {
    Value m = isa<memref::LoadOp>(op) ? cast<memref::LoadOp>(op).getMemRef()
                                      : cast<memref::StoreOp>(op).getMemRef();
    ValueRange indices = isa<memref::LoadOp>(op) ? cast<memref::LoadOp>(op).getIndices()
                                                 : cast<memref::StoreOp>(op).getIndices();
    std::string name = seqfuse::tensorName(m);
    for (auto [d, idx] : llvm::enumerate(indices)) {
      if (provablyInBounds(idx, m, d))
        continue;
      Value extent = memref::DimOp::create(b, loc, m, static_cast<int64_t>(d));
      Value bad = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, idx, extent);
      emitCheck(b, loc, bad, addSite(op, "index", name, d), idx, extent);
      any = true;
    }
    return any;
  }
  // Integer division / remainder.
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  Type t = rhs.getType();
  auto cst = [&](int64_t v) -> Value {
    if (t.isIndex())
      return arith::ConstantIndexOp::create(b, loc, v);
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v));
  };
  Value zero = cst(0);
  if (!(constIndex(rhs) && *constIndex(rhs) != 0)) {
    Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, zero);
    emitCheck(b, loc, isZero, addSite(op, "divide-by-zero", "", 0), lhs, rhs);
    any = true;
  }
  bool isSigned =
      isa<arith::DivSIOp, arith::RemSIOp, arith::CeilDivSIOp, arith::FloorDivSIOp>(op);
  if (isSigned && !(constIndex(rhs) && *constIndex(rhs) != -1)) {
    unsigned w = t.isIndex() ? 64 : t.getIntOrFloatBitWidth();
    Value minV = t.isIndex()
                     ? arith::ConstantIndexOp::create(b, loc, INT64_MIN)
                     : arith::ConstantOp::create(
                           b, loc, b.getIntegerAttr(t, APInt::getSignedMinValue(w)));
    Value isMin = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lhs, minV);
    Value isNeg1 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rhs, cst(-1));
    Value both = arith::AndIOp::create(b, loc, isMin, isNeg1);
    emitCheck(b, loc, both, addSite(op, "divide-overflow", "", 0), lhs, rhs);
    any = true;
  }
  return any;
}

} // namespace

bool seqfuse::guardAccesses(Operation *root, const SiteFn &addSite) {
  SmallVector<Operation *> guarded;
  root->walk([&](Operation *op) {
    if (op->hasAttr(kInBoundsAttr)) // in range by construction
      return;
    if (isa<memref::LoadOp, memref::StoreOp, arith::DivSIOp, arith::RemSIOp,
            arith::DivUIOp, arith::RemUIOp, arith::CeilDivSIOp, arith::FloorDivSIOp,
            arith::CeilDivUIOp>(op))
      guarded.push_back(op);
  });
  bool any = false;
  for (Operation *op : guarded)
    any |= guard(op, addSite);
  return any;
}

namespace {

struct InsertRuntimeChecks
    : seqfuse::impl::InsertRuntimeChecksPassBase<InsertRuntimeChecks> {
  SmallVector<Attribute> sites;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    sites.clear();
    if (auto existing = module->getAttrOfType<ArrayAttr>(seqfuse::kCheckSitesAttr))
      sites.assign(existing.begin(), existing.end());
    // Kernel functions, and the one-thread kernels of the GPU lowering (its
    // other kernels only run code whose checks are known to pass).
    SmallVector<std::pair<FunctionOpInterface, Operation *>>
        fns; // (fn, its symbol table)
    for (auto fn : module.getOps<func::FuncOp>())
      fns.push_back({fn, module});
    for (auto gm : module.getOps<gpu::GPUModuleOp>())
      for (auto fn : gm.getOps<gpu::GPUFuncOp>())
        if (fn->hasAttr(seqfuse::kSingleThreadAttr))
          fns.push_back({fn, gm});
    for (auto [fn, table] : fns) {
      if (fn.isExternal() || fn->hasAttr(seqfuse::kCheckedAttr))
        continue;
      bool here = seqfuse::guardAccesses(
          fn, [&](Operation *op, StringRef kind, StringRef tensor, int64_t dim) {
            return addSite(op, kind, tensor, dim);
          });
      if (here)
        declareCallee(table);
      fn->setAttr(seqfuse::kCheckedAttr, UnitAttr::get(&getContext()));
    }
    if (!sites.empty())
      module->setAttr(seqfuse::kCheckSitesAttr, ArrayAttr::get(&getContext(), sites));
  }

  /// Declares the check-failure handler in the symbol table `table` (the
  /// module, or a gpu.module).
  void declareCallee(Operation *table) {
    if (SymbolTable::lookupSymbolIn(table, seqfuse::kCheckFailedFn))
      return;
    OpBuilder b(table->getContext());
    b.setInsertionPointToStart(&table->getRegion(0).front());
    auto i64 = b.getI64Type();
    auto fn = func::FuncOp::create(b, table->getLoc(), seqfuse::kCheckFailedFn,
                                   b.getFunctionType({i64, i64, i64}, {}));
    fn.setPrivate();
  }

  /// Records a site and returns its number.
  int64_t addSite(Operation *op, StringRef kind, StringRef tensor, int64_t dim) {
    MLIRContext *ctx = &getContext();
    std::string file = "<unknown>";
    int64_t line = 0;
    op->getLoc()->walk([&](Location l) {
      if (auto fl = dyn_cast<FileLineColLoc>(l)) {
        file = fl.getFilename().str();
        line = fl.getLine();
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    Builder b(ctx);
    sites.push_back(b.getDictionaryAttr({
        b.getNamedAttr("kind", b.getStringAttr(kind)),
        b.getNamedAttr("tensor", b.getStringAttr(tensor)),
        b.getNamedAttr("dim", b.getI64IntegerAttr(dim)),
        b.getNamedAttr("file", b.getStringAttr(file)),
        b.getNamedAttr("line", b.getI64IntegerAttr(line)),
    }));
    return static_cast<int64_t>(sites.size() - 1);
  }
};

} // namespace
