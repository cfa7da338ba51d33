//===- ElfCheck.cpp - Refuse files dlopen would crash on ------------------===//
//
// Reads only what the checks need, with memcpy from the mapping (nothing in
// an ELF file we do not trust is assumed aligned), and compares every
// offset with the file size in 64-bit arithmetic that cannot overflow.
//
//===----------------------------------------------------------------------===//

#include "runtime/loader/ElfCheck.h"

#include "runtime/safetensors/MappedFile.h"

#include <cstring>

#include <elf.h>

namespace llama4c::runtime {

namespace {

/// Whether [offset, offset + length) lies within `size` bytes.
bool inside(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

} // namespace

Expected<void> checkSharedObjectFile(const std::string &path) {
  Expected<MappedFile> file = MappedFile::open(path);
  if (!file)
    return file.error();
  auto refuse = [&](const std::string &reason) {
    return Error(path + ": not a loadable shared object: " + reason);
  };
  uint64_t size = file->size();
  if (size < EI_NIDENT || std::memcmp(file->data(), ELFMAG, SELFMAG) != 0)
    return refuse("no ELF header");
  if (file->data()[EI_CLASS] != ELFCLASS64 ||
      file->data()[EI_DATA] != ELFDATA2LSB)
    return refuse("not a 64-bit little-endian ELF file");
  Elf64_Ehdr header;
  if (size < sizeof(header))
    return refuse("truncated ELF header");
  std::memcpy(&header, file->data(), sizeof(header));
  if (header.e_type != ET_DYN)
    return refuse("ELF type " + std::to_string(header.e_type) +
                  " is not a shared object");
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(header.e_phoff, uint64_t(header.e_phnum) * sizeof(Elf64_Phdr),
              size))
    return refuse("program headers lie outside the file");

  for (uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    std::memcpy(&segment, file->data() + header.e_phoff + i * sizeof(segment),
                sizeof(segment));
    if ((segment.p_type == PT_LOAD || segment.p_type == PT_DYNAMIC) &&
        !inside(segment.p_offset, segment.p_filesz, size))
      return refuse("truncated: segment " + std::to_string(i) +
                    " ends at byte " +
                    std::to_string(segment.p_offset + segment.p_filesz) +
                    ", the file has " + std::to_string(size));
  }
  return {};
}

} // namespace llama4c::runtime
