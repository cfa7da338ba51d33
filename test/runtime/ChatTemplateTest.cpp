//===- ChatTemplateTest.cpp - Chat templates against transformers --------===//
//
// test/chat-template/fixtures/cases.json (scripts/make_chat_template_
// fixture.py): conversations rendered by apply_chat_template with Llama 4's
// official template and two others, with their token ids, and small
// templates rendered by transformers' Jinja environment. The rest checks
// that bad templates and inputs fail with one line naming the place.
//
//===----------------------------------------------------------------------===//

#include "runtime/chat-template/ChatTemplate.h"
#include "runtime/chat-template/Jinja.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "test/runtime/TestSupport.h"

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;
using json = nlohmann::ordered_json;

namespace {

const std::string kDemo = LLAMA4C_DEMO_MODEL_DIR;

json fixture() {
  return json::parse(readFile(std::string(LLAMA4C_CHAT_TEMPLATE_FIXTURES_DIR) +
                              "/cases.json"));
}

/// The demo's tokenizer_config.json: its named special tokens.
json demoSpecialTokens() {
  return json::parse(readFile(kDemo + "/tokenizer_config.json"));
}

TEST(ChatTemplateTest, RendersConversationsAsTransformers) {
  json cases = fixture();
  Expected<ChatTemplate> llama4 = ChatTemplate::open(kDemo);
  ASSERT_TRUE(llama4) << llama4.error().message();
  ASSERT_EQ(readFile(kDemo + "/chat_template.jinja"),
            cases["templates"]["llama4"].get<std::string>())
      << "the demo should carry Llama 4's official template";
  Expected<Tokenizer> tokenizer = Tokenizer::open(kDemo + "/tokenizer.json");
  ASSERT_TRUE(tokenizer) << tokenizer.error().message();

  int llama4Cases = 0;
  for (const json &entry : cases["cases"]) {
    std::string name = entry["template"].get<std::string>() + ": " +
                       entry["name"].get<std::string>();
    Expected<ChatTemplate> other = ChatTemplate::fromSource(
        cases["templates"][entry["template"].get<std::string>()], name,
        demoSpecialTokens());
    ASSERT_TRUE(other) << other.error().message();
    bool isLlama4 = entry["template"] == "llama4";
    llama4Cases += isLlama4;
    const ChatTemplate &chat = isLlama4 ? *llama4 : *other;

    Expected<std::string> text = chat.render(
        entry["messages"], entry["add_generation_prompt"], entry["options"]);
    ASSERT_TRUE(text) << name << ": " << text.error().message();
    EXPECT_EQ(*text, entry["text"].get<std::string>()) << name;
    Expected<std::vector<int64_t>> ids = tokenizer->encode(*text, false);
    ASSERT_TRUE(ids) << ids.error().message();
    EXPECT_EQ(*ids, entry["ids"].get<std::vector<int64_t>>()) << name;
  }
  EXPECT_GE(llama4Cases, 10);
}

TEST(ChatTemplateTest, RendersSnippetsAsJinja) {
  json cases = fixture();
  jinja::Value::Dict globals;
  for (auto it = cases["snippet_variables"].begin();
       it != cases["snippet_variables"].end(); ++it)
    globals.emplace_back(it.key(), jinja::Value::fromJson(it.value()));
  ASSERT_GE(cases["snippets"].size(), 20u);
  for (const json &snippet : cases["snippets"]) {
    std::string source = snippet["template"];
    Expected<jinja::Template> compiled = jinja::Template::parse(source);
    ASSERT_TRUE(compiled) << source << ": " << compiled.error().message();
    Expected<std::string> text = compiled->render(globals);
    ASSERT_TRUE(text) << source << ": " << text.error().message();
    EXPECT_EQ(*text, snippet["text"].get<std::string>()) << source;
  }
}

/// The error of parsing, else of rendering, `source` with no variables.
std::string templateError(const std::string &source) {
  Expected<jinja::Template> compiled = jinja::Template::parse(source);
  if (!compiled)
    return errorOf(compiled);
  return errorOf(compiled->render({}));
}

TEST(ChatTemplateTest, ParseErrorsNameTheLine) {
  EXPECT_EQ(templateError("a\n{{ x "), "2: unclosed variable tag");
  EXPECT_EQ(templateError("{# never closed"), "1: unclosed comment");
  EXPECT_EQ(templateError("x\n\n{% if a %}b"),
            "3: 'if' is never closed: expected 'elif' or 'else' or 'endif'");
  EXPECT_EQ(templateError("{% endfor %}"), "1: unexpected 'endfor'");
  EXPECT_EQ(templateError("{% macro m() %}{% endmacro %}"),
            "1: unsupported tag 'macro'");
  EXPECT_EQ(templateError("{{ 'abc }}"), "1: unclosed string literal");
  EXPECT_EQ(templateError("{{ a ! b }}"),
            "1: unexpected character '!' in a tag");
  EXPECT_EQ(templateError("{{ (1 + }}"), "1: unexpected '}' (expected ')')");
  // Deep nesting is refused, not a stack overflow.
  EXPECT_EQ(templateError("{{ " + std::string(5000, '(') + "1" +
                          std::string(5000, ')') + " }}"),
            "1: expression nested too deeply");
  // Chains parse in loops but build trees as deep as they are long, which
  // rendering would recurse over: refused too, without a deep recursion.
  auto chain = [](const std::string &first, const std::string &link) {
    std::string text = "{{ " + first;
    for (int i = 0; i < 30000; ++i)
      text += link;
    return text + " }}";
  };
  for (const std::string &deep :
       {chain("1", " + 1"), chain("'a'", " ~ 'a'"), chain("'a'", " | trim"),
        chain("x", ".a"), chain("x", "[0]"), chain("1", " is number"),
        chain("", "not ") + "", chain("", "- ") + ""})
    EXPECT_EQ(templateError(deep), "1: expression nested too deeply");
  std::string nested;
  for (int i = 0; i < 1000; ++i)
    nested += "{% if true %}";
  EXPECT_EQ(templateError(nested), "1: statements nested too deeply");
}

TEST(ChatTemplateTest, RenderErrorsNameTheLine) {
  EXPECT_EQ(templateError("\n{{ messages[0].role }}"),
            "2: 'messages' is undefined");
  EXPECT_EQ(templateError("{{ x | frobnicate }}"),
            "1: unknown filter 'frobnicate'");
  EXPECT_EQ(templateError("{{ 1 is frob }}"), "1: unknown test 'frob'");
  EXPECT_EQ(templateError("{{ 1 + 'a' }}"),
            "1: unsupported operand types for +: int and str");
  EXPECT_EQ(templateError("{{ 1 // 0 }}"), "1: division by zero");
  EXPECT_EQ(templateError("{{ 9223372036854775807 + 1 }}"),
            "1: integer overflow");
  EXPECT_EQ(templateError("{{ 3 ** 40 }}"), "1: integer overflow");
  EXPECT_EQ(templateError("{{ 1e55 | int }}"),
            "1: int: 1e+55 is outside the range of a 64-bit integer");
  EXPECT_EQ(templateError("{{ '-1e55' | int }}"),
            "1: int: -1e+55 is outside the range of a 64-bit integer");
  EXPECT_EQ(templateError("{{ none() }}"),
            "1: the value (a NoneType) is not callable");
  EXPECT_EQ(templateError("{% for a, b in [1] %}{% endfor %}"),
            "1: cannot unpack int into 2 loop variables");
  EXPECT_EQ(templateError("{{ range(200000) }}"),
            "1: range(): more than 100000 items");
  EXPECT_EQ(
      templateError("{% for i in range(100000) %}"
                    "{% for j in range(100000) %}{% endfor %}{% endfor %}"),
      "1: more than 1000000 loop iterations");
  EXPECT_EQ(templateError("{{ 'x' * 100000000 }}"),
            "1: string repetition exceeds 64 MiB");
  // The empty string repeated any number of times is "" at once.
  Expected<jinja::Template> empty =
      jinja::Template::parse("[{{ '' * 1000000000000 }}]");
  ASSERT_TRUE(empty);
  Expected<std::string> repeated = empty->render({});
  ASSERT_TRUE(repeated);
  EXPECT_EQ(*repeated, "[]");
  // Sizes that would wrap around 2^64 when multiplied.
  EXPECT_EQ(templateError("{{ 'abcd' * 2**62 }}"),
            "1: string repetition exceeds 64 MiB");
  // Strings grown step by step, each step within bounds.
  EXPECT_EQ(templateError("{% set ns = namespace(s='x' * 1000000) %}"
                          "{% for i in range(100) %}{% set ns.s = ns.s + ns.s "
                          "%}{% endfor %}"),
            "1: string concatenation exceeds 64 MiB");
  EXPECT_EQ(templateError("{% set ns = namespace(s='x' * 1000000) %}"
                          "{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s "
                          "%}{% endfor %}"),
            "1: string concatenation exceeds 64 MiB");
  EXPECT_EQ(templateError("{{ ('x' * 1000000) | replace('x', 'yyyyyyyyyyyy"
                          "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                          "yyyyyyyyyyyy') }}"),
            "1: filter 'replace': replace: the result exceeds 64 MiB");
  EXPECT_EQ(templateError("{{ range(100000) | join('x' * 1000) }}"),
            "1: filter 'join': the result exceeds 64 MiB");
  // Many values, each within bounds, kept together.
  EXPECT_EQ(templateError("{% set ns = namespace(all=[]) %}"
                          "{% for i in range(1000) %}"
                          "{% set ns.all = ns.all + ['x' * 60000000] %}"
                          "{% endfor %}"),
            "1: the template built more than 512 MiB of values");
  EXPECT_EQ(templateError("{% set ns = namespace(x=[]) %}"
                          "{% for i in range(1000) %}{% set ns.x = [ns.x] %}"
                          "{% endfor %}"),
            "1: values nested deeper than 256 levels");
  EXPECT_EQ(templateError("{% set ns = namespace(a=1) %}{% set ns.b = [ns] %}"),
            "1: cannot store namespace 'ns' inside itself");
  EXPECT_EQ(templateError("{{ x | trim(1, 2) }}"),
            "1: filter 'trim': takes at most 1 argument, got 2");
}

TEST(ChatTemplateTest, RaiseExceptionAndBadMessagesFail) {
  json none = json::object();
  Expected<ChatTemplate> chat = ChatTemplate::fromSource(
      "{% if messages | length == 0 %}{{ raise_exception('no messages') }}"
      "{% endif %}ok",
      "inline", none);
  ASSERT_TRUE(chat);
  EXPECT_EQ(errorOf(chat->render(json::array(), true)),
            "inline:1: the template raised an error: no messages");
  EXPECT_EQ(errorOf(chat->render(json::object(), true)),
            "messages: expected an array, got an object");
  EXPECT_EQ(errorOf(chat->render(json::array({"hi"}), true)),
            "messages[0]: expected an object, got string \"hi\"");
  Expected<std::string> ok =
      chat->render(json::array({{{"role", "user"}, {"content", "x"}}}), true);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "ok");
}

class ChatTemplateFilesTest : public TempDirTest {};

TEST_F(ChatTemplateFilesTest, ReadsTheTemplateFromTokenizerConfig) {
  writeFile(
      path("tokenizer_config.json"),
      R"({"bos_token": {"content": "<s>"}, "chat_template": [)"
      R"({"name": "tool_use", "template": "tools"},)"
      R"({"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}"}]})");
  Expected<ChatTemplate> chat = ChatTemplate::open(dir);
  ASSERT_TRUE(chat) << chat.error().message();
  Expected<std::string> text =
      chat->render(json::array({{{"role", "user"}, {"content", "hi"}}}), false);
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(*text, "<s>hi");
}

TEST_F(ChatTemplateFilesTest, ErrorsNameTheFileAndField) {
  EXPECT_EQ(errorOf(ChatTemplate::open(dir)),
            dir + ": no chat template: neither chat_template.jinja nor "
                  "tokenizer_config.json is there");
  writeFile(path("tokenizer_config.json"), R"({"eos_token": "</s>"})");
  EXPECT_EQ(errorOf(ChatTemplate::open(dir)),
            path("tokenizer_config.json") +
                ": chat_template: missing, and there is no "
                "chat_template.jinja beside it");
  writeFile(path("tokenizer_config.json"), R"({"eos_token": 5})");
  writeFile(path("chat_template.jinja"), "{{ x }}");
  EXPECT_EQ(errorOf(ChatTemplate::open(dir)),
            path("tokenizer_config.json") +
                ": eos_token: expected a string or {\"content\": string}, "
                "got 5");
  writeFile(path("tokenizer_config.json"), R"({"chat_template": "x"})");
  writeFile(path("chat_template.jinja"), "line\n{% for %}");
  EXPECT_EQ(errorOf(ChatTemplate::open(dir)),
            path("chat_template.jinja") + ":2: expected a name, got '%}'");
  writeFile(path("tokenizer_config.json"), "{\"chat_template\": ");
  EXPECT_NE(errorOf(ChatTemplate::open(dir))
                .find(path("tokenizer_config.json") + ": invalid JSON"),
            std::string::npos);
}

} // namespace
