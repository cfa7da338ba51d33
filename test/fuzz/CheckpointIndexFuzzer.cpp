//===- CheckpointIndexFuzzer.cpp - model.safetensors.index.json -----------===//
//
// The input is the index of a checkpoint directory holding one valid shard,
// "model-00001-of-00001.safetensors" with tensor "w"; whatever the index
// says, opening gives a checkpoint or one error line.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/Checkpoint.h"
#include "test/fuzz/FuzzSupport.h"

#include <cstring>

namespace {

/// A shard with one f32 [2] tensor "w".
void writeShard() {
  static const char kHeader[] =
      R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::string bytes(8, '\0');
  uint64_t length = sizeof(kHeader) - 1;
  std::memcpy(bytes.data(), &length, 8);
  bytes += kHeader;
  bytes += std::string(8, '\0');
  llama4c::fuzz::writeScratch(
      "model-00001-of-00001.safetensors",
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c;
  static bool shardWritten = (writeShard(), true);
  (void)shardWritten;
  fuzz::writeScratch("model.safetensors.index.json", data, size);
  fuzz::checkResult(runtime::Checkpoint::open(fuzz::scratchDir()));
  return 0;
}
