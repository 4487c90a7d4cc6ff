#include "model/sparse_selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "core/error.h"
#include "core/random.h"

namespace soapgap {

namespace {

constexpr double kDuplicateTolerance2 = 1e-20;  // squared distance below which rows are identical

// Hash of a row rounded to 1e-9, so that rows equal to rounding error collide.
uint64_t row_hash(const RowMatrix& Q, int row) {
  uint64_t h = 1469598103934665603ULL;
  for (Eigen::Index c = 0; c < Q.cols(); ++c) {
    long long v = std::llround(Q(row, c) * 1e9);
    h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ULL;
  }
  return h;
}

// Takes rows in the given priority order, skipping duplicates of rows already taken, until m.
std::vector<int> take_distinct(const RowMatrix& Q, const std::vector<int>& order, int m) {
  std::vector<int> chosen;
  std::unordered_multimap<uint64_t, int> seen;
  for (int r : order) {
    if (static_cast<int>(chosen.size()) >= m) break;
    const uint64_t h = row_hash(Q, r);
    bool dup = false;
    auto range = seen.equal_range(h);
    for (auto it = range.first; it != range.second && !dup; ++it)
      dup = (Q.row(r) - Q.row(it->second)).squaredNorm() <=
                kDuplicateTolerance2 * std::max(1.0, Q.row(r).squaredNorm()) ||
            (Q.row(r) - Q.row(it->second)).cwiseAbs().maxCoeff() < 1e-9;
    if (dup) continue;
    seen.emplace(h, r);
    chosen.push_back(r);
  }
  return chosen;
}

std::vector<int> weighted_order(const Eigen::VectorXd& weight, uint64_t seed) {
  // Weighted sampling without replacement (Efraimidis-Spirakis): key = log(u) / w, largest first.
  Random rng(seed);
  const int n = static_cast<int>(weight.size());
  std::vector<double> key(n);
  for (int i = 0; i < n; ++i) {
    double u = rng.uniform();
    key[i] = weight[i] > 0 ? std::log(u) / weight[i] : -INFINITY;
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key[a] > key[b]; });
  return order;
}

std::vector<int> select_cur(const RowMatrix& Q, int m, uint64_t seed) {
  // Leverage scores from the right singular vectors: eigen-decomposition of Q^T Q (d x d).
  Eigen::MatrixXd C = Q.transpose() * Q;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(C);
  const Eigen::VectorXd& lambda = eig.eigenvalues();  // ascending
  const int d = static_cast<int>(lambda.size());
  const double tol = std::max(lambda.maxCoeff(), 0.0) * 1e-12 * d;
  Eigen::VectorXd lev = Eigen::VectorXd::Zero(Q.rows());
  int used = 0;
  for (int k = d - 1; k >= 0 && used < m; --k, ++used) {
    if (lambda[k] <= tol) break;
    Eigen::VectorXd u = Q * eig.eigenvectors().col(k);
    lev += u.cwiseAbs2() / lambda[k];
  }
  std::vector<int> order = weighted_order(lev, seed);
  // Rows of zero leverage come last, in index order (they may still be needed to reach m).
  return take_distinct(Q, order, m);
}

std::vector<int> select_fps(const RowMatrix& Q, int m, uint64_t seed) {
  const int n = static_cast<int>(Q.rows());
  Random rng(seed);
  std::vector<int> chosen{static_cast<int>(rng.below(n))};
  Eigen::VectorXd dist = (Q.rowwise() - Q.row(chosen[0])).rowwise().squaredNorm();
  while (static_cast<int>(chosen.size()) < m) {
    Eigen::Index best;
    double dmax = dist.maxCoeff(&best);
    if (dmax <= kDuplicateTolerance2) break;  // everything left duplicates a chosen row
    chosen.push_back(static_cast<int>(best));
    dist = dist.cwiseMin((Q.rowwise() - Q.row(best)).rowwise().squaredNorm());
  }
  return chosen;
}

// gap_fit's UNIFORM for 1-D descriptors (pair distances): the grid x_k = min + (k + 1/2)(max - min)/m,
// for each grid point the nearest distinct value not yet taken.
std::vector<int> select_uniform(const RowMatrix& Q, int m) {
  if (Q.cols() != 1)
    throw InputError("sparse selection: sparse_method=uniform needs a one-dimensional descriptor (distance_2b), not " +
                     std::to_string(Q.cols()) + " dimensions");
  const int n = static_cast<int>(Q.rows());
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return Q(a, 0) < Q(b, 0); });
  const std::vector<int> distinct = take_distinct(Q, order, n);  // ascending values, duplicates dropped
  const int d = static_cast<int>(distinct.size());
  if (d <= m) return distinct;
  const double lo = Q(distinct.front(), 0), hi = Q(distinct.back(), 0);
  std::vector<char> taken(d, 0);
  std::vector<int> chosen;
  for (int k = 0; k < m; ++k) {
    const double x = lo + (k + 0.5) * (hi - lo) / m;
    int pos = static_cast<int>(
        std::lower_bound(distinct.begin(), distinct.end(), x, [&](int r, double v) { return Q(r, 0) < v; }) -
        distinct.begin());
    // the nearest free value on either side of x
    int left = pos - 1, right = pos;
    while (left >= 0 && taken[left]) --left;
    while (right < d && taken[right]) ++right;
    int best = -1;
    if (left >= 0 && right < d)
      best = (x - Q(distinct[left], 0) <= Q(distinct[right], 0) - x) ? left : right;
    else
      best = left >= 0 ? left : right;
    if (best < 0 || best >= d) break;
    taken[best] = 1;
    chosen.push_back(distinct[best]);
  }
  return chosen;
}

}  // namespace

std::vector<int> select_sparse(const RowMatrix& Q, int m, const std::string& method, uint64_t seed) {
  if (m < 1) throw InputError("sparse selection: n_sparse must be at least 1");
  std::vector<int> chosen;
  if (Q.rows() == 0) return chosen;
  if (method == "cur") {
    chosen = select_cur(Q, m, seed);
  } else if (method == "fps") {
    chosen = select_fps(Q, m, seed);
  } else if (method == "random") {
    chosen = take_distinct(Q, weighted_order(Eigen::VectorXd::Ones(Q.rows()), seed), m);
  } else if (method == "all") {
    std::vector<int> order(Q.rows());
    std::iota(order.begin(), order.end(), 0);
    chosen = take_distinct(Q, order, static_cast<int>(Q.rows()));
  } else if (method == "uniform") {
    chosen = select_uniform(Q, m);
  } else {
    throw InputError("sparse selection: unknown method \"" + method + "\"; expected cur, fps, random, all or uniform");
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace soapgap
