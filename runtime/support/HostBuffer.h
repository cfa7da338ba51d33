//===- HostBuffer.h - Owned, zero-filled host memory ------------*- C++ -*-===//
//
// The runtime's large allocations (KV caches, logits, converted weights)
// can fail for sizes the user chose, so they go through calloc, which
// reports failure with nullptr rather than an exception, and whose zero
// pages the kernel maps lazily. The caller turns failure into an Error that
// says who asked for how much. calloc's alignment (16 bytes on glibc)
// covers every element type a model reads.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SUPPORT_HOSTBUFFER_H
#define LLAMA4C_RUNTIME_SUPPORT_HOSTBUFFER_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace llama4c::runtime {

class HostBuffer {
public:
  HostBuffer() = default;

  /// `bytes` zero bytes; test the result with `if (!buffer)`.
  static HostBuffer zeroed(size_t bytes) {
    HostBuffer buffer;
    // calloc(0) may return nullptr; one byte keeps "empty" distinct from
    // "failed".
    buffer.memory.reset(std::calloc(bytes == 0 ? 1 : bytes, 1));
    buffer.length = buffer.memory ? bytes : 0;
    return buffer;
  }

  explicit operator bool() const { return memory != nullptr; }
  void *data() const { return memory.get(); }
  size_t size() const { return length; }

private:
  struct Free {
    void operator()(void *pointer) const { std::free(pointer); }
  };
  std::unique_ptr<void, Free> memory;
  size_t length = 0;
};

/// `bytes` for messages: "12.5 MiB", "88 bytes" under 1 MiB, "2.50 GiB"
/// from 1 GiB.
inline std::string formatSize(uint64_t bytes) {
  if (bytes < (1 << 20))
    return std::to_string(bytes) + " bytes";
  char text[32];
  if (bytes < (uint64_t(1) << 30))
    std::snprintf(text, sizeof(text), "%.1f MiB", double(bytes) / (1 << 20));
  else
    std::snprintf(text, sizeof(text), "%.2f GiB", double(bytes) / (1 << 30));
  return text;
}

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SUPPORT_HOSTBUFFER_H
