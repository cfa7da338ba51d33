//===- SafetensorsFuzzer.cpp - One safetensors file, header and data ------===//
//
// Every tensor a file is accepted with must lie inside it: the first and
// last byte of each are read (outside the mapping, that is a crash).
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/SafetensorsFile.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c;
  runtime::Expected<runtime::SafetensorsFile> file =
      runtime::SafetensorsFile::open(
          fuzz::writeScratch("model.safetensors", data, size));
  fuzz::checkResult(file);
  if (!file)
    return 0;
  unsigned sum = 0;
  for (const runtime::TensorView &view : file->tensors())
    if (view.bytes > 0) {
      const auto *bytes = static_cast<const volatile uint8_t *>(view.data);
      sum += bytes[0] + bytes[view.bytes - 1];
    }
  return int(sum & 0);
}
