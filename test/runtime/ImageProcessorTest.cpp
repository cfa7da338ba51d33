//===- ImageProcessorTest.cpp - Images as transformers Llama 4 sees them --===//
//
// runtime/vision against test/vision/fixtures (scripts/make_image_fixture.py):
// the RGB arrays PIL and convert_to_rgb make of each image, the pixel
// values of Llama4ImageProcessor at several settings, the canvas and resize
// sizes it picks for some 1,500 image sizes, and the ids Llama4Processor
// gives a prompt with three images. Then bad files, bad configs and bad
// prompts, each refused on one line naming the file.
//
//===----------------------------------------------------------------------===//

#include "runtime/vision/ImageProcessor.h"
#include "runtime/vision/ImageDecoder.h"
#include "runtime/vision/ImagePrompt.h"

#include "runtime/safetensors/Bf16.h"
#include "runtime/safetensors/SafetensorsFile.h"
#include "test/runtime/TestSupport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

const std::string kFixtures = LLAMA4C_VISION_FIXTURES_DIR;

const nlohmann::json &manifest() {
  static const nlohmann::json parsed = [] {
    std::ifstream file(kFixtures + "/cases.json");
    return nlohmann::json::parse(file);
  }();
  return parsed;
}

const SafetensorsFile &expectedTensors() {
  static const SafetensorsFile *file = [] {
    Expected<SafetensorsFile> opened =
        SafetensorsFile::open(kFixtures + "/pixel_values.safetensors");
    if (!opened) {
      ADD_FAILURE() << opened.error().message();
      std::abort();
    }
    return new SafetensorsFile(std::move(*opened));
  }();
  return *file;
}

std::string imagePath(const std::string &name) {
  return kFixtures + "/images/" +
         manifest()["images"][name]["file"].get<std::string>();
}

/// The largest |a - b| over two equally long byte arrays.
int maxByteDifference(const uint8_t *a, const uint8_t *b, size_t count) {
  int largest = 0;
  for (size_t i = 0; i < count; ++i)
    largest = std::max(largest, std::abs(int(a[i]) - int(b[i])));
  return largest;
}

ImageProcessorConfig configOf(const nlohmann::json &entry) {
  ImageProcessorConfig config;
  config.tileSize = entry["tile_size"];
  config.maxPatches = entry["max_patches"];
  config.resizeToMaxCanvas = entry.value("resize_to_max_canvas", false);
  return config;
}

/// HF's pixel values of `testCase` as bf16 bits: from the safetensors file,
/// or for large tiles from a PNG of per-channel level indices.
std::vector<uint16_t> expectedPixelValues(const nlohmann::json &testCase) {
  int tile = testCase["tile_size"], tiles = testCase["tiles"];
  std::vector<uint16_t> bits(size_t(tiles) * 3 * tile * tile);
  if (const TensorView *view =
          expectedTensors().find(testCase["name"].get<std::string>())) {
    EXPECT_EQ(view->dtype, DType::BF16);
    EXPECT_EQ(view->shape, (std::vector<int64_t>{tiles, 3, tile, tile}));
    if (view->bytes == bits.size() * 2)
      std::memcpy(bits.data(), view->data, view->bytes);
    return bits;
  }
  // Tiles stacked vertically, channel c's index in channel c.
  std::string png = kFixtures + "/expected/" +
                    testCase["pixel_values_png"].get<std::string>();
  Expected<RgbImage> levels = decodeImage(png);
  EXPECT_TRUE(levels) << levels.error().message();
  if (!levels || levels->width != tile || levels->height != tiles * tile)
    return bits;
  const nlohmann::json &table = testCase["levels"];
  for (int t = 0; t < tiles; ++t)
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < tile * tile; ++p)
        bits[(size_t(t) * 3 + c) * tile * tile + p] =
            table[c][levels->pixels[(size_t(t) * tile * tile + p) * 3 + c]];
  return bits;
}

//===----------------------------------------------------------------------===//
// Against transformers
//===----------------------------------------------------------------------===//

// PNG decoding is exact. JPEG decoding depends on the libjpeg-turbo build:
// the fixture's come from Pillow's bundled 3.2, ours from the system's
// (Debian's 2.1.5); their integer IDCT and fancy upsampling agree, so the
// tolerance is 0 there too, and a different decoder fails here first.
TEST(ImageDecoderTest, DecodesLikePil) {
  for (const auto &[name, image] : manifest()["images"].items()) {
    if (name == "alpha-pairs")
      continue;
    SCOPED_TRACE(name);
    std::string path = imagePath(name);
    Expected<RgbImage> decoded = decodeImage(path);
    ASSERT_TRUE(decoded) << decoded.error().message();
    const TensorView *expected = expectedTensors().find("decoded/" + name);
    ASSERT_NE(expected, nullptr);
    ASSERT_EQ(expected->shape,
              (std::vector<int64_t>{decoded->height, decoded->width, 3}));
    int difference = maxByteDifference(
        decoded->pixels.data(), static_cast<const uint8_t *>(expected->data),
        decoded->pixels.size());
    std::printf("  decode %-14s %-5s max |ours - PIL| = %d\n", name.c_str(),
                image["mode"].get<std::string>().c_str(), difference);
    EXPECT_EQ(difference, 0);
  }
}

// Every (value, alpha) pair composited onto white as convert_to_rgb does.
TEST(ImageDecoderTest, CompositesEveryAlphaLikeTransformers) {
  Expected<RgbImage> decoded = decodeImage(imagePath("alpha-pairs"));
  ASSERT_TRUE(decoded) << decoded.error().message();
  Expected<RgbImage> expected =
      decodeImage(kFixtures + "/expected/alpha-pairs.rgb.png");
  ASSERT_TRUE(expected) << expected.error().message();
  ASSERT_EQ(decoded->pixels.size(), expected->pixels.size());
  EXPECT_EQ(maxByteDifference(decoded->pixels.data(), expected->pixels.data(),
                              decoded->pixels.size()),
            0);
}

TEST(ImageProcessorTest, MatchesTransformersPixelValues) {
  for (const nlohmann::json &testCase : manifest()["cases"]) {
    std::string name = testCase["name"];
    SCOPED_TRACE(name);
    Expected<RgbImage> image = decodeImage(imagePath(testCase["image"]));
    ASSERT_TRUE(image) << image.error().message();
    Expected<ProcessedImage> processed =
        processImage(*image, configOf(testCase));
    ASSERT_TRUE(processed) << processed.error().message();
    EXPECT_EQ(processed->tilesHigh, testCase["aspect_ratio"][0]);
    EXPECT_EQ(processed->tilesWide, testCase["aspect_ratio"][1]);
    ASSERT_EQ(processed->tiles, testCase["tiles"]);

    std::vector<uint16_t> expected = expectedPixelValues(testCase);
    ASSERT_EQ(processed->pixelValues.size(), expected.size());
    float largest = 0;
    size_t differing = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      float difference = std::fabs(bf16ToF32(processed->pixelValues[i]) -
                                   bf16ToF32(expected[i]));
      largest = std::max(largest, difference);
      differing += processed->pixelValues[i] != expected[i];
    }
    std::printf("  pixels %-24s %2d tiles  max |ours - HF| = %g (%zu of %zu "
                "values differ)\n",
                name.c_str(), processed->tiles, largest, differing,
                expected.size());
    EXPECT_EQ(differing, 0u);

    std::vector<float> f32 = processed->pixelValuesF32();
    ASSERT_EQ(f32.size(), expected.size());
    EXPECT_EQ(f32.front(), bf16ToF32(expected.front()));
  }
}

TEST(ImageProcessorTest, ChoosesCanvasAndSizeLikeTransformers) {
  size_t checked = 0;
  for (const nlohmann::json &table : manifest()["fits"]) {
    ImageProcessorConfig config = configOf(table);
    int mismatches = 0;
    for (const nlohmann::json &row : table["sizes"]) {
      ImagePlan plan = planImage(row[0], row[1], config);
      std::array<int, 4> ours = {plan.canvasHeight, plan.canvasWidth,
                                 plan.resizedHeight, plan.resizedWidth};
      std::array<int, 4> theirs = {row[2], row[3], row[4], row[5]};
      ++checked;
      if (ours != theirs && ++mismatches <= 5)
        ADD_FAILURE() << "tile " << config.tileSize << ", max_patches "
                      << config.maxPatches << ", resize_to_max_canvas "
                      << config.resizeToMaxCanvas << ", image " << row[0]
                      << " x " << row[1] << ": ours " << ours[0] << "x"
                      << ours[1] << " -> " << ours[2] << "x" << ours[3]
                      << ", transformers' " << theirs[0] << "x" << theirs[1]
                      << " -> " << theirs[2] << "x" << theirs[3];
    }
  }
  EXPECT_GT(checked, 1000u);
}

TEST(ImageProcessorTest, ListsCanvasesInTransformersOrder) {
  // find_supported_resolutions(6, 1) in transformers 5.24.
  std::vector<std::array<int, 2>> expected = {
      {1, 6}, {2, 3}, {3, 2}, {6, 1}, {1, 5}, {5, 1}, {1, 4},
      {2, 2}, {1, 1}, {4, 1}, {1, 3}, {3, 1}, {1, 2}, {2, 1}};
  EXPECT_EQ(supportedCanvases(1, 6), expected);
  for (auto &canvas : expected)
    canvas = {canvas[0] * 28, canvas[1] * 28};
  EXPECT_EQ(supportedCanvases(28, 6), expected);
}

// Strips as long as the side limit allows, one pixel across: one tile row
// or column, resized to one pixel across, in well under a second.
TEST(ImageProcessorTest, ProcessesStripsUpToTheSideLimit) {
  for (auto [height, width] : {std::pair{1, 1 << 16}, std::pair{1 << 16, 1}}) {
    RgbImage image{width, height,
                   std::vector<uint8_t>(size_t(width) * height * 3, 200)};
    Expected<ProcessedImage> processed = processImage(image, {});
    ASSERT_TRUE(processed) << processed.error().message();
    EXPECT_EQ(processed->tilesHigh * processed->tilesWide, 16);
    EXPECT_EQ(std::min(processed->tilesHigh, processed->tilesWide), 1);
    EXPECT_EQ(processed->tiles, 17);
    ImagePlan plan = planImage(height, width, {});
    EXPECT_EQ(std::min(plan.resizedHeight, plan.resizedWidth), 1);
    EXPECT_EQ(std::max(plan.resizedHeight, plan.resizedWidth), 16 * 336);
  }
  RgbImage longer{1, (1 << 16) + 1, std::vector<uint8_t>(3 << 16 | 3, 0)};
  EXPECT_EQ(errorOf(processImage(longer, {})),
            "image: 1 x 65537 pixels has a side over the limit of 65536 "
            "pixels");
}

TEST(ImagePromptTest, MatchesLlama4Processor) {
  const nlohmann::json &prompt = manifest()["prompt"];
  std::string tokenizerPath = kFixtures + "/tokenizer.json";
  Expected<Tokenizer> tokenizer = Tokenizer::open(tokenizerPath);
  ASSERT_TRUE(tokenizer) << tokenizer.error().message();
  Expected<ImageTokenIds> tokens = imageTokenIds(*tokenizer, tokenizerPath);
  ASSERT_TRUE(tokens) << tokens.error().message();

  ImageProcessorConfig config = configOf(prompt);
  std::vector<ProcessedImage> images;
  for (size_t i = 0; i < prompt["images"].size(); ++i) {
    Expected<RgbImage> image = decodeImage(imagePath(prompt["images"][i]));
    ASSERT_TRUE(image) << image.error().message();
    Expected<ProcessedImage> processed = processImage(*image, config);
    ASSERT_TRUE(processed) << processed.error().message();
    EXPECT_EQ(processed->tilesHigh, prompt["aspect_ratios"][i][0]);
    EXPECT_EQ(processed->tilesWide, prompt["aspect_ratios"][i][1]);
    images.push_back(std::move(*processed));
  }
  int perTile = patchTokensPerTile(config.tileSize, prompt["patch_size"],
                                   prompt["pixel_shuffle_ratio"]);
  EXPECT_EQ(perTile, prompt["tokens_per_tile"]);

  Expected<std::vector<int64_t>> ids =
      tokenizer->encode(prompt["text"].get<std::string>());
  ASSERT_TRUE(ids) << ids.error().message();
  Expected<std::vector<int64_t>> expanded =
      expandImagePlaceholders(*ids, images, perTile, *tokens);
  ASSERT_TRUE(expanded) << expanded.error().message();
  EXPECT_EQ(*expanded, prompt["input_ids"].get<std::vector<int64_t>>());
}

// Spec section 4.3 at Llama 4's sizes: 147 tokens for one tile, 145ab + 147
// for a canvas of a x b tiles.
TEST(ImagePromptTest, LaysOutTilesAsTheSpecSays) {
  ImageTokenIds tokens{200080, 200081, 200090, 200092, 200084, 200085};
  int perTile = patchTokensPerTile(336, 14, 0.5);
  EXPECT_EQ(perTile, 144);
  std::vector<int64_t> one = imagePromptTokens(1, 1, perTile, tokens);
  ASSERT_EQ(one.size(), 147u);
  EXPECT_EQ(one[0], tokens.imageStart);
  EXPECT_EQ(one[1], tokens.image);
  EXPECT_EQ(std::count(one.begin(), one.end(), tokens.patch), 144);
  EXPECT_EQ(one.back(), tokens.imageEnd);

  std::vector<int64_t> grid = imagePromptTokens(2, 3, perTile, tokens);
  EXPECT_EQ(grid.size(), size_t(145 * 6 + 147));
  EXPECT_EQ(std::count(grid.begin(), grid.end(), tokens.tileXSeparator), 4);
  EXPECT_EQ(std::count(grid.begin(), grid.end(), tokens.tileYSeparator), 2);
  EXPECT_EQ(grid[1 + 144], tokens.tileXSeparator);
  EXPECT_EQ(grid[1 + 3 * 144 + 2], tokens.tileYSeparator);
  EXPECT_EQ(grid[grid.size() - 146], tokens.image);
}

//===----------------------------------------------------------------------===//
// Bad input
//===----------------------------------------------------------------------===//

class ImageErrorTest : public TempDirTest {
protected:
  /// tiny.png with its header (and the header's CRC) changed to claim
  /// width x height pixels.
  static std::string pngClaiming(uint32_t width, uint32_t height) {
    std::string png = readFile(imagePath("tiny"));
    std::string ihdr = png.substr(12, 17); // "IHDR" and its 13 bytes
    for (int i = 0; i < 4; ++i) {
      ihdr[4 + i] = char(width >> (24 - 8 * i));
      ihdr[8 + i] = char(height >> (24 - 8 * i));
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char byte : ihdr) {
      crc ^= byte;
      for (int bit = 0; bit < 8; ++bit)
        crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    crc ^= 0xFFFFFFFFu;
    std::string crcBytes = {char(crc >> 24), char(crc >> 16), char(crc >> 8),
                            char(crc)};
    return png.replace(12, 21, ihdr + crcBytes);
  }

  /// Writes `bytes` as `name` and returns decodeImage's one-line error,
  /// which must name the file.
  std::string decodeError(const std::string &name, const std::string &bytes,
                          const ImageLimits &limits = {}) {
    writeFile(path(name), bytes);
    std::string message = errorOf(decodeImage(path(name), limits));
    EXPECT_EQ(message.rfind(path(name) + ": ", 0), 0u) << message;
    return message;
  }
};

TEST_F(ImageErrorTest, RefusesMissingAndEmptyFiles) {
  std::string missing = errorOf(decodeImage(path("missing.png")));
  EXPECT_EQ(missing,
            path("missing.png") + ": cannot open: No such file or directory");
  EXPECT_EQ(decodeError("empty.png", ""), path("empty.png") + ": empty file");
  std::string directory = errorOf(decodeImage(dir));
  EXPECT_EQ(directory, dir + ": not a regular file: a directory");
}

TEST_F(ImageErrorTest, RefusesTruncatedFiles) {
  std::string png = readFile(imagePath("square"));
  EXPECT_EQ(decodeError("cut.png", png.substr(0, png.size() / 2)),
            path("cut.png") +
                ": truncated PNG: the file ends inside the image");
  // Cut inside the header, too.
  EXPECT_EQ(decodeError("header.png", png.substr(0, 20)),
            path("header.png") +
                ": truncated PNG: the file ends inside the image");
  std::string jpeg = readFile(imagePath("photo"));
  EXPECT_EQ(decodeError("cut.jpg", jpeg.substr(0, jpeg.size() / 2)),
            path("cut.jpg") +
                ": truncated JPEG: the file ends inside the image");
  std::string progressive = readFile(imagePath("progressive"));
  EXPECT_EQ(decodeError("cut-progressive.jpg",
                        progressive.substr(0, progressive.size() * 3 / 4)),
            path("cut-progressive.jpg") +
                ": truncated JPEG: the file ends inside the image");
}

TEST_F(ImageErrorTest, RefusesCorruptAndForeignData) {
  // A flipped bit in the header fails its checksum; one in the pixel data
  // fails zlib's or the chunk's, whichever libpng checks first.
  std::string png = readFile(imagePath("square"));
  std::string header = png;
  header[20] = char(header[20] ^ 1);
  EXPECT_EQ(decodeError("header.png", header),
            path("header.png") + ": corrupt PNG: IHDR: CRC error");
  size_t data = png.find("IDAT") + 100;
  png[data] = char(png[data] ^ 0x55);
  std::string flipped = decodeError("flipped.png", png);
  EXPECT_EQ(flipped.rfind(path("flipped.png") + ": corrupt PNG: ", 0), 0u)
      << flipped;
  EXPECT_EQ(decodeError("garbage.png", "this is not an image at all"),
            path("garbage.png") + ": not a PNG or JPEG image");
  EXPECT_EQ(decodeError("cat.gif", "GIF89a\x01\x00\x01\x00"),
            path("cat.gif") + ": a GIF image; only PNG and JPEG are supported");
  // A scan before any frame header.
  EXPECT_EQ(decodeError("scan.jpg", std::string("\xFF\xD8\xFF\xDA\x00\x08"
                                                "\x01\x01\x00\x00\x3F\x00",
                                                12)),
            path("scan.jpg") +
                ": corrupt JPEG: Invalid JPEG file structure: SOS before SOF");
  std::string cmyk = readFile(kFixtures + "/images/cmyk.jpg");
  EXPECT_EQ(decodeError("cmyk.jpg", cmyk),
            path("cmyk.jpg") + ": CMYK JPEG images are not supported");
}

TEST_F(ImageErrorTest, RefusesImagesOverThePixelLimit) {
  ImageLimits limits;
  limits.maxPixels = 130 * 130 - 1;
  EXPECT_EQ(decodeError("big.png", readFile(imagePath("square")), limits),
            path("big.png") +
                ": image of 130 x 130 pixels is over the limit of 16899 "
                "pixels");
  limits.maxPixels = 96 * 72 - 1;
  EXPECT_EQ(decodeError("big.jpg", readFile(imagePath("photo")), limits),
            path("big.jpg") +
                ": image of 96 x 72 pixels is over the limit of 6911 pixels");
  // Headers claiming 65535^2 pixels, or a side of 2^31 - 1, are refused
  // before any pixel memory is touched.
  EXPECT_EQ(decodeError("huge.png", pngClaiming(65535, 65535)),
            path("huge.png") + ": image of 65535 x 65535 pixels is over the "
                               "limit of 67108864 pixels");
  EXPECT_EQ(decodeError("strip.png", pngClaiming(0x7FFFFFFF, 1)),
            path("strip.png") + ": image of 2147483647 x 1 pixels has a side "
                                "over the limit of 65536 pixels");
}

TEST_F(ImageErrorTest, RefusesBadImagesAndConfigsInTheProcessor) {
  RgbImage empty;
  EXPECT_EQ(errorOf(processImage(empty, {})),
            "image: width and height must be positive, got 0 x 0");
  RgbImage image{2, 2, std::vector<uint8_t>(11, 7)};
  EXPECT_EQ(errorOf(processImage(image, {})),
            "image: 2 x 2 RGB pixels need 12 bytes, got 11");
  image.pixels.push_back(7);
  ImageProcessorConfig config;
  config.maxPatches = 0;
  EXPECT_EQ(errorOf(processImage(image, config)),
            "image processor config: max_patches: expected 1 to 256, got 0");
  config = {};
  config.std = {0.5f, 0.0f, 0.5f};
  EXPECT_EQ(errorOf(processImage(image, config)),
            "image processor config: image_std: expected finite numbers that "
            "are not zero");
}

TEST_F(ImageErrorTest, RefusesPlaceholderCountMismatch) {
  ImageTokenIds tokens{1, 2, 3, 4, 5, 6};
  ProcessedImage image;
  image.tilesHigh = image.tilesWide = image.tiles = 1;
  EXPECT_EQ(
      errorOf(expandImagePlaceholders({9, 3, 9}, {image, image}, 4, tokens)),
      "prompt has 1 <|image|> placeholder but 2 images were given");
  EXPECT_EQ(errorOf(expandImagePlaceholders({3, 3}, {image}, 4, tokens)),
            "prompt has 2 <|image|> placeholders but 1 image was given");
  Expected<std::vector<int64_t>> none =
      expandImagePlaceholders({9, 8}, {}, 4, tokens);
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_EQ(*none, (std::vector<int64_t>{9, 8}));

  std::string tokenizerPath =
      std::string(LLAMA4C_TOKENIZER_FIXTURES_DIR) + "/tokenizer.json";
  Expected<Tokenizer> tokenizer = Tokenizer::open(tokenizerPath);
  ASSERT_TRUE(tokenizer) << tokenizer.error().message();
  EXPECT_EQ(errorOf(imageTokenIds(*tokenizer, tokenizerPath)),
            tokenizerPath + ": <|image_start|>: no such token");
}

//===----------------------------------------------------------------------===//
// preprocessor_config.json
//===----------------------------------------------------------------------===//

class ImageProcessorConfigTest : public TempDirTest {
protected:
  Expected<ImageProcessorConfig> read(const std::string &text,
                                      int tileSize = 336) {
    writeFile(path("preprocessor_config.json"), text);
    return loadImageProcessorConfig(dir, tileSize);
  }
  std::string file() const { return path("preprocessor_config.json"); }
};

TEST_F(ImageProcessorConfigTest, WithoutAFileUsesTransformersDefaults) {
  Expected<ImageProcessorConfig> config = loadImageProcessorConfig(dir, 448);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->tileSize, 448);
  EXPECT_EQ(config->maxPatches, 16);
  EXPECT_FALSE(config->resizeToMaxCanvas);
  EXPECT_EQ(config->rescaleFactor, 1.0f / 255);
  EXPECT_EQ(config->mean, (std::array<float, 3>{0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(config->std, (std::array<float, 3>{0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(errorOf(loadImageProcessorConfig(dir, 0)),
            dir + ": image processor: size: expected a tile side from 1 to "
                  "1024, got 0");
}

// Llama 4 Scout's file as released, then one that sets everything.
TEST_F(ImageProcessorConfigTest, ReadsTheFields) {
  Expected<ImageProcessorConfig> config = read(R"({
    "crop_size": null, "data_format": "channels_first",
    "default_to_square": true, "device": null, "do_center_crop": null,
    "do_convert_rgb": true, "do_normalize": true, "do_rescale": true,
    "do_resize": true, "image_mean": [0.5, 0.5, 0.5],
    "image_processor_type": "Llama4ImageProcessorFast",
    "image_std": [0.5, 0.5, 0.5], "input_data_format": null,
    "max_patches": 16, "processor_class": "Llama4Processor", "resample": 2,
    "rescale_factor": 0.00392156862745098, "resize_to_max_canvas": false,
    "return_tensors": null, "size": {"height": 336, "width": 336}})");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->maxPatches, 16);
  EXPECT_EQ(config->rescaleFactor, 1.0f / 255);

  config = read(R"({"max_patches": 4, "resize_to_max_canvas": true,
                    "rescale_factor": 0.5, "image_mean": 0.25,
                    "image_std": [0.1, 0.2, 0.3],
                    "size": {"height": 28, "width": 28}})",
                28);
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->tileSize, 28);
  EXPECT_EQ(config->maxPatches, 4);
  EXPECT_TRUE(config->resizeToMaxCanvas);
  EXPECT_EQ(config->rescaleFactor, 0.5f);
  EXPECT_EQ(config->mean, (std::array<float, 3>{0.25f, 0.25f, 0.25f}));
  EXPECT_EQ(config->std, (std::array<float, 3>{0.1f, 0.2f, 0.3f}));
}

TEST_F(ImageProcessorConfigTest, ErrorsNameTheFileAndField) {
  EXPECT_EQ(errorOf(read(R"({"max_patches": 16,})"))
                .rfind(file() + ": invalid JSON: ", 0),
            0u);
  EXPECT_EQ(errorOf(read("[1, 2]")),
            file() + ": expected a JSON object, got an array");
  EXPECT_EQ(errorOf(read(R"({"max_patches": "16"})")),
            file() + ": max_patches: expected a positive integer, got string "
                     "\"16\"");
  EXPECT_EQ(errorOf(read(R"({"max_patches": 1000})")),
            file() + ": max_patches: expected 1 to 256, got 1000");
  EXPECT_EQ(errorOf(read(R"({"size": {"height": 336, "width": 448}})")),
            file() + ": size: height 336 and width 448 differ; Llama 4's "
                     "tiles are square");
  EXPECT_EQ(errorOf(read(R"({"size": {"height": 448, "width": 448}})")),
            file() + ": size: 448 differs from the vision tower's "
                     "image_size 336");
  EXPECT_EQ(errorOf(read(R"({"size": {"shortest_edge": 336}})")),
            file() + ": size: expected {\"height\": N, \"width\": N}, got "
                     "an object");
  EXPECT_EQ(errorOf(read(R"({"size": {"height": 0, "width": 0}})")),
            file() + ": size.height: expected a positive integer, got 0");
  EXPECT_EQ(errorOf(read(R"({"resize_to_max_canvas": 1})")),
            file() + ": resize_to_max_canvas: expected true or false, got 1");
  EXPECT_EQ(errorOf(read(R"({"do_rescale": false})")),
            file() + ": do_rescale: false is not supported: Llama 4's "
                     "processor always resizes, converts to RGB, rescales and "
                     "normalises");
  EXPECT_EQ(errorOf(read(R"({"resample": 3})")),
            file() + ": resample: only bilinear (2) is supported, got 3");
  EXPECT_EQ(errorOf(read(R"({"image_mean": [0.5, 0.5]})")),
            file() + ": image_mean: expected a number or a list of 3 numbers, "
                     "got an array");
  EXPECT_EQ(errorOf(read(R"({"image_std": [0.5, 0, 0.5]})")),
            file() + ": image_std: expected finite numbers that are not zero");
}

} // namespace
