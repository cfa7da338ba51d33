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
