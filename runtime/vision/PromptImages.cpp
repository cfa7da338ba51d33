//===- PromptImages.cpp - Image files into a batch of prompts -------------===//

#include "runtime/vision/PromptImages.h"

#include "runtime/vision/ImagePrompt.h"
#include "runtime/vision/ImageProcessor.h"

#include <algorithm>
#include <chrono>

namespace llama4c::runtime {

namespace {

/// `image`'s pixel values as the model reads them: bf16 as the processor
/// made them, or widened to f32 (exactly).
void appendPixels(const ProcessedImage &image, DType dtype,
                  std::vector<uint8_t> &out) {
  const uint8_t *bytes;
  size_t size;
  std::vector<float> widened;
  if (dtype == DType::F32) {
    widened = image.pixelValuesF32();
    bytes = reinterpret_cast<const uint8_t *>(widened.data());
    size = widened.size() * sizeof(float);
  } else {
    bytes = reinterpret_cast<const uint8_t *>(image.pixelValues.data());
    size = image.pixelValues.size() * sizeof(uint16_t);
  }
  out.insert(out.end(), bytes, bytes + size);
}

} // namespace

Expected<PromptsWithImages>
attachImages(const Manifest &manifest, const std::string &modelPath,
             const std::string &checkpointDir, const Tokenizer &tokenizer,
             const std::string &tokenizerPath,
             const std::vector<std::vector<int64_t>> &prompts,
             const std::vector<std::string> &paths, const ImageLimits &limits) {
  if (!manifest.vision)
    return Error(modelPath + ": --image: the model is text-only (compiled "
                             "from a config without vision_config)");
  const ManifestVision &vision = *manifest.vision;
  Expected<ImageTokenIds> tokens = imageTokenIds(tokenizer, tokenizerPath);
  if (!tokens)
    return tokens.error();
  Expected<ImageProcessorConfig> config =
      loadImageProcessorConfig(checkpointDir, int(vision.imageSize));
  if (!config)
    return config.error();

  // Placeholders first: a miscount is reported before any image is read.
  std::vector<size_t> placeholders;
  size_t total = 0;
  for (const std::vector<int64_t> &prompt : prompts) {
    placeholders.push_back(
        size_t(std::count(prompt.begin(), prompt.end(), tokens->image)));
    total += placeholders.back();
  }
  if (total != paths.size())
    return Error("the prompt" + std::string(prompts.size() > 1 ? "s have " : " has ") +
                 std::to_string(total) + " <|image|> placeholder" +
                 (total == 1 ? "" : "s") + " but " +
                 std::to_string(paths.size()) + " --image file" +
                 (paths.size() == 1 ? " was" : "s were") +
                 " given; write <|image|> where each image goes");

  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  PromptsWithImages result;
  size_t next = 0;
  for (size_t row = 0; row < prompts.size(); ++row) {
    std::vector<ProcessedImage> images;
    RowImages tiles;
    for (size_t i = 0; i < placeholders[row]; ++i, ++next) {
      Expected<RgbImage> rgb = decodeImage(paths[next], limits);
      if (!rgb)
        return rgb.error();
      Expected<ProcessedImage> processed = processImage(*rgb, *config);
      if (!processed)
        return Error(paths[next] + ": " + processed.error().message());
      appendPixels(*processed, manifest.dtype, tiles.pixels);
      tiles.tiles += processed->tiles;
      images.push_back(std::move(*processed));
    }
    Expected<std::vector<int64_t>> expanded = expandImagePlaceholders(
        prompts[row], images, int(vision.tokensPerTile), *tokens);
    if (!expanded)
      return expanded.error();
    result.prompts.push_back(std::move(*expanded));
    result.tiles += tiles.tiles;
    result.images.push_back(std::move(tiles));
  }
  result.seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

} // namespace llama4c::runtime
