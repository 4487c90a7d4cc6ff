// The "Glue" core potential (an embedded-atom-like short-range baseline, as QUIP's
// IPModel_Glue that GAP potential files may add to the GP terms), given by cubic splines
// (model/cubic_spline.h, which extrapolate linearly outside their knots):
//
//   E = sum_i [ F_ti(rho_i) + 1/2 sum_j V_ti,tj(r_ij) ],   rho_i = sum_j phi_tj(r_ij)
//
// over the centres i and their neighbours j (periodic images included), t = element.
//   F_t    embedding energy of element t, spline through the points (rho, E).
//   phi_t  density a neighbour of element t contributes at distance r; its cutoff rc_t is the
//          last knot of the density points, phi_t(r) = 0 for r >= rc_t. Below rc_t:
//          the spline through the points if density_spline, else poly_t (rc_t - r)^3 with
//          poly_t = sum_k rho_k (rc_t - r_k)^3 / sum_k (rc_t - r_k)^6 over the density points
//          (the least-squares fit of the points to c (rc_t - r)^3).
//   V      pair potential, spline through the points (r, E), one per unordered pair of
//          elements (the pair (Z1, Z2) is also the pair (Z2, Z1)); zero at and beyond its last
//          knot, and zero for pairs without data.
// cutoff() is the largest density or pair cutoff. Atoms (centres or neighbours) whose element
// is not in the data take no part at all: no energy, no density, no pair term.
// Units: Angstrom and eV, as the rest of soapgap.
#pragma once
#include <Eigen/Dense>
#include <array>
#include <string>
#include <vector>

#include "core/structure.h"
#include "model/cubic_spline.h"
#include "model/glue_data.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

class GlueCore {
 public:
  // Validates the data; throws InputError(context + ": ...") for an element out of 1..118 or
  // given twice, an invalid spline (CubicSpline), a pair with an element that is not listed or
  // a pair given twice (in either order).
  explicit GlueCore(GlueData data, std::string context);

  const GlueData& data() const { return data_; }
  double cutoff() const { return cutoff_; }
  std::vector<int> elements() const;  // sorted Z

  // The centres are atoms 0..nl.n_atoms()-1 of s; neighbours may be any atom of s (ghost atoms
  // of an external list included), their element being s.numbers[j].
  // Adds each centre's energy to local_energy[i] (size at least nl.n_atoms()). If dE_dr is
  // non-null (nl.n_entries() rows), adds to row k the derivative of the energy of entry k's
  // centre with respect to r_k = nl.r(k) = r_j - r_i; accumulate_forces (model/potential.h)
  // turns it into forces and the virial. nl must be a full list (each pair as i->j and j->i)
  // with nl.cutoff() >= cutoff(); entries at or beyond the cutoffs are ignored.
  // Throws InputError for inconsistent sizes or a list with too small a cutoff.
  void compute(const Structure& s, const NeighbourList& nl, Eigen::VectorXd& local_energy, MatrixX3* dE_dr) const;

 private:
  struct Element {
    CubicSpline density, embedding;
    bool density_spline;
    double rc;    // density cutoff
    double poly;  // coefficient of (rc - r)^3 when !density_spline
  };
  // Density phi_t(d) and its derivative; 0 at and beyond the cutoff.
  void density(const Element& e, double d, double& phi, double& dphi) const;

  GlueData data_;
  std::string context_;  // for error messages
  std::vector<Element> elem_;
  std::array<int, 119> index_;  // Z -> index in elem_, -1 if absent
  std::vector<CubicSpline> pair_;
  std::vector<int> pair_index_;  // [ti * n + tj] -> index in pair_, -1 if no pair data
  double cutoff_ = 0;
};

}  // namespace soapgap
