// Batched SOAP kernel predictions as GEMMs, threaded over blocks of rows:
//   Gm = Q X^T,  eps_i = d2 sum_s beta_s Gm_is^zeta,  G = d2 zeta (Gm^(zeta-1) .* beta^T) X.
// Each OpenMP thread takes whole blocks of rows and runs single-threaded BLAS on them, so that
// no BLAS worker threads compete with the OpenMP threads (OpenBLAS' pthread workers busy-wait
// for ~0.1 s after every threaded call, which on few cores slows the OpenMP loops that follow).
// Used by DotProductKernel (host library) and by pair_style soapgap/kk on the host.
#pragma once
#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>

#include "core/blas_threads.h"
#include "kernels/kernel_math.h"

namespace soapgap {

// Q: n x D (rows = environments), X: M x D (sparse points), beta: M weights. Writes eps (n) and
// G (n x D, row-major); at most block_rows x M doubles of work space per thread, kept between
// calls (thread_local) so that MD steps do not page-fault on fresh memory.
template <class QMatrix, class XMatrix, class BetaVector, class GMatrix>
void dot_product_values_and_gradients(const QMatrix& Q, const XMatrix& X, const BetaVector& beta, double d2, int zeta,
                                      Eigen::VectorXd& eps, GMatrix& G, Eigen::Index block_rows = 1024) {
  const Eigen::Index n = Q.rows(), m = X.rows();
  eps.setZero(n);
  G.resize(n, X.cols());
  if (n == 0) return;
  const int threads = omp_in_parallel() ? 1 : std::max(1, omp_get_max_threads());
  // Blocks: at most block_rows rows, and at least one block per thread.
  const Eigen::Index per_thread = (n + threads - 1) / threads;
  const Eigen::Index rows = std::max<Eigen::Index>(1, std::min(block_rows, per_thread));
  const Eigen::Index blocks = (n + rows - 1) / rows;
  auto block = [&](Eigen::Index b) {
    thread_local Eigen::MatrixXd Gm;
    const Eigen::Index r0 = b * rows, nb = std::min(rows, n - r0);
    Gm.noalias() = Q.middleRows(r0, nb) * X.transpose();
    for (Eigen::Index s = 0; s < m; ++s) {
      const double bs = beta[s];
      for (Eigen::Index i = 0; i < nb; ++i) {
        const double p = kernel_math::dot_product_power(zeta, Gm(i, s));
        eps[r0 + i] += p * Gm(i, s) * bs;
        Gm(i, s) = p * bs;
      }
    }
    G.middleRows(r0, nb).noalias() = Gm * X;
    eps.segment(r0, nb) *= d2;
    G.middleRows(r0, nb) *= d2 * zeta;
  };
  if (threads == 1 || blocks == 1) {
    for (Eigen::Index b = 0; b < blocks; ++b) block(b);
    return;
  }
  SingleThreadedBlas single;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (Eigen::Index b = 0; b < blocks; ++b) block(b);
}

}  // namespace soapgap
