//===- llama4-opt.cpp - mlir-opt with the llama4 dialect and passes -------===//
//
// For lit tests and debugging: every upstream dialect, pass and extension,
// plus the llama4 dialect, llama4c's passes and its named pipelines.
//
// MLIR's parser recurses per level of nesting (regions, attributes, types)
// and overflows the stack a few thousand levels down, so the input is read
// here first and refused past kMaxNesting brackets; then MlirOptMain runs
// on it as mlir-opt would.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "compiler/Registration.h"
#include "passes/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

/// Brackets ( [ { < open inside each other that an input may hold. llama4c's
/// modules nest about 20; MLIR's parser crashed at 2,000 nested regions
/// (6,000 brackets) and 10,000 nested arrays on an 8 MiB stack.
constexpr int kMaxNesting = 1000;

/// Whether MLIR `text` opens more than kMaxNesting brackets inside each
/// other, outside strings and // comments ('>' of "->" closes nothing).
static bool nestsTooDeeply(llvm::StringRef text) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '/' && text.substr(i).starts_with("//")) {
      i = std::min(text.find('\n', i), text.size());
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > kMaxNesting)
        return true;
    } else if ((c == ')' || c == ']' || c == '}' ||
                (c == '>' && (i == 0 || text[i - 1] != '-'))) &&
               depth > 0) {
      --depth;
    }
  }
  return false;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerAllPasses();
  llama4c::registerLlama4Passes();
  llama4c::registerLlama4Pipelines();

  mlir::DialectRegistry registry;
  llama4c::registerLlama4cDialects(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  auto [inputPath, outputPath] = mlir::registerAndParseCLIOptions(
      argc, argv, "llama4c optimizer driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputPath, &error);
  if (!input) {
    llvm::errs() << "llama4-opt: error: " << error << "\n";
    return 1;
  }
  if (nestsTooDeeply(input->getBuffer())) {
    llvm::errs() << "llama4-opt: error: " << inputPath
                 << ": nested deeper than " << kMaxNesting
                 << " brackets, which MLIR's parser cannot take\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "llama4-opt: error: " << error << "\n";
    return 1;
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
