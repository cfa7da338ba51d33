//===- SafetensorsTest.cpp - Tests for SafetensorsFile --------------------===//
//
// Valid files (every dtype, scalars, empty tensors, metadata, odd header
// lengths) read back byte for byte; then one test per header check, each
// starting from a valid image with one thing broken and matching the whole
// one-line message, which must name the file and the tensor at fault.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/SafetensorsFile.h"

#include "test/runtime/TestSupport.h"

#include <cstring>
#include <iterator>
#include <utility>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using json = nlohmann::json;

namespace {

class SafetensorsTest : public TempDirTest {
protected:
  /// Writes `bytes` as "model.safetensors" and opens it.
  Expected<SafetensorsFile> openBytes(const std::string &bytes,
                                      const SafetensorsOptions &options = {}) {
    writeFile(file(), bytes);
    return SafetensorsFile::open(file(), options);
  }

  /// The error of opening `image` after `patch` edits its header.
  template <class Patch> std::string errorAfter(Patch patch) {
    SafetensorsImage image = validImage();
    patch(image.header);
    return errorOf(openBytes(image.bytes()));
  }

  /// "w": f32 [2, 3], followed by "v": bf16 [4]. 32 data bytes.
  static SafetensorsImage validImage() {
    return SafetensorsImage::of(
        {{"w", "F32", {2, 3}, bytesOf<float>({1, 2, 3, 4, 5, 6})},
         {"v",
          "BF16",
          {4},
          bytesOf<uint16_t>({0x3F80, 0x4000, 0x4040, 0x4080})}});
  }

  std::string file() const { return path("model.safetensors"); }
};

bool sameBytes(const TensorView &view, const std::string &bytes) {
  return view.bytes == bytes.size() &&
         std::memcmp(view.data, bytes.data(), bytes.size()) == 0;
}

// --- Valid files -------------------------------------------------------------

TEST_F(SafetensorsTest, ReadsTensorsOfSeveralDtypes) {
  std::string f32 = bytesOf<float>({1.5f, -2, 0, 3, 4, 5});
  std::string bf16 = bytesOf<uint16_t>({0x3FC0, 0xC000});
  std::string i64 = bytesOf<int64_t>({-1, 1LL << 40});
  std::string u8 = "\x01\x02\x03";
  Expected<SafetensorsFile> file = openBytes(
      SafetensorsImage::of({{"layers.0.q_proj.weight", "F32", {3, 2}, f32},
                            {"norm.weight", "BF16", {2}, bf16},
                            {"positions", "I64", {2}, i64},
                            {"mask", "U8", {3}, u8}})
          .bytes());
  ASSERT_TRUE(file) << file.error().message();

  const TensorView *weight = file->find("layers.0.q_proj.weight");
  ASSERT_NE(weight, nullptr);
  EXPECT_EQ(weight->name, "layers.0.q_proj.weight");
  EXPECT_EQ(weight->dtype, DType::F32);
  EXPECT_EQ(weight->shape, (std::vector<int64_t>{3, 2}));
  EXPECT_TRUE(sameBytes(*weight, f32));

  ASSERT_NE(file->find("norm.weight"), nullptr);
  EXPECT_EQ(file->find("norm.weight")->dtype, DType::BF16);
  EXPECT_TRUE(sameBytes(*file->find("norm.weight"), bf16));
  ASSERT_NE(file->find("positions"), nullptr);
  EXPECT_TRUE(sameBytes(*file->find("positions"), i64));
  ASSERT_NE(file->find("mask"), nullptr);
  EXPECT_TRUE(sameBytes(*file->find("mask"), u8));

  EXPECT_EQ(file->find("missing"), nullptr);
  EXPECT_EQ(file->find("norm"), nullptr); // a prefix is not a match
  EXPECT_TRUE(file->metadata().empty());
  EXPECT_EQ(file->path(), this->file());
}

TEST_F(SafetensorsTest, IteratesTensorsByName) {
  Expected<SafetensorsFile> file = openBytes(
      SafetensorsImage::of(
          {{"c", "U8", {1}, "c"}, {"a", "U8", {1}, "a"}, {"b", "U8", {1}, "b"}})
          .bytes());
  ASSERT_TRUE(file) << file.error().message();
  std::vector<std::string> names;
  for (const TensorView &view : file->tensors())
    names.push_back(view.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
}

// Sizes from the safetensors format description, not from our table.
TEST_F(SafetensorsTest, AcceptsEveryDtypeWithItsSize) {
  const std::pair<const char *, size_t> sizes[] = {
      {"BOOL", 1}, {"U8", 1},   {"I8", 1},  {"I16", 2},     {"U16", 2},
      {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},
      {"F64", 8},  {"I64", 8},  {"U64", 8}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  std::vector<TensorSpec> tensors;
  for (auto [tag, size] : sizes)
    tensors.push_back({tag, tag, {3}, std::string(3 * size, '\x7F')});
  Expected<SafetensorsFile> file =
      openBytes(SafetensorsImage::of(tensors).bytes());
  ASSERT_TRUE(file) << file.error().message();
  ASSERT_EQ(file->tensors().size(), std::size(sizes));
  for (auto [tag, size] : sizes) {
    const TensorView *view = file->find(tag);
    ASSERT_NE(view, nullptr) << tag;
    EXPECT_EQ(view->bytes, 3 * size) << tag;
    EXPECT_EQ(parseDType(tag), view->dtype) << tag;
  }
}

TEST_F(SafetensorsTest, ReadsScalarAndEmptyTensors) {
  // The empty tensors sit at offsets inside and at the end of "scale"'s
  // bytes: they own no bytes, so they overlap nothing.
  SafetensorsImage image =
      SafetensorsImage::of({{"scale", "F32", {}, bytesOf<float>({0.125f})},
                            {"empty", "BF16", {0, 4096}, ""}});
  image.header["empty_inside"] = {
      {"dtype", "F32"}, {"shape", {3, 0}}, {"data_offsets", {2, 2}}};
  Expected<SafetensorsFile> file = openBytes(image.bytes());
  ASSERT_TRUE(file) << file.error().message();

  const TensorView *scale = file->find("scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_TRUE(scale->shape.empty());
  float value;
  std::memcpy(&value, scale->data, sizeof(value));
  EXPECT_EQ(value, 0.125f);

  const TensorView *empty = file->find("empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 4096}));
  EXPECT_EQ(empty->bytes, 0u);
  ASSERT_NE(file->find("empty_inside"), nullptr);
  EXPECT_EQ(file->find("empty_inside")->bytes, 0u);
}

TEST_F(SafetensorsTest, ReadsMetadata) {
  Expected<SafetensorsFile> file =
      openBytes(SafetensorsImage::of({{"w", "U8", {1}, "x"}},
                                     {{"format", "pt"}, {"note", "größe"}})
                    .bytes());
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{
                                  {"format", "pt"}, {"note", "größe"}}));
  EXPECT_EQ(file->tensors().size(), 1u); // __metadata__ is not a tensor
}

// The data section starts right after the header, whatever its length: no
// alignment is assumed.
TEST_F(SafetensorsTest, DataStartsRightAfterAnUnpaddedHeader) {
  SafetensorsImage image =
      SafetensorsImage::of({{"w", "I32", {2}, bytesOf<int32_t>({7, -9})}});
  for (size_t extra = 0; extra < 8; ++extra) {
    std::string header = image.header.dump() + std::string(extra, ' ');
    Expected<SafetensorsFile> file =
        openBytes(encodeSafetensors(header, image.data, /*alignment=*/1));
    ASSERT_TRUE(file) << file.error().message();
    ASSERT_NE(file->find("w"), nullptr);
    EXPECT_TRUE(sameBytes(*file->find("w"), image.data)) << extra;
  }
}

// Bytes no tensor claims are never read, so gaps and trailing bytes are fine.
TEST_F(SafetensorsTest, AcceptsGapsAndTrailingBytes) {
  SafetensorsImage image = validImage();
  image.data = std::string(8, '\0') + image.data + "trailing";
  image.header["w"]["data_offsets"] = {8, 32};
  image.header["v"]["data_offsets"] = {32, 40};
  Expected<SafetensorsFile> file = openBytes(image.bytes());
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_TRUE(sameBytes(*file->find("w"), bytesOf<float>({1, 2, 3, 4, 5, 6})));
}

TEST_F(SafetensorsTest, ViewsSurviveMovingTheFile) {
  Expected<SafetensorsFile> file = openBytes(validImage().bytes());
  ASSERT_TRUE(file) << file.error().message();
  const TensorView *before = file->find("w");
  SafetensorsFile moved = std::move(*file);
  EXPECT_EQ(moved.find("w"), before);
  EXPECT_TRUE(sameBytes(*before, bytesOf<float>({1, 2, 3, 4, 5, 6})));
}

// --- The file and its length prefix ------------------------------------------

TEST_F(SafetensorsTest, RejectsMissingFile) {
  EXPECT_EQ(errorOf(SafetensorsFile::open(path("nope.safetensors"))),
            path("nope.safetensors") +
                ": cannot open: No such file or directory");
}

TEST_F(SafetensorsTest, RejectsDirectory) {
  EXPECT_EQ(errorOf(SafetensorsFile::open(dir)),
            dir + ": not a regular file: a directory");
}

TEST_F(SafetensorsTest, RejectsFileShorterThanLengthPrefix) {
  EXPECT_EQ(errorOf(openBytes("")),
            file() +
                ": file is 0 bytes, too short for the 8-byte header length");
  EXPECT_EQ(errorOf(openBytes(std::string("\x05\0\0\0\0", 5))),
            file() +
                ": file is 5 bytes, too short for the 8-byte header length");
}

TEST_F(SafetensorsTest, RejectsHeaderOverTheLimit) {
  // Default limit, 100 MiB: the length alone is enough to refuse.
  std::string prefix = encodeSafetensors("", "", 1);
  prefix[3] = 0x07; // 0x07000000 = 112 MiB
  EXPECT_EQ(errorOf(openBytes(prefix + "{}")),
            file() + ": header length 117440512 exceeds the limit of "
                     "104857600 bytes");

  SafetensorsOptions small;
  small.maxHeaderBytes = 16;
  EXPECT_EQ(errorOf(openBytes(validImage().bytes(), small)),
            file() + ": header length " +
                std::to_string(validImage().bytes().size() - 8 - 32) +
                " exceeds the limit of 16 bytes");
}

TEST_F(SafetensorsTest, RejectsHeaderPastEndOfFile) {
  std::string bytes = encodeSafetensors("{}", "", 1);
  bytes[0] = 100;
  EXPECT_EQ(errorOf(openBytes(bytes)),
            file() + ": header length 100 runs past the end of the file "
                     "(10 bytes)");
}

// --- The header JSON ---------------------------------------------------------

TEST_F(SafetensorsTest, RejectsInvalidJson) {
  std::string message = errorOf(openBytes(encodeSafetensors("{\"w\": ", "")));
  EXPECT_EQ(message.rfind(file() + ": invalid JSON: parse error at line 1", 0),
            0u)
      << message;
}

TEST_F(SafetensorsTest, RejectsInvalidUtf8InHeader) {
  std::string message =
      errorOf(openBytes(encodeSafetensors("{\"w\xff\": {}}", "")));
  EXPECT_EQ(message.rfind(file() + ": invalid JSON: ", 0), 0u) << message;
}

TEST_F(SafetensorsTest, RejectsHeaderThatIsNotAnObject) {
  EXPECT_EQ(errorOf(openBytes(encodeSafetensors("[]", ""))),
            file() + ": header must be a JSON object, got an array");
}

// nlohmann::json would keep only the second "w"; the strict parser refuses.
TEST_F(SafetensorsTest, RejectsDuplicateTensorNames) {
  std::string entry =
      R"({"dtype": "U8", "shape": [1], "data_offsets": [0, 1]})";
  std::string header =
      "{\"w\": " + entry + ", \"v\": " + entry + ", \"w\": " + entry + "}";
  EXPECT_EQ(errorOf(openBytes(encodeSafetensors(header, "x"))),
            file() + ": w: key appears twice");
}

TEST_F(SafetensorsTest, RejectsDuplicateFieldsInsideAnEntry) {
  std::string header = R"({"w": {"dtype": "U8", "shape": [1], "dtype": "I8",
                                  "data_offsets": [0, 1]}})";
  EXPECT_EQ(errorOf(openBytes(encodeSafetensors(header, "x"))),
            file() + ": w.dtype: key appears twice");
}

// --- One tensor entry --------------------------------------------------------

TEST_F(SafetensorsTest, RejectsEntryThatIsNotAnObject) {
  EXPECT_EQ(errorAfter([](json &h) { h["w"] = json::array({1}); }),
            file() + ": w: expected an object with dtype, shape and "
                     "data_offsets, got an array");
}

TEST_F(SafetensorsTest, RejectsMissingFields) {
  for (const char *field : {"dtype", "shape", "data_offsets"})
    EXPECT_EQ(errorAfter([&](json &h) { h["v"].erase(field); }),
              file() + ": v: missing " + field);
}

TEST_F(SafetensorsTest, RejectsMistypedDtype) {
  EXPECT_EQ(errorAfter([](json &h) { h["w"]["dtype"] = 4; }),
            file() + ": w: dtype must be a string, got 4");
}

TEST_F(SafetensorsTest, RejectsUnknownDtype) {
  EXPECT_EQ(errorAfter([](json &h) { h["w"]["dtype"] = "F4"; }),
            file() + ": w: unknown dtype \"F4\"");
  // Tags are case-sensitive, as in the reference reader.
  EXPECT_EQ(errorAfter([](json &h) { h["v"]["dtype"] = "bf16"; }),
            file() + ": v: unknown dtype \"bf16\"");
}

TEST_F(SafetensorsTest, RejectsMistypedShape) {
  EXPECT_EQ(errorAfter([](json &h) { h["w"]["shape"] = "2x3"; }),
            file() + ": w: shape must be an array of dimensions, got string "
                     "\"2x3\"");
}

TEST_F(SafetensorsTest, RejectsNegativeOrNonIntegerDims) {
  EXPECT_EQ(errorAfter([](json &h) {
              h["w"]["shape"] = {2, -3};
            }),
            file() + ": w: shape[1] must be a non-negative integer, got -3");
  EXPECT_EQ(errorAfter([](json &h) {
              h["w"]["shape"] = {2.5, 3};
            }),
            file() + ": w: shape[0] must be a non-negative integer, got 2.5");
  EXPECT_EQ(errorAfter([](json &h) {
              h["w"]["shape"] = {2.0, 3};
            }),
            file() + ": w: shape[0] must be a non-negative integer, got 2.0");
  EXPECT_EQ(errorAfter([](json &h) { h["w"]["shape"] = {json(nullptr)}; }),
            file() + ": w: shape[0] must be a non-negative integer, got null");
  // Past int64_t, where a dimension could no longer be indexed.
  EXPECT_EQ(errorAfter([](json &h) {
              h["w"]["shape"] = {uint64_t(1) << 63, 0};
            }),
            file() + ": w: shape[0] must be a non-negative integer, got "
                     "9223372036854775808");
}

TEST_F(SafetensorsTest, RejectsMistypedDataOffsets) {
  EXPECT_EQ(errorAfter([](json &h) { h["w"]["data_offsets"] = {0}; }),
            file() + ": w: data_offsets must be [begin, end], got an array");
  EXPECT_EQ(errorAfter([](json &h) { h["w"]["data_offsets"] = "0:24"; }),
            file() + ": w: data_offsets must be [begin, end], got string "
                     "\"0:24\"");
  EXPECT_EQ(errorAfter([](json &h) {
              h["w"]["data_offsets"] = {0, -24};
            }),
            file() + ": w: data_offsets[1] must be a non-negative integer, "
                     "got -24");
}

TEST_F(SafetensorsTest, RejectsBeginAfterEnd) {
  EXPECT_EQ(errorAfter([](json &h) {
              h["v"]["data_offsets"] = {32, 24};
            }),
            file() + ": v: data_offsets [32, 24]: begin is after end");
}

TEST_F(SafetensorsTest, RejectsEndPastDataSection) {
  EXPECT_EQ(errorAfter([](json &h) {
              h["v"]["data_offsets"] = {32, 40};
            }),
            file() + ": v: data_offsets [32, 40]: end is past the data "
                     "section (32 bytes)");
}

TEST_F(SafetensorsTest, RejectsByteLengthThatDisagreesWithShape) {
  EXPECT_EQ(errorAfter([](json &h) {
              h["w"]["shape"] = {2, 2};
            }),
            file() + ": w: data_offsets [0, 24] hold 24 bytes but f32 [2, 2] "
                     "needs 16");
  EXPECT_EQ(errorAfter([](json &h) { h["w"]["dtype"] = "F64"; }),
            file() + ": w: data_offsets [0, 24] hold 24 bytes but f64 [2, 3] "
                     "needs 48");
}

// Products that wrap around 2^64 must not pass for small ones: 2^62 * 2
// elements of 4 bytes wrap to 0 bytes, 2^32 * 2^32 elements wrap to 0.
TEST_F(SafetensorsTest, RejectsShapesWhoseSizeOverflows) {
  EXPECT_EQ(errorAfter([](json &h) {
              h["w"]["shape"] = {uint64_t(1) << 62, 2};
              h["w"]["data_offsets"] = {0, 0};
            }),
            file() + ": w: f32 [4611686018427387904, 2] needs more than 2^64 "
                     "bytes");
  EXPECT_EQ(errorAfter([](json &h) {
              h["v"]["shape"] = {uint64_t(1) << 32, uint64_t(1) << 32, 3};
              h["v"]["data_offsets"] = {24, 24};
            }),
            file() + ": v: bf16 [4294967296, 4294967296, 3] needs more than "
                     "2^64 bytes");
}

TEST_F(SafetensorsTest, RejectsOverlappingTensors) {
  // "v" claims bytes 16..24, the last 8 bytes of "w".
  EXPECT_EQ(errorAfter([](json &h) {
              h["v"]["data_offsets"] = {16, 24};
            }),
            file() + ": v: bytes [16, 24) overlap tensor w at [0, 24)");
}

TEST_F(SafetensorsTest, RejectsMalformedMetadata) {
  EXPECT_EQ(errorAfter([](json &h) {
              h["__metadata__"] = {1, 2};
            }),
            file() + ": __metadata__: must be an object of strings, got an "
                     "array");
  EXPECT_EQ(errorAfter([](json &h) {
              h["__metadata__"] = {{"format", "pt"}, {"total_size", 32}};
            }),
            file() + ": __metadata__.total_size: must be a string, got 32");
}

// A tensor name is file content: a newline in it must not split the message.
TEST_F(SafetensorsTest, KeepsMessagesOnOneLineForHostileNames) {
  std::string message = errorAfter([](json &h) {
    h["bad\nname"] = h["v"];
    h["bad\nname"]["dtype"] = "Q4";
    h.erase("v");
  });
  EXPECT_EQ(message, file() + ": bad name: unknown dtype \"Q4\"");
}

} // namespace
