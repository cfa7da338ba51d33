//===- SystemMemory.h - How much memory the machine has ---------*- C++ -*-===//
//
// The sizes that bound what a run may allocate: the KV cache's default
// limit, and whether a checkpoint is copied into memory or left mapped;
// and what a run ended up holding.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SUPPORT_SYSTEMMEMORY_H
#define LLAMA4C_RUNTIME_SUPPORT_SYSTEMMEMORY_H

#include <cstdint>
#include <optional>

namespace llama4c::runtime {

/// The machine's physical memory in bytes, if the system says.
std::optional<uint64_t> physicalMemoryBytes();

/// What could be allocated now without swapping: free memory plus what the
/// kernel can reclaim, such as the page cache (Linux's MemAvailable), if
/// the system says.
std::optional<uint64_t> availableMemoryBytes();

/// The most memory this process has held resident so far (getrusage's
/// maximum resident set size), if the system says.
std::optional<uint64_t> peakResidentBytes();

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SUPPORT_SYSTEMMEMORY_H
