//===- Tokenizer.cpp - Hugging Face tokenizer.json, byte-level BPE --------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/safetensors/StrictJson.h"
#include "runtime/support/Utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <queue>
#include <tuple>

namespace llama4c::runtime {

/// A compiled PCRE2 pattern with its match data.
struct Tokenizer::Regex {
  pcre2_code *code = nullptr;
  /// Limits each match: a split regex that backtracks catastrophically
  /// fails one match instead of running for hours.
  pcre2_match_context *limits = nullptr;
  ~Regex() {
    pcre2_match_context_free(limits);
    pcre2_code_free(code);
  }
};

namespace {

/// Backtracking steps (PCRE2's match limit) one match of the split regex
/// may take. Llama 4's pattern takes tens per piece.
constexpr uint32_t kMaxMatchSteps = 1'000'000;

/// How long splitting one text may take, in all: 2 s plus 10 us a byte
/// (about 50 times what Llama 4's pattern needs on this project's CI). A
/// pattern can stay under the per-match limit on every match and still be
/// quadratic over the text; this bounds that.
std::chrono::duration<double> splitTimeBudget(size_t bytes) {
  return std::chrono::duration<double>(2.0 + 1e-5 * double(bytes));
}

} // namespace

namespace {

/// GPT-2's byte-level alphabet: printable bytes stand for themselves, the
/// others (controls, space, 127-160, 173) for U+0100 onwards, in order.
const std::array<std::string, 256> &byteToText() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> text;
    auto printable = [](int byte) {
      return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
             (byte >= 0xAE && byte <= 0xFF);
    };
    int next = 256;
    for (int byte = 0; byte < 256; ++byte) {
      int codePoint = printable(byte) ? byte : next++;
      // Code points below U+0800 take one or two UTF-8 bytes.
      if (codePoint < 0x80)
        text[byte] = std::string(1, char(codePoint));
      else
        text[byte] = {char(0xC0 | (codePoint >> 6)),
                      char(0x80 | (codePoint & 0x3F))};
    }
    return text;
  }();
  return table;
}

/// The inverse of byteToText, keyed by the character's UTF-8.
const std::unordered_map<std::string, unsigned char> &textToByte() {
  static const std::unordered_map<std::string, unsigned char> table = [] {
    std::unordered_map<std::string, unsigned char> bytes;
    for (int byte = 0; byte < 256; ++byte)
      bytes.emplace(byteToText()[byte], static_cast<unsigned char>(byte));
    return bytes;
  }();
  return table;
}

/// `node[key]` if it is a JSON string.
const Json *stringField(const Json &node, const char *key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? &*it : nullptr;
}

} // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer &&) noexcept = default;
Tokenizer &Tokenizer::operator=(Tokenizer &&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Expected<Tokenizer> Tokenizer::open(const std::string &path) {
  // Llama 4's is 27 MB; the JSON value it parses into takes several times
  // its size.
  constexpr uint64_t kMaxTokenizerBytes = uint64_t(256) << 20;
  Expected<Json> parsed = readJsonFile(path, kMaxTokenizerBytes);
  if (!parsed)
    return parsed.error();
  const Json &root = *parsed;
  auto fail = [&](const std::string &field, const std::string &what) {
    return Error(path + ": " + field + ": " + what);
  };
  if (!root.is_object())
    return fail("(top level)", "expected an object");

  Tokenizer tokenizer;
  tokenizer.path = path;

  // model: BPE with a vocabulary and merges.
  auto model = root.find("model");
  if (model == root.end() || !model->is_object())
    return fail("model", "expected an object");
  const Json *type = stringField(*model, "type");
  if (!type || *type != "BPE")
    return fail("model.type", "only \"BPE\" is supported");
  auto vocab = model->find("vocab");
  if (vocab == model->end() || !vocab->is_object())
    return fail("model.vocab", "expected an object of token -> id");
  // Ids index a table, so they must be about as dense as HF's are: a file
  // listing N tokens may number them up to 2N + 1024, not 200,000,000.
  auto added = root.find("added_tokens");
  uint64_t listed =
      vocab->size() +
      (added != root.end() && added->is_array() ? added->size() : 0);
  uint64_t maxId = 2 * listed + 1024;
  auto addToken = [&](const std::string &token, const Json &idValue,
                      const std::string &field) -> Expected<void> {
    std::optional<uint64_t> id = jsonUnsigned(idValue);
    if (!id)
      return fail(field, "expected a token id, got " + describeJson(idValue));
    if (*id > maxId)
      return fail(field, "token id " + std::to_string(*id) + " is past what " +
                             std::to_string(listed) +
                             " tokens may number (at most " +
                             std::to_string(maxId) + ")");
    if (*id >= tokenizer.tokens.size()) {
      tokenizer.tokens.resize(*id + 1);
      tokenizer.isSpecial.resize(*id + 1);
    }
    tokenizer.tokens[*id] = token;
    tokenizer.vocab[token] = int64_t(*id);
    return {};
  };
  for (auto it = vocab->begin(); it != vocab->end(); ++it)
    if (Expected<void> added = addToken(it.key(), it.value(),
                                        "model.vocab." + quoteJson(it.key()));
        !added)
      return added.error();
  if (auto flag = model->find("ignore_merges");
      flag != model->end() && flag->is_boolean())
    tokenizer.ignoreMerges = flag->get<bool>();
  auto merges = model->find("merges");
  if (merges == model->end() || !merges->is_array())
    return fail("model.merges", "expected an array");
  for (size_t rank = 0; rank < merges->size(); ++rank) {
    const Json &merge = (*merges)[rank];
    std::string key;
    if (merge.is_string())
      key = merge.get<std::string>();
    else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
             merge[1].is_string())
      key = merge[0].get<std::string>() + " " + merge[1].get<std::string>();
    if (std::count(key.begin(), key.end(), ' ') != 1)
      return fail("model.merges[" + std::to_string(rank) + "]",
                  "expected \"left right\" or [left, right], got " +
                      describeJson(merge));
    tokenizer.mergeRanks.emplace(std::move(key), int64_t(rank));
  }

  // added_tokens: cut out of the text before anything else.
  if (added != root.end()) {
    if (!added->is_array())
      return fail("added_tokens", "expected an array");
    tokenizer.addedByFirstByte.resize(256);
    for (size_t i = 0; i < added->size(); ++i) {
      const Json &entry = (*added)[i];
      std::string field = "added_tokens[" + std::to_string(i) + "]";
      const Json *content =
          entry.is_object() ? stringField(entry, "content") : nullptr;
      if (!content || content->get_ref<const std::string &>().empty())
        return fail(field + ".content", "expected a non-empty string");
      auto id = entry.find("id");
      if (id == entry.end())
        return fail(field + ".id", "missing");
      const std::string &text = content->get_ref<const std::string &>();
      if (Expected<void> ok = addToken(text, *id, field + ".id"); !ok)
        return ok.error();
      auto special = entry.find("special");
      bool isSpecial = special != entry.end() && special->is_boolean() &&
                       special->get<bool>();
      tokenizer.isSpecial[tokenizer.vocab[text]] = isSpecial;
      tokenizer.addedByFirstByte[static_cast<unsigned char>(text[0])].push_back(
          {text, tokenizer.vocab[text], isSpecial});
    }
    for (auto &bucket : tokenizer.addedByFirstByte)
      std::sort(bucket.begin(), bucket.end(),
                [](const AddedToken &a, const AddedToken &b) {
                  return a.content.size() > b.content.size();
                });
  }

  if (auto normalizer = root.find("normalizer");
      normalizer != root.end() && !normalizer->is_null())
    return fail("normalizer", "normalizers are not supported (Llama 4 has "
                              "none)");

  // pre_tokenizer: Sequence[Split(Regex, Isolated), ByteLevel(no regex)].
  auto pre = root.find("pre_tokenizer");
  if (pre == root.end() || !pre->is_object())
    return fail("pre_tokenizer", "expected an object");
  const Json *splitPattern = nullptr;
  bool byteLevel = false;
  auto visit = [&](const Json &step,
                   const std::string &field) -> Expected<void> {
    const Json *stepType = stringField(step, "type");
    if (stepType && *stepType == "Split") {
      auto pattern = step.find("pattern");
      const Json *behavior = stringField(step, "behavior");
      auto invert = step.find("invert");
      if (pattern == step.end() || !pattern->is_object() ||
          !stringField(*pattern, "Regex"))
        return fail(field + ".pattern", "expected {\"Regex\": ...}");
      if (!behavior || *behavior != "Isolated" ||
          (invert != step.end() && invert->is_boolean() && invert->get<bool>()))
        return fail(field,
                    "only the Isolated, non-inverted split is supported");
      splitPattern = &(*pattern)["Regex"];
      return {};
    }
    if (stepType && *stepType == "ByteLevel") {
      auto useRegex = step.find("use_regex");
      auto prefixSpace = step.find("add_prefix_space");
      if ((useRegex != step.end() && useRegex->is_boolean() &&
           useRegex->get<bool>()) ||
          (prefixSpace != step.end() && prefixSpace->is_boolean() &&
           prefixSpace->get<bool>()))
        return fail(field, "only ByteLevel with use_regex and add_prefix_space "
                           "false is supported");
      byteLevel = true;
      return {};
    }
    return fail(field + ".type", "unsupported pre-tokenizer " +
                                     describeJson(stepType ? *stepType : step));
  };
  const Json *preType = stringField(*pre, "type");
  if (preType && *preType == "Sequence") {
    auto steps = pre->find("pretokenizers");
    if (steps == pre->end() || !steps->is_array())
      return fail("pre_tokenizer.pretokenizers", "expected an array");
    for (size_t i = 0; i < steps->size(); ++i)
      if (Expected<void> ok =
              visit((*steps)[i],
                    "pre_tokenizer.pretokenizers[" + std::to_string(i) + "]");
          !ok)
        return ok.error();
  } else if (Expected<void> ok = visit(*pre, "pre_tokenizer"); !ok) {
    return ok.error();
  }
  if (!splitPattern || !byteLevel)
    return fail("pre_tokenizer",
                "expected a regex Split followed by ByteLevel");
  const std::string &pattern = splitPattern->get_ref<const std::string &>();
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  tokenizer.split = std::make_unique<Regex>();
  tokenizer.split->code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
      PCRE2_UTF | PCRE2_UCP, &errorCode, &errorOffset, nullptr);
  if (!tokenizer.split->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    return fail("pre_tokenizer: Split.pattern.Regex",
                "does not compile at offset " + std::to_string(errorOffset) +
                    ": " + reinterpret_cast<const char *>(message));
  }
  pcre2_jit_compile(tokenizer.split->code, PCRE2_JIT_COMPLETE);
  tokenizer.split->limits = pcre2_match_context_create(nullptr);
  if (!tokenizer.split->limits)
    return fail("pre_tokenizer", "out of memory for the regex's limits");
  pcre2_set_match_limit(tokenizer.split->limits, kMaxMatchSteps);

  // post_processor: the single-sequence template's special tokens.
  if (auto post = root.find("post_processor");
      post != root.end() && !post->is_null()) {
    const Json *postType = stringField(*post, "type");
    if (!postType || *postType != "TemplateProcessing")
      return fail("post_processor.type",
                  "only TemplateProcessing is supported");
    auto single = post->find("single");
    if (single == post->end() || !single->is_array())
      return fail("post_processor.single", "expected an array");
    bool afterSequence = false;
    for (size_t i = 0; i < single->size(); ++i) {
      const Json &piece = (*single)[i];
      std::string field = "post_processor.single[" + std::to_string(i) + "]";
      if (piece.contains("Sequence")) {
        afterSequence = true;
        continue;
      }
      const Json *name = piece.contains("SpecialToken")
                             ? stringField(piece["SpecialToken"], "id")
                             : nullptr;
      if (!name)
        return fail(field, "expected a Sequence or SpecialToken");
      int64_t id = tokenizer.tokenId(name->get_ref<const std::string &>());
      if (id < 0)
        return fail(field, "unknown token " + describeJson(*name));
      (afterSequence ? tokenizer.suffix : tokenizer.prefix).push_back(id);
    }
  }
  return tokenizer;
}

int64_t Tokenizer::tokenId(std::string_view token) const {
  auto it = vocab.find(std::string(token));
  return it == vocab.end() ? -1 : it->second;
}

Expected<std::vector<int64_t>> Tokenizer::encode(std::string_view text,
                                                 bool addSpecialTokens) const {
  // Checked once here: PCRE2 would check the rest of the text again on
  // every match, which is quadratic.
  if (size_t bad = firstInvalidUtf8(text); bad != std::string_view::npos)
    return Error("text is not valid UTF-8 at byte " + std::to_string(bad));
  Deadline deadline =
      Clock::now() +
      std::chrono::duration_cast<Clock::duration>(splitTimeBudget(text.size()));
  std::vector<int64_t> ids;
  if (addSpecialTokens)
    ids = prefix;
  // Cut added tokens out (leftmost, longest first); encode what lies
  // between them.
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    const AddedToken *match = nullptr;
    if (!addedByFirstByte.empty())
      for (const AddedToken &token :
           addedByFirstByte[static_cast<unsigned char>(text[i])])
        if (text.compare(i, token.content.size(), token.content) == 0) {
          match = &token;
          break;
        }
    if (!match) {
      ++i;
      continue;
    }
    if (Expected<void> done =
            encodeOrdinary(text.substr(start, i - start), ids, deadline);
        !done)
      return done.error();
    ids.push_back(match->id);
    i += match->content.size();
    start = i;
  }
  if (Expected<void> done = encodeOrdinary(text.substr(start), ids, deadline);
      !done)
    return done.error();
  if (addSpecialTokens)
    ids.insert(ids.end(), suffix.begin(), suffix.end());
  return ids;
}

Expected<void> Tokenizer::encodeOrdinary(std::string_view text,
                                         std::vector<int64_t> &ids,
                                         Deadline deadline) const {
  if (text.empty())
    return {};
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data *)> match(
      pcre2_match_data_create_from_pattern(split->code, nullptr),
      pcre2_match_data_free);
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t offset = 0;
  while (offset < text.size()) {
    int found = pcre2_match(split->code, subject, text.size(), offset,
                            PCRE2_NO_UTF_CHECK, match.get(), split->limits);
    if (found == PCRE2_ERROR_MATCHLIMIT || found == PCRE2_ERROR_DEPTHLIMIT ||
        found == PCRE2_ERROR_HEAPLIMIT || found == PCRE2_ERROR_JIT_STACKLIMIT)
      return Error(path + ": pre_tokenizer: the split regex needs more than " +
                   std::to_string(kMaxMatchSteps) +
                   " backtracking steps to match at byte " +
                   std::to_string(offset) + " of the text");
    if (Clock::now() > deadline) {
      char budget[32];
      std::snprintf(budget, sizeof(budget), "%.1f s",
                    splitTimeBudget(text.size()).count());
      return Error(path +
                   ": pre_tokenizer: the split regex took longer "
                   "than " +
                   budget + " on " + std::to_string(text.size()) +
                   " bytes of text (2 s plus 10 us a byte)");
    }
    if (found < 0) { // no match: the rest is a piece
      encodePiece(text.substr(offset), ids);
      break;
    }
    PCRE2_SIZE *span = pcre2_get_ovector_pointer(match.get());
    // Text the pattern skipped is a piece of its own (Isolated).
    if (span[0] > offset)
      encodePiece(text.substr(offset, span[0] - offset), ids);
    size_t end =
        span[1] > span[0] ? span[1] : span[0] + utf8Length(text[span[0]]);
    encodePiece(text.substr(span[0], end - span[0]), ids);
    offset = end;
  }
  return {};
}

void Tokenizer::mergeSymbols(std::vector<std::string> &symbols) const {
  // Merges the adjacent pair of lowest rank, leftmost on ties, until no
  // pair is in the merge table. Candidates wait in a heap keyed (rank,
  // position) and are checked when they come out, since a merge changes
  // its neighbours: O(n log n), so a long piece (a 1 MB word) costs no more
  // than its length says.
  size_t n = symbols.size();
  std::vector<size_t> next(n), previous(n);
  std::vector<bool> alive(n, true);
  for (size_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    previous[i] = i - 1; // wraps for i = 0, which is never read
  }
  auto rankOf = [&](size_t left, size_t right) -> int64_t {
    auto it = mergeRanks.find(symbols[left] + " " + symbols[right]);
    return it == mergeRanks.end() ? -1 : it->second;
  };
  using Candidate = std::tuple<int64_t, size_t, size_t>; // rank, left, right
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto offer = [&](size_t left, size_t right) {
    if (int64_t rank = rankOf(left, right); rank >= 0)
      heap.emplace(rank, left, right);
  };
  for (size_t i = 0; i + 1 < n; ++i)
    offer(i, i + 1);
  while (!heap.empty()) {
    auto [rank, left, right] = heap.top();
    heap.pop();
    if (!alive[left] || !alive[right] || next[left] != right ||
        rankOf(left, right) != rank)
      continue; // stale: a neighbour merged since
    symbols[left] += symbols[right];
    alive[right] = false;
    next[left] = next[right];
    if (next[left] < n)
      previous[next[left]] = left;
    if (left > 0) // node 0 is never absorbed, so only it has no previous
      offer(previous[left], left);
    if (next[left] < n)
      offer(left, next[left]);
  }
  std::vector<std::string> merged;
  for (size_t i = 0; i < n; i = next[i])
    merged.push_back(std::move(symbols[i]));
  symbols = std::move(merged);
}

void Tokenizer::encodePiece(std::string_view piece,
                            std::vector<int64_t> &ids) const {
  // Byte-level characters, one symbol each.
  std::vector<std::string> symbols;
  std::string whole;
  for (char byte : piece) {
    const std::string &text = byteToText()[static_cast<unsigned char>(byte)];
    symbols.push_back(text);
    whole += text;
  }
  if (ignoreMerges)
    if (auto it = vocab.find(whole); it != vocab.end()) {
      ids.push_back(it->second);
      return;
    }
  mergeSymbols(symbols);
  for (const std::string &symbol : symbols) {
    auto it = vocab.find(symbol);
    // Every byte is in a byte-level vocabulary; a symbol that is not (a
    // vocabulary without the full alphabet) is spelled byte by byte.
    if (it != vocab.end()) {
      ids.push_back(it->second);
      continue;
    }
    for (size_t i = 0; i < symbol.size();) {
      size_t length = utf8Length(symbol[i]);
      if (auto byte = vocab.find(symbol.substr(i, length)); byte != vocab.end())
        ids.push_back(byte->second);
      i += length;
    }
  }
}

Expected<std::string> Tokenizer::decode(const std::vector<int64_t> &ids,
                                        bool skipSpecialTokens) const {
  Expected<std::string> bytes = decodeBytes(ids, skipSpecialTokens);
  if (!bytes)
    return bytes;
  return lossyUtf8(*bytes);
}

Expected<std::string> Tokenizer::decodeBytes(const std::vector<int64_t> &ids,
                                             bool skipSpecialTokens) const {
  std::string bytes;
  for (size_t i = 0; i < ids.size(); ++i) {
    int64_t id = ids[i];
    if (id < 0 || id >= vocabSize() || tokens[id].empty())
      return Error(path + ": id " + std::to_string(id) + " (position " +
                   std::to_string(i) + ") is not in the vocabulary");
    if (isSpecial[id]) {
      if (!skipSpecialTokens)
        bytes += tokens[id];
      continue;
    }
    const std::string &token = tokens[id];
    for (size_t k = 0; k < token.size();) {
      size_t length = utf8Length(token[k]);
      auto byte = textToByte().find(token.substr(k, length));
      if (byte != textToByte().end())
        bytes += char(byte->second);
      else
        bytes.append(token, k, length); // an added, non-special token
      k += length;
    }
  }
  return bytes;
}

Expected<std::string> TextStream::push(int64_t id) {
  Expected<std::string> bytes = tokenizer.decodeBytes({id}, skipSpecialTokens);
  if (!bytes)
    return bytes;
  pending += *bytes;
  size_t complete = pending.size() - incompleteUtf8Tail(pending);
  std::string text = lossyUtf8(std::string_view(pending).substr(0, complete));
  pending.erase(0, complete);
  return text;
}

std::string TextStream::finish() {
  std::string text = lossyUtf8(pending);
  pending.clear();
  return text;
}

} // namespace llama4c::runtime
