#include "kernels/kernel.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/key_value.h"
#include "kernels/dot_product_batch.h"
#include "kernels/kernel_math.h"

namespace soapgap {

namespace km = kernel_math;

const ParameterTable<DotProductParameters>& DotProductParameters::table() {
  using P = DotProductParameters;
  using R = Parameter<P>;
  static const ParameterTable<P> t(
      "dot_product", {R("zeta", &P::zeta, "exponent ζ of δ²(q·x)^ζ on the normalised power spectrum").between(1, 64),
                      R("delta", &P::delta, "energy scale δ, eV").above(0)});
  return t;
}

const ParameterTable<SquaredExponentialParameters>& SquaredExponentialParameters::table() {
  using P = SquaredExponentialParameters;
  using R = Parameter<P>;
  static const ParameterTable<P> t("squared_exponential",
                                   {R("theta", &P::theta, "length scale θ of δ² exp(−(r−r')²/2θ²), Å").need().above(0),
                                    R("delta", &P::delta, "energy scale δ, eV").above(0)});
  return t;
}

DotProductKernel::DotProductKernel(const DotProductParameters& p) : Kernel(p.delta), zeta_(p.zeta) {
  DotProductParameters::table().validate(p, "dot_product kernel");
}

DotProductKernel::DotProductKernel(double delta, int zeta) : DotProductKernel(DotProductParameters{zeta, delta}) {}

std::string DotProductKernel::spec() const { return DotProductParameters::table().print_keys({zeta_, delta_}); }

void DotProductKernel::matrix(const RowMatrix& Q, const Eigen::MatrixXd& X, Eigen::MatrixXd& K) const {
  K.noalias() = Q * X.transpose();
  const double d2 = delta_ * delta_;
  K = K.unaryExpr([&](double g) { return km::dot_product_kernel(d2, zeta_, g); });
}

void DotProductKernel::values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::VectorXd& beta,
                                            Eigen::VectorXd& eps, RowMatrix& G) const {
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

SquaredExponentialKernel::SquaredExponentialKernel(const SquaredExponentialParameters& p)
    : Kernel(p.delta), theta_(p.theta) {
  SquaredExponentialParameters::table().validate(p, "squared_exponential kernel");
}

SquaredExponentialKernel::SquaredExponentialKernel(double delta, double theta)
    : SquaredExponentialKernel(SquaredExponentialParameters{theta, delta}) {}

std::string SquaredExponentialKernel::spec() const {
  return SquaredExponentialParameters::table().print_keys({theta_, delta_});
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
