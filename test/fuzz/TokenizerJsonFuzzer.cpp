//===- TokenizerJsonFuzzer.cpp - tokenizer.json, loaded and then used -----===//

#include "runtime/tokenizer/Tokenizer.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c;
  runtime::Expected<runtime::Tokenizer> tokenizer = runtime::Tokenizer::open(
      fuzz::writeScratch("tokenizer.json", data, size));
  fuzz::checkResult(tokenizer);
  if (!tokenizer)
    return 0;
  runtime::Expected<std::vector<int64_t>> ids =
      tokenizer->encode("Hello, world! <|eot|> 123 日本 🐄");
  fuzz::checkResult(ids);
  if (ids)
    fuzz::checkResult(tokenizer->decode(*ids));
  return 0;
}
