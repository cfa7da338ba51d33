//===- EmitStartThreads.cpp - The exported llama4c_start_threads ----------===//
//
// --llama4-emit-start-threads: see Passes.td. libomp initialises itself and
// creates its threads in the first parallel region a process runs: about
// 2 ms (measured on this project's 2-core machine), which a host model
// would otherwise spend in its first prefill, the one a user waits on.
//
//===----------------------------------------------------------------------===//

#include "passes/abi/Passes.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4EMITSTARTTHREADSPASS
#include "passes/abi/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

struct EmitStartThreads
    : llama4c::impl::Llama4EmitStartThreadsPassBase<EmitStartThreads> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module.lookupSymbol("llama4c_start_threads")) {
      module.emitError("llama4c_start_threads is already defined");
      return signalPassFailure();
    }
    Location loc = module.getLoc();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto start = func::FuncOp::create(b, loc, "llama4c_start_threads",
                                      b.getFunctionType({}, {b.getI32Type()}));
    b.setInsertionPointToStart(start.addEntryBlock());
    auto region = omp::ParallelOp::create(b, loc, omp::ParallelOperands());
    {
      OpBuilder::InsertionGuard guard(b);
      b.createBlock(&region.getRegion());
      omp::TerminatorOp::create(b, loc);
    }
    Value ok = arith::ConstantIntOp::create(b, loc, 0, 32);
    func::ReturnOp::create(b, loc, ok);
  }
};

} // namespace
