//===- GenerationRun.cpp - One generation in progress --------------------===//
//
// Sizes used below: B rows, S prompt tokens (per call), V vocab_size.
// Every buffer handed to the model is allocated for exactly one call shape
// and laid out as abi.h says: tokens and positions [B, S] int32, logits
// [B, R, V] f32 for the R tokens of each row that get logits (the last, or
// all S when the logits are kept).
//
//===----------------------------------------------------------------------===//

#include "runtime/generate/GenerationRun.h"

#include <algorithm>

namespace llama4c::runtime {

Expected<void> validatePrompts(const Manifest &manifest,
                               const std::vector<std::vector<int64_t>> &prompts,
                               const GenerateOptions &options) {
  if (prompts.empty())
    return Error("generate: no prompts");
  if (options.maxNewTokens < 0)
    return Error("generate: max_new_tokens must not be negative, got " +
                 std::to_string(options.maxNewTokens));
  if (options.prefillChunk < 0)
    return Error("generate: prefill_chunk must not be negative, got " +
                 std::to_string(options.prefillChunk));
  if (options.maxPromptTokens < 0)
    return Error("generate: max_prompt_tokens must not be negative, got " +
                 std::to_string(options.maxPromptTokens));
  int64_t maxPositions = manifest.maxPositionEmbeddings;
  for (size_t row = 0; row < prompts.size(); ++row) {
    std::string where = "prompt row " + std::to_string(row);
    const std::vector<int64_t> &prompt = prompts[row];
    if (prompt.empty())
      return Error(where + ": empty");
    for (size_t position = 0; position < prompt.size(); ++position)
      if (prompt[position] < 0 || prompt[position] >= manifest.vocabSize)
        return Error(where + ", position " + std::to_string(position) +
                     ": token id " + std::to_string(prompt[position]) +
                     " is out of range: vocab_size is " +
                     std::to_string(manifest.vocabSize));
    int64_t length = int64_t(prompt.size());
    if (options.maxPromptTokens > 0 && length > options.maxPromptTokens)
      return Error(where + ": " + std::to_string(length) +
                   " tokens, over the limit of " +
                   std::to_string(options.maxPromptTokens) + " prompt tokens");
    if (length > maxPositions || options.maxNewTokens > maxPositions - length)
      return Error(where + ": " + std::to_string(length) + " prompt tokens + " +
                   std::to_string(options.maxNewTokens) +
                   " new tokens exceed max_position_embeddings " +
                   std::to_string(maxPositions));
  }
  return {};
}

Expected<void> validateImages(const Manifest &manifest,
                              const std::vector<std::vector<int64_t>> &prompts,
                              const std::vector<RowImages> &images) {
  if (images.empty())
    return {};
  if (images.size() != prompts.size())
    return Error("generate: images for " + std::to_string(images.size()) +
                 " rows, but " + std::to_string(prompts.size()) + " prompts");
  for (size_t row = 0; row < prompts.size(); ++row) {
    const RowImages &tiles = images[row];
    if (tiles.tiles == 0 && tiles.pixels.empty())
      continue;
    std::string where = "prompt row " + std::to_string(row);
    if (!manifest.vision)
      return Error(where + ": images given, but the model is text-only");
    const ManifestVision &vision = *manifest.vision;
    uint64_t tileBytes = uint64_t(vision.numChannels) * vision.imageSize *
                         vision.imageSize * dtypeSize(manifest.dtype);
    if (tiles.tiles < 0 || tiles.pixels.size() / tileBytes != uint64_t(tiles.tiles) ||
        tiles.pixels.size() % tileBytes != 0)
      return Error(where + ": pixel values of " +
                   std::to_string(tiles.pixels.size()) + " bytes are not " +
                   std::to_string(tiles.tiles) + " tiles of " +
                   std::to_string(tileBytes) + " bytes");
    int64_t patches =
        std::count(prompts[row].begin(), prompts[row].end(),
                   manifest.imageTokenIndex.value_or(-1));
    if (patches != tiles.tiles * vision.tokensPerTile)
      return Error(where + ": " + std::to_string(patches) +
                   " <|patch|> tokens, but " + std::to_string(tiles.tiles) +
                   " image tiles fill " +
                   std::to_string(tiles.tiles * vision.tokensPerTile));
  }
  return {};
}

namespace {

/// A zeroed f32 [B, R, V] logits buffer: R tokens' logits a row.
Expected<HostBuffer> allocateLogits(int64_t batch, int64_t rows,
                                    int64_t vocab) {
  uint64_t bytes;
  bool overflow =
      __builtin_mul_overflow(uint64_t(batch), uint64_t(rows), &bytes) ||
      __builtin_mul_overflow(bytes, uint64_t(vocab) * sizeof(float), &bytes);
  HostBuffer logits = overflow ? HostBuffer() : HostBuffer::zeroed(bytes);
  if (!logits)
    return Error(
        "logits: batch " + std::to_string(batch) + ", " + std::to_string(rows) +
        " tokens a row: cannot allocate " +
        (overflow ? std::string("more than 2^64 bytes") : formatSize(bytes)));
  return logits;
}

} // namespace

GenerationRun::GenerationRun(const Model &model, const BoundWeights &weights,
                             KvCache cache, Sampler sampler,
                             const GenerateOptions &options, size_t batch)
    : model(model), weights(weights), cache(std::move(cache)),
      sampler(std::move(sampler)), options(options), stopped(batch) {
  result.tokens.resize(batch);
  if (options.keepLogits) {
    result.prefillLogits.resize(batch);
    result.decodeLogits.resize(batch);
  }
}

Expected<void>
GenerationRun::prefill(const std::vector<std::vector<int64_t>> &prompts,
                       size_t first, size_t count, int64_t start,
                       const std::vector<RowImages> &images) {
  int64_t seq = int64_t(prompts[first].size());
  for (int64_t from = 0; from < seq;) {
    int64_t to = pieceEnd(prompts, first, count, from);
    if (Expected<void> done = prefillPiece(prompts, first, count, start,
                                           {from, to, to == seq}, images);
        !done)
      return done;
    from = to;
  }
  return {};
}

int64_t
GenerationRun::pieceEnd(const std::vector<std::vector<int64_t>> &prompts,
                        size_t first, size_t count, int64_t from) const {
  int64_t seq = int64_t(prompts[first].size());
  const Manifest &manifest = model.manifest();
  int64_t chunk = options.prefillChunkFor(manifest);
  int64_t to = seq - from <= chunk ? seq : from + chunk;
  if (!manifest.vision || !manifest.imageTokenIndex)
    return to;
  int64_t patch = *manifest.imageTokenIndex;
  int64_t perTile = manifest.vision->tokensPerTile;
  // Moving past one row's tile may cut into another row's: until none.
  // Pieces start between tiles, so the patches from `from` on tell.
  for (bool moved = true; moved;) {
    moved = false;
    for (size_t row = first; row < first + count; ++row) {
      const std::vector<int64_t> &prompt = prompts[row];
      int64_t into =
          std::count(prompt.begin() + from, prompt.begin() + to, patch) %
          perTile;
      for (; into != 0 && to < seq; ++to, moved = true)
        into = (into + (prompt[to] == patch)) % perTile;
    }
  }
  return to;
}

Expected<void>
GenerationRun::prefillPiece(const std::vector<std::vector<int64_t>> &prompts,
                            size_t first, size_t count, int64_t start,
                            const PrefillPiece &piece,
                            const std::vector<RowImages> &images) {
  const Manifest &manifest = model.manifest();
  int64_t seq = piece.to - piece.from;
  int64_t vocab = manifest.vocabSize;
  std::vector<int32_t> tokens, positions; // [count, S]
  for (size_t row = first; row < first + count; ++row)
    for (int64_t s = piece.from; s < piece.to; ++s) {
      tokens.push_back(int32_t(prompts[row][s]));
      positions.push_back(int32_t(start + s));
    }
  // Every token's logits when they are kept, else the last's alone, and
  // that only from the last piece: the others return nothing.
  bool returns = options.keepLogits || piece.last;
  int64_t logitRows = options.keepLogits ? seq : 1;
  std::vector<int32_t> logitsAt; // [count, logitRows]
  for (size_t row = 0; row < count; ++row)
    for (int64_t s = seq - logitRows; s < seq; ++s)
      logitsAt.push_back(int32_t(s));
  std::vector<int32_t> nextTokens; // [count, logitRows]
  Expected<HostBuffer> logits = HostBuffer();
  if (returns && greedyOnModel())
    nextTokens.resize(count * size_t(logitRows));
  else if (returns)
    logits = allocateLogits(int64_t(count), logitRows, vocab);
  if (!logits)
    return logits.error();
  // The tiles of these rows whose patches the piece holds, in row order:
  // the model fills `<|patch|>` tokens walking (row, position) in the same
  // order. Pieces end between tiles (pieceEnd).
  std::vector<uint8_t> pixels;
  int64_t tiles = 0;
  for (size_t row = first; row < first + count && !images.empty(); ++row) {
    if (images[row].tiles == 0)
      continue;
    const std::vector<int64_t> &prompt = prompts[row];
    int64_t patch = manifest.imageTokenIndex.value_or(-1);
    int64_t perTile = manifest.vision->tokensPerTile;
    int64_t before =
        std::count(prompt.begin(), prompt.begin() + piece.from, patch) /
        perTile;
    int64_t held = std::count(prompt.begin() + piece.from,
                              prompt.begin() + piece.to, patch) /
                   perTile;
    size_t tileBytes = images[row].pixels.size() / size_t(images[row].tiles);
    pixels.insert(pixels.end(), images[row].pixels.begin() + before * tileBytes,
                  images[row].pixels.begin() + (before + held) * tileBytes);
    tiles += held;
  }
  if (Expected<void> reserved =
          cache.reserve(int64_t(first), int64_t(count), start + piece.to);
      !reserved)
    return reserved;
  KvCacheView kvCache = cache.rowsFrom(int64_t(first));
  llama4c_call call = makeCall(tokens, positions, int64_t(count), seq, kvCache,
                               *logits, &pixels, tiles);
  call.logits_at = logitsAt.data();
  call.logits_per_row = logitRows;
  call.next_tokens = nextTokens.empty() ? nullptr : nextTokens.data();
  Clock::time_point begin = Clock::now();
  Expected<void> ran = model.prefill(call);
  result.timing.prefillSeconds += secondsSince(begin);
  if (!ran)
    return ran;
  result.timing.prefillTokens += int64_t(count) * seq;
  ++result.timing.prefillCalls;
  if (!returns)
    return {};

  const float *all = static_cast<const float *>(logits->data());
  for (size_t row = first; row < first + count; ++row) {
    size_t last = (row - first + 1) * size_t(logitRows) - 1; // its last token
    if (options.keepLogits)
      result.prefillLogits[row].insert(result.prefillLogits[row].end(),
                                       all + (last + 1 - seq) * vocab,
                                       all + (last + 1) * vocab);
    if (!piece.last || options.maxNewTokens == 0)
      continue;
    Expected<void> next = greedyOnModel() ? takeGreedy(row, nextTokens[last])
                                          : sampleNext(row, all + last * vocab);
    if (!next)
      return next;
  }
  return {};
}

Expected<void> GenerationRun::decode(const std::vector<int64_t> &lengths) {
  int64_t batch = int64_t(lengths.size());
  int64_t vocab = model.manifest().vocabSize;
  std::vector<int32_t> nextTokens; // [B, 1]
  Expected<HostBuffer> logits = HostBuffer();
  if (greedyOnModel())
    nextTokens.resize(size_t(batch));
  else
    logits = allocateLogits(batch, 1, vocab);
  if (!logits)
    return logits.error();
  const float *all = static_cast<const float *>(logits->data()); // [B, 1, V]
  std::vector<int32_t> tokens(batch), positions(batch);          // [B, 1]
  for (int64_t step = 0; step + 1 < options.maxNewTokens && !allStopped();
       ++step) {
    // Row b feeds its newest token; a stopped row repeats its stop id.
    for (int64_t b = 0; b < batch; ++b) {
      tokens[b] = int32_t(result.tokens[b].back());
      positions[b] = int32_t(lengths[b] + step);
      if (Expected<void> reserved = cache.reserve(b, 1, positions[b] + 1);
          !reserved)
        return reserved;
    }
    KvCacheView kvCache = cache.rowsFrom(0);
    llama4c_call call = makeCall(tokens, positions, batch, 1, kvCache, *logits);
    call.next_tokens = nextTokens.empty() ? nullptr : nextTokens.data();
    Clock::time_point begin = Clock::now();
    Expected<void> ran = model.decode(call);
    result.timing.decodeSeconds += secondsSince(begin);
    if (!ran)
      return ran;
    result.timing.decodeTokens += batch;
    ++result.decodeSteps;

    for (int64_t b = 0; b < batch; ++b) {
      if (greedyOnModel()) {
        if (!stopped[b])
          if (Expected<void> taken = takeGreedy(size_t(b), nextTokens[b]);
              !taken)
            return taken;
        continue;
      }
      const float *rowLogits = all + b * vocab; // [V]
      if (options.keepLogits)
        result.decodeLogits[b].insert(result.decodeLogits[b].end(), rowLogits,
                                      rowLogits + vocab);
      if (!stopped[b])
        if (Expected<void> sampled = sampleNext(size_t(b), rowLogits); !sampled)
          return sampled;
    }
  }
  return {};
}

void GenerationRun::startTurn() {
  for (std::vector<int64_t> &tokens : result.tokens)
    tokens.clear();
  std::fill(stopped.begin(), stopped.end(), false);
  result.decodeSteps = 0;
}

llama4c_call GenerationRun::makeCall(const std::vector<int32_t> &tokens,
                                     const std::vector<int32_t> &positions,
                                     int64_t batch, int64_t seq,
                                     const KvCacheView &kvCache,
                                     const HostBuffer &logits,
                                     const std::vector<uint8_t> *pixels,
                                     int64_t tiles) const {
  llama4c_call call{};
  call.weights = weights.pointers();
  call.tokens = tokens.data();
  call.positions = positions.data();
  call.batch = batch;
  call.seq = seq;
  call.kv_cache = kvCache.buffers.data();
  call.block_table = kvCache.blockTable;
  call.block_table_width = kvCache.tableWidth;
  call.kv_pages = kvCache.pages;
  call.logits_per_row = 1;
  call.logits = static_cast<float *>(logits.data());
  call.pixel_values = tiles > 0 ? pixels->data() : nullptr;
  call.tiles = tiles;
  return call;
}

bool GenerationRun::greedyOnModel() const {
  return options.sampling.temperature == 0 && !options.keepLogits;
}

Expected<void> GenerationRun::sampleNext(size_t row, const float *logits) {
  Expected<int64_t> token = sampler.sample(logits, model.manifest().vocabSize);
  if (!token)
    return Error("row " + std::to_string(row) + ", new token " +
                 std::to_string(result.tokens[row].size()) + ": " +
                 token.error().message());
  return append(row, *token);
}

Expected<void> GenerationRun::takeGreedy(size_t row, int32_t token) {
  if (token < 0 || token >= model.manifest().vocabSize)
    return Error("row " + std::to_string(row) + ", new token " +
                 std::to_string(result.tokens[row].size()) +
                 ": greedy token: a logit is NaN or +inf, or every logit is "
                 "-inf (the model returned " +
                 std::to_string(token) + ")");
  return append(row, token);
}

Expected<void> GenerationRun::append(size_t row, int64_t token) {
  result.tokens[row].push_back(token);
  const std::vector<int64_t> &stops = options.stopTokenIds;
  stopped[row] = std::find(stops.begin(), stops.end(), token) != stops.end();
  if (options.onToken)
    return options.onToken(row, token);
  return {};
}

bool GenerationRun::allStopped() const {
  return std::all_of(stopped.begin(), stopped.end(),
                     [](bool stop) { return stop; });
}

double GenerationRun::secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace llama4c::runtime
