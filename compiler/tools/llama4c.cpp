//===- llama4c.cpp - The llama4c compiler driver --------------------------===//
//
//   llama4c compile CONFIG -o OUT [--target cpu|sm_80|sm_90 [--emulate]]
//           [--cpu native|NAME]
//           [--emit mlir|llvm|ptx|obj|so|report] [--dtype bf16|f32]
//           [--pipeline FILE.yaml] [--report-tokens S] [--report-batch B]
//
// argv -> CompileOptions -> compile() -> exit code: 0 success, 1 an error
// (one line naming the file and field).
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"
#include "runtime/support/OutputFile.h"
#include "runtime/support/Utf8.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace llama4c;

static cl::SubCommand compileCommand("compile",
                                     "Compile a Hugging Face config.json");
static cl::OptionCategory compileCategory("llama4c compile options");

static cl::opt<std::string> configPath(cl::Positional, cl::Required,
                                       cl::desc("<config.json>"),
                                       cl::sub(compileCommand),
                                       cl::cat(compileCategory));
static cl::opt<std::string>
    outputPath("o", cl::desc("Output file ('-' for standard output; the "
                             "default for --emit mlir)"),
               cl::value_desc("file"), cl::sub(compileCommand),
               cl::cat(compileCategory));
static cl::opt<Target> target(
    "target", cl::desc("Code generation target"), cl::init(Target::Cpu),
    cl::values(clEnumValN(Target::Cpu, "cpu", "the host CPU"),
               clEnumValN(Target::Sm80, "sm_80", "NVIDIA Ampere (A100)"),
               clEnumValN(Target::Sm90, "sm_90", "NVIDIA Hopper (H100)")),
    cl::sub(compileCommand), cl::cat(compileCategory));
static cl::opt<bool> emulate(
    "emulate",
    cl::desc("Compile the GPU target's kernels for the host CPU, to run "
             "them without a GPU"),
    cl::sub(compileCommand), cl::cat(compileCategory));
static cl::opt<std::string>
    cpu("cpu",
        cl::desc("CPU the host code is compiled for: native (this machine's, "
                 "the default) or an LLVM CPU name (x86-64-v3, skylake-avx512, "
                 "znver4, ...)"),
        cl::init("native"), cl::value_desc("name"), cl::sub(compileCommand),
        cl::cat(compileCategory));
static cl::opt<Phase> emit(
    "emit", cl::desc("What to produce"), cl::init(Phase::So),
    cl::values(clEnumValN(Phase::Llama4, "mlir",
                          "the verified llama4 dialect module"),
               clEnumValN(Phase::Llvm, "llvm", "host LLVM IR"),
               clEnumValN(Phase::Ptx, "ptx", "PTX of the GPU kernels"),
               clEnumValN(Phase::Obj, "obj", "host object file"),
               clEnumValN(Phase::So, "so", "the model shared object"),
               clEnumValN(Phase::Report, "report",
                          "predicted cost of each GPU kernel (JSON)")),
    cl::sub(compileCommand), cl::cat(compileCategory));
static cl::opt<ComputeType> dtype(
    "dtype",
    cl::desc("Element type of weights and activations (default: the "
             "config's torch_dtype; float16 computes in bf16)"),
    cl::init(ComputeType::BF16),
    cl::values(clEnumValN(ComputeType::BF16, "bf16", "bfloat16"),
               clEnumValN(ComputeType::F32, "f32", "float32")),
    cl::sub(compileCommand), cl::cat(compileCategory));
static cl::opt<std::string>
    pipelinePath("pipeline",
                 cl::desc("YAML tile schedule overriding the default tile "
                          "sizes (docs/design.md)"),
                 cl::value_desc("file.yaml"), cl::sub(compileCommand),
                 cl::cat(compileCategory));
static cl::opt<int64_t> kvPageSize(
    "kv-page-size",
    cl::desc("Positions per page of a global (NoPE) layer's KV cache, which "
             "the runtime allots to each sequence page by page as it grows"),
    cl::init(CompileOptions().kvPageSize), cl::sub(compileCommand),
    cl::cat(compileCategory));
static cl::opt<KvCacheType> kvDtype(
    "kv-dtype", cl::desc("What the KV caches hold"),
    cl::init(KvCacheType::Compute),
    cl::values(clEnumValN(KvCacheType::Compute, "auto",
                          "the compute type (--dtype)"),
               clEnumValN(KvCacheType::F8E4M3, "fp8",
                          "float8 e4m3 with a power-of-two scale per cached "
                          "vector: a quarter of f32's bytes, about half of "
                          "bf16's")),
    cl::sub(compileCommand), cl::cat(compileCategory));

static cl::opt<int64_t> reportTokens(
    "report-tokens",
    cl::desc("--emit report: prompt length of the prefill, and context of "
             "the decode steps"),
    cl::init(2048), cl::sub(compileCommand), cl::cat(compileCategory));
static cl::opt<int64_t> reportBatch(
    "report-batch",
    cl::desc("--emit report: batch of the second decode step"), cl::init(8),
    cl::sub(compileCommand), cl::cat(compileCategory));

static void printVersion(raw_ostream &os) {
  os << "llama4c " << LLAMA4C_VERSION << " (LLVM/MLIR " << LLVM_VERSION_STRING
     << ")\n";
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  runtime::reportFileSizeLimitAsAnError();
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions(compileCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "llama4c: ahead-of-time compiler for Llama 4 models\n\n"
      "  llama4c compile config.json -o model.so\n");
  if (!compileCommand) {
    WithColor::error(errs(), "llama4c")
        << "expected a command; see 'llama4c --help'\n";
    return 1;
  }

  CompileOptions options;
  options.configPath = configPath;
  options.target = target;
  options.emulate = emulate;
  options.cpu = cpu;
  options.emit = emit;
  if (dtype.getNumOccurrences())
    options.computeType = dtype;
  options.pipelinePath = pipelinePath;
  options.kvPageSize = kvPageSize;
  options.kvCacheType = kvDtype;
  options.reportTokens = reportTokens;
  options.reportBatch = reportBatch;
  if (!outputPath.empty())
    options.outputPath = outputPath;
  else if (emit != Phase::Llama4) {
    WithColor::error(errs(), "llama4c")
        << "-o is required for --emit " << phaseInfo(emit).emitName << "\n";
    return 1;
  }

  if (Error error = compile(options)) {
    WithColor::error(errs(), "llama4c")
        << runtime::printableLine(toString(std::move(error))) << "\n";
    return 1;
  }
  // The report's summary: a stdout that cannot take it (> /dev/full) is an
  // error here, not LLVM's fatal one when the stream is destroyed.
  outs().flush();
  if (outs().has_error()) {
    WithColor::error(errs(), "llama4c")
        << "standard output: cannot write: " << outs().error().message()
        << "\n";
    outs().clear_error();
    return 1;
  }
  return 0;
}
