//===- TokenizerEncodeFuzzer.cpp - Any text through Llama 4's tokenizer ---===//
//
// With the fixture tokenizer (test/tokenizer/fixtures): text that is UTF-8
// must encode, and decode back to itself, whole and streamed token by
// token; anything else must be refused with one line.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/Utf8.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c;
  static const runtime::Tokenizer tokenizer = [] {
    runtime::Expected<runtime::Tokenizer> opened = runtime::Tokenizer::open(
        std::string(LLAMA4C_TOKENIZER_FIXTURES_DIR) + "/tokenizer.json");
    if (!opened)
      std::abort();
    return std::move(*opened);
  }();
  std::string text(reinterpret_cast<const char *>(data), size);
  runtime::Expected<std::vector<int64_t>> ids = tokenizer.encode(text, false);
  bool utf8 = runtime::firstInvalidUtf8(text) == std::string::npos;
  if (bool(ids) != utf8)
    std::abort();
  fuzz::checkResult(ids);
  if (!ids)
    return 0;
  runtime::Expected<std::string> decoded = tokenizer.decode(*ids);
  if (!decoded || *decoded != text)
    std::abort();
  runtime::TextStream stream(tokenizer, false);
  std::string streamed;
  for (int64_t id : *ids) {
    runtime::Expected<std::string> piece = stream.push(id);
    if (!piece)
      std::abort();
    streamed += *piece;
  }
  if (streamed + stream.finish() != text)
    std::abort();
  return 0;
}
