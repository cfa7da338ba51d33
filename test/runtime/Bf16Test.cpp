//===- Bf16Test.cpp - Tests for bf16 <-> f32 conversion -------------------===//
//
// Exact values, every bf16 bit pattern through a round trip, ties to even
// (normal and subnormal), overflow, NaN, and f32ToBf16 against an
// independent reference: pick whichever neighbouring bf16 value is nearer in
// double arithmetic, the even one on a tie.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/Bf16.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace llama4c::runtime;

namespace {

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

TEST(Bf16Test, ConvertsExactValues) {
  EXPECT_EQ(f32ToBf16(1.0f), 0x3F80);
  EXPECT_EQ(f32ToBf16(-2.0f), 0xC000);
  EXPECT_EQ(f32ToBf16(0.0f), 0x0000);
  EXPECT_EQ(f32ToBf16(-0.0f), 0x8000);
  EXPECT_EQ(f32ToBf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(f32ToBf16(-std::numeric_limits<float>::infinity()), 0xFF80);

  EXPECT_EQ(bf16ToF32(0x3F80), 1.0f);
  EXPECT_EQ(bf16ToF32(0x4049), 3.140625f);
  EXPECT_EQ(bf16ToF32(0x0001), std::ldexp(1.0f, -133)); // smallest subnormal
  EXPECT_EQ(bf16ToF32(0x7F7F), 0x1.FEp127f);            // largest finite
  EXPECT_TRUE(std::signbit(bf16ToF32(0x8000)));
}

TEST(Bf16Test, RoundTripsEveryBf16Value) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    float value = bf16ToF32(uint16_t(bits));
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(bf16ToF32(f32ToBf16(value)))) << bits;
    else
      EXPECT_EQ(f32ToBf16(value), bits) << bits;
  }
}

// 1 + 2^-8 lies exactly halfway between bf16 1.0 (0x3F80, even) and
// 1.0078125 (0x3F81, odd); 1 + 3 * 2^-8 halfway between 0x3F81 and 0x3F82.
TEST(Bf16Test, RoundsTiesToEven) {
  EXPECT_EQ(f32ToBf16(1.0f + 0x1p-8f), 0x3F80);
  EXPECT_EQ(f32ToBf16(1.0f + 3 * 0x1p-8f), 0x3F82);
  EXPECT_EQ(f32ToBf16(-(1.0f + 0x1p-8f)), 0xBF80);
  EXPECT_EQ(f32ToBf16(-(1.0f + 3 * 0x1p-8f)), 0xBF82);
  // One f32 ulp either side of the tie decides it.
  EXPECT_EQ(f32ToBf16(fromBits(0x3F808001)), 0x3F81);
  EXPECT_EQ(f32ToBf16(fromBits(0x3F807FFF)), 0x3F80);
  // Subnormals round the same way.
  EXPECT_EQ(f32ToBf16(fromBits(0x00008000)), 0x0000);
  EXPECT_EQ(f32ToBf16(fromBits(0x00018000)), 0x0002);
  // Rounding up can carry into the exponent: 1.9961 -> 2.0.
  EXPECT_EQ(f32ToBf16(fromBits(0x3FFFC000)), 0x4000);
}

TEST(Bf16Test, RoundsPastTheRangeToInfinity) {
  EXPECT_EQ(f32ToBf16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(f32ToBf16(-std::numeric_limits<float>::max()), 0xFF80);
  EXPECT_EQ(f32ToBf16(fromBits(0x7F7F7FFF)), 0x7F7F); // below the tie
}

// Truncating 0x7F800001 would give 0x7F80, an infinity.
TEST(Bf16Test, KeepsNaNsNaN) {
  for (uint32_t bits : {0x7FC00000u, 0x7F800001u, 0x7FFFFFFFu, 0xFF800001u}) {
    uint16_t narrow = f32ToBf16(fromBits(bits));
    EXPECT_TRUE(std::isnan(bf16ToF32(narrow))) << std::hex << bits;
    EXPECT_EQ(narrow >> 15, bits >> 31) << "sign of " << std::hex << bits;
  }
}

// The reference: the two bf16 values around `value` are its truncation and
// the next one up in magnitude; choose the nearer, the even one on a tie.
uint16_t referenceBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  uint16_t low = uint16_t(bits >> 16), high = uint16_t(low + 1);
  double below = std::fabs(double(value) - double(bf16ToF32(low)));
  // 0x7F7F + 1 is infinity; treat it as the next step, 2^128, for distance.
  double above = (high & 0x7FFF) == 0x7F80
                     ? std::fabs(std::fabs(double(value)) - 0x1p128)
                     : std::fabs(double(value) - double(bf16ToF32(high)));
  if (below != above)
    return below < above ? low : high;
  return (low & 1) ? high : low;
}

TEST(Bf16Test, MatchesNearestEvenReferenceOnManyValues) {
  // A multiplicative stride visits ~4M patterns spread over all of f32,
  // low mantissa bits included.
  for (uint64_t i = 0; i < (uint64_t(1) << 22); ++i) {
    uint32_t bits = uint32_t(i * 0x9E3779B1u);
    float value = fromBits(bits);
    if (!std::isfinite(value)) // covered by the tests above
      continue;
    ASSERT_EQ(f32ToBf16(value), referenceBf16(value)) << std::hex << bits;
  }
}

TEST(Bf16Test, WidensUnalignedBuffers) {
  // One leading byte puts every element at an odd address.
  std::vector<unsigned char> bytes = {0xEE, 0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40};
  float out[3];
  bf16ToF32(out, bytes.data() + 1, 3);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_EQ(out[2], 3.140625f);
}

} // namespace
