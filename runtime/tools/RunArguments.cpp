//===- RunArguments.cpp - llama4-run's command line ----------------------===//

#include "runtime/tools/RunArguments.h"

#include "runtime/support/InputFile.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string_view>

#include <sched.h>
#include <unistd.h>

namespace llama4c::runtime {

const char *const kRunUsage =
    R"(usage: llama4-run MODEL.so --weights DIR (--prompt TEXT | --chat |
                  --prompt-ids IDS | --prompt-file PATH |
                  --prompt-ids-file PATH) [options]

Loads a model compiled by `llama4c compile`, reads the Hugging Face
checkpoint in DIR (safetensors, tokenizer.json, tokenizer_config.json,
generation_config.json) and generates.

Input, one kind:
  --prompt TEXT          text to continue, tokenised with DIR/tokenizer.json;
                         it and the new text stream to stdout. Repeat for a
                         batch (printed when all rows are done)
  --chat                 a conversation on stdin, one user message per line,
                         in the checkpoint's chat template; the KV cache is
                         kept between turns. /image PATH shows an image with
                         the next message, /reset starts over, /exit or the
                         end of input quits
  --prompt-ids 1,2,3     a prompt as token ids; the new ids are printed.
                         Repeat for a batch
  --prompt-file PATH     --prompt's text from a file (- for stdin), for
  --prompt-ids-file PATH prompts longer than a command line takes (128 KiB
                         an argument on Linux); ids separated by commas or
                         white space, as llama4-tokenize prints them. At
                         most 64 MiB. They mix with --prompt and
                         --prompt-ids respectively

Options:
  --image FILE           a PNG or JPEG for the next <|image|> of the prompts
                         (--prompt, --prompt-ids) or, with --chat, for the
                         first message; multimodal models. Repeat for
                         several images, in placeholder order
  --max-image-pixels N   refuse images of more than N pixels (default 64M)
  --system TEXT          (--chat) a system message
  --max-new-tokens N     new tokens per reply (default: generation_config's
                         max_new_tokens, else 256, at most what fits)
  --temperature T        0 is greedy. Default, with --top-k and --top-p:
  --top-k K              generation_config.json as transformers reads it
  --top-p P              (greedy unless do_sample)
  --seed S               sampling seed (default 0)
  --max-prompt-tokens N  refuse prompts longer than N tokens
  --prefill-chunk N      prompt tokens one prefill call takes (default: the
                         model's attention chunk, else 8192): longer
                         prompts go in several calls, with the same logits
                         and the activations' memory of N tokens
  --max-header-bytes N   refuse safetensors headers and indexes larger than
                         N bytes (default 100M; K, M and G suffixes count
                         in 1024s)
  --max-kv-cache-bytes N refuse KV caches larger than N bytes (default: 75%
                         of physical memory)
  --device-memory M      (GPU models) what the KV cache and the weights may
                         take of the GPU's memory: bytes (40G, 40GiB) or a
                         share (0.9, 90%). Default: all but 2 GiB. What
                         does not fit stays in pinned host memory the
                         kernels read across the bus: routed experts, then
                         the global layers' KV pages; the other weights
                         and the chunked layers' windows must fit
  --context N            (--chat) KV cache positions (default: the smaller
                         of max_position_embeddings and 8192)
  --threads N            threads the model's matmuls use (default: every
                         core, or OMP_NUM_THREADS)
  --load copy|map|auto   how a CPU model holds the checkpoint: copy (into
                         2 MiB pages, which decode streams faster), map (the
                         page cache: shared with other processes and
                         evictable), auto (default: copy each file that
                         leaves a quarter of memory free, map the rest)
  --json                 print the result as JSON (one line per chat turn)
  --dump-logits FILE     (--prompt-ids) write the ids and every logit to FILE
                         (safetensors)
  --help                 print this message

Generation stops at the eos ids of generation_config.json (else config.json).
Prefill and decode throughput go to stderr at the end.
)";

namespace {

/// The whole of `text` as a non-negative integer.
std::optional<int64_t> parseCount(const std::string &text) {
  if (text.empty() || text[0] < '0' || text[0] > '9')
    return std::nullopt;
  errno = 0;
  char *end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0')
    return std::nullopt;
  return int64_t(value);
}

/// The whole of `text` as a finite number.
std::optional<double> parseNumber(const std::string &text) {
  if (text.empty())
    return std::nullopt;
  errno = 0;
  char *end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(value))
    return std::nullopt;
  return value;
}

/// A byte count: digits, then an optional K, M or G (powers of 1024),
/// which may be spelled KiB, MiB or GiB.
std::optional<uint64_t> parseBytes(const std::string &text) {
  std::string digits = text;
  if (digits.size() > 3 && digits.compare(digits.size() - 2, 2, "iB") == 0 &&
      std::string_view("KMG").find(digits[digits.size() - 3]) !=
          std::string_view::npos)
    digits.resize(digits.size() - 2);
  int shift = 0;
  if (!digits.empty() &&
      (digits.back() == 'K' || digits.back() == 'M' || digits.back() == 'G')) {
    shift = digits.back() == 'K' ? 10 : digits.back() == 'M' ? 20 : 30;
    digits.pop_back();
  }
  std::optional<int64_t> count = parseCount(digits);
  if (!count || uint64_t(*count) > (UINT64_MAX >> shift))
    return std::nullopt;
  return uint64_t(*count) << shift;
}

/// --device-memory's value: a byte count, or a share of the GPU's memory
/// as a fraction (with a decimal point) or a percentage.
std::optional<DeviceMemory> parseDeviceMemory(const std::string &text) {
  DeviceMemory memory;
  bool percent = !text.empty() && text.back() == '%';
  if (percent || text.find('.') != std::string::npos) {
    std::optional<double> share =
        parseNumber(percent ? text.substr(0, text.size() - 1) : text);
    if (!share)
      return std::nullopt;
    memory.share = percent ? *share / 100 : *share;
    if (!(memory.share > 0 && memory.share <= 1))
      return std::nullopt;
    return memory;
  }
  std::optional<uint64_t> bytes = parseBytes(text);
  if (!bytes || *bytes == 0)
    return std::nullopt;
  memory.bytes = *bytes;
  return memory;
}

/// `item` in quotes, cut to its first 32 bytes: an error names the item,
/// not all of a 64 MiB file that has no separator.
std::string quoteItem(const std::string &item) {
  constexpr size_t kShown = 32;
  if (item.size() <= kShown)
    return "'" + item + "'";
  return "'" + item.substr(0, kShown) + "...' (" +
         std::to_string(item.size()) + " bytes)";
}

/// The most a --prompt-file or --prompt-ids-file may hold: 64 MiB, some
/// 16M tokens of text, past the longest context (Scout's 10M positions).
constexpr uint64_t kMaxPromptFileBytes = uint64_t(64) << 20;

/// The file at `path`, or all of standard input for "-", of at most
/// kMaxPromptFileBytes.
Expected<std::string> readPromptFile(const std::string &path) {
  if (path != "-")
    return readInputFile(path, kMaxPromptFileBytes);
  std::string text;
  char buffer[1 << 16];
  while (size_t got = std::fread(buffer, 1, sizeof buffer, stdin)) {
    text.append(buffer, got);
    if (text.size() > kMaxPromptFileBytes)
      return Error("standard input: more than the limit of " +
                   std::to_string(kMaxPromptFileBytes) + " bytes");
  }
  if (std::ferror(stdin))
    return Error("standard input: cannot read");
  return text;
}

} // namespace

Expected<std::vector<int64_t>> parseTokenIds(const std::string &text) {
  std::vector<int64_t> ids;
  auto isSpace = [](char c) {
    return std::isspace(static_cast<unsigned char>(c));
  };
  size_t at = 0;
  auto skipSpace = [&] {
    while (at < text.size() && isSpace(text[at]))
      ++at;
  };
  skipSpace();
  while (true) {
    size_t end = at;
    while (end < text.size() && text[end] != ',' && !isSpace(text[end]))
      ++end;
    std::string item = text.substr(at, end - at);
    std::optional<int64_t> id = parseCount(item);
    if (!id)
      return Error(item.empty() ? "an empty item" : quoteItem(item));
    ids.push_back(*id);
    at = end;
    skipSpace();
    if (at == text.size())
      return ids;
    if (text[at] == ',') {
      ++at;
      skipSpace();
      if (at == text.size())
        return Error("an empty item");
    }
  }
}

Expected<RunArguments> parseRunArguments(int argc, char **argv) {
  RunArguments args;
  bool chat = false;
  // The flag that took standard input ("-"), if one did.
  std::string standardInputReader;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      args.help = true;
      return args;
    }
    if (arg.empty() || arg[0] != '-') {
      if (!args.model.empty())
        return Error("more than one model given: " + args.model + " and " +
                     arg);
      args.model = arg;
      continue;
    }
    if (arg == "--chat") {
      chat = true;
      continue;
    }
    if (arg == "--json") {
      args.json = true;
      continue;
    }
    // --flag VALUE or --flag=VALUE.
    std::string flag = arg, value;
    bool hasValue = false;
    if (size_t equals = arg.find('='); equals != std::string::npos) {
      flag = arg.substr(0, equals);
      value = arg.substr(equals + 1);
      hasValue = true;
    }
    static const char *const kFlags[] = {"--weights",
                                         "--prompt-ids",
                                         "--prompt",
                                         "--prompt-ids-file",
                                         "--prompt-file",
                                         "--image",
                                         "--max-image-pixels",
                                         "--system",
                                         "--temperature",
                                         "--top-k",
                                         "--top-p",
                                         "--seed",
                                         "--dump-logits",
                                         "--threads",
                                         "--load",
                                         "--max-new-tokens",
                                         "--context",
                                         "--max-prompt-tokens",
                                         "--prefill-chunk",
                                         "--max-header-bytes",
                                         "--max-kv-cache-bytes",
                                         "--device-memory"};
    if (std::find(std::begin(kFlags), std::end(kFlags), flag) ==
        std::end(kFlags))
      return Error("unknown option " + flag + " (see --help)");
    if (!hasValue) {
      if (i + 1 == argc)
        return Error(flag + ": missing value");
      value = argv[++i];
    }

    auto bad = [&](const std::string &expected) {
      return Error(flag + ": expected " + expected + ", got '" + value + "'");
    };
    std::optional<int64_t> count = parseCount(value);
    std::optional<double> number = parseNumber(value);
    if (flag == "--weights") {
      args.weights = value;
    } else if (flag == "--dump-logits") {
      args.dumpLogits = value;
    } else if (flag == "--prompt") {
      args.promptTexts.push_back(value);
    } else if (flag == "--image") {
      args.images.push_back(value);
    } else if (flag == "--max-image-pixels") {
      std::optional<uint64_t> pixels = parseBytes(value);
      if (!pixels || *pixels == 0)
        return bad("a positive pixel count such as 1000000 or 64M");
      args.maxImagePixels = *pixels;
    } else if (flag == "--system") {
      args.system = value;
    } else if (flag == "--prompt-ids") {
      Expected<std::vector<int64_t>> ids = parseTokenIds(value);
      if (!ids)
        return bad("comma-separated token ids");
      args.promptIds.push_back(std::move(*ids));
    } else if (flag == "--prompt-file" || flag == "--prompt-ids-file") {
      if (value == "-" && !standardInputReader.empty())
        return Error(flag + ": standard input is read once, by " +
                     standardInputReader);
      if (value == "-")
        standardInputReader = flag;
      Expected<std::string> text = readPromptFile(value);
      if (!text)
        return Error(flag + ": " + text.error().message());
      std::string file = value == "-" ? "standard input" : value;
      if (flag == "--prompt-file") {
        args.promptTexts.push_back(std::move(*text));
        continue;
      }
      Expected<std::vector<int64_t>> ids = parseTokenIds(*text);
      if (!ids)
        return Error(flag + ": " + file +
                     ": expected token ids separated by commas or white "
                     "space, got " +
                     ids.error().message());
      args.promptIds.push_back(std::move(*ids));
    } else if (flag == "--max-new-tokens") {
      if (!count)
        return bad("a non-negative integer");
      args.maxNewTokens = *count;
    } else if (flag == "--max-prompt-tokens") {
      if (!count || *count == 0)
        return bad("a positive integer");
      args.maxPromptTokens = *count;
    } else if (flag == "--prefill-chunk") {
      if (!count || *count == 0)
        return bad("a positive integer");
      args.prefillChunk = *count;
    } else if (flag == "--max-header-bytes" || flag == "--max-kv-cache-bytes") {
      std::optional<uint64_t> bytes = parseBytes(value);
      if (!bytes || *bytes == 0)
        return bad("a positive byte count such as 4096 or 512M");
      (flag == "--max-header-bytes" ? args.maxHeaderBytes
                                    : args.maxKvCacheBytes) = *bytes;
    } else if (flag == "--device-memory") {
      std::optional<DeviceMemory> memory = parseDeviceMemory(value);
      if (!memory)
        return bad("a positive byte count such as 40G or 40GiB, or a share "
                   "of the GPU's memory such as 0.9 or 90%");
      args.deviceMemory = *memory;
    } else if (flag == "--context") {
      if (!count || *count == 0)
        return bad("a positive integer");
      args.context = *count;
    } else if (flag == "--top-k") {
      if (!count)
        return bad("a non-negative integer");
      args.topK = *count;
    } else if (flag == "--seed") {
      if (!count)
        return bad("a non-negative integer");
      args.seed = uint64_t(*count);
    } else if (flag == "--threads") {
      if (!count || *count == 0 || *count > threadLimit())
        return bad("a thread count from 1 to " + std::to_string(threadLimit()) +
                   " (the CPUs this process may run on)");
      args.threads = value;
    } else if (flag == "--load") {
      if (value == "copy")
        args.load = FileMemory::Copied;
      else if (value == "map")
        args.load = FileMemory::Mapped;
      else if (value == "auto")
        args.load = FileMemory::CopiedIfRoom;
      else
        return bad("copy, map or auto");
    } else if (flag == "--temperature") {
      if (!number)
        return bad("a number");
      args.temperature = *number;
    } else if (flag == "--top-p") {
      if (!number)
        return bad("a number");
      args.topP = *number;
    }
  }
  if (args.model.empty())
    return Error("no model given (see --help)");
  if (args.weights.empty())
    return Error("--weights DIR is required");
  int inputs = !args.promptIds.empty() + !args.promptTexts.empty() + chat;
  if (inputs == 0)
    return Error(
        "one of --prompt(-file), --prompt-ids(-file) or --chat is required");
  if (inputs > 1)
    return Error("--prompt(-file), --prompt-ids(-file) and --chat do not mix");
  args.mode = chat                       ? RunArguments::Mode::Chat
              : args.promptTexts.empty() ? RunArguments::Mode::Ids
                                         : RunArguments::Mode::Text;
  if (args.system && args.mode != RunArguments::Mode::Chat)
    return Error("--system needs --chat");
  if (args.context && args.mode != RunArguments::Mode::Chat)
    return Error("--context needs --chat");
  if (!args.dumpLogits.empty() && args.mode != RunArguments::Mode::Ids)
    return Error("--dump-logits needs --prompt-ids");
  return args;
}

int64_t threadLimit() {
  cpu_set_t cpus;
  if (::sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
    return std::max(1, CPU_COUNT(&cpus));
  return std::max<long>(1, ::sysconf(_SC_NPROCESSORS_ONLN));
}

Expected<void> checkThreadsEnvironment() {
  const char *value = std::getenv("OMP_NUM_THREADS");
  if (!value)
    return {};
  std::string text = value;
  for (size_t begin = 0;;) {
    size_t comma = text.find(',', begin);
    std::optional<int64_t> count =
        parseCount(text.substr(begin, comma - begin));
    if (!count || *count == 0 || *count > threadLimit())
      return Error("OMP_NUM_THREADS: expected a thread count from 1 to " +
                   std::to_string(threadLimit()) +
                   " (the CPUs this process may run on), got '" + text + "'");
    if (comma == std::string::npos)
      return {};
    begin = comma + 1;
  }
}

} // namespace llama4c::runtime
