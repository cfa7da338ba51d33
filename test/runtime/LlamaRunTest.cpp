//===- LlamaRunTest.cpp - Tests for the llama4-run tool -------------------===//
//
// Runs the llama4-run binary on FakeModel.c: its output format in each
// mode (ids, streamed text, chat over stdin, JSON), the defaults taken from
// generation_config.json, the --dump-logits file, and every bad argument or
// runtime failure, each of which must print one "llama4-run: error: ..."
// line and exit with 1. For text, the checkpoint gets a tokenizer whose
// ids 0-13 are the letters a-n, 14 BOS and 15 <|eot|> (FakeModel's eos).
//
//===----------------------------------------------------------------------===//

#include "llama4c/abi.h"
#include "runtime/safetensors/SafetensorsFile.h"
#include "runtime/tools/RunArguments.h"

#include "test/runtime/FakeModels.h"
#include "test/runtime/TestSupport.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <regex>

#include <sys/stat.h>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

class LlamaRunTest : public TempDirTest {
protected:
  void SetUp() override {
    TempDirTest::SetUp();
    std::filesystem::create_directory(path("weights"));
    writeFile(path("weights/model.safetensors"),
              SafetensorsImage::of(
                  {{"bias", "F32", {16}, bytesOf(std::vector<float>(16))},
                   {"table", "F32", {2, 3}, bytesOf(std::vector<float>(6))}})
                  .bytes());
  }

  /// Runs llama4-run with `args` and `input` on stdin.
  ToolResult run(const std::vector<std::string> &args,
                 const std::string &input = "") {
    return runTool(LLAMA4_RUN_PATH, args, input, dir);
  }

  /// tokenizer.json and a chat template for the letters a-n.
  void writeTokenizer() {
    nlohmann::json vocab;
    for (int id = 0; id < 14; ++id)
      vocab[std::string(1, char('a' + id))] = id;
    nlohmann::json tokenizer = {
        {"model",
         {{"type", "BPE"},
          {"vocab", vocab},
          {"merges", nlohmann::json::array()}}},
        {"added_tokens",
         {{{"id", 14}, {"content", "<|begin_of_text|>"}, {"special", true}},
          {{"id", 15}, {"content", "<|eot|>"}, {"special", true}}}},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", "\\p{L}+|[^\\p{L}]+"}}},
             {"behavior", "Isolated"}},
            {{"type", "ByteLevel"},
             {"add_prefix_space", false},
             {"use_regex", false}}}}}},
        {"decoder", {{"type", "ByteLevel"}}},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single",
           {{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
            {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"special_tokens",
           {{"<|begin_of_text|>",
             {{"id", "<|begin_of_text|>"}, {"ids", {14}}}}}}}}};
    writeFile(path("weights/tokenizer.json"), tokenizer.dump());
    writeFile(
        path("weights/tokenizer_config.json"),
        R"({"bos_token": "<|begin_of_text|>", "chat_template":)"
        R"( "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}"})");
  }

  /// The text of token ids of the fake tokenizer.
  static std::string lettersOf(const std::vector<int64_t> &ids) {
    std::string text;
    for (int64_t id : ids)
      text += id < 14 ? std::string(1, char('a' + id)) : "<|begin_of_text|>";
    return text;
  }

  /// The model and weights, then `extra`.
  std::vector<std::string> withModel(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {fakeModel(), "--weights", path("weights")});
    return extra;
  }

  /// Checks that `args` fail with exactly "llama4-run: error: MESSAGE".
  void expectError(const std::vector<std::string> &args,
                   const std::string &message) {
    ToolResult result = run(args);
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_EQ(result.err, "llama4-run: error: " + message + "\n");
    EXPECT_EQ(result.out, "");
  }
};

// The memory held, after the throughput.
const std::string kMemory =
    "memory: weights [0-9.]+ MiB \\([0-9.]+ MiB of them converted copies\\), "
    "KV cache [0-9.]+ MiB, peak resident set [0-9.]+ MiB\n";
const std::string kThroughput =
    "prefill: [0-9]+ tokens in [0-9.]+ ms \\([0-9.]+ tok/s\\); "
    "decode: [0-9]+ tokens in [0-9.]+ ms \\([0-9.]+ tok/s\\)\n" +
    kMemory;

// FakeModel.c's greedy tokens for these prompts (see GeneratorTest's
// fakeContinuation). Row 0 samples 15, the manifest's eos_token_id, and
// ends there; row 1 goes on, so three decode steps still run for both.
TEST_F(LlamaRunTest, PrintsTheNewTokensOfEachRowAndTheThroughput) {
  ToolResult result =
      run(withModel({"--prompt-ids", "3,1,4,1,5", "--prompt-ids=2,7",
                     "--max-new-tokens", "4"}));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "row 0: 2 15\nrow 1: 1 5 10 13\n");
  std::regex throughput("prefill: 7 tokens in [0-9.]+ ms \\([0-9.]+ tok/s\\); "
                        "decode: 6 tokens in [0-9.]+ ms \\([0-9.]+ tok/s\\)\n" +
                        kMemory);
  EXPECT_TRUE(std::regex_match(result.err, throughput)) << result.err;
}

// The fake model's tokens depend on its weights' values, wherever held.
TEST_F(LlamaRunTest, RunsTheSameFromACopiedOrAMappedCheckpoint) {
  for (const char *load : {"copy", "map", "auto"}) {
    ToolResult result =
        run(withModel({"--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "4",
                       "--load", load}));
    ASSERT_EQ(result.exitCode, 0) << load << ": " << result.err;
    EXPECT_EQ(result.out, "row 0: 2 15\n") << load;
  }
}

// A prompt in calls of 2 tokens gives the same tokens; --json counts them.
TEST_F(LlamaRunTest, FeedsThePromptInPiecesOfPrefillChunkTokens) {
  for (const char *chunk : {"1", "2", "5", "8192"}) {
    ToolResult result =
        run(withModel({"--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "4",
                       "--prefill-chunk", chunk}));
    ASSERT_EQ(result.exitCode, 0) << chunk << ": " << result.err;
    EXPECT_EQ(result.out, "row 0: 2 15\n") << chunk;
  }
  ToolResult json =
      run(withModel({"--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "4",
                     "--prefill-chunk", "2", "--json"}));
  ASSERT_EQ(json.exitCode, 0) << json.err;
  EXPECT_NE(json.out.find("\"prefill\":{\"tokens\":5,"), std::string::npos)
      << json.out;
  EXPECT_NE(json.out.find("\"calls\":3}"), std::string::npos) << json.out;
}

// Ids as llama4-tokenize prints them, or with commas; text as --prompt's.
TEST_F(LlamaRunTest, ReadsPromptsFromFilesAndStandardInput) {
  writeFile(path("ids"), "3 1\n4,1, 5\n");
  ToolResult fromFile = run(
      withModel({"--prompt-ids-file", path("ids"), "--max-new-tokens", "4"}));
  ASSERT_EQ(fromFile.exitCode, 0) << fromFile.err;
  EXPECT_EQ(fromFile.out, "row 0: 2 15\n");
  ToolResult fromStdin = run(withModel({"--prompt-ids-file=-", "--prompt-ids",
                                        "2,7", "--max-new-tokens", "4"}),
                             "3,1,4,1,5");
  ASSERT_EQ(fromStdin.exitCode, 0) << fromStdin.err;
  EXPECT_EQ(fromStdin.out, "row 0: 2 15\nrow 1: 1 5 10 13\n");

  writeTokenizer();
  writeFile(path("text"), "abc");
  ToolResult text =
      run(withModel({"--prompt", "abc", "--max-new-tokens", "5"}));
  for (ToolResult fromText :
       {run(withModel(
            {"--prompt-file", path("text"), "--max-new-tokens", "5"})),
        run(withModel({"--prompt-file", "-", "--max-new-tokens", "5"}),
            "abc")}) {
    ASSERT_EQ(fromText.exitCode, 0) << fromText.err;
    EXPECT_EQ(fromText.out, text.out);
  }
}

TEST_F(LlamaRunTest, RefusesBadPromptFiles) {
  expectError(withModel({"--prompt-ids-file", path("absent")}),
              "--prompt-ids-file: " + path("absent") +
                  ": cannot open: No such file or directory");
  writeFile(path("ids"), "3 1 x 4");
  expectError(withModel({"--prompt-ids-file", path("ids")}),
              "--prompt-ids-file: " + path("ids") +
                  ": expected token ids separated by commas or white space, "
                  "got 'x'");
  for (const char *ids : {"", "\n", "1,,2", "1,2,", ",1", "1 -2"}) {
    writeFile(path("ids"), ids);
    ToolResult result = run(withModel({"--prompt-ids-file", path("ids")}));
    EXPECT_EQ(result.exitCode, 1) << ids;
    EXPECT_NE(result.err.find(": expected token ids separated by commas or "
                              "white space, got "),
              std::string::npos)
        << ids << ": " << result.err;
  }
  expectError(withModel({"--prompt-file", "-", "--prompt-ids-file", "-"}),
              "--prompt-ids-file: standard input is read once, by "
              "--prompt-file");
  writeFile(path("big"), std::string((64 << 20) + 1, '1'));
  writeFile(path("ids"), std::string(100, '7') + "x");
  expectError(withModel({"--prompt-ids-file", path("ids")}),
              "--prompt-ids-file: " + path("ids") +
                  ": expected token ids separated by commas or white space, "
                  "got '" +
                  std::string(32, '7') + "...' (101 bytes)");
  expectError(withModel({"--prompt-ids-file", path("big")}),
              "--prompt-ids-file: " + path("big") + ": file of 67108865 " +
                  "bytes is over the limit of 67108864 bytes");
}

TEST_F(LlamaRunTest, StreamsTheContinuationOfATextPrompt) {
  writeTokenizer();
  ToolResult result =
      run(withModel({"--prompt", "abc", "--max-new-tokens", "5"}));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  std::vector<int64_t> expected =
      fakeContinuation({14, 0, 1, 2}, 5, 0, /*stops=*/{15});
  if (expected.back() == 15)
    expected.pop_back();
  EXPECT_EQ(result.out, "abc" + lettersOf(expected) + "\n");
  EXPECT_TRUE(std::regex_match(result.err, std::regex(kThroughput)))
      << result.err;

  result = run(withModel(
      {"--prompt", "abc", "--prompt", "d", "--max-new-tokens", "3", "--json"}));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  nlohmann::json rows = nlohmann::json::parse(result.out)["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["prompt"], "d");
  EXPECT_EQ(rows[1]["prompt_tokens"], 2);
  EXPECT_EQ(rows[1]["tokens"].get<std::vector<int64_t>>(),
            fakeContinuation({14, 3}, 3, 0, {15}));
}

// Each turn renders the whole conversation ("{{ bos_token }}" and every
// message's content) and replies to it as a fresh run would.
TEST_F(LlamaRunTest, ChatsOverStdinKeepingTheConversation) {
  writeTokenizer();
  ToolResult result = run(
      withModel({"--chat", "--json", "--max-new-tokens", "3"}), "ab\n\ncd\n");
  ASSERT_EQ(result.exitCode, 0) << result.err;
  std::vector<std::string> lines;
  for (size_t begin = 0, end;
       (end = result.out.find('\n', begin)) != std::string::npos;
       begin = end + 1)
    lines.push_back(result.out.substr(begin, end - begin));
  ASSERT_EQ(lines.size(), 2u) << result.out;

  std::vector<int64_t> conversation = {14, 0, 1};
  for (int turn = 0; turn < 2; ++turn) {
    nlohmann::json reply = nlohmann::json::parse(lines[turn]);
    std::vector<int64_t> expected = fakeContinuation(conversation, 3, 0, {15});
    EXPECT_EQ(reply["tokens"].get<std::vector<int64_t>>(), expected);
    EXPECT_EQ(reply["conversation_tokens"], conversation.size());
    // The cache holds the value window (4 slots of 8 bytes) and the key
    // pages (2 slots of 8 bytes) allotted so far: every position the
    // conversation and the reply wrote, all but the reply's last token.
    int64_t written = int64_t(conversation.size() + expected.size()) - 1;
    EXPECT_EQ(reply["memory"]["kv_cache_bytes"], 32 + 16 * ((written + 1) / 2));
    if (expected.back() == 15)
      expected.pop_back();
    EXPECT_EQ(reply["content"], lettersOf(expected));
    conversation.insert(conversation.end(), expected.begin(), expected.end());
    conversation.insert(conversation.end(), {2, 3}); // "cd"
  }
  EXPECT_GT(nlohmann::json::parse(lines[1])["cached_tokens"], 0);
}

TEST_F(LlamaRunTest, AppliesItsLimits) {
  // The header length is the file's first 8 bytes, little-endian.
  uint64_t headerBytes = 0;
  std::memcpy(&headerBytes, readFile(path("weights/model.safetensors")).data(),
              sizeof headerBytes);
  expectError(withModel({"--prompt-ids", "1", "--max-header-bytes", "8"}),
              path("weights/model.safetensors") + ": header length " +
                  std::to_string(headerBytes) +
                  " exceeds the limit of 8 bytes");
  expectError(withModel({"--prompt-ids", "1,2,3", "--max-new-tokens", "4",
                         "--max-kv-cache-bytes", "64"}),
              "kv cache: batch 1, context 7: needs 96 bytes, over the limit "
              "of 64 bytes, which holds 4 positions");
  ToolResult result = run(
      withModel({"--prompt-ids", "1,2,3", "--max-new-tokens", "4",
                 "--max-kv-cache-bytes", "1K", "--max-header-bytes", "1M"}));
  EXPECT_EQ(result.exitCode, 0) << result.err;
  expectError(withModel({"--prompt-ids", "1", "--max-kv-cache-bytes", "2T"}),
              "--max-kv-cache-bytes: expected a positive byte count such as "
              "4096 or 512M, got '2T'");
  EXPECT_EQ(run(withModel({"--prompt-ids", "1,2,3", "--max-new-tokens", "4",
                           "--max-kv-cache-bytes", "1KiB"}))
                .exitCode,
            0);
}

// GpuDeviceTest holds the budget to its word; here the flag's values, and
// a host model, which has no device memory to budget.
TEST_F(LlamaRunTest, DeviceMemoryIsAGpuModelsBudget) {
  for (const char *bad : {"0", "0.0", "1.5", "0%", "101%", "40.5G", "40GB",
                          "40iB", "-1G", "%", "", "40 G"})
    expectError(withModel({"--prompt-ids", "1", "--device-memory", bad}),
                std::string("--device-memory: expected a positive byte count "
                            "such as 40G or 40GiB, or a share of the GPU's "
                            "memory such as 0.9 or 90%, got '") +
                    bad + "'");
  for (const char *good : {"40G", "40GiB", "4096", "0.9", "90%", "100%"})
    expectError(withModel({"--prompt-ids", "1", "--device-memory", good}),
                "--device-memory: " + fakeModel() +
                    " runs on the host (cpu); only a GPU model has device "
                    "memory to budget");
}

TEST_F(LlamaRunTest, TakesDefaultsFromGenerationConfig) {
  // eos 9 instead of the config's 15, and a token budget.
  writeFile(
      path("weights/generation_config.json"),
      R"({"do_sample": false, "eos_token_id": [9], "max_new_tokens": 8})");
  ToolResult result = run(withModel({"--prompt-ids", "3,1,4,1,5"}));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  std::string expected = "row 0:";
  for (int64_t token : fakeContinuation({3, 1, 4, 1, 5}, 8, 0, {9}))
    expected += " " + std::to_string(token);
  EXPECT_EQ(result.out, expected + "\n");

  writeFile(path("weights/generation_config.json"),
            R"({"do_sample": true, "top_p": "high"})");
  expectError(withModel({"--prompt-ids", "1"}),
              path("weights/generation_config.json") +
                  ": top_p: expected a number, got string \"high\"");
}

TEST_F(LlamaRunTest, DumpsIdsAndLogits) {
  ToolResult result =
      run(withModel({"--prompt-ids", "3,1,4,1,5", "--prompt-ids", "2,7",
                     "--max-new-tokens", "4", "--dump-logits", path("dump")}));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  Expected<SafetensorsFile> dump = SafetensorsFile::open(path("dump"));
  ASSERT_TRUE(dump) << dump.error().message();
  auto typeOf = [&](const char *name) {
    const TensorView *view = dump->find(name);
    return view ? describeTensorType(view->dtype, view->shape) : "missing";
  };
  EXPECT_EQ(typeOf("generated_ids"), "i64 [2, 4]");
  EXPECT_EQ(typeOf("decode_logits"), "f32 [2, 3, 16]");
  EXPECT_EQ(typeOf("prefill_logits.0"), "f32 [5, 16]");
  EXPECT_EQ(typeOf("prefill_logits.1"), "f32 [2, 16]");
  std::vector<int64_t> ids(8);
  std::memcpy(ids.data(), dump->find("generated_ids")->data,
              8 * sizeof(int64_t));
  // Row 0 stopped at eos after two tokens: padded with -1.
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 15, -1, -1, 1, 5, 10, 13}));
}

TEST_F(LlamaRunTest, PrintsUsage) {
  ToolResult result = run({"--help"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_EQ(result.out.rfind("usage: llama4-run MODEL.so", 0), 0u)
      << result.out;
}

TEST_F(LlamaRunTest, RefusesBadArguments) {
  expectError({}, "no model given (see --help)");
  expectError(withModel({"--prompt-ids", "1", "--bogus"}),
              "unknown option --bogus (see --help)");
  expectError(withModel({"-x"}), "unknown option -x (see --help)");
  expectError(withModel({"--prompt-ids", "1,x"}),
              "--prompt-ids: expected comma-separated token ids, got '1,x'");
  expectError(withModel({"--prompt-ids", "1,,2"}),
              "--prompt-ids: expected comma-separated token ids, got '1,,2'");
  expectError(withModel({"--prompt-ids", "-1"}),
              "--prompt-ids: expected comma-separated token ids, got '-1'");
  expectError(withModel({"--prompt-ids", "1", "--max-new-tokens"}),
              "--max-new-tokens: missing value");
  expectError(withModel({"--prompt-ids", "1", "--max-new-tokens", "2.5"}),
              "--max-new-tokens: expected a non-negative integer, got '2.5'");
  expectError(withModel({"--prompt-ids", "1", "--temperature", "warm"}),
              "--temperature: expected a number, got 'warm'");
  expectError(withModel({"--prompt-ids", "1", "--top-p", "nan"}),
              "--top-p: expected a number, got 'nan'");
  expectError(
      withModel({"--prompt-ids", "1", "--seed", "99999999999999999999"}),
      "--seed: expected a non-negative integer, got "
      "'99999999999999999999'");
  expectError(withModel({"--prompt-ids", "1", "--max-prompt-tokens", "0"}),
              "--max-prompt-tokens: expected a positive integer, got '0'");
  std::string threads = "a thread count from 1 to " +
                        std::to_string(threadLimit()) +
                        " (the CPUs this process may run on)";
  expectError(withModel({"--prompt-ids", "1", "--threads", "0"}),
              "--threads: expected " + threads + ", got '0'");
  expectError(withModel({"--prompt-ids", "1", "--threads=two"}),
              "--threads: expected " + threads + ", got 'two'");
  expectError(withModel({"--prompt-ids", "1", "--threads",
                         std::to_string(threadLimit() + 1)}),
              "--threads: expected " + threads + ", got '" +
                  std::to_string(threadLimit() + 1) + "'");
  expectError(withModel({"--prompt-ids", "1", "--prefill-chunk", "0"}),
              "--prefill-chunk: expected a positive integer, got '0'");
  expectError(withModel({"--prompt-ids", "1", "--prefill-chunk=-4"}),
              "--prefill-chunk: expected a positive integer, got '-4'");
  expectError(withModel({"--prompt-ids", "1", "--load", "mmap"}),
              "--load: expected copy, map or auto, got 'mmap'");
  // Bytes that are not UTF-8 are quoted escaped.
  expectError(withModel({"--prompt-ids", "1\xff"}),
              "--prompt-ids: expected comma-separated token ids, got "
              "'1\\xff'");
  expectError({fakeModel(), "--prompt-ids", "1"}, "--weights DIR is required");
  expectError(
      withModel({}),
      "one of --prompt(-file), --prompt-ids(-file) or --chat is required");
  expectError(withModel({"--prompt", "a", "--chat"}),
              "--prompt(-file), --prompt-ids(-file) and --chat do not mix");
  expectError(withModel({"--prompt", "a", "--system", "s"}),
              "--system needs --chat");
  expectError(withModel({"--prompt", "a", "--context", "8"}),
              "--context needs --chat");
  expectError(withModel({"--chat", "--context", "0"}),
              "--context: expected a positive integer, got '0'");
  expectError(withModel({"--prompt", "a", "--dump-logits", "x"}),
              "--dump-logits needs --prompt-ids");
  expectError(withModel({"--prompt", "a", "--max-image-pixels", "0"}),
              "--max-image-pixels: expected a positive pixel count such as "
              "1000000 or 64M, got '0'");
  expectError(withModel({"other.so"}),
              "more than one model given: " + fakeModel() + " and other.so");
}

TEST_F(LlamaRunTest, ReportsRuntimeErrorsOnOneLine) {
  expectError(withModel({"--prompt-ids", "1,99"}),
              "prompt row 0, position 1: token id 99 is out of range: "
              "vocab_size is 16");
  expectError(withModel({"--prompt-ids", "1,2,3", "--max-prompt-tokens", "2"}),
              "prompt row 0: 3 tokens, over the limit of 2 prompt tokens");
  expectError(withModel({"--prompt-ids", "1", "--max-new-tokens", "40"}),
              "prompt row 0: 1 prompt tokens + 40 new tokens exceed "
              "max_position_embeddings 32");
  expectError(
      {path("absent.so"), "--weights", path("weights"), "--prompt-ids", "1"},
      path("absent.so") + ": cannot open: No such file or directory");
  expectError(
      {fakeModel(), "--weights", path("nowhere"), "--prompt-ids", "1"},
      path("nowhere") +
          ": cannot open checkpoint directory: No such file or directory");
  expectError({fakeModel("fake-model-0.0.9"), "--weights", path("weights"),
               "--prompt-ids", "1"},
              fakeModel("fake-model-0.0.9") +
                  ": built by llama4c 0.0.9 (ABI " +
                  std::to_string(LLAMA4C_ABI_VERSION) + "), this runtime is " +
                  LLAMA4C_VERSION + " (ABI " +
                  std::to_string(LLAMA4C_ABI_VERSION) +
                  "); recompile the model");
  expectError(withModel({"--prompt-ids", "1", "--temperature", "-1"}),
              "sampler: temperature: must be a finite number >= 0, got -1");
  expectError(
      withModel({"--prompt-ids", "1", "--dump-logits", path("no/dir/x")}),
      path("no/dir/x") + ": cannot write: directory " + path("no/dir") +
          ": No such file or directory");
  expectError(withModel({"--prompt", "abc"}),
              path("weights/tokenizer.json") +
                  ": cannot open: No such file or directory");
  writeTokenizer();
  expectError(withModel({"--prompt-ids", "1", "--image", path("a.png")}),
              fakeModel() + ": --image: the model is text-only (compiled "
                            "from a config without vision_config)");
  expectError(withModel({"--prompt", "ok \xFF"}),
              "--prompt: text is not valid UTF-8 at byte 3");
  std::remove(path("weights/tokenizer_config.json").c_str());
  expectError(withModel({"--chat"}),
              path("weights") + ": no chat template: neither "
                                "chat_template.jinja nor tokenizer_config.json "
                                "is there");
}

// Hostile surroundings rather than hostile files: each ends in one error
// line and exit 1, within the timeout (nothing waits on a FIFO).
class LlamaRunSurroundingsTest : public LlamaRunTest {
protected:
  ToolResult runIn(const std::string &prefix,
                   const std::vector<std::string> &args,
                   const std::string &stdoutTo = "") {
    return runTool(LLAMA4_RUN_PATH, args, "", dir, prefix + " timeout 60",
                   stdoutTo);
  }
  void expectFailure(const ToolResult &result, const std::string &message) {
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_EQ(result.err, "llama4-run: error: " + message + "\n");
  }
  void replaceByFifo(const std::string &name) {
    std::remove(path(name).c_str());
    ASSERT_EQ(::mkfifo(path(name).c_str(), 0600), 0);
  }
};

TEST_F(LlamaRunSurroundingsTest, InputsThatAreFifosAreRefusedNotWaitedOn) {
  writeTokenizer();
  replaceByFifo("weights/tokenizer.json");
  expectFailure(runIn("", withModel({"--prompt", "abc"})),
                path("weights/tokenizer.json") +
                    ": not a regular file: a FIFO");
  replaceByFifo("weights/model.safetensors");
  expectFailure(runIn("", withModel({"--prompt-ids", "1"})),
                path("weights/model.safetensors") +
                    ": not a regular file: a FIFO");
  replaceByFifo("model.so");
  expectFailure(runIn("", {path("model.so"), "--weights", path("weights"),
                           "--prompt-ids", "1"}),
                path("model.so") + ": not a regular file: a FIFO");
}

TEST_F(LlamaRunSurroundingsTest, OutputsThatCannotBeWrittenFailOnOneLine) {
  std::vector<std::string> dump = withModel(
      {"--prompt-ids", "1", "--max-new-tokens", "30", "--dump-logits"});
  // A device is written through, never replaced.
  std::vector<std::string> toFull = dump;
  toFull.push_back("/dev/full");
  expectFailure(runIn("", toFull),
                "/dev/full: cannot write: No space left on device");
  struct stat info;
  ASSERT_EQ(::stat("/dev/full", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
  // A file size limit: the old dump stays, no staging file is left.
  writeFile(path("dump"), "old");
  std::vector<std::string> toFile = dump;
  toFile.push_back(path("dump"));
  // 1 KiB in sh's 512-byte blocks: room for the messages, not the dump
  // (30 steps of 16 f32 logits).
  expectFailure(runIn("ulimit -f 2;", toFile),
                path("dump") + ": cannot write: File too large");
  EXPECT_EQ(readFile(path("dump")), "old");
  EXPECT_FALSE(std::filesystem::exists(path("dump.partial")));
  // Standard output that cannot take the tokens: said last, after the
  // throughput line.
  ToolResult full = runIn("", withModel({"--prompt-ids", "1"}), "/dev/full");
  EXPECT_EQ(full.exitCode, 1);
  std::string last = "llama4-run: error: standard output: cannot write: No "
                     "space left on device\n";
  EXPECT_EQ(
      full.err.substr(full.err.size() - std::min(full.err.size(), last.size())),
      last);
}

TEST_F(LlamaRunSurroundingsTest, ThreadsFromTheEnvironmentAreChecked) {
  std::string expected = "a thread count from 1 to " +
                         std::to_string(threadLimit()) +
                         " (the CPUs this process may run on)";
  for (const char *value : {"", "abc", "1.5", "0", "2,x", "99999999"})
    expectFailure(runIn("OMP_NUM_THREADS=" + shellQuote(value),
                        withModel({"--prompt-ids", "1"})),
                  "OMP_NUM_THREADS: expected " + expected + ", got '" + value +
                      "'");
  // --threads sets it, whatever the environment said.
  ToolResult result = runIn("OMP_NUM_THREADS=abc",
                            withModel({"--prompt-ids", "1", "--threads", "1"}));
  EXPECT_EQ(result.exitCode, 0) << result.err;
}

} // namespace
