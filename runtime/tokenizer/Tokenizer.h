//===- Tokenizer.h - Hugging Face tokenizer.json, byte-level BPE -*- C++
//-*-===//
//
// The tokenizer of Llama 4 checkpoints as `tokenizers` runs it from
// tokenizer.json: added tokens are cut out of the text first; the rest is
// split by the pre-tokenizer's regex (PCRE2 with Unicode properties),
// each piece's bytes are mapped to printable characters (GPT-2's byte-level
// alphabet) and merged by rank into vocabulary entries; the post-processor's
// template adds `<|begin_of_text|>`. Decoding maps the characters back to
// bytes.
//
// Supported: model BPE (merges as "a b" strings or [a, b] pairs,
// ignore_merges), pre-tokenizer Sequence[Split(Regex, Isolated),
// ByteLevel(use_regex false)] or a lone ByteLevel split, decoder ByteLevel,
// post-processor TemplateProcessing or none, no normalizer. Anything else is
// refused by name rather than tokenised differently.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_TOKENIZER_TOKENIZER_H
#define LLAMA4C_RUNTIME_TOKENIZER_TOKENIZER_H

#include "llama4c/Status.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llama4c::runtime {

class Tokenizer {
public:
  /// Reads `path` (a tokenizer.json). Errors name the file and the JSON
  /// field.
  static Expected<Tokenizer> open(const std::string &path);

  /// The ids of `text`, with the post-processor's tokens (BOS) when
  /// `addSpecialTokens`. Fails only on text that is not valid UTF-8.
  Expected<std::vector<int64_t>> encode(std::string_view text,
                                        bool addSpecialTokens = true) const;

  /// The text of `ids`; bytes that do not form UTF-8 (a token boundary
  /// inside a character) become U+FFFD, as in `tokenizers`. Special added
  /// tokens are dropped when `skipSpecialTokens`. Fails on an id outside
  /// the vocabulary.
  Expected<std::string> decode(const std::vector<int64_t> &ids,
                               bool skipSpecialTokens = false) const;

  /// decode without the U+FFFD replacement: the raw bytes, which need not
  /// be UTF-8.
  Expected<std::string> decodeBytes(const std::vector<int64_t> &ids,
                                    bool skipSpecialTokens = false) const;

  /// The id of a vocabulary entry or added token written as in
  /// tokenizer.json ("<|eot|>"); -1 when there is none.
  int64_t tokenId(std::string_view token) const;

  /// One more than the largest id.
  int64_t vocabSize() const { return int64_t(tokens.size()); }

  Tokenizer(Tokenizer &&) noexcept;
  Tokenizer &operator=(Tokenizer &&) noexcept;
  ~Tokenizer();

private:
  Tokenizer();
  struct Regex;
  struct AddedToken {
    std::string content;
    int64_t id;
    bool special;
  };

  using Clock = std::chrono::steady_clock;
  using Deadline = Clock::time_point;
  /// Appends the ids of `text`: valid UTF-8 holding no added token. Fails
  /// when the split regex takes too many steps on one match, or splitting
  /// runs past `deadline`.
  Expected<void> encodeOrdinary(std::string_view text,
                                std::vector<int64_t> &ids,
                                Deadline deadline) const;
  /// Merges byte-level `symbols` by rank, as BPE does.
  void mergeSymbols(std::vector<std::string> &symbols) const;
  /// Appends the ids of one pre-tokenized piece.
  void encodePiece(std::string_view piece, std::vector<int64_t> &ids) const;

  std::string path;
  /// Byte-level strings (and added tokens) to ids, and back.
  std::unordered_map<std::string, int64_t> vocab;
  std::vector<std::string> tokens;
  std::vector<bool> isSpecial;
  /// "left right" -> rank; byte-level strings hold no space.
  std::unordered_map<std::string, int64_t> mergeRanks;
  bool ignoreMerges = false;
  /// Added tokens by their first byte, longest first.
  std::vector<std::vector<AddedToken>> addedByFirstByte;
  std::unique_ptr<Regex> split;
  std::vector<int64_t> prefix, suffix;
};

/// Text of tokens as they are generated: the bytes of a character split
/// across tokens wait for the rest, so each piece printed is whole UTF-8
/// and the pieces add up to Tokenizer::decode of all the ids.
class TextStream {
public:
  TextStream(const Tokenizer &tokenizer, bool skipSpecialTokens)
      : tokenizer(tokenizer), skipSpecialTokens(skipSpecialTokens) {}

  /// The text that `id` completes (often empty or one word). Fails on an
  /// id outside the vocabulary.
  Expected<std::string> push(int64_t id);
  /// What is left at the end: incomplete characters become U+FFFD.
  std::string finish();

private:
  const Tokenizer &tokenizer;
  bool skipSpecialTokens;
  std::string pending;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_TOKENIZER_TOKENIZER_H
