//===- GeneratorTest.cpp - generate() and ChatSession on FakeModel.c ------===//
//
// FakeModel.c derives every logit from the row's whole history as read back
// from its KV cache, so matching its arithmetic (fakeContinuation below)
// shows that generate() feeds each row the right tokens at the right
// positions and keeps rows apart in the cache: batched, per row with
// prompts of different lengths, with stop ids. Then the checks that refuse
// bad prompts before any model call, and failures from the model, the
// cache limit and the sampler. ChatSession must give what a fresh run of
// the whole conversation gives, whatever part of it the cache still holds.
//
//===----------------------------------------------------------------------===//

#include "runtime/generate/Generator.h"

#include "test/runtime/FakeModels.h"
#include "test/runtime/TestSupport.h"

#include "runtime/generate/ChatSession.h"

#include <algorithm>
#include <cmath>
#include <optional>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

class GeneratorTest : public TempDirTest {
protected:
  void SetUp() override {
    TempDirTest::SetUp();
    Expected<Model> opened = Model::open(fakeModel());
    ASSERT_TRUE(opened) << opened.error().message();
    model.emplace(std::move(*opened));
    bindWeights(/*offset=*/0);
  }

  /// Binds `bias` (zeros by default) and table = [[offset, poison, 0],
  /// [0, 0, 0]].
  void bindWeights(float offset, float poison = 0,
                   std::vector<float> bias = std::vector<float>(kVocab)) {
    weights.reset();
    checkpoint.reset();
    writeFile(
        path("model.safetensors"),
        SafetensorsImage::of({{"bias", "F32", {kVocab}, bytesOf(bias)},
                              {"table",
                               "F32",
                               {2, 3},
                               bytesOf<float>({offset, poison, 0, 0, 0, 0})}})
            .bytes());
    Expected<Checkpoint> opened = Checkpoint::open(dir);
    ASSERT_TRUE(opened) << opened.error().message();
    checkpoint.emplace(std::move(*opened));
    Expected<BoundWeights> bound =
        BoundWeights::bind(model->manifest(), *checkpoint);
    ASSERT_TRUE(bound) << bound.error().message();
    weights.emplace(std::move(*bound));
  }

  static GenerateOptions greedy(int64_t maxNewTokens) {
    GenerateOptions options;
    options.maxNewTokens = maxNewTokens;
    return options;
  }

  Expected<Generation> run(const std::vector<std::vector<int64_t>> &prompts,
                           const GenerateOptions &options) {
    return generate(*model, *weights, prompts, options);
  }

  /// Tokens of a run that must succeed.
  std::vector<std::vector<int64_t>>
  tokensOf(const std::vector<std::vector<int64_t>> &prompts,
           const GenerateOptions &options) {
    Expected<Generation> generation = run(prompts, options);
    EXPECT_TRUE(generation) << generation.error().message();
    return generation ? generation->tokens
                      : std::vector<std::vector<int64_t>>{};
  }

  std::optional<Model> model;
  std::optional<Checkpoint> checkpoint;
  std::optional<BoundWeights> weights;
};

const std::vector<int64_t> kPromptA = {3, 1, 4, 1, 5};
const std::vector<int64_t> kPromptB = {9, 2, 6, 5, 3};
const std::vector<int64_t> kShortPrompt = {2, 7};

TEST_F(GeneratorTest, BatchedGreedyDecodingFollowsTheModel) {
  Expected<Generation> generation = run({kPromptA, kPromptB}, greedy(8));
  ASSERT_TRUE(generation) << generation.error().message();
  EXPECT_EQ(generation->tokens[0], fakeContinuation(kPromptA, 8));
  EXPECT_EQ(generation->tokens[1], fakeContinuation(kPromptB, 8));
  EXPECT_EQ(generation->decodeSteps, 7);
  EXPECT_EQ(generation->timing.prefillTokens, 10);
  EXPECT_EQ(generation->timing.decodeTokens, 14);
  EXPECT_TRUE(generation->prefillLogits.empty());
  EXPECT_TRUE(generation->decodeLogits.empty());
}

TEST_F(GeneratorTest, WeightsReachTheModel) {
  bindWeights(/*offset=*/5);
  EXPECT_EQ(tokensOf({kPromptA}, greedy(4))[0],
            fakeContinuation(kPromptA, 4, /*offset=*/5));
}

// Rows of different lengths are prefilled one by one into their own cache
// rows, then decoded together at different positions.
TEST_F(GeneratorTest, PromptsOfDifferentLengthsMatchSeparateRuns) {
  std::vector<std::vector<int64_t>> together =
      tokensOf({kPromptA, kShortPrompt, kPromptB}, greedy(9));
  ASSERT_EQ(together.size(), 3u);
  EXPECT_EQ(together[0], fakeContinuation(kPromptA, 9));
  EXPECT_EQ(together[1], fakeContinuation(kShortPrompt, 9));
  EXPECT_EQ(together[2], fakeContinuation(kPromptB, 9));
  EXPECT_EQ(together[1], tokensOf({kShortPrompt}, greedy(9))[0]);
}

TEST_F(GeneratorTest, KeepsTheLogitsOfEveryCall) {
  GenerateOptions options = greedy(4);
  options.keepLogits = true;
  Expected<Generation> generation = run({kPromptA, kShortPrompt}, options);
  ASSERT_TRUE(generation) << generation.error().message();
  ASSERT_EQ(generation->prefillLogits.size(), 2u);
  EXPECT_EQ(generation->prefillLogits[0].size(), kPromptA.size() * kVocab);
  EXPECT_EQ(generation->prefillLogits[1].size(), kShortPrompt.size() * kVocab);
  ASSERT_EQ(generation->decodeSteps, 3);
  auto argmax = [](const float *logits) {
    return int64_t(std::max_element(logits, logits + kVocab) - logits);
  };
  for (size_t b = 0; b < 2; ++b) {
    const std::vector<int64_t> &tokens = generation->tokens[b];
    const std::vector<float> &prefill = generation->prefillLogits[b];
    EXPECT_EQ(argmax(prefill.data() + prefill.size() - kVocab), tokens[0]);
    ASSERT_EQ(generation->decodeLogits[b].size(), size_t(3 * kVocab));
    for (int64_t t = 0; t < 3; ++t)
      EXPECT_EQ(argmax(generation->decodeLogits[b].data() + t * kVocab),
                tokens[t + 1])
          << "row " << b << ", step " << t;
  }
}

// A prompt fed in pieces of 2 tokens (the fake model's chunks have 4, so
// calls start and end inside chunks) gives the logits and tokens of one
// call per prompt: each piece reads what the pieces before it cached. By
// default the pieces are the model's attention chunk.
TEST_F(GeneratorTest, FeedsPromptsInPiecesWithTheSameLogits) {
  GenerateOptions whole = greedy(4);
  whole.keepLogits = true;
  whole.prefillChunk = 100;
  GenerateOptions pieces = whole;
  pieces.prefillChunk = 2;
  for (const std::vector<std::vector<int64_t>> &prompts :
       {std::vector<std::vector<int64_t>>{kPromptA, kPromptB},
        std::vector<std::vector<int64_t>>{kPromptA, kShortPrompt}}) {
    Expected<Generation> once = run(prompts, whole);
    Expected<Generation> split = run(prompts, pieces);
    ASSERT_TRUE(once) << once.error().message();
    ASSERT_TRUE(split) << split.error().message();
    EXPECT_EQ(split->prefillLogits, once->prefillLogits);
    EXPECT_EQ(split->decodeLogits, once->decodeLogits);
    EXPECT_EQ(split->tokens, once->tokens);
    EXPECT_EQ(split->timing.prefillTokens, once->timing.prefillTokens);
  }
  // 5 tokens a row: pieces of 2, 2 and 1, the rows side by side; or, of
  // different lengths, each row alone: 3 calls, then 1.
  Expected<Generation> same = run({kPromptA, kPromptB}, pieces);
  ASSERT_TRUE(same) << same.error().message();
  EXPECT_EQ(same->timing.prefillCalls, 3);
  Expected<Generation> ragged = run({kPromptA, kShortPrompt}, pieces);
  ASSERT_TRUE(ragged) << ragged.error().message();
  EXPECT_EQ(ragged->timing.prefillCalls, 4);
  // Without kept logits only the last piece returns any; the tokens stay.
  pieces.keepLogits = false;
  EXPECT_EQ(tokensOf({kPromptA, kPromptB}, pieces), same->tokens);
  Expected<Generation> byChunk = run({kPromptA, kPromptB}, greedy(4));
  ASSERT_TRUE(byChunk) << byChunk.error().message();
  EXPECT_EQ(byChunk->timing.prefillCalls, 2);
  EXPECT_EQ(byChunk->tokens, same->tokens);
}

TEST_F(GeneratorTest, RowsEndAtAStopId) {
  std::vector<int64_t> free = fakeContinuation(kPromptA, 10);
  GenerateOptions options = greedy(10);
  options.stopTokenIds = {free[2]};
  std::vector<std::vector<int64_t>> tokens =
      tokensOf({kPromptA, kPromptB}, options);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], fakeContinuation(kPromptA, 10, 0, {free[2]}));
  EXPECT_EQ(tokens[0].back(), free[2]);
  EXPECT_EQ(tokens[1], fakeContinuation(kPromptB, 10, 0, {free[2]}));

  // Once every row has stopped, decoding ends.
  Expected<Generation> alone = run({kPromptA}, options);
  ASSERT_TRUE(alone) << alone.error().message();
  EXPECT_EQ(alone->tokens[0].size(), 3u);
  EXPECT_EQ(alone->decodeSteps, 2);
}

TEST_F(GeneratorTest, ZeroNewTokensRunsOnlyThePrefill) {
  Expected<Generation> generation = run({kPromptA}, greedy(0));
  ASSERT_TRUE(generation) << generation.error().message();
  EXPECT_TRUE(generation->tokens[0].empty());
  EXPECT_EQ(generation->decodeSteps, 0);
  EXPECT_EQ(generation->timing.prefillTokens, 5);
}

TEST_F(GeneratorTest, SamplingIsReproducibleBySeed) {
  GenerateOptions options = greedy(12);
  options.sampling.temperature = 1.5;
  options.seed = 42;
  std::vector<std::vector<int64_t>> first =
      tokensOf({kPromptA, kPromptB}, options);
  EXPECT_EQ(tokensOf({kPromptA, kPromptB}, options), first);
  // top-k 1 leaves only the argmax.
  options.sampling.topK = 1;
  EXPECT_EQ(tokensOf({kPromptA}, options)[0], fakeContinuation(kPromptA, 12));
}

TEST_F(GeneratorTest, RefusesBadPrompts) {
  EXPECT_EQ(errorOf(run({kPromptA, {1, 2, 16}}, greedy(2))),
            "prompt row 1, position 2: token id 16 is out of range: "
            "vocab_size is 16");
  EXPECT_EQ(errorOf(run({{-1}}, greedy(2))),
            "prompt row 0, position 0: token id -1 is out of range: "
            "vocab_size is 16");
  EXPECT_EQ(errorOf(run({kPromptA, {}}, greedy(2))), "prompt row 1: empty");
  EXPECT_EQ(errorOf(run({}, greedy(2))), "generate: no prompts");
  EXPECT_EQ(errorOf(run({kPromptA}, greedy(-1))),
            "generate: max_new_tokens must not be negative, got -1");
  GenerateOptions noPieces = greedy(2);
  noPieces.prefillChunk = -1;
  EXPECT_EQ(errorOf(run({kPromptA}, noPieces)),
            "generate: prefill_chunk must not be negative, got -1");
}

TEST_F(GeneratorTest, RefusesPromptsThatAreTooLong) {
  std::vector<int64_t> thirty(30, 1);
  EXPECT_EQ(errorOf(run({kPromptA, thirty}, greedy(3))),
            "prompt row 1: 30 prompt tokens + 3 new tokens exceed "
            "max_position_embeddings 32");
  EXPECT_TRUE(run({thirty}, greedy(2)));
  EXPECT_EQ(errorOf(run({std::vector<int64_t>(33, 1)}, greedy(0))),
            "prompt row 0: 33 prompt tokens + 0 new tokens exceed "
            "max_position_embeddings 32");

  GenerateOptions options = greedy(2);
  options.maxPromptTokens = 4;
  EXPECT_EQ(errorOf(run({kPromptA}, options)),
            "prompt row 0: 5 tokens, over the limit of 4 prompt tokens");
  options.maxPromptTokens = 5;
  EXPECT_TRUE(run({kPromptA}, options));
}

TEST_F(GeneratorTest, ReportsFailuresOfTheModelCacheAndSampler) {
  GenerateOptions options = greedy(2);
  options.kvCacheLimitBytes = 64;
  EXPECT_EQ(errorOf(run({kPromptA}, options)),
            "kv cache: batch 1, context 7: needs 96 bytes, over the limit of "
            "64 bytes, which holds 4 positions");

  options = greedy(2);
  options.sampling.topP = 0;
  std::string message = errorOf(run({kPromptA}, options));
  EXPECT_EQ(message.rfind("sampler: top_p", 0), 0u) << message;

  bindWeights(/*offset=*/0, /*poison=*/1);
  EXPECT_EQ(errorOf(run({kPromptA}, greedy(2))),
            fakeModel() + ": llama4c_prefill failed with status 7");
}

// A NaN logit: the model's greedy pick says no token can be drawn; with the
// logits kept, the sampler names the logit.
TEST_F(GeneratorTest, RefusesLogitsNoTokenCanBeDrawnFrom) {
  std::vector<float> bias(kVocab);
  bias[3] = NAN;
  bindWeights(/*offset=*/0, /*poison=*/0, bias);
  EXPECT_EQ(errorOf(run({kPromptA}, greedy(2))),
            "row 0, new token 0: greedy token: a logit is NaN or +inf, or "
            "every logit is -inf (the model returned -1)");
  GenerateOptions options = greedy(2);
  options.keepLogits = true;
  std::string message = errorOf(run({kPromptA}, options));
  EXPECT_EQ(message.rfind("row 0, new token 0: sampler: logits[3]: must not "
                          "be NaN",
                          0),
            0u)
      << message;
}

TEST_F(GeneratorTest, StreamsEachTokenAsItIsSampled) {
  GenerateOptions options = greedy(6);
  std::vector<std::vector<int64_t>> streamed(2);
  options.onToken = [&](size_t row, int64_t token) -> Expected<void> {
    streamed[row].push_back(token);
    return {};
  };
  EXPECT_EQ(tokensOf({kPromptA, kShortPrompt}, options), streamed);

  // A failing callback ends the run with its error.
  options.onToken = [&](size_t, int64_t) -> Expected<void> {
    return Error("stdout: closed");
  };
  EXPECT_EQ(errorOf(run({kPromptA}, options)), "stdout: closed");
}

class ChatSessionTest : public GeneratorTest {
protected:
  void open(const std::vector<int64_t> &stops, int64_t context = 32) {
    GenerateOptions options;
    options.stopTokenIds = stops;
    stopIds = stops;
    Expected<std::unique_ptr<ChatSession>> created =
        ChatSession::create(*model, *weights, context, options);
    ASSERT_TRUE(created) << created.error().message();
    session = std::move(*created);
  }

  /// Replies to `conversation`, checks the reply against a fresh run of
  /// the whole conversation, and returns how many tokens were computed.
  int64_t expectReply(const std::vector<int64_t> &conversation,
                      int64_t maxNewTokens) {
    int64_t before = session->timing().prefillTokens;
    Expected<std::vector<int64_t>> reply =
        session->reply(conversation, maxNewTokens);
    EXPECT_TRUE(reply) << reply.error().message();
    lastReply = reply ? *reply : std::vector<int64_t>{};
    EXPECT_EQ(lastReply,
              fakeContinuation(conversation, maxNewTokens, 0, stopIds));
    return session->timing().prefillTokens - before;
  }

  std::unique_ptr<ChatSession> session;
  std::vector<int64_t> stopIds;
  std::vector<int64_t> lastReply;
};

// FakeModel's value cache is a window of 4-token chunks and fails a call
// (status 4) whose chunk is not all there; its logits depend on every
// cached token. So replies equal to fresh runs, with few tokens computed,
// show the cache reused exactly as far as it is valid.
TEST_F(ChatSessionTest, ReusesTheCachedPrefixOfTheConversation) {
  open({});
  std::vector<int64_t> first = {3, 1, 4, 1, 5};
  EXPECT_EQ(expectReply(first, 4), 5);
  // The reply's last token was sampled but not fed.
  EXPECT_EQ(session->cachedTokens().size(), 8u);

  // The next turn: the first, its reply and two new tokens. Only the
  // tokens after the cached 8 are computed.
  std::vector<int64_t> second = first;
  second.insert(second.end(), lastReply.begin(), lastReply.end());
  second.insert(second.end(), {9, 2});
  EXPECT_EQ(expectReply(second, 4), int64_t(second.size()) - 8);
  ASSERT_EQ(session->cachedTokens().size(), 14u);

  // Diverging inside the newest chunk (positions 12..15) rolls back to the
  // divergence.
  std::vector<int64_t> inChunk = session->cachedTokens();
  inChunk.back() = (inChunk.back() + 1) % kVocab;
  EXPECT_EQ(expectReply(inChunk, 2), 1);

  // Diverging in an older chunk (at position 6, chunk 4..7) feeds that
  // chunk again from its start.
  std::vector<int64_t> early = {3, 1, 4, 1, 5, 2, 6};
  ASSERT_EQ(session->cachedTokens()[5], 2);
  ASSERT_NE(session->cachedTokens()[6], 6);
  EXPECT_EQ(expectReply(early, 2), int64_t(early.size()) - 4);

  // The same conversation again recomputes only its last token.
  EXPECT_EQ(expectReply(early, 2), 1);
  session->reset();
  EXPECT_EQ(expectReply(early, 2), int64_t(early.size()));
}

// Turns fed in pieces of 3 tokens reply as fresh runs do, computing the
// same tokens: a piece continues the cache as a turn does.
TEST_F(ChatSessionTest, FeedsTurnsInPieces) {
  GenerateOptions options;
  options.prefillChunk = 3;
  Expected<std::unique_ptr<ChatSession>> created =
      ChatSession::create(*model, *weights, 32, options);
  ASSERT_TRUE(created) << created.error().message();
  session = std::move(*created);
  std::vector<int64_t> first = {3, 1, 4, 1, 5, 9, 2};
  EXPECT_EQ(expectReply(first, 4), 7);
  EXPECT_EQ(session->timing().prefillCalls, 3);
  std::vector<int64_t> second = session->cachedTokens();
  second.insert(second.end(), {lastReply.back(), 6, 5, 3, 5});
  EXPECT_EQ(expectReply(second, 2), int64_t(second.size()) - 10);
}

TEST_F(ChatSessionTest, RepliesEndAtAStopId) {
  open({15});
  EXPECT_EQ(expectReply({3, 1, 4, 1, 5}, 8), 5);
  EXPECT_EQ(lastReply, (std::vector<int64_t>{2, 15}));
  EXPECT_EQ(session->cachedTokens(), (std::vector<int64_t>{3, 1, 4, 1, 5, 2}));
}

TEST_F(ChatSessionTest, RefusesConversationsThatDoNotFit) {
  open({}, /*context=*/16);
  EXPECT_EQ(errorOf(session->reply(std::vector<int64_t>(14, 1), 3)),
            "chat: the conversation (14 tokens) and 3 new tokens do not fit in "
            "the context of 16 tokens: ask for at most 2 new tokens "
            "(--max-new-tokens), /reset to start over, or run with a larger "
            "--context (at most max_position_embeddings 32)");
  // A conversation that outgrew the context, as llama4-run asks for the
  // new tokens that are left (here -1): said as such, not as a negative
  // count of new tokens.
  EXPECT_EQ(errorOf(session->reply(std::vector<int64_t>(17, 1), -1)),
            "chat: the conversation has grown to 17 tokens, and the context "
            "of 16 tokens leaves no room for a reply: /reset to start over, "
            "or run with a larger --context (at most max_position_embeddings "
            "32)");
  EXPECT_EQ(errorOf(session->reply({1, 16}, 3)),
            "prompt row 0, position 1: token id 16 is out of range: "
            "vocab_size is 16");
  // The session goes on.
  EXPECT_EQ(expectReply({2, 7}, 3), 2);
  EXPECT_EQ(errorOf(ChatSession::create(*model, *weights, 33, {})),
            "chat: context must be from 1 to max_position_embeddings 32, got "
            "33");
}

} // namespace
