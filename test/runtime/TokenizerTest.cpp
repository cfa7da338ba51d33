//===- TokenizerTest.cpp - tokenizer.json against Hugging Face tokenizers -===//
//
// test/tokenizer/fixtures (scripts/make_tokenizer_fixture.py): a small
// byte-level BPE in Llama 4's form and, for a corpus of Unicode, emoji,
// CJK, combining marks, whitespace runs, digit runs, contractions and
// special tokens inside text, the ids and decoded text that `tokenizers`
// gives.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"
#include "test/runtime/TestSupport.h"

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

const std::string kFixtures = LLAMA4C_TOKENIZER_FIXTURES_DIR;

Tokenizer openFixture() {
  Expected<Tokenizer> tokenizer = Tokenizer::open(kFixtures + "/tokenizer.json");
  if (!tokenizer) {
    ADD_FAILURE() << tokenizer.error().message();
    std::abort();
  }
  return std::move(*tokenizer);
}

nlohmann::json corpus() {
  return nlohmann::json::parse(readFile(kFixtures + "/corpus.json"));
}

TEST(TokenizerTest, EncodesTheCorpusAsHuggingFaceTokenizers) {
  Tokenizer tokenizer = openFixture();
  nlohmann::json cases = corpus()["cases"];
  ASSERT_GE(cases.size(), 15u);
  for (const nlohmann::json &entry : cases) {
    std::string text = entry["text"];
    Expected<std::vector<int64_t>> ids = tokenizer.encode(text);
    ASSERT_TRUE(ids) << ids.error().message();
    EXPECT_EQ(*ids, entry["ids"].get<std::vector<int64_t>>()) << text;
    Expected<std::vector<int64_t>> bare = tokenizer.encode(text, false);
    ASSERT_TRUE(bare);
    EXPECT_EQ(*bare, entry["ids_without_bos"].get<std::vector<int64_t>>())
        << text;
  }
}

TEST(TokenizerTest, DecodesBackToTheText) {
  Tokenizer tokenizer = openFixture();
  // Kept in a variable: a range-for over corpus()["cases"] would outlive
  // the temporary it points into.
  nlohmann::json cases = corpus()["cases"];
  for (const nlohmann::json &entry : cases) {
    Expected<std::string> text =
        tokenizer.decode(entry["ids"].get<std::vector<int64_t>>());
    ASSERT_TRUE(text) << text.error().message();
    EXPECT_EQ(*text, entry["decoded"].get<std::string>());
    Expected<std::string> plain = tokenizer.decode(
        entry["ids_without_bos"].get<std::vector<int64_t>>(), true);
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->find("<|begin_of_text|>"), std::string::npos);
  }
}

TEST(TokenizerTest, StreamsWholeCharactersThatAddUpToTheText) {
  Tokenizer tokenizer = openFixture();
  // Kept in a variable: a range-for over corpus()["cases"] would outlive
  // the temporary it points into.
  nlohmann::json cases = corpus()["cases"];
  for (const nlohmann::json &entry : cases) {
    const std::string replacement = "\xEF\xBF\xBD";
    std::string decoded = entry["decoded"];
    ASSERT_EQ(decoded.find(replacement), std::string::npos);
    TextStream stream(tokenizer, /*skipSpecialTokens=*/false);
    std::string text;
    for (int64_t id : entry["ids"].get<std::vector<int64_t>>()) {
      Expected<std::string> piece = stream.push(id);
      ASSERT_TRUE(piece) << piece.error().message();
      // No U+FFFD from a character split between tokens.
      EXPECT_EQ(piece->find(replacement), std::string::npos) << decoded;
      text += *piece;
    }
    text += stream.finish();
    EXPECT_EQ(text, decoded);
  }
}

TEST(TokenizerTest, FindsSpecialTokensByName) {
  Tokenizer tokenizer = openFixture();
  int64_t eot = tokenizer.tokenId("<|eot|>");
  ASSERT_GE(eot, 0);
  EXPECT_EQ(tokenizer.encode("<|eot|>", false)->front(), eot);
  EXPECT_EQ(tokenizer.tokenId("<|no_such_token|>"), -1);
  EXPECT_GT(tokenizer.vocabSize(), eot);
}

TEST(TokenizerTest, SplitCharactersDecodeToReplacementCharacters) {
  Tokenizer tokenizer = openFixture();
  // The first byte of "é" alone, as a streamed token boundary can leave it.
  int64_t lead = tokenizer.tokenId("\xC3\x83"); // byte 0xC3 in GPT-2's alphabet
  ASSERT_GE(lead, 0);
  EXPECT_EQ(*tokenizer.decode({lead}), "\xEF\xBF\xBD");
}

class TokenizerErrorTest : public TempDirTest {};

TEST_F(TokenizerErrorTest, RefusesBadFilesOnOneLine) {
  EXPECT_EQ(errorOf(Tokenizer::open(path("absent.json"))),
            path("absent.json") + ": cannot open: No such file or directory");
  writeFile(path("bad.json"), R"({"model": {"type": "Unigram"}})");
  EXPECT_EQ(errorOf(Tokenizer::open(path("bad.json"))),
            path("bad.json") + ": model.type: only \"BPE\" is supported");
  writeFile(path("merge.json"),
            R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [7]}})");
  EXPECT_EQ(errorOf(Tokenizer::open(path("merge.json"))),
            path("merge.json") +
                ": model.merges[0]: expected \"left right\" or [left, right], "
                "got 7");
  writeFile(path("regex.json"), R"({"model": {"type": "BPE", "vocab": {},
    "merges": []}, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"},
    {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}})");
  EXPECT_NE(errorOf(Tokenizer::open(path("regex.json")))
                .find("Split.pattern.Regex: does not compile at offset 9"),
            std::string::npos);
  // An id far past the tokens listed would size the id table by it.
  writeFile(path("sparse.json"), R"({"model": {"type": "BPE", "vocab": {"a": 0,
    "b": 200000000}, "merges": []}})");
  EXPECT_EQ(errorOf(Tokenizer::open(path("sparse.json"))),
            path("sparse.json") +
                ": model.vocab.\"b\": token id 200000000 is past what 2 tokens "
                "may number (at most 1028)");
  // Nesting is refused before the JSON is parsed.
  writeFile(path("deep.json"), std::string(300000, '['));
  EXPECT_EQ(errorOf(Tokenizer::open(path("deep.json"))),
            path("deep.json") + ": invalid JSON: nested deeper than 64 levels");
}

TEST_F(TokenizerErrorTest, BoundsTheWorkOfTheSplitRegex) {
  auto open = [&](const std::string &pattern) {
    nlohmann::json file = {{"model",
                            {{"type", "BPE"},
                             {"vocab", {{"a", 0}}},
                             {"merges", nlohmann::json::array()}}},
                           {"pre_tokenizer",
                            {{"type", "Sequence"},
                             {"pretokenizers",
                              {{{"type", "Split"},
                                {"pattern", {{"Regex", pattern}}},
                                {"behavior", "Isolated"}},
                               {{"type", "ByteLevel"},
                                {"add_prefix_space", false},
                                {"use_regex", false}}}}}}};
    writeFile(path("split.json"), file.dump());
    Expected<Tokenizer> tokenizer = Tokenizer::open(path("split.json"));
    EXPECT_TRUE(tokenizer) << tokenizer.error().message();
    return tokenizer;
  };
  // Exponential backtracking within one match.
  Expected<Tokenizer> nested = open("(a|a)+$");
  ASSERT_TRUE(nested);
  EXPECT_EQ(errorOf(nested->encode(std::string(40, 'a') + "b")),
            path("split.json") +
                ": pre_tokenizer: the split regex needs more than 1000000 "
                "backtracking steps to match at byte 0 of the text");
  // Each match within the limit, quadratic over the text: stopped by the
  // time budget (2 s + 10 us a byte), not after minutes.
  Expected<Tokenizer> quadratic = open("a*b|.");
  ASSERT_TRUE(quadratic);
  EXPECT_EQ(errorOf(quadratic->encode(std::string(300000, 'a'))),
            path("split.json") +
                ": pre_tokenizer: the split regex took longer than 5.0 s on "
                "300000 bytes of text (2 s plus 10 us a byte)");
}

TEST(TokenizerTest, RefusesTextThatIsNotUtf8) {
  Tokenizer tokenizer = openFixture();
  EXPECT_EQ(errorOf(tokenizer.encode("ok \xFF bad")),
            "text is not valid UTF-8 at byte 3");
  EXPECT_EQ(errorOf(tokenizer.encode("<|eot|>ok \xC3")),
            "text is not valid UTF-8 at byte 10");
  // Overlong, surrogate and past-U+10FFFF forms are not UTF-8 either.
  EXPECT_EQ(errorOf(tokenizer.encode("\xC0\xAF")),
            "text is not valid UTF-8 at byte 0");
  EXPECT_EQ(errorOf(tokenizer.encode("a\xED\xA0\x80")),
            "text is not valid UTF-8 at byte 1");
  EXPECT_EQ(errorOf(tokenizer.encode("ab\xF4\x90\x80\x80")),
            "text is not valid UTF-8 at byte 2");
  EXPECT_NE(errorOf(tokenizer.decode({1 << 20})).find("is not in the vocabulary"),
            std::string::npos);
}

} // namespace
