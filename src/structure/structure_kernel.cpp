#include "structure/structure_kernel.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/blas_threads.h"
#include "core/error.h"
#include "core/progress.h"
#include "structure/assignment.h"

namespace soapgap {

StructureKernelKind parse_structure_kernel_kind(const std::string& name) {
  if (name == "average") return StructureKernelKind::Average;
  if (name == "match") return StructureKernelKind::Match;
  if (name == "rematch") return StructureKernelKind::REMatch;
  throw InputError("structure kernel \"" + name + "\": expected average, match or rematch");
}

Eigen::MatrixXd local_kernel_matrix(const StructureEnvironments& a, const StructureEnvironments& b) {
  if (a.q.rows() != a.size() || b.q.rows() != b.size())
    throw InputError("structure kernel: descriptor rows and species do not match");
  if (a.q.cols() != b.q.cols()) throw InputError("structure kernel: the two structures have different descriptors");
  Eigen::MatrixXd C = a.q * b.q.transpose();
  for (int i = 0; i < a.size(); ++i)
    for (int j = 0; j < b.size(); ++j)
      if (a.species[i] != b.species[j]) C(i, j) = 0.0;
  return C;
}

namespace {

void check_local(const Eigen::MatrixXd& C) {
  if (C.rows() == 0 || C.cols() == 0) throw InputError("structure kernel: a structure without atoms");
  if (!C.allFinite()) throw InputError("structure kernel: NaN or Inf in the local kernel");
}

// log(sum_k exp(x_k)) without overflow.
double log_sum_exp(const Eigen::Ref<const Eigen::VectorXd>& x) {
  const double m = x.maxCoeff();
  if (!std::isfinite(m)) return m;
  return m + std::log((x.array() - m).exp().sum());
}

}  // namespace

double average_structure_kernel(const Eigen::MatrixXd& C) {
  check_local(C);
  return C.mean();
}

Eigen::MatrixXd match_transport_plan(const Eigen::MatrixXd& C, int max_copies) {
  check_local(C);
  const long long n = C.rows(), m = C.cols();
  const long long L = std::lcm(n, m);
  if (L > max_copies)
    throw InputError("match kernel: structures of " + std::to_string(n) + " and " + std::to_string(m) +
                     " atoms need an assignment of lcm = " + std::to_string(L) + " copies (limit " +
                     std::to_string(max_copies) + "); use rematch with a small gamma instead");
  const long long rn = L / n, rm = L / m;
  Eigen::MatrixXd W(L, L);
  for (long long i = 0; i < L; ++i)
    for (long long j = 0; j < L; ++j) W(i, j) = C(i / rn, j / rm);
  const std::vector<int> col = max_weight_assignment(W);
  // Fold the copies back: each matched pair of copies carries 1/L.
  Eigen::MatrixXd P = Eigen::MatrixXd::Zero(n, m);
  for (long long i = 0; i < L; ++i) P(i / rn, col[i] / rm) += 1.0 / static_cast<double>(L);
  return P;
}

double match_structure_kernel(const Eigen::MatrixXd& C, int max_copies) {
  return match_transport_plan(C, max_copies).cwiseProduct(C).sum();
}

Eigen::MatrixXd rematch_transport_plan(const Eigen::MatrixXd& C, double gamma, double tolerance, int max_iterations) {
  check_local(C);
  if (!(gamma > 0) || !std::isfinite(gamma)) throw InputError("rematch kernel: gamma must be positive");
  const Eigen::Index n = C.rows(), m = C.cols();
  const double log_a = -std::log(static_cast<double>(n)), log_b = -std::log(static_cast<double>(m));
  // log P_ij = (f_i + g_j - M_ij) / g with the cost M = 1 - C and the potentials f, g (in cost
  // units). Sinkhorn's rate degrades exponentially as g falls, so g goes down from 1 (the cost
  // range) by halves to gamma (epsilon scaling), each level warm-started from the one before and
  // solved loosely; the last level is solved to the tolerance.
  const Eigen::ArrayXXd M = 1.0 - C.array();
  Eigen::VectorXd f = Eigen::VectorXd::Zero(n), g = Eigen::VectorXd::Zero(m);
  Eigen::VectorXd tmp_m(m), tmp_n(n), row_lse(n);
  int iterations = 0;  // also: columns are exact only once g has been updated (iterations > 0)
  for (double level = std::max(gamma, 1.0);; level = std::max(gamma, 0.5 * level)) {
    const bool last = level == gamma;
    const double tol = last ? tolerance : std::max(tolerance, 1e-3);
    for (;;) {
      // Row sums of the current plan (its columns are exact after a g update): their error
      // decides convergence, and the same log-sums give the next f.
      for (Eigen::Index i = 0; i < n; ++i) {
        tmp_m = (g.array() - M.row(i).transpose()) / level;
        row_lse[i] = log_sum_exp(tmp_m);
      }
      double err = 0.0;
      for (Eigen::Index i = 0; i < n; ++i) err += std::abs(std::exp(f[i] / level + row_lse[i]) - std::exp(log_a));
      if (iterations > 0 && err < tol) break;
      if (iterations++ >= max_iterations)
        throw InputError("rematch kernel: Sinkhorn did not converge in " + std::to_string(max_iterations) +
                         " iterations (gamma = " + std::to_string(gamma) + ", marginal error " + std::to_string(err) +
                         "); increase gamma, the tolerance or the iteration limit");
      f = level * (log_a - row_lse.array());
      for (Eigen::Index j = 0; j < m; ++j) {
        tmp_n = (f.array() - M.col(j)) / level;
        g[j] = level * (log_b - log_sum_exp(tmp_n));
      }
    }
    if (last) break;
  }
  Eigen::MatrixXd P(n, m);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) P(i, j) = std::exp((f[i] + g[j] - M(i, j)) / gamma);
  return P;
}

double rematch_structure_kernel(const Eigen::MatrixXd& C, double gamma, double tolerance, int max_iterations) {
  return rematch_transport_plan(C, gamma, tolerance, max_iterations).cwiseProduct(C).sum();
}

Eigen::MatrixXd structure_transport_plan(const Eigen::MatrixXd& C, const StructureKernelOptions& options) {
  switch (options.kind) {
    case StructureKernelKind::Average:
      check_local(C);
      return Eigen::MatrixXd::Constant(C.rows(), C.cols(), 1.0 / static_cast<double>(C.rows() * C.cols()));
    case StructureKernelKind::Match:
      return match_transport_plan(C, options.max_match_copies);
    case StructureKernelKind::REMatch:
      return rematch_transport_plan(C, options.gamma, options.tolerance, options.max_iterations);
  }
  return {};
}

Eigen::VectorXd structure_kernel_atom_shares(const StructureEnvironments& x, const StructureEnvironments& s,
                                             const StructureKernelOptions& options, double self_x, double self_s) {
  if (options.zeta < 1) throw InputError("structure kernel: zeta must be a positive integer");
  if (!(self_x > 0) || !(self_s > 0)) throw InputError("structure kernel: the self-kernels must be positive");
  const Eigen::MatrixXd C = local_kernel_matrix(x, s);
  const Eigen::MatrixXd P = structure_transport_plan(C, options);
  const Eigen::VectorXd shares = P.cwiseProduct(C).rowwise().sum() / std::sqrt(self_x * self_s);
  // k^zeta = k^(zeta-1) * sum_i share_i: each atom keeps its proportion of k.
  return std::pow(shares.sum(), options.zeta - 1) * shares;
}

double structure_kernel(const StructureEnvironments& a, const StructureEnvironments& b,
                        const StructureKernelOptions& options) {
  const Eigen::MatrixXd C = local_kernel_matrix(a, b);
  switch (options.kind) {
    case StructureKernelKind::Average:
      return average_structure_kernel(C);
    case StructureKernelKind::Match:
      return match_structure_kernel(C, options.max_match_copies);
    case StructureKernelKind::REMatch:
      return rematch_structure_kernel(C, options.gamma, options.tolerance, options.max_iterations);
  }
  return 0.0;
}

Eigen::MatrixXd structure_kernel_matrix(const std::vector<StructureEnvironments>& A,
                                        const std::vector<StructureEnvironments>* B,
                                        const StructureKernelOptions& options, std::ostream* log) {
  if (options.zeta < 1) throw InputError("structure kernel: zeta must be a positive integer");
  const bool symmetric = B == nullptr;
  const std::vector<StructureEnvironments>& Bs = symmetric ? A : *B;
  const Eigen::Index na = static_cast<Eigen::Index>(A.size()), nb = static_cast<Eigen::Index>(Bs.size());
  Eigen::VectorXd self_a(na), self_b(nb);
  std::string error;
  SingleThreadedBlas blas_guard;
  {
#pragma omp parallel for schedule(dynamic)
    for (Eigen::Index i = 0; i < na + (symmetric ? 0 : nb); ++i) {
      try {
        const StructureEnvironments& s = i < na ? A[i] : Bs[i - na];
        const double k = structure_kernel(s, s, options);
        if (!(k > 0)) throw InputError("structure " + std::to_string(i < na ? i : i - na) + " of set " +
                                       (i < na ? "A" : "B") + " has a zero self-kernel (no atoms or zero vectors)");
        (i < na ? self_a[i] : self_b[i - na]) = k;
      } catch (const std::exception& e) {
#pragma omp critical
        if (error.empty()) error = e.what();
      }
    }
  }
  if (!error.empty()) throw InputError(error);
  if (symmetric) self_b = self_a;
  Eigen::MatrixXd K(na, nb);
  // Pairs row by row (the upper triangle when symmetric); dynamic scheduling evens out sizes.
  const long long total = symmetric ? static_cast<long long>(na) * (na - 1) / 2 : static_cast<long long>(na) * nb;
  Progress progress(log, "structure kernel", total, "pairs");
#pragma omp parallel for schedule(dynamic)
  for (Eigen::Index i = 0; i < na; ++i) {
    const Eigen::Index j0 = symmetric ? i + 1 : 0;
    if (symmetric) K(i, i) = 1.0;
    for (Eigen::Index j = j0; j < nb; ++j) {
      try {
        const double k = structure_kernel(A[i], Bs[j], options) / std::sqrt(self_a[i] * self_b[j]);
        K(i, j) = std::pow(k, options.zeta);
        if (symmetric) K(j, i) = K(i, j);
      } catch (const std::exception& e) {
#pragma omp critical
        if (error.empty()) error = e.what();
      }
    }
    progress.tick(nb - j0);
  }
  if (!error.empty()) throw InputError(error);
  progress.finish();
  return K;
}

}  // namespace soapgap
