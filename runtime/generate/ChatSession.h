//===- ChatSession.h - Multi-turn generation over one KV cache --*- C++ -*-===//
//
// A chat re-renders the whole conversation every turn, but most of it is
// already in the KV cache. reply() takes the token ids of the conversation
// so far, keeps the cached tokens it shares as a prefix, and computes only
// the rest: a new turn costs its own tokens, not the history's.
//
// A chunked-attention layer keeps only the current chunk, so the cache can
// be rolled back to a token of the newest chunk but no further: when the
// shared prefix ends in an older chunk, the tokens from the start of that
// chunk are fed again. The result is the same as a fresh generate() of the
// whole conversation.
//
// Images of a multimodal conversation come as the tiles of all of them, in
// order; a turn hands the model the tiles whose <|patch|> tokens it
// computes, restarting before an image's tile rather than inside it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GENERATE_CHATSESSION_H
#define LLAMA4C_RUNTIME_GENERATE_CHATSESSION_H

#include "runtime/generate/GenerationRun.h"

#include <memory>

namespace llama4c::runtime {

class ChatSession {
public:
  /// A batch-1 session whose cache holds `context` positions; `options`
  /// as for generate(), but keepLogits and maxNewTokens are ignored. Fails
  /// like KvCache::allocate and Sampler::create.
  static Expected<std::unique_ptr<ChatSession>>
  create(const Model &model, const BoundWeights &weights, int64_t context,
         const GenerateOptions &options);

  /// The new tokens that follow `conversation` (ending with a stop id or
  /// after `maxNewTokens`), streamed through options.onToken. Fails like
  /// generate(), and when the conversation plus maxNewTokens does not fit
  /// in the context; the session stays usable either way. `images` holds
  /// the tiles of every image in `conversation` (see validateImages).
  Expected<std::vector<int64_t>> reply(const std::vector<int64_t> &conversation,
                                       int64_t maxNewTokens,
                                       const RowImages &images = {});

  /// Forgets the cached tokens.
  void reset() { cached.clear(); }
  /// The tokens whose keys and values are in the cache.
  const std::vector<int64_t> &cachedTokens() const { return cached; }
  int64_t context() const { return run->kvCache().context(); }
  uint64_t kvCacheBytes() const { return run->kvCache().usedBytes(); }
  uint64_t kvCacheInHostBytes() const { return run->kvCache().hostBytes(); }
  /// Totals over every reply.
  const GenerationTiming &timing() { return run->generation().timing; }

  ChatSession(const ChatSession &) = delete;
  ChatSession &operator=(const ChatSession &) = delete;

private:
  ChatSession(const Model &model, GenerateOptions options)
      : model(model), options(std::move(options)) {}

  /// Where feeding must restart to extend the cache with tokens after the
  /// first `shared` cached ones.
  int64_t resumePosition(int64_t shared) const;
  /// `start` moved back to where feeding may restart without cutting a
  /// tile's run of <|patch|> tokens in `conversation`.
  int64_t wholeTileStart(const std::vector<int64_t> &conversation,
                         int64_t start) const;

  const Model &model;
  GenerateOptions options;
  std::unique_ptr<GenerationRun> run;
  std::vector<int64_t> cached;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GENERATE_CHATSESSION_H
