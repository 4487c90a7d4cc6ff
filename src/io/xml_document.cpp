#include "io/xml_document.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <system_error>

#include "core/atomic_file.h"
#include "core/error.h"

namespace soapgap::xml {
namespace {

// Length of the valid UTF-8 XML character at s[i], or 0 if there is none.
std::size_t xml_char_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::uint32_t cp;
  std::size_t len;
  if (c < 0x80) {
    return (c >= 0x20 || c == 0x9 || c == 0xA || c == 0xD) ? 1 : 0;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  const std::uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[len] || cp > 0x10FFFF) return 0;  // overlong or too large
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;       // surrogates
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;       // not XML characters
  return len;
}

#if LIBXML_VERSION >= 21200
void structured_error_handler(void* ctx, const xmlError* error) {
#else
void structured_error_handler(void* ctx, xmlErrorPtr error) {
#endif
  auto* log = static_cast<ErrorLog*>(ctx);
  if (log == nullptr || error == nullptr || error->level < XML_ERR_ERROR || log->has_error) return;
  log->has_error = true;
  log->first_line = error->line;
  std::string msg = error->message ? error->message : "unknown libxml2 error";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  log->first_message = msg;
}

void silent_generic_error(void*, const char*, ...) {}

void reject_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  if (ctxt->_private != nullptr) *static_cast<bool*>(ctxt->_private) = true;
  xmlStopParser(ctxt);
}

}  // namespace

bool is_xml_string(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = xml_char_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string sanitize_xml_string(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = xml_char_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(s, i, len);
      i += len;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Error capture and parsing.

ScopedErrorCapture::ScopedErrorCapture(ErrorLog* log) {
  xmlInitParser();  // before the handlers are read: they are libxml2's (thread-local) globals
  old_structured_ = xmlStructuredError;
  old_structured_ctx_ = xmlStructuredErrorContext;
  old_generic_ = xmlGenericError;
  old_generic_ctx_ = xmlGenericErrorContext;
  xmlSetStructuredErrorFunc(log, structured_error_handler);
  xmlSetGenericErrorFunc(nullptr, silent_generic_error);
}

ScopedErrorCapture::~ScopedErrorCapture() {
  xmlSetStructuredErrorFunc(old_structured_ctx_, old_structured_);
  xmlSetGenericErrorFunc(old_generic_ctx_, old_generic_);
}

Parsed parse_file(const std::string& path, int options, OpenBy open_by) {
  Parsed p;
  int fd = -1;
  if (open_by == OpenBy::descriptor) {
    // Not by libxml2, which would interpret the name as a URI: for a clear error.
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      p.open_errno = errno;
      return p;
    }
  }
  struct CloseFd {
    int fd;
    ~CloseFd() {
      if (fd >= 0) ::close(fd);
    }
  } close_fd{fd};  // (declared before the document, so closed after it is parsed)
  ScopedErrorCapture capture(&p.errors);
  xmlResetLastError();
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> ctxt(xmlNewParserCtxt(), xmlFreeParserCtxt);
  if (!ctxt) throw InputError(path + ": cannot create an XML parser (out of memory?)");
  ctxt->_private = &p.doctype;
  ctxt->sax->internalSubset = reject_doctype;
  p.doc.reset(open_by == OpenBy::descriptor ? xmlCtxtReadFd(ctxt.get(), fd, path.c_str(), nullptr, options)
                                            : xmlCtxtReadFile(ctxt.get(), path.c_str(), nullptr, options));
  p.well_formed = ctxt->wellFormed != 0;
  if (const xmlError* e = xmlGetLastError()) {
    p.has_last_error = true;
    p.last_error_line = e->line;
    p.last_error_message = e->message ? e->message : "";
  }
  return p;
}

// ---------------------------------------------------------------------------------------
// Reading.

std::string Reader::where(const xmlNode* n) const {
  std::string msg = file_;
  const long line = xmlGetLineNo(n);
  if (line > 0) msg += ":" + std::to_string(line);
  return msg + ": <" + name(n) + ">";
}

void Reader::fail(const xmlNode* n, const std::string& what) const {
  throw InputError((n != nullptr ? where(n) : file_) + ": " + what);
}

std::optional<std::string> Reader::attr(const xmlNode* n, const char* name) {
  xmlAttrPtr a = xmlHasProp(n, X(name));
  if (a == nullptr) return std::nullopt;
  std::unique_ptr<xmlChar, void (*)(void*)> v(xmlNodeListGetString(n->doc, a->children, 1), xmlFree);
  return std::string(v ? C(v.get()) : "");
}

std::string Reader::required_attr(const xmlNode* n, const char* name) const {
  auto v = attr(n, name);
  if (!v) fail(n, std::string("missing attribute ") + name);
  return *v;
}

void Reader::check_attributes(const xmlNode* n, std::initializer_list<const char*> allowed) const {
  for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
    const std::string an = C(a->name);
    const bool ok =
        a->ns == nullptr && std::any_of(allowed.begin(), allowed.end(), [&](const char* s) { return an == s; });
    if (!ok) {
      std::string list;
      for (const char* s : allowed) list += std::string(list.empty() ? "" : ", ") + s;
      fail(n, "unexpected attribute " + an + " (expected " + (list.empty() ? "none" : list) + ")");
    }
  }
}

std::int64_t Reader::int_attr(const xmlNode* n, const char* name, std::int64_t lo, std::int64_t hi) const {
  const std::string v = required_attr(n, name);
  std::int64_t x = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) {
    fail(n, std::string(name) + "=\"" + v + "\": expected an integer in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]");
  }
  return x;
}

double Reader::double_attr(const xmlNode* n, const char* name, const std::string& v) const {
  double x = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !std::isfinite(x)) {
    fail(n, std::string(name) + "=\"" + v + "\": expected a finite number");
  }
  return x;
}

std::vector<xmlNode*> Reader::element_children(const xmlNode* n) const {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    switch (c->type) {
      case XML_ELEMENT_NODE:
        if (c->ns != nullptr) fail(c, "unexpected namespaced element");
        out.push_back(c);
        break;
      case XML_COMMENT_NODE:
        break;
      case XML_TEXT_NODE:
        if (c->content != nullptr && !is_blank(C(c->content))) fail(n, "unexpected text content");
        break;
      default:
        fail(n, "unexpected content (node type " + std::to_string(c->type) + ")");
    }
  }
  return out;
}

std::string_view Reader::text_of(const xmlNode* n, std::string& storage) const {
  if (n->children != nullptr && n->children->next == nullptr && n->children->type == XML_TEXT_NODE) {
    return n->children->content ? C(n->children->content) : "";
  }
  storage.clear();
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content) storage += C(c->content);
    } else if (c->type != XML_COMMENT_NODE) {
      fail(n, "unexpected content in array (node type " + std::to_string(c->type) + ")");
    }
  }
  return storage;
}

std::vector<const xmlNode*> child_elements(const xmlNode* n, const char* name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && (!name || std::string(C(c->name)) == name)) out.push_back(c);
  return out;
}

std::string text_content(const xmlNode* n) {
  std::unique_ptr<xmlChar, void (*)(void*)> v(xmlNodeGetContent(n), xmlFree);
  return v ? C(v.get()) : "";
}

const xmlNode* ChildCursor::take(const char* name, const char* after) {
  if (pos_ >= children_.size()) {
    r_.fail(parent_, std::string("missing <") + name + "> (expected after <" + after + ">)");
  }
  if (!at(name)) r_.fail(children_[pos_], std::string("unexpected element; expected <") + name + ">");
  return children_[pos_++];
}

void ChildCursor::finish(const char* last) const {
  if (pos_ < children_.size()) r_.fail(children_[pos_], std::string("unexpected element after <") + last + ">");
}

// ---------------------------------------------------------------------------------------
// Writing.

Writer::Writer(AtomicFile& file, const std::string& error_prefix) : capture_(&log_) {
  sink_.file = &file;
  xmlOutputBufferPtr buf = xmlOutputBufferCreateIO(sink_write, sink_close, &sink_, nullptr);
  if (buf == nullptr) throw InputError(error_prefix + ": cannot create the XML output buffer (out of memory?)");
  // The writer owns buf from here on; it is freed (and flushed) by close().
  writer_.reset(xmlNewTextWriter(buf));
  if (!writer_) {
    xmlOutputBufferClose(buf);
    throw InputError(error_prefix + ": cannot create the XML writer (out of memory?)");
  }
}

int Writer::sink_write(void* ctx, const char* buffer, int len) {
  auto* s = static_cast<Sink*>(ctx);
  if (s->error) return -1;
  if (!s->file->write(buffer, static_cast<std::size_t>(len))) {
    s->error = s->file->error() ? s->file->error() : EIO;
    return -1;
  }
  return len;
}

void Writer::check(int rc) const {
  if (rc < 0) throw std::system_error(sink_.error ? sink_.error : EIO, std::generic_category());
}

void Writer::start_document() { check(xmlTextWriterStartDocument(writer_.get(), "1.0", "UTF-8", nullptr)); }
void Writer::start(const char* name) { check(xmlTextWriterStartElement(writer_.get(), X(name))); }
void Writer::attr(const char* name, const std::string& value) {
  check(xmlTextWriterWriteAttribute(writer_.get(), X(name), X(value.c_str())));
}
void Writer::raw(const std::string& text) { check(xmlTextWriterWriteRaw(writer_.get(), X(text.c_str()))); }
void Writer::end() { check(xmlTextWriterEndElement(writer_.get())); }

void Writer::end_document() {
  check(xmlTextWriterEndDocument(writer_.get()));
  check(xmlTextWriterFlush(writer_.get()));
}

void Writer::close() {
  writer_.reset();
  if (sink_.error) throw std::system_error(sink_.error, std::generic_category());
}

}  // namespace soapgap::xml
