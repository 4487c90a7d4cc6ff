#include "structure/structure_regression.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "structure/kernel_psd.h"

namespace soapgap {

namespace {

void check_vector(const Eigen::VectorXd& v, Eigen::Index n, const char* what) {
  if (v.size() != n)
    throw InputError(std::string(what) + ": expected " + std::to_string(n) + " values, got " +
                     std::to_string(v.size()));
  if (!v.allFinite()) throw InputError(std::string(what) + ": NaN or Inf");
}

}  // namespace

Eigen::VectorXd noise_from_discrepancy(const Eigen::VectorXd& d, double sigma0, double lambda) {
  if (!(lambda > 0) || !std::isfinite(lambda)) throw InputError("noise_from_discrepancy: lambda must be positive");
  if (!(sigma0 >= 0) || !std::isfinite(sigma0)) throw InputError("noise_from_discrepancy: sigma0 must be >= 0");
  if (!d.allFinite()) throw InputError("noise_from_discrepancy: NaN or Inf in d");
  return sigma0 * sigma0 * (d.array().square() / (lambda * lambda)).exp().matrix();
}

StructureRegression::StructureRegression(const Eigen::MatrixXd& K, const Eigen::VectorXd& y,
                                         const Eigen::VectorXd& noise_variance, const Eigen::VectorXd& baseline,
                                         const StructureRegressionOptions& options)
    : options_(options), lambda_min_(std::numeric_limits<double>::quiet_NaN()) {
  check_symmetric_kernel(K, "K");
  const Eigen::Index n = K.rows();
  if (n == 0) throw InputError("K: no training structures");
  check_vector(y, n, "y");
  check_vector(noise_variance, n, "noise_variance");
  if ((noise_variance.array() < 0).any()) throw InputError("noise_variance: negative values");
  has_baseline_ = baseline.size() > 0;
  if (has_baseline_) check_vector(baseline, n, "baseline");
  if (!(options.signal_variance > 0) || !std::isfinite(options.signal_variance))
    throw InputError("signal_variance must be positive");
  if (!(options.jitter >= 0) || !std::isfinite(options.jitter)) throw InputError("jitter must be >= 0");

  Eigen::VectorXd r = has_baseline_ ? Eigen::VectorXd(y - baseline) : y;
  mu_ = options.constant_mean ? r.mean() : 0.0;
  r.array() -= mu_;

  Eigen::MatrixXd Kpsd = 0.5 * (K + K.transpose());
  auto clip = [&]() {
    Kpsd = clip_negative_eigenvalues(Kpsd, &n_clipped_, options.eigenvalue_tolerance, &lambda_min_);
  };
  const Eigen::VectorXd diag = noise_variance.array() + options.jitter;
  auto factor = [&]() {
    Eigen::MatrixXd A = options.signal_variance * Kpsd;
    A.diagonal() += diag;
    Eigen::LLT<Eigen::MatrixXd> llt(A);
    if (llt.info() != Eigen::Success) return false;
    L_ = llt.matrixL();
    return true;
  };
  bool ok = false;
  if (options.check_eigenvalues) {
    clip();
    ok = factor();
  } else {
    ok = factor();
    if (!ok) {
      clip();
      ok = factor();
    }
  }
  if (!ok)
    throw InputError(
        "regression: sigma_w^2 K + diag(noise_variance) + jitter is not positive definite (smallest "
        "eigenvalue of K " +
        std::to_string(lambda_min_) + "); give a positive noise_variance or jitter");
  const Eigen::VectorXd z = L_.triangularView<Eigen::Lower>().solve(r);                  // L z = r
  const Eigen::VectorXd alpha = L_.transpose().triangularView<Eigen::Upper>().solve(z);  // A alpha = r
  w_ = options.signal_variance * alpha;
  log_ml_ =
      -0.5 * z.squaredNorm() - L_.diagonal().array().log().sum() - 0.5 * static_cast<double>(n) * std::log(2.0 * M_PI);
}

Eigen::VectorXd StructureRegression::predict_mean(const Eigen::MatrixXd& K_star,
                                                  const Eigen::VectorXd& baseline) const {
  if (K_star.cols() != w_.size())
    throw InputError("K_star: expected " + std::to_string(w_.size()) + " columns (training structures), got " +
                     std::to_string(K_star.cols()));
  if (!K_star.allFinite()) throw InputError("K_star: NaN or Inf");
  Eigen::VectorXd f = K_star * w_;
  f.array() += mu_;
  if (has_baseline_) {
    if (baseline.size() == 0)
      throw InputError("baseline: the model was fitted with a baseline; give one for each structure");
    check_vector(baseline, K_star.rows(), "baseline");
    f += baseline;
  } else if (baseline.size() != 0) {
    throw InputError("baseline: the model was fitted without a baseline");
  }
  return f;
}

Eigen::VectorXd StructureRegression::predict_variance(const Eigen::MatrixXd& K_star,
                                                      const Eigen::VectorXd& diag_star) const {
  if (K_star.cols() != w_.size())
    throw InputError("K_star: expected " + std::to_string(w_.size()) + " columns (training structures), got " +
                     std::to_string(K_star.cols()));
  if (!K_star.allFinite()) throw InputError("K_star: NaN or Inf");
  check_vector(diag_star, K_star.rows(), "diag");
  const double s2 = options_.signal_variance;
  const Eigen::MatrixXd V = L_.triangularView<Eigen::Lower>().solve(s2 * K_star.transpose());  // n x m
  Eigen::VectorXd var = s2 * diag_star - V.colwise().squaredNorm().transpose();
  return var.cwiseMax(0.0);
}

}  // namespace soapgap
