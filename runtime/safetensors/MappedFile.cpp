//===- MappedFile.cpp - A whole file mapped read-only ---------------------===//

#include "runtime/safetensors/MappedFile.h"

#include "runtime/support/InputFile.h"

#include <algorithm>
#include <cerrno>

#include <sys/mman.h>
#include <unistd.h>

namespace llama4c::runtime {

/// Reads the pages of [bytes, bytes + length) into memory.
void populate(const unsigned char *bytes, size_t length) {
#ifdef MADV_POPULATE_READ
  if (::madvise(const_cast<unsigned char *>(bytes), length,
                MADV_POPULATE_READ) == 0)
    return;
#endif
  // Older kernels: touch one byte per page.
  size_t page = size_t(::sysconf(_SC_PAGESIZE));
  unsigned char sum = 0;
  for (size_t offset = 0; offset < length; offset += page)
    sum ^= static_cast<const volatile unsigned char *>(bytes)[offset];
  (void)sum;
}

Expected<MappedFile> MappedFile::open(const std::string &path,
                                      const LoadProgress &progress,
                                      uint64_t stepBytes) {
  Expected<InputFile> input = InputFile::open(path);
  if (!input)
    return input.error();
  size_t length = size_t(input->size());
  void *bytes = nullptr;
  if (length > 0) {
    // Populated up front: a forward pass reads (nearly) every weight, and
    // faulting them in one page at a time from inside the first prefill
    // costs more than one sequential read here.
    int flags = MAP_SHARED;
#ifdef MAP_POPULATE
    if (!progress)
      flags |= MAP_POPULATE;
#endif
    bytes = ::mmap(nullptr, length, PROT_READ, flags, input->descriptor(), 0);
    if (bytes == MAP_FAILED)
      return Error(path + ": cannot map: " + errnoText(errno));
  }
  // The mapping keeps the file alive; the descriptor closes with `input`.
  MappedFile file(static_cast<const unsigned char *>(bytes), length);
  if (progress) {
    // Page-aligned steps, at least one page.
    size_t page = size_t(::sysconf(_SC_PAGESIZE));
    size_t step = std::max(page, size_t(stepBytes) / page * page);
    progress(0, length);
    for (size_t done = 0; done < length;) {
      size_t next = std::min(length, done + step);
      populate(file.bytes + done, next - done);
      done = next;
      progress(done, length);
    }
  }
  return file;
}

MappedFile::MappedFile(MappedFile &&other) noexcept
    : bytes(other.bytes), length(other.length) {
  other.bytes = nullptr;
  other.length = 0;
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept {
  if (this != &other) {
    unmap();
    bytes = other.bytes;
    length = other.length;
    other.bytes = nullptr;
    other.length = 0;
  }
  return *this;
}

MappedFile::~MappedFile() { unmap(); }

void MappedFile::unmap() {
  if (bytes)
    ::munmap(const_cast<unsigned char *>(bytes), length);
  bytes = nullptr;
  length = 0;
}

} // namespace llama4c::runtime
