//===- PromptImages.h - Image files into prompts ----------------*- C++ -*-===//
//
// What llama4-run does with images. An ImageReader holds what a model and
// its checkpoint say about them (the tile shape and <|patch|> count from
// the manifest, the checkpoint's preprocessor_config.json, the image
// tokens of its tokenizer): it decodes and processes a file, expands the
// <|image|> placeholders of a prompt into the images' token layout, and
// lays the tiles out in the model's compute type for generate() and
// ChatSession. attachImages does all of it for a batch of prompts, handing
// the images to the placeholders in order, row by row, as Llama4Processor
// hands a batch's images out.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_VISION_PROMPTIMAGES_H
#define LLAMA4C_RUNTIME_VISION_PROMPTIMAGES_H

#include "llama4c/Status.h"
#include "runtime/generate/Generator.h"
#include "runtime/loader/Manifest.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/vision/ImageDecoder.h"
#include "runtime/vision/ImageProcessor.h"
#include "runtime/vision/ImagePrompt.h"

#include <string>
#include <vector>

namespace llama4c::runtime {

class ImageReader {
public:
  /// For the model at `modelPath` (named when it is text-only) and its
  /// checkpoint: `tokenizer`, read from `tokenizerPath` (named when it
  /// lacks an image token), and `checkpointDir`'s preprocessor_config.json
  /// if there is one.
  static Expected<ImageReader> open(const Manifest &manifest,
                                    const std::string &modelPath,
                                    const std::string &checkpointDir,
                                    const Tokenizer &tokenizer,
                                    const std::string &tokenizerPath,
                                    const ImageLimits &limits);

  /// The file at `path`, decoded and processed; errors name the file.
  Expected<ProcessedImage> read(const std::string &path) const;
  /// `ids` with each <|image|> replaced by the next image's token layout.
  Expected<std::vector<int64_t>>
  expand(const std::vector<int64_t> &ids,
         const std::vector<ProcessedImage> &images) const;
  /// The tiles of `images`, in order, in the model's compute type.
  RowImages tiles(const std::vector<ProcessedImage> &images) const;
  /// `image`'s tiles appended to `tiles`.
  void appendTiles(const ProcessedImage &image, RowImages &tiles) const;
  /// The <|image|> placeholder's id.
  int64_t placeholder() const { return tokens.image; }

private:
  ImageReader() = default;

  ImageProcessorConfig config;
  ImageTokenIds tokens;
  ImageLimits limits;
  int tokensPerTile = 0;
  DType dtype = DType::F32;
};

/// Prompts with their images attached.
struct PromptsWithImages {
  /// The prompts with every <|image|> expanded.
  std::vector<std::vector<int64_t>> prompts;
  /// Per row, its images' tiles, for generate().
  std::vector<RowImages> images;
  int64_t tiles = 0;
  /// Decoding and processing, all images together.
  double seconds = 0;
};

/// Attaches the images at `paths` to `prompts` through `reader`. Fails,
/// naming the file, on an image that does not decode or exceeds the
/// limits, or when the prompts' <|image|> placeholders do not number the
/// images.
Expected<PromptsWithImages>
attachImages(const ImageReader &reader,
             const std::vector<std::vector<int64_t>> &prompts,
             const std::vector<std::string> &paths);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_VISION_PROMPTIMAGES_H
