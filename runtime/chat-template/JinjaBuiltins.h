//===- JinjaBuiltins.h - Filters, tests, methods and globals ----*- C++ -*-===//
//
// What a template can call: Jinja's filters (`x | trim`) and tests
// (`x is string`) that chat templates use, the str and dict methods
// (`s.strip()`, `d.items()`), and the globals range() and namespace().
// Each follows the Python it stands for; errors are "filter 'NAME': ..."
// style messages without a line, which the renderer adds.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJABUILTINS_H
#define LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJABUILTINS_H

#include "runtime/chat-template/JinjaValue.h"

#include <string>
#include <vector>

namespace llama4c::runtime::jinja {

/// `input | name(arguments)`.
Expected<Value> applyFilter(const std::string &name, const Value &input,
                            const Arguments &arguments);

/// `input is name(arguments)`.
Expected<bool> applyTest(const std::string &name, const Value &input,
                         const Arguments &arguments);

/// `object.name` as Python's getattr gives it for a str or dict method: a
/// function bound to `object`; undefined when there is no such method.
Value boundMethod(const Value &object, const std::string &name);

/// range(), namespace() and dict(), the globals every template sees.
Value::Dict standardGlobals();

/// The characters (code points) of UTF-8 `text`, one string each, as
/// Python indexes, slices and iterates a str.
std::vector<std::string> codePoints(const std::string &text);

} // namespace llama4c::runtime::jinja

#endif // LLAMA4C_RUNTIME_CHAT_TEMPLATE_JINJABUILTINS_H
