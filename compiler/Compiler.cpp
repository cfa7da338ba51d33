//===- Compiler.cpp - config.json -> artifact, as a library call ----------===//

#include "compiler/Compiler.h"

#include "compiler/Pipeline.h"
#include "dialects/llama4/IR/Llama4Dialect.h"
#include "frontends/hf/Llama4Config.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace llama4c;

char NotAvailableError::ID;

void NotAvailableError::log(llvm::raw_ostream &os) const { os << what; }

std::error_code NotAvailableError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

/// Collects MLIR diagnostics into one line: the first error, prefixed by its
/// location. A built module that fails to verify is a compiler bug, so the
/// message says so.
namespace {
class FirstErrorCollector {
public:
  explicit FirstErrorCollector(MLIRContext &context)
      : handler(&context, [this](Diagnostic &diag) {
          if (diag.getSeverity() == DiagnosticSeverity::Error &&
              message.empty()) {
            llvm::raw_string_ostream os(message);
            os << diag.getLocation() << ": " << diag;
          }
          return success();
        }) {}
  std::string message;

private:
  ScopedDiagnosticHandler handler;
};
} // namespace

llvm::Error llama4c::compile(const CompileOptions &options) {
  llvm::Expected<Llama4Config> config = loadLlama4Config(options.configPath);
  if (!config)
    return config.takeError();

  const PhaseInfo &phase = phaseInfo(options.emit);
  if (!phase.available)
    return llvm::make_error<NotAvailableError>(
        (llvm::Twine("--emit ") + phase.emitName + " (" + phase.description +
         ") is not available yet: this build of llama4c stops at --emit mlir")
            .str());
  if (!options.pipelinePath.empty())
    return llvm::make_error<NotAvailableError>(
        "--pipeline " + options.pipelinePath +
        ": tile schedules are not available yet (they come with the "
        "lowering passes)");

  MLIRContext context;
  FirstErrorCollector errors(context);
  BuildOptions buildOptions;
  buildOptions.computeType = options.computeType;
  buildOptions.configPath = options.configPath;
  OwningOpRef<ModuleOp> module =
      buildLlama4Module(context, *config, buildOptions);
  if (failed(verify(*module)))
    return llvm::createStringError(
        options.configPath + ": internal error: the built module does not "
                             "verify: " + errors.message);

  PassManager pm(&context);
  buildLlama4Pipeline(pm, options);
  if (failed(pm.run(*module)))
    return llvm::createStringError(options.configPath + ": " + errors.message);

  llvm::Error written =
      llvm::writeToOutput(options.outputPath, [&](llvm::raw_ostream &os) {
        module->print(os);
        os << '\n';
        return llvm::Error::success();
      });
  if (written)
    return llvm::createStringError(options.outputPath + ": cannot write: " +
                                   llvm::toString(std::move(written)));
  return llvm::Error::success();
}
