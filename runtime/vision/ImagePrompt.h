//===- ImagePrompt.h - The tokens that stand for an image -------*- C++ -*-===//
//
// Llama4Processor replaces each <|image|> of a prompt by the image's token
// layout: <|image_start|>, then, when the image has several tiles, each
// tile's <|patch|> tokens with <|tile_x_separator|> between the tiles of a
// row and <|tile_y_separator|> after each row; then <|image|> and the
// global (or only) tile's patches; then <|image_end|>. The vision tower's
// features replace the <|patch|> tokens in order (image_token_index is
// <|patch|>, not <|image|>).
//
// The placeholder is replaced in the token ids rather than in the text:
// special tokens are cut out of the text before any other tokenisation, so
// expanding after tokenising gives the same ids.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_VISION_IMAGEPROMPT_H
#define LLAMA4C_RUNTIME_VISION_IMAGEPROMPT_H

#include "llama4c/Status.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/vision/ImageProcessor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llama4c::runtime {

/// The ids of the special tokens of an image prompt.
struct ImageTokenIds {
  int64_t imageStart, imageEnd, image, patch, tileXSeparator, tileYSeparator;
};

/// Looks the image tokens up in `tokenizer`, read from `path` (named in the
/// error when one is missing: "DIR/tokenizer.json: <|patch|>: no such
/// token").
Expected<ImageTokenIds> imageTokenIds(const Tokenizer &tokenizer,
                                      const std::string &path);

/// <|patch|> tokens per tile: (tile / patch size)^2 divided by the pixel
/// shuffle's downsampling, round(1 / ratio^2), as Llama4Processor computes
/// it (144 for Llama 4: 336 px tiles, 14 px patches, ratio 0.5); 0 for
/// sizes or a ratio that make no sense.
int patchTokensPerTile(int tileSize, int patchSize, double pixelShuffleRatio);

/// The ids that replace one <|image|> for an image of tilesHigh x
/// tilesWide tiles.
std::vector<int64_t> imagePromptTokens(int tilesHigh, int tilesWide,
                                       int tokensPerTile,
                                       const ImageTokenIds &tokens);

/// `ids` with its i-th <|image|> replaced by images[i]'s tokens. Fails when
/// the counts differ: "prompt has 1 <|image|> placeholder but 2 images were
/// given".
Expected<std::vector<int64_t>>
expandImagePlaceholders(const std::vector<int64_t> &ids,
                        const std::vector<ProcessedImage> &images,
                        int tokensPerTile, const ImageTokenIds &tokens);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_VISION_IMAGEPROMPT_H
