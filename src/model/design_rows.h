// The rows of the weighted design matrix of one training configuration: its energy, force and
// virial observations as linear functions of the sparse points' weights, divided by their sigmas.
#pragma once
#include <Eigen/Dense>
#include <map>
#include <vector>

#include "descriptors/descriptor.h"
#include "model/sparse_gp_fit.h"
#include "model/term.h"

namespace soapgap {

// The sigmas of one configuration: the settings' defaults, its config_type's, then its own.
Sigmas sigmas_for(const Structure& s, const FitSettings& settings);

// The number of observations (rows) of s in the fit: energy, 3N forces, 6 virials, as far as s
// has them and the settings use them; design_rows() gives one column each.
long long observation_count(const Structure& s, const FitSettings& settings);

// One term of the model and where its groups' sparse points start among the M_total weights.
struct DesignTerm {
  const Term* term;
  const std::vector<int>* offset;  // per group
};

// At: M_total x rows, one column per observation (energy, 3N forces, 6 virials, in that order,
// as far as the configuration has them and the settings use them); b: the targets (energy
// less e0). Both already divided by their sigmas.
struct DesignRows {
  Eigen::MatrixXd At;
  Eigen::VectorXd b;
};

// envs[t]: term t's environments of s. Kernel gradients are contracted with each batch of
// environments' Jacobians in one GEMM per batch (Kernel::contracted_gradients).
DesignRows design_rows(const Structure& s, const std::vector<DesignTerm>& terms, const std::vector<Environments>& envs,
                       double cutoff, int m_total, const std::map<int, double>& e0, const FitSettings& settings);

}  // namespace soapgap
