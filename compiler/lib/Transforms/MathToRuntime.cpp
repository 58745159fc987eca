//===- MathToRuntime.cpp - transcendental math ops to runtime calls -------===//
//
// Rewrite (see Passes.td): math.<f> on f32/f64 => func.call @seqfuse_rt_<libm
// name>. Keeps LLVM from folding or rewriting libm calls differently from
// the reference interpreter.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Transforms/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

namespace seqfuse {
#define GEN_PASS_DEF_MATHTORUNTIMEPASS
#include "seqfuse/Transforms/Passes.h.inc"
} // namespace seqfuse

using namespace mlir;

namespace {

/// The C library name of `op` for element type `t`, or "" if not rewritten.
std::string libmName(Operation *op, Type t) {
  StringRef base = llvm::TypeSwitch<Operation *, StringRef>(op)
                       .Case([](math::ExpOp) { return "exp"; })
                       .Case([](math::Exp2Op) { return "exp2"; })
                       .Case([](math::LogOp) { return "log"; })
                       .Case([](math::Log2Op) { return "log2"; })
                       .Case([](math::Log10Op) { return "log10"; })
                       .Case([](math::TanhOp) { return "tanh"; })
                       .Case([](math::PowFOp) { return "pow"; })
                       .Case([](math::SinOp) { return "sin"; })
                       .Case([](math::CosOp) { return "cos"; })
                       .Default([](Operation *) { return ""; });
  if (base.empty())
    return "";
  if (t.isF32())
    return base.str() + "f";
  if (t.isF64())
    return base.str();
  return "";
}

struct MathToRuntime : seqfuse::impl::MathToRuntimePassBase<MathToRuntime> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<Operation *, std::string>> rewrites;
    module.walk([&](Operation *op) {
      if (op->getNumResults() != 1 || op->getDialect() == nullptr ||
          !isa<math::MathDialect>(op->getDialect()))
        return;
      std::string name = libmName(op, op->getResult(0).getType());
      if (!name.empty())
        rewrites.push_back({op, seqfuse::kMathRuntimePrefix + name});
    });
    for (auto &[op, callee] : rewrites) {
      Type t = op->getResult(0).getType();
      if (!module.lookupSymbol(callee)) {
        OpBuilder mb(module.getBodyRegion());
        mb.setInsertionPointToStart(module.getBody());
        SmallVector<Type> args(op->getNumOperands(), t);
        auto fn = func::FuncOp::create(mb, module.getLoc(), callee,
                                       mb.getFunctionType(args, {t}));
        fn.setPrivate();
      }
      OpBuilder b(op);
      auto call =
          func::CallOp::create(b, op->getLoc(), callee, TypeRange{t}, op->getOperands());
      op->replaceAllUsesWith(call->getResults());
      op->erase();
    }
  }
};

} // namespace
