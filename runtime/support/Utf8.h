//===- Utf8.h - UTF-8 as the tokenizer and chat templates need it -*- C++
//-*-===//
//
// Well-formedness is RFC 3629's: no overlong forms, surrogates or code
// points past U+10FFFF. Text from users and files is checked once with
// these; afterwards code may step through it by lead bytes alone.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SUPPORT_UTF8_H
#define LLAMA4C_RUNTIME_SUPPORT_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llama4c::runtime {

/// Length of the UTF-8 sequence starting with `lead` (1 for a stray byte).
size_t utf8Length(unsigned char lead);

/// The length of the well-formed UTF-8 character at `bytes[i]`, or 0.
size_t validUtf8Length(std::string_view bytes, size_t i);

/// The offset of the first byte that does not start a well-formed UTF-8
/// character, or npos.
size_t firstInvalidUtf8(std::string_view bytes);

/// `bytes` with every invalid UTF-8 sequence replaced by U+FFFD, as
/// `tokenizers` and Python's decode(errors="replace") do.
std::string lossyUtf8(std::string_view bytes);

/// How many bytes at the end of `bytes` are the start of a character whose
/// remaining bytes have not arrived yet (0 to 3).
size_t incompleteUtf8Tail(std::string_view bytes);

/// The code point at `text[i]` of well-formed `text`; advances `i`.
uint32_t decodeUtf8(std::string_view text, size_t &i);

/// Appends code point `code` (at most U+10FFFF) as UTF-8.
void appendUtf8(std::string &out, uint32_t code);

/// `text` made safe to print on one line of a terminal or log: line breaks
/// become spaces; other control characters and bytes that are not
/// well-formed UTF-8 become \xNN. Messages quote names and bytes from files
/// nobody checked.
std::string printableLine(std::string_view text);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SUPPORT_UTF8_H
