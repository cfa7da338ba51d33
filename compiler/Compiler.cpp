//===- Compiler.cpp - config.json -> artifact, as a library call ----------===//

#include "compiler/Compiler.h"

#include "compiler/HostCpu.h"
#include "compiler/Output.h"
#include "compiler/Packaging.h"
#include "compiler/Pipeline.h"
#include "compiler/Registration.h"
#include "compiler/Report.h"
#include "compiler/TileSchedule.h"
#include "dialects/llama4/IR/Llama4Dialect.h"
#include "frontends/hf/Llama4Config.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace llama4c;

/// --emit report traces the host code call by call: prompts and batches
/// beyond these take it minutes.
constexpr int64_t kMaxReportTokens = 1 << 20;
constexpr int64_t kMaxReportBatch = 1024;
/// A page's slot index stays well inside the i32 positions the model takes.
constexpr int64_t kMaxKvPageSize = 1 << 16;

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

llvm::Error llama4c::compile(const CompileOptions &requested) {
  // Refused before any work: a compile takes seconds to minutes.
  if (llvm::Expected<runtime::OutputFile> output =
          checkOutput(requested.outputPath);
      !output)
    return output.takeError();
  // Read once: parsed here, embedded verbatim in the manifest later.
  llvm::Expected<std::string> configText = readConfigFile(requested.configPath);
  if (!configText)
    return configText.takeError();
  llvm::Expected<Llama4Config> config =
      parseLlama4Config(*configText, requested.configPath);
  if (!config)
    return config.takeError();
  CompileOptions options = requested;
  if (!options.computeType)
    options.computeType = config->torchDtype == "float32" ? ComputeType::F32
                                                          : ComputeType::BF16;

  bool gpu = options.target != Target::Cpu;
  if (options.emit == Phase::Ptx && !gpu)
    return llvm::createStringError(
        "--emit ptx needs a GPU target: --target sm_80 or sm_90");
  if (options.emulate && !gpu)
    return llvm::createStringError(
        "--emulate needs a GPU target to emulate: --target sm_80 or sm_90");
  if (options.emulate && options.emit == Phase::Ptx)
    return llvm::createStringError(
        "--emulate compiles the kernels for the host: no PTX to emit");
  if (options.emit == Phase::Report) {
    if (!gpu || options.emulate)
      return llvm::createStringError(
          "--emit report predicts GPU kernels: --target sm_80 or sm_90, "
          "without --emulate");
    if (options.reportTokens < 1 ||
        options.reportTokens > config->text.maxPositionEmbeddings ||
        options.reportTokens > kMaxReportTokens)
      return llvm::createStringError(
          "--report-tokens must be from 1 to " +
          llvm::Twine(std::min(config->text.maxPositionEmbeddings,
                               kMaxReportTokens)) +
          " (max_position_embeddings, and what the report traces), got " +
          llvm::Twine(options.reportTokens));
    if (options.reportBatch < 1 || options.reportBatch > kMaxReportBatch)
      return llvm::createStringError(
          "--report-batch must be from 1 to " + llvm::Twine(kMaxReportBatch) +
          ", got " + llvm::Twine(options.reportBatch));
  }
  if (options.kvPageSize < 1 || options.kvPageSize > kMaxKvPageSize)
    return llvm::createStringError(
        "--kv-page-size must be from 1 to " + llvm::Twine(kMaxKvPageSize) +
        " positions, got " + llvm::Twine(options.kvPageSize));
  llvm::Expected<HostCpu> cpu = resolveHostCpu(options.cpu);
  if (!cpu)
    return cpu.takeError();
  TileSchedule schedule;
  if (!options.pipelinePath.empty()) {
    llvm::Expected<TileSchedule> read = readTileSchedule(options.pipelinePath);
    if (!read)
      return read.takeError();
    schedule = *read;
  }
  if (gpu && schedule.moeDispatch == "grouped")
    return llvm::createStringError(
        options.pipelinePath +
        ": moe_dispatch: grouped runs MoE routing on the host; a GPU target "
        "needs per-token");

  DialectRegistry registry;
  registerLlama4cDialects(registry);
  MLIRContext context(registry);
  FirstErrorCollector errors(context);
  BuildOptions buildOptions;
  buildOptions.computeType = *options.computeType;
  buildOptions.configPath = options.configPath;
  buildOptions.kvPageSize = options.kvPageSize;
  buildOptions.kvCacheType = options.kvCacheType;
  OwningOpRef<ModuleOp> module =
      buildLlama4Module(context, *config, buildOptions);
  if (failed(verify(*module)))
    return llvm::createStringError(
        options.configPath + ": internal error: the built module does not "
                             "verify: " + errors.message);

  PassManager pm(&context);
  buildLlama4Pipeline(pm, options, schedule, *cpu);
  if (failed(pm.run(*module)))
    return llvm::createStringError(options.configPath + ": " + errors.message);

  if (options.emit == Phase::Llama4) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
    os << '\n';
    return writeOutput(options.outputPath, text);
  }

  if (options.emit == Phase::Report) {
    // Traced before NVVM, on the kernels as the GPU pipeline left them;
    // the rest compiles on to PTX for ptxas's resource counts.
    OwningOpRef<ModuleOp> kernels = module->clone();
    PassManager binary(&context);
    buildGpuBinaryPipeline(binary, options.target);
    if (failed(binary.run(*module)))
      return llvm::createStringError(options.configPath + ": " +
                                     errors.message);
    llvm::Expected<llvm::StringRef> ptx = kernelsPtx(*module);
    if (!ptx)
      return ptx.takeError();
    return writeReport(*kernels, *ptx, *config, options,
                       options.outputPath == "-" ? llvm::errs()
                                                 : llvm::outs());
  }
  if (options.emit == Phase::Ptx)
    return writePtx(*module, options);
  // The manifest carries config.json verbatim; the parser accepted it.
  std::string manifest =
      buildManifest(*module, *config, *configText, options, *cpu);
  (*module)->removeAttr("llama4.weights");
  (*module)->removeAttr(mlir::llama4::kKvCacheListAttrName);
  return writeHostArtifact(*module, manifest, options, *cpu);
}
