// Greedy generation with llama.cpp's C API from given token ids, timed as
// llama4-run times it: prefill is the prompt's one decode call and its
// first token, decode the steps of the tokens after it. It prints one JSON
// line with the rates and the ids, for bench/cpu_vs_llamacpp.py to compare
// with llama4-run's. Built by that script against the llama.cpp it builds;
// not part of llama4c's build.
//
//   llamacpp_greedy MODEL.gguf THREADS NEW_TOKENS FLASH_ATTN(0|1) KV(f32|bf16)
//                   ID,ID,...
//
// The KV cache holds the model's precision, as llama4c's does (llama.cpp's
// default is f16).

#include "llama.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<llama_token> parseIds(const std::string &text) {
  std::vector<llama_token> ids;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');)
    ids.push_back(static_cast<llama_token>(std::stol(item)));
  return ids;
}

llama_token argmax(const float *logits, int32_t count) {
  int32_t best = 0;
  for (int32_t i = 1; i < count; ++i)
    if (logits[i] > logits[best])
      best = i;
  return best;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 8) {
    std::fprintf(stderr,
                 "usage: %s MODEL.gguf THREADS NEW_TOKENS FLASH_ATTN(0|1) "
                 "KV(f32|bf16) LOAD(mmap|read) ID,ID,...\n",
                 argv[0]);
    return 2;
  }
  int threads = std::atoi(argv[2]);
  int newTokens = std::atoi(argv[3]);
  bool flashAttention = std::atoi(argv[4]) != 0;
  std::string cache = argv[5];
  std::string load = argv[6];
  std::vector<llama_token> prompt = parseIds(argv[7]);
  if (threads < 1 || newTokens < 1 || prompt.empty() ||
      (cache != "f32" && cache != "bf16") ||
      (load != "mmap" && load != "read")) {
    std::fprintf(stderr, "%s: bad arguments\n", argv[0]);
    return 2;
  }

  llama_backend_init();
  llama_model_params modelParams = llama_model_default_params();
  modelParams.n_gpu_layers = 0;
  // mmap (llama.cpp's default) leaves the weights in the page cache; read
  // (its --no-mmap) copies them into its own buffers.
  modelParams.load_mode =
      load == "mmap" ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
  llama_model *model = llama_model_load_from_file(argv[1], modelParams);
  if (!model) {
    std::fprintf(stderr, "%s: cannot load %s\n", argv[0], argv[1]);
    return 1;
  }
  llama_context_params contextParams = llama_context_default_params();
  contextParams.n_ctx = static_cast<uint32_t>(prompt.size() + newTokens);
  contextParams.n_batch = static_cast<uint32_t>(prompt.size());
  contextParams.n_ubatch = static_cast<uint32_t>(prompt.size());
  contextParams.n_threads = threads;
  contextParams.n_threads_batch = threads;
  contextParams.flash_attn_type = flashAttention
                                      ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                                      : LLAMA_FLASH_ATTN_TYPE_DISABLED;
  contextParams.type_k = contextParams.type_v =
      cache == "f32" ? GGML_TYPE_F32 : GGML_TYPE_BF16;
  llama_context *context = llama_init_from_model(model, contextParams);
  if (!context) {
    std::fprintf(stderr, "%s: cannot create a context\n", argv[0]);
    return 1;
  }
  int32_t vocabulary = llama_vocab_n_tokens(llama_model_get_vocab(model));

  std::vector<llama_token> generated;
  Clock::time_point start = Clock::now();
  if (llama_decode(context, llama_batch_get_one(prompt.data(),
                                                int32_t(prompt.size())))) {
    std::fprintf(stderr, "%s: prefill failed\n", argv[0]);
    return 1;
  }
  generated.push_back(argmax(llama_get_logits_ith(context, -1), vocabulary));
  double prefillSeconds = secondsSince(start);

  start = Clock::now();
  while (int(generated.size()) < newTokens) {
    llama_token last = generated.back();
    if (llama_decode(context, llama_batch_get_one(&last, 1))) {
      std::fprintf(stderr, "%s: decode failed\n", argv[0]);
      return 1;
    }
    generated.push_back(argmax(llama_get_logits_ith(context, -1), vocabulary));
  }
  double decodeSeconds = secondsSince(start);

  std::printf("{\"prefill_tok_s\": %.3f, \"decode_tok_s\": %.3f, \"ids\": [",
              prompt.size() / prefillSeconds,
              (generated.size() - 1) / decodeSeconds);
  for (size_t i = 0; i < generated.size(); ++i)
    std::printf("%s%d", i ? ", " : "", generated[i]);
  std::printf("]}\n");
  llama_free(context);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
