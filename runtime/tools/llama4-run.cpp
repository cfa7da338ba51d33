//===- llama4-run.cpp - Run a model.so made by llama4c --------------------===//
//
//   llama4-run MODEL.so --weights DIR --prompt "Once upon a time"
//   llama4-run MODEL.so --weights DIR --chat [--system "..."]
//   llama4-run MODEL.so --weights DIR --prompt-ids 1,2,3 [--prompt-ids 4,5]
//   llama4-run MODEL.so --weights DIR --image a.png --prompt "<|image|> ..."
//   llama4-run MODEL.so --weights DIR --image a.png --chat    (or /image PATH)
//
// argv -> RunArguments -> LoadedModel (the .so, the checkpoint, bound
// weights) and the checkpoint's generation defaults -> one of three modes:
// text in and streamed text out, a chat over stdin, or token ids in and out.
// Every failure, from a bad argument to a model call, is one line
// "llama4-run: error: ..." on stderr and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat-template/ChatTemplate.h"
#include "runtime/generate/ChatSession.h"
#include "runtime/generate/GenerationConfig.h"
#include "runtime/generate/Generator.h"
#include "runtime/generate/LogitsDump.h"
#include "runtime/loader/LoadedModel.h"
#include "runtime/support/OutputFile.h"
#include "runtime/support/SystemMemory.h"
#include "runtime/support/Utf8.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tools/RunArguments.h"
#include "runtime/vision/PromptImages.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

using namespace llama4c::runtime;
using OrderedJson = nlohmann::ordered_json;

namespace {

/// Without --max-new-tokens or generation_config's max_new_tokens.
constexpr int64_t kDefaultMaxNewTokens = 256;
/// The chat's KV cache, unless --context says otherwise.
constexpr int64_t kDefaultChatContext = 8192;

/// The generation settings: flags over generation_config.json over the
/// model's config.
Expected<GenerateOptions> resolveOptions(const RunArguments &args,
                                         const Manifest &manifest) {
  Expected<GenerationConfig> config = readGenerationConfig(args.weights);
  if (!config)
    return config.error();
  GenerateOptions options;
  options.sampling = config->sampling;
  if (args.temperature) {
    // Sampling asked of a greedy checkpoint: transformers' top_k default.
    if (options.sampling.temperature == 0 && *args.temperature > 0)
      options.sampling.topK = 50;
    options.sampling.temperature = *args.temperature;
  }
  if (args.topK)
    options.sampling.topK = *args.topK;
  if (args.topP)
    options.sampling.topP = *args.topP;
  options.seed = args.seed;
  options.maxPromptTokens = args.maxPromptTokens;
  options.prefillChunk = args.prefillChunk;
  if (args.maxKvCacheBytes)
    options.kvCacheLimitBytes = *args.maxKvCacheBytes;
  options.stopTokenIds =
      config->eosTokenIds.empty() ? manifest.eosTokenIds : config->eosTokenIds;
  options.maxNewTokens = args.maxNewTokens      ? *args.maxNewTokens
                         : config->maxNewTokens ? *config->maxNewTokens
                                                : kDefaultMaxNewTokens;
  return options;
}

/// Unless the user chose a count, no more new tokens than fit after the
/// longest prompt in `limit` positions.
void fitNewTokens(GenerateOptions &options, const RunArguments &args,
                  int64_t longestPrompt, int64_t limit) {
  if (!args.maxNewTokens)
    options.maxNewTokens = std::max<int64_t>(
        0, std::min(options.maxNewTokens, limit - longestPrompt));
}

bool isStop(const GenerateOptions &options, int64_t token) {
  return std::find(options.stopTokenIds.begin(), options.stopTokenIds.end(),
                   token) != options.stopTokenIds.end();
}

/// New tokens without the stop id that ended them, if one did.
std::vector<int64_t> withoutStop(const GenerateOptions &options,
                                 std::vector<int64_t> tokens) {
  if (!tokens.empty() && isStop(options, tokens.back()))
    tokens.pop_back();
  return tokens;
}

const char *finishReason(const GenerateOptions &options,
                         const std::vector<int64_t> &tokens) {
  return !tokens.empty() && isStop(options, tokens.back()) ? "stop" : "length";
}

void printText(const std::string &text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

double perSecond(int64_t tokens, double seconds) {
  return seconds > 0 ? double(tokens) / seconds : 0.0;
}

void printThroughput(const GenerationTiming &timing) {
  std::fprintf(
      stderr,
      "prefill: %lld tokens in %.2f ms (%.1f tok/s); "
      "decode: %lld tokens in %.2f ms (%.1f tok/s)\n",
      static_cast<long long>(timing.prefillTokens), timing.prefillSeconds * 1e3,
      perSecond(timing.prefillTokens, timing.prefillSeconds),
      static_cast<long long>(timing.decodeTokens), timing.decodeSeconds * 1e3,
      perSecond(timing.decodeTokens, timing.decodeSeconds));
}

OrderedJson timingJson(const GenerationTiming &timing) {
  auto phase = [](int64_t tokens, double seconds) {
    return OrderedJson{{"tokens", tokens},
                       {"seconds", seconds},
                       {"tokens_per_second", perSecond(tokens, seconds)}};
  };
  OrderedJson prefill = phase(timing.prefillTokens, timing.prefillSeconds);
  prefill["calls"] = timing.prefillCalls;
  return {{"prefill", prefill},
          {"decode", phase(timing.decodeTokens, timing.decodeSeconds)}};
}

/// What a run held: the weights as the model reads them (the checkpoint's
/// tensors, or the copies a dtype conversion made of them; for a GPU
/// model, those left in pinned host memory), the KV cache that holds
/// positions (windows and allotted pages; device memory for a GPU model,
/// but for the pools left in host memory), and the process's peak
/// resident set, which counts the pages of a mapped checkpoint that were
/// read.
struct MemoryUse {
  uint64_t weights, converted, weightsInHost, kvCache, kvCacheInHost;
  std::optional<uint64_t> peakResident;
};

MemoryUse memoryUse(const LoadedModel &loaded, uint64_t kvCacheBytes,
                    uint64_t kvCacheInHostBytes) {
  const GpuDevice *gpu = loaded.model.gpu();
  return {loaded.model.manifest().weightBytes(),
          loaded.weights.copiedBytes(),
          gpu ? gpu->weightPlacement().hostBytes : 0,
          kvCacheBytes,
          kvCacheInHostBytes,
          peakResidentBytes()};
}

void printMemory(const MemoryUse &memory) {
  auto mib = [](uint64_t bytes) { return double(bytes) / double(1 << 20); };
  std::fprintf(stderr,
               "memory: weights %.1f MiB (%.1f MiB of them converted copies",
               mib(memory.weights), mib(memory.converted));
  if (memory.weightsInHost)
    std::fprintf(stderr, ", %.1f MiB in host memory the GPU reads",
                 mib(memory.weightsInHost));
  std::fprintf(stderr, "), KV cache %.1f MiB", mib(memory.kvCache));
  if (memory.kvCacheInHost)
    std::fprintf(stderr, " (pools of %.1f MiB in host memory)",
                 mib(memory.kvCacheInHost));
  if (memory.peakResident)
    std::fprintf(stderr, ", peak resident set %.1f MiB",
                 mib(*memory.peakResident));
  std::fprintf(stderr, "\n");
}

OrderedJson memoryJson(const MemoryUse &memory) {
  OrderedJson json = {{"weight_bytes", memory.weights},
                      {"converted_weight_bytes", memory.converted},
                      {"host_weight_bytes", memory.weightsInHost},
                      {"kv_cache_bytes", memory.kvCache},
                      {"host_kv_cache_bytes", memory.kvCacheInHost}};
  json["peak_resident_bytes"] =
      memory.peakResident ? OrderedJson(*memory.peakResident) : OrderedJson();
  return json;
}

/// The end of a batch: the result document (--json), the throughput and
/// the memory held.
void finishBatch(const RunArguments &args, const OrderedJson &rows,
                 const GenerationTiming &timing, const MemoryUse &memory) {
  if (args.json)
    printText(OrderedJson{{"rows", rows},
                          {"timing", timingJson(timing)},
                          {"memory", memoryJson(memory)}}
                  .dump() +
              "\n");
  printThroughput(timing);
  printMemory(memory);
}

Expected<Tokenizer> openTokenizer(const RunArguments &args) {
  return Tokenizer::open(args.weights + "/tokenizer.json");
}

/// The image reader of the model and checkpoint, for --image files.
Expected<ImageReader> openImageReader(const RunArguments &args,
                                      const LoadedModel &loaded,
                                      const Tokenizer &tokenizer) {
  ImageLimits limits;
  if (args.maxImagePixels)
    limits.maxPixels = *args.maxImagePixels;
  return ImageReader::open(loaded.model.manifest(), args.model, args.weights,
                           tokenizer, args.weights + "/tokenizer.json", limits);
}

/// The prompts with the --image files attached (unchanged, with no images,
/// when there are none).
Expected<PromptsWithImages>
withImages(const RunArguments &args, const LoadedModel &loaded,
           const Tokenizer &tokenizer,
           const std::vector<std::vector<int64_t>> &prompts) {
  if (args.images.empty())
    return PromptsWithImages{prompts, {}, 0, 0};
  Expected<ImageReader> reader = openImageReader(args, loaded, tokenizer);
  if (!reader)
    return reader.error();
  Expected<PromptsWithImages> attached =
      attachImages(*reader, prompts, args.images);
  if (attached)
    std::fprintf(stderr, "images: %zu (%lld tiles) decoded and processed in "
                         "%.2f ms\n",
                 args.images.size(), static_cast<long long>(attached->tiles),
                 attached->seconds * 1e3);
  return attached;
}

int64_t longestOf(const std::vector<std::vector<int64_t>> &prompts) {
  int64_t longest = 0;
  for (const std::vector<int64_t> &prompt : prompts)
    longest = std::max(longest, int64_t(prompt.size()));
  return longest;
}

// --- --prompt-ids ---------------------------------------------------------

Expected<void> runIds(const RunArguments &args, const LoadedModel &loaded,
                      GenerateOptions options) {
  const Manifest &manifest = loaded.model.manifest();
  Expected<PromptsWithImages> input =
      PromptsWithImages{args.promptIds, {}, 0, 0};
  if (!args.images.empty()) {
    Expected<Tokenizer> tokenizer = openTokenizer(args);
    if (!tokenizer)
      return tokenizer.error();
    input = withImages(args, loaded, *tokenizer, args.promptIds);
    if (!input)
      return input.error();
  }
  fitNewTokens(options, args, longestOf(input->prompts),
               manifest.maxPositionEmbeddings);
  options.keepLogits = !args.dumpLogits.empty();
  Expected<Generation> generation = generate(
      loaded.model, loaded.weights, input->prompts, options, input->images);
  if (!generation)
    return generation.error();
  if (!args.dumpLogits.empty())
    if (Expected<void> written =
            writeLogitsDump(args.dumpLogits, *generation, manifest.vocabSize);
        !written)
      return written;

  OrderedJson rows = OrderedJson::array();
  for (size_t row = 0; row < generation->tokens.size(); ++row) {
    const std::vector<int64_t> &tokens = generation->tokens[row];
    if (args.json) {
      rows.push_back({{"tokens", tokens},
                      {"finish_reason", finishReason(options, tokens)}});
      continue;
    }
    std::printf("row %zu:", row);
    for (int64_t token : tokens)
      std::printf(" %lld", static_cast<long long>(token));
    std::printf("\n");
  }
  finishBatch(args, rows, generation->timing,
              memoryUse(loaded, generation->kvCacheBytes,
                        generation->kvCacheInHostBytes));
  return {};
}

// --- --prompt -------------------------------------------------------------

Expected<void> runText(const RunArguments &args, const LoadedModel &loaded,
                       GenerateOptions options) {
  Expected<Tokenizer> tokenizer = openTokenizer(args);
  if (!tokenizer)
    return tokenizer.error();
  std::vector<std::vector<int64_t>> texts;
  for (const std::string &text : args.promptTexts) {
    Expected<std::vector<int64_t>> ids = tokenizer->encode(text);
    if (!ids)
      return Error("--prompt: " + ids.error().message());
    texts.push_back(std::move(*ids));
  }
  Expected<PromptsWithImages> input =
      withImages(args, loaded, *tokenizer, texts);
  if (!input)
    return input.error();
  const std::vector<std::vector<int64_t>> &prompts = input->prompts;
  fitNewTokens(options, args, longestOf(prompts),
               loaded.model.manifest().maxPositionEmbeddings);

  // One prompt streams: the prompt, then each piece of text as it comes.
  bool stream = prompts.size() == 1 && !args.json;
  TextStream text(*tokenizer, /*skipSpecialTokens=*/false);
  if (stream) {
    printText(args.promptTexts[0]);
    options.onToken = [&](size_t, int64_t token) -> Expected<void> {
      if (isStop(options, token))
        return {};
      Expected<std::string> piece = text.push(token);
      if (!piece)
        return piece.error();
      printText(*piece);
      return {};
    };
  }
  Expected<Generation> generation = generate(
      loaded.model, loaded.weights, prompts, options, input->images);
  if (stream)
    printText(text.finish() + "\n");
  if (!generation)
    return generation.error();

  OrderedJson rows = OrderedJson::array();
  for (size_t row = 0; row < prompts.size() && !stream; ++row) {
    const std::vector<int64_t> &tokens = generation->tokens[row];
    Expected<std::string> completion =
        tokenizer->decode(withoutStop(options, tokens));
    if (!completion)
      return completion.error();
    if (args.json) {
      rows.push_back({{"prompt", args.promptTexts[row]},
                      {"prompt_tokens", prompts[row].size()},
                      {"text", *completion},
                      {"tokens", tokens},
                      {"finish_reason", finishReason(options, tokens)}});
    } else {
      std::printf("[row %zu]\n%s%s\n", row, args.promptTexts[row].c_str(),
                  completion->c_str());
    }
  }
  finishBatch(args, rows, generation->timing,
              memoryUse(loaded, generation->kvCacheBytes,
                        generation->kvCacheInHostBytes));
  return {};
}

// --- --chat ---------------------------------------------------------------

/// The conversation as the template renders it, tokenised.
Expected<std::vector<int64_t>> conversationIds(const ChatTemplate &chat,
                                               const Tokenizer &tokenizer,
                                               const OrderedJson &messages) {
  Expected<std::string> prompt = chat.render(messages, true);
  if (!prompt)
    return prompt.error();
  // The template writes BOS and the other special tokens itself.
  return tokenizer.encode(*prompt, /*addSpecialTokens=*/false);
}

Expected<void> runChat(const RunArguments &args, const LoadedModel &loaded,
                       GenerateOptions options) {
  Expected<Tokenizer> tokenizer = openTokenizer(args);
  if (!tokenizer)
    return tokenizer.error();
  Expected<ChatTemplate> chat = ChatTemplate::open(args.weights);
  if (!chat)
    return chat.error();

  bool interactive = ::isatty(STDIN_FILENO);
  std::unique_ptr<TextStream> text;
  options.onToken = [&](size_t, int64_t token) -> Expected<void> {
    if (args.json || isStop(options, token))
      return {};
    Expected<std::string> piece = text->push(token);
    if (!piece)
      return piece.error();
    printText(*piece);
    return {};
  };
  int64_t context =
      args.context ? *args.context
                   : std::min(kDefaultChatContext,
                              loaded.model.manifest().maxPositionEmbeddings);
  Expected<std::unique_ptr<ChatSession>> session =
      ChatSession::create(loaded.model, loaded.weights, context, options);
  if (!session)
    return session.error();

  OrderedJson start = OrderedJson::array();
  if (args.system)
    start.push_back({{"role", "system"}, {"content", *args.system}});
  OrderedJson messages = start;
  // Images go with the next user message: the --image files, then those of
  // each /image line. The conversation's images, in order, fill its
  // <|image|> placeholders.
  std::optional<ImageReader> images;
  std::vector<std::string> pending = args.images;
  std::vector<ProcessedImage> shown;
  RowImages shownTiles; // theirs, laid out for the model
  auto forgetImagesFrom = [&](size_t count) {
    shown.resize(count);
    shownTiles = shown.empty() ? RowImages() : images->tiles(shown);
  };
  int failedTurns = 0;
  auto failTurn = [&](const Error &error) {
    ++failedTurns;
    std::fprintf(stderr, "llama4-run: error: %s\n", error.message().c_str());
  };
  std::string line;
  while (true) {
    if (interactive)
      printText("> ");
    if (!std::getline(std::cin, line) || line == "/exit")
      break;
    if (line == "/reset") {
      messages = start;
      shown.clear();
      shownTiles = RowImages();
      pending.clear();
      (*session)->reset();
      std::fprintf(stderr, "(conversation cleared)\n");
      continue;
    }
    if (line.rfind("/image ", 0) == 0) {
      pending.push_back(line.substr(7));
      std::fprintf(stderr, "(%s goes with your next message)\n",
                   pending.back().c_str());
      continue;
    }
    if (line.empty())
      continue;

    size_t shownBefore = shown.size();
    OrderedJson content = line;
    if (!pending.empty()) {
      if (!images) {
        Expected<ImageReader> reader =
            openImageReader(args, loaded, *tokenizer);
        if (!reader)
          return reader.error();
        images.emplace(std::move(*reader));
      }
      content = OrderedJson::array();
      Expected<void> read;
      for (const std::string &path : pending) {
        Expected<ProcessedImage> image = images->read(path);
        if (!image) {
          read = image.error();
          break;
        }
        images->appendTiles(*image, shownTiles);
        shown.push_back(std::move(*image));
        content.push_back({{"type", "image"}});
      }
      pending.clear();
      if (!read) {
        forgetImagesFrom(shownBefore);
        failTurn(read.error());
        continue;
      }
      content.push_back({{"type", "text"}, {"text", line}});
    }
    messages.push_back({{"role", "user"}, {"content", content}});
    Expected<std::vector<int64_t>> ids =
        conversationIds(*chat, *tokenizer, messages);
    if (ids && !shown.empty())
      ids = images->expand(*ids, shown);
    Expected<std::vector<int64_t>> reply = ids; // or why there are none
    int64_t computedBefore = (*session)->timing().prefillTokens;
    if (ids) {
      int64_t maxNew = options.maxNewTokens;
      if (!args.maxNewTokens) // as many as fit
        maxNew = std::min(maxNew, context - int64_t(ids->size()));
      text = std::make_unique<TextStream>(*tokenizer, false);
      reply = (*session)->reply(*ids, maxNew, shownTiles);
      if (!args.json)
        printText(text->finish() + "\n");
    }
    Expected<std::string> answer =
        reply ? tokenizer->decode(withoutStop(options, *reply))
              : Expected<std::string>(reply.error());
    if (!answer) {
      // The turn is forgotten, its images too; /reset frees a full context.
      messages.erase(messages.size() - 1);
      forgetImagesFrom(shownBefore);
      failTurn(answer.error());
      continue;
    }
    messages.push_back({{"role", "assistant"}, {"content", *answer}});
    if (args.json) {
      int64_t computed = (*session)->timing().prefillTokens - computedBefore;
      OrderedJson turn = {
          {"role", "assistant"},
          {"content", *answer},
          {"tokens", *reply},
          {"finish_reason", finishReason(options, *reply)},
          {"conversation_tokens", ids->size()},
          {"cached_tokens", int64_t(ids->size()) - computed},
          {"memory", memoryJson(memoryUse(loaded, (*session)->kvCacheBytes(),
                                          (*session)->kvCacheInHostBytes()))}};
      printText(turn.dump() + "\n");
    }
  }
  printThroughput((*session)->timing());
  printMemory(memoryUse(loaded, (*session)->kvCacheBytes(),
                        (*session)->kvCacheInHostBytes()));
  if (failedTurns)
    return Error(std::to_string(failedTurns) + " chat turn" +
                 (failedTurns == 1 ? "" : "s") + " failed");
  return {};
}

/// A progress bar on stderr while a checkpoint of at least 256 MiB is
/// read in, drawn only when stderr is a terminal.
class LoadingBar {
public:
  explicit LoadingBar(std::string directory)
      : directory(std::move(directory)) {}

  void operator()(uint64_t done, uint64_t total) {
    constexpr uint64_t kMinBytes = uint64_t(256) << 20;
    constexpr int kWidth = 30;
    if (total < kMinBytes)
      return;
    int percent = int(done * 100 / total);
    if (percent == shown)
      return;
    shown = percent;
    int filled = percent * kWidth / 100;
    double gib = double(uint64_t(1) << 30);
    std::fprintf(stderr, "\rloading %s [%s%s] %3d%% of %.1f GiB",
                 directory.c_str(), std::string(size_t(filled), '#').c_str(),
                 std::string(size_t(kWidth - filled), ' ').c_str(), percent,
                 double(total) / gib);
    if (done == total) {
      double seconds =
          std::chrono::duration<double>(Clock::now() - start).count();
      std::fprintf(stderr, " in %.1f s (%.1f GiB/s)\n", seconds,
                   double(total) / gib / std::max(seconds, 1e-9));
    }
  }

private:
  using Clock = std::chrono::steady_clock;
  std::string directory;
  Clock::time_point start = Clock::now();
  int shown = -1;
};

/// Gives a GPU model the budget of --device-memory; a host model has none
/// to give (its weights are mapped, the operating system pages them).
Expected<void> applyDeviceMemory(const DeviceMemory &memory,
                                 const Model &model) {
  GpuDevice *gpu = model.gpu();
  if (!gpu)
    return Error("--device-memory: " + model.path() + " runs on the host (" +
                 model.manifest().target +
                 (model.manifest().emulated ? ", emulated" : "") +
                 "); only a GPU model has device memory to budget");
  uint64_t bytes = memory.bytes
                       ? memory.bytes
                       : uint64_t(memory.share * double(gpu->totalMemory()));
  if (Expected<void> set = gpu->setMemoryBudget(bytes); !set)
    return Error("--device-memory: " + set.error().message());
  return {};
}

int fail(const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "llama4-run: error: %s\n",
               printableLine(message).c_str());
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  Expected<RunArguments> args = parseRunArguments(argc, argv);
  if (!args)
    return fail(args.error().message());
  if (args->help) {
    std::fputs(kRunUsage, stdout);
    return 0;
  }
  // Read by the OpenMP runtime when the model loads it, below.
  if (!args->threads.empty())
    ::setenv("OMP_NUM_THREADS", args->threads.c_str(), /*overwrite=*/1);
  if (Expected<void> threads = checkThreadsEnvironment(); !threads)
    return fail(threads.error().message());
  // Outputs are checked before the checkpoint is read, not after the run.
  if (!args->dumpLogits.empty())
    if (Expected<OutputFile> dump = OutputFile::check(args->dumpLogits); !dump)
      return fail(dump.error().message());
  reportFileSizeLimitAsAnError();
  try {
    SafetensorsOptions reading;
    reading.memory = args->load;
    if (args->maxHeaderBytes)
      reading.maxHeaderBytes = *args->maxHeaderBytes;
    if (::isatty(STDERR_FILENO))
      reading.progress = LoadingBar(args->weights);
    Expected<std::unique_ptr<LoadedModel>> loaded =
        LoadedModel::open(args->model, args->weights, reading);
    if (!loaded)
      return fail(loaded.error().message());
    if (args->deviceMemory)
      if (Expected<void> budget =
              applyDeviceMemory(*args->deviceMemory, (*loaded)->model);
          !budget)
        return fail(budget.error().message());
    Expected<GenerateOptions> options =
        resolveOptions(*args, (*loaded)->model.manifest());
    if (!options)
      return fail(options.error().message());
    Expected<void> done = Error("unreachable");
    switch (args->mode) {
    case RunArguments::Mode::Ids:
      done = runIds(*args, **loaded, *options);
      break;
    case RunArguments::Mode::Text:
      done = runText(*args, **loaded, *options);
      break;
    case RunArguments::Mode::Chat:
      done = runChat(*args, **loaded, *options);
      break;
    }
    if (!done)
      return fail(done.error().message());
  } catch (const std::bad_alloc &) {
    return fail("out of memory");
  }
  if (Expected<void> flushed = flushStandardOutput(); !flushed)
    return fail(flushed.error().message());
  return 0;
}
