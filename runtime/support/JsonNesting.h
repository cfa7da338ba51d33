//===- JsonNesting.h - How deep a JSON text nests ---------------*- C++ -*-===//
//
// JSON files from a checkpoint (safetensors headers, the index,
// tokenizer.json, the configs) and config.json nest a few levels; a file of
// 300 KB of '[' nests 300,000. The parsers and what they build keep state
// per open level (a path for messages, a stack frame when freeing the
// value), so depth is checked first, by a linear scan that allocates
// nothing.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SUPPORT_JSONNESTING_H
#define LLAMA4C_RUNTIME_SUPPORT_JSONNESTING_H

#include <string_view>

namespace llama4c::runtime {

/// Arrays and objects inside each other that a JSON file may open; Llama 4's
/// files use at most 6.
constexpr int kMaxJsonNesting = 64;

/// Whether `text` opens more than kMaxJsonNesting arrays and objects inside
/// each other. Brackets inside strings do not count; malformed text is
/// left to the parser.
bool jsonNestsTooDeeply(std::string_view text);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SUPPORT_JSONNESTING_H
