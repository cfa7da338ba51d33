//===- ImageDecoder.h - PNG and JPEG files to 8-bit RGB ---------*- C++ -*-===//
//
// Reads an image file into the RGB array transformers' Llama 4 processor
// starts from when it is handed PIL.Image.open(path): PIL's decoding, then
// transformers' convert_to_rgb, which composites anything with transparency
// (an alpha channel or a tRNS chunk) onto white and converts the rest with
// PIL's rules (16-bit grey clipped to 255, 16-bit colour cut to its high
// byte, low bit depths scaled to 0..255). EXIF orientation is not applied,
// as PIL.Image.open does not apply it.
//
// PNG through libpng, JPEG through libjpeg(-turbo); the format is told by
// the file's first bytes, never its name. Bad input of any kind (corrupt or
// truncated data, an image over the pixel limit, CMYK JPEG, another format)
// is a one-line error naming the file; the libraries' own failures are
// caught and never end the process.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_VISION_IMAGEDECODER_H
#define LLAMA4C_RUNTIME_VISION_IMAGEDECODER_H

#include "llama4c/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace llama4c::runtime {

/// An 8-bit RGB image, row-major, channels last: pixel (y, x) is
/// pixels[3 * (y * width + x) + c].
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
};

/// What a decoder is allowed to allocate for one file.
struct ImageLimits {
  /// width * height, checked against the file's header before any pixel
  /// memory is allocated. 2^26 (about 67 megapixels) is a 9600 x 7000
  /// photo; the decoded image takes 3 bytes per pixel.
  uint64_t maxPixels = uint64_t(1) << 26;
  /// The longer side: 65536 is past JPEG's own limit. The processor's
  /// work grows with the longer side times the tile size, so this bounds
  /// the time a thin strip of allowed pixel count can take.
  uint64_t maxSide = uint64_t(1) << 16;
  /// The file itself is read into memory whole.
  uint64_t maxFileBytes = uint64_t(256) << 20;
};

/// Decodes the PNG or JPEG file at `path`. Errors name the file: "PATH:
/// truncated PNG: the file ends inside the image data".
Expected<RgbImage> decodeImage(const std::string &path,
                               const ImageLimits &limits = {});

/// Decodes `size` bytes at `data`; `name` stands for the file in errors.
Expected<RgbImage> decodeImageBytes(const uint8_t *data, size_t size,
                                    const std::string &name,
                                    const ImageLimits &limits = {});

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_VISION_IMAGEDECODER_H
