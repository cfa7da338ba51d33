//===- CheckpointTest.cpp - Tests for Checkpoint --------------------------===//
//
// Single-file and sharded checkpoint directories laid out as transformers
// writes them, lookups across shards and Checkpoint::expect, then every way
// a directory or its index can be wrong, each matched by its full message.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/Checkpoint.h"

#include "test/runtime/TestSupport.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using json = nlohmann::json;

namespace {

constexpr const char *kIndex = "model.safetensors.index.json";
constexpr const char *kShard1 = "model-00001-of-00002.safetensors";
constexpr const char *kShard2 = "model-00002-of-00002.safetensors";

class CheckpointTest : public TempDirTest {
protected:
  /// Two shards: "embed" and "norm" in the first, "lm_head" in the second,
  /// and an index listing all three.
  void writeShardedCheckpoint() {
    writeFile(
        path(kShard1),
        SafetensorsImage::of({{"embed", "BF16", {4, 2}, std::string(16, '\1')},
                              {"norm", "F32", {2}, bytesOf<float>({1, 1})}})
            .bytes());
    writeFile(path(kShard2),
              SafetensorsImage::of(
                  {{"lm_head", "BF16", {4, 2}, std::string(16, '\2')}})
                  .bytes());
    writeIndex(validIndex());
  }

  static json validIndex() {
    return {{"metadata", {{"total_size", 40}}},
            {"weight_map",
             {{"embed", kShard1}, {"norm", kShard1}, {"lm_head", kShard2}}}};
  }

  void writeIndex(const json &index) { writeFile(path(kIndex), index.dump()); }

  /// The error of opening the checkpoint after `patch` edits a valid index.
  template <class Patch> std::string errorAfter(Patch patch) {
    writeShardedCheckpoint();
    json index = validIndex();
    patch(index);
    writeIndex(index);
    return errorOf(Checkpoint::open(dir));
  }
};

// --- Valid checkpoints -------------------------------------------------------

TEST_F(CheckpointTest, OpensSingleFile) {
  writeFile(path("model.safetensors"),
            SafetensorsImage::of({{"a", "F32", {2}, bytesOf<float>({1, 2})},
                                  {"b", "I32", {}, bytesOf<int32_t>({3})}})
                .bytes());
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->directory(), dir);
  EXPECT_EQ(checkpoint->shards().size(), 1u);
  EXPECT_EQ(checkpoint->numTensors(), 2u);
  ASSERT_NE(checkpoint->find("b"), nullptr);
  EXPECT_EQ(checkpoint->find("b")->dtype, DType::I32);
  EXPECT_EQ(checkpoint->find("c"), nullptr);
}

TEST_F(CheckpointTest, FindsTensorsAcrossShards) {
  writeShardedCheckpoint();
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  ASSERT_EQ(checkpoint->shards().size(), 2u);
  EXPECT_EQ(checkpoint->shards()[0].path(), path(kShard1));
  EXPECT_EQ(checkpoint->shards()[1].path(), path(kShard2));
  EXPECT_EQ(checkpoint->numTensors(), 3u);

  const TensorView *embed = checkpoint->find("embed");
  const TensorView *head = checkpoint->find("lm_head");
  ASSERT_NE(embed, nullptr);
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(static_cast<const char *>(embed->data)[0], '\1');
  EXPECT_EQ(static_cast<const char *>(head->data)[0], '\2');
  EXPECT_EQ(checkpoint->find("norm")->shape, (std::vector<int64_t>{2}));
}

TEST_F(CheckpointTest, ReportsProgressOverAllShards) {
  writeShardedCheckpoint();
  std::vector<std::pair<uint64_t, uint64_t>> reports;
  SafetensorsOptions options;
  options.progress = [&](uint64_t done, uint64_t total) {
    reports.emplace_back(done, total);
  };
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir, options);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  uint64_t total = std::filesystem::file_size(path(kShard1)) +
                   std::filesystem::file_size(path(kShard2));
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.front(), std::make_pair(uint64_t(0), total));
  EXPECT_EQ(reports.back(), std::make_pair(total, total));
  for (size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GE(reports[i].first, reports[i - 1].first);
    EXPECT_EQ(reports[i].second, total);
  }
}

TEST_F(CheckpointTest, ReadsLargeFilesInSteps) {
  if (::sysconf(_SC_PAGESIZE) != 4096)
    GTEST_SKIP() << "steps are whole pages; this test assumes 4 KiB ones";
  std::string bytes(10000, 'x');
  bytes[9999] = 'y';
  writeFile(path("blob"), bytes);
  for (FileMemory memory : {FileMemory::Mapped, FileMemory::Copied}) {
    std::vector<uint64_t> done;
    Expected<MappedFile> file = MappedFile::open(
        path("blob"), memory,
        [&](uint64_t bytes, uint64_t) { done.push_back(bytes); },
        /*stepBytes=*/4096);
    ASSERT_TRUE(file) << file.error().message();
    EXPECT_EQ(file->isCopy(), memory == FileMemory::Copied);
    EXPECT_EQ(done, (std::vector<uint64_t>{0, 4096, 8192, 10000}));
    EXPECT_EQ(
        std::string(reinterpret_cast<const char *>(file->data()), file->size()),
        bytes);
  }
}

// A copy starts on a 2 MiB page and no longer follows the file; the mapping
// is the page cache, so it sees a write to the file at once.
TEST_F(CheckpointTest, CopiesAFileIntoItsOwnMemory) {
  writeFile(path("blob"), "before");
  Expected<MappedFile> copy =
      MappedFile::open(path("blob"), FileMemory::Copied);
  Expected<MappedFile> mapped = MappedFile::open(path("blob"));
  ASSERT_TRUE(copy && mapped);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(copy->data()) % (uintptr_t(2) << 20),
            0u);
  MappedFile moved = std::move(*copy);
  {
    std::fstream file(path("blob"), std::ios::in | std::ios::out);
    file << "AFTER!";
  }
  auto text = [](const MappedFile &file) {
    return std::string(reinterpret_cast<const char *>(file.data()),
                       file.size());
  };
  EXPECT_EQ(text(moved), "before");
  EXPECT_EQ(text(*mapped), "AFTER!");
}

// A sysfs attribute is a regular file that says it holds a page but reads
// shorter: as a file truncated while it is copied would.
TEST_F(CheckpointTest, ACopyOfAFileThatShrinksIsAnError) {
  const std::string shrinking = "/sys/kernel/mm/transparent_hugepage/enabled";
  std::error_code error;
  if (std::filesystem::file_size(shrinking, error) <= 64 || error)
    GTEST_SKIP() << shrinking << " is missing or reads its whole size";
  Expected<MappedFile> file = MappedFile::open(shrinking, FileMemory::Copied);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().message(),
            shrinking + ": file shrank while being read");
}

TEST_F(CheckpointTest, CopiesAnEmptyFile) {
  writeFile(path("empty"), "");
  Expected<MappedFile> file =
      MappedFile::open(path("empty"), FileMemory::Copied);
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ(file->data(), nullptr);
  EXPECT_EQ(file->size(), 0u);
}

// A few kilobytes fit in any machine's available memory.
TEST_F(CheckpointTest, CopiesEveryShardThatFitsInMemory) {
  writeShardedCheckpoint();
  SafetensorsOptions options;
  options.memory = FileMemory::CopiedIfRoom;
  Expected<Checkpoint> copied = Checkpoint::open(dir, options);
  Expected<Checkpoint> mapped = Checkpoint::open(dir);
  ASSERT_TRUE(copied && mapped);
  ASSERT_EQ(copied->shards().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(copied->shards()[i].isCopy());
    EXPECT_FALSE(mapped->shards()[i].isCopy());
  }
  for (const char *name : {"embed", "norm", "lm_head"}) {
    const TensorView *copy = copied->find(name), *map = mapped->find(name);
    ASSERT_TRUE(copy && map) << name;
    ASSERT_EQ(copy->bytes, map->bytes);
    EXPECT_EQ(std::memcmp(copy->data, map->data, copy->bytes), 0) << name;
  }
}

// Views point into shard mappings, which a move must not disturb.
TEST_F(CheckpointTest, ViewsSurviveMovingTheCheckpoint) {
  writeShardedCheckpoint();
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  const TensorView *head = checkpoint->find("lm_head");
  Checkpoint moved = std::move(*checkpoint);
  EXPECT_EQ(moved.find("lm_head"), head);
  EXPECT_EQ(static_cast<const char *>(head->data)[15], '\2');
}

TEST_F(CheckpointTest, AcceptsDirectoryWithTrailingSlash) {
  writeShardedCheckpoint();
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir + "/");
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->shards()[0].path(), path(kShard1));
}

// transformers' from_pretrained looks for model.safetensors first.
TEST_F(CheckpointTest, PrefersSingleFileOverIndex) {
  writeShardedCheckpoint();
  writeFile(path("model.safetensors"),
            SafetensorsImage::of({{"only", "U8", {1}, "x"}}).bytes());
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  EXPECT_NE(checkpoint->find("only"), nullptr);
  EXPECT_EQ(checkpoint->find("embed"), nullptr);
}

// The index is the list of tensors; extra tensors in a shard stay hidden.
TEST_F(CheckpointTest, IgnoresShardTensorsMissingFromIndex) {
  writeShardedCheckpoint();
  json index = validIndex();
  index["weight_map"].erase("norm");
  writeIndex(index);
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->find("norm"), nullptr);
  EXPECT_EQ(checkpoint->numTensors(), 2u);
}

TEST_F(CheckpointTest, ExpectReturnsTensorOfRightType) {
  writeShardedCheckpoint();
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  Expected<const TensorView *> head =
      checkpoint->expect("lm_head", DType::BF16, {4, 2});
  ASSERT_TRUE(head) << head.error().message();
  EXPECT_EQ(*head, checkpoint->find("lm_head"));
}

TEST_F(CheckpointTest, ExpectReportsDtypeAndShapeMismatches) {
  writeShardedCheckpoint();
  Expected<Checkpoint> checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(checkpoint) << checkpoint.error().message();
  EXPECT_EQ(errorOf(checkpoint->expect("lm_head", DType::F32, {4, 2})),
            path(kShard2) + ": lm_head: expected f32 [4, 2], got bf16 [4, 2]");
  EXPECT_EQ(errorOf(checkpoint->expect("embed", DType::BF16, {2, 4})),
            path(kShard1) + ": embed: expected bf16 [2, 4], got bf16 [4, 2]");
  EXPECT_EQ(errorOf(checkpoint->expect("norm", DType::F32, {})),
            path(kShard1) + ": norm: expected f32 [], got f32 [2]");
  EXPECT_EQ(errorOf(checkpoint->expect("lm_head.weight", DType::BF16, {4, 2})),
            dir + ": lm_head.weight: tensor not found in the checkpoint");
}

// --- The directory -----------------------------------------------------------

TEST_F(CheckpointTest, RejectsMissingDirectory) {
  EXPECT_EQ(
      errorOf(Checkpoint::open(path("absent"))),
      path("absent") +
          ": cannot open checkpoint directory: No such file or directory");
}

TEST_F(CheckpointTest, RejectsFileGivenAsDirectory) {
  writeFile(path("model.safetensors"),
            SafetensorsImage::of({{"a", "U8", {1}, "x"}}).bytes());
  EXPECT_EQ(errorOf(Checkpoint::open(path("model.safetensors"))),
            path("model.safetensors") + ": not a directory");
}

TEST_F(CheckpointTest, RejectsDirectoryWithoutCheckpoint) {
  writeFile(path("pytorch_model.bin"), "not ours");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            dir + ": no checkpoint found: neither model.safetensors nor "
                  "model.safetensors.index.json");
}

TEST_F(CheckpointTest, ReportsCorruptSingleFileByName) {
  writeFile(path("model.safetensors"), "short");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            path("model.safetensors") +
                ": file is 5 bytes, too short for the 8-byte header length");
}

// --- The index ---------------------------------------------------------------

TEST_F(CheckpointTest, RejectsIndexThatIsNotJson) {
  writeShardedCheckpoint();
  writeFile(path(kIndex), "{\"weight_map\": {");
  std::string message = errorOf(Checkpoint::open(dir));
  EXPECT_EQ(message.rfind(path(kIndex) + ": invalid JSON: parse error", 0), 0u)
      << message;
}

TEST_F(CheckpointTest, RejectsIndexThatIsNotAnObject) {
  EXPECT_EQ(errorAfter([](json &index) { index = json::array(); }),
            path(kIndex) + ": expected a JSON object, got an array");
}

TEST_F(CheckpointTest, RejectsMissingOrMistypedWeightMap) {
  EXPECT_EQ(errorAfter([](json &index) { index.erase("weight_map"); }),
            path(kIndex) + ": weight_map: missing");
  EXPECT_EQ(errorAfter([](json &index) { index["weight_map"] = "all"; }),
            path(kIndex) +
                ": weight_map must be an object, got string \"all\"");
}

TEST_F(CheckpointTest, RejectsMistypedMetadata) {
  EXPECT_EQ(errorAfter([](json &index) { index["metadata"] = 40; }),
            path(kIndex) + ": metadata must be an object, got 40");
}

TEST_F(CheckpointTest, RejectsShardThatIsNotAString) {
  EXPECT_EQ(errorAfter([](json &index) { index["weight_map"]["norm"] = 1; }),
            path(kIndex) + ": weight_map.norm: shard must be a file name "
                           "string, got 1");
}

TEST_F(CheckpointTest, RejectsTensorListedTwice) {
  writeShardedCheckpoint();
  writeFile(path(kIndex), std::string("{\"weight_map\": {\"embed\": \"") +
                              kShard1 + "\", \"embed\": \"" + kShard2 + "\"}}");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            path(kIndex) + ": weight_map.embed: key appears twice");
}

// Shard names come from a file; none may lead outside the directory.
TEST_F(CheckpointTest, RejectsShardNamesThatEscapeTheDirectory) {
  // A real, valid file just outside: reaching it must still be refused.
  writeFile(dir + "-outside.safetensors",
            SafetensorsImage::of({{"norm", "F32", {2}, bytesOf<float>({1, 1})}})
                .bytes());
  std::string outside = dir.substr(dir.rfind('/') + 1) + "-outside.safetensors";
  for (std::string shard : {"../" + outside, dir + "-outside.safetensors",
                            std::string("sub/") + kShard1, std::string(".."),
                            std::string("."), std::string("")})
    EXPECT_EQ(
        errorAfter([&](json &index) { index["weight_map"]["norm"] = shard; }),
        path(kIndex) + ": weight_map.norm: shard " + json(shard).dump() +
            " is not a file name inside the checkpoint directory")
        << shard;
  std::remove((dir + "-outside.safetensors").c_str());
}

// --- The shards --------------------------------------------------------------

TEST_F(CheckpointTest, RejectsMissingShardNamingATensorThatNeedsIt) {
  EXPECT_EQ(errorAfter([](json &index) {
              index["weight_map"]["lm_head"] =
                  "model-00003-of-00002.safetensors";
            }),
            path("model-00003-of-00002.safetensors") +
                ": shard named in model.safetensors.index.json does not exist "
                "(needed by lm_head)");
}

TEST_F(CheckpointTest, RejectsTensorAbsentFromItsShard) {
  // The index sends "norm" to the second shard, which lacks it.
  EXPECT_EQ(
      errorAfter([](json &index) { index["weight_map"]["norm"] = kShard2; }),
      path(kShard2) + ": norm: listed in model.safetensors.index.json "
                      "but not in this shard");
}

TEST_F(CheckpointTest, ReportsCorruptShardByFileAndTensor) {
  writeShardedCheckpoint();
  SafetensorsImage broken = SafetensorsImage::of(
      {{"lm_head", "BF16", {4, 2}, std::string(16, '\2')}});
  broken.header["lm_head"]["shape"] = {4, 4};
  writeFile(path(kShard2), broken.bytes());
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            path(kShard2) + ": lm_head: data_offsets [0, 16] hold 16 bytes but "
                            "bf16 [4, 4] needs 32");
}

} // namespace
