// Writing a file so that nothing is lost: the one path every output of soapgap goes through.
//
// AtomicFile writes to a unique temporary beside the target (mkstemp: two writers never share
// it, and no file of the user's is touched), and commit() flushes it, fsyncs it, checks every
// write and the close, renames it over the target and fsyncs the directory. Until commit()
// succeeds the target is untouched; a failure, an exception or destruction without commit()
// removes the temporary. SIGINT, SIGTERM and SIGHUP are held back while the temporary exists
// (they take effect after the rename or the removal), so an interrupted program leaves either the
// complete new file or the old one, never a half-written file or a leftover temporary.
#pragma once
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace soapgap {

class AtomicFile {
 public:
  // Creates the temporary. Throws InputError naming `path` when it cannot (missing directory,
  // no permission, path is a directory or another non-regular file such as /dev/null).
  // `kind` names the file in messages: "cannot write KIND PATH: <reason>" (e.g. "potential file").
  explicit AtomicFile(std::string path, std::string kind = "");
  ~AtomicFile();  // removes the temporary unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // A buffered stream into the temporary. Its errors are kept and reported by commit().
  std::ostream& stream();
  // Unbuffered write of n bytes (for writers with their own buffering, e.g. libxml2's). Returns
  // false on an error, which commit() then reports.
  bool write(const char* data, std::size_t n);
  // Flush, fsync, close, rename over the target, fsync the directory. Throws InputError
  // ("cannot write [KIND ]PATH: <reason>", e.g. No space left on device) and leaves the target
  // untouched.
  void commit();

  int error() const { return error_; }  // errno of the first failed write, 0 if none
  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return tmp_; }

 private:
  class Buffer;
  class DeferSignals;
  [[noreturn]] void fail(const std::string& what);
  void remove_temporary();

  std::string path_, tmp_;
  std::string what_;  // "KIND PATH" or "PATH", for messages
  int fd_ = -1;
  int error_ = 0;  // first errno of a failed write
  bool committed_ = false;
  std::unique_ptr<DeferSignals> defer_;
  std::unique_ptr<Buffer> buffer_;
  std::unique_ptr<std::ostream> stream_;
};

// Writes `text` to `path` through an AtomicFile.
void write_file_atomically(const std::string& path, const std::string& text);

// Checks, before any work is done, that `path` can be written as an output: it is not a
// directory or another non-regular file, its directory exists and is writable, and it is not the same file (same device
// and inode, also through links) as any of `inputs`. Throws InputError naming `option` (e.g.
// "--output") and the reason.
void check_output_path(const std::string& option, const std::string& path, const std::vector<std::string>& inputs = {});

}  // namespace soapgap
