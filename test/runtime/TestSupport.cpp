//===- TestSupport.cpp - Shared helpers of the runtime tests --------------===//

#include "test/runtime/TestSupport.h"

#include "llama4c/abi.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

namespace llama4c::runtime::testing {

Manifest manifestOf(const char *dtype, const nlohmann::json &weights,
                    const nlohmann::json &kvCache) {
  nlohmann::json text = {
      {"llama4c_version", LLAMA4C_VERSION},
      {"abi_version", LLAMA4C_ABI_VERSION},
      {"target", "cpu"},
      {"emulated", false},
      {"cpu", {{"name", "x86-64"}, {"features", nlohmann::json::array()}}},
      {"dtype", dtype},
      {"vocab_size", 4},
      {"max_position_embeddings", 8},
      {"multimodal", false},
      {"image_token_index", nullptr},
      {"config", nlohmann::json::object()},
      {"weights", weights},
      {"kv_cache", kvCache}};
  Expected<Manifest> manifest = parseManifest(text.dump(), "test.so");
  EXPECT_TRUE(manifest) << manifest.error().message();
  return manifest ? *manifest : Manifest{};
}

void writeFile(const std::string &path, const std::string &bytes) {
  Expected<void> written = writeBinaryFile(path, bytes);
  ASSERT_TRUE(written) << written.error().message();
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string shellQuote(const std::string &text) {
  std::string quoted = "'";
  for (char c : text)
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

ToolResult runTool(const std::string &tool,
                   const std::vector<std::string> &args,
                   const std::string &input, const std::string &scratchDir,
                   const std::string &shellPrefix,
                   const std::string &stdoutTo) {
  std::string in = scratchDir + "/tool.in", out = scratchDir + "/tool.out",
              err = scratchDir + "/tool.err";
  writeFile(in, input);
  writeFile(out, "");
  std::string command = shellPrefix + " " + shellQuote(tool);
  for (const std::string &arg : args)
    command += " " + shellQuote(arg);
  command += " <" + shellQuote(in) + " >" +
             shellQuote(stdoutTo.empty() ? out : stdoutTo) + " 2>" +
             shellQuote(err);
  int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, readFile(out),
          readFile(err)};
}

void TempDirTest::SetUp() {
  const ::testing::TestInfo *test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  // The pid keeps parallel ctest runs of the same test apart.
  std::string name = std::string(test->test_suite_name()) + "." + test->name();
  for (char &c : name)
    if (c == '/') // parameterized tests are named "Prefix/Suite.Test/0"
      c = '_';
  dir = ::testing::TempDir() + "llama4c-runtime-" + name + "-" +
        std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(std::filesystem::create_directories(dir))
      << "cannot create " << dir;
}

void TempDirTest::TearDown() { std::filesystem::remove_all(dir); }

} // namespace llama4c::runtime::testing
