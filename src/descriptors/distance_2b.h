// Two-body descriptor: one environment per ordered neighbour pair i->j within the cutoff,
// q = [r_ij], weight w = f_cut(r_ij), owned by atom i. With the squared-exponential kernel
// this gives a pair potential E = sum_i sum_j f_cut(r_ij) eps_{Z_i Z_j}(r_ij) learnt by the GP.
// Kernel groups: unordered element pairs, keys "Za-Zb" with Za <= Zb.
#pragma once
#include <vector>

#include "core/key_value.h"
#include "core/parameter_table.h"
#include "descriptors/descriptor.h"

namespace soapgap {

struct Distance2bParameters {
  double cutoff = 0;
  double cutoff_transition_width = 0.5;
  std::vector<int> species;  // sorted atomic numbers
  // The keys, defaults, ranges and documentation (core/parameter_table.h).
  static const ParameterTable<Distance2bParameters>& table();
  // Reads the table's keys (species default: model_species) and validates them.
  static Distance2bParameters from_spec(const KeyValueSpec& spec, const std::vector<int>& model_species);
  // Throws InputError (prefixed with `context`) naming the first invalid parameter.
  void validate(const std::string& context) const;
};

class Distance2bDescriptor : public Descriptor {
 public:
  explicit Distance2bDescriptor(const Distance2bParameters& p);
  std::string spec() const override;
  std::string type() const override { return "distance_2b"; }
  double cutoff() const override { return p_.cutoff; }
  const Distance2bParameters& parameters() const { return p_; }
  int dimension() const override { return 1; }
  std::vector<std::string> group_keys() const override;
  Environments compute(const Structure& s, const NeighbourList& nl) const override;
  void backpropagate(const Structure& s, const NeighbourList& nl, const Environments& env, const RowMatrix& dE_dq,
                     const Eigen::VectorXd& dE_dw, MatrixX3& dE_dr) const override;
  void jacobian(const Structure& s, const NeighbourList& nl, const Environments& env, int e,
                EnvironmentJacobian& out) const override;

 private:
  int pair_group(int zi, int zj) const;  // -1 if either element is not covered
  Distance2bParameters p_;
};

}  // namespace soapgap
