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

void Kernel::contracted_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                  const std::vector<Eigen::Index>& col_start, Eigen::MatrixXd& K,
                                  Eigen::MatrixXd& T) const {
  K.resize(X.rows(), Q.rows());
  T.resize(X.rows(), A.cols());
  Eigen::VectorXd k;
  Eigen::MatrixXd dK;
  for (Eigen::Index e = 0; e < Q.rows(); ++e) {
    gradients(Q.row(e), X, k, dK);
    K.col(e) = k;
    const Eigen::Index c0 = col_start[e], c = col_start[e + 1] - c0;
    T.middleCols(c0, c).noalias() = dK.transpose() * A.middleCols(c0, c);
  }
}

void DotProductKernel::contracted_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                            const std::vector<Eigen::Index>& col_start, Eigen::MatrixXd& K,
                                            Eigen::MatrixXd& T) const {
  Eigen::MatrixXd G = X * Q.transpose();  // M x n: g = q_e . x_s
  const double d2 = delta_ * delta_;
  K.resize(G.rows(), G.cols());
  T.noalias() = X * A;
  for (Eigen::Index e = 0; e < G.cols(); ++e) {
    for (Eigen::Index s = 0; s < G.rows(); ++s) K(s, e) = km::dot_product_kernel(d2, zeta_, G(s, e), &G(s, e));
    const Eigen::Index c0 = col_start[e], c = col_start[e + 1] - c0;
    T.middleCols(c0, c).array().colwise() *= G.col(e).array();  // G now holds dk/dg
  }
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

// dk/dg = d2 zeta g^(zeta-1) and d2k/dg2 = d2 zeta (zeta-1) g^(zeta-2); k = d2 g^zeta; with
// T(f, 3e+x) = q_f . dq_e,x: dq_e,x^T H_ef dq_f,y = d2k/dg2 T(f,3e+x) T(e,3f+y) + dk/dg dq_e,x . dq_f,y.
Eigen::Matrix3d DotProductKernel::derivative_prior_covariance(const RowMatrix& q, const Eigen::MatrixXd& dq,
                                                              const Eigen::VectorXd& w, const MatrixX3& dw) const {
  const Eigen::Index m = q.rows();
  const Eigen::MatrixXd C = q * q.transpose();
  const Eigen::MatrixXd T = q * dq;
  const Eigen::MatrixXd VV = dq.transpose() * dq;
  const double d2 = delta_ * delta_;
  Eigen::Matrix3d P = Eigen::Matrix3d::Zero();
  for (Eigen::Index e = 0; e < m; ++e)
    for (Eigen::Index f = 0; f < m; ++f) {
      const double g = C(e, f), p1 = km::ipow(g, zeta_ - 1);
      const double k = d2 * p1 * g, dk = d2 * zeta_ * p1,
                   ddk = zeta_ >= 2 ? d2 * zeta_ * (zeta_ - 1) * km::ipow(g, zeta_ - 2) : 0.0;
      for (int x = 0; x < 3; ++x)
        for (int y = 0; y < 3; ++y) {
          const double h = ddk * T(f, 3 * e + x) * T(e, 3 * f + y) + dk * VV(3 * e + x, 3 * f + y);
          P(x, y) += w[e] * w[f] * h + w[e] * dk * T(f, 3 * e + x) * dw(f, y) + dw(e, x) * w[f] * dk * T(e, 3 * f + y) +
                     dw(e, x) * dw(f, y) * k;
        }
    }
  return P;
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

// k = d2 exp(-a |D|^2), D = q_e - q_f, a = 1/(2 theta^2): dk/dq_e = -2a k D = -dk/dq_f and
// H_ef = d2k/dq_e dq_f = 2a k I - 4a^2 k D D^T.
Eigen::Matrix3d SquaredExponentialKernel::derivative_prior_covariance(const RowMatrix& q, const Eigen::MatrixXd& dq,
                                                                      const Eigen::VectorXd& w,
                                                                      const MatrixX3& dw) const {
  const Eigen::Index m = q.rows();
  const Eigen::MatrixXd T = q * dq;  // T(f, 3e+x) = q_f . dq_e,x
  const Eigen::MatrixXd VV = dq.transpose() * dq;
  const double d2 = delta_ * delta_, a = km::squared_exponential_factor(theta_);
  Eigen::Matrix3d P = Eigen::Matrix3d::Zero();
  for (Eigen::Index e = 0; e < m; ++e)
    for (Eigen::Index f = 0; f < m; ++f) {
      const double k = km::squared_exponential_kernel(d2, a, (q.row(e) - q.row(f)).squaredNorm());
      for (int x = 0; x < 3; ++x)
        for (int y = 0; y < 3; ++y) {
          const double de = T(e, 3 * e + x) - T(f, 3 * e + x);  // D . dq_e,x
          const double df = T(e, 3 * f + y) - T(f, 3 * f + y);  // D . dq_f,y
          const double h = 2 * a * k * VV(3 * e + x, 3 * f + y) - 4 * a * a * k * de * df;
          P(x, y) += w[e] * w[f] * h - 2 * a * k * w[e] * de * dw(f, y) + 2 * a * k * dw(e, x) * w[f] * df +
                     dw(e, x) * dw(f, y) * k;
        }
    }
  return P;
}

}  // namespace soapgap
