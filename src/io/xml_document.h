// The XML layer under soapgap's potential files (io/potential_file.h) and the QUIP importer
// (io/quip_potential.h), on libxml2: parsing with DOCTYPE declarations refused and libxml2's
// messages captured instead of printed, reading elements with messages that name the file, the
// line and the element, strings that XML can hold, and writing into an AtomicFile.
//
// Internal to src/io: it includes libxml2's headers, which the library links privately, so no
// public header may include it.
#pragma once
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace soapgap {

class AtomicFile;

namespace xml {

inline const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
inline const char* C(const xmlChar* s) { return reinterpret_cast<const char*>(s); }

// ---------------------------------------------------------------------------------------
// Strings that XML 1.0 can hold: well-formed UTF-8 of characters in the Char production.

bool is_xml_string(const std::string& s);
// s with every byte that does not start such a character replaced by U+FFFD.
std::string sanitize_xml_string(const std::string& s);

// ---------------------------------------------------------------------------------------
// libxml2 error capture.

// The first error (level XML_ERR_ERROR or worse) reported while a ScopedErrorCapture is alive.
struct ErrorLog {
  std::string first_message;  // without trailing newlines and blanks
  int first_line = 0;
  bool has_error = false;
};

// Initializes libxml2 and sends the errors of this thread (libxml2's handlers are thread-local)
// to `log` and nowhere else; restores the previous handlers on destruction.
class ScopedErrorCapture {
 public:
  explicit ScopedErrorCapture(ErrorLog* log);
  ~ScopedErrorCapture();
  ScopedErrorCapture(const ScopedErrorCapture&) = delete;
  ScopedErrorCapture& operator=(const ScopedErrorCapture&) = delete;

 private:
  xmlStructuredErrorFunc old_structured_;
  void* old_structured_ctx_;
  xmlGenericErrorFunc old_generic_;
  void* old_generic_ctx_;
};

// ---------------------------------------------------------------------------------------
// Parsing.

using Doc = std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)>;

enum class OpenBy {
  descriptor,  // opened here with open(2), for a clear message naming errno
  libxml2,     // by name, by libxml2 (xmlCtxtReadFile: which also reads compressed files)
};

// What parse_file found; each reader words its own messages from it.
struct Parsed {
  Doc doc{nullptr, xmlFreeDoc};
  int open_errno = 0;        // OpenBy::descriptor: open(2) failed, nothing was parsed
  bool doctype = false;      // parsing stopped at a DOCTYPE declaration
  bool well_formed = false;  // the parser's verdict
  ErrorLog errors;           // the first error
  // libxml2's last error of the parse (xmlGetLastError: also a warning, such as the one for a
  // file that libxml2 cannot open).
  bool has_last_error = false;
  int last_error_line = 0;
  std::string last_error_message;  // as libxml2 wrote it (ending with a newline)
};

// Parses the file with libxml2's `options` (XML_PARSE_*). A DOCTYPE declaration stops the parse
// (Parsed::doctype): neither file format has one, and one could declare entities that expand
// exponentially when attributes are read ("billion laughs"). Throws InputError only when no
// parser can be created.
Parsed parse_file(const std::string& path, int options, OpenBy open_by);

// ---------------------------------------------------------------------------------------
// Reading: access to elements and attributes, with messages "file:line: <element>: what".

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  // "file:line: <element>" (without the line where libxml2 has none).
  std::string where(const xmlNode* n) const;
  // Throws InputError "where(n): what" ("file: what" for n == nullptr).
  [[noreturn]] void fail(const xmlNode* n, const std::string& what) const;

  static std::string name(const xmlNode* n) { return C(n->name); }
  static bool has(const xmlNode* n, const char* name) { return xmlHasProp(n, X(name)) != nullptr; }
  static std::optional<std::string> attr(const xmlNode* n, const char* name);
  // The attribute; fails with "missing attribute NAME" without it.
  std::string required_attr(const xmlNode* n, const char* name) const;
  // Fails naming the first attribute not in `allowed` (and attributes in a namespace).
  void check_attributes(const xmlNode* n, std::initializer_list<const char*> allowed) const;
  // A decimal integer in [lo, hi] (std::from_chars: no sign '+', no blanks).
  std::int64_t int_attr(const xmlNode* n, const char* name, std::int64_t lo, std::int64_t hi) const;
  // A finite number (std::from_chars: as written with "%.17g"); `value` is the attribute's.
  double double_attr(const xmlNode* n, const char* name, const std::string& value) const;
  double double_attr(const xmlNode* n, const char* name) const { return double_attr(n, name, required_attr(n, name)); }

  // The element children of n; whitespace and comments between them are skipped, anything
  // else (text, CDATA, processing instructions, entity references, namespaced elements) is
  // rejected.
  std::vector<xmlNode*> element_children(const xmlNode* n) const;

  static bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }
  // Text of an element holding only text: the content of its single text node when possible
  // (no copy), otherwise the concatenation of its text and CDATA children into `storage`
  // (comments skipped, any other child rejected).
  std::string_view text_of(const xmlNode* n, std::string& storage) const;

 private:
  std::string file_;
};

// For lenient readers (QUIP's files): the element children of n named `name` (all of them for
// nullptr), anything else skipped; and all text inside n, that of descendants included.
std::vector<const xmlNode*> child_elements(const xmlNode* n, const char* name = nullptr);
std::string text_content(const xmlNode* n);

// Walks the element children of an element in the order a format requires.
class ChildCursor {
 public:
  ChildCursor(const Reader& r, const xmlNode* parent) : r_(r), parent_(parent), children_(r.element_children(parent)) {}
  bool at(const char* name) const { return pos_ < children_.size() && Reader::name(children_[pos_]) == name; }
  // The next child, which must be <name>; `after` names the element before it, for messages.
  const xmlNode* take(const char* name, const char* after);
  // Fails if a child follows <last>.
  void finish(const char* last) const;

 private:
  const Reader& r_;
  const xmlNode* parent_;
  std::vector<xmlNode*> children_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
// Writing.

// An XML document written with libxml2's xmlTextWriter into an AtomicFile, libxml2's messages
// captured. Each call throws std::system_error when libxml2 reports an error: the errno of the
// failed write into the file, else EIO. The file is committed (or not) by the caller, after
// close().
class Writer {
 public:
  // Throws InputError "error_prefix: cannot create the XML ... (out of memory?)" when libxml2
  // cannot create its output buffer or writer.
  Writer(AtomicFile& file, const std::string& error_prefix);
  ~Writer() = default;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void start_document();  // <?xml version="1.0" encoding="UTF-8"?>
  void start(const char* name);
  void attr(const char* name, const std::string& value);
  void raw(const std::string& text);  // written as is: no escaping
  void end();
  void end_document();  // closes the open elements and flushes libxml2's buffers
  // Frees the writer, which writes what it still holds; throws std::system_error if a write
  // into the file failed.
  void close();

 private:
  struct Sink {
    AtomicFile* file = nullptr;
    int error = 0;  // errno of the first failed write
  };
  static int sink_write(void* ctx, const char* buffer, int len);
  static int sink_close(void*) { return 0; }  // the caller commits or removes the file
  void check(int rc) const;

  ErrorLog log_;
  ScopedErrorCapture capture_;  // alive as long as the writer (declared before it)
  Sink sink_;
  std::unique_ptr<xmlTextWriter, void (*)(xmlTextWriterPtr)> writer_{nullptr, xmlFreeTextWriter};
};

}  // namespace xml
}  // namespace soapgap
