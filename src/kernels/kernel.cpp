#include "kernels/kernel.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/key_value.h"
#include "kernels/dot_product_batch.h"
#include "kernels/kernel_math.h"

namespace soapgap {

namespace km = kernel_math;

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
  K = K.unaryExpr([&](double g) { return km::dot_product_kernel(d2, zeta_, g); });
}

void DotProductKernel::values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X,
                                            const Eigen::VectorXd& beta, Eigen::VectorXd& eps,
                                            RowMatrix& G) const {
  // Two GEMMs per block of rows (kernels/dot_product_batch.h); blocks of at most kBlockRows
  // rows keep the N x M intermediate bounded (64k atoms x 9000 sparse points would be 4.6 GB).
  dot_product_values_and_gradients(Q, X, beta, delta_ * delta_, zeta_, eps, G, kBlockRows);
}

void DotProductKernel::gradients(const Eigen::Ref<const Eigen::RowVectorXd>& q, const Eigen::MatrixXd& X,
                                 Eigen::VectorXd& k, Eigen::MatrixXd& dK) const {
  Eigen::VectorXd g = X * q.transpose();
  const double d2 = delta_ * delta_;
  k.resize(g.size());
  Eigen::VectorXd scale(g.size());
  for (Eigen::Index s = 0; s < g.size(); ++s) k[s] = km::dot_product_kernel(d2, zeta_, g[s], &scale[s]);
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
  const double d2 = delta_ * delta_, f = km::squared_exponential_factor(theta_);
  K.resize(Q.rows(), X.rows());
  for (Eigen::Index s = 0; s < X.rows(); ++s)
    for (Eigen::Index i = 0; i < Q.rows(); ++i)
      K(i, s) = km::squared_exponential_kernel(d2, f, (Q.row(i) - X.row(s)).squaredNorm());
}

void SquaredExponentialKernel::values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X,
                                                    const Eigen::VectorXd& beta, Eigen::VectorXd& eps,
                                                    RowMatrix& G) const {
  Eigen::MatrixXd K;
  matrix(Q, X, K);
  eps = K * beta;
  // d/dq sum_s beta_s k(q, x_s) = c sum_s beta_s k_s (q - x_s), c = -2 f = -1/theta^2
  const double c = km::squared_exponential_gradient_factor(km::squared_exponential_factor(theta_), 1.0);
  Eigen::MatrixXd Kb = K * beta.asDiagonal();
  G = c * (Q.array().colwise() * eps.array()).matrix();
  G.noalias() += -c * (Kb * X);
}

void SquaredExponentialKernel::gradients(const Eigen::Ref<const Eigen::RowVectorXd>& q, const Eigen::MatrixXd& X,
                                         Eigen::VectorXd& k, Eigen::MatrixXd& dK) const {
  const double d2 = delta_ * delta_, f = km::squared_exponential_factor(theta_);
  k.resize(X.rows());
  dK.resize(q.size(), X.rows());
  for (Eigen::Index s = 0; s < X.rows(); ++s) {
    Eigen::RowVectorXd diff = q - X.row(s);
    k[s] = km::squared_exponential_kernel(d2, f, diff.squaredNorm());
    dK.col(s) = km::squared_exponential_gradient_factor(f, k[s]) * diff.transpose();
  }
}

}  // namespace soapgap
