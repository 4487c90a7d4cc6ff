// Covariance functions between descriptor vectors. All include the energy scale delta^2,
// so k has units of eV^2 and alpha of 1/eV (the local energy is sum_s alpha_s k(q, x_s)).
#pragma once
#include <Eigen/Dense>
#include <memory>
#include <string>
#include <vector>

#include "core/matrix_types.h"
#include "core/parameter_table.h"

namespace soapgap {

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Canonical key=value list of the kernel's parameters, e.g. "zeta=4 delta=1".
  virtual std::string spec() const = 0;
  virtual std::string name() const = 0;
  double delta() const { return delta_; }

  // K(i, s) = k(Q.row(i), X.row(s)).  Q: n x d, X: M x d, K: n x M.
  virtual void matrix(const RowMatrix& Q, const Eigen::MatrixXd& X, Eigen::MatrixXd& K) const = 0;

  // Batched prediction: eps_i = sum_s k(Q_i, X_s) beta_s and G_i = d eps_i / d Q_i.
  virtual void values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::VectorXd& beta,
                                    Eigen::VectorXd& eps, RowMatrix& G) const = 0;

  // For fitting: k_s = k(q, X_s) (M) and dK(:, s) = dk(q, X_s)/dq (d x M).
  virtual void gradients(const Eigen::Ref<const Eigen::RowVectorXd>& q, const Eigen::MatrixXd& X, Eigen::VectorXd& k,
                         Eigen::MatrixXd& dK) const = 0;
  // For fitting, a batch of n environments without forming the d x M gradients: K(s, e) =
  // k(Q_e, X_s) (M x n) and T = [dK_0^T A_0 | dK_1^T A_1 | ...] (M x sum c_e), where A_e =
  // A.middleCols(col_start[e], col_start[e+1] - col_start[e]) holds environment e's derivative
  // directions (d x c_e, e.g. its Jacobian columns). col_start has n + 1 entries.
  virtual void contracted_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                                    const std::vector<Eigen::Index>& col_start, Eigen::MatrixXd& K,
                                    Eigen::MatrixXd& T) const;
  // For force variances: the prior covariance of d/dr [sum_e w_e f(q_e)] with itself (3 x 3), for
  // the environments e = 0..m-1 of one kernel group that depend on one atom's position r.
  // q: m x d descriptors; dq: d x 3m, column 3e+x = dq_e/dr_x; w: m weights; dw: m x 3, dw_e/dr.
  //   P(x, y) = sum_ef [w_e w_f dq_e,x^T H_ef dq_f,y + w_e (dk_ef/dq_e . dq_e,x) dw_f,y
  //                     + dw_e,x w_f (dk_ef/dq_f . dq_f,y) + dw_e,x dw_f,y k_ef],  H_ef = d2k/dq_e dq_f.
  virtual Eigen::Matrix3d derivative_prior_covariance(const RowMatrix& q, const Eigen::MatrixXd& dq,
                                                      const Eigen::VectorXd& w, const MatrixX3& dw) const = 0;

 protected:
  explicit Kernel(double delta) : delta_(delta) {}
  double delta_;
};

// The keys of each kernel (core/parameter_table.h): what a term spec gives after its descriptor.
struct DotProductParameters {
  int zeta = 4;
  double delta = 1.0;
  static const ParameterTable<DotProductParameters>& table();
};

struct SquaredExponentialParameters {
  double theta = 0;  // required
  double delta = 1.0;
  static const ParameterTable<SquaredExponentialParameters>& table();
};

// delta^2 (q . x)^zeta, zeta a positive integer (SOAP).
class DotProductKernel : public Kernel {
 public:
  // Validates p (InputError "dot_product kernel: <key>=<value>: ...").
  explicit DotProductKernel(const DotProductParameters& p);
  // values_and_gradients() works on blocks of this many rows of Q (bounded memory).
  static constexpr Eigen::Index kBlockRows = 1024;
  DotProductKernel(double delta, int zeta);
  std::string spec() const override;
  std::string name() const override { return "dot_product"; }
  int zeta() const { return zeta_; }
  void matrix(const RowMatrix& Q, const Eigen::MatrixXd& X, Eigen::MatrixXd& K) const override;
  void values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::VectorXd& beta,
                            Eigen::VectorXd& eps, RowMatrix& G) const override;
  void gradients(const Eigen::Ref<const Eigen::RowVectorXd>& q, const Eigen::MatrixXd& X, Eigen::VectorXd& k,
                 Eigen::MatrixXd& dK) const override;
  // T = diag(dk/dg) X A per environment: one GEMM for the batch (X is packed once).
  void contracted_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::MatrixXd& A,
                            const std::vector<Eigen::Index>& col_start, Eigen::MatrixXd& K,
                            Eigen::MatrixXd& T) const override;
  Eigen::Matrix3d derivative_prior_covariance(const RowMatrix& q, const Eigen::MatrixXd& dq, const Eigen::VectorXd& w,
                                              const MatrixX3& dw) const override;

 private:
  int zeta_;
};

// delta^2 exp(-|q - x|^2 / (2 theta^2)) (2-body distances).
class SquaredExponentialKernel : public Kernel {
 public:
  explicit SquaredExponentialKernel(const SquaredExponentialParameters& p);
  SquaredExponentialKernel(double delta, double theta);
  std::string spec() const override;
  std::string name() const override { return "squared_exponential"; }
  double theta() const { return theta_; }
  void matrix(const RowMatrix& Q, const Eigen::MatrixXd& X, Eigen::MatrixXd& K) const override;
  void values_and_gradients(const RowMatrix& Q, const Eigen::MatrixXd& X, const Eigen::VectorXd& beta,
                            Eigen::VectorXd& eps, RowMatrix& G) const override;
  void gradients(const Eigen::Ref<const Eigen::RowVectorXd>& q, const Eigen::MatrixXd& X, Eigen::VectorXd& k,
                 Eigen::MatrixXd& dK) const override;
  Eigen::Matrix3d derivative_prior_covariance(const RowMatrix& q, const Eigen::MatrixXd& dq, const Eigen::VectorXd& w,
                                              const MatrixX3& dw) const override;

 private:
  double theta_;
};

}  // namespace soapgap
