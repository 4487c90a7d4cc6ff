// The factor U of K_MM + jitter (K_MM = U^T U over all sparse points, block diagonal over the
// kernel groups), shared by the fit and by the sparse-only variance of files that hold no fit
// data (potentials converted from QUIP: VarianceFactors kind "sparse").
#pragma once
#include <Eigen/Dense>
#include <vector>

#include "model/potential.h"
#include "model/term.h"

namespace soapgap {

// terms[t] with its groups' sparse points, offsets[t][g] their place in the M ordering. K_MM's
// diagonal gets relative_jitter * delta_t^2 + absolute_jitter (eV^2). Throws InputError when
// K_MM + jitter is not positive definite.
Eigen::MatrixXd kernel_matrix_factor(const std::vector<const Term*>& terms,
                                     const std::vector<std::vector<int>>& offsets, int m_total, double relative_jitter,
                                     double absolute_jitter);

// VarianceFactors of kind "sparse" for a potential: U from its sparse points alone. The jitter is
// absolute_jitter, multiplied by 10 until K_MM + jitter is positive definite (at most to
// 1e-6 delta^2 of the largest term); *used (optional) receives the jitter used.
VarianceFactors sparse_variance_factors(const Potential& pot, double absolute_jitter, double* used = nullptr);

}  // namespace soapgap
