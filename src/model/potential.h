// A fitted SOAP-GAP potential: E = sum_i e0(Z_i) + sum_terms sum_env w_e sum_s alpha_s k(q_e, x_s).
// Evaluates energies, forces, virials, local energies and predicted variances of a structure.
#pragma once
#include <Eigen/Dense>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/structure.h"
#include "model/glue_core.h"
#include "model/potential_data.h"
#include "model/term.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

struct PredictOptions {
  bool forces = true;     // forces and virial (reverse-mode derivatives)
  bool variance = false;  // local predicted variances (needs the variance factors)
  // With variance: also the variance of the total energy. Its prior term sums the kernel over
  // all pairs of environments, O(N^2 D) for N atoms: switch it off for large systems.
  bool total_variance = true;
  bool atom_virial = false;  // per-atom virial (LAMMPS compute stress/atom)
  // With variance: also the 3 x 3 covariance of each atom's force (model/force_variance.h; needs
  // every atom of the structure as a centre, i.e. not LAMMPS' domains with ghost atoms).
  bool force_variance = false;
  // With variance: also keep what the total-energy variance is made of (EnergyVarianceParts),
  // so that it can be summed over structures split between processes (LAMMPS MPI ranks).
  bool variance_parts = false;
  // With variance: the terms (0-based, in the file's order) whose variance is wanted; empty =
  // all. The variance of a subset of terms is that of their part of the local energy (e.g. the
  // SOAP terms alone: a 2-body term's variance grows with the neighbour count and hides
  // unfamiliar environments).
  std::vector<int> variance_terms;
};

// The total-energy variance of a structure split into parts (e.g. the atoms of each MPI rank):
// with prior = sum_ab prior(a, b) (Potential::prior_energy_covariance) and k = sum_a k_a,
// Var(E) = Potential::posterior_variance(prior, k).
struct EnergyVarianceParts {
  // [term][group]: the descriptor vectors (rows) and weights of the environments of this part.
  std::vector<std::vector<RowMatrix>> q;
  std::vector<std::vector<Eigen::VectorXd>> w;
  Eigen::VectorXd k_total;  // sum over the part's atoms of their kernel vectors, length n_sparse_total()
};

struct Prediction {
  double energy = 0;                                 // eV
  Eigen::VectorXd local_energy;                      // eV per atom, includes e0; sums to energy
  MatrixX3 forces;                                   // eV/Angstrom
  Eigen::Matrix3d virial = Eigen::Matrix3d::Zero();  // eV, = -dE/d(strain)
  Eigen::VectorXd local_variance;                    // eV^2 per atom (with options.variance)
  double energy_variance = 0;                        // eV^2, of the total energy (with variance and total_variance)
  // With force_variance: row a = atom a's force covariance, row-major 3 x 3, eV^2/A^2.
  Eigen::Matrix<double, Eigen::Dynamic, 9, Eigen::RowMajor> force_covariance;
  // Per-atom virial, eV, columns xx yy zz xy xz yz (LAMMPS' order); each neighbour pair's
  // contribution -r (x) dE/dr is split equally between its two atoms. Sums to the virial.
  Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor> atom_virial;
  EnergyVarianceParts variance_parts;  // with options.variance_parts
};

class Potential {
 public:
  // Validates the data (groups match the descriptors, dimensions, element coverage).
  explicit Potential(const PotentialData& data);

  const PotentialData& data() const { return data_; }
  const std::vector<Term>& terms() const { return terms_; }
  // The fixed core potential (QUIP's Glue) added to the terms, or null.
  const GlueCore* core() const { return core_.get(); }
  const std::vector<int>& elements() const { return data_.elements; }
  double cutoff() const { return cutoff_; }
  bool has_variance() const { return data_.variance.has_value(); }
  int n_sparse_total() const { return n_sparse_total_; }
  // Offset of each group of term t in the variance ordering (file order: terms, groups, points).
  const std::vector<int>& group_offsets(size_t t) const { return offsets_.at(t); }

  // Throws InputError if the structure contains an element the potential does not cover.
  Prediction predict(const Structure& s, const PredictOptions& options = {}) const;

  // The same with a neighbour list made elsewhere (e.g. by LAMMPS): the first nl.n_atoms()
  // atoms of s are the centres (local atoms), the others only neighbours (ghost atoms); the
  // list's cutoff must be at least cutoff(). Local energies and variances are given for the
  // centres; forces and per-atom virials for every atom of s (ghost contributions are to be
  // summed onto their owners by the caller).
  Prediction compute(const Structure& s, const NeighbourList& nl, const PredictOptions& options = {}) const;

  // Prior covariance of the energies of two parts: sum over environments e of a and f of b (same
  // term and group) of w_e w_f k(q_e, q_f). O(N_a N_b D) time, blocks of rows in memory.
  double prior_energy_covariance(const EnergyVarianceParts& a, const EnergyVarianceParts& b) const;
  // The posterior variance of a sum of local energies from its prior variance k_self and its
  // kernel vector k against all sparse points: [k_self - |U^-T k|^2]_+ + |R^-T k|^2
  // (model/potential_data.h). The bracket is >= 0 exactly; rounding below 0 is clamped to 0.
  double posterior_variance(double k_self, const Eigen::VectorXd& k) const;
  // Throws InputError naming the term when an index of options.variance_terms is out of range.
  void check_variance_terms(const std::vector<int>& terms) const;

 private:
  PotentialData data_;
  std::vector<Term> terms_;
  std::shared_ptr<const GlueCore> core_;
  std::vector<std::vector<int>> offsets_;  // [term][group] offset in the variance ordering
  int n_sparse_total_ = 0;
  double cutoff_ = 0;
};

// Adds -dE/dr_k to the forces of j and +dE/dr_k to i, and -r_k (x) dE/dr_k to the virial.
void accumulate_forces(const NeighbourList& nl, const MatrixX3& dE_dr, MatrixX3& forces, Eigen::Matrix3d& virial);

// Checks that every element of s is in elements; throws InputError naming the first one not.
void check_elements(const Structure& s, const std::vector<int>& elements);

}  // namespace soapgap
