// Reading soapgap potential files (io/potential_file.h): one reader per element of the format.

#include <fcntl.h>
#include <libxml/xmlreader.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/key_value.h"
#include "io/array_encoding.h"
#include "io/potential_checksum.h"
#include "io/potential_file.h"
#include "io/potential_format.h"
#include "io/xml_document.h"

namespace soapgap {
namespace {

using potential_format::kMaxZ;
using potential_format::kRootName;

xml::Doc parse_potential_file(const std::string& path) {
  xml::Parsed p =
      xml::parse_file(path, XML_PARSE_HUGE | XML_PARSE_NONET | XML_PARSE_BIG_LINES, xml::OpenBy::descriptor);
  if (p.open_errno != 0) {
    throw InputError(path + ": cannot open potential file: " + std::strerror(p.open_errno));
  }
  // A DOCTYPE could declare entities; potential files have none, so parsing stopped there.
  if (p.doctype) {
    throw InputError(path + ": DOCTYPE declarations are not allowed in soapgap potential files");
  }
  if (!p.doc || p.errors.has_error || !p.well_formed) {
    std::string msg = path;
    if (p.errors.first_line > 0) msg += ":" + std::to_string(p.errors.first_line);
    msg += ": not a well-formed XML file (truncated or not a soapgap potential?): ";
    msg += p.errors.has_error ? p.errors.first_message : "XML parse error";
    throw InputError(msg);
  }
  return std::move(p.doc);
}

// Before format 3 a soap term without radial_basis meant soapgap's first radial basis; the spec
// says so explicitly from here on (after the checksum, which covers the text as written), so that
// the file predicts what it always did, and a rewrite (soapgap convert) keeps it.
void upgrade_radial_basis(PotentialData& d) {
  if (d.format_version >= 3) return;
  for (TermData& t : d.terms)
    if (t.spec.compare(0, 5, "soap ") == 0 && t.spec.find("radial_basis=") == std::string::npos)
      t.spec += " radial_basis=soapgap";
}

// Reads the document below the root into a PotentialData, element by element in the order of
// the format, then verifies the checksum.
class DocumentReader {
 public:
  explicit DocumentReader(const std::string& file) : r_(file) {}
  PotentialData read(const xmlNode* root);

 private:
  void read_root(const xmlNode* root);
  void read_provenance(const xmlNode* p);
  void read_units(const xmlNode* u);
  void read_elements(const xmlNode* e);
  TermData read_term(const xmlNode* t);
  SparseGroupData read_group(const xmlNode* g);
  GlueData read_core(const xmlNode* c);
  GlueElementData read_glue_element(const xmlNode* e);
  GluePairData read_glue_pair(const xmlNode* e);
  CubicSplineData read_spline(const xmlNode* e);
  VarianceFactors read_variance(const xmlNode* v);
  void read_checksum(const xmlNode* cs);

  std::uint64_t size_attr(const xmlNode* n, const char* name) const {
    return static_cast<std::uint64_t>(r_.int_attr(n, name, 0, std::int64_t(kMaxArrayValues)));
  }
  Eigen::MatrixXd array(const xmlNode* n, std::uint64_t rows, std::uint64_t cols);

  xml::Reader r_;
  PotentialData d_;
  std::uint64_t total_sparse_ = 0;  // over all groups read so far
  // The first NaN/Inf found in an array, and the first bad diagonal element of a variance
  // factor: reported only if the checksum matches, since a corrupted file should be reported
  // as such.
  std::optional<std::string> nonfinite_;
  std::optional<std::string> bad_factor_;
};

PotentialData DocumentReader::read(const xmlNode* root) {
  if (root == nullptr) throw InputError(r_.file() + ": empty XML document");
  read_root(root);
  xml::ChildCursor cur(r_, root);
  const char* last = "soapgap_potential";
  if (cur.at("provenance")) {
    read_provenance(cur.take("provenance", last));
    last = "provenance";
  }
  read_units(cur.take("units", last));
  last = "units";
  read_elements(cur.take("elements", last));
  last = "elements";
  while (cur.at("term")) {
    d_.terms.push_back(read_term(cur.take("term", last)));
    last = "term";
  }
  if (cur.at("core")) {
    d_.core = read_core(cur.take("core", last));
    last = "core";
  }
  if (cur.at("variance")) {
    d_.variance = read_variance(cur.take("variance", last));
    last = "variance";
  }
  const xmlNode* cs = cur.take("checksum", last);
  cur.finish("checksum");
  read_checksum(cs);
  if (nonfinite_) throw InputError(*nonfinite_);
  if (bad_factor_) throw InputError(*bad_factor_);
  upgrade_radial_basis(d_);
  return std::move(d_);
}

void DocumentReader::read_root(const xmlNode* root) {
  if (root->ns != nullptr || xml::Reader::name(root) != kRootName) {
    r_.fail(root, std::string("not a soapgap potential file: root element is <") + xml::Reader::name(root) +
                      ">, expected <" + kRootName + ">");
  }
  // The version first, so that files from newer versions get this message and no other.
  const std::string v = r_.required_attr(root, "format_version");
  std::int64_t fv = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), fv);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || fv < 1) {
    r_.fail(root, "format_version=\"" + v + "\": expected a positive integer");
  }
  if (fv > PotentialData::kFormatVersion) {
    r_.fail(root, "written by a newer soapgap (format " + v + "); this build reads format <= " +
                      std::to_string(PotentialData::kFormatVersion) + ": upgrade soapgap");
  }
  d_.format_version = static_cast<int>(fv);
  r_.check_attributes(root, {"format_version", "soapgap_version"});
  d_.soapgap_version = xml::Reader::attr(root, "soapgap_version").value_or("");
}

void DocumentReader::read_provenance(const xmlNode* p) {
  if (!r_.element_children(p).empty()) r_.fail(p, "unexpected child element");
  for (const xmlAttr* a = p->properties; a != nullptr; a = a->next) {
    d_.provenance[xml::C(a->name)] = xml::Reader::attr(p, xml::C(a->name)).value_or("");
  }
}

void DocumentReader::read_units(const xmlNode* u) {
  r_.check_attributes(u, {"energy", "length", "force", "virial"});
  for (const potential_format::Unit& unit : potential_format::kUnits) {
    const std::string v = r_.required_attr(u, unit.name);
    if (v != unit.value) {
      r_.fail(u, std::string(unit.name) + "=\"" + v + "\": unsupported unit, expected \"" + unit.value + "\"");
    }
  }
  if (!r_.element_children(u).empty()) r_.fail(u, "unexpected child element");
}

void DocumentReader::read_elements(const xmlNode* e) {
  r_.check_attributes(e, {"jitter"});
  d_.jitter = r_.double_attr(e, "jitter");
  std::set<int> seen;
  for (const xmlNode* el : r_.element_children(e)) {
    if (xml::Reader::name(el) != "element") r_.fail(el, "unexpected element; expected <element>");
    r_.check_attributes(el, {"Z", "e0"});
    const int z = static_cast<int>(r_.int_attr(el, "Z", 1, kMaxZ));
    if (!seen.insert(z).second) r_.fail(el, "duplicate element Z=" + std::to_string(z));
    d_.elements.push_back(z);
    if (const auto e0 = xml::Reader::attr(el, "e0")) d_.e0[z] = r_.double_attr(el, "e0", *e0);
    if (!r_.element_children(el).empty()) r_.fail(el, "unexpected child element");
  }
}

TermData DocumentReader::read_term(const xmlNode* t) {
  r_.check_attributes(t, {"spec"});
  TermData term;
  term.spec = r_.required_attr(t, "spec");
  if (xml::Reader::is_blank(term.spec)) r_.fail(t, "empty spec: expected a term specification");
  for (const xmlNode* g : r_.element_children(t)) {
    if (xml::Reader::name(g) != "group") r_.fail(g, "unexpected element; expected <group>");
    term.groups.push_back(read_group(g));
  }
  return term;
}

SparseGroupData DocumentReader::read_group(const xmlNode* g) {
  r_.check_attributes(g, {"key", "n_sparse", "dimension"});
  SparseGroupData group;
  group.key = r_.required_attr(g, "key");
  const std::uint64_t n_sparse = size_attr(g, "n_sparse");
  const std::uint64_t dim = size_attr(g, "dimension");
  xml::ChildCursor gc(r_, g);
  const xmlNode* sp = gc.take("sparse_points", "group");
  r_.check_attributes(sp, {"rows", "cols", "encoding"});
  const std::uint64_t rows = size_attr(sp, "rows");
  const std::uint64_t cols = size_attr(sp, "cols");
  if (rows != n_sparse || cols != dim) {
    r_.fail(sp, "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) + ": expected the group's n_sparse=" +
                    std::to_string(n_sparse) + " and dimension=" + std::to_string(dim));
  }
  group.sparse_points = array(sp, rows, cols);
  const xmlNode* al = gc.take("alpha", "sparse_points");
  r_.check_attributes(al, {"size", "encoding"});
  const std::uint64_t size = size_attr(al, "size");
  if (size != n_sparse) {
    r_.fail(al, "size=" + std::to_string(size) + ": expected the group's n_sparse=" + std::to_string(n_sparse));
  }
  group.alpha = array(al, size, 1);
  gc.finish("alpha");
  total_sparse_ += n_sparse;
  return group;
}

GlueData DocumentReader::read_core(const xmlNode* c) {
  r_.check_attributes(c, {"type"});
  const std::string type = r_.required_attr(c, "type");
  if (type != "glue") r_.fail(c, "type=\"" + type + "\": expected \"glue\"");
  GlueData core;
  for (const xmlNode* e : r_.element_children(c)) {
    const std::string name = xml::Reader::name(e);
    if (name == "glue_element") {
      core.elements.push_back(read_glue_element(e));
    } else if (name == "glue_pair") {
      core.pairs.push_back(read_glue_pair(e));
    } else {
      r_.fail(e, "unexpected element; expected <glue_element> or <glue_pair>");
    }
  }
  return core;
}

GlueElementData DocumentReader::read_glue_element(const xmlNode* e) {
  r_.check_attributes(e, {"Z", "density_spline"});
  GlueElementData el;
  el.Z = static_cast<int>(r_.int_attr(e, "Z", 1, kMaxZ));
  const std::string ds = r_.required_attr(e, "density_spline");
  if (ds != "T" && ds != "F") r_.fail(e, "density_spline=\"" + ds + "\": expected T or F");
  el.density_spline = ds == "T";
  xml::ChildCursor ec(r_, e);
  el.density = read_spline(ec.take("density", "glue_element"));
  el.embedding = read_spline(ec.take("embedding", "density"));
  ec.finish("embedding");
  return el;
}

GluePairData DocumentReader::read_glue_pair(const xmlNode* e) {
  r_.check_attributes(e, {"Z1", "Z2"});
  GluePairData pr;
  pr.Z1 = static_cast<int>(r_.int_attr(e, "Z1", 1, kMaxZ));
  pr.Z2 = static_cast<int>(r_.int_attr(e, "Z2", 1, kMaxZ));
  xml::ChildCursor pc(r_, e);
  pr.potential = read_spline(pc.take("potential", "glue_pair"));
  pc.finish("potential");
  return pr;
}

// 2 x points values: the x row, then the y row.
CubicSplineData DocumentReader::read_spline(const xmlNode* e) {
  r_.check_attributes(e, {"points", "yp1", "ypn", "encoding"});
  CubicSplineData sd;
  const std::uint64_t n = size_attr(e, "points");
  if (n < 2) r_.fail(e, "points=" + std::to_string(n) + ": expected at least 2");
  sd.yp1 = r_.double_attr(e, "yp1");
  sd.ypn = r_.double_attr(e, "ypn");
  const Eigen::MatrixXd xy = array(e, 2, n);
  sd.x.resize(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    sd.x[i] = xy(0, static_cast<Eigen::Index>(i));
    sd.y.push_back(xy(1, static_cast<Eigen::Index>(i)));
  }
  return sd;
}

VarianceFactors DocumentReader::read_variance(const xmlNode* v) {
  if (d_.format_version < 2)
    r_.fail(v,
            "format 1 stored the variance as one matrix P, which soapgap no longer reads (it was numerically "
            "fragile): refit the potential with this soapgap, or use it without variance");
  r_.check_attributes(v, {"size", "kind"});
  const std::uint64_t size = size_attr(v, "size");
  VarianceFactors f;
  f.kind = r_.attr(v, "kind").value_or("posterior");
  if (f.kind != "posterior" && f.kind != "sparse")
    r_.fail(v, "kind=\"" + f.kind + "\": expected \"posterior\" (U and R) or \"sparse\" (U only)");
  if (size != total_sparse_) {
    r_.fail(v, "size=" + std::to_string(size) + ": expected the total number of sparse points, " +
                   std::to_string(total_sparse_));
  }
  if (size != 0 && size > kMaxArrayValues / size) r_.fail(v, "size=" + std::to_string(size) + " is too large");
  xml::ChildCursor vc(r_, v);
  const char* prev = nullptr;
  for (const char* name : {"u", "r"}) {
    if (name[0] == 'r' && f.sparse_only()) break;
    const xmlNode* e = vc.take(name, prev ? prev : "variance");
    r_.check_attributes(e, {"storage", "encoding"});
    const std::string storage = r_.required_attr(e, "storage");
    if (storage != "upper_triangle_rows") r_.fail(e, "storage=\"" + storage + "\": expected \"upper_triangle_rows\"");
    Eigen::MatrixXd& m = name[0] == 'u' ? f.u : f.r;
    m = unpack_upper(array(e, size * (size + 1) / 2, 1), static_cast<Eigen::Index>(size));
    // Triangular factors of positive definite matrices: a zero diagonal would give NaN
    // variances, a negative one wrong variances (write_potential refuses both too).
    for (Eigen::Index i = 0; i < m.rows() && !bad_factor_; ++i)
      if (!(m(i, i) > 0.0) && std::isfinite(m(i, i)))
        bad_factor_ = r_.file() + ":" + std::to_string(xmlGetLineNo(e)) + ": <" + name + ">: diagonal element " +
                      std::to_string(i + 1) + " of the variance factor is " + format_exact(m(i, i)) +
                      ": expected a positive number";
    prev = name;
  }
  vc.finish(prev);
  return f;
}

// Compares <checksum> with the one computed from what was read; throws on a mismatch.
void DocumentReader::read_checksum(const xmlNode* cs) {
  r_.check_attributes(cs, {"algorithm"});
  const std::string algorithm = r_.required_attr(cs, "algorithm");
  if (algorithm != "sha256") r_.fail(cs, "algorithm=\"" + algorithm + "\": expected \"sha256\"");
  std::string storage;
  std::string expected(r_.text_of(cs, storage));
  expected.erase(0, expected.find_first_not_of(" \t\r\n"));
  expected.erase(expected.find_last_not_of(" \t\r\n") + 1);
  std::transform(expected.begin(), expected.end(), expected.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (expected.size() != 64 || expected.find_first_not_of("0123456789abcdef") != std::string::npos) {
    r_.fail(cs, "\"" + expected + "\": expected 64 hexadecimal digits");
  }
  const std::string computed = potential_checksum(d_, d_.format_version);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  // Fuzzing builds only (tests/fuzz): mutated files would almost never match their checksum,
  // so everything after it would go untested. Never defined in a normal build.
  constexpr bool kRefuseMismatch = false;
#else
  constexpr bool kRefuseMismatch = true;
#endif
  if (kRefuseMismatch && computed != expected) {
    throw InputError(r_.file() + ": checksum mismatch: the file is corrupted or was edited (expected " + expected +
                     ", computed " + computed + ")");
  }
}

// Decodes a base64-float64-le array of rows x cols values into a rows x cols matrix
// (row-major in the file). The declared size is checked against the text before
// allocating anything.
Eigen::MatrixXd DocumentReader::array(const xmlNode* n, std::uint64_t rows, std::uint64_t cols) {
  const std::string enc = r_.required_attr(n, "encoding");
  if (enc != kArrayEncoding) r_.fail(n, "encoding=\"" + enc + "\": expected \"" + kArrayEncoding + "\"");
  if (cols != 0 && rows > kMaxArrayValues / cols) {
    r_.fail(n,
            "declared size " + std::to_string(rows) + "x" + std::to_string(cols) + " exceeds the limit of 2^31 values");
  }
  std::string storage;
  const std::string_view text = r_.text_of(n, storage);
  Eigen::MatrixXd m;
  try {
    m = decode_f64_array(text, rows, cols);
  } catch (const InputError& e) {
    r_.fail(n, e.what());
  }
  if (!m.allFinite() && !nonfinite_) {
    nonfinite_ = r_.file() + ":" + std::to_string(xmlGetLineNo(n)) + ": <" + xml::Reader::name(n) +
                 ">: the array contains NaN or infinite values";
  }
  return m;
}

}  // namespace

PotentialData read_potential(const std::string& path) {
  return with_one_line_errors([&] {
    xml::Doc doc = parse_potential_file(path);
    DocumentReader r(path);
    return r.read(xmlDocGetRootElement(doc.get()));
  });
}

bool is_soapgap_potential(const std::string& path) {
  xml::ErrorLog log;
  xml::ScopedErrorCapture capture(&log);
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
           std::strcmp(xml::C(name), kRootName) == 0;
  }
}

}  // namespace soapgap
