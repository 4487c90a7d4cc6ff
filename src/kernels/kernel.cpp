#include "kernels/kernel.h"

#include <cmath>

#include "core/error.h"
#include "core/key_value.h"

namespace soapgap {

namespace {

// x^n for a positive integer n by repeated squaring (exact for the small n used here).
inline double ipow(double x, int n) {
  double r = 1.0;
  while (n > 0) {
    if (n & 1) r *= x;
    x *= x;
    n >>= 1;
  }
  return r;
}

}  // namespace

DotProductKernel::DotProductKernel(double delta, int zeta) : Kernel(delta), zeta_(zeta) {
  if (!(delta > 0) || !std::isfinite(delta)) throw InputError("dot_product kernel: delta must be positive");
  if (zeta < 1 || zeta > 64) throw InputError("dot_product kernel: zeta must be an integer between 1 and 64");
}

std::string DotProductKernel::spec() const {
  return "zeta=" + std::to_string(zeta_) + " delta=" + format_exact(delta_);
}

void DotProductKernel::matrix(const RowMatrix& Q, const Eigen::MatrixXd& X, Eigen::MatrixXd& K) const {
  K.noalias() = Q * X.transpose();
  const double d2 = delta_ * delta_;
  K = K.unaryExpr([&](double g) { return d2 * ipow(g, zeta_); });
}

void DotProductKernel::values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X,
                                            const Eigen::VectorXd& beta, Eigen::VectorXd& eps,
                                            RowMatrix& G) const {
  // Two GEMMs: Gm = Q X^T, eps = d2 Gm^zeta beta, G = d2 zeta (Gm^(zeta-1) .* beta^T) X.
  Eigen::MatrixXd Gm = Q * X.transpose();
  const double d2 = delta_ * delta_;
  const Eigen::Index n = Gm.rows(), m = Gm.cols();
  eps.setZero(n);
  for (Eigen::Index s = 0; s < m; ++s)
    for (Eigen::Index i = 0; i < n; ++i) {
      double p = ipow(Gm(i, s), zeta_ - 1);
      eps[i] += p * Gm(i, s) * beta[s];
      Gm(i, s) = p * beta[s];
    }
  eps *= d2;
  G.noalias() = Gm * X;
  G *= d2 * zeta_;
}

void DotProductKernel::gradients(const Eigen::Ref<const Eigen::RowVectorXd>& q, const Eigen::MatrixXd& X,
                                 Eigen::VectorXd& k, Eigen::MatrixXd& dK) const {
  Eigen::VectorXd g = X * q.transpose();
  const double d2 = delta_ * delta_;
  k.resize(g.size());
  Eigen::VectorXd scale(g.size());
  for (Eigen::Index s = 0; s < g.size(); ++s) {
    double p = ipow(g[s], zeta_ - 1);
    k[s] = d2 * p * g[s];
    scale[s] = d2 * zeta_ * p;
  }
  dK = X.transpose() * scale.asDiagonal();
}

SquaredExponentialKernel::SquaredExponentialKernel(double delta, double theta) : Kernel(delta), theta_(theta) {
  if (!(delta > 0) || !std::isfinite(delta)) throw InputError("squared_exponential kernel: delta must be positive");
  if (!(theta > 0) || !std::isfinite(theta)) throw InputError("squared_exponential kernel: theta must be positive");
}

std::string SquaredExponentialKernel::spec() const {
  return "theta=" + format_exact(theta_) + " delta=" + format_exact(delta_);
}

void SquaredExponentialKernel::matrix(const RowMatrix& Q, const Eigen::MatrixXd& X, Eigen::MatrixXd& K) const {
  const double d2 = delta_ * delta_, f = 0.5 / (theta_ * theta_);
  K.resize(Q.rows(), X.rows());
  for (Eigen::Index s = 0; s < X.rows(); ++s)
    for (Eigen::Index i = 0; i < Q.rows(); ++i) K(i, s) = d2 * std::exp(-f * (Q.row(i) - X.row(s)).squaredNorm());
}

void SquaredExponentialKernel::values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X,
                                                    const Eigen::VectorXd& beta, Eigen::VectorXd& eps,
                                                    RowMatrix& G) const {
  Eigen::MatrixXd K;
  matrix(Q, X, K);
  eps = K * beta;
  const double f = 1.0 / (theta_ * theta_);
  // d/dq sum_s beta_s k(q, x_s) = -f sum_s beta_s k_s (q - x_s)
  Eigen::MatrixXd Kb = K * beta.asDiagonal();
  G = -f * (Q.array().colwise() * eps.array()).matrix();
  G.noalias() += f * (Kb * X);
}

void SquaredExponentialKernel::gradients(const Eigen::Ref<const Eigen::RowVectorXd>& q, const Eigen::MatrixXd& X,
                                         Eigen::VectorXd& k, Eigen::MatrixXd& dK) const {
  const double d2 = delta_ * delta_, f = 0.5 / (theta_ * theta_);
  k.resize(X.rows());
  dK.resize(q.size(), X.rows());
  for (Eigen::Index s = 0; s < X.rows(); ++s) {
    Eigen::RowVectorXd diff = q - X.row(s);
    k[s] = d2 * std::exp(-f * diff.squaredNorm());
    dK.col(s) = (-2.0 * f * k[s]) * diff.transpose();
  }
}

}  // namespace soapgap
