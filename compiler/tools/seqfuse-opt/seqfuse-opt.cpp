//===- seqfuse-opt.cpp - seqfuse's mlir-opt ------------------------------===//
//
// Replays any dumped stage: `seqfuse-opt --seqfuse-cpu-pipeline stage.mlir`.
// Every upstream pass and MLIR flag (--mlir-print-ir-after-all, ...) works.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  seqfuse::registerAllPasses();
  mlir::DialectRegistry registry;
  seqfuse::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "seqfuse optimizer driver\n", registry));
}
