#include "core/atomic_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <streambuf>

#include "core/error.h"

namespace soapgap {
namespace {

// State shared by the DeferSignals guards alive (below).
constexpr int kDeferredSignalCount = 3;
constexpr int kDeferredSignals[kDeferredSignalCount] = {SIGINT, SIGTERM, SIGHUP};
struct DeferredSignals {
  int users = 0;  // guards alive (under g_deferred_mutex)
  bool installed[kDeferredSignalCount] = {};
  struct sigaction saved[kDeferredSignalCount] = {};
  std::atomic<int> caught[kDeferredSignalCount] = {};  // set by the handler, on any thread
};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free atomic");
DeferredSignals g_deferred;
std::mutex g_deferred_mutex;

// Holds back SIGINT, SIGTERM and SIGHUP (Ctrl-C, kill, a closed terminal) while the temporary
// file exists: a signal that arrives meanwhile takes effect only when the object is destroyed,
// after the rename (or after the temporary was removed), so that an interrupted program leaves
// either the complete file under its final name or none (and an older file untouched), never a
// half-written one or a leftover temporary.
//  - The calling thread blocks the three signals (pthread_sigmask) and restores its mask at the
//    end, when a signal still pending is delivered.
//  - Blocking them in one thread is not enough in a multi-threaded program (OpenMP's worker
//    threads, created during the fit): the kernel delivers a process-directed signal to any
//    thread that does not block it, and its default action ends the whole process. So a
//    signal whose action is the default one is caught meanwhile by a handler that only records
//    it, and raised again in the calling thread once the default action is back. Signals that
//    are ignored or have a handler of the program's own (Python's, for instance) are left
//    alone: they do not end the process by themselves.
// Nested and concurrent guards (threads writing several files) share the handlers: the first
// installs them, the last one restores them.

std::string directory_of(const std::string& path) {
  const std::string::size_type slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

std::atomic<unsigned> g_temporary_counter{0};

}  // namespace

class AtomicFile::DeferSignals {
 public:
  DeferSignals() {
    sigset_t block;
    sigemptyset(&block);
    for (int k = 0; k < kCount; ++k) sigaddset(&block, kSignals[k]);
    pthread_sigmask(SIG_BLOCK, &block, &old_mask_);
    std::lock_guard<std::mutex> lock(g_deferred_mutex);
    DeferredSignals& st = g_deferred;
    if (st.users++ > 0) return;
    for (int k = 0; k < kCount; ++k) {
      st.installed[k] = false;
      st.caught[k].store(0);
      if (sigaction(kSignals[k], nullptr, &st.saved[k]) != 0) continue;
      if ((st.saved[k].sa_flags & SA_SIGINFO) || st.saved[k].sa_handler != SIG_DFL) continue;
      struct sigaction record {};
      record.sa_handler = &DeferSignals::record;
      sigfillset(&record.sa_mask);
      record.sa_flags = SA_RESTART;
      st.installed[k] = sigaction(kSignals[k], &record, nullptr) == 0;
    }
  }

  ~DeferSignals() {
    {
      std::lock_guard<std::mutex> lock(g_deferred_mutex);
      DeferredSignals& st = g_deferred;
      if (--st.users == 0)
        for (int k = 0; k < kCount; ++k) {
          if (!st.installed[k]) continue;
          sigaction(kSignals[k], &st.saved[k], nullptr);  // the default action again
          st.installed[k] = false;
          // Pending on this thread (blocked here) until the mask is restored below.
          if (st.caught[k].exchange(0)) pthread_kill(pthread_self(), kSignals[k]);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  DeferSignals(const DeferSignals&) = delete;
  DeferSignals& operator=(const DeferSignals&) = delete;

 private:
  static constexpr int kCount = kDeferredSignalCount;
  static constexpr const int* kSignals = kDeferredSignals;
  static void record(int sig) {  // async-signal-safe: a lock-free atomic store
    for (int k = 0; k < kCount; ++k)
      if (kSignals[k] == sig) g_deferred.caught[k].store(1);
  }

  sigset_t old_mask_;
};

// Buffered output into AtomicFile::write (64 KiB); errors are recorded by the file.
class AtomicFile::Buffer : public std::streambuf {
 public:
  explicit Buffer(AtomicFile& file) : file_(file), data_(1 << 16) { setp(data_.data(), data_.data() + data_.size()); }

  int sync() override { return flush_buffer() ? 0 : -1; }

 protected:
  int_type overflow(int_type ch) override {
    if (!flush_buffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }

 private:
  bool flush_buffer() {
    const std::ptrdiff_t n = pptr() - pbase();
    setp(data_.data(), data_.data() + data_.size());
    return n == 0 || file_.write(data_.data(), static_cast<std::size_t>(n));
  }

  AtomicFile& file_;
  std::vector<char> data_;
};

AtomicFile::AtomicFile(std::string path, std::string kind)
    : path_(std::move(path)), what_(kind.empty() ? path_ : kind + " " + path_) {
  if (path_.empty()) throw InputError("cannot write a file with an empty name");
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode))  // never rename over /dev/null
    throw InputError("cannot write " + what_ + ": " +
                     (S_ISDIR(st.st_mode) ? std::string(std::strerror(EISDIR)) : std::string("not a regular file")));
  // From before the temporary is created until it is renamed or removed: see DeferSignals.
  defer_ = std::make_unique<DeferSignals>();
  // A name of our own (O_EXCL): never a file of the user's, never another writer's temporary.
  const std::string stem = path_ + ".tmp." + std::to_string(::getpid()) + ".";
  for (int attempt = 0; fd_ < 0; ++attempt) {
    tmp_ = stem + std::to_string(g_temporary_counter.fetch_add(1));
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt >= 1000)) {
      const int err = errno;
      tmp_.clear();
      defer_.reset();
      throw InputError("cannot write " + what_ + ": " + std::strerror(err));
    }
  }
  try {
    buffer_ = std::make_unique<Buffer>(*this);
    stream_ = std::make_unique<std::ostream>(buffer_.get());
  } catch (...) {
    remove_temporary();
    defer_.reset();
    throw;
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) remove_temporary();
  stream_.reset();
  buffer_.reset();
  defer_.reset();  // a signal held back takes effect here
}

void AtomicFile::remove_temporary() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
}

std::ostream& AtomicFile::stream() { return *stream_; }

bool AtomicFile::write(const char* data, std::size_t n) {
  if (fd_ < 0 && error_ == 0) error_ = EBADF;
  if (error_ != 0) return false;
  while (n > 0) {
    const ssize_t done = ::write(fd_, data, n);
    if (done < 0) {
      if (errno == EINTR) continue;
      error_ = errno;
      return false;
    }
    data += done;
    n -= static_cast<std::size_t>(done);
  }
  return true;
}

void AtomicFile::fail(const std::string& what) {
  remove_temporary();
  throw InputError("cannot write " + what_ + ": " + what);
}

void AtomicFile::commit() {
  if (committed_) return;
  stream_->flush();
  if (error_ != 0) fail(std::strerror(error_));
  if (!*stream_) fail("the output stream failed");
  if (::fsync(fd_) != 0) fail(std::string("fsync: ") + std::strerror(errno));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(std::string("close: ") + std::strerror(errno));
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail("renaming " + tmp_ + ": " + std::strerror(errno));
  committed_ = true;
  tmp_.clear();
  // Make the rename itself durable (best effort).
  const int dfd = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicFile file(path);
  file.write(text.data(), text.size());
  file.commit();
}

void check_output_path(const std::string& option, const std::string& path, const std::vector<std::string>& inputs) {
  const auto refuse = [&](const std::string& why) { throw InputError(option + " " + path + ": " + why); };
  if (path.empty()) throw InputError(option + ": empty file name");
  struct stat out;
  const bool exists = ::stat(path.c_str(), &out) == 0;
  if (exists && S_ISDIR(out.st_mode)) refuse("is a directory (expected a file name)");
  if (exists && !S_ISREG(out.st_mode)) refuse("is not a regular file (a device or a pipe); name a file");
  const std::string dir = directory_of(path);
  struct stat d;
  if (::stat(dir.c_str(), &d) != 0) refuse("directory " + dir + " does not exist");
  if (!S_ISDIR(d.st_mode)) refuse(dir + " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) refuse("directory " + dir + " is not writable");
  if (!exists) return;
  for (const std::string& input : inputs) {
    struct stat in;
    if (::stat(input.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
      refuse("is the input file " + input + " (it would be overwritten); choose another output name");
  }
}

}  // namespace soapgap
