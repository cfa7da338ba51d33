//===- LogitsDump.cpp - A Generation's tokens and logits on disk ----------===//

#include "runtime/generate/LogitsDump.h"

#include "runtime/safetensors/SafetensorsWriter.h"

#include <algorithm>
#include <cassert>

namespace llama4c::runtime {

Expected<void> writeLogitsDump(const std::string &path,
                               const Generation &generation,
                               int64_t vocabSize) {
  int64_t batch = int64_t(generation.tokens.size());
  assert(int64_t(generation.prefillLogits.size()) == batch &&
         int64_t(generation.decodeLogits.size()) == batch &&
         "writeLogitsDump needs a Generation made with keepLogits");
  size_t longest = 0;
  for (const std::vector<int64_t> &row : generation.tokens)
    longest = std::max(longest, row.size());

  std::vector<int64_t> ids; // [B, N]
  std::string decode;       // [B, steps, V] f32
  for (int64_t b = 0; b < batch; ++b) {
    const std::vector<int64_t> &row = generation.tokens[b];
    ids.insert(ids.end(), row.begin(), row.end());
    ids.insert(ids.end(), longest - row.size(), -1);
    decode += bytesOf(generation.decodeLogits[b]);
  }
  std::vector<TensorSpec> tensors = {
      {"generated_ids", "I64", {batch, int64_t(longest)}, bytesOf(ids)},
      {"decode_logits",
       "F32",
       {batch, generation.decodeSteps, vocabSize},
       std::move(decode)}};
  for (int64_t b = 0; b < batch; ++b) {
    const std::vector<float> &logits = generation.prefillLogits[b];
    tensors.push_back({"prefill_logits." + std::to_string(b),
                       "F32",
                       {int64_t(logits.size()) / vocabSize, vocabSize},
                       bytesOf(logits)});
  }
  return writeBinaryFile(
      path,
      SafetensorsImage::of(tensors, {{"producer", "llama4-run"}}).bytes());
}

} // namespace llama4c::runtime
