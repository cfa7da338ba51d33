//===- JinjaExpressionFuzzer.cpp - One Jinja expression, at any depth -----===//
//
// The input is the inside of `{{ ... }}`, so that mutations spend their time
// on expressions: operator and filter chains, `not not ...`, brackets. Each
// must parse and render, or fail with one line, within the engine's limits
// on depth and on the values it builds.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat-template/Jinja.h"
#include "runtime/chat-template/JinjaBuiltins.h"
#include "test/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llama4c::runtime;
  std::string source =
      "{{ " + std::string(reinterpret_cast<const char *>(data), size) + " }}";
  Expected<jinja::Template> parsed = jinja::Template::parse(source);
  llama4c::fuzz::checkResult(parsed);
  if (parsed) {
    jinja::Value::Dict globals = jinja::standardGlobals();
    globals.emplace_back("x", jinja::Value::string("text"));
    globals.emplace_back("xs",
                         jinja::Value::list({jinja::Value::integer(1),
                                             jinja::Value::string("two")}));
    llama4c::fuzz::checkResult(parsed->render(globals));
  }
  return 0;
}
