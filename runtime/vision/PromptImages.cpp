//===- PromptImages.cpp - Image files into prompts ------------------------===//

#include "runtime/vision/PromptImages.h"

#include <algorithm>
#include <chrono>

namespace llama4c::runtime {

Expected<ImageReader> ImageReader::open(const Manifest &manifest,
                                        const std::string &modelPath,
                                        const std::string &checkpointDir,
                                        const Tokenizer &tokenizer,
                                        const std::string &tokenizerPath,
                                        const ImageLimits &limits) {
  if (!manifest.vision)
    return Error(modelPath + ": --image: the model is text-only (compiled "
                             "from a config without vision_config)");
  Expected<ImageTokenIds> tokens = imageTokenIds(tokenizer, tokenizerPath);
  if (!tokens)
    return tokens.error();
  Expected<ImageProcessorConfig> config =
      loadImageProcessorConfig(checkpointDir, int(manifest.vision->imageSize));
  if (!config)
    return config.error();
  ImageReader reader;
  reader.config = *config;
  reader.tokens = *tokens;
  reader.limits = limits;
  reader.tokensPerTile = int(manifest.vision->tokensPerTile);
  reader.dtype = manifest.dtype;
  return reader;
}

Expected<ProcessedImage> ImageReader::read(const std::string &path) const {
  Expected<RgbImage> rgb = decodeImage(path, limits);
  if (!rgb)
    return rgb.error();
  Expected<ProcessedImage> processed = processImage(*rgb, config);
  if (!processed)
    return Error(path + ": " + processed.error().message());
  return processed;
}

Expected<std::vector<int64_t>>
ImageReader::expand(const std::vector<int64_t> &ids,
                    const std::vector<ProcessedImage> &images) const {
  return expandImagePlaceholders(ids, images, tokensPerTile, tokens);
}

void ImageReader::appendTiles(const ProcessedImage &image,
                              RowImages &tiles) const {
  // bf16 as the processor made the pixel values, or widened to f32
  // (exactly).
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
  tiles.pixels.insert(tiles.pixels.end(), bytes, bytes + size);
  tiles.tiles += image.tiles;
}

RowImages ImageReader::tiles(const std::vector<ProcessedImage> &images) const {
  RowImages out;
  for (const ProcessedImage &image : images)
    appendTiles(image, out);
  return out;
}

Expected<PromptsWithImages>
attachImages(const ImageReader &reader,
             const std::vector<std::vector<int64_t>> &prompts,
             const std::vector<std::string> &paths) {
  // Placeholders first: a miscount is reported before any image is read.
  std::vector<size_t> placeholders;
  size_t total = 0;
  for (const std::vector<int64_t> &prompt : prompts) {
    placeholders.push_back(size_t(
        std::count(prompt.begin(), prompt.end(), reader.placeholder())));
    total += placeholders.back();
  }
  if (total != paths.size())
    return Error(
        "the prompt" + std::string(prompts.size() > 1 ? "s have " : " has ") +
        std::to_string(total) + " <|image|> placeholder" +
        (total == 1 ? "" : "s") + " but " + std::to_string(paths.size()) +
        " --image file" + (paths.size() == 1 ? " was" : "s were") +
        " given; write <|image|> where each image goes");

  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  PromptsWithImages result;
  size_t next = 0;
  for (size_t row = 0; row < prompts.size(); ++row) {
    std::vector<ProcessedImage> images;
    for (size_t i = 0; i < placeholders[row]; ++i, ++next) {
      Expected<ProcessedImage> image = reader.read(paths[next]);
      if (!image)
        return image.error();
      images.push_back(std::move(*image));
    }
    Expected<std::vector<int64_t>> expanded = reader.expand(prompts[row], images);
    if (!expanded)
      return expanded.error();
    result.prompts.push_back(std::move(*expanded));
    result.images.push_back(reader.tiles(images));
    result.tiles += result.images.back().tiles;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

} // namespace llama4c::runtime
