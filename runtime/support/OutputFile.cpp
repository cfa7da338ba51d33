//===- OutputFile.cpp - Where a tool's output goes, and writing it --------===//

#include "runtime/support/OutputFile.h"

#include "runtime/support/InputFile.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llama4c::runtime {

namespace {

/// The directory a new file `path` would be created in.
std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

} // namespace

void reportFileSizeLimitAsAnError() { std::signal(SIGXFSZ, SIG_IGN); }

Expected<void> flushStandardOutput() {
  int error = std::fflush(stdout) == 0 ? 0 : errno;
  if (error == 0 && !std::ferror(stdout))
    return {};
  return Error(
      "standard output: cannot write: " +
      (error != 0 ? errnoText(error) : std::string("an earlier write failed")));
}

int writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t count = ::write(fd, bytes.data(), bytes.size());
    if (count < 0 && errno == EINTR)
      continue;
    if (count < 0)
      return errno;
    bytes.remove_prefix(size_t(count));
  }
  return 0;
}

Error OutputFile::failure(const std::string &reason) const {
  return Error((kind == Kind::StandardOutput ? "standard output" : path) +
               ": cannot write: " + reason);
}

Expected<OutputFile> OutputFile::check(const std::string &path) {
  if (path == "-")
    return OutputFile(Kind::StandardOutput, path, path);
  auto refuse = [&](const std::string &reason) {
    return Error(path + ": cannot write: " + reason);
  };
  if (path.empty())
    return Error("cannot write: the output path is empty");
  struct stat link;
  if (::lstat(path.c_str(), &link) == 0) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ELOOP)
        return refuse("symlink loop");
      if (errno == ENOENT)
        return refuse("a symlink to a missing file");
      return refuse(errnoText(errno));
    }
    if (S_ISCHR(info.st_mode) || S_ISFIFO(info.st_mode))
      return OutputFile(Kind::WriteThrough, path, path);
    if (!S_ISREG(info.st_mode))
      return refuse(fileKindName(info.st_mode));
    std::string target = path;
    if (S_ISLNK(link.st_mode)) {
      char *resolved = ::realpath(path.c_str(), nullptr);
      if (!resolved)
        return refuse(errnoText(errno));
      target = resolved;
      std::free(resolved);
    }
    if (::access(directoryOf(target).c_str(), W_OK) != 0)
      return refuse("directory " + directoryOf(target) + ": " +
                    errnoText(errno));
    return OutputFile(Kind::Replace, path, target);
  }
  if (errno != ENOENT)
    return refuse(errnoText(errno));
  std::string directory = directoryOf(path);
  struct stat info;
  if (::stat(directory.c_str(), &info) != 0)
    return refuse("directory " + directory + ": " + errnoText(errno));
  if (!S_ISDIR(info.st_mode))
    return refuse(directory + " is " + fileKindName(info.st_mode) +
                  ", not a directory");
  if (::access(directory.c_str(), W_OK) != 0)
    return refuse("directory " + directory + ": " + errnoText(errno));
  return OutputFile(Kind::Replace, path, path);
}

Expected<void> OutputFile::write(std::string_view bytes) const {
  if (kind == Kind::StandardOutput) {
    if (int error = writeAll(STDOUT_FILENO, bytes))
      return failure(errnoText(error));
    return {};
  }
  if (kind == Kind::WriteThrough) {
    // Non-blocking open: a FIFO nobody reads fails (ENXIO) instead of
    // waiting; the writes themselves block as a pipe's writer should.
    int fd =
        ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
      return failure(errno == ENXIO ? "a FIFO that no process reads"
                                    : errnoText(errno));
    struct stat info;
    if (::fstat(fd, &info) != 0 ||
        (!S_ISCHR(info.st_mode) && !S_ISFIFO(info.st_mode))) {
      ::close(fd);
      return failure("no longer a device or FIFO");
    }
    int error = 0;
    if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
      error = errno;
    if (error == 0)
      error = writeAll(fd, bytes);
    if (::close(fd) != 0 && error == 0)
      error = errno;
    if (error != 0)
      return failure(errnoText(error));
    return {};
  }
  // A stale NAME.partial (of a killed run, or planted) is ours to replace;
  // O_EXCL | O_NOFOLLOW then never opens a FIFO, device or symlink there.
  ::unlink(staging.c_str());
  int fd = ::open(staging.c_str(),
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0)
    return failure(staging + ": " + errnoText(errno));
  int error = writeAll(fd, bytes);
  if (::close(fd) != 0 && error == 0)
    error = errno;
  if (error != 0) {
    ::unlink(staging.c_str());
    return failure(errnoText(error));
  }
  return commitStaged();
}

Expected<void> OutputFile::commitStaged() const {
  if (::rename(staging.c_str(), target.c_str()) != 0) {
    int error = errno;
    ::unlink(staging.c_str());
    return failure(errnoText(error));
  }
  return {};
}

} // namespace llama4c::runtime
