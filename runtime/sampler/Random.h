//===- Random.h - A seeded PRNG that is the same everywhere -----*- C++ -*-===//
//
// xoshiro256** (Blackman and Vigna, https://prng.di.unimi.it/), seeded by
// expanding one 64-bit seed through splitmix64 as its authors recommend.
// std::mt19937 would also be portable, but the std::*_distribution adaptors
// on top of it are not: libstdc++ and libc++ turn the same bits into
// different numbers. Owning the generator and the bits-to-double step keeps
// a seed's token sequence identical on every platform and standard library.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAMPLER_RANDOM_H
#define LLAMA4C_RUNTIME_SAMPLER_RANDOM_H

#include <cstdint>

namespace llama4c::runtime {

/// Advances `state` and returns the next splitmix64 output.
inline uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Xoshiro256StarStar {
public:
  explicit Xoshiro256StarStar(uint64_t seed) {
    // splitmix64 never yields four zero words, the one state xoshiro must
    // not start from.
    for (uint64_t &word : state)
      word = splitmix64(seed);
  }

  uint64_t next() {
    uint64_t result = rotateLeft(state[1] * 5, 7) * 9;
    uint64_t shifted = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= shifted;
    state[3] = rotateLeft(state[3], 45);
    return result;
  }

  /// Uniform in [0, 1): the top 53 bits, exactly representable as a double.
  double nextDouble() { return double(next() >> 11) * 0x1.0p-53; }

private:
  static uint64_t rotateLeft(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
  }

  uint64_t state[4];
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAMPLER_RANDOM_H
