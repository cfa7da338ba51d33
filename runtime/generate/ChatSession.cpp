//===- ChatSession.cpp - Multi-turn generation over one KV cache ---------===//

#include "runtime/generate/ChatSession.h"

#include <algorithm>

namespace llama4c::runtime {

Expected<std::unique_ptr<ChatSession>>
ChatSession::create(const Model &model, const BoundWeights &weights,
                    int64_t context, const GenerateOptions &options) {
  const Manifest &manifest = model.manifest();
  if (context <= 0 || context > manifest.maxPositionEmbeddings)
    return Error("chat: context must be from 1 to max_position_embeddings " +
                 std::to_string(manifest.maxPositionEmbeddings) + ", got " +
                 std::to_string(context));
  Expected<Sampler> sampler = Sampler::create(options.sampling, options.seed);
  if (!sampler)
    return sampler.error();
  Expected<KvCache> cache =
      KvCache::allocate(manifest, 1, context, options.kvCacheLimitBytes,
                        model.gpu());
  if (!cache)
    return cache.error();

  std::unique_ptr<ChatSession> session(new ChatSession(model, options));
  session->options.keepLogits = false;
  session->run =
      std::make_unique<GenerationRun>(model, weights, std::move(*cache),
                                      std::move(*sampler), session->options, 1);
  return session;
}

int64_t ChatSession::resumePosition(int64_t shared) const {
  int64_t fed = int64_t(cached.size());
  int64_t chunk = model.manifest().attentionChunk();
  if (chunk == 0 || shared == 0 || shared % chunk == 0)
    return shared;
  // The window still holds the start of `shared`'s chunk only if nothing
  // of a later chunk has been fed since.
  int64_t chunkStart = shared - shared % chunk;
  return (fed - 1) / chunk == shared / chunk ? shared : chunkStart;
}

int64_t ChatSession::wholeTileStart(const std::vector<int64_t> &conversation,
                                    int64_t start) const {
  const Manifest &manifest = model.manifest();
  if (!manifest.vision || !manifest.imageTokenIndex)
    return start;
  int64_t patch = *manifest.imageTokenIndex;
  int64_t perTile = manifest.vision->tokensPerTile;
  while (true) {
    int64_t into = std::count(conversation.begin(),
                              conversation.begin() + start, patch) %
                   perTile;
    if (into == 0)
      return start;
    // A tile's patches are one run: step back over those already passed.
    for (int64_t seen = 0; seen < into;)
      seen += conversation[--start] == patch;
    start = resumePosition(start);
  }
}

Expected<std::vector<int64_t>>
ChatSession::reply(const std::vector<int64_t> &conversation,
                   int64_t maxNewTokens, const RowImages &images) {
  const Manifest &manifest = model.manifest();
  // Said before anything else checks the numbers: what grew, and what the
  // user can change.
  int64_t length = int64_t(conversation.size());
  std::string larger = "/reset to start over, or run with a larger --context "
                       "(at most max_position_embeddings " +
                       std::to_string(manifest.maxPositionEmbeddings) + ")";
  if (length >= context())
    return Error("chat: the conversation has grown to " +
                 std::to_string(length) + " tokens, and the context of " +
                 std::to_string(context()) +
                 " tokens leaves no room for a reply: " + larger);
  if (maxNewTokens < 1 || maxNewTokens > context() - length)
    return Error("chat: the conversation (" + std::to_string(length) +
                 " tokens) and " +
                 std::to_string(std::max<int64_t>(maxNewTokens, 1)) +
                 " new tokens do not fit in the context of " +
                 std::to_string(context()) + " tokens: ask for at most " +
                 std::to_string(context() - length) +
                 " new tokens (--max-new-tokens), " + larger);
  options.maxNewTokens = maxNewTokens;
  if (Expected<void> valid =
          validatePrompts(manifest, {conversation}, options);
      !valid)
    return valid.error();
  if (Expected<void> valid = validateImages(manifest, {conversation}, {images});
      !valid)
    return valid.error();

  // At least the last token is fed again: its logits start the reply.
  auto mismatch = std::mismatch(cached.begin(), cached.end(),
                                conversation.begin(), conversation.end());
  int64_t shared =
      std::min<int64_t>(mismatch.first - cached.begin(), length - 1);
  int64_t start = wholeTileStart(conversation, resumePosition(shared));

  run->startTurn();
  std::vector<std::vector<int64_t>> rest = {
      std::vector<int64_t>(conversation.begin() + start, conversation.end())};
  // The tiles of the images whose patches are fed again.
  std::vector<RowImages> fedImages;
  if (images.tiles > 0) {
    int64_t patch = manifest.imageTokenIndex.value_or(-1);
    int64_t perTile = manifest.vision->tokensPerTile;
    int64_t skipped = std::count(conversation.begin(),
                                 conversation.begin() + start, patch) /
                      perTile;
    int64_t fed = std::count(rest[0].begin(), rest[0].end(), patch) / perTile;
    size_t tileBytes = images.pixels.size() / size_t(images.tiles);
    fedImages.push_back(RowImages{
        std::vector<uint8_t>(images.pixels.begin() + skipped * tileBytes,
                             images.pixels.begin() +
                                 (skipped + fed) * tileBytes),
        fed});
  }
  Expected<void> done = run->prefill(rest, 0, 1, start, fedImages);
  if (done)
    done = run->decode({length});
  if (!done) {
    // A failed call may have left any slot of its chunk half written.
    cached.clear();
    return done.error();
  }
  // Decode fed every new token but the last.
  const std::vector<int64_t> &tokens = run->generation().tokens[0];
  cached = conversation;
  cached.insert(cached.end(), tokens.begin(),
                tokens.begin() + run->generation().decodeSteps);
  return tokens;
}

} // namespace llama4c::runtime
