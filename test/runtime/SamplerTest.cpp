//===- SamplerTest.cpp - Tests for the token sampler ----------------------===//
//
// The PRNG against its reference implementation, then sampleToken with
// chosen coins (which token owns which part of [0, 1) under temperature,
// top-k and top-p, as transformers' warpers define them), the seeded
// Sampler (reproducible, and matching a known distribution over 20000
// draws), and every rejected option or input by its message.
//
//===----------------------------------------------------------------------===//

#include "runtime/sampler/Sampler.h"

#include "test/runtime/TestSupport.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace llama4c::runtime;
using llama4c::runtime::testing::errorOf;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

/// Logits whose softmax is exactly proportional to `probabilities`.
std::vector<float> logitsOf(const std::vector<double> &probabilities) {
  std::vector<float> logits;
  for (double p : probabilities)
    logits.push_back(float(std::log(p)));
  return logits;
}

SamplerOptions sampling(double temperature, int64_t topK = 0,
                        double topP = 1.0) {
  SamplerOptions options;
  options.temperature = temperature;
  options.topK = topK;
  options.topP = topP;
  return options;
}

/// sampleToken on `logits`, failing the test on an error.
int64_t pick(const std::vector<float> &logits, const SamplerOptions &options,
             double coin) {
  Expected<int64_t> token =
      sampleToken(logits.data(), int64_t(logits.size()), options, coin);
  EXPECT_TRUE(token) << token.error().message();
  return token ? *token : -1;
}

const double kCoins[] = {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999};

// --- The generator -----------------------------------------------------------

// Expected values printed by the reference C code from
// https://prng.di.unimi.it/ (splitmix64.c, xoshiro256starstar.c), with the
// state seeded by four splitmix64 outputs as in Xoshiro256StarStar.
TEST(RandomTest, MatchesReferenceImplementation) {
  uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(splitmix64(state), 0x6E789E6AA1B965F4ull);

  Xoshiro256StarStar random(42);
  EXPECT_EQ(random.next(), 0x15780B2E0C2EC716ull);
  EXPECT_EQ(random.next(), 0x6104D9866D113A7Eull);
  EXPECT_EQ(random.next(), 0xAE17533239E499A1ull);
  EXPECT_EQ(random.next(), 0xECB8AD4703B360A1ull);
  EXPECT_EQ(random.next(), 0xFDE6DC7FE2EC5E64ull);
}

TEST(RandomTest, DoublesAreInUnitInterval) {
  Xoshiro256StarStar random(7);
  for (int i = 0; i < 10000; ++i) {
    double value = random.nextDouble();
    ASSERT_GE(value, 0.0);
    ASSERT_LT(value, 1.0);
  }
}

// --- Greedy ------------------------------------------------------------------

TEST(SamplerTest, GreedyTakesTheArgmax) {
  EXPECT_EQ(pick({0.5f, -1, 3, 2.9f}, sampling(0), 0.5), 2);
  EXPECT_EQ(pick({-kInf, -5, -kInf}, sampling(0), 0.5), 1);
}

// torch.argmax returns the first maximum; HF greedy decoding does the same.
TEST(SamplerTest, GreedyBreaksTiesTowardsLowestId) {
  EXPECT_EQ(pick({1, 4, 2, 4, 4}, sampling(0), 0.5), 1);
}

TEST(SamplerTest, TemperatureZeroIgnoresCoinAndTruncation) {
  std::vector<float> logits = {0.1f, 0.7f, 0.2f, 0.7f, -3};
  for (double coin : kCoins) {
    EXPECT_EQ(pick(logits, sampling(0), coin), 1);
    EXPECT_EQ(pick(logits, sampling(0, 3, 0.5), coin), 1);
  }
}

TEST(SamplerTest, TopKOneIsGreedy) {
  std::vector<float> logits = {0.1f, 0.7f, 0.2f, 0.69f, -3};
  for (double coin : kCoins)
    EXPECT_EQ(pick(logits, sampling(1.0, 1), coin), 1) << coin;
}

TEST(SamplerTest, TinyTopPIsGreedy) {
  // Even with a tie at the top, only the lowest id survives.
  std::vector<float> logits = {0.1f, 0.7f, 0.2f, 0.7f, -3};
  for (double coin : kCoins)
    EXPECT_EQ(pick(logits, sampling(1.0, 0, 1e-6), coin), 1) << coin;
}

// --- Where the coin lands ----------------------------------------------------

// Kept tokens cover [0, 1) in id order: [0, .1) [.1, .3) [.3, .6) [.6, 1).
TEST(SamplerTest, CoinSelectsTokensInIdOrder) {
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.3, 0.4});
  EXPECT_EQ(pick(logits, sampling(1), 0.0), 0);
  EXPECT_EQ(pick(logits, sampling(1), 0.09), 0);
  EXPECT_EQ(pick(logits, sampling(1), 0.11), 1);
  EXPECT_EQ(pick(logits, sampling(1), 0.29), 1);
  EXPECT_EQ(pick(logits, sampling(1), 0.31), 2);
  EXPECT_EQ(pick(logits, sampling(1), 0.61), 3);
  EXPECT_EQ(pick(logits, sampling(1), 0.9999999), 3);
}

// T = 2 turns probabilities 1:4 into 1:2, so token 0 owns [0, 1/3).
TEST(SamplerTest, TemperatureFlattensTheDistribution) {
  std::vector<float> logits = logitsOf({0.2, 0.8});
  EXPECT_EQ(pick(logits, sampling(1), 0.25), 1);
  EXPECT_EQ(pick(logits, sampling(2), 0.32), 0);
  EXPECT_EQ(pick(logits, sampling(2), 0.34), 1);
}

TEST(SamplerTest, NeverPicksMaskedTokens) {
  std::vector<float> logits = {-kInf, 0, -kInf, 0, -kInf};
  for (double coin : kCoins) {
    int64_t token = pick(logits, sampling(1), coin);
    EXPECT_TRUE(token == 1 || token == 3) << coin << " -> " << token;
  }
  EXPECT_EQ(pick(logits, sampling(1), 0.49), 1);
  EXPECT_EQ(pick(logits, sampling(1), 0.51), 3);
}

// A tiny temperature must not overflow: it just sharpens towards greedy.
TEST(SamplerTest, TinyTemperatureApproachesGreedy) {
  std::vector<float> logits = {1e30f, 3e38f, -3e38f};
  for (double coin : kCoins)
    EXPECT_EQ(pick(logits, sampling(1e-300), coin), 1);
}

// --- Top-k and top-p ---------------------------------------------------------

// top_k = 2 keeps 0.4 and 0.3, renormalized to 3/7 : 4/7 in id order
// (token 2 then token 3).
TEST(SamplerTest, TopKKeepsTheKMostLikely) {
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.3, 0.4});
  for (double coin : kCoins) {
    int64_t token = pick(logits, sampling(1, 2), coin);
    EXPECT_TRUE(token == 2 || token == 3) << coin;
  }
  EXPECT_EQ(pick(logits, sampling(1, 2), 0.42), 2);
  EXPECT_EQ(pick(logits, sampling(1, 2), 0.44), 3);
  // k at or past the vocabulary size keeps everything.
  EXPECT_EQ(pick(logits, sampling(1, 4), 0.05), 0);
  EXPECT_EQ(pick(logits, sampling(1, 100), 0.05), 0);
}

// TopKLogitsWarper removes only logits below the k-th largest, so tokens
// tied with it all stay: k = 2 here keeps tokens 0, 1 and 2.
TEST(SamplerTest, TopKKeepsTiesWithTheKthToken) {
  std::vector<float> logits = {3, 2, 2, 1};
  EXPECT_EQ(pick(logits, sampling(1, 2), 0.999), 2);
  for (double coin : kCoins)
    EXPECT_NE(pick(logits, sampling(1, 2), coin), 3) << coin;
}

// Probabilities 0.5, 0.3, 0.15, 0.05 (ids shuffled): top_p 0.75 keeps 0.5
// and 0.3 (mass 0.8 is the smallest >= 0.75), top_p 0.85 adds 0.15.
TEST(SamplerTest, TopPKeepsTheSmallestSufficientSet) {
  std::vector<float> logits = logitsOf({0.15, 0.5, 0.05, 0.3});
  for (double coin : kCoins) {
    int64_t token = pick(logits, sampling(1, 0, 0.75), coin);
    EXPECT_TRUE(token == 1 || token == 3) << coin;
  }
  // Renormalized: token 1 owns [0, 0.625), token 3 the rest.
  EXPECT_EQ(pick(logits, sampling(1, 0, 0.75), 0.62), 1);
  EXPECT_EQ(pick(logits, sampling(1, 0, 0.75), 0.63), 3);
  // With 0.85, token 0 (0.15 / 0.95) comes first in id order.
  EXPECT_EQ(pick(logits, sampling(1, 0, 0.85), 0.1), 0);
  for (double coin : kCoins)
    EXPECT_NE(pick(logits, sampling(1, 0, 0.85), coin), 2) << coin;
}

// transformers applies top-p to the distribution left by top-k: after
// top_k = 2, probabilities 0.4 : 0.3 become 4/7 and 3/7, and top_p = 0.5 is
// then met by the first alone. Top-p on the original 0.4 would keep both.
TEST(SamplerTest, TopPSeesTheDistributionAfterTopK) {
  std::vector<float> logits = logitsOf({0.4, 0.3, 0.2, 0.1});
  for (double coin : kCoins)
    EXPECT_EQ(pick(logits, sampling(1, 2, 0.5), coin), 0) << coin;
}

// --- The seeded sampler ------------------------------------------------------

std::vector<int64_t> drawMany(uint64_t seed, const std::vector<float> &logits,
                              const SamplerOptions &options, int count) {
  Expected<Sampler> sampler = Sampler::create(options, seed);
  EXPECT_TRUE(sampler) << sampler.error().message();
  std::vector<int64_t> tokens;
  for (int i = 0; sampler && i < count; ++i) {
    Expected<int64_t> token = sampler->sample(logits.data(), logits.size());
    EXPECT_TRUE(token) << token.error().message();
    tokens.push_back(token ? *token : -1);
  }
  return tokens;
}

TEST(SamplerTest, SameSeedGivesSameTokens) {
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.3, 0.4});
  EXPECT_EQ(drawMany(1234, logits, sampling(1), 200),
            drawMany(1234, logits, sampling(1), 200));
}

TEST(SamplerTest, DifferentSeedsGiveDifferentTokens) {
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.3, 0.4});
  EXPECT_NE(drawMany(1, logits, sampling(1), 200),
            drawMany(2, logits, sampling(1), 200));
}

/// Checks the frequencies of `tokens` against `expected` within 5 standard
/// errors of a binomial proportion, loose enough never to trip on a fixed
/// seed that is correct, tight enough (about 1.7% at p = 0.4, n = 20000) to
/// catch an off-by-one token or a missing renormalization.
void expectFrequencies(const std::vector<int64_t> &tokens,
                       const std::vector<double> &expected) {
  std::vector<double> counts(expected.size());
  for (int64_t token : tokens) {
    ASSERT_GE(token, 0);
    ASSERT_LT(size_t(token), expected.size());
    counts[token] += 1;
  }
  double n = double(tokens.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    double tolerance = 5 * std::sqrt(expected[i] * (1 - expected[i]) / n);
    EXPECT_NEAR(counts[i] / n, expected[i], tolerance) << "token " << i;
  }
}

TEST(SamplerTest, MatchesDistributionOverManyDraws) {
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.3, 0.4});
  expectFrequencies(drawMany(2024, logits, sampling(1), 20000),
                    {0.1, 0.2, 0.3, 0.4});
}

TEST(SamplerTest, MatchesTruncatedDistributionOverManyDraws) {
  // top_k = 3 drops token 0, top_p = 0.6 then drops token 1 (2/9 of the
  // rest): 0.3 : 0.4 renormalize to 3/7 : 4/7.
  std::vector<float> logits = logitsOf({0.1, 0.2, 0.3, 0.4});
  expectFrequencies(drawMany(99, logits, sampling(1, 3, 0.6), 20000),
                    {0, 0, 3.0 / 7, 4.0 / 7});
}

// --- Invalid options and inputs ----------------------------------------------

TEST(SamplerTest, RejectsInvalidOptions) {
  EXPECT_EQ(errorOf(validateSamplerOptions(sampling(-0.5))),
            "sampler: temperature: must be a finite number >= 0, got -0.5");
  EXPECT_EQ(errorOf(validateSamplerOptions(sampling(std::nan("")))),
            "sampler: temperature: must be a finite number >= 0, got nan");
  EXPECT_EQ(errorOf(validateSamplerOptions(sampling(kInf))),
            "sampler: temperature: must be a finite number >= 0, got inf");
  EXPECT_EQ(errorOf(validateSamplerOptions(sampling(1, -1))),
            "sampler: top_k: must be >= 0 (0 keeps all tokens), got -1");
  EXPECT_EQ(errorOf(validateSamplerOptions(sampling(1, 0, 0))),
            "sampler: top_p: must be in (0, 1], got 0");
  EXPECT_EQ(errorOf(validateSamplerOptions(sampling(1, 0, 1.5))),
            "sampler: top_p: must be in (0, 1], got 1.5");
  EXPECT_EQ(errorOf(validateSamplerOptions(sampling(1, 0, std::nan("")))),
            "sampler: top_p: must be in (0, 1], got nan");
  EXPECT_TRUE(validateSamplerOptions(sampling(0, 0, 1)));

  EXPECT_EQ(errorOf(Sampler::create(sampling(1, -3), 0)),
            "sampler: top_k: must be >= 0 (0 keeps all tokens), got -3");
  std::vector<float> logits = {1, 2};
  EXPECT_EQ(errorOf(sampleToken(logits.data(), 2, sampling(1, 0, -1), 0.5)),
            "sampler: top_p: must be in (0, 1], got -1");
}

TEST(SamplerTest, RejectsInvalidInputs) {
  std::vector<float> logits = {1, 2, 3};
  EXPECT_EQ(errorOf(sampleToken(logits.data(), 0, sampling(1), 0.5)),
            "sampler: vocab_size: must be positive, got 0");
  EXPECT_EQ(errorOf(sampleToken(logits.data(), 3, sampling(1), 1.0)),
            "sampler: coin: must be in [0, 1), got 1");
  EXPECT_EQ(errorOf(sampleToken(logits.data(), 3, sampling(1), -0.25)),
            "sampler: coin: must be in [0, 1), got -0.25");

  std::vector<float> nan = {1, std::nanf(""), 3};
  EXPECT_EQ(errorOf(sampleToken(nan.data(), 3, sampling(0), 0.5)),
            "sampler: logits[1]: must not be NaN or +inf, got nan");
  std::vector<float> inf = {1, 2, kInf};
  EXPECT_EQ(errorOf(sampleToken(inf.data(), 3, sampling(1), 0.5)),
            "sampler: logits[2]: must not be NaN or +inf, got inf");
  std::vector<float> masked = {-kInf, -kInf};
  EXPECT_EQ(errorOf(sampleToken(masked.data(), 2, sampling(1), 0.5)),
            "sampler: logits: every one of the 2 logits is -inf");
}

} // namespace
