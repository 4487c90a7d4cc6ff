#include "io/potential_file.h"

#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/atomic_file.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/key_value.h"
#include "core/sha256.h"

namespace soapgap {
namespace {

constexpr const char* kRootName = "soapgap_potential";
constexpr const char* kArrayEncoding = "base64-float64-le";
constexpr const char* kChecksumTag = "soapgap_potential checksum v1";
constexpr std::uint64_t kMaxArrayValues = std::uint64_t(1) << 31;
constexpr int kMaxZ = 118;
struct Unit {
  const char* name;
  const char* value;
};
constexpr Unit kUnits[] = {
    {"energy", "eV"}, {"length", "Angstrom"}, {"force", "eV/Angstrom"}, {"virial", "eV"}};

// ---------------------------------------------------------------------------------------
// Little-endian float64 conversion, independent of the host byte order.

bool host_is_little_endian() {
  const std::uint32_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

inline void store_f64_le(double x, unsigned char* out) {
  std::uint64_t u;
  std::memcpy(&u, &x, 8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(u >> (8 * i));
}

inline void store_u64_le(std::uint64_t u, unsigned char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(u >> (8 * i));
}

// Converts n little-endian float64 values stored in place to host order.
void le_to_host_in_place(double* p, std::size_t n) {
  if (host_is_little_endian()) return;
  auto* b = reinterpret_cast<unsigned char*>(p);
  for (std::size_t k = 0; k < n; ++k, b += 8) std::reverse(b, b + 8);
}

// Calls sink(bytes, n) with the values of p[0, n) as little-endian float64, in chunks.
template <class Sink>
void emit_le(const double* p, std::size_t n, Sink&& sink) {
  if (host_is_little_endian()) {  // the memory already holds the bytes in file order
    if (n > 0) sink(reinterpret_cast<const unsigned char*>(p), 8 * n);
    return;
  }
  constexpr std::size_t kChunk = 8192;
  unsigned char buf[8 * kChunk];
  for (std::size_t i = 0; i < n; i += kChunk) {
    const std::size_t m = std::min(kChunk, n - i);
    for (std::size_t k = 0; k < m; ++k) store_f64_le(p[i + k], buf + 8 * k);
    sink(buf, 8 * m);
  }
}

// The upper triangle of a square matrix, row by row (M(M+1)/2 values), and back.
Eigen::VectorXd pack_upper(const Eigen::MatrixXd& m) {
  const Eigen::Index n = m.rows();
  Eigen::VectorXd v(n * (n + 1) / 2);
  Eigen::Index k = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i; j < n; ++j) v[k++] = m(i, j);
  return v;
}

Eigen::MatrixXd unpack_upper(const Eigen::MatrixXd& packed, Eigen::Index n) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(n, n);
  Eigen::Index k = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i; j < n; ++j) m(i, j) = packed(k++);
  return m;
}

// The same for a (column-major) matrix in row-major order, a block of rows at a time.
template <class Sink>
void emit_le_row_major(const Eigen::MatrixXd& m, Sink&& sink) {
  if (m.rows() == 0 || m.cols() == 0) return;
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Index block_rows = std::max<Eigen::Index>(1, 65536 / m.cols());
  RowMajor block;
  for (Eigen::Index i0 = 0; i0 < m.rows(); i0 += block_rows) {
    const Eigen::Index nb = std::min(block_rows, m.rows() - i0);
    block = m.middleRows(i0, nb);
    emit_le(block.data(), static_cast<std::size_t>(block.size()), sink);
  }
}

// ---------------------------------------------------------------------------------------
// Checksum (the byte stream is documented in potential_file.h).

class CanonicalHasher {
 public:
  void u8(unsigned v) {
    const unsigned char b = static_cast<unsigned char>(v);
    sha_.update(&b, 1);
  }
  void u64(std::uint64_t v) {
    unsigned char b[8];
    store_u64_le(v, b);
    sha_.update(b, 8);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v) {
    unsigned char b[8];
    store_f64_le(v, b);
    sha_.update(b, 8);
  }
  void str(const std::string& s) {
    u64(s.size());
    sha_.update(s);
  }
  void vector(const Eigen::VectorXd& v) {
    emit_le(v.data(), static_cast<std::size_t>(v.size()),
            [this](const unsigned char* b, std::size_t n) { sha_.update(b, n); });
  }
  void matrix(const Eigen::MatrixXd& m) {
    emit_le_row_major(m, [this](const unsigned char* b, std::size_t n) { sha_.update(b, n); });
  }
  std::string hex() const { return sha_.hex_digest(); }

 private:
  Sha256 sha_;
};

// Before format 3 a soap term without radial_basis meant soapgap's first radial basis; the spec
// says so explicitly from here on (after the checksum, which covers the text as written), so that
// the file predicts what it always did, and a rewrite (soapgap convert) keeps it.
void upgrade_radial_basis(PotentialData& d) {
  if (d.format_version >= 3) return;
  for (TermData& t : d.terms)
    if (t.spec.compare(0, 5, "soap ") == 0 && t.spec.find("radial_basis=") == std::string::npos)
      t.spec += " radial_basis=soapgap";
}

std::string checksum_with_version(const PotentialData& d, int format_version) {
  CanonicalHasher h;
  h.str(kChecksumTag);
  h.i64(format_version);
  h.u64(d.elements.size());
  for (const int z : d.elements) {
    h.i64(z);
    const auto it = d.e0.find(z);
    h.u8(it != d.e0.end());
    if (it != d.e0.end()) h.f64(it->second);
  }
  h.f64(d.jitter);
  h.u64(d.terms.size());
  for (const TermData& t : d.terms) {
    h.str(t.spec);
    h.u64(t.groups.size());
    for (const SparseGroupData& g : t.groups) {
      h.str(g.key);
      h.u64(static_cast<std::uint64_t>(g.sparse_points.rows()));
      h.u64(static_cast<std::uint64_t>(g.sparse_points.cols()));
      h.matrix(g.sparse_points);
      h.u64(static_cast<std::uint64_t>(g.alpha.size()));
      h.vector(g.alpha);
    }
  }
  h.u8(d.variance.has_value());
  if (d.variance) {
    h.u64(static_cast<std::uint64_t>(d.variance->u.rows()));
    h.vector(pack_upper(d.variance->u));
    h.vector(pack_upper(d.variance->r));
  }
  // The core is hashed only when present, so that files without one keep their checksums.
  if (d.core) {
    h.str("glue core");
    const auto spline = [&h](const CubicSplineData& c) {
      h.u64(c.x.size());
      for (double v : c.x) h.f64(v);
      for (double v : c.y) h.f64(v);
      h.f64(c.yp1);
      h.f64(c.ypn);
    };
    h.u64(d.core->elements.size());
    for (const GlueElementData& e : d.core->elements) {
      h.i64(e.Z);
      h.u8(e.density_spline);
      spline(e.density);
      spline(e.embedding);
    }
    h.u64(d.core->pairs.size());
    for (const GluePairData& pr : d.core->pairs) {
      h.i64(pr.Z1);
      h.i64(pr.Z2);
      spline(pr.potential);
    }
  }
  return h.hex();
}

// ---------------------------------------------------------------------------------------
// Strings that XML 1.0 can hold: well-formed UTF-8 of characters in the Char production.

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
  if (cp < min_cp[len] || cp > 0x10FFFF) return 0;               // overlong or too large
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;                     // surrogates
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;                     // not XML characters
  return len;
}

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
// libxml2 error capture: collects messages instead of printing them to stderr.

struct ErrorLog {
  std::string first_message;
  int first_line = 0;
  bool has_error = false;
};

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

// Installs the handlers above for this thread (libxml2's handlers are thread-local) and
// restores the previous ones on destruction.
class ScopedErrorCapture {
 public:
  explicit ScopedErrorCapture(ErrorLog* log)
      : old_structured_(xmlStructuredError),
        old_structured_ctx_(xmlStructuredErrorContext),
        old_generic_(xmlGenericError),
        old_generic_ctx_(xmlGenericErrorContext) {
    xmlSetStructuredErrorFunc(log, structured_error_handler);
    xmlSetGenericErrorFunc(nullptr, silent_generic_error);
  }
  ~ScopedErrorCapture() {
    xmlSetStructuredErrorFunc(old_structured_ctx_, old_structured_);
    xmlSetGenericErrorFunc(old_generic_ctx_, old_generic_);
  }
  ScopedErrorCapture(const ScopedErrorCapture&) = delete;
  ScopedErrorCapture& operator=(const ScopedErrorCapture&) = delete;

 private:
  xmlStructuredErrorFunc old_structured_;
  void* old_structured_ctx_;
  xmlGenericErrorFunc old_generic_;
  void* old_generic_ctx_;
};

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
const char* C(const xmlChar* s) { return reinterpret_cast<const char*>(s); }

// ---------------------------------------------------------------------------------------
// Writing.

[[noreturn]] void bad_data(const std::string& path, const std::string& what) {
  throw std::invalid_argument("cannot write potential file " + path + ": " + what);
}

void validate_for_writing(const std::string& path, const PotentialData& d) {
  std::set<int> seen;
  for (const int z : d.elements) {
    if (z < 1 || z > kMaxZ) bad_data(path, "invalid atomic number " + std::to_string(z));
    if (!seen.insert(z).second) bad_data(path, "element Z=" + std::to_string(z) + " listed twice");
  }
  for (const auto& [z, e] : d.e0) {
    if (!seen.count(z)) {
      bad_data(path, "e0 given for Z=" + std::to_string(z) + ", which is not in elements");
    }
    if (!std::isfinite(e)) bad_data(path, "e0 of Z=" + std::to_string(z) + " is not finite");
  }
  if (!std::isfinite(d.jitter)) bad_data(path, "jitter is not finite");
  std::uint64_t total_sparse = 0;
  for (std::size_t t = 0; t < d.terms.size(); ++t) {
    const TermData& term = d.terms[t];
    const std::string where = "term " + std::to_string(t + 1);
    if (term.spec.empty()) bad_data(path, where + ": empty spec string");
    if (!is_xml_string(term.spec)) {
      bad_data(path, where + ": spec string is not valid UTF-8 XML text");
    }
    for (const SparseGroupData& g : term.groups) {
      const std::string gwhere = where + " group \"" + g.key + "\"";
      if (!is_xml_string(g.key)) bad_data(path, gwhere + ": key is not valid UTF-8 XML text");
      const auto rows = static_cast<std::uint64_t>(g.sparse_points.rows());
      const auto cols = static_cast<std::uint64_t>(g.sparse_points.cols());
      if (cols != 0 && rows > kMaxArrayValues / cols) bad_data(path, gwhere + ": too many values");
      if (static_cast<std::uint64_t>(g.alpha.size()) != rows) {
        bad_data(path, gwhere + ": " + std::to_string(g.alpha.size()) + " alpha values for " +
                           std::to_string(rows) + " sparse points");
      }
      if (!g.sparse_points.allFinite()) bad_data(path, gwhere + ": sparse points not finite");
      if (!g.alpha.allFinite()) bad_data(path, gwhere + ": alpha not finite");
      total_sparse += rows;
    }
  }
  if (d.core) {
    const auto check = [&](const CubicSplineData& c, const std::string& what) {
      if (c.x.size() != c.y.size() || c.x.size() < 2) bad_data(path, "core " + what + ": needs matching x and y, >= 2 points");
      for (size_t i = 0; i < c.x.size(); ++i)
        if (!std::isfinite(c.x[i]) || !std::isfinite(c.y[i])) bad_data(path, "core " + what + ": not finite");
      if (!std::isfinite(c.yp1) || !std::isfinite(c.ypn)) bad_data(path, "core " + what + ": end slope not finite");
    };
    for (const GlueElementData& e : d.core->elements) {
      check(e.density, "density of Z=" + std::to_string(e.Z));
      check(e.embedding, "embedding of Z=" + std::to_string(e.Z));
    }
    for (const GluePairData& pr : d.core->pairs)
      check(pr.potential, "pair " + std::to_string(pr.Z1) + "-" + std::to_string(pr.Z2));
  }
  if (d.variance) {
    for (const Eigen::MatrixXd* v : {&d.variance->u, &d.variance->r}) {
      const char* name = v == &d.variance->u ? "variance factor U" : "variance factor R";
      if (v->rows() != v->cols() || static_cast<std::uint64_t>(v->rows()) != total_sparse) {
        bad_data(path, std::string(name) + " is " + std::to_string(v->rows()) + "x" + std::to_string(v->cols()) +
                           ", expected " + std::to_string(total_sparse) + "x" + std::to_string(total_sparse) +
                           " (all sparse points)");
      }
      if (total_sparse != 0 && total_sparse > kMaxArrayValues / total_sparse) {
        bad_data(path, std::string(name) + " too large");
      }
      if (!v->allFinite()) bad_data(path, std::string(name) + " not finite");
      if (!v->triangularView<Eigen::StrictlyLower>().toDenseMatrix().isZero(0.0))
        bad_data(path, std::string(name) + " is not upper triangular");
      for (Eigen::Index i = 0; i < v->rows(); ++i)
        if (!((*v)(i, i) > 0.0)) bad_data(path, std::string(name) + " has a non-positive diagonal element");
    }
  }
  for (const auto& [key, value] : d.provenance) {
    if (xmlValidateNCName(X(key.c_str()), 0) != 0) {
      bad_data(path, "provenance key \"" + key + "\" is not a valid XML attribute name");
    }
  }
}

// Output sink for libxml2: writes into the AtomicFile and remembers errno.
struct FdSink {
  AtomicFile* file = nullptr;
  int error = 0;
};

int fd_write(void* ctx, const char* buffer, int len) {
  auto* s = static_cast<FdSink*>(ctx);
  if (s->error) return -1;
  if (!s->file->write(buffer, static_cast<std::size_t>(len))) {
    s->error = s->file->error() ? s->file->error() : EIO;
    return -1;
  }
  return len;
}

int fd_close(void*) { return 0; }  // the file is committed (or removed) by write_potential


class XmlOut {
 public:
  XmlOut(xmlTextWriterPtr w, const FdSink* sink) : w_(w), sink_(sink) {}
  void check(int rc) const {
    if (rc < 0) {
      throw std::system_error(sink_->error ? sink_->error : EIO, std::generic_category());
    }
  }
  void raw(const std::string& s) { check(xmlTextWriterWriteRaw(w_, X(s.c_str()))); }
  void start(const char* name) { check(xmlTextWriterStartElement(w_, X(name))); }
  void end() { check(xmlTextWriterEndElement(w_)); }
  void attr(const char* name, const std::string& value) {
    check(xmlTextWriterWriteAttribute(w_, X(name), X(value.c_str())));
  }
  xmlTextWriterPtr writer() const { return w_; }

 private:
  xmlTextWriterPtr w_;
  const FdSink* sink_;
};

// Base64 text in lines of 76 characters, each preceded by a newline, fed in pieces.
class Base64Lines {
 public:
  explicit Base64Lines(XmlOut& out) : out_(out) { buf_.reserve(kChunk); }
  void add(const unsigned char* p, std::size_t n) {
    while (n > 0) {
      const std::size_t take = std::min(n, kChunk - buf_.size());
      buf_.insert(buf_.end(), p, p + take);
      p += take;
      n -= take;
      if (buf_.size() == kChunk) flush();
    }
  }
  void finish(const std::string& indent) {
    flush();
    out_.raw("\n" + indent);
  }

 private:
  static constexpr std::size_t kLineBytes = 57;  // 76 characters
  static constexpr std::size_t kChunk = kLineBytes * 1024;
  void flush() {
    if (buf_.empty()) return;
    const std::string enc = base64_encode(buf_.data(), buf_.size());
    std::string text;
    text.reserve(enc.size() + enc.size() / 76 + 1);
    for (std::size_t i = 0; i < enc.size(); i += 76) {
      text += '\n';
      text.append(enc, i, 76);
    }
    out_.raw(text);
    buf_.clear();
  }
  XmlOut& out_;
  std::vector<unsigned char> buf_;
};

void write_document(XmlOut& o, const PotentialData& d, const std::string& checksum) {
  o.check(xmlTextWriterStartDocument(o.writer(), "1.0", "UTF-8", nullptr));
  o.start(kRootName);
  o.attr("format_version", std::to_string(PotentialData::kFormatVersion));
  o.attr("soapgap_version", sanitize_xml_string(d.soapgap_version));

  o.raw("\n  ");
  o.start("provenance");
  for (const auto& [key, value] : d.provenance) o.attr(key.c_str(), sanitize_xml_string(value));
  o.end();

  o.raw("\n  ");
  o.start("units");
  for (const Unit& u : kUnits) o.attr(u.name, u.value);
  o.end();

  o.raw("\n  ");
  o.start("elements");
  o.attr("jitter", format_exact(d.jitter));
  for (const int z : d.elements) {
    o.raw("\n    ");
    o.start("element");
    o.attr("Z", std::to_string(z));
    const auto it = d.e0.find(z);
    if (it != d.e0.end()) o.attr("e0", format_exact(it->second));
    o.end();
  }
  if (!d.elements.empty()) o.raw("\n  ");
  o.end();

  const auto sink_to = [](Base64Lines& lines) {
    return [&lines](const unsigned char* b, std::size_t n) { lines.add(b, n); };
  };
  for (const TermData& t : d.terms) {
    o.raw("\n  ");
    o.start("term");
    o.attr("spec", t.spec);
    for (const SparseGroupData& g : t.groups) {
      o.raw("\n    ");
      o.start("group");
      o.attr("key", g.key);
      o.attr("n_sparse", std::to_string(g.sparse_points.rows()));
      o.attr("dimension", std::to_string(g.sparse_points.cols()));

      o.raw("\n      ");
      o.start("sparse_points");
      o.attr("rows", std::to_string(g.sparse_points.rows()));
      o.attr("cols", std::to_string(g.sparse_points.cols()));
      o.attr("encoding", kArrayEncoding);
      {
        Base64Lines lines(o);
        emit_le_row_major(g.sparse_points, sink_to(lines));
        lines.finish("      ");
      }
      o.end();

      o.raw("\n      ");
      o.start("alpha");
      o.attr("size", std::to_string(g.alpha.size()));
      o.attr("encoding", kArrayEncoding);
      {
        Base64Lines lines(o);
        emit_le(g.alpha.data(), static_cast<std::size_t>(g.alpha.size()), sink_to(lines));
        lines.finish("      ");
      }
      o.end();
      o.raw("\n    ");
      o.end();  // group
    }
    if (!t.groups.empty()) o.raw("\n  ");
    o.end();  // term
  }

  if (d.core) {
    o.raw("\n  ");
    o.start("core");
    o.attr("type", "glue");
    const auto spline = [&](const char* name, const CubicSplineData& c, const char* indent) {
      o.raw(indent);
      o.start(name);
      o.attr("points", std::to_string(c.x.size()));
      o.attr("yp1", format_exact(c.yp1));
      o.attr("ypn", format_exact(c.ypn));
      o.attr("encoding", kArrayEncoding);
      Eigen::MatrixXd xy(2, static_cast<Eigen::Index>(c.x.size()));
      for (size_t i = 0; i < c.x.size(); ++i) {
        xy(0, static_cast<Eigen::Index>(i)) = c.x[i];
        xy(1, static_cast<Eigen::Index>(i)) = c.y[i];
      }
      Base64Lines lines(o);
      emit_le_row_major(xy, sink_to(lines));
      lines.finish("      ");
      o.end();
    };
    for (const GlueElementData& e : d.core->elements) {
      o.raw("\n    ");
      o.start("glue_element");
      o.attr("Z", std::to_string(e.Z));
      o.attr("density_spline", e.density_spline ? "T" : "F");
      spline("density", e.density, "\n      ");
      spline("embedding", e.embedding, "\n      ");
      o.raw("\n    ");
      o.end();
    }
    for (const GluePairData& pr : d.core->pairs) {
      o.raw("\n    ");
      o.start("glue_pair");
      o.attr("Z1", std::to_string(pr.Z1));
      o.attr("Z2", std::to_string(pr.Z2));
      spline("potential", pr.potential, "\n      ");
      o.raw("\n    ");
      o.end();
    }
    o.raw("\n  ");
    o.end();
  }

  if (d.variance) {
    // Upper triangles, row by row: M(M+1)/2 values each.
    o.raw("\n  ");
    o.start("variance");
    o.attr("size", std::to_string(d.variance->u.rows()));
    for (const char* name : {"u", "r"}) {
      const Eigen::VectorXd packed = pack_upper(name[0] == 'u' ? d.variance->u : d.variance->r);
      o.raw("\n    ");
      o.start(name);
      o.attr("storage", "upper_triangle_rows");
      o.attr("encoding", kArrayEncoding);
      Base64Lines lines(o);
      emit_le(packed.data(), static_cast<std::size_t>(packed.size()), sink_to(lines));
      lines.finish("    ");
      o.end();
    }
    o.raw("\n  ");
    o.end();
  }

  o.raw("\n  ");
  o.start("checksum");
  o.attr("algorithm", "sha256");
  o.raw(checksum);
  o.end();
  o.raw("\n");
  o.end();  // root
  o.check(xmlTextWriterEndDocument(o.writer()));
  o.check(xmlTextWriterFlush(o.writer()));
}

// ---------------------------------------------------------------------------------------
// Reading.

using Doc = std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)>;

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const xmlNode* node, const std::string& what) const {
    std::string msg = file_;
    if (node != nullptr) {
      const long line = xmlGetLineNo(node);
      if (line > 0) msg += ":" + std::to_string(line);
      msg += ": <" + std::string(C(node->name)) + ">";
    }
    throw InputError(msg + ": " + what);
  }

  static std::string name(const xmlNode* n) { return C(n->name); }

  std::optional<std::string> attr(const xmlNode* n, const char* name) const {
    xmlAttrPtr a = xmlHasProp(n, X(name));
    if (a == nullptr) return std::nullopt;
    std::unique_ptr<xmlChar, void (*)(void*)> v(xmlNodeListGetString(n->doc, a->children, 1),
                                                xmlFree);
    return std::string(v ? C(v.get()) : "");
  }

  std::string required_attr(const xmlNode* n, const char* name) const {
    auto v = attr(n, name);
    if (!v) fail(n, std::string("missing attribute ") + name);
    return *v;
  }

  void check_attributes(const xmlNode* n, std::initializer_list<const char*> allowed) const {
    for (const xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      const std::string an = C(a->name);
      const bool ok = a->ns == nullptr &&
                      std::any_of(allowed.begin(), allowed.end(),
                                  [&](const char* s) { return an == s; });
      if (!ok) {
        std::string list;
        for (const char* s : allowed) list += std::string(list.empty() ? "" : ", ") + s;
        fail(n, "unexpected attribute " + an + " (expected " + (list.empty() ? "none" : list) +
                    ")");
      }
    }
  }

  std::int64_t int_attr(const xmlNode* n, const char* name, std::int64_t lo,
                        std::int64_t hi) const {
    const std::string v = required_attr(n, name);
    std::int64_t x = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) {
      fail(n, std::string(name) + "=\"" + v + "\": expected an integer in [" +
                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return x;
  }

  double double_attr(const xmlNode* n, const char* name, const std::string& v) const {
    double x = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !std::isfinite(x)) {
      fail(n, std::string(name) + "=\"" + v + "\": expected a finite number");
    }
    return x;
  }
  double double_attr(const xmlNode* n, const char* name) const {
    return double_attr(n, name, required_attr(n, name));
  }

  // The element children of n; whitespace and comments between them are skipped, anything
  // else (text, CDATA, processing instructions, entity references) is rejected.
  std::vector<xmlNode*> element_children(const xmlNode* n) const {
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
          if (c->content != nullptr && !is_blank(C(c->content))) {
            fail(n, "unexpected text content");
          }
          break;
        default:
          fail(n, "unexpected content (node type " + std::to_string(c->type) + ")");
      }
    }
    return out;
  }

  static bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
  }

  // Text of an array element: the content of its single text node when possible (no copy),
  // otherwise the concatenation of its text and CDATA children.
  std::string_view text_of(const xmlNode* n, std::string& storage) const {
    if (n->children != nullptr && n->children->next == nullptr &&
        n->children->type == XML_TEXT_NODE) {
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

  // Decodes a base64-float64-le array of rows x cols values into a rows x cols matrix
  // (row-major in the file). The declared size is checked against the text before
  // allocating anything.
  Eigen::MatrixXd array(const xmlNode* n, std::uint64_t rows, std::uint64_t cols) {
    const std::string enc = required_attr(n, "encoding");
    if (enc != kArrayEncoding) {
      fail(n, "encoding=\"" + enc + "\": expected \"" + kArrayEncoding + "\"");
    }
    if (cols != 0 && rows > kMaxArrayValues / cols) {
      fail(n, "declared size " + std::to_string(rows) + "x" + std::to_string(cols) +
                  " exceeds the limit of 2^31 values");
    }
    const std::uint64_t values = rows * cols;
    std::string storage;
    const std::string_view text = text_of(n, storage);
    std::size_t bytes = 0;
    try {
      bytes = base64_decoded_size(text);
    } catch (const InputError& e) {
      fail(n, e.what());
    }
    if (bytes != values * 8) {
      fail(n, "data holds " + std::to_string(bytes) + " bytes, expected " +
                  std::to_string(values * 8) + " (" + std::to_string(rows) + "x" +
                  std::to_string(cols) + " float64 values)");
    }
    // Decoded straight into a cols x rows column-major matrix, whose memory order is the
    // file's row-major order; then transposed.
    Eigen::MatrixXd m(static_cast<Eigen::Index>(cols), static_cast<Eigen::Index>(rows));
    try {
      base64_decode(text, reinterpret_cast<unsigned char*>(m.data()), bytes);
    } catch (const InputError& e) {
      fail(n, e.what());
    }
    le_to_host_in_place(m.data(), values);
    if (!m.allFinite() && !nonfinite_) {
      nonfinite_ = file_ + ":" + std::to_string(xmlGetLineNo(n)) + ": <" + name(n) +
                   ">: the array contains NaN or infinite values";
    }
    m.transposeInPlace();
    return m;
  }

  std::uint64_t size_attr(const xmlNode* n, const char* name) const {
    return static_cast<std::uint64_t>(int_attr(n, name, 0, std::int64_t(kMaxArrayValues)));
  }

  const std::string& file() const { return file_; }
  // The first NaN/Inf found in an array: reported only if the checksum matches, since a
  // corrupted file should be reported as such.
  std::optional<std::string> nonfinite_;

 private:
  std::string file_;
};

// Walks the children of the root in their required order.
class ChildCursor {
 public:
  ChildCursor(const Reader& r, const xmlNode* parent)
      : r_(r), parent_(parent), children_(r.element_children(parent)) {}
  bool at(const char* name) const {
    return pos_ < children_.size() && Reader::name(children_[pos_]) == name;
  }
  const xmlNode* take(const char* name, const char* after) {
    if (pos_ >= children_.size()) {
      r_.fail(parent_, std::string("missing <") + name + "> (expected after <" + after + ">)");
    }
    if (!at(name)) {
      r_.fail(children_[pos_], std::string("unexpected element; expected <") + name + ">");
    }
    return children_[pos_++];
  }
  void finish(const char* last) {
    if (pos_ < children_.size()) {
      r_.fail(children_[pos_], std::string("unexpected element after <") + last + ">");
    }
  }

 private:
  const Reader& r_;
  const xmlNode* parent_;
  std::vector<xmlNode*> children_;
  std::size_t pos_ = 0;
};

void reject_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  if (ctxt->_private != nullptr) *static_cast<bool*>(ctxt->_private) = true;
  xmlStopParser(ctxt);
}

Doc parse_file(const std::string& path) {
  // Opened here (not by libxml2, which would interpret the name as a URI) for a clear error.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path + ": cannot open potential file: " + std::strerror(errno));
  struct CloseFd {
    int fd;
    ~CloseFd() { ::close(fd); }
  } close_fd{fd};
  xmlInitParser();
  ErrorLog log;
  ScopedErrorCapture capture(&log);
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> ctxt(xmlNewParserCtxt(),
                                                                   xmlFreeParserCtxt);
  if (!ctxt) throw InputError(path + ": cannot create an XML parser (out of memory?)");
  // A DOCTYPE could declare entities; potential files have none, so parsing stops there.
  bool saw_doctype = false;
  ctxt->_private = &saw_doctype;
  ctxt->sax->internalSubset = reject_doctype;
  Doc doc(xmlCtxtReadFd(ctxt.get(), fd, path.c_str(), nullptr,
                        XML_PARSE_HUGE | XML_PARSE_NONET | XML_PARSE_BIG_LINES),
          xmlFreeDoc);
  if (saw_doctype) {
    throw InputError(path + ": DOCTYPE declarations are not allowed in soapgap potential files");
  }
  if (!doc || log.has_error || !ctxt->wellFormed) {
    std::string msg = path;
    if (log.first_line > 0) msg += ":" + std::to_string(log.first_line);
    msg += ": not a well-formed XML file (truncated or not a soapgap potential?): ";
    msg += log.has_error ? log.first_message : "XML parse error";
    throw InputError(msg);
  }
  return doc;
}

PotentialData read_document(Reader& r, const xmlNode* root) {
  PotentialData d;
  if (root == nullptr) throw InputError(r.file() + ": empty XML document");
  if (root->ns != nullptr || Reader::name(root) != kRootName) {
    r.fail(root, std::string("not a soapgap potential file: root element is <") +
                     Reader::name(root) + ">, expected <" + kRootName + ">");
  }
  // The version first, so that files from newer versions get this message and no other.
  {
    const std::string v = r.required_attr(root, "format_version");
    std::int64_t fv = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), fv);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size() || fv < 1) {
      r.fail(root, "format_version=\"" + v + "\": expected a positive integer");
    }
    if (fv > PotentialData::kFormatVersion) {
      r.fail(root, "written by a newer soapgap (format " + v + "); this build reads format <= " +
                       std::to_string(PotentialData::kFormatVersion) + ": upgrade soapgap");
    }
    d.format_version = static_cast<int>(fv);
  }
  r.check_attributes(root, {"format_version", "soapgap_version"});
  d.soapgap_version = r.attr(root, "soapgap_version").value_or("");

  ChildCursor cur(r, root);
  const char* last = "soapgap_potential";
  if (cur.at("provenance")) {
    const xmlNode* p = cur.take("provenance", last);
    if (!r.element_children(p).empty()) r.fail(p, "unexpected child element");
    for (const xmlAttr* a = p->properties; a != nullptr; a = a->next) {
      d.provenance[C(a->name)] = r.attr(p, C(a->name)).value_or("");
    }
    last = "provenance";
  }

  {
    const xmlNode* u = cur.take("units", last);
    std::initializer_list<const char*> names = {"energy", "length", "force", "virial"};
    r.check_attributes(u, names);
    for (const Unit& unit : kUnits) {
      const std::string v = r.required_attr(u, unit.name);
      if (v != unit.value) {
        r.fail(u, std::string(unit.name) + "=\"" + v + "\": unsupported unit, expected \"" +
                      unit.value + "\"");
      }
    }
    if (!r.element_children(u).empty()) r.fail(u, "unexpected child element");
    last = "units";
  }

  {
    const xmlNode* e = cur.take("elements", last);
    r.check_attributes(e, {"jitter"});
    d.jitter = r.double_attr(e, "jitter");
    std::set<int> seen;
    for (const xmlNode* el : r.element_children(e)) {
      if (Reader::name(el) != "element") r.fail(el, "unexpected element; expected <element>");
      r.check_attributes(el, {"Z", "e0"});
      const int z = static_cast<int>(r.int_attr(el, "Z", 1, kMaxZ));
      if (!seen.insert(z).second) r.fail(el, "duplicate element Z=" + std::to_string(z));
      d.elements.push_back(z);
      if (const auto e0 = r.attr(el, "e0")) d.e0[z] = r.double_attr(el, "e0", *e0);
      if (!r.element_children(el).empty()) r.fail(el, "unexpected child element");
    }
    last = "elements";
  }

  std::uint64_t total_sparse = 0;
  std::optional<std::string> bad_factor;  // reported after the checksum, as non-finite values
  while (cur.at("term")) {
    const xmlNode* t = cur.take("term", last);
    r.check_attributes(t, {"spec"});
    TermData term;
    term.spec = r.required_attr(t, "spec");
    if (Reader::is_blank(term.spec)) r.fail(t, "empty spec: expected a term specification");
    for (const xmlNode* g : r.element_children(t)) {
      if (Reader::name(g) != "group") r.fail(g, "unexpected element; expected <group>");
      r.check_attributes(g, {"key", "n_sparse", "dimension"});
      SparseGroupData group;
      group.key = r.required_attr(g, "key");
      const std::uint64_t n_sparse = r.size_attr(g, "n_sparse");
      const std::uint64_t dim = r.size_attr(g, "dimension");
      ChildCursor gc(r, g);
      const xmlNode* sp = gc.take("sparse_points", "group");
      r.check_attributes(sp, {"rows", "cols", "encoding"});
      const std::uint64_t rows = r.size_attr(sp, "rows");
      const std::uint64_t cols = r.size_attr(sp, "cols");
      if (rows != n_sparse || cols != dim) {
        r.fail(sp, "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) +
                       ": expected the group's n_sparse=" + std::to_string(n_sparse) +
                       " and dimension=" + std::to_string(dim));
      }
      group.sparse_points = r.array(sp, rows, cols);
      const xmlNode* al = gc.take("alpha", "sparse_points");
      r.check_attributes(al, {"size", "encoding"});
      const std::uint64_t size = r.size_attr(al, "size");
      if (size != n_sparse) {
        r.fail(al, "size=" + std::to_string(size) + ": expected the group's n_sparse=" +
                       std::to_string(n_sparse));
      }
      group.alpha = r.array(al, size, 1);
      gc.finish("alpha");
      total_sparse += n_sparse;
      term.groups.push_back(std::move(group));
    }
    d.terms.push_back(std::move(term));
    last = "term";
  }

  if (cur.at("core")) {
    const xmlNode* c = cur.take("core", last);
    r.check_attributes(c, {"type"});
    const std::string type = r.required_attr(c, "type");
    if (type != "glue") r.fail(c, "type=\"" + type + "\": expected \"glue\"");
    GlueData core;
    const auto spline = [&](const xmlNode* e) {
      r.check_attributes(e, {"points", "yp1", "ypn", "encoding"});
      CubicSplineData sd;
      const std::uint64_t n = r.size_attr(e, "points");
      if (n < 2) r.fail(e, "points=" + std::to_string(n) + ": expected at least 2");
      sd.yp1 = r.double_attr(e, "yp1");
      sd.ypn = r.double_attr(e, "ypn");
      const Eigen::MatrixXd xy = r.array(e, 2, n);
      sd.x.resize(n);
      for (std::uint64_t i = 0; i < n; ++i) {
        sd.x[i] = xy(0, static_cast<Eigen::Index>(i));
        sd.y.push_back(xy(1, static_cast<Eigen::Index>(i)));
      }
      return sd;
    };
    for (const xmlNode* e : r.element_children(c)) {
      const std::string name = Reader::name(e);
      if (name == "glue_element") {
        r.check_attributes(e, {"Z", "density_spline"});
        GlueElementData el;
        el.Z = static_cast<int>(r.int_attr(e, "Z", 1, kMaxZ));
        const std::string ds = r.required_attr(e, "density_spline");
        if (ds != "T" && ds != "F") r.fail(e, "density_spline=\"" + ds + "\": expected T or F");
        el.density_spline = ds == "T";
        ChildCursor ec(r, e);
        el.density = spline(ec.take("density", "glue_element"));
        el.embedding = spline(ec.take("embedding", "density"));
        ec.finish("embedding");
        core.elements.push_back(std::move(el));
      } else if (name == "glue_pair") {
        r.check_attributes(e, {"Z1", "Z2"});
        GluePairData pr;
        pr.Z1 = static_cast<int>(r.int_attr(e, "Z1", 1, kMaxZ));
        pr.Z2 = static_cast<int>(r.int_attr(e, "Z2", 1, kMaxZ));
        ChildCursor pc(r, e);
        pr.potential = spline(pc.take("potential", "glue_pair"));
        pc.finish("potential");
        core.pairs.push_back(std::move(pr));
      } else {
        r.fail(e, "unexpected element; expected <glue_element> or <glue_pair>");
      }
    }
    d.core = std::move(core);
    last = "core";
  }

  if (cur.at("variance")) {
    const xmlNode* v = cur.take("variance", last);
    if (d.format_version < 2)
      r.fail(v, "format 1 stored the variance as one matrix P, which soapgap no longer reads (it was numerically "
                "fragile): refit the potential with this soapgap, or use it without variance");
    r.check_attributes(v, {"size"});
    const std::uint64_t size = r.size_attr(v, "size");
    if (size != total_sparse) {
      r.fail(v, "size=" + std::to_string(size) + ": expected the total number of sparse points, " +
                    std::to_string(total_sparse));
    }
    if (size != 0 && size > kMaxArrayValues / size) r.fail(v, "size=" + std::to_string(size) + " is too large");
    ChildCursor vc(r, v);
    VarianceFactors f;
    const char* prev = nullptr;
    for (const char* name : {"u", "r"}) {
      const xmlNode* e = vc.take(name, prev ? prev : "variance");
      r.check_attributes(e, {"storage", "encoding"});
      const std::string storage = r.required_attr(e, "storage");
      if (storage != "upper_triangle_rows") r.fail(e, "storage=\"" + storage + "\": expected \"upper_triangle_rows\"");
      Eigen::MatrixXd& m = name[0] == 'u' ? f.u : f.r;
      m = unpack_upper(r.array(e, size * (size + 1) / 2, 1), static_cast<Eigen::Index>(size));
      // Triangular factors of positive definite matrices: a zero diagonal would give NaN
      // variances, a negative one wrong variances (write_potential refuses both too).
      for (Eigen::Index i = 0; i < m.rows() && !bad_factor; ++i)
        if (!(m(i, i) > 0.0) && std::isfinite(m(i, i)))
          bad_factor = r.file() + ":" + std::to_string(xmlGetLineNo(e)) + ": <" + name + ">: diagonal element " +
                       std::to_string(i + 1) + " of the variance factor is " + format_exact(m(i, i)) +
                       ": expected a positive number";
      prev = name;
    }
    vc.finish("r");
    d.variance = std::move(f);
    last = "variance";
  }

  const xmlNode* cs = cur.take("checksum", last);
  cur.finish("checksum");
  r.check_attributes(cs, {"algorithm"});
  const std::string algorithm = r.required_attr(cs, "algorithm");
  if (algorithm != "sha256") r.fail(cs, "algorithm=\"" + algorithm + "\": expected \"sha256\"");
  std::string storage;
  std::string expected(r.text_of(cs, storage));
  expected.erase(0, expected.find_first_not_of(" \t\r\n"));
  expected.erase(expected.find_last_not_of(" \t\r\n") + 1);
  std::transform(expected.begin(), expected.end(), expected.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (expected.size() != 64 ||
      expected.find_first_not_of("0123456789abcdef") != std::string::npos) {
    r.fail(cs, "\"" + expected + "\": expected 64 hexadecimal digits");
  }
  const std::string computed = checksum_with_version(d, d.format_version);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // Fuzzing builds only (tests/fuzz): mutated files would almost never match their checksum,
  // so everything after it would go untested. Never defined in a normal build.
  constexpr bool kRefuseMismatch = false;
#else
  constexpr bool kRefuseMismatch = true;
#endif
  if (kRefuseMismatch && computed != expected) {
    throw InputError(r.file() + ": checksum mismatch: the file is corrupted or was edited (expected " +
                     expected + ", computed " + computed + ")");
  }
  if (r.nonfinite_) throw InputError(*r.nonfinite_);
  if (bad_factor) throw InputError(*bad_factor);
  upgrade_radial_basis(d);
  return d;
}

}  // namespace

std::string potential_checksum(const PotentialData& data) {
  return checksum_with_version(data, data.format_version);
}

void write_potential(const std::string& path, const PotentialData& data) {
  validate_for_writing(path, data);
  const std::string checksum = checksum_with_version(data, PotentialData::kFormatVersion);
  const auto fail = [&](const std::string& what) {
    throw InputError("cannot write potential file " + path + ": " + what);
  };
  AtomicFile file(path, "potential file");  // the old file stays intact until commit() renames the new one
  FdSink sink;
  sink.file = &file;
  try {
    xmlInitParser();
    ErrorLog log;
    ScopedErrorCapture capture(&log);
    xmlOutputBufferPtr buf = xmlOutputBufferCreateIO(fd_write, fd_close, &sink, nullptr);
    if (buf == nullptr) fail("cannot create the XML output buffer (out of memory?)");
    // The writer owns buf from here on; it is freed (and flushed) before the commit.
    std::unique_ptr<xmlTextWriter, void (*)(xmlTextWriterPtr)> writer(xmlNewTextWriter(buf), xmlFreeTextWriter);
    if (!writer) {
      xmlOutputBufferClose(buf);
      fail("cannot create the XML writer (out of memory?)");
    }
    XmlOut out(writer.get(), &sink);
    write_document(out, data, checksum);
    writer.reset();
    if (sink.error) throw std::system_error(sink.error, std::generic_category());
  } catch (const std::system_error& e) {
    fail(file.temporary_path() + ": " + std::strerror(e.code().value()));
  } catch (const std::bad_alloc&) {
    fail("out of memory");
  }
  file.commit();
}

PotentialData read_potential(const std::string& path) {
  return with_one_line_errors([&] {
    Doc doc = parse_file(path);
    Reader r(path);
    return read_document(r, xmlDocGetRootElement(doc.get()));
  });
}

bool is_soapgap_potential(const std::string& path) {
  xmlInitParser();
  ErrorLog log;
  ScopedErrorCapture capture(&log);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct CloseFd {
    int fd;
    ~CloseFd() { ::close(fd); }
  } close_fd{fd};  // (declared before the reader, so closed after it is freed)
  std::unique_ptr<xmlTextReader, void (*)(xmlTextReaderPtr)> reader(
      xmlReaderForFd(fd, path.c_str(), nullptr, XML_PARSE_NONET), xmlFreeTextReader);
  if (!reader) return false;
  for (;;) {
    if (xmlTextReaderRead(reader.get()) != 1) return false;
    const int type = xmlTextReaderNodeType(reader.get());
    if (type == XML_READER_TYPE_DOCUMENT_TYPE) return false;
    if (type != XML_READER_TYPE_ELEMENT) continue;
    const xmlChar* name = xmlTextReaderConstLocalName(reader.get());
    return name != nullptr && xmlTextReaderConstNamespaceUri(reader.get()) == nullptr &&
           std::strcmp(C(name), kRootName) == 0;
  }
}

}  // namespace soapgap
