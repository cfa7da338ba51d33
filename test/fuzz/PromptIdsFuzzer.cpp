//===- PromptIdsFuzzer.cpp - Token ids as --prompt-ids(-file) reads them --===//
//
// Any text is either at least one non-negative id, which written back
// with ", " between them parses to the same ids, or one line naming the
// item at fault by a short quote (its 32 bytes each at most 4 once Error
// has escaped them), however long the item.
//
//===----------------------------------------------------------------------===//

#include "runtime/tools/RunArguments.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c;
  std::string text(reinterpret_cast<const char *>(data), size);
  runtime::Expected<std::vector<int64_t>> ids = runtime::parseTokenIds(text);
  fuzz::checkResult(ids);
  if (!ids) {
    if (ids.error().message().size() > 200)
      std::abort();
    return 0;
  }
  if (ids->empty())
    std::abort();
  std::string written;
  for (int64_t id : *ids) {
    if (id < 0)
      std::abort();
    written += (written.empty() ? "" : ", ") + std::to_string(id);
  }
  runtime::Expected<std::vector<int64_t>> again =
      runtime::parseTokenIds(written);
  if (!again || *again != *ids)
    std::abort();
  return 0;
}
