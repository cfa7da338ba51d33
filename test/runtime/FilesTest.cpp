//===- FilesTest.cpp - Tests for InputFile and OutputFile -----------------===//
//
// What the tools do with paths that are not plain files: FIFOs, devices,
// directories, symlinks (to those, dangling, in a loop), missing
// directories, a full device, a file size limit. Nothing may block, and a
// failed write leaves neither the target changed nor a staging file.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/InputFile.h"
#include "runtime/support/OutputFile.h"
#include "runtime/support/Utf8.h"

#include "test/runtime/TestSupport.h"

#include <filesystem>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

class FilesTest : public TempDirTest {
protected:
  void makeFifo(const std::string &name) {
    ASSERT_EQ(::mkfifo(path(name).c_str(), 0600), 0);
  }
  void makeSymlink(const std::string &target, const std::string &name) {
    std::filesystem::create_symlink(target, path(name));
  }
  /// Whether `name` exists, as itself (a symlink is not followed).
  bool exists(const std::string &name) {
    struct stat info;
    return ::lstat(path(name).c_str(), &info) == 0;
  }
};

TEST_F(FilesTest, InputsMustBeRegularFiles) {
  makeFifo("fifo");
  makeSymlink("fifo", "to-fifo");
  makeSymlink("loop-b", "loop-a");
  makeSymlink("loop-a", "loop-b");
  // A FIFO is refused, not waited on; through a symlink too.
  EXPECT_EQ(errorOf(InputFile::open(path("fifo"))),
            path("fifo") + ": not a regular file: a FIFO");
  EXPECT_EQ(errorOf(readInputFile(path("to-fifo"), 100)),
            path("to-fifo") + ": not a regular file: a FIFO");
  EXPECT_EQ(errorOf(InputFile::open("/dev/zero")),
            "/dev/zero: not a regular file: a character device");
  EXPECT_EQ(errorOf(InputFile::open(dir)),
            dir + ": not a regular file: a directory");
  EXPECT_EQ(errorOf(InputFile::open(path("loop-a"))),
            path("loop-a") + ": symlink loop");
  EXPECT_EQ(errorOf(InputFile::open(path("absent"))),
            path("absent") + ": cannot open: No such file or directory");
  writeFile(path("big"), std::string(101, 'x'));
  EXPECT_EQ(errorOf(readInputFile(path("big"), 100)),
            path("big") + ": file of 101 bytes is over the limit of 100 bytes");
  Expected<std::string> text = readInputFile(path("big"), 101);
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(*text, std::string(101, 'x'));
}

TEST_F(FilesTest, OutputsAreRefusedBeforeAnyWork) {
  makeSymlink("absent", "dangling");
  makeSymlink("loop-b", "loop-a");
  makeSymlink("loop-a", "loop-b");
  std::filesystem::create_directory(path("sub"));
  auto refused = [&](const std::string &name) {
    return errorOf(OutputFile::check(name));
  };
  EXPECT_EQ(refused(path("sub")), path("sub") + ": cannot write: a directory");
  EXPECT_EQ(refused(path("dangling")),
            path("dangling") + ": cannot write: a symlink to a missing file");
  EXPECT_EQ(refused(path("loop-a")),
            path("loop-a") + ": cannot write: symlink loop");
  EXPECT_EQ(refused(path("no/dir/x")),
            path("no/dir/x") + ": cannot write: directory " + path("no/dir") +
                ": No such file or directory");
  writeFile(path("file"), "x");
  EXPECT_EQ(refused(path("file/x")),
            path("file/x") + ": cannot write: Not a directory");
  EXPECT_EQ(refused(""), "cannot write: the output path is empty");
  EXPECT_FALSE(exists("dangling-target"));
}

TEST_F(FilesTest, DevicesAndPipesAreWrittenThroughNeverReplaced) {
  Expected<OutputFile> null = OutputFile::check("/dev/null");
  ASSERT_TRUE(null) << null.error().message();
  EXPECT_FALSE(null->replacesFile());
  EXPECT_TRUE(null->write("bytes"));
  Expected<OutputFile> full = OutputFile::check("/dev/full");
  ASSERT_TRUE(full) << full.error().message();
  EXPECT_EQ(errorOf(full->write("bytes")),
            "/dev/full: cannot write: No space left on device");
  struct stat info;
  ASSERT_EQ(::stat("/dev/full", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode)) << "/dev/full was replaced";
  // A FIFO that nobody reads fails at once.
  makeFifo("fifo");
  Expected<OutputFile> fifo = OutputFile::check(path("fifo"));
  ASSERT_TRUE(fifo) << fifo.error().message();
  EXPECT_EQ(errorOf(fifo->write("bytes")),
            path("fifo") + ": cannot write: a FIFO that no process reads");
  EXPECT_FALSE(exists("fifo.partial"));
}

TEST_F(FilesTest, FilesAreReplacedWholeThroughTheirSymlinks) {
  std::filesystem::create_directory(path("real"));
  writeFile(path("real/model.so"), "old");
  makeSymlink("real/model.so", "link.so");
  Expected<OutputFile> output = OutputFile::check(path("link.so"));
  ASSERT_TRUE(output) << output.error().message();
  EXPECT_TRUE(output->replacesFile());
  ASSERT_TRUE(output->write("new"));
  EXPECT_EQ(readFile(path("real/model.so")), "new");
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.so")));
  EXPECT_FALSE(exists("real/model.so.partial"));
  // A stale staging file, even a FIFO planted there, does not block.
  makeFifo("new.bin.partial");
  Expected<OutputFile> fresh = OutputFile::check(path("new.bin"));
  ASSERT_TRUE(fresh) << fresh.error().message();
  ASSERT_TRUE(fresh->write("bytes"));
  EXPECT_EQ(readFile(path("new.bin")), "bytes");
  EXPECT_FALSE(exists("new.bin.partial"));
}

TEST_F(FilesTest, AFileSizeLimitLeavesTheOldFileAndNoStagingFile) {
  writeFile(path("out.bin"), "old");
  Expected<OutputFile> output = OutputFile::check(path("out.bin"));
  ASSERT_TRUE(output) << output.error().message();
  reportFileSizeLimitAsAnError();
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit limit = saved;
  limit.rlim_cur = 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  Expected<void> written = output->write(std::string(4096, 'x'));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  EXPECT_EQ(errorOf(written),
            path("out.bin") + ": cannot write: File too large");
  EXPECT_EQ(readFile(path("out.bin")), "old");
  EXPECT_FALSE(exists("out.bin.partial"));
}

TEST(PrintableLineTest, EscapesWhatATerminalWouldMangle) {
  EXPECT_EQ(printableLine("caf\xc3\xa9 \xe2\x9c\x93"),
            "caf\xc3\xa9 \xe2\x9c\x93");
  EXPECT_EQ(printableLine("a\nb\rc"), "a b c");
  EXPECT_EQ(printableLine("\xff\xfe x \x1b[31m \xc3"),
            "\\xff\\xfe x \\x1b[31m \\xc3");
  // Error applies it to every message.
  EXPECT_EQ(Error("bad.json: \xc0\xaf").message(), "bad.json: \\xc0\\xaf");
}

} // namespace
