//===- BoundChainedRegisters.cpp - A chained kernel's register budget -----===//
//
// One kernel has one register count: a chain of kernels
// (--llama4-gpu-chain-launches) gets at least its hungriest phase's, and
// more where LLVM keeps values across phases. A decode step's MoE chain
// came to 162 registers from phases of at most 124: one block of 256
// threads per SM where each phase alone had two, and its latency-bound
// routed experts took 15% longer. Bounded, ptxas keeps every phase at the
// occupancy of the decode GEMVs.
//
//===----------------------------------------------------------------------===//

#include "passes/gpu/Passes.h"

#include "passes/gpu/LaunchPhases.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4GPUBOUNDCHAINEDREGISTERSPASS
#include "passes/gpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// Registers a thread of a chained kernel may hold: 16 warps an SM, two
/// blocks of 256 threads (65,536 registers an SM).
constexpr int32_t kChainedRegisters = 128;

struct BoundChainedRegisters
    : llama4c::impl::Llama4GpuBoundChainedRegistersPassBase<
          BoundChainedRegisters> {
  void runOnOperation() override {
    getOperation()->walk([](gpu::GPUFuncOp kernel) {
      bool chained = kernel
                         .walk([](memref::LoadOp load) {
                           return load->hasAttr(llama4c::kBlockTicketAttr)
                                      ? WalkResult::interrupt()
                                      : WalkResult::advance();
                         })
                         .wasInterrupted();
      if (chained)
        kernel->setAttr(
            NVVM::NVVMDialect::getMaxnregAttrName(),
            IntegerAttr::get(IntegerType::get(kernel.getContext(), 32),
                             kChainedRegisters));
    });
  }
};

} // namespace
