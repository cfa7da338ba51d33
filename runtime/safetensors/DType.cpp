//===- DType.cpp - Element types of safetensors files ---------------------===//
//
// One table maps each dtype to its header tag, message name and size, so the
// three can never disagree.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/DType.h"

namespace llama4c::runtime {

namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view tag;  // as written in the header
  std::string_view name; // as written in messages
  size_t size;
};

// In the order of the DType enumerators, so kTable[int(dtype)] is its row.
constexpr DTypeInfo kTable[] = {
    {DType::Bool, "BOOL", "bool", 1},
    {DType::U8, "U8", "u8", 1},
    {DType::I8, "I8", "i8", 1},
    {DType::I16, "I16", "i16", 2},
    {DType::U16, "U16", "u16", 2},
    {DType::F16, "F16", "f16", 2},
    {DType::BF16, "BF16", "bf16", 2},
    {DType::I32, "I32", "i32", 4},
    {DType::U32, "U32", "u32", 4},
    {DType::F32, "F32", "f32", 4},
    {DType::F64, "F64", "f64", 8},
    {DType::I64, "I64", "i64", 8},
    {DType::U64, "U64", "u64", 8},
    {DType::F8E4M3, "F8_E4M3", "f8_e4m3", 1},
    {DType::F8E5M2, "F8_E5M2", "f8_e5m2", 1},
};

constexpr bool tableMatchesEnum() {
  for (size_t i = 0; i < sizeof(kTable) / sizeof(kTable[0]); ++i)
    if (size_t(kTable[i].dtype) != i)
      return false;
  return true;
}
static_assert(tableMatchesEnum(), "kTable rows must follow the DType order");

const DTypeInfo &info(DType dtype) { return kTable[size_t(dtype)]; }

} // namespace

std::optional<DType> parseDType(std::string_view tag) {
  for (const DTypeInfo &row : kTable)
    if (row.tag == tag)
      return row.dtype;
  return std::nullopt;
}

std::string_view dtypeName(DType dtype) { return info(dtype).name; }

size_t dtypeSize(DType dtype) { return info(dtype).size; }

} // namespace llama4c::runtime
