//===- ImageFuzzer.cpp - An image file, decoded and tiled -----------------===//
//
// Any bytes go through decodeImageBytes (PNG, JPEG, or an error); whatever
// decodes must then process at a small tile size, into values a bf16
// normalisation with mean = std = 0.5 can produce: [-1, 1]. The pixel limit
// is small so that one input decodes in milliseconds.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/Bf16.h"
#include "runtime/vision/ImageProcessor.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c;
  runtime::ImageLimits limits;
  limits.maxPixels = 1 << 16;
  runtime::Expected<runtime::RgbImage> image =
      runtime::decodeImageBytes(data, size, "image", limits);
  fuzz::checkResult(image);
  if (!image)
    return 0;
  if (image->width < 1 || image->height < 1 ||
      image->pixels.size() != size_t(image->width) * image->height * 3)
    std::abort();

  runtime::ImageProcessorConfig config;
  config.tileSize = 14;
  config.maxPatches = 6;
  config.resizeToMaxCanvas = size % 2 == 1; // both branches, by input
  runtime::Expected<runtime::ProcessedImage> processed =
      runtime::processImage(*image, config);
  if (!processed)
    std::abort(); // a decoded image is always valid input
  const runtime::ProcessedImage &tiles = *processed;
  if (tiles.tiles < 1 || tiles.tilesHigh * tiles.tilesWide > 6 ||
      tiles.pixelValues.size() != size_t(tiles.tiles) * 3 * 14 * 14)
    std::abort();
  for (uint16_t bits : tiles.pixelValues) {
    float value = runtime::bf16ToF32(bits);
    if (!(value >= -1.0f && value <= 1.0f))
      std::abort();
  }
  return 0;
}
