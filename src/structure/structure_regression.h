// Gaussian-process (kernel ridge) regression on a precomputed kernel between structures, with a
// noise variance per training structure and an optional baseline (Delta-learning).
//
// Model: y_i = b_i + mu + f(x_i) + e_i, f ~ GP(0, sigma_w^2 k), e_i ~ N(0, sigma_i^2), with
//   b_i      a baseline supplied per structure (Delta-learning: the GP learns y - b; 0 if none),
//   mu       0, or the mean of y - b over the training set (constant_mean),
//   k        the kernel matrix given (e.g. the normalised structure kernel, k(x, x) = 1),
//   sigma_w^2 the signal variance (target units^2), sigma_i^2 the noise variances (target units^2).
// With A = sigma_w^2 K + diag(sigma_i^2) + jitter I and r = y - b - mu:
//   mean      f*(x) = b(x) + mu + sum_i w_i k(x, x_i),   w = sigma_w^2 A^-1 r,
//   variance  var f(x) = sigma_w^2 k(x, x) - sigma_w^4 k_x^T A^-1 k_x   (of f, without noise; >= 0),
//   log marginal likelihood  -r^T A^-1 r / 2 - log det(A) / 2 - n log(2 pi) / 2.
// Weighting training points: a larger sigma_i^2 gives structure i less influence, e.g. from a
// geometry discrepancy d_i, sigma_i^2 = sigma_0^2 exp(d_i^2 / lambda^2) (noise_from_discrepancy).
//
// Indefinite kernels (match, rematch): the eigenvalues of K are computed; when the smallest is
// below -eigenvalue_tolerance * max|lambda|, every negative eigenvalue is set to 0 and the model
// is that of the nearest PSD kernel (Frobenius norm). smallest_eigenvalue() and n_clipped() say
// what happened. Predictions still use the k(x, x_i) given, so a predicted variance can come out
// negative; it is clipped to 0.
#pragma once
#include <Eigen/Dense>

namespace soapgap {

struct StructureRegressionOptions {
  double signal_variance = 1.0;         // sigma_w^2 (> 0), target units^2
  double jitter = 0.0;                  // added to the diagonal of A (>= 0), target units^2
  bool constant_mean = false;           // mu = mean of y - b (else 0)
  bool check_eigenvalues = true;        // decompose K always; false: only when Cholesky of A fails
  double eigenvalue_tolerance = 1e-10;  // relative; eigenvalues above -tol * max|lambda| are not clipped
};

// sigma_0^2 exp(d^2 / lambda^2): a noise variance (units of sigma_0^2) growing with a discrepancy d
// (same units as lambda > 0; sigma_0 >= 0).
Eigen::VectorXd noise_from_discrepancy(const Eigen::VectorXd& d, double sigma0, double lambda);

class StructureRegression {
 public:
  // K: n x n training kernel (symmetric), y: n targets, noise_variance: n values sigma_i^2 >= 0,
  // baseline: n values b_i or empty (no baseline). InputError on bad shapes or values, and when A
  // is not positive definite (a singular kernel with zero noise: give noise or jitter).
  StructureRegression(const Eigen::MatrixXd& K, const Eigen::VectorXd& y, const Eigen::VectorXd& noise_variance,
                      const Eigen::VectorXd& baseline = Eigen::VectorXd(),
                      const StructureRegressionOptions& options = StructureRegressionOptions());

  // K_star: m x n kernel between the new structures and the training ones; baseline: m values or
  // empty (required when the fit had a baseline). Means in target units.
  Eigen::VectorXd predict_mean(const Eigen::MatrixXd& K_star,
                               const Eigen::VectorXd& baseline = Eigen::VectorXd()) const;
  // diag_star: k(x, x) of the m new structures (1 for normalised kernels). Variances of f, units^2.
  Eigen::VectorXd predict_variance(const Eigen::MatrixXd& K_star, const Eigen::VectorXd& diag_star) const;

  const Eigen::VectorXd& weights() const { return w_; }  // w: f*(x) = b(x) + mu + sum_i w_i k(x, x_i)
  double mean() const { return mu_; }                    // mu
  bool has_baseline() const { return has_baseline_; }
  int size() const { return static_cast<int>(w_.size()); }
  double smallest_eigenvalue() const { return lambda_min_; }  // of K; NaN when not computed
  int n_clipped() const { return n_clipped_; }                // negative eigenvalues set to 0
  double log_marginal_likelihood() const { return log_ml_; }

 private:
  StructureRegressionOptions options_;
  Eigen::MatrixXd L_;  // Cholesky factor of A (lower)
  Eigen::VectorXd w_;
  double mu_ = 0.0;
  bool has_baseline_ = false;
  double lambda_min_;
  int n_clipped_ = 0;
  double log_ml_ = 0.0;
};

}  // namespace soapgap
