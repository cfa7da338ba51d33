//===- ImagePrompt.cpp - The tokens that stand for an image ---------------===//

#include "runtime/vision/ImagePrompt.h"

#include <cmath>

namespace llama4c::runtime {

Expected<ImageTokenIds> imageTokenIds(const Tokenizer &tokenizer,
                                      const std::string &path) {
  ImageTokenIds ids;
  using Entry = std::pair<const char *, int64_t *>;
  for (auto [name, id] :
       {Entry{"<|image_start|>", &ids.imageStart},
        Entry{"<|image_end|>", &ids.imageEnd}, Entry{"<|image|>", &ids.image},
        Entry{"<|patch|>", &ids.patch},
        Entry{"<|tile_x_separator|>", &ids.tileXSeparator},
        Entry{"<|tile_y_separator|>", &ids.tileYSeparator}}) {
    *id = tokenizer.tokenId(name);
    if (*id < 0)
      return Error(path + ": " + name + ": no such token");
  }
  return ids;
}

int patchTokensPerTile(int tileSize, int patchSize, double pixelShuffleRatio) {
  if (tileSize < 1 || patchSize < 1 || !(pixelShuffleRatio > 0))
    return 0;
  // Python's round(): halves to even, as nearbyint in the default mode.
  double downsample =
      std::nearbyint(1.0 / (pixelShuffleRatio * pixelShuffleRatio));
  if (!(downsample >= 1) || downsample > 1e9)
    return 0;
  int64_t side = tileSize / patchSize;
  return int(side * side / int64_t(downsample));
}

std::vector<int64_t> imagePromptTokens(int tilesHigh, int tilesWide,
                                       int tokensPerTile,
                                       const ImageTokenIds &tokens) {
  std::vector<int64_t> ids{tokens.imageStart};
  if (tilesHigh * tilesWide > 1)
    for (int y = 0; y < tilesHigh; ++y) {
      for (int x = 0; x < tilesWide; ++x) {
        ids.insert(ids.end(), size_t(tokensPerTile), tokens.patch);
        if (x + 1 < tilesWide)
          ids.push_back(tokens.tileXSeparator);
      }
      ids.push_back(tokens.tileYSeparator);
    }
  ids.push_back(tokens.image);
  ids.insert(ids.end(), size_t(tokensPerTile), tokens.patch);
  ids.push_back(tokens.imageEnd);
  return ids;
}

Expected<std::vector<int64_t>>
expandImagePlaceholders(const std::vector<int64_t> &ids,
                        const std::vector<ProcessedImage> &images,
                        int tokensPerTile, const ImageTokenIds &tokens) {
  size_t placeholders = 0;
  for (int64_t id : ids)
    placeholders += id == tokens.image;
  if (placeholders != images.size())
    return Error("prompt has " + std::to_string(placeholders) + " <|image|> " +
                 (placeholders == 1 ? "placeholder" : "placeholders") +
                 " but " + std::to_string(images.size()) +
                 (images.size() == 1 ? " image was" : " images were") +
                 " given");
  std::vector<int64_t> expanded;
  size_t next = 0;
  for (int64_t id : ids) {
    if (id != tokens.image) {
      expanded.push_back(id);
      continue;
    }
    const ProcessedImage &image = images[next++];
    std::vector<int64_t> layout = imagePromptTokens(
        image.tilesHigh, image.tilesWide, tokensPerTile, tokens);
    expanded.insert(expanded.end(), layout.begin(), layout.end());
  }
  return expanded;
}

} // namespace llama4c::runtime
