#include "structure/svm_classifier.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "structure/kernel_psd.h"

namespace soapgap {

SvmModel fit_svm_classifier(const Eigen::MatrixXd& K, const Eigen::VectorXd& labels, const SvmOptions& options) {
  check_symmetric_kernel(K, "K");
  const Eigen::Index n = K.rows();
  if (labels.size() != n)
    throw InputError("labels: expected " + std::to_string(n) + " values, got " + std::to_string(labels.size()));
  int n_pos = 0, n_neg = 0;
  for (Eigen::Index t = 0; t < n; ++t) {
    if (labels[t] == 1.0)
      ++n_pos;
    else if (labels[t] == -1.0)
      ++n_neg;
    else
      throw InputError("labels: expected +1 or -1, got " + std::to_string(labels[t]) + " at " + std::to_string(t));
  }
  if (n_pos == 0 || n_neg == 0) throw InputError("labels: both classes (+1 and -1) must be present");
  if (!(options.C > 0) || !std::isfinite(options.C)) throw InputError("C must be positive");
  if (!(options.tolerance > 0)) throw InputError("tolerance must be positive");
  if (!(options.tau > 0)) throw InputError("tau must be positive");
  const double C = options.C;
  const Eigen::VectorXd& y = labels;

  // a = 0 is feasible; G = Q a - 1 is the gradient of the dual objective.
  Eigen::VectorXd a = Eigen::VectorXd::Zero(n), G = Eigen::VectorXd::Constant(n, -1.0);
  // Moving a_i by +y_i d and a_j by -y_j d keeps sum y a = 0; along d the objective changes with
  // slope -(v_i - v_j), v_t = -y_t G_t, and curvature K_ii + K_jj - 2 K_ij.
  // "up" indices can take +y_t d (d > 0), "low" indices -y_t d.
  auto up = [&](Eigen::Index t) { return y[t] > 0 ? a[t] < C : a[t] > 0; };
  auto low = [&](Eigen::Index t) { return y[t] > 0 ? a[t] > 0 : a[t] < C; };
  long long it = 0;
  double gap = 0.0;
  for (;;) {
    // i: the up index with the largest v; m = v_i.
    Eigen::Index i = -1;
    double m = -std::numeric_limits<double>::infinity();
    for (Eigen::Index t = 0; t < n; ++t)
      if (up(t) && -y[t] * G[t] > m) m = -y[t] * G[t], i = t;
    // j: among low indices with v_t < m the largest second-order decrease (m - v_t)^2 / curvature;
    // M = the smallest v over low indices.
    Eigen::Index j = -1;
    double M = std::numeric_limits<double>::infinity(), best = -std::numeric_limits<double>::infinity();
    for (Eigen::Index t = 0; t < n && i >= 0; ++t) {
      if (!low(t)) continue;
      const double v = -y[t] * G[t];
      M = std::min(M, v);
      if (v >= m) continue;
      double curv = K(i, i) + K(t, t) - 2.0 * K(i, t);
      if (curv <= 0) curv = options.tau;
      const double gain = (m - v) * (m - v) / curv;
      if (gain > best) best = gain, j = t;
    }
    gap = (i >= 0 && std::isfinite(M)) ? m - M : 0.0;
    if (j < 0 || gap < options.tolerance) break;
    if (it >= options.max_iterations)
      throw InputError("svm: SMO did not converge in " + std::to_string(options.max_iterations) +
                       " iterations (KKT gap " + std::to_string(gap) + "); raise max_iterations or the tolerance");
    ++it;
    double curv = K(i, i) + K(j, j) - 2.0 * K(i, j);
    if (curv <= 0) curv = options.tau;
    const double slope = m - (-y[j] * G[j]);  // > 0
    const double room_i = y[i] > 0 ? C - a[i] : a[i];
    const double room_j = y[j] > 0 ? a[j] : C - a[j];
    double d = slope / curv;
    const double ai_old = a[i], aj_old = a[j];
    if (d >= room_i || d >= room_j) {
      d = std::min(room_i, room_j);
      // Land exactly on the bound that limits the step.
      if (room_i <= room_j)
        a[i] = y[i] > 0 ? C : 0.0;
      else
        a[i] += y[i] * d;
      if (room_j <= room_i)
        a[j] = y[j] > 0 ? 0.0 : C;
      else
        a[j] -= y[j] * d;
    } else {
      a[i] += y[i] * d;
      a[j] -= y[j] * d;
    }
    const double dai = a[i] - ai_old, daj = a[j] - aj_old;
    // G_t += y_t (y_i K_ti da_i + y_j K_tj da_j)
    G.array() += y.array() * (y[i] * dai * K.col(i).array() + y[j] * daj * K.col(j).array());
  }

  SvmModel model;
  model.iterations = it;
  model.kkt_gap = gap;
  model.dual_coef = a.cwiseProduct(y);
  for (Eigen::Index t = 0; t < n; ++t)
    if (a[t] > 0) model.support.push_back(static_cast<int>(t));
  model.objective = 0.5 * a.dot(G - Eigen::VectorXd::Ones(n));
  // b: y_t z_t = 1 on free vectors gives b = -y_t G_t; without them, the middle of the interval
  // that the vectors at the bounds allow.
  double sum = 0.0, lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  int n_free = 0;
  for (Eigen::Index t = 0; t < n; ++t) {
    const double v = -y[t] * G[t];
    if (a[t] > 0 && a[t] < C) {
      sum += v;
      ++n_free;
    } else if ((y[t] > 0) == (a[t] == 0)) {
      lo = std::max(lo, v);  // y = +1 at 0 or y = -1 at C: b >= v
    } else {
      hi = std::min(hi, v);  // y = +1 at C or y = -1 at 0: b <= v
    }
  }
  if (n_free > 0)
    model.bias = sum / n_free;
  else if (std::isfinite(lo) && std::isfinite(hi))
    model.bias = 0.5 * (lo + hi);
  else
    model.bias = std::isfinite(lo) ? lo : hi;
  return model;
}

Eigen::VectorXd svm_decision_function(const SvmModel& model, const Eigen::MatrixXd& K_star) {
  if (K_star.cols() != model.dual_coef.size())
    throw InputError("K_star: expected " + std::to_string(model.dual_coef.size()) +
                     " columns (training structures), got " + std::to_string(K_star.cols()));
  if (!K_star.allFinite()) throw InputError("K_star: NaN or Inf");
  Eigen::VectorXd z = K_star * model.dual_coef;
  z.array() += model.bias;
  return z;
}

}  // namespace soapgap
