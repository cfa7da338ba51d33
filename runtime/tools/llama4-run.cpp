//===- llama4-run.cpp - Run a model.so made by llama4c --------------------===//
//
//   llama4-run MODEL.so --weights DIR --prompt-ids 1,2,3 [--prompt-ids 4,5]
//              [--max-new-tokens N] [--temperature T] [--top-k K]
//              [--top-p P] [--seed S] [--max-prompt-tokens N]
//              [--threads N] [--dump-logits FILE]
//
// argv -> RunArguments -> Model::open, Checkpoint::open, BoundWeights::bind
// -> generate() -> the new ids of each row and the throughput on stdout.
// Every failure, from a bad argument to a model call, is one line
// "llama4-run: error: ..." on stderr and exit status 1. Argument parsing is
// written by hand so the runner links neither LLVM nor anything else.
//
//===----------------------------------------------------------------------===//

#include "runtime/generate/Generator.h"
#include "runtime/generate/LogitsDump.h"
#include "runtime/loader/LoadedModel.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <new>
#include <optional>
#include <string>
#include <vector>

using namespace llama4c::runtime;

namespace {

constexpr const char *kUsage =
    R"(usage: llama4-run MODEL.so --weights DIR --prompt-ids IDS [options]

Loads a model compiled by `llama4c compile`, binds the safetensors
checkpoint in DIR, and generates new tokens for each prompt.

  --weights DIR          checkpoint: model.safetensors, or index + shards
  --prompt-ids 1,2,3     a prompt as token ids; repeat for a batch
  --max-new-tokens N     new tokens per prompt (default 16)
  --temperature T        0 (the default) is greedy
  --top-k K              keep the K most likely tokens (default 0: all)
  --top-p P              keep the most likely tokens up to probability P
                         (default 1)
  --seed S               sampling seed (default 0)
  --max-prompt-tokens N  refuse prompts longer than N tokens
  --threads N            threads the model's matmuls use (default: every
                         core, or OMP_NUM_THREADS)
  --dump-logits FILE     write the ids and every logit to FILE (safetensors)
  --help                 print this message
)";

struct RunArguments {
  bool help = false;
  std::string model;
  std::string weights;
  std::vector<std::vector<int64_t>> prompts;
  std::string dumpLogits;
  /// OMP_NUM_THREADS for the model's OpenMP runtime; empty to leave it.
  std::string threads;
  GenerateOptions generate;
};

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

/// "1,2,3" as token ids; no empty items.
std::optional<std::vector<int64_t>> parseIds(const std::string &text) {
  std::vector<int64_t> ids;
  size_t begin = 0;
  while (true) {
    size_t comma = text.find(',', begin);
    std::optional<int64_t> id = parseCount(text.substr(begin, comma - begin));
    if (!id)
      return std::nullopt;
    ids.push_back(*id);
    if (comma == std::string::npos)
      return ids;
    begin = comma + 1;
  }
}

/// The command line as RunArguments; stops at --help. Fails with a
/// message naming the flag at fault.
Expected<RunArguments> parseArguments(int argc, char **argv) {
  RunArguments args;
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
    // --flag VALUE or --flag=VALUE.
    std::string flag = arg, value;
    bool hasValue = false;
    if (size_t equals = arg.find('='); equals != std::string::npos) {
      flag = arg.substr(0, equals);
      value = arg.substr(equals + 1);
      hasValue = true;
    }
    static const char *const kFlags[] = {
        "--weights",     "--prompt-ids",  "--max-new-tokens",
        "--temperature", "--top-k",       "--top-p",
        "--seed",        "--dump-logits", "--max-prompt-tokens",
        "--threads"};
    if (std::find(std::begin(kFlags), std::end(kFlags), flag) ==
        std::end(kFlags))
      return Error("unknown option " + flag + " (see --help)");
    if (!hasValue) {
      if (i + 1 == argc)
        return Error(flag + ": missing value");
      value = argv[++i];
    }

    auto bad = [&](const char *expected) {
      return Error(flag + ": expected " + expected + ", got '" + value + "'");
    };
    auto count = [&](int64_t &target) {
      std::optional<int64_t> parsed = parseCount(value);
      if (parsed)
        target = *parsed;
      return parsed.has_value();
    };
    auto number = [&](double &target) {
      std::optional<double> parsed = parseNumber(value);
      if (parsed)
        target = *parsed;
      return parsed.has_value();
    };
    GenerateOptions &options = args.generate;
    int64_t seed = 0;
    if (flag == "--weights") {
      args.weights = value;
    } else if (flag == "--dump-logits") {
      args.dumpLogits = value;
    } else if (flag == "--prompt-ids") {
      std::optional<std::vector<int64_t>> ids = parseIds(value);
      if (!ids)
        return bad("comma-separated token ids");
      args.prompts.push_back(std::move(*ids));
    } else if (flag == "--max-new-tokens") {
      if (!count(options.maxNewTokens))
        return bad("a non-negative integer");
    } else if (flag == "--max-prompt-tokens") {
      if (!count(options.maxPromptTokens) || options.maxPromptTokens == 0)
        return bad("a positive integer");
    } else if (flag == "--top-k") {
      if (!count(options.sampling.topK))
        return bad("a non-negative integer");
    } else if (flag == "--seed") {
      if (!count(seed))
        return bad("a non-negative integer");
      options.seed = uint64_t(seed);
    } else if (flag == "--threads") {
      int64_t threads = 0;
      if (!count(threads) || threads == 0 || threads > 4096)
        return bad("a thread count from 1 to 4096");
      args.threads = value;
    } else if (flag == "--temperature") {
      if (!number(options.sampling.temperature))
        return bad("a number");
    } else if (flag == "--top-p") {
      if (!number(options.sampling.topP))
        return bad("a number");
    }
  }
  if (args.model.empty())
    return Error("no model given (see --help)");
  if (args.weights.empty())
    return Error("--weights DIR is required");
  if (args.prompts.empty())
    return Error("at least one --prompt-ids is required");
  return args;
}

void printThroughput(const char *what, int64_t tokens, double seconds) {
  std::printf("%s: %lld tokens in %.2f ms (%.1f tok/s)", what,
              static_cast<long long>(tokens), seconds * 1e3,
              seconds > 0 ? double(tokens) / seconds : 0.0);
}

/// Everything after argument parsing; returns the error to print, if any.
Expected<void> run(RunArguments &args) {
  Expected<std::unique_ptr<LoadedModel>> loaded =
      LoadedModel::open(args.model, args.weights);
  if (!loaded)
    return loaded.error();
  const Model &model = (*loaded)->model;

  args.generate.stopTokenIds = model.manifest().eosTokenIds;
  args.generate.keepLogits = !args.dumpLogits.empty();
  Expected<Generation> generation =
      generate(model, (*loaded)->weights, args.prompts, args.generate);
  if (!generation)
    return generation.error();

  if (!args.dumpLogits.empty())
    if (Expected<void> written = writeLogitsDump(args.dumpLogits, *generation,
                                                 model.manifest().vocabSize);
        !written)
      return written;

  for (size_t row = 0; row < generation->tokens.size(); ++row) {
    std::printf("row %zu:", row);
    for (int64_t token : generation->tokens[row])
      std::printf(" %lld", static_cast<long long>(token));
    std::printf("\n");
  }
  const GenerationTiming &timing = generation->timing;
  printThroughput("prefill", timing.prefillTokens, timing.prefillSeconds);
  std::printf("; ");
  printThroughput("decode", timing.decodeTokens, timing.decodeSeconds);
  std::printf("\n");
  return {};
}

int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "llama4-run: error: %s\n", message.c_str());
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  Expected<RunArguments> args = parseArguments(argc, argv);
  if (!args)
    return fail(args.error().message());
  if (args->help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  // Read by the OpenMP runtime when the model loads it, below.
  if (!args->threads.empty())
    ::setenv("OMP_NUM_THREADS", args->threads.c_str(), /*overwrite=*/1);
  try {
    if (Expected<void> done = run(*args); !done)
      return fail(done.error().message());
  } catch (const std::bad_alloc &) {
    return fail("out of memory");
  }
  return 0;
}
