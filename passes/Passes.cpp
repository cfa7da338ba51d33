//===- Passes.cpp - Registration of every llama4c pass --------------------===//

#include "passes/Passes.h"

#include "passes/abi/Passes.h"
#include "passes/analysis/Passes.h"
#include "passes/conversion/Passes.h"
#include "passes/cpu/Passes.h"
#include "passes/gpu/Passes.h"
#include "passes/strategy/Passes.h"
#include "passes/verify/Passes.h"

void llama4c::registerLlama4Passes() {
  registerAbiPasses();
  registerAnalysisPasses();
  registerConversionPasses();
  registerCpuPasses();
  registerGpuPasses();
  registerStrategyPasses();
  registerVerifyPasses();
}
