//===- Utf8.cpp - UTF-8 as the tokenizer and chat templates need it -------===//

#include "runtime/support/Utf8.h"

namespace llama4c::runtime {

size_t utf8Length(unsigned char lead) {
  if (lead >= 0xF0)
    return 4;
  if (lead >= 0xE0)
    return 3;
  if (lead >= 0xC0)
    return 2;
  return 1;
}

size_t validUtf8Length(std::string_view bytes, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[i + k]); };
  unsigned char lead = at(0);
  if (lead < 0x80)
    return 1;
  size_t length = utf8Length(lead);
  if (lead < 0xC2 || lead > 0xF4 || i + length > bytes.size())
    return 0;
  for (size_t k = 1; k < length; ++k)
    if ((at(k) & 0xC0) != 0x80)
      return 0;
  if ((lead == 0xE0 && at(1) < 0xA0) || (lead == 0xED && at(1) > 0x9F) ||
      (lead == 0xF0 && at(1) < 0x90) || (lead == 0xF4 && at(1) > 0x8F))
    return 0;
  return length;
}

size_t firstInvalidUtf8(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    size_t length = validUtf8Length(bytes, i);
    if (length == 0)
      return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string lossyUtf8(std::string_view bytes) {
  std::string text;
  for (size_t i = 0; i < bytes.size();) {
    if (size_t length = validUtf8Length(bytes, i)) {
      text.append(bytes, i, length);
      i += length;
    } else {
      text += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return text;
}

size_t incompleteUtf8Tail(std::string_view bytes) {
  // A lead byte among the last three whose sequence runs past the end,
  // with only continuation bytes after it.
  for (size_t back = 1; back <= 3 && back <= bytes.size(); ++back) {
    unsigned char byte = static_cast<unsigned char>(bytes[bytes.size() - back]);
    if ((byte & 0xC0) == 0x80)
      continue;
    return byte >= 0xC2 && byte <= 0xF4 && utf8Length(byte) > back ? back : 0;
  }
  return 0;
}

uint32_t decodeUtf8(std::string_view text, size_t &i) {
  unsigned char lead = static_cast<unsigned char>(text[i++]);
  size_t extra = utf8Length(lead) - 1;
  uint32_t code = extra == 0 ? lead : lead & (0x3F >> extra);
  for (; extra > 0 && i < text.size(); --extra)
    code = (code << 6) | (static_cast<unsigned char>(text[i++]) & 0x3F);
  return code;
}

void appendUtf8(std::string &out, uint32_t code) {
  if (code < 0x80) {
    out += char(code);
  } else if (code < 0x800) {
    out += char(0xC0 | (code >> 6));
    out += char(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += char(0xE0 | (code >> 12));
    out += char(0x80 | ((code >> 6) & 0x3F));
    out += char(0x80 | (code & 0x3F));
  } else {
    out += char(0xF0 | (code >> 18));
    out += char(0x80 | ((code >> 12) & 0x3F));
    out += char(0x80 | ((code >> 6) & 0x3F));
    out += char(0x80 | (code & 0x3F));
  }
}

std::string printableLine(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char byte = static_cast<unsigned char>(text[i]);
    size_t length = validUtf8Length(text, i);
    if (byte == '\n' || byte == '\r') {
      out += ' ';
    } else if (length == 0 || byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out.append(text, i, length);
      i += length;
      continue;
    }
    ++i;
  }
  return out;
}

} // namespace llama4c::runtime
