//===- ManifestFuzzer.cpp - A model.so's manifest, as the loader reads it -===//

#include "runtime/loader/Manifest.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llama4c::fuzz::checkResult(llama4c::runtime::parseManifest(
      std::string_view(reinterpret_cast<const char *>(data), size),
      "model.so"));
  return 0;
}
