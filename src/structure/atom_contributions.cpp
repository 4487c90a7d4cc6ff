#include "structure/atom_contributions.h"

#include <string>

#include "core/blas_threads.h"
#include "core/error.h"

namespace soapgap {

std::vector<Eigen::VectorXd> kernel_atom_contributions(const std::vector<StructureEnvironments>& X,
                                                       const std::vector<StructureEnvironments>& train,
                                                       const Eigen::VectorXd& weights,
                                                       const StructureKernelOptions& options) {
  if (weights.size() != static_cast<Eigen::Index>(train.size()))
    throw InputError("atom contributions: " + std::to_string(weights.size()) + " weights for " +
                     std::to_string(train.size()) + " training structures");
  if (!weights.allFinite()) throw InputError("atom contributions: NaN or Inf in the weights");
  if (options.zeta < 1) throw InputError("structure kernel: zeta must be a positive integer");
  std::vector<int> used;
  for (size_t s = 0; s < train.size(); ++s)
    if (weights[static_cast<Eigen::Index>(s)] != 0.0) used.push_back(static_cast<int>(s));
  const int nx = static_cast<int>(X.size()), nu = static_cast<int>(used.size());
  // The self-kernels (normalisers), as structure_kernel_matrix computes them.
  Eigen::VectorXd self_x(nx), self_t(nu);
  std::string error;
  SingleThreadedBlas blas_guard;
#pragma omp parallel for schedule(dynamic)
  for (int k = 0; k < nx + nu; ++k) {
    try {
      const StructureEnvironments& s = k < nx ? X[k] : train[used[k - nx]];
      const double v = structure_kernel(s, s, options);
      if (!(v > 0))
        throw InputError(std::string(k < nx ? "structure " : "training structure ") +
                         std::to_string(k < nx ? k : used[k - nx]) + " has a zero self-kernel");
      (k < nx ? self_x[k] : self_t[k - nx]) = v;
    } catch (const std::exception& e) {
#pragma omp critical
      if (error.empty()) error = e.what();
    }
  }
  if (!error.empty()) throw InputError(error);
  std::vector<Eigen::VectorXd> out(nx);
  std::vector<Eigen::VectorXd> shares(nu);
  for (int x = 0; x < nx; ++x) {
#pragma omp parallel for schedule(dynamic)
    for (int u = 0; u < nu; ++u) {
      try {
        shares[u] =
            weights[used[u]] * structure_kernel_atom_shares(X[x], train[used[u]], options, self_x[x], self_t[u]);
      } catch (const std::exception& e) {
#pragma omp critical
        if (error.empty()) error = e.what();
      }
    }
    if (!error.empty()) throw InputError(error);
    out[x] = Eigen::VectorXd::Zero(X[x].size());
    for (int u = 0; u < nu; ++u) out[x] += shares[u];  // fixed order: reproducible sums
  }
  return out;
}

}  // namespace soapgap
