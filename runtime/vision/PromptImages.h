//===- PromptImages.h - Image files into a batch of prompts -----*- C++ -*-===//
//
// What llama4-run does with --image: each file is decoded and processed as
// the checkpoint's preprocessor_config.json says, the <|image|>
// placeholders of the prompts take the images in order (row by row, as
// Llama4Processor hands a batch's images to its placeholders), each is
// expanded into the image's token layout, and each row's tiles are laid out
// in the model's compute type for generate().
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_VISION_PROMPTIMAGES_H
#define LLAMA4C_RUNTIME_VISION_PROMPTIMAGES_H

#include "llama4c/Status.h"
#include "runtime/generate/Generator.h"
#include "runtime/loader/Manifest.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/vision/ImageDecoder.h"

#include <string>
#include <vector>

namespace llama4c::runtime {

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

/// Attaches the images at `paths` to `prompts`. `checkpointDir` holds the
/// tokenizer (read from `tokenizerPath`) and, optionally,
/// preprocessor_config.json. Fails, naming the file, on an image that does
/// not decode or exceeds `limits`, on a text-only model, or when the
/// prompts' <|image|> placeholders do not number the images.
Expected<PromptsWithImages>
attachImages(const Manifest &manifest, const std::string &modelPath,
             const std::string &checkpointDir, const Tokenizer &tokenizer,
             const std::string &tokenizerPath,
             const std::vector<std::vector<int64_t>> &prompts,
             const std::vector<std::string> &paths, const ImageLimits &limits);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_VISION_PROMPTIMAGES_H
