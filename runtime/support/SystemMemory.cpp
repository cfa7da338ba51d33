//===- SystemMemory.cpp - How much memory the machine has ----------------===//

#include "runtime/support/SystemMemory.h"

#include <fstream>
#include <limits>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace llama4c::runtime {

std::optional<uint64_t> physicalMemoryBytes() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long pageSize = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || pageSize <= 0)
    return std::nullopt;
  return uint64_t(pages) * uint64_t(pageSize);
}

std::optional<uint64_t> availableMemoryBytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemAvailable:")
      return kib << 10;
    meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::optional<uint64_t> peakResidentBytes() {
  struct rusage usage;
  if (::getrusage(RUSAGE_SELF, &usage) != 0 || usage.ru_maxrss <= 0)
    return std::nullopt;
  return uint64_t(usage.ru_maxrss) << 10; // KiB on Linux
}

} // namespace llama4c::runtime
