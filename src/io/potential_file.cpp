// Writing soapgap potential files (io/potential_file.h); reading is in potential_file_read.cpp,
// the checksum in potential_checksum.cpp.

#include "io/potential_file.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <set>
#include <stdexcept>
#include <system_error>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/key_value.h"
#include "io/array_encoding.h"
#include "io/potential_checksum.h"
#include "io/potential_format.h"
#include "io/xml_document.h"

namespace soapgap {
namespace {

using potential_format::kMaxZ;

// ---------------------------------------------------------------------------------------
// What the file cannot hold, refused before anything is written.

[[noreturn]] void bad_data(const std::string& path, const std::string& what) {
  throw std::invalid_argument("cannot write potential file " + path + ": " + what);
}

// Returns the total number of sparse points.
std::uint64_t validate_terms(const std::string& path, const PotentialData& d) {
  std::uint64_t total_sparse = 0;
  for (std::size_t t = 0; t < d.terms.size(); ++t) {
    const TermData& term = d.terms[t];
    const std::string where = "term " + std::to_string(t + 1);
    if (term.spec.empty()) bad_data(path, where + ": empty spec string");
    if (!xml::is_xml_string(term.spec)) {
      bad_data(path, where + ": spec string is not valid UTF-8 XML text");
    }
    for (const SparseGroupData& g : term.groups) {
      const std::string gwhere = where + " group \"" + g.key + "\"";
      if (!xml::is_xml_string(g.key)) bad_data(path, gwhere + ": key is not valid UTF-8 XML text");
      const auto rows = static_cast<std::uint64_t>(g.sparse_points.rows());
      const auto cols = static_cast<std::uint64_t>(g.sparse_points.cols());
      if (cols != 0 && rows > kMaxArrayValues / cols) bad_data(path, gwhere + ": too many values");
      if (static_cast<std::uint64_t>(g.alpha.size()) != rows) {
        bad_data(path, gwhere + ": " + std::to_string(g.alpha.size()) + " alpha values for " + std::to_string(rows) +
                           " sparse points");
      }
      if (!g.sparse_points.allFinite()) bad_data(path, gwhere + ": sparse points not finite");
      if (!g.alpha.allFinite()) bad_data(path, gwhere + ": alpha not finite");
      total_sparse += rows;
    }
  }
  return total_sparse;
}

void validate_core(const std::string& path, const GlueData& core) {
  const auto check = [&](const CubicSplineData& c, const std::string& what) {
    if (c.x.size() != c.y.size() || c.x.size() < 2)
      bad_data(path, "core " + what + ": needs matching x and y, >= 2 points");
    for (size_t i = 0; i < c.x.size(); ++i)
      if (!std::isfinite(c.x[i]) || !std::isfinite(c.y[i])) bad_data(path, "core " + what + ": not finite");
    if (!std::isfinite(c.yp1) || !std::isfinite(c.ypn)) bad_data(path, "core " + what + ": end slope not finite");
  };
  for (const GlueElementData& e : core.elements) {
    check(e.density, "density of Z=" + std::to_string(e.Z));
    check(e.embedding, "embedding of Z=" + std::to_string(e.Z));
  }
  for (const GluePairData& pr : core.pairs)
    check(pr.potential, "pair " + std::to_string(pr.Z1) + "-" + std::to_string(pr.Z2));
}

void validate_variance(const std::string& path, const VarianceFactors& variance, std::uint64_t total_sparse) {
  if (variance.kind != "posterior" && variance.kind != "sparse")
    bad_data(path, "variance kind \"" + variance.kind + "\": expected posterior or sparse");
  if (variance.sparse_only() && variance.r.size() != 0) bad_data(path, "a sparse-only variance has no factor R");
  for (const Eigen::MatrixXd* v : {&variance.u, &variance.r}) {
    if (v == &variance.r && variance.sparse_only()) continue;
    const char* name = v == &variance.u ? "variance factor U" : "variance factor R";
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
  const std::uint64_t total_sparse = validate_terms(path, d);
  if (d.core) validate_core(path, *d.core);
  if (d.variance) validate_variance(path, *d.variance, total_sparse);
  for (const auto& [key, value] : d.provenance) {
    if (xmlValidateNCName(xml::X(key.c_str()), 0) != 0) {
      bad_data(path, "provenance key \"" + key + "\" is not a valid XML attribute name");
    }
  }
}

// ---------------------------------------------------------------------------------------
// The document, element by element.

// Base64 lines written as raw text of the element open in `o`.
Base64Lines lines_into(xml::Writer& o) {
  return Base64Lines([&o](const std::string& text) { o.raw(text); });
}

// <soapgap_potential ...> opened, then <provenance>, <units> and <elements>.
void write_header(xml::Writer& o, const PotentialData& d) {
  o.start(potential_format::kRootName);
  o.attr("format_version", std::to_string(PotentialData::kFormatVersion));
  o.attr("soapgap_version", xml::sanitize_xml_string(d.soapgap_version));

  o.raw("\n  ");
  o.start("provenance");
  for (const auto& [key, value] : d.provenance) o.attr(key.c_str(), xml::sanitize_xml_string(value));
  o.end();

  o.raw("\n  ");
  o.start("units");
  for (const potential_format::Unit& u : potential_format::kUnits) o.attr(u.name, u.value);
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
}

void write_group(xml::Writer& o, const SparseGroupData& g) {
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
    Base64Lines lines = lines_into(o);
    emit_le_row_major(g.sparse_points, lines.sink());
    lines.finish("      ");
  }
  o.end();

  o.raw("\n      ");
  o.start("alpha");
  o.attr("size", std::to_string(g.alpha.size()));
  o.attr("encoding", kArrayEncoding);
  {
    Base64Lines lines = lines_into(o);
    emit_le(g.alpha.data(), static_cast<std::size_t>(g.alpha.size()), lines.sink());
    lines.finish("      ");
  }
  o.end();
  o.raw("\n    ");
  o.end();  // group
}

void write_term(xml::Writer& o, const TermData& t) {
  o.raw("\n  ");
  o.start("term");
  o.attr("spec", t.spec);
  for (const SparseGroupData& g : t.groups) write_group(o, g);
  if (!t.groups.empty()) o.raw("\n  ");
  o.end();  // term
}

// <name points yp1 ypn encoding>: the x row, then the y row.
void write_spline(xml::Writer& o, const char* name, const CubicSplineData& c) {
  o.raw("\n      ");
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
  Base64Lines lines = lines_into(o);
  emit_le_row_major(xy, lines.sink());
  lines.finish("      ");
  o.end();
}

void write_core(xml::Writer& o, const GlueData& core) {
  o.raw("\n  ");
  o.start("core");
  o.attr("type", "glue");
  for (const GlueElementData& e : core.elements) {
    o.raw("\n    ");
    o.start("glue_element");
    o.attr("Z", std::to_string(e.Z));
    o.attr("density_spline", e.density_spline ? "T" : "F");
    write_spline(o, "density", e.density);
    write_spline(o, "embedding", e.embedding);
    o.raw("\n    ");
    o.end();
  }
  for (const GluePairData& pr : core.pairs) {
    o.raw("\n    ");
    o.start("glue_pair");
    o.attr("Z1", std::to_string(pr.Z1));
    o.attr("Z2", std::to_string(pr.Z2));
    write_spline(o, "potential", pr.potential);
    o.raw("\n    ");
    o.end();
  }
  o.raw("\n  ");
  o.end();
}

// Upper triangles, row by row: M(M+1)/2 values each.
void write_variance(xml::Writer& o, const VarianceFactors& variance) {
  o.raw("\n  ");
  o.start("variance");
  o.attr("size", std::to_string(variance.u.rows()));
  if (variance.sparse_only()) o.attr("kind", "sparse");
  for (const char* name : {"u", "r"}) {
    if (name[0] == 'r' && variance.sparse_only()) continue;
    const Eigen::VectorXd packed = pack_upper(name[0] == 'u' ? variance.u : variance.r);
    o.raw("\n    ");
    o.start(name);
    o.attr("storage", "upper_triangle_rows");
    o.attr("encoding", kArrayEncoding);
    Base64Lines lines = lines_into(o);
    emit_le(packed.data(), static_cast<std::size_t>(packed.size()), lines.sink());
    lines.finish("    ");
    o.end();
  }
  o.raw("\n  ");
  o.end();
}

void write_document(xml::Writer& o, const PotentialData& d, const std::string& checksum) {
  o.start_document();
  write_header(o, d);
  for (const TermData& t : d.terms) write_term(o, t);
  if (d.core) write_core(o, *d.core);
  if (d.variance) write_variance(o, *d.variance);
  o.raw("\n  ");
  o.start("checksum");
  o.attr("algorithm", "sha256");
  o.raw(checksum);
  o.end();
  o.raw("\n");
  o.end();  // root
  o.end_document();
}

}  // namespace

void write_potential(const std::string& path, const PotentialData& data) {
  validate_for_writing(path, data);
  const std::string checksum = potential_checksum(data, PotentialData::kFormatVersion);
  const auto fail = [&](const std::string& what) {
    throw InputError("cannot write potential file " + path + ": " + what);
  };
  AtomicFile file(path, "potential file");  // the old file stays intact until commit() renames the new one
  try {
    xml::Writer out(file, "cannot write potential file " + path);
    write_document(out, data, checksum);
    out.close();
  } catch (const std::system_error& e) {
    fail(file.temporary_path() + ": " + std::strerror(e.code().value()));
  } catch (const std::bad_alloc&) {
    fail("out of memory");
  }
  file.commit();
}

}  // namespace soapgap
