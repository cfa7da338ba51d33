//===- ImageProcessor.cpp - Llama 4's image tiles, as transformers --------===//
//
// Each step reproduces transformers' arithmetic, including the precision of
// every intermediate; where that precision depends on Python's dynamic
// types, the comment says which value is a torch tensor.
//
//===----------------------------------------------------------------------===//

#include "runtime/vision/ImageProcessor.h"

#include "runtime/safetensors/Bf16.h"
#include "runtime/safetensors/StrictJson.h"
#include "runtime/support/InputFile.h"

#include <algorithm>
#include <cmath>
#include <limits>

// The resize weights must be computed with one rounding per operation, as
// torch's reference arithmetic is; a fused multiply-add would move some of
// them by one unit of their 16-bit fixed point.
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace llama4c::runtime {

namespace {

constexpr int kMaxTileSize = 1024;
constexpr int kMaxPatches = 256;
/// (max_patches + 1) tiles of T x T pixels, the most one image can produce.
constexpr uint64_t kMaxTilePixels = uint64_t(1) << 26;
/// The decoder's default side limit (ImageLimits::maxSide): resizing costs
/// about the longer side times the tile size, even for a strip one pixel
/// across.
constexpr int kMaxImageSide = 1 << 16;

//===----------------------------------------------------------------------===//
// Canvas and resize target
//===----------------------------------------------------------------------===//

/// The canvas transformers' get_best_fit picks. Its scales are float32:
/// canvas sides are an int64 tensor divided by Python ints.
std::array<int, 2> bestCanvas(int height, int width,
                              const std::vector<std::array<int, 2>> &canvases,
                              bool resizeToMaxCanvas) {
  std::vector<float> scales;
  scales.reserve(canvases.size());
  for (const auto &[canvasHeight, canvasWidth] : canvases) {
    float scaleH = float(canvasHeight) / float(height);
    float scaleW = float(canvasWidth) / float(width);
    scales.push_back(scaleH > scaleW ? scaleW : scaleH);
  }
  bool upscale = std::any_of(scales.begin(), scales.end(),
                             [](float scale) { return scale >= 1; });
  // The smallest upscale (the largest with resizeToMaxCanvas), else the
  // largest downscale.
  bool wantLargest = upscale ? resizeToMaxCanvas : true;
  float selected = 0;
  bool found = false;
  for (float scale : scales) {
    if ((scale >= 1) != upscale)
      continue;
    if (!found || (wantLargest ? scale > selected : scale < selected))
      selected = scale;
    found = true;
  }
  // Among canvases of that scale, the first of the smallest area.
  const std::array<int, 2> *best = nullptr;
  for (size_t i = 0; i < canvases.size(); ++i) {
    if (scales[i] != selected)
      continue;
    if (!best || int64_t(canvases[i][0]) * canvases[i][1] <
                     int64_t((*best)[0]) * (*best)[1])
      best = &canvases[i];
  }
  return *best;
}

/// A side of the resize target. transformers computes it with Python's
/// min() over an int and a 0-d int64 tensor; when the tensor wins, the
/// arithmetic after it is float32 rather than float64.
struct TargetSide {
  int value;
  bool tensor;
};

/// side / original in the precision the operands' types give.
struct Scale {
  double value; // exact float32 value when `single`
  bool single;
};

Scale scaleOf(TargetSide side, int original) {
  if (side.tensor)
    return {double(float(side.value) / float(original)), true};
  return {double(side.value) / double(original), false};
}

/// original * scale, floored, in the scale's precision.
int64_t flooredProduct(int original, Scale scale) {
  if (scale.single)
    return int64_t(std::floor(float(original) * float(scale.value)));
  return int64_t(std::floor(double(original) * scale.value));
}

/// transformers' get_max_res_without_distortion: the largest size of the
/// image's aspect ratio inside target.
std::array<int, 2> fitWithoutDistortion(int height, int width,
                                        TargetSide targetHeight,
                                        TargetSide targetWidth) {
  Scale scaleW = scaleOf(targetWidth, width);
  Scale scaleH = scaleOf(targetHeight, height);
  // A float32 tensor compared with a Python float rounds the float to
  // float32 first.
  bool widthLimits = scaleW.single || scaleH.single
                         ? float(scaleW.value) < float(scaleH.value)
                         : scaleW.value < scaleH.value;
  int newHeight, newWidth;
  if (widthLimits) {
    newWidth = targetWidth.value;
    newHeight = int(
        std::min<int64_t>(flooredProduct(height, scaleW), targetHeight.value));
  } else {
    newHeight = targetHeight.value;
    newWidth = int(
        std::min<int64_t>(flooredProduct(width, scaleH), targetWidth.value));
  }
  return {std::max(newHeight, 1), std::max(newWidth, 1)};
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

/// The 16-bit weights of a resize along one axis, as torch computes them
/// for uint8 images (float64 triangle filter widened by the downscale
/// factor, normalised, then scaled to the most fraction bits that keep
/// twice the largest weight below 2^15).
struct AxisWeights {
  int precision = 0; // fraction bits
  /// Output i reads count[i] inputs from first[i], with the weights from
  /// weights[offset[i]].
  std::vector<int> first, count;
  std::vector<size_t> offset;
  std::vector<int16_t> weights;
};

AxisWeights axisWeights(int inSize, int outSize) {
  double scale = double(inSize) / outSize;
  double support = scale >= 1.0 ? scale : 1.0;
  double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
  AxisWeights axis;
  axis.first.resize(outSize);
  axis.count.resize(outSize);
  axis.offset.resize(outSize);
  size_t total = 0;
  for (int i = 0; i < outSize; ++i) {
    double center = scale * (i + 0.5);
    int64_t first = std::max<int64_t>(int64_t(center - support + 0.5), 0);
    int64_t count =
        std::min<int64_t>(int64_t(center + support + 0.5), inSize) - first;
    axis.first[i] = int(first);
    axis.count[i] = int(count);
    axis.offset[i] = total;
    total += size_t(count);
  }
  // Output i's float64 weights, normalised, into `w`.
  std::vector<double> w;
  auto kernel = [&](int i) {
    double center = scale * (i + 0.5);
    w.assign(size_t(axis.count[i]), 0.0);
    double sum = 0.0;
    for (int j = 0; j < axis.count[i]; ++j) {
      double x =
          std::fabs((double(j + axis.first[i]) - center + 0.5) * invScale);
      w[j] = x < 1.0 ? 1.0 - x : 0.0;
      sum += w[j];
    }
    if (sum != 0.0)
      for (double &weight : w)
        weight /= sum;
  };
  // The fixed point's fraction bits depend on the largest weight of all;
  // the kernels are computed twice rather than kept in float64, which for
  // a long strip of an image would take gigabytes. (torch's largest also
  // counts the zeros padding short kernels; weights are never negative,
  // so those do not change it.)
  double largest = 0.0;
  for (int i = 0; i < outSize; ++i) {
    kernel(i);
    for (double weight : w)
      largest = std::max(largest, weight);
  }
  while (axis.precision < 22 &&
         int(0.5 + largest * (1 << (axis.precision + 1))) < (1 << 15))
    ++axis.precision;
  axis.weights.resize(total);
  for (int i = 0; i < outSize; ++i) {
    kernel(i);
    for (size_t j = 0; j < w.size(); ++j)
      axis.weights[axis.offset[i] + j] =
          int16_t(int(0.5 + w[j] * (1 << axis.precision)));
  }
  return axis;
}

inline uint8_t roundToByte(int32_t sum, int precision) {
  return uint8_t(std::clamp(sum >> precision, 0, 255));
}

/// Resamples one row of RGB pixels to axis.first.size() pixels.
void resizeRow(const uint8_t *row, const AxisWeights &axis, uint8_t *out) {
  int32_t half = 1 << (axis.precision - 1);
  for (size_t x = 0; x < axis.first.size(); ++x) {
    const int16_t *w = &axis.weights[axis.offset[x]];
    const uint8_t *src = row + size_t(axis.first[x]) * 3;
    int32_t r = half, g = half, b = half;
    for (int k = 0; k < axis.count[x]; ++k) {
      r += w[k] * src[3 * k];
      g += w[k] * src[3 * k + 1];
      b += w[k] * src[3 * k + 2];
    }
    out[3 * x] = roundToByte(r, axis.precision);
    out[3 * x + 1] = roundToByte(g, axis.precision);
    out[3 * x + 2] = roundToByte(b, axis.precision);
  }
}

/// Output row `y` of a pass down the columns: the weighted sum of the
/// input rows row(first[y]) ... row(first[y] + count[y] - 1), each of
/// `rowValues` bytes, accumulated a whole row at a time.
template <class RowAt>
void resizeColumn(const AxisWeights &axis, size_t y, size_t rowValues,
                  RowAt rowAt, std::vector<int32_t> &sums, uint8_t *out) {
  const int16_t *w = &axis.weights[axis.offset[y]];
  std::fill(sums.begin(), sums.end(), 1 << (axis.precision - 1));
  for (int k = 0; k < axis.count[y]; ++k) {
    const uint8_t *src = rowAt(axis.first[y] + k);
    int32_t weight = w[k];
    for (size_t v = 0; v < rowValues; ++v)
      sums[v] += weight * src[v];
  }
  for (size_t v = 0; v < rowValues; ++v)
    out[v] = roundToByte(sums[v], axis.precision);
}

//===----------------------------------------------------------------------===//
// Rescale, normalise, tiles
//===----------------------------------------------------------------------===//

/// bf16 of each byte value per channel after transformers' rescale and
/// normalise in bf16: x = bf16(u8); x = bf16(x * factor) with the factor a
/// float32 scalar; then x = bf16(x - mean) and bf16(x / std) with mean and
/// std bf16 tensors.
using ChannelTables = std::array<std::array<uint16_t, 256>, 3>;

ChannelTables normalisationTables(const ImageProcessorConfig &config) {
  ChannelTables tables;
  for (int c = 0; c < 3; ++c) {
    float mean = bf16ToF32(f32ToBf16(config.mean[c]));
    float std = bf16ToF32(f32ToBf16(config.std[c]));
    for (int v = 0; v < 256; ++v) {
      float x = bf16ToF32(f32ToBf16(float(v)));
      x = bf16ToF32(f32ToBf16(x * config.rescaleFactor));
      x = bf16ToF32(f32ToBf16(x - mean));
      tables[c][v] = f32ToBf16(x / std);
    }
  }
  return tables;
}

/// Writes the tiles of `image`, padded with zeros to tilesHigh x tilesWide
/// tiles, row-major, each [3, T, T], to `out`; returns the end.
uint16_t *writeTiles(const RgbImage &image, int tilesHigh, int tilesWide,
                     int tileSize, const ChannelTables &tables, uint16_t *out) {
  size_t t = size_t(tileSize), width = size_t(image.width);
  for (size_t ty = 0; ty < size_t(tilesHigh); ++ty)
    for (size_t tx = 0; tx < size_t(tilesWide); ++tx) {
      // Columns [tx * t, tx * t + inside) of the tile hold image pixels.
      size_t left = tx * t;
      size_t inside = left < width ? std::min(t, width - left) : 0;
      for (int c = 0; c < 3; ++c) {
        const std::array<uint16_t, 256> &table = tables[c];
        for (size_t r = 0; r < t; ++r, out += t) {
          size_t y = ty * t + r;
          size_t filled = y < size_t(image.height) ? inside : 0;
          if (filled) {
            const uint8_t *src = &image.pixels[(y * width + left) * 3 + c];
            for (size_t q = 0; q < filled; ++q)
              out[q] = table[src[3 * q]];
          }
          std::fill(out + filled, out + t, table[0]);
        }
      }
    }
  return out;
}

} // namespace

//===----------------------------------------------------------------------===//
// Public entry points
//===----------------------------------------------------------------------===//

std::vector<std::array<int, 2>> supportedCanvases(int tileSize,
                                                  int maxPatches) {
  // Grouped by aspect ratio (a Python float, so equal ratios are equal
  // doubles) in order of first appearance, iterating patch counts from the
  // most; only ties in get_best_fit see the order.
  std::vector<std::pair<double, std::vector<std::array<int, 2>>>> groups;
  for (int patches = maxPatches; patches >= 1; --patches)
    for (int rows = 1; rows <= patches; ++rows) {
      if (patches % rows != 0)
        continue;
      int columns = patches / rows;
      double ratio = double(rows) / double(columns);
      auto group =
          std::find_if(groups.begin(), groups.end(),
                       [&](const auto &g) { return g.first == ratio; });
      if (group == groups.end())
        group = groups.insert(groups.end(), {ratio, {}});
      group->second.push_back({rows * tileSize, columns * tileSize});
    }
  std::vector<std::array<int, 2>> canvases;
  for (const auto &group : groups)
    canvases.insert(canvases.end(), group.second.begin(), group.second.end());
  return canvases;
}

ImagePlan planImage(int height, int width, const ImageProcessorConfig &config) {
  std::array<int, 2> canvas = bestCanvas(
      height, width, supportedCanvases(config.tileSize, config.maxPatches),
      config.resizeToMaxCanvas);
  TargetSide targetHeight{canvas[0], true}, targetWidth{canvas[1], true};
  if (!config.resizeToMaxCanvas) {
    // min(max(side, T), canvas side): the canvas (a tensor) only when it is
    // strictly smaller, else the Python int.
    int limitHeight = std::max(height, config.tileSize);
    int limitWidth = std::max(width, config.tileSize);
    if (canvas[0] >= limitHeight)
      targetHeight = {limitHeight, false};
    if (canvas[1] >= limitWidth)
      targetWidth = {limitWidth, false};
  }
  std::array<int, 2> resized =
      fitWithoutDistortion(height, width, targetHeight, targetWidth);
  return {canvas[0], canvas[1], resized[0], resized[1]};
}

RgbImage resizeImage(const RgbImage &image, int height, int width) {
  if (width == image.width && height == image.height)
    return image;
  RgbImage out{width, height, {}};
  out.pixels.resize(size_t(width) * height * 3);
  size_t inValues = size_t(image.width) * 3, outValues = size_t(width) * 3;
  if (height == image.height) {
    AxisWeights across = axisWeights(image.width, width);
    for (int y = 0; y < height; ++y)
      resizeRow(&image.pixels[y * inValues], across,
                &out.pixels[y * outValues]);
    return out;
  }
  AxisWeights down = axisWeights(image.height, height);
  std::vector<int32_t> sums(outValues);
  if (width == image.width) {
    auto rowAt = [&](int row) { return &image.pixels[row * inValues]; };
    for (int y = 0; y < height; ++y)
      resizeColumn(down, y, outValues, rowAt, sums, &out.pixels[y * outValues]);
    return out;
  }
  // Both passes, width first as torch does; the rows of the intermediate
  // image are made as the column pass reaches them and kept in a ring as
  // long as one output row needs them. (Kept whole, a tall strip resized
  // to a wide tile would need height x tile bytes.)
  AxisWeights across = axisWeights(image.width, width);
  int window =
      std::max(1, *std::max_element(down.count.begin(), down.count.end()));
  std::vector<uint8_t> ring(size_t(window) * outValues);
  int made = 0;
  auto rowAt = [&](int row) { return &ring[size_t(row % window) * outValues]; };
  for (int y = 0; y < height; ++y) {
    // Windows only move forward: first[y] and first[y] + count[y] never
    // decrease.
    for (int end = down.first[y] + down.count[y]; made < end; ++made)
      resizeRow(&image.pixels[made * inValues], across,
                &ring[size_t(made % window) * outValues]);
    resizeColumn(down, y, outValues, rowAt, sums, &out.pixels[y * outValues]);
  }
  return out;
}

std::vector<float> ProcessedImage::pixelValuesF32() const {
  std::vector<float> values(pixelValues.size());
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = bf16ToF32(pixelValues[i]);
  return values;
}

Expected<void>
validateImageProcessorConfig(const ImageProcessorConfig &config) {
  if (config.tileSize < 1 || config.tileSize > kMaxTileSize)
    return Error("size: expected a tile side from 1 to " +
                 std::to_string(kMaxTileSize) + ", got " +
                 std::to_string(config.tileSize));
  if (config.maxPatches < 1 || config.maxPatches > kMaxPatches)
    return Error("max_patches: expected 1 to " + std::to_string(kMaxPatches) +
                 ", got " + std::to_string(config.maxPatches));
  uint64_t pixels = uint64_t(config.maxPatches + 1) * config.tileSize *
                    uint64_t(config.tileSize);
  if (pixels > kMaxTilePixels)
    return Error("max_patches: " + std::to_string(config.maxPatches) +
                 " tiles of " + std::to_string(config.tileSize) +
                 " pixels square make " + std::to_string(pixels) +
                 " pixels per image, over the limit of " +
                 std::to_string(kMaxTilePixels));
  if (!std::isfinite(config.rescaleFactor))
    return Error("rescale_factor: expected a finite number");
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(config.mean[c]))
      return Error("image_mean: expected finite numbers");
    if (!std::isfinite(config.std[c]) ||
        bf16ToF32(f32ToBf16(config.std[c])) == 0.0f)
      return Error("image_std: expected finite numbers that are not zero");
  }
  return {};
}

Expected<ProcessedImage> processImage(const RgbImage &image,
                                      const ImageProcessorConfig &config) {
  if (Expected<void> valid = validateImageProcessorConfig(config); !valid)
    return Error("image processor config: " + valid.error().message());
  std::string size =
      std::to_string(image.width) + " x " + std::to_string(image.height);
  if (image.width < 1 || image.height < 1)
    return Error("image: width and height must be positive, got " + size);
  if (std::max(image.width, image.height) > kMaxImageSide)
    return Error("image: " + size + " pixels has a side over the limit of " +
                 std::to_string(kMaxImageSide) + " pixels");
  if (image.pixels.size() != size_t(image.width) * image.height * 3)
    return Error("image: " + size + " RGB pixels need " +
                 std::to_string(size_t(image.width) * image.height * 3) +
                 " bytes, got " + std::to_string(image.pixels.size()));

  ImagePlan plan = planImage(image.height, image.width, config);
  ProcessedImage processed;
  processed.tileSize = config.tileSize;
  processed.tilesHigh = plan.canvasHeight / config.tileSize;
  processed.tilesWide = plan.canvasWidth / config.tileSize;
  int local = processed.tilesHigh * processed.tilesWide;
  processed.tiles = local > 1 ? local + 1 : 1;
  processed.pixelValues.resize(size_t(processed.tiles) * 3 * config.tileSize *
                               config.tileSize);

  ChannelTables tables = normalisationTables(config);
  // Images that fit their canvas as they are (most photos) are not copied.
  RgbImage resized;
  bool resize =
      plan.resizedHeight != image.height || plan.resizedWidth != image.width;
  if (resize)
    resized = resizeImage(image, plan.resizedHeight, plan.resizedWidth);
  uint16_t *out = writeTiles(resize ? resized : image, processed.tilesHigh,
                             processed.tilesWide, config.tileSize, tables,
                             processed.pixelValues.data());
  if (local > 1) {
    RgbImage global = resizeImage(image, config.tileSize, config.tileSize);
    writeTiles(global, 1, 1, config.tileSize, tables, out);
  }
  return processed;
}

//===----------------------------------------------------------------------===//
// preprocessor_config.json
//===----------------------------------------------------------------------===//

Expected<ImageProcessorConfig>
loadImageProcessorConfig(const std::string &checkpointDir, int tileSize) {
  ImageProcessorConfig config;
  config.tileSize = tileSize;
  std::string path = checkpointDir + "/preprocessor_config.json";
  if (!pathExists(path)) {
    if (Expected<void> valid = validateImageProcessorConfig(config); !valid)
      return Error(checkpointDir +
                   ": image processor: " + valid.error().message());
    return config;
  }
  constexpr uint64_t kMaxBytes = uint64_t(1) << 20;
  Expected<Json> parsed = readJsonObjectFile(path, kMaxBytes);
  if (!parsed)
    return parsed.error();
  const Json &root = *parsed;

  auto bad = [&](const std::string &field, const std::string &what) {
    return Error(path + ": " + field + ": " + what);
  };
  auto expected = [&](const std::string &field, const char *kind,
                      const Json &got) {
    return bad(field,
               std::string("expected ") + kind + ", got " + describeJson(got));
  };
  // A field that is absent or null keeps transformers' default.
  auto field = [&](const char *name) -> const Json * {
    auto it = root.find(name);
    return it == root.end() || it->is_null() ? nullptr : &*it;
  };
  auto positiveInt = [](const Json &value) -> std::optional<int> {
    std::optional<uint64_t> number = jsonUnsigned(value);
    if (!number || *number == 0 || *number > uint64_t(INT32_MAX))
      return std::nullopt;
    return int(*number);
  };

  if (const Json *value = field("max_patches")) {
    std::optional<int> patches = positiveInt(*value);
    if (!patches)
      return expected("max_patches", "a positive integer", *value);
    config.maxPatches = *patches;
  }
  if (const Json *value = field("size")) {
    const char *shape = "{\"height\": N, \"width\": N}";
    if (!value->is_object() || value->size() != 2 ||
        !value->contains("height") || !value->contains("width"))
      return expected("size", shape, *value);
    std::optional<int> height = positiveInt((*value)["height"]);
    std::optional<int> width = positiveInt((*value)["width"]);
    if (!height)
      return expected("size.height", "a positive integer", (*value)["height"]);
    if (!width)
      return expected("size.width", "a positive integer", (*value)["width"]);
    if (*height != *width)
      return bad("size", "height " + std::to_string(*height) + " and width " +
                             std::to_string(*width) +
                             " differ; Llama 4's tiles are square");
    if (*height != tileSize)
      return bad("size", std::to_string(*height) +
                             " differs from the vision tower's image_size " +
                             std::to_string(tileSize));
  }
  if (const Json *value = field("resize_to_max_canvas")) {
    if (!value->is_boolean())
      return expected("resize_to_max_canvas", "true or false", *value);
    config.resizeToMaxCanvas = value->get<bool>();
  }
  // Steps the processor cannot skip: transformers refuses do_resize false,
  // and the model was trained on RGB, rescaled and normalised input.
  for (const char *name :
       {"do_resize", "do_rescale", "do_normalize", "do_convert_rgb"}) {
    const Json *value = field(name);
    if (!value)
      continue;
    if (!value->is_boolean())
      return expected(name, "true or false", *value);
    if (!value->get<bool>())
      return bad(name, "false is not supported: Llama 4's processor always "
                       "resizes, converts to RGB, rescales and normalises");
  }
  if (const Json *value = field("do_center_crop");
      value && !(value->is_boolean() && !value->get<bool>()))
    return bad("do_center_crop",
               "expected false or null, got " + describeJson(*value));
  // PIL's resampling codes; Llama 4 uses BILINEAR (2).
  if (const Json *value = field("resample");
      value && !(jsonUnsigned(*value) && *jsonUnsigned(*value) == 2))
    return bad("resample",
               "only bilinear (2) is supported, got " + describeJson(*value));
  if (const Json *value = field("rescale_factor")) {
    if (!value->is_number() || !std::isfinite(value->get<double>()))
      return expected("rescale_factor", "a number", *value);
    config.rescaleFactor = float(value->get<double>());
  }
  using Channels = std::array<float, 3>;
  for (auto [name, target] :
       {std::pair<const char *, Channels *>{"image_mean", &config.mean},
        std::pair<const char *, Channels *>{"image_std", &config.std}}) {
    const Json *value = field(name);
    if (!value)
      continue;
    // One number stands for all three channels, as in transformers.
    std::vector<Json> items = value->is_array()
                                  ? value->get<std::vector<Json>>()
                                  : std::vector{*value};
    if (items.size() == 1)
      items.assign(3, items[0]);
    if (items.size() != 3 ||
        !std::all_of(items.begin(), items.end(),
                     [](const Json &v) { return v.is_number(); }))
      return expected(name, "a number or a list of 3 numbers", *value);
    for (int c = 0; c < 3; ++c)
      (*target)[c] = float(items[c].get<double>());
  }
  if (Expected<void> valid = validateImageProcessorConfig(config); !valid)
    return Error(path + ": " + valid.error().message());
  return config;
}

} // namespace llama4c::runtime
