//===- Bf16.h - bfloat16 <-> float conversion -------------------*- C++ -*-===//
//
// bf16 is the top half of an IEEE f32: same sign and 8-bit exponent, 7
// mantissa bits. Widening is exact; narrowing rounds to nearest, ties to
// even, as PyTorch's tensor.to(torch.bfloat16) does, so an f32 model fed
// from a bf16 checkpoint (or the reverse) sees the values PyTorch would.
// Finite values past the bf16 range round to infinity, as in PyTorch.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_BF16_H
#define LLAMA4C_RUNTIME_SAFETENSORS_BF16_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace llama4c::runtime {

/// The f32 with the same value as the bf16 bit pattern `bits`.
inline float bf16ToF32(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

/// The bf16 bit pattern nearest to `value`, ties to even. A NaN stays a NaN
/// with its sign and top payload bits: truncating alone could clear every
/// mantissa bit left and turn it into an infinity, so the quiet bit is set.
inline uint16_t f32ToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
    return uint16_t((bits >> 16) | 0x0040u);
  // Adding 0x7FFF rounds the dropped half up when it is above one half;
  // adding the kept part's lowest bit breaks an exact half towards even.
  // A carry into the exponent is correct rounding, up to infinity.
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return uint16_t(bits >> 16);
}

// safetensors stores elements little-endian; like the reference reader, we
// reinterpret them in place and so need a little-endian host.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "checkpoint bytes are read as little-endian host values");

/// Widens `count` bf16 values read from `src` (unaligned, as checkpoint
/// tensors may be) into `dst`.
inline void bf16ToF32(float *dst, const void *src, size_t count) {
  const unsigned char *bytes = static_cast<const unsigned char *>(src);
  for (size_t i = 0; i < count; ++i) {
    uint16_t bits;
    std::memcpy(&bits, bytes + 2 * i, sizeof(bits));
    dst[i] = bf16ToF32(bits);
  }
}

/// Rounds `count` f32 values read from `src` (unaligned) into `dst`.
inline void f32ToBf16(uint16_t *dst, const void *src, size_t count) {
  const unsigned char *bytes = static_cast<const unsigned char *>(src);
  for (size_t i = 0; i < count; ++i) {
    float value;
    std::memcpy(&value, bytes + 4 * i, sizeof(value));
    dst[i] = f32ToBf16(value);
  }
}

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_BF16_H
