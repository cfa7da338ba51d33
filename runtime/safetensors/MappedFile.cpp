//===- MappedFile.cpp - A whole file mapped read-only ---------------------===//

#include "runtime/safetensors/MappedFile.h"

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llama4c::runtime {

namespace {

/// errno as text. std::generic_category is thread-safe, unlike strerror.
std::string errnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

} // namespace

Expected<MappedFile> MappedFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error(path + ": cannot open: " + errnoText(errno));

  struct stat info;
  if (::fstat(fd, &info) != 0) {
    int error = errno;
    ::close(fd);
    return Error(path + ": cannot stat: " + errnoText(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error(path + ": not a regular file");
  }

  size_t length = size_t(info.st_size);
  void *bytes = nullptr;
  if (length > 0) {
    // Populated up front: a forward pass reads (nearly) every weight, and
    // faulting them in one page at a time from inside the first prefill
    // costs more than one sequential read here.
    int flags = MAP_SHARED;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE;
#endif
    bytes = ::mmap(nullptr, length, PROT_READ, flags, fd, 0);
    if (bytes == MAP_FAILED) {
      int error = errno;
      ::close(fd);
      return Error(path + ": cannot map: " + errnoText(error));
    }
  }
  // The mapping keeps the file alive; the descriptor is no longer needed.
  ::close(fd);
  return MappedFile(static_cast<const unsigned char *>(bytes), length);
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
