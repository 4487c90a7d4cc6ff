#include "model/glue_core.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "core/error.h"

namespace soapgap {

GlueCore::GlueCore(GlueData data, std::string context) : data_(std::move(data)), context_(std::move(context)) {
  index_.fill(-1);
  const std::string& ctx = context_;
  for (const GlueElementData& ed : data_.elements) {
    if (ed.Z < 1 || ed.Z > 118)
      throw InputError(ctx + ": element Z=" + std::to_string(ed.Z) + " is not an atomic number (1..118)");
    if (index_[ed.Z] >= 0) throw InputError(ctx + ": element Z=" + std::to_string(ed.Z) + " is given twice");
    const std::string ectx = ctx + ", element Z=" + std::to_string(ed.Z);
    CubicSpline density(ed.density, ectx + " density");
    CubicSpline embedding(ed.embedding, ectx + " embedding");
    const double rc = density.max_knot();
    double poly = 0;
    if (!ed.density_spline) {
      // Least-squares fit of the points to poly (rc - r)^3. The last knot (r = rc) adds 0 to both
      // sums and every other knot is below rc, so the denominator is positive.
      double num = 0, den = 0;
      for (int k = 0; k < density.size(); ++k) {
        const double t = rc - density.x()[k];
        const double t3 = t * t * t;
        num += density.y()[k] * t3;
        den += t3 * t3;
      }
      poly = num / den;
      if (!std::isfinite(poly)) throw InputError(ectx + " density: the (rc - r)^3 fit of the points is not finite");
    }
    index_[ed.Z] = static_cast<int>(elem_.size());
    elem_.push_back(Element{std::move(density), std::move(embedding), ed.density_spline, rc, poly});
    cutoff_ = std::max(cutoff_, rc);
  }

  const int n = static_cast<int>(elem_.size());
  pair_index_.assign(static_cast<size_t>(n) * n, -1);
  for (const GluePairData& pd : data_.pairs) {
    const std::string pctx = ctx + ", pair (" + std::to_string(pd.Z1) + ", " + std::to_string(pd.Z2) + ")";
    for (int z : {pd.Z1, pd.Z2})
      if (z < 1 || z > 118 || index_[z] < 0)
        throw InputError(pctx + ": element Z=" + std::to_string(z) + " is not one of the Glue elements");
    const int a = index_[pd.Z1], b = index_[pd.Z2];
    if (pair_index_[a * n + b] >= 0) throw InputError(pctx + ": the pair is given twice");
    pair_.emplace_back(pd.potential, pctx + " potential");
    pair_index_[a * n + b] = pair_index_[b * n + a] = static_cast<int>(pair_.size()) - 1;
    cutoff_ = std::max(cutoff_, pair_.back().max_knot());
  }
}

std::vector<int> GlueCore::elements() const {
  std::vector<int> z;
  for (const GlueElementData& ed : data_.elements) z.push_back(ed.Z);
  std::sort(z.begin(), z.end());
  return z;
}

void GlueCore::density(const Element& e, double d, double& phi, double& dphi) const {
  if (d >= e.rc) {
    phi = dphi = 0;
  } else if (e.density_spline) {
    e.density.evaluate(d, phi, dphi);
  } else {
    const double t = e.rc - d;
    phi = e.poly * t * t * t;
    dphi = -3.0 * e.poly * t * t;
  }
}

void GlueCore::compute(const Structure& s, const NeighbourList& nl, Eigen::VectorXd& local_energy,
                       MatrixX3* dE_dr) const {
  const int n_centres = nl.n_atoms();
  if (n_centres > s.size())
    throw InputError(context_ + ": the neighbour list has more centres than the structure has atoms");
  if (local_energy.size() < n_centres)
    throw InputError(context_ + ": local energy vector shorter than the number of centres");
  if (dE_dr && dE_dr->rows() != nl.n_entries())
    throw InputError(context_ + ": dE/dr has " + std::to_string(dE_dr->rows()) + " rows for " +
                     std::to_string(nl.n_entries()) + " neighbour list entries");
  if (nl.n_entries() > 0 && nl.cutoff() < cutoff_)
    throw InputError(context_ + ": the neighbour list cutoff is smaller than the Glue cutoff " +
                     std::to_string(cutoff_));
  const int n_types = static_cast<int>(elem_.size());
  auto type_of = [&](int atom) {
    if (atom < 0 || atom >= s.size())
      throw InputError(context_ + ": neighbour list refers to atom " + std::to_string(atom) + " of a structure of " +
                       std::to_string(s.size()) + " atoms");
    const int z = s.numbers[atom];
    return z >= 1 && z <= 118 ? index_[z] : -1;
  };

  for (int i = 0; i < n_centres; ++i) {
    const int ti = type_of(i);
    if (ti < 0) continue;
    const Element& ei = elem_[ti];
    double rho = 0, pair_energy = 0;
    for (int k = nl.begin(i); k < nl.end(i); ++k) {
      const int tj = type_of(nl.neighbour(k));
      if (tj < 0) continue;
      const double d = nl.distance(k);
      double phi, dphi;
      density(elem_[tj], d, phi, dphi);
      rho += phi;
      const int p = pair_index_[ti * n_types + tj];
      if (p >= 0 && d < pair_[p].max_knot()) pair_energy += pair_[p].value(d);
    }
    double f, df;
    ei.embedding.evaluate(rho, f, df);
    local_energy[i] += f + 0.5 * pair_energy;
    if (!dE_dr) continue;
    for (int k = nl.begin(i); k < nl.end(i); ++k) {
      const int tj = type_of(nl.neighbour(k));
      if (tj < 0) continue;
      const double d = nl.distance(k);
      double phi, dphi;
      density(elem_[tj], d, phi, dphi);
      double dE_dd = df * dphi;
      const int p = pair_index_[ti * n_types + tj];
      if (p >= 0 && d < pair_[p].max_knot()) dE_dd += 0.5 * pair_[p].derivative(d);
      if (dE_dd != 0) dE_dr->row(k) += (dE_dd / d) * nl.r(k).transpose();
    }
  }
}

}  // namespace soapgap
