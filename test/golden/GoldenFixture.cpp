//===- GoldenFixture.cpp - A fixture's compiled model and reference -------===//

#include "test/golden/GoldenFixture.h"

#include "runtime/safetensors/SafetensorsFile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace llama4c::golden {

using namespace runtime;

namespace {
std::vector<std::string> splitList(const std::string &text) { // "a,b,c"
  std::vector<std::string> items;
  std::istringstream list(text);
  for (std::string item; std::getline(list, item, ',');)
    items.push_back(item);
  return items;
}
} // namespace

std::vector<std::string> fixtureNames() {
  return splitList(LLAMA4C_GOLDEN_FIXTURES);
}

std::vector<std::string> goldenBuilds() {
  return splitList(LLAMA4C_GOLDEN_BUILDS);
}

std::string goldenModel(const std::string &base, const std::string &build) {
  return std::string(LLAMA4C_GOLDEN_MODELS_DIR) + "/" + base +
         (build == "native" ? "" : "__" + build) + ".so";
}

std::string fixtureDir(const std::string &name) {
  return std::string(LLAMA4C_GOLDEN_FIXTURES_DIR) + "/" +
         name.substr(0, name.find("__"));
}

Expected<std::unique_ptr<LoadedModel>> loadModel(const std::string &name) {
  return LoadedModel::open(goldenModel(name), fixtureDir(name));
}

namespace {

/// [B * L] values as B rows of L.
std::vector<std::vector<int64_t>> rowsOf(const std::vector<int64_t> &values,
                                         int64_t batch) {
  std::vector<std::vector<int64_t>> rows;
  size_t length = values.size() / batch;
  for (int64_t b = 0; b < batch; ++b)
    rows.emplace_back(values.begin() + b * length,
                      values.begin() + (b + 1) * length);
  return rows;
}

} // namespace

Expected<Reference> loadReference(const std::string &name) {
  return loadReferenceFile(fixtureDir(name) + "/reference.safetensors");
}

Expected<Reference> loadReferenceFile(const std::string &path) {
  Expected<SafetensorsFile> file = SafetensorsFile::open(path);
  if (!file)
    return file.error();
  const TensorView *inputs = file->find("input_ids");
  const TensorView *generated = file->find("generated_ids");
  const TensorView *logits = file->find("prefill_logits");
  if (!inputs || inputs->shape.size() != 2 || !generated ||
      generated->shape.size() != 2 || !logits || logits->shape.size() != 3)
    return Error(file->path() + ": expected input_ids [B, S], generated_ids "
                                "[B, N] and prefill_logits [B, S, V]");
  Reference reference;
  reference.batch = inputs->shape[0];
  reference.promptLength = inputs->shape[1];
  reference.newTokens = generated->shape[1];
  reference.vocab = logits->shape[2];
  int64_t B = reference.batch, S = reference.promptLength,
          N = reference.newTokens, V = reference.vocab;

  Expected<std::vector<int64_t>> inputIds =
      readTensor<int64_t>(*file, "input_ids", DType::I64, {B, S});
  Expected<std::vector<float>> prefillLogits =
      readTensor<float>(*file, "prefill_logits", DType::F32, {B, S, V});
  Expected<std::vector<int64_t>> generatedIds =
      readTensor<int64_t>(*file, "generated_ids", DType::I64, {B, N});
  Expected<std::vector<float>> decodeLogits =
      readTensor<float>(*file, "decode_logits", DType::F32, {B, N, V});
  if (!inputIds)
    return inputIds.error();
  if (!prefillLogits)
    return prefillLogits.error();
  if (!generatedIds)
    return generatedIds.error();
  if (!decodeLogits)
    return decodeLogits.error();
  reference.inputIds = rowsOf(*inputIds, B);
  reference.prefillLogits = std::move(*prefillLogits);
  reference.generatedIds = rowsOf(*generatedIds, B);
  reference.decodeLogits = std::move(*decodeLogits);
  return reference;
}

double relativeError(const float *ours, const float *reference, size_t count) {
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < count; ++i) {
    // A NaN in ours must fail the comparison, not vanish in std::max.
    double diff = std::fabs(double(ours[i]) - double(reference[i]));
    maxDiff = std::isnan(diff) ? INFINITY : std::max(maxDiff, diff);
    maxRef = std::max(maxRef, std::fabs(double(reference[i])));
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

double relativeL2(const float *ours, const float *reference, size_t count) {
  double difference = 0, norm = 0;
  for (size_t i = 0; i < count; ++i) {
    double diff = double(ours[i]) - double(reference[i]);
    difference += diff * diff;
    norm += double(reference[i]) * double(reference[i]);
  }
  return std::sqrt(difference / norm);
}

} // namespace llama4c::golden
