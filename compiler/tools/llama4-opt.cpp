//===- llama4-opt.cpp - mlir-opt with the llama4 dialect and passes -------===//
//
// For lit tests and debugging: every upstream dialect, pass and extension,
// plus the llama4 dialect, llama4c's passes and its named pipelines.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "compiler/Registration.h"
#include "passes/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  llama4c::registerLlama4Passes();
  llama4c::registerLlama4Pipelines();

  mlir::DialectRegistry registry;
  llama4c::registerLlama4cDialects(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "llama4c optimizer driver\n", registry));
}
