//===- ImageProcessor.h - Llama 4 image tiles, as transformers --*- C++ -*-===//
//
// transformers' Llama4ImageProcessor (5.x; the fast processor of 4.5x) on
// one RGB image, bit for bit:
//
//   1. the canvases: (a*T, b*T) for every a*b <= max_patches, in
//      transformers' order;
//   2. the best canvas: the smallest scale >= 1 that fits the image without
//      distortion (the largest with resize_to_max_canvas), else the largest
//      scale below 1; ties go to the smaller area;
//   3. a resize that keeps the aspect ratio (never above max(side, T) unless
//      resize_to_max_canvas), bilinear with antialiasing in the fixed-point
//      arithmetic torch uses on uint8 images (Pillow's);
//   4. zero padding at the bottom and right up to the canvas;
//   5. rescale and normalise in bf16, as the original implementation does;
//   6. T x T tiles, row-major; with more than one, a last "global" tile: the
//      whole image resized to T x T, aspect ratio not kept.
//
// The arithmetic follows the types transformers computes in: the canvas
// choice in float32 (torch tensors), the resize target in float64 or
// float32 depending on which Python value a min() returned.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_VISION_IMAGEPROCESSOR_H
#define LLAMA4C_RUNTIME_VISION_IMAGEPROCESSOR_H

#include "llama4c/Status.h"
#include "runtime/vision/ImageDecoder.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace llama4c::runtime {

/// Llama4ImageProcessor's settings; the defaults are transformers' (which
/// Llama 4's checkpoints use) apart from tileSize, which is the vision
/// tower's image_size.
struct ImageProcessorConfig {
  /// size.height == size.width, the side T of one tile.
  int tileSize = 336;
  int maxPatches = 16;
  bool resizeToMaxCanvas = false;
  float rescaleFactor = 1.0f / 255;
  std::array<float, 3> mean = {0.5f, 0.5f, 0.5f};
  std::array<float, 3> std = {0.5f, 0.5f, 0.5f};
};

/// The settings of a checkpoint: DIR/preprocessor_config.json if there is
/// one (max_patches, size, resize_to_max_canvas, rescale_factor,
/// image_mean, image_std, do_rescale, do_normalize, do_resize), else
/// transformers' defaults. `tileSize` is the vision config's image_size;
/// the file's size must agree with it. Errors name the file and the field:
/// "DIR/preprocessor_config.json: size: height 448 differs from the vision
/// tower's image_size 336".
Expected<ImageProcessorConfig>
loadImageProcessorConfig(const std::string &checkpointDir, int tileSize);

/// Fails unless `config` can be processed with: a tile side in 1..4096,
/// max_patches in 1..256, finite rescale factor and mean, std non-zero.
Expected<void> validateImageProcessorConfig(const ImageProcessorConfig &config);

/// The sizes steps 1-3 choose for a height x width image.
struct ImagePlan {
  int canvasHeight, canvasWidth;   // multiples of the tile size
  int resizedHeight, resizedWidth; // <= the canvas
};

/// Step 1: every (height, width) canvas, in transformers' order.
std::vector<std::array<int, 2>> supportedCanvases(int tileSize, int maxPatches);

/// Steps 2 and 3 for a height x width image (both >= 1) and a valid config.
ImagePlan planImage(int height, int width, const ImageProcessorConfig &config);

/// `image` resized to height x width as torch resizes a uint8 image
/// (bilinear, antialiased, align_corners false): one pass along each axis
/// that changes, width first, with 16-bit weights and an 8-bit result
/// after each pass.
RgbImage resizeImage(const RgbImage &image, int height, int width);

/// What the processor hands the vision tower for one image.
struct ProcessedImage {
  /// The canvas in tiles: transformers' aspect_ratios entry.
  int tilesHigh = 0, tilesWide = 0;
  /// tilesHigh * tilesWide, plus the global tile when that is above 1.
  int tiles = 0;
  int tileSize = 0;
  /// bf16 bit patterns, [tiles, 3, tileSize, tileSize].
  std::vector<uint16_t> pixelValues;

  /// The pixel values as f32 (exact: every bf16 is an f32).
  std::vector<float> pixelValuesF32() const;
};

/// Steps 1-6 on `image`. Fails on an empty or inconsistent image or an
/// invalid config.
Expected<ProcessedImage> processImage(const RgbImage &image,
                                      const ImageProcessorConfig &config);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_VISION_IMAGEPROCESSOR_H
