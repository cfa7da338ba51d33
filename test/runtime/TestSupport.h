//===- TestSupport.h - Shared helpers of the runtime tests ------*- C++ -*-===//
//
// A fresh temporary directory per test, a small valid manifest, a file writer
// that fails the test instead of returning an error, and errorOf, which checks
// that a result failed with a one-line message and returns it. Checkpoints
// themselves are built with the runtime's own writer
// (runtime/safetensors/SafetensorsWriter.h).
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_TEST_RUNTIME_TESTSUPPORT_H
#define LLAMA4C_TEST_RUNTIME_TESTSUPPORT_H

#include "llama4c/Status.h"
#include "runtime/loader/Manifest.h"
#include "runtime/safetensors/SafetensorsWriter.h"

#include "gtest/gtest.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace llama4c::runtime::testing {

/// A valid manifest of compute type `dtype` (vocab 4, 8 positions, text
/// only) with the given "weights" and "kv_cache" arrays; fails the test if
/// the runtime rejects it.
Manifest manifestOf(const char *dtype, const nlohmann::json &weights,
                    const nlohmann::json &kvCache);

/// Writes `bytes` to `path`, failing the test if it cannot.
void writeFile(const std::string &path, const std::string &bytes);

/// The bytes of the file at `path`, failing the test if it cannot be read.
std::string readFile(const std::string &path);

/// What a tool printed and its exit status (-1 if it did not exit).
struct ToolResult {
  int exitCode;
  std::string out, err;
};

/// Runs `tool` with `args` and `input` on stdin; its output goes through
/// files in `scratchDir`. `shellPrefix` goes before the command, for the
/// environment, limits or a timeout (`ulimit -f 1;`, `timeout 60`), and
/// `stdoutTo`, when given,
/// takes the standard output instead of a file that is read back.
ToolResult runTool(const std::string &tool,
                   const std::vector<std::string> &args,
                   const std::string &input, const std::string &scratchDir,
                   const std::string &shellPrefix = "",
                   const std::string &stdoutTo = "");

/// `text` quoted for sh.
std::string shellQuote(const std::string &text);

/// A fixture giving each test a fresh, empty directory under
/// testing::TempDir(), removed afterwards.
class TempDirTest : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;

  /// `name` inside the test's directory.
  std::string path(const std::string &name) const { return dir + "/" + name; }

  std::string dir;
};

/// The message of a failed `result`. Fails the test if `result` succeeded
/// or the message is not a single line.
template <class T> std::string errorOf(const Expected<T> &result) {
  if (result) {
    ADD_FAILURE() << "expected an error, got success";
    return "";
  }
  const std::string &message = result.error().message();
  EXPECT_EQ(message.find_first_of("\r\n"), std::string::npos)
      << "message is not one line: " << message;
  return message;
}

} // namespace llama4c::runtime::testing

#endif // LLAMA4C_TEST_RUNTIME_TESTSUPPORT_H
