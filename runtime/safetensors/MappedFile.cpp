//===- MappedFile.cpp - A whole file in memory, read-only -----------------===//

#include "runtime/safetensors/MappedFile.h"

#include "runtime/support/InputFile.h"
#include "runtime/support/SystemMemory.h"

#include <algorithm>
#include <cerrno>

#include <sys/mman.h>
#include <unistd.h>

namespace llama4c::runtime {

namespace {

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

constexpr size_t kHugePage = size_t(2) << 20;

size_t roundUp(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

/// `bytes` (a multiple of 2 MiB) of writable memory starting on a 2 MiB
/// boundary, advised into huge pages; nullptr with errno set on failure.
unsigned char *reserveHugePages(size_t bytes) {
  // More than needed is reserved, then the ends trimmed.
  void *reserved = ::mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (reserved == MAP_FAILED)
    return nullptr;
  auto *start = static_cast<unsigned char *>(reserved);
  auto *aligned = reinterpret_cast<unsigned char *>(
      roundUp(reinterpret_cast<uintptr_t>(start), kHugePage));
  size_t head = size_t(aligned - start);
  if (head > 0)
    ::munmap(start, head);
  ::munmap(aligned + bytes, kHugePage - head);
  // Advice only: without transparent huge pages the copy still works.
  ::madvise(aligned, bytes, MADV_HUGEPAGE);
  return aligned;
}

/// Steps of at least one page, page-aligned, over [0, length): `step(begin,
/// end)` for each, then progress reported.
Expected<void>
inSteps(size_t length, uint64_t stepBytes, const LoadProgress &progress,
        const std::function<Expected<void>(size_t, size_t)> &step) {
  size_t page = size_t(::sysconf(_SC_PAGESIZE));
  size_t size = std::max(page, size_t(stepBytes) / page * page);
  if (progress)
    progress(0, length);
  for (size_t done = 0; done < length;) {
    size_t next = std::min(length, done + size);
    if (Expected<void> stepped = step(done, next); !stepped)
      return stepped;
    done = next;
    if (progress)
      progress(done, length);
  }
  return {};
}

} // namespace

Expected<MappedFile> MappedFile::open(const std::string &path,
                                      FileMemory memory,
                                      const LoadProgress &progress,
                                      uint64_t stepBytes) {
  Expected<InputFile> input = InputFile::open(path);
  if (!input)
    return input.error();
  size_t length = size_t(input->size());
  if (memory == FileMemory::CopiedIfRoom)
    memory = length + physicalMemoryBytes().value_or(0) / 4 <=
                     availableMemoryBytes().value_or(0)
                 ? FileMemory::Copied
                 : FileMemory::Mapped;
  if (length == 0)
    return MappedFile(nullptr, 0, 0, false);

  if (memory == FileMemory::Copied) {
    size_t huge = roundUp(length, kHugePage);
    unsigned char *aligned = reserveHugePages(huge);
    if (!aligned)
      return Error(path + ": cannot allocate " + std::to_string(length) +
                   " bytes for a copy: " + errnoText(errno));
    MappedFile file(aligned, length, huge, true);
    Expected<void> read = inSteps(
        length, stepBytes, progress,
        [&](size_t begin, size_t end) -> Expected<void> {
          Expected<size_t> got = input->read(aligned + begin, end - begin);
          if (!got)
            return Error(path + ": cannot read: " + got.error().message());
          if (*got < end - begin)
            return Error(path + ": file shrank while being read");
          return {};
        });
    if (!read)
      return read.error();
    ::mprotect(aligned, huge, PROT_READ);
    return file;
  }

  // Populated up front: a forward pass reads (nearly) every weight, and
  // faulting them in one page at a time from inside the first prefill
  // costs more than one sequential read here.
  int flags = MAP_SHARED;
#ifdef MAP_POPULATE
  if (!progress)
    flags |= MAP_POPULATE;
#endif
  void *bytes =
      ::mmap(nullptr, length, PROT_READ, flags, input->descriptor(), 0);
  if (bytes == MAP_FAILED)
    return Error(path + ": cannot map: " + errnoText(errno));
  // The mapping keeps the file alive; the descriptor closes with `input`.
  MappedFile file(static_cast<const unsigned char *>(bytes), length, length,
                  false);
  if (progress)
    (void)inSteps(length, stepBytes, progress,
                  [&](size_t begin, size_t end) -> Expected<void> {
                    populate(file.bytes + begin, end - begin);
                    return {};
                  });
  return file;
}

MappedFile::MappedFile(MappedFile &&other) noexcept
    : bytes(other.bytes), length(other.length),
      mappedLength(other.mappedLength), copied(other.copied) {
  other.bytes = nullptr;
  other.length = other.mappedLength = 0;
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept {
  if (this != &other) {
    unmap();
    bytes = other.bytes;
    length = other.length;
    mappedLength = other.mappedLength;
    copied = other.copied;
    other.bytes = nullptr;
    other.length = other.mappedLength = 0;
  }
  return *this;
}

MappedFile::~MappedFile() { unmap(); }

void MappedFile::unmap() {
  if (bytes)
    ::munmap(const_cast<unsigned char *>(bytes), mappedLength);
  bytes = nullptr;
  length = mappedLength = 0;
}

} // namespace llama4c::runtime
