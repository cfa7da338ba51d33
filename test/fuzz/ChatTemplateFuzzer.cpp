//===- ChatTemplateFuzzer.cpp - Any Jinja template, parsed and rendered ---===//
//
// Rendered with a small conversation and the usual variables; a template
// must render or fail with one line, within the engine's limits (no hang,
// no stack overflow).
//
//===----------------------------------------------------------------------===//

#include "runtime/chat-template/ChatTemplate.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c;
  using Json = nlohmann::ordered_json;
  static const Json messages = Json::parse(R"([
      {"role": "system", "content": " Be brief. "},
      {"role": "user", "content": [{"type": "image"},
                                   {"type": "text", "text": "What is this?"}]},
      {"role": "assistant", "content": "", "tool_calls": [{"function":
          {"name": "f", "arguments": {"x": 1.5, "y": [true, null]}}}]},
      {"role": "tool", "content": "ok"}])");
  runtime::Expected<runtime::ChatTemplate> chat =
      runtime::ChatTemplate::fromSource(
          std::string(reinterpret_cast<const char *>(data), size), "fuzz",
          nlohmann::json{{"bos_token", "<s>"}, {"eos_token", "</s>"}});
  fuzz::checkResult(chat);
  if (chat)
    fuzz::checkResult(chat->render(messages, true));
  return 0;
}
