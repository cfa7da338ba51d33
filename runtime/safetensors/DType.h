//===- DType.h - Element types of safetensors files -------------*- C++ -*-===//
//
// The element types a safetensors header may name, their sizes, and their
// spellings: "BF16" in the file, "bf16" in our messages (the spelling the
// rest of llama4c and the Llama 4 spec use).
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_DTYPE_H
#define LLAMA4C_RUNTIME_SAFETENSORS_DTYPE_H

#include <cstddef>
#include <optional>
#include <string_view>

namespace llama4c::runtime {

/// The dtypes of the safetensors format that llama4c accepts. Newer
/// sub-byte formats (F4, F6_*) are rejected: their byte length is not
/// elements * size.
enum class DType {
  Bool,
  U8,
  I8,
  I16,
  U16,
  F16,
  BF16,
  I32,
  U32,
  F32,
  F64,
  I64,
  U64,
  F8E4M3,
  F8E5M2,
};

/// The dtype spelled `tag` in a safetensors header ("BF16"), or
/// std::nullopt for any other string.
std::optional<DType> parseDType(std::string_view tag);

/// Lower-case name for messages: "bf16", "f8_e4m3", "bool".
std::string_view dtypeName(DType dtype);

/// Bytes per element.
size_t dtypeSize(DType dtype);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_DTYPE_H
