//===- InterpreterBackend.cpp - the reference interpreter as a target -----===//
//
// Runs the loop form as emitted with the interpreter's exact sequential
// semantics. It lowers nothing: of the IR stages it makes only program and
// loop (the pattern stage still runs, for the report).
//
//===----------------------------------------------------------------------===//
#include "Backend.h"
#include "seqfuse/runtime/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace seqfuse;
using namespace seqfuse::detail;

namespace {

class InterpreterExecutable final : public Executable {
public:
  explicit InterpreterExecutable(mlir::func::FuncOp fn) : fn_(fn) {}
  void call(std::span<const Arg> args) const override { interpret(fn_, args); }

private:
  mlir::func::FuncOp fn_; // in the kernel's loop module, which outlives this
};

class InterpreterBackend final : public Backend {
public:
  std::string_view name() const override { return "interpreter"; }
  bool produces(Stage s) const override {
    return s == Stage::Program || s == Stage::Loop;
  }
  llvm::ArrayRef<PipelineStage> passStages() const override { return {}; }
  std::unique_ptr<Executable> compile(BackendInput in) const override {
    auto fns = in.loop.getOps<mlir::func::FuncOp>();
    if (fns.empty())
      throw CompileError("seqfuse: the loop form of '" + in.name + "' has no function");
    return std::make_unique<InterpreterExecutable>(*fns.begin());
  }
};

} // namespace

const Backend &seqfuse::detail::interpreterBackend() {
  static const InterpreterBackend b;
  return b;
}
