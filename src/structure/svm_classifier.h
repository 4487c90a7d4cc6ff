// Binary support-vector classifier (C-SVC) on a precomputed kernel matrix, solved by sequential
// minimal optimisation (SMO) with second-order working-set selection (Fan, Chen and Lin,
// J. Mach. Learn. Res. 6, 1889 (2005)).
//
// Dual: minimise 1/2 a^T Q a - sum_i a_i with Q_ij = y_i y_j K_ij, 0 <= a_i <= C, sum_i y_i a_i = 0,
// labels y_i = +1 or -1. Decision value z(x) = sum_i a_i y_i K(x, x_i) + b; the class is sign(z).
// Stopping: the largest KKT violation m(a) - M(a) (the gap between the best ascent pairs) falls
// below the tolerance; more than max_iterations pair updates is an error.
//
// Indefinite kernels (match, rematch): the dual is then not convex. A pair whose curvature
// K_ii + K_jj - 2 K_ij is <= 0 is given the curvature tau > 0 (Fan, Chen and Lin's rule), so each
// step still lowers the objective and moves to a bound; SMO stops at a KKT point of the kernel as
// given, which need not be the global optimum. Nothing is clipped: the decision function uses the
// kernel as given (call smallest_eigenvalue() of kernel_psd.h to see how far from PSD it is).
#pragma once
#include <Eigen/Dense>
#include <vector>

namespace soapgap {

struct SvmOptions {
  double C = 1.0;                       // box constraint (> 0)
  double tolerance = 1e-5;              // on the KKT gap m(a) - M(a), in units of the decision value
  long long max_iterations = 10000000;  // pair updates before giving up (an InputError)
  double tau = 1e-12;                   // curvature used for non-positive pair curvatures
};

struct SvmModel {
  Eigen::VectorXd dual_coef;  // a_i y_i for every training structure (0 for non-support ones)
  double bias = 0.0;          // b
  std::vector<int> support;   // indices with a_i > 0, ascending
  long long iterations = 0;   // pair updates made
  double kkt_gap = 0.0;       // m(a) - M(a) at the end (<= tolerance)
  double objective = 0.0;     // the dual objective 1/2 a^T Q a - sum a
};

// K: n x n training kernel (symmetric), labels: n values each +1 or -1, both present.
SvmModel fit_svm_classifier(const Eigen::MatrixXd& K, const Eigen::VectorXd& labels, const SvmOptions& options = {});

// z for each row of K_star (m x n: kernels between new structures and the training ones).
Eigen::VectorXd svm_decision_function(const SvmModel& model, const Eigen::MatrixXd& K_star);

}  // namespace soapgap
