#include "model/variance_factors.h"

#include <algorithm>

#include "core/error.h"
#include "core/key_value.h"

namespace soapgap {

Eigen::MatrixXd kernel_matrix_factor(const std::vector<const Term*>& terms,
                                     const std::vector<std::vector<int>>& offsets, int m_total, double relative_jitter,
                                     double absolute_jitter) {
  Eigen::MatrixXd U = Eigen::MatrixXd::Zero(m_total, m_total);
  for (size_t t = 0; t < terms.size(); ++t)
    for (int g = 0; g < terms[t]->n_groups(); ++g) {
      const Eigen::MatrixXd& X = terms[t]->groups[g].sparse_points;
      if (X.rows() == 0) continue;
      Eigen::MatrixXd K;
      terms[t]->kernel().matrix(X, X, K);
      const double d2 = terms[t]->kernel().delta() * terms[t]->kernel().delta();
      K.diagonal().array() += relative_jitter * d2 + absolute_jitter;
      U.block(offsets[t][g], offsets[t][g], X.rows(), X.rows()) = K;
    }
  Eigen::LLT<Eigen::MatrixXd> llt(U);
  if (llt.info() != Eigen::Success)
    throw InputError(
        "K_MM is not positive definite: increase the jitter (--jitter, --sparse-jitter) or reduce n_sparse");
  return llt.matrixU();
}

VarianceFactors sparse_variance_factors(const Potential& pot, double absolute_jitter, double* used) {
  std::vector<const Term*> terms;
  std::vector<std::vector<int>> offsets;
  double d2_max = 0;
  for (size_t t = 0; t < pot.terms().size(); ++t) {
    terms.push_back(&pot.terms()[t]);
    offsets.push_back(pot.group_offsets(t));
    d2_max = std::max(d2_max, pot.terms()[t].kernel().delta() * pot.terms()[t].kernel().delta());
  }
  double jitter = std::max(absolute_jitter, 0.0);
  for (;;) {
    try {
      VarianceFactors f;
      f.kind = "sparse";
      f.u = kernel_matrix_factor(terms, offsets, pot.n_sparse_total(), 0.0, jitter);
      if (used) *used = jitter;
      return f;
    } catch (const InputError&) {
      const double next = jitter > 0 ? 10 * jitter : 1e-12 * d2_max;
      if (next > 1e-6 * d2_max)
        throw InputError("the sparse points' K_MM is not positive definite even with a jitter of " +
                         format_exact(jitter) + " eV^2");
      jitter = next;
    }
  }
}

}  // namespace soapgap
