//===- Output.cpp - Writing what a compile produces -----------------------===//

#include "compiler/Output.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"

using namespace llama4c;

llvm::Expected<runtime::OutputFile> llama4c::checkOutput(llvm::StringRef path) {
  runtime::Expected<runtime::OutputFile> output =
      runtime::OutputFile::check(path.str());
  if (!output)
    return llvm::createStringError(output.error().message());
  return std::move(*output);
}

llvm::Error llama4c::writeOutput(llvm::StringRef path, llvm::StringRef bytes) {
  llvm::Expected<runtime::OutputFile> output = checkOutput(path);
  if (!output)
    return output.takeError();
  if (output->replacesFile())
    llvm::sys::RemoveFileOnSignal(output->stagingPath());
  runtime::Expected<void> written = output->write(bytes);
  if (output->replacesFile())
    llvm::sys::DontRemoveFileOnSignal(output->stagingPath());
  if (!written)
    return llvm::createStringError(written.error().message());
  return llvm::Error::success();
}

llvm::Expected<TemporaryFile> TemporaryFile::create(llvm::StringRef prefix,
                                                    llvm::StringRef suffix) {
  llvm::SmallString<128> name;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile(prefix, suffix, name))
    return llvm::createStringError("cannot create a temporary file " + name +
                                   ": " + ec.message());
  llvm::sys::RemoveFileOnSignal(name);
  return TemporaryFile(name.str().str());
}

TemporaryFile::TemporaryFile(TemporaryFile &&other) noexcept
    : name(std::move(other.name)) {
  other.name.clear();
}

TemporaryFile::~TemporaryFile() {
  if (name.empty())
    return;
  llvm::sys::fs::remove(name);
  llvm::sys::DontRemoveFileOnSignal(name);
}

llvm::Error TemporaryFile::write(llvm::StringRef bytes) const {
  int fd;
  std::error_code ec = llvm::sys::fs::openFileForWrite(name, fd);
  if (!ec) {
    if (int error = runtime::writeAll(fd, bytes))
      ec = std::error_code(error, std::generic_category());
    if (std::error_code closed =
            llvm::sys::Process::SafelyCloseFileDescriptor(fd);
        closed && !ec)
      ec = closed;
  }
  if (ec)
    return llvm::createStringError(name + ": cannot write: " + ec.message());
  return llvm::Error::success();
}
