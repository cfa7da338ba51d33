//===- ConfigFuzzer.cpp - config.json into the frontend's typed config ----===//

#include "frontends/hf/Llama4Config.h"

#include "test/fuzz/LlvmFuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<llama4c::Llama4Config> config = llama4c::parseLlama4Config(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "config.json");
  llama4c::fuzz::checkLlvmResult(config);
  return 0;
}
