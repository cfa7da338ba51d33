//===- MappedFile.h - A whole file in memory, read-only ---------*- C++ -*-===//
//
// Owns the bytes of one file in read-only memory: either the kernel's page
// cache mapped as it is, or a private copy in 2 MiB pages. Pointers into
// it stay valid while the MappedFile (or whatever it was moved into) lives.
//
// Why a copy: a decode step streams every weight once, and from 4 KiB
// pages of the page cache the core's prefetchers stop at every page
// boundary and its TLB misses every few rows. On this project's Zen 4
// machine a bf16 decode step ran 25-34% faster (f32: 15-22%) from 2 MiB
// pages (bench/cpu_vs_llamacpp.py's 156M model, 1 thread).
//
// If another process truncates a file while it is mapped, touching the
// lost pages raises SIGBUS; no reader that avoids copying can prevent that.
// A copy is read with pread() and reports the truncation instead.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_SAFETENSORS_MAPPEDFILE_H
#define LLAMA4C_RUNTIME_SAFETENSORS_MAPPEDFILE_H

#include "llama4c/Status.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace llama4c::runtime {

/// Reports how much of a file has been read in: (done, total) bytes.
using LoadProgress = std::function<void(uint64_t done, uint64_t total)>;

/// Where a file's bytes are held once open.
enum class FileMemory {
  /// The page cache, mapped shared: nothing copied, one copy for every
  /// process that maps the file, evictable under memory pressure.
  Mapped,
  /// A private copy in transparent huge pages (where the kernel has them):
  /// the fastest to stream, but memory of this process alone.
  Copied,
  /// Copied when the file fits in the memory available now with a quarter
  /// of physical memory to spare (for the KV cache, activations and
  /// everyone else), else Mapped. Checkpoint shards decide one by one, so
  /// a model larger than memory keeps what fits as a copy.
  CopiedIfRoom,
};

class MappedFile {
public:
  /// Reads in the regular file at `path`, held as `memory` says, in
  /// `stepBytes` steps reported to `progress` when it is given. Fails with
  /// "PATH: cannot open: ...", "PATH: not a regular file" or, for a copy,
  /// "PATH: cannot read: ..." and "PATH: file shrank while being read".
  static Expected<MappedFile> open(const std::string &path,
                                   FileMemory memory = FileMemory::Mapped,
                                   const LoadProgress &progress = {},
                                   uint64_t stepBytes = uint64_t(64) << 20);

  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  /// The file's bytes; nullptr for an empty file (mmap cannot map 0 bytes).
  const unsigned char *data() const { return bytes; }
  size_t size() const { return length; }
  /// Whether the bytes are a private copy, not the page cache.
  bool isCopy() const { return copied; }

private:
  MappedFile(const unsigned char *bytes, size_t length, size_t mappedLength,
             bool copied)
      : bytes(bytes), length(length), mappedLength(mappedLength),
        copied(copied) {}
  void unmap();

  const unsigned char *bytes = nullptr;
  size_t length = 0;
  /// What munmap must release: a copy's mapping ends at a 2 MiB boundary.
  size_t mappedLength = 0;
  bool copied = false;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_SAFETENSORS_MAPPEDFILE_H
