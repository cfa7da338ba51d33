//===- RunArguments.h - llama4-run's command line ---------------*- C++ -*-===//
//
// Parsed by hand, so that the runner links nothing beyond the runtime.
// Sampling flags are optional: what the user leaves out comes from the
// checkpoint's generation_config.json (GenerationConfig.h).
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_TOOLS_RUNARGUMENTS_H
#define LLAMA4C_RUNTIME_TOOLS_RUNARGUMENTS_H

#include "llama4c/Status.h"
#include "runtime/safetensors/MappedFile.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llama4c::runtime {

extern const char *const kRunUsage;

/// --device-memory: what a GPU model's KV cache and weights may take of
/// its GPU's memory, in bytes or as a share; one of the two is not 0.
struct DeviceMemory {
  uint64_t bytes = 0;
  double share = 0; // (0, 1]
};

struct RunArguments {
  enum class Mode { Ids, Text, Chat };

  bool help = false;
  Mode mode = Mode::Ids;
  std::string model;
  std::string weights;
  /// --prompt-ids rows (Mode::Ids) or --prompt texts (Mode::Text).
  std::vector<std::vector<int64_t>> promptIds;
  std::vector<std::string> promptTexts;
  /// --image files, for the prompts' <|image|> placeholders in order.
  std::vector<std::string> images;
  std::optional<uint64_t> maxImagePixels;
  std::optional<std::string> system;
  bool json = false;
  std::string dumpLogits;
  /// OMP_NUM_THREADS for the model's OpenMP runtime; empty to leave it.
  std::string threads;

  std::optional<int64_t> maxNewTokens;
  int64_t maxPromptTokens = 0;
  /// --prefill-chunk; 0 for the model's attention chunk.
  int64_t prefillChunk = 0;
  std::optional<uint64_t> maxHeaderBytes, maxKvCacheBytes;
  std::optional<DeviceMemory> deviceMemory;
  /// --load: where the checkpoint's bytes are held.
  FileMemory load = FileMemory::CopiedIfRoom;
  std::optional<int64_t> context;
  std::optional<double> temperature, topP;
  std::optional<int64_t> topK;
  uint64_t seed = 0;
};

/// The command line as RunArguments; stops at --help. Fails with a
/// message naming the flag at fault.
Expected<RunArguments> parseRunArguments(int argc, char **argv);

/// Token ids separated by commas, white space or both ("1,2,3", "1 2 3\n",
/// "1, 2"), as --prompt-ids and --prompt-ids-file take them: at least one,
/// no empty items. Otherwise the first item that is not an id (its first
/// 32 bytes).
Expected<std::vector<int64_t>> parseTokenIds(const std::string &text);

/// The most threads a run may use: the CPUs this process may run on. More
/// would only take turns on the same cores, and each costs the OpenMP
/// runtime a stack.
int64_t threadLimit();

/// Checks OMP_NUM_THREADS (set by --threads, or by the user) before the
/// model's OpenMP runtime reads it: that runtime aborts on "", "abc" or
/// "1.5". A comma-separated list of counts from 1 to threadLimit().
Expected<void> checkThreadsEnvironment();

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_TOOLS_RUNARGUMENTS_H
