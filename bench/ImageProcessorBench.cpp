//===- ImageProcessorBench.cpp - Time to turn a photo into Llama 4 tiles --===//
//
// Google Benchmark of runtime/vision at Llama 4's settings (336 px tiles,
// max_patches 16) on a 1024 x 768 JPEG (baseline, 4:2:0, quality 90; made
// here with libjpeg from seeded gradients and noise): decoding alone, the
// processor alone (resize, pad, bf16 normalisation, 12 + 1 tiles), and both.
// One thread, as the processor runs.
//
//   ninja -C build llama4c-image-bench
//   build/bench/llama4c-image-bench --benchmark_out_format=json
//       --benchmark_out=bench/image_processor.json
//
//===----------------------------------------------------------------------===//

#include "runtime/vision/ImageDecoder.h"
#include "runtime/vision/ImageProcessor.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include <jpeglib.h>

using namespace llama4c::runtime;

namespace {

/// A width x height photo-like JPEG: smooth colour ramps and noise.
std::vector<uint8_t> makeJpeg(int width, int height) {
  std::mt19937 random(7);
  std::normal_distribution<float> noise(0.0f, 6.0f);
  std::vector<uint8_t> rgb(size_t(width) * height * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        float u = float(x) / width, v = float(y) / height;
        float value = 127.5f + 120.0f * std::sin(3 * u + 2 * v + 1.3f * c) *
                                   std::cos(2 * v - u + c);
        rgb[(size_t(y) * width + x) * 3 + c] =
            uint8_t(std::fmin(255.0f, std::fmax(0.0f, value + noise(random))));
      }

  jpeg_compress_struct cinfo;
  jpeg_error_mgr error;
  cinfo.err = jpeg_std_error(&error); // exits on error: fine for a benchmark
  jpeg_create_compress(&cinfo);
  unsigned char *buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo); // 4:2:0, baseline
  jpeg_set_quality(&cinfo, 90, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = &rgb[size_t(cinfo.next_scanline) * width * 3];
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> jpeg(buffer, buffer + size);
  std::free(buffer);
  return jpeg;
}

const std::vector<uint8_t> &photo() {
  static const std::vector<uint8_t> jpeg = makeJpeg(1024, 768);
  return jpeg;
}

RgbImage decodePhoto() {
  Expected<RgbImage> image =
      decodeImageBytes(photo().data(), photo().size(), "photo.jpg");
  if (!image) {
    std::fprintf(stderr, "%s\n", image.error().message().c_str());
    std::abort();
  }
  return std::move(*image);
}

void BM_DecodeJpeg(benchmark::State &state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(decodePhoto());
  state.SetLabel("1024x768 JPEG, " + std::to_string(photo().size()) + " bytes");
}

void BM_ProcessImage(benchmark::State &state) {
  RgbImage image = decodePhoto();
  ImageProcessorConfig config; // 336 px tiles, max_patches 16
  int tiles = 0;
  for (auto _ : state) {
    Expected<ProcessedImage> processed = processImage(image, config);
    tiles = processed->tiles;
    benchmark::DoNotOptimize(processed->pixelValues.data());
  }
  state.SetLabel(std::to_string(tiles) + " tiles of 336 x 336");
}

void BM_DecodeAndProcess(benchmark::State &state) {
  ImageProcessorConfig config;
  for (auto _ : state) {
    Expected<ProcessedImage> processed = processImage(decodePhoto(), config);
    benchmark::DoNotOptimize(processed->pixelValues.data());
  }
}

} // namespace

BENCHMARK(BM_DecodeJpeg)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProcessImage)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeAndProcess)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
