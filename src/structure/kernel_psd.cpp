#include "structure/kernel_psd.h"

#include <string>

#include "core/error.h"

namespace soapgap {

void check_symmetric_kernel(const Eigen::MatrixXd& K, const char* what) {
  if (K.rows() != K.cols())
    throw InputError(std::string(what) + ": expected a square matrix, got " + std::to_string(K.rows()) + " x " +
                     std::to_string(K.cols()));
  if (!K.allFinite()) throw InputError(std::string(what) + ": NaN or Inf in the kernel matrix");
  if (K.size() == 0) return;
  const double scale = K.cwiseAbs().maxCoeff();
  if ((K - K.transpose()).cwiseAbs().maxCoeff() > 1e-8 * scale)
    throw InputError(std::string(what) + ": the kernel matrix is not symmetric");
}

double smallest_eigenvalue(const Eigen::MatrixXd& K) {
  check_symmetric_kernel(K, "smallest_eigenvalue");
  if (K.size() == 0) throw InputError("smallest_eigenvalue: empty matrix");
  const Eigen::MatrixXd S = 0.5 * (K + K.transpose());
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(S, Eigen::EigenvaluesOnly).eigenvalues().minCoeff();
}

Eigen::MatrixXd clip_negative_eigenvalues(const Eigen::MatrixXd& K, int* n_clipped, double relative_tolerance,
                                          double* smallest) {
  check_symmetric_kernel(K, "clip_negative_eigenvalues");
  const Eigen::MatrixXd S = 0.5 * (K + K.transpose());
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  const Eigen::VectorXd& lambda = es.eigenvalues();
  const double lambda_min = lambda.size() ? lambda.minCoeff() : 0.0;
  if (smallest) *smallest = lambda_min;
  const bool clip = lambda_min < -relative_tolerance * (lambda.size() ? lambda.cwiseAbs().maxCoeff() : 0.0);
  if (n_clipped) *n_clipped = clip ? static_cast<int>((lambda.array() < 0).count()) : 0;
  if (!clip) return S;
  return es.eigenvectors() * lambda.cwiseMax(0.0).asDiagonal() * es.eigenvectors().transpose();
}

}  // namespace soapgap
