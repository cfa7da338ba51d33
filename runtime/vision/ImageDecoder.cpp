//===- ImageDecoder.cpp - PNG and JPEG files to 8-bit RGB -----------------===//
//
// libpng and libjpeg report an error by calling a handler that must not
// return; ours longjmp back to the function that called setjmp. Those
// functions hold plain data only and write into buffers their callers own,
// so a jump skips no destructor. Each decode is two such calls: the header,
// after which the caller checks the size and allocates, then the pixels.
//
// PNG samples are read raw (libpng only unpacks bit depths below 8) and
// converted here, because PIL's rules differ from libpng's transformations:
// 16-bit grey is clipped to 255 rather than scaled, and a tRNS colour key
// is compared with the 8-bit pixel.
//
//===----------------------------------------------------------------------===//

#include "runtime/vision/ImageDecoder.h"

#include "runtime/support/InputFile.h"

#include <algorithm>
#include <climits>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h> // after <cstdio>: it uses FILE
#include <png.h>

// After <jpeglib.h>: which warnings exist depends on its JPEG_LIB_VERSION.
#include <jerror.h>

namespace llama4c::runtime {

namespace {

/// Fails unless a width x height image is allowed by `limits`.
Expected<void> checkSize(const std::string &name, uint64_t width,
                         uint64_t height, const ImageLimits &limits) {
  std::string size = std::to_string(width) + " x " + std::to_string(height);
  if (width == 0 || height == 0)
    return Error(name + ": image of " + size + " pixels is empty");
  if (std::max(width, height) > std::min<uint64_t>(limits.maxSide, INT_MAX))
    return Error(name + ": image of " + size +
                 " pixels has a side over the limit of " +
                 std::to_string(limits.maxSide) + " pixels");
  if (width * height > limits.maxPixels)
    return Error(name + ": image of " + size + " pixels is over the limit of " +
                 std::to_string(limits.maxPixels) + " pixels");
  return {};
}

/// PIL's alpha_composite of an 8-bit value with `alpha` over opaque white,
/// in Pillow's integer arithmetic (7 fraction bits, division by 255 as two
/// shifts); checked against PIL for every (value, alpha) pair.
inline uint8_t overWhite(uint32_t value, uint32_t alpha) {
  uint32_t scaled = 128 * (value * alpha + 255 * (255 - alpha)) + (128 << 7);
  return uint8_t((((scaled >> 8) + scaled) >> 8) >> 7);
}

//===----------------------------------------------------------------------===//
// PNG
//===----------------------------------------------------------------------===//

constexpr unsigned char kPngSignature[8] = {0x89, 'P',  'N',  'G',
                                            '\r', '\n', 0x1A, '\n'};

/// The input and the first error, shared with libpng's callbacks.
struct PngInput {
  const uint8_t *data;
  size_t size;
  size_t offset;
  bool truncated;
  char message[160];
};

[[noreturn]] void onPngError(png_structp png, png_const_charp message) {
  auto *input = static_cast<PngInput *>(png_get_error_ptr(png));
  std::snprintf(input->message, sizeof(input->message), "%s", message);
  png_longjmp(png, 1);
}

// Warnings (an ancillary chunk with a bad CRC, a tRNS value out of range)
// do not stop PIL either.
void onPngWarning(png_structp, png_const_charp) {}

void readPngBytes(png_structp png, png_bytep out, size_t count) {
  auto *input = static_cast<PngInput *>(png_get_io_ptr(png));
  if (input->size - input->offset < count) {
    input->truncated = true;
    png_error(png, "the file ends early");
  }
  std::memcpy(out, input->data + input->offset, count);
  input->offset += count;
}

/// How a row of raw samples becomes RGB, as PIL and convert_to_rgb do it.
struct PngLayout {
  uint32_t width, height;
  int colorType, bitDepth;
  int passes;
  size_t rowBytes;
  /// A tRNS chunk makes PIL composite the image onto white.
  bool hasTransparency;
  /// Palette colours; entries past PLTE are black, as in PIL.
  uint8_t palette[256][3];
  /// Palette alphas from tRNS, 255 past its end.
  uint8_t paletteAlpha[256];
  /// The colour key of grey and RGB images (tRNS), as PIL compares it:
  /// its low byte against the 8-bit pixel.
  uint8_t key[3];
};

/// Grey `sample` of `bitDepth` bits (unpacked to a byte) scaled to 8 bits.
inline uint32_t scaleGrey(uint32_t sample, int bitDepth) {
  return sample * (255 / ((1u << bitDepth) - 1));
}

/// Big-endian 16-bit sample `index` of `row`.
inline uint32_t sample16(const uint8_t *row, size_t index) {
  return uint32_t(row[2 * index]) << 8 | row[2 * index + 1];
}

void convertPngRow(const PngLayout &layout, const uint8_t *in, uint8_t *out) {
  bool wide = layout.bitDepth == 16;
  // 16-bit colour and alpha keep their high byte, as PIL reads them.
  auto sample8 = [&](size_t index) -> uint32_t {
    return wide ? in[2 * index] : in[index];
  };
  bool transparency = layout.hasTransparency; // a tRNS chunk
  for (size_t x = 0; x < layout.width; ++x, out += 3) {
    switch (layout.colorType) {
    case PNG_COLOR_TYPE_GRAY: {
      // PIL's mode I;16 clips to 255 when converted to RGB.
      uint32_t grey = wide ? std::min<uint32_t>(sample16(in, x), 255)
                           : scaleGrey(in[x], layout.bitDepth);
      if (transparency && grey == layout.key[0])
        grey = 255;
      out[0] = out[1] = out[2] = uint8_t(grey);
      break;
    }
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      out[0] = out[1] = out[2] = overWhite(sample8(2 * x), sample8(2 * x + 1));
      break;
    case PNG_COLOR_TYPE_RGB: {
      uint32_t r = sample8(3 * x), g = sample8(3 * x + 1),
               b = sample8(3 * x + 2);
      bool transparent = transparency && r == layout.key[0] &&
                         g == layout.key[1] && b == layout.key[2];
      out[0] = transparent ? 255 : uint8_t(r);
      out[1] = transparent ? 255 : uint8_t(g);
      out[2] = transparent ? 255 : uint8_t(b);
      break;
    }
    case PNG_COLOR_TYPE_RGB_ALPHA: {
      uint32_t alpha = sample8(4 * x + 3);
      for (int c = 0; c < 3; ++c)
        out[c] = overWhite(sample8(4 * x + c), alpha);
      break;
    }
    case PNG_COLOR_TYPE_PALETTE: {
      uint8_t index = in[x];
      for (int c = 0; c < 3; ++c)
        out[c] = transparency ? overWhite(layout.palette[index][c],
                                          layout.paletteAlpha[index])
                              : layout.palette[index][c];
      break;
    }
    }
  }
}

/// Reads the chunks before the image data into `layout`. False on a libpng
/// error.
bool readPngHeader(png_structp png, png_infop info, PngLayout *layout) {
  if (setjmp(png_jmpbuf(png)))
    return false;
  png_read_info(png, info);
  png_get_IHDR(png, info, &layout->width, &layout->height, &layout->bitDepth,
               &layout->colorType, nullptr, nullptr, nullptr);

  std::memset(layout->palette, 0, sizeof(layout->palette));
  std::memset(layout->paletteAlpha, 255, sizeof(layout->paletteAlpha));
  std::memset(layout->key, 0, sizeof(layout->key));
  png_colorp palette;
  int paletteSize;
  if (png_get_PLTE(png, info, &palette, &paletteSize) & PNG_INFO_PLTE)
    for (int i = 0; i < paletteSize && i < 256; ++i) {
      layout->palette[i][0] = palette[i].red;
      layout->palette[i][1] = palette[i].green;
      layout->palette[i][2] = palette[i].blue;
    }
  png_bytep alphas;
  int alphaCount;
  png_color_16p key;
  layout->hasTransparency =
      png_get_tRNS(png, info, &alphas, &alphaCount, &key) & PNG_INFO_tRNS;
  if (layout->hasTransparency) {
    if (layout->colorType == PNG_COLOR_TYPE_PALETTE) {
      for (int i = 0; i < alphaCount && i < 256; ++i)
        layout->paletteAlpha[i] = alphas[i];
    } else if (key) {
      layout->key[0] = uint8_t(
          layout->colorType == PNG_COLOR_TYPE_GRAY ? key->gray : key->red);
      layout->key[1] = uint8_t(key->green);
      layout->key[2] = uint8_t(key->blue);
    }
  }
  return true;
}

/// Sets up the row transformations; libpng allocates its row buffers here,
/// so only after the size has been checked. False on a libpng error.
bool startPngRows(png_structp png, png_infop info, PngLayout *layout) {
  if (setjmp(png_jmpbuf(png)))
    return false;
  png_set_packing(png); // 1, 2 and 4-bit samples to one byte each
  layout->passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  layout->rowBytes = png_get_rowbytes(png, info);
  return true;
}

/// Reads every row and converts it into `rgb`. Interlaced images need all
/// their rows at once (`rows` holds height rows, converted at the end);
/// others are converted as they come (`rows` holds one). False on a libpng
/// error.
bool readPngPixels(png_structp png, const PngLayout *layout, uint8_t *rows,
                   uint8_t *rgb) {
  if (setjmp(png_jmpbuf(png)))
    return false;
  bool interlaced = layout->passes > 1;
  size_t rgbStride = size_t(layout->width) * 3;
  for (int pass = 0; pass < layout->passes; ++pass)
    for (uint32_t y = 0; y < layout->height; ++y) {
      uint8_t *row = interlaced ? rows + y * layout->rowBytes : rows;
      png_read_row(png, row, nullptr);
      if (!interlaced)
        convertPngRow(*layout, row, rgb + y * rgbStride);
    }
  if (interlaced)
    for (uint32_t y = 0; y < layout->height; ++y)
      convertPngRow(*layout, rows + y * layout->rowBytes, rgb + y * rgbStride);
  return true;
}

Error pngFailure(const std::string &name, const PngInput &input) {
  if (input.truncated)
    return Error(name + ": truncated PNG: the file ends inside the image");
  return Error(name + ": corrupt PNG: " + input.message);
}

Expected<RgbImage> decodePng(const uint8_t *data, size_t size,
                             const std::string &name,
                             const ImageLimits &limits) {
  PngInput input{data, size, 0, false, {}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &input,
                                           onPngError, onPngWarning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  struct Release {
    png_structp &png;
    png_infop &info;
    ~Release() { png_destroy_read_struct(&png, &info, nullptr); }
  } release{png, info};
  if (!info)
    return Error(name + ": out of memory starting the PNG decoder");
  png_set_read_fn(png, &input, readPngBytes);
  // libpng's own limit (a million pixels a side) would report a large image
  // as corrupt; ours, after the header, says what is wrong.
  png_set_user_limits(png, 0x7FFFFFFF, 0x7FFFFFFF);

  PngLayout layout;
  if (!readPngHeader(png, info, &layout))
    return pngFailure(name, input);
  if (Expected<void> fits =
          checkSize(name, layout.width, layout.height, limits);
      !fits)
    return fits.error();
  if (!startPngRows(png, info, &layout))
    return pngFailure(name, input);

  RgbImage image;
  image.width = int(layout.width);
  image.height = int(layout.height);
  image.pixels.resize(size_t(layout.width) * layout.height * 3);
  std::vector<uint8_t> rows(layout.rowBytes *
                            (layout.passes > 1 ? layout.height : 1));
  if (!readPngPixels(png, &layout, rows.data(), image.pixels.data()))
    return pngFailure(name, input);
  return image;
}

//===----------------------------------------------------------------------===//
// JPEG
//===----------------------------------------------------------------------===//

/// More scans than any encoder writes; a crafted progressive file could
/// otherwise make us decode the same coefficients endlessly.
constexpr int kMaxJpegScans = 500;

/// libjpeg's error manager with where to jump and what went wrong.
struct JpegFailure {
  jpeg_error_mgr manager; // first: libjpeg hands us a pointer to it
  jpeg_progress_mgr progress;
  std::jmp_buf jump;
  bool truncated;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void onJpegError(j_common_ptr cinfo) {
  auto *failure = reinterpret_cast<JpegFailure *>(cinfo->err);
  cinfo->err->format_message(cinfo, failure->message);
  std::longjmp(failure->jump, 1);
}

// libjpeg only warns about missing or corrupt entropy-coded data and fills
// the rest of the picture with grey; we refuse such files (PIL refuses a
// truncated one too). Warnings about metadata (an unknown JFIF revision, a
// bad ICC marker, stray bytes between markers) leave the pixels intact and
// are ignored, as PIL ignores them.
void onJpegMessage(j_common_ptr cinfo, int level) {
  if (level >= 0)
    return; // trace output
  switch (cinfo->err->msg_code) {
  case JWRN_JPEG_EOF:
    reinterpret_cast<JpegFailure *>(cinfo->err)->truncated = true;
    onJpegError(cinfo);
  case JWRN_HIT_MARKER:
  case JWRN_HUFF_BAD_CODE:
#if JPEG_LIB_VERSION >= 70 || defined(D_ARITH_CODING_SUPPORTED)
  case JWRN_ARITH_BAD_CODE:
#endif
  case JWRN_MUST_RESYNC:
  case JWRN_NOT_SEQUENTIAL:
    onJpegError(cinfo);
  default:
    break;
  }
}

void onJpegProgress(j_common_ptr cinfo) {
  auto *decompress = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (decompress->input_scan_number <= kMaxJpegScans)
    return;
  auto *failure = reinterpret_cast<JpegFailure *>(cinfo->err);
  std::snprintf(failure->message, sizeof(failure->message),
                "more than %d scans", kMaxJpegScans);
  std::longjmp(failure->jump, 1);
}

/// Reads the header. False on a libjpeg error.
bool readJpegHeader(jpeg_decompress_struct *cinfo, JpegFailure *failure,
                    const uint8_t *data, size_t size) {
  if (setjmp(failure->jump))
    return false;
  jpeg_create_decompress(cinfo);
  cinfo->progress = &failure->progress;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  return true;
}

/// Decodes the scanlines into `rgb` (3 bytes per pixel). False on a libjpeg
/// error.
bool readJpegPixels(jpeg_decompress_struct *cinfo, JpegFailure *failure,
                    uint8_t *rgb) {
  if (setjmp(failure->jump))
    return false;
  cinfo->out_color_space = JCS_RGB; // greyscale is replicated, as PIL does
  jpeg_start_decompress(cinfo);
  if (cinfo->output_components != 3 ||
      cinfo->output_width != cinfo->image_width ||
      cinfo->output_height != cinfo->image_height) {
    std::snprintf(failure->message, sizeof(failure->message),
                  "the decoder did not produce RGB at full size");
    return false;
  }
  size_t stride = size_t(cinfo->output_width) * 3;
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = rgb + cinfo->output_scanline * stride;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  // No jpeg_finish_decompress: it only looks for the end marker, and PIL
  // accepts a file whose image data is complete without one.
  return true;
}

Error jpegFailure(const std::string &name, const JpegFailure &failure) {
  if (failure.truncated)
    return Error(name + ": truncated JPEG: the file ends inside the image");
  return Error(name + ": corrupt JPEG: " + failure.message);
}

Expected<RgbImage> decodeJpeg(const uint8_t *data, size_t size,
                              const std::string &name,
                              const ImageLimits &limits) {
  JpegFailure failure{};
  jpeg_decompress_struct cinfo{};
  cinfo.err = jpeg_std_error(&failure.manager);
  failure.manager.error_exit = onJpegError;
  failure.manager.emit_message = onJpegMessage;
  failure.progress.progress_monitor = onJpegProgress;
  struct Release {
    jpeg_decompress_struct &cinfo;
    ~Release() { jpeg_destroy_decompress(&cinfo); }
  } release{cinfo};

  if (!readJpegHeader(&cinfo, &failure, data, size))
    return jpegFailure(name, failure);
  switch (cinfo.jpeg_color_space) {
  case JCS_GRAYSCALE:
  case JCS_RGB:
  case JCS_YCbCr:
    break;
  case JCS_CMYK:
  case JCS_YCCK:
    return Error(name + ": CMYK JPEG images are not supported");
  default:
    return Error(name + ": JPEG with " + std::to_string(cinfo.num_components) +
                 " components in an unknown colour space is not supported");
  }
  if (Expected<void> fits =
          checkSize(name, cinfo.image_width, cinfo.image_height, limits);
      !fits)
    return fits.error();

  RgbImage image;
  image.width = int(cinfo.image_width);
  image.height = int(cinfo.image_height);
  image.pixels.resize(size_t(image.width) * image.height * 3);
  if (!readJpegPixels(&cinfo, &failure, image.pixels.data()))
    return jpegFailure(name, failure);
  return image;
}

/// Formats we can name when refusing them, by their first bytes.
const char *otherFormat(const uint8_t *data, size_t size) {
  auto startsWith = [&](const char *magic, size_t at = 0) {
    size_t length = std::strlen(magic);
    return size >= at + length && std::memcmp(data + at, magic, length) == 0;
  };
  if (startsWith("GIF8"))
    return "GIF";
  if (startsWith("RIFF") && startsWith("WEBP", 8))
    return "WebP";
  if (startsWith("BM"))
    return "BMP";
  if (startsWith("II*") || startsWith("MM"))
    return "TIFF";
  if (startsWith("ftyp", 4))
    return "HEIF/AVIF";
  return nullptr;
}

} // namespace

Expected<RgbImage> decodeImageBytes(const uint8_t *data, size_t size,
                                    const std::string &name,
                                    const ImageLimits &limits) {
  if (size == 0)
    return Error(name + ": empty file");
  if (size >= sizeof(kPngSignature) &&
      std::memcmp(data, kPngSignature, sizeof(kPngSignature)) == 0)
    return decodePng(data, size, name, limits);
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    return decodeJpeg(data, size, name, limits);
  if (const char *format = otherFormat(data, size))
    return Error(name + ": a " + format +
                 " image; only PNG and JPEG are supported");
  return Error(name + ": not a PNG or JPEG image");
}

Expected<RgbImage> decodeImage(const std::string &path,
                               const ImageLimits &limits) {
  Expected<std::string> bytes = readInputFile(path, limits.maxFileBytes);
  if (!bytes)
    return bytes.error();
  return decodeImageBytes(reinterpret_cast<const uint8_t *>(bytes->data()),
                          bytes->size(), path, limits);
}

} // namespace llama4c::runtime
