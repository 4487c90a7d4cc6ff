// core/atomic_file.h: the one write path of every output (complete new file or intact old one),
// and core/text_line.h: bounded line reading (NUL bytes, endless lines, allocation failures).
#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <new>
#include <set>
#include <sstream>
#include <streambuf>

#include "core/error.h"
#include "core/text_line.h"
#include "io/extxyz.h"

namespace soapgap {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "soapgap_atomic_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::set<std::string> listing() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.insert(e.path().filename().string());
    return out;
  }
  std::string slurp(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write_plain(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, OldFileStaysUntilCommit) {
  write_plain("out.txt", "old");
  {
    AtomicFile f(path("out.txt"));
    f.stream() << "new contents " << 42;
    EXPECT_EQ(slurp("out.txt"), "old");
    EXPECT_EQ(listing().size(), 2u);  // the old file and the temporary
    f.commit();
  }
  EXPECT_EQ(slurp("out.txt"), "new contents 42");
  EXPECT_EQ(listing(), std::set<std::string>{"out.txt"});
}

TEST_F(AtomicFileTest, NoCommitLeavesNothing) {
  write_plain("out.txt", "old");
  {
    AtomicFile f(path("out.txt"));
    f.stream() << "abandoned";
  }
  EXPECT_EQ(slurp("out.txt"), "old");
  EXPECT_EQ(listing(), std::set<std::string>{"out.txt"});
  { AtomicFile f(path("new.txt")); }
  EXPECT_EQ(listing(), std::set<std::string>{"out.txt"});
}

TEST_F(AtomicFileTest, TemporariesAreUniqueAndLeaveUsersFilesAlone) {
  write_plain("out.txt.tmp", "mine");
  AtomicFile a(path("out.txt")), b(path("out.txt"));
  EXPECT_NE(a.temporary_path(), b.temporary_path());
  a.stream() << "a";
  b.stream() << "b";
  a.commit();
  b.commit();
  EXPECT_EQ(slurp("out.txt"), "b");
  EXPECT_EQ(slurp("out.txt.tmp"), "mine");
  EXPECT_EQ(listing(), (std::set<std::string>{"out.txt", "out.txt.tmp"}));
}

// A write that fails late (the file-size limit stands in for a full disk: the same EFBIG /
// ENOSPC from write()) is reported by commit(), and the old file is kept.
TEST_F(AtomicFileTest, WriteFailureIsReportedAndTheOldFileKept) {
  write_plain("out.txt", "old");
  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  void (*old_handler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  {
    AtomicFile f(path("out.txt"));
    f.stream() << std::string(100000, 'x');
    try {
      f.commit();
    } catch (const InputError& e) {
      message = e.what();
    }
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find("cannot write " + path("out.txt") + ": File too large"), std::string::npos) << message;
  EXPECT_EQ(slurp("out.txt"), "old");
  EXPECT_EQ(listing(), std::set<std::string>{"out.txt"});
}

TEST_F(AtomicFileTest, RefusesDirectoriesDevicesAndMissingDirectories) {
  EXPECT_THROW(AtomicFile{dir_}, InputError);
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);  // stands in for a device such as /dev/null
  EXPECT_THROW(AtomicFile{path("pipe")}, InputError);
  EXPECT_THROW(AtomicFile{path("missing/out.txt")}, InputError);
  EXPECT_THROW(check_output_path("--output", path("pipe")), InputError);
  EXPECT_THROW(check_output_path("--output", dir_), InputError);
  EXPECT_THROW(check_output_path("--output", path("missing/x")), InputError);
  EXPECT_NO_THROW(check_output_path("--output", path("fresh.txt"), {path("fresh.txt")}));
  write_plain("in.txt", "input");
  ASSERT_EQ(::symlink(path("in.txt").c_str(), path("alias.txt").c_str()), 0);
  try {
    check_output_path("--output", path("alias.txt"), {path("other.txt"), path("in.txt")});
    ADD_FAILURE() << "an output that is the input was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--output " + path("alias.txt") + ": is the input file " + path("in.txt")),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(check_output_path("--output", path("in.txt"), {path("other.txt")}));
}

// A stream buffer that hands out `good` bytes of text, then fails to allocate.
class FailingBuffer : public std::streambuf {
 public:
  explicit FailingBuffer(std::string text) : text_(std::move(text)) {
    setg(text_.data(), text_.data(), text_.data() + text_.size());
  }

 protected:
  int_type underflow() override { throw std::bad_alloc(); }

 private:
  std::string text_;
};

// std::getline turns an exception of the stream buffer into end of file; an allocation failure
// while reading must be an error, never a short (or empty) read.
TEST(TextLine, AllocationFailureIsNotEndOfFile) {
  FailingBuffer buf("1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3\nSi 0 0 0\n1\n");
  std::istream in(&buf);
  EXPECT_THROW(read_extxyz_stream(in, "stream.xyz"), std::bad_alloc);
}

TEST(TextLine, NulBytesAndEndlessLines) {
  std::istringstream in(std::string("ab\r\ncd\nx\0y\n", 12));
  std::string line;
  EXPECT_EQ(read_text_line(in, line), TextLine::ok);
  EXPECT_EQ(line, "ab");
  EXPECT_EQ(read_text_line(in, line), TextLine::ok);
  EXPECT_EQ(line, "cd");
  EXPECT_EQ(read_text_line(in, line), TextLine::nul_byte);
  EXPECT_EQ(text_line_problem(TextLine::nul_byte, line), "NUL byte at column 2 (a binary file?)");
  std::istringstream endless(std::string(1000, 'a'));
  EXPECT_EQ(read_text_line(endless, line, 100), TextLine::too_long);
  std::istringstream last("no newline");
  EXPECT_EQ(read_text_line(last, line), TextLine::ok);
  EXPECT_EQ(line, "no newline");
  EXPECT_EQ(read_text_line(last, line), TextLine::end);
}

}  // namespace
}  // namespace soapgap
