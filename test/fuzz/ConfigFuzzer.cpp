//===- ConfigFuzzer.cpp - config.json into the frontend's typed config ----===//

#include "frontends/hf/Llama4Config.h"

#include "llvm/Support/Error.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<llama4c::Llama4Config> config = llama4c::parseLlama4Config(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "config.json");
  if (!config) {
    std::string message = llvm::toString(config.takeError());
    if (message.empty() || message.find('\n') != std::string::npos)
      std::abort();
  }
  return 0;
}
