//===- InputFile.cpp - Opening a file that must be a regular file ---------===//

#include "runtime/support/InputFile.h"

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llama4c::runtime {

std::string errnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

bool pathExists(const std::string &path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0;
}

std::string fileKindName(unsigned mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "a special file";
}

namespace {

/// The error for a failed stat or open of `path`.
Error openError(const std::string &path, int error) {
  if (error == ELOOP)
    return Error(path + ": symlink loop");
  return Error(path + ": cannot open: " + errnoText(error));
}

Error notRegular(const std::string &path, unsigned mode) {
  return Error(path + ": not a regular file: " + fileKindName(mode));
}

} // namespace

Expected<InputFile> InputFile::open(const std::string &path,
                                    uint64_t maxBytes) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    return openError(path, errno);
  if (!S_ISREG(info.st_mode))
    return notRegular(path, info.st_mode);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return openError(path, errno);
  InputFile file(fd, 0);
  if (::fstat(fd, &info) != 0)
    return Error(path + ": cannot open: " + errnoText(errno));
  if (!S_ISREG(info.st_mode))
    return notRegular(path, info.st_mode);
  file.bytes = uint64_t(info.st_size);
  if (file.bytes > maxBytes)
    return Error(path + ": file of " + std::to_string(file.bytes) +
                 " bytes is over the limit of " + std::to_string(maxBytes) +
                 " bytes");
  return file;
}

InputFile::InputFile(InputFile &&other) noexcept
    : fd(other.fd), bytes(other.bytes) {
  other.fd = -1;
}

InputFile &InputFile::operator=(InputFile &&other) noexcept {
  if (this != &other) {
    if (fd >= 0)
      ::close(fd);
    fd = other.fd;
    bytes = other.bytes;
    other.fd = -1;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd >= 0)
    ::close(fd);
}

Expected<size_t> InputFile::read(void *into, size_t count) const {
  size_t done = 0;
  while (done < count) {
    ssize_t got = ::read(fd, static_cast<char *>(into) + done, count - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return Error(errnoText(errno));
    if (got == 0)
      break;
    done += size_t(got);
  }
  return done;
}

Expected<std::string> readInputFile(const std::string &path,
                                    uint64_t maxBytes) {
  Expected<InputFile> file = InputFile::open(path, maxBytes);
  if (!file)
    return file.error();
  std::string text(size_t(file->size()), '\0');
  Expected<size_t> done = file->read(text.data(), text.size());
  if (!done)
    return Error(path + ": cannot read: " + done.error().message());
  // Fewer bytes: the file shrank while we read; what is there is the file.
  text.resize(*done);
  return text;
}

} // namespace llama4c::runtime
