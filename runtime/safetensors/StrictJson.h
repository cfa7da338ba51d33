//===- StrictJson.h - JSON parsing that rejects repeated keys ---*- C++ -*-===//
//
// The JSON reader behind safetensors headers and checkpoint indexes. Plain
// nlohmann::json::parse keeps the last of two equal keys without a word, so
// a header that names a tensor twice would silently lose one entry; here a
// repeated key anywhere in the document is an error naming its JSON path.
//
// Nothing here throws: parsing goes through a SAX handler that records
// errors, and the helpers check a value's kind before reading it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_STRICTJSON_H
#define LLAMA4C_RUNTIME_SAFETENSORS_STRICTJSON_H

#include "llama4c/Status.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llama4c::runtime {

using Json = nlohmann::json;

/// Parses `text`, read from `file`. Fails with "FILE: invalid JSON: ..." on
/// a syntax error (invalid UTF-8 included) and with "FILE: PATH: key appears
/// twice" when an object repeats a key; PATH is the key itself at the top
/// level and "outer.inner" below it.
Expected<Json> parseStrictJson(std::string_view text, const std::string &file);

/// The file at `path`, parsed as parseStrictJson does. Fails naming the
/// file when it cannot be read or is larger than `maxBytes`.
Expected<Json> readJsonFile(const std::string &path, uint64_t maxBytes);
/// readJsonFile for a file whose top level must be an object (a config).
Expected<Json> readJsonObjectFile(const std::string &path, uint64_t maxBytes);

/// `text` as a JSON string literal, quotes and escapes included; for names
/// from a file inside messages.
std::string quoteJson(const std::string &text);

/// A JSON value as it should appear after "got" in a message: scalars as
/// written (long strings cut), containers by kind ("an object").
std::string describeJson(const Json &value);

/// A non-negative JSON integer; std::nullopt for anything else, including
/// 4.0 and integers past 2^64 (which nlohmann reads as floating point).
std::optional<uint64_t> jsonUnsigned(const Json &value);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_STRICTJSON_H
