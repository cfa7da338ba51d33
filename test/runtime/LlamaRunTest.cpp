//===- LlamaRunTest.cpp - Tests for the llama4-run tool -------------------===//
//
// Runs the llama4-run binary on FakeModel.c: its output format, the
// --dump-logits file, and every bad argument or runtime failure, each of
// which must print one "llama4-run: error: ..." line and exit with 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/SafetensorsFile.h"

#include "test/runtime/FakeModels.h"
#include "test/runtime/TestSupport.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <regex>

#include <sys/wait.h>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

struct ToolResult {
  int exitCode;
  std::string out, err;
};

std::string shellQuote(const std::string &text) {
  std::string quoted = "'";
  for (char c : text)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

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

  ToolResult run(const std::vector<std::string> &args) {
    std::string command = shellQuote(LLAMA4_RUN_PATH);
    for (const std::string &arg : args)
      command += " " + shellQuote(arg);
    command += " >" + shellQuote(path("out")) + " 2>" + shellQuote(path("err"));
    int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, readFile(path("out")),
            readFile(path("err"))};
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

// FakeModel.c's greedy tokens for these prompts (see GeneratorTest's
// fakeContinuation). Row 0 samples 15, the manifest's eos_token_id, and
// ends there; row 1 goes on, so three decode steps still run for both.
TEST_F(LlamaRunTest, PrintsTheNewTokensOfEachRowAndTheThroughput) {
  ToolResult result =
      run(withModel({"--prompt-ids", "3,1,4,1,5", "--prompt-ids=2,7",
                     "--max-new-tokens", "4"}));
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.err, "");
  std::regex expected("row 0: 2 15\n"
                      "row 1: 1 5 10 13\n"
                      "prefill: 7 tokens in [0-9.]+ ms \\([0-9.]+ tok/s\\); "
                      "decode: 6 tokens in [0-9.]+ ms \\([0-9.]+ tok/s\\)\n");
  EXPECT_TRUE(std::regex_match(result.out, expected)) << result.out;
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
  expectError(withModel({"--prompt-ids", "1", "--threads", "0"}),
              "--threads: expected a thread count from 1 to 4096, got '0'");
  expectError(withModel({"--prompt-ids", "1", "--threads=two"}),
              "--threads: expected a thread count from 1 to 4096, got 'two'");
  expectError({fakeModel(), "--prompt-ids", "1"}, "--weights DIR is required");
  expectError(withModel({}), "at least one --prompt-ids is required");
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
                  ": built by llama4c 0.0.9 (ABI 1), this runtime is " +
                  LLAMA4C_VERSION + " (ABI 1); recompile the model");
  expectError(withModel({"--prompt-ids", "1", "--temperature", "-1"}),
              "sampler: temperature: must be a finite number >= 0, got -1");
  expectError(
      withModel({"--prompt-ids", "1", "--dump-logits", path("no/dir/x")}),
      path("no/dir/x") + ": cannot write: No such file or directory");
}

} // namespace
