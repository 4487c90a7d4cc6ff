// Interface of a local descriptor: maps a structure's neighbourhoods to "environments",
// each a vector q (and a weight w) that a kernel compares with sparse points.
//
// The energy of a term is E = sum_e w_e * eps(q_e), eps(q) = sum_s alpha_s k(q, x_s).
// Derivatives are taken with respect to the neighbour-list displacement vectors r_k
// (entry k of NeighbourList, r_k = r_j(image) - r_i); ForceAccumulator (model/) turns
// dE/dr_k into forces and the virial, so a descriptor never deals with images or cells.
#pragma once
#include <Eigen/Dense>
#include <memory>
#include <string>
#include <vector>

#include "core/matrix_types.h"
#include "core/structure.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

// The environments of one structure for one descriptor.
struct Environments {
  RowMatrix q;             // n_env x dim, one row per environment
  Eigen::VectorXd w;       // n_env weights (1 for SOAP; cutoff weight for pair terms)
  std::vector<int> atom;   // atom whose local energy this environment contributes to
  std::vector<int> group;  // kernel group index (see Descriptor::group_keys()); -1: skip
  std::vector<int> tag;    // descriptor-specific (pair terms: the neighbour-list entry); may be empty
  int size() const { return static_cast<int>(atom.size()); }
};

// Derivatives of one environment with respect to the displacement vectors it depends on.
struct EnvironmentJacobian {
  std::vector<int> entries;  // neighbour-list entries k this environment depends on
  RowMatrix dq;              // dim x (3 * entries.size()): column 3*m+a = d q / d r_{entries[m], a}
  Eigen::RowVectorXd dw;     // 3 * entries.size(): d w / d r_{entries[m], a}
};

class Descriptor {
 public:
  virtual ~Descriptor() = default;

  // Canonical key=value specification, e.g. "soap n_max=8 l_max=6 cutoff=5 ...";
  // parse_descriptor(spec()) recreates an identical descriptor.
  virtual std::string spec() const = 0;
  virtual std::string type() const = 0;  // "soap", "distance_2b"
  virtual double cutoff() const = 0;
  virtual int dimension() const = 0;
  // One kernel group per key (e.g. "14" for SOAP centred on Si, "8-14" for an O-Si pair):
  // environments of different groups have zero covariance.
  virtual std::vector<std::string> group_keys() const = 0;

  // Environments of all atoms (or pairs) of s.
  virtual Environments compute(const Structure& s, const NeighbourList& nl) const = 0;

  // Reverse mode: given dE/dq (n_env x dim) and dE/dw (n_env) for the environments that
  // compute() returned, add dE/dr_k to dE_dr (n_entries x 3, rows = neighbour-list entries).
  virtual void backpropagate(const Structure& s, const NeighbourList& nl, const Environments& env,
                             const RowMatrix& dE_dq, const Eigen::VectorXd& dE_dw, MatrixX3& dE_dr) const = 0;

  // Forward mode, for fitting: the full Jacobian of environment e.
  virtual void jacobian(const Structure& s, const NeighbourList& nl, const Environments& env, int e,
                        EnvironmentJacobian& out) const = 0;
};

// Creates a descriptor from its specification string (see docs/cli.md, "Descriptors and kernels").
// species: the elements of the model (atomic numbers, sorted); used where the spec does not
// name them. Throws InputError naming the bad key or value.
std::unique_ptr<Descriptor> parse_descriptor(const std::string& spec, const std::vector<int>& species);

}  // namespace soapgap
