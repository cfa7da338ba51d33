//===- Passes.cpp - Registration of every llama4c pass --------------------===//

#include "passes/Passes.h"

#include "passes/analysis/Passes.h"
#include "passes/cpu/Passes.h"
#include "passes/gpu/Passes.h"
#include "passes/lowering/Passes.h"
#include "passes/verify/Passes.h"

void llama4c::registerLlama4Passes() {
  registerAnalysisPasses();
  registerCpuPasses();
  registerGpuPasses();
  registerLoweringPasses();
  registerVerifyPasses();
}
