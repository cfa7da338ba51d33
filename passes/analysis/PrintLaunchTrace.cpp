//===- PrintLaunchTrace.cpp - The launches of a host function, printed ----===//

#include "passes/analysis/Passes.h"

#include "passes/analysis/LaunchTrace.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4PRINTLAUNCHTRACEPASS
#include "passes/analysis/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct PrintLaunchTrace
    : llama4c::impl::Llama4PrintLaunchTracePassBase<PrintLaunchTrace> {
  using Llama4PrintLaunchTracePassBase::Llama4PrintLaunchTracePassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto function = module.lookupSymbol<func::FuncOp>(entry);
    if (!function) {
      module.emitError("no function @") << entry << " to trace";
      return signalPassFailure();
    }
    llama4c::report::CallSizes sizes;
    int64_t each = size;
    sizes.dim = [each](unsigned, unsigned) { return each; };
    int64_t positionsArgument = positions;
    sizes.element = [each, positionsArgument](unsigned argument,
                                              int64_t element) {
      return int64_t(argument) == positionsArgument
                 ? std::optional<int64_t>(element % each)
                 : std::nullopt;
    };
    llvm::Expected<llama4c::report::LaunchTrace> trace =
        llama4c::report::traceLaunches(module, function, sizes);
    if (!trace) {
      function.emitError(llvm::toString(trace.takeError()));
      return signalPassFailure();
    }
    for (const auto &[kernel, cost] : *trace)
      llvm::outs() << kernel << ": " << cost.launches << " launches, "
                   << (cost.waits ? std::to_string(cost.waits) + " waits, "
                                  : std::string())
                   << cost.threads << " threads, " << int64_t(cost.bytesRead)
                   << " bytes read (" << int64_t(cost.hbmBytesRead)
                   << " from HBM), " << int64_t(cost.bytesWritten)
                   << " written (" << int64_t(cost.hbmBytesWritten)
                   << " to HBM), " << int64_t(cost.l1Bytes) << " L1, "
                   << int64_t(cost.flops) << " flops, "
                   << int64_t(cost.loadRounds) << " load rounds\n";
  }
};

} // namespace
