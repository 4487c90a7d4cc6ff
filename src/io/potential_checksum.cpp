#include "io/potential_checksum.h"

#include <cstdint>

#include "core/sha256.h"
#include "io/array_encoding.h"
#include "io/potential_file.h"

namespace soapgap {
namespace {

constexpr const char* kChecksumTag = "soapgap_potential checksum v1";

// The primitives of the byte stream (u8, u64, i64, f64, str), fed to SHA-256.
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

void hash_spline(CanonicalHasher& h, const CubicSplineData& c) {
  h.u64(c.x.size());
  for (double v : c.x) h.f64(v);
  for (double v : c.y) h.f64(v);
  h.f64(c.yp1);
  h.f64(c.ypn);
}

void hash_core(CanonicalHasher& h, const GlueData& core) {
  h.str("glue core");
  h.u64(core.elements.size());
  for (const GlueElementData& e : core.elements) {
    h.i64(e.Z);
    h.u8(e.density_spline);
    hash_spline(h, e.density);
    hash_spline(h, e.embedding);
  }
  h.u64(core.pairs.size());
  for (const GluePairData& pr : core.pairs) {
    h.i64(pr.Z1);
    h.i64(pr.Z2);
    hash_spline(h, pr.potential);
  }
}

}  // namespace

std::string potential_checksum(const PotentialData& d, int format_version) {
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
  // 1: U and R; 2: a sparse-only variance, U alone (files with R keep their checksums).
  h.u8(d.variance ? (d.variance->sparse_only() ? 2 : 1) : 0);
  if (d.variance) {
    h.u64(static_cast<std::uint64_t>(d.variance->u.rows()));
    h.vector(pack_upper(d.variance->u));
    if (!d.variance->sparse_only()) h.vector(pack_upper(d.variance->r));
  }
  // The core is hashed only when present, so that files without one keep their checksums.
  if (d.core) hash_core(h, *d.core);
  return h.hex();
}

std::string potential_checksum(const PotentialData& data) { return potential_checksum(data, data.format_version); }

}  // namespace soapgap
