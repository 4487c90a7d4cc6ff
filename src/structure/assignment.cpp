#include "structure/assignment.h"

#include <limits>
#include <string>

#include "core/error.h"

namespace soapgap {

std::vector<int> max_weight_assignment(const Eigen::MatrixXd& W) {
  const int n = static_cast<int>(W.rows());
  if (W.cols() != n) throw InputError("assignment: the weight matrix must be square");
  if (!W.allFinite()) throw InputError("assignment: the weight matrix has NaN or Inf entries");
  if (n == 0) return {};
  // Minimum-cost assignment of cost = -W, shortest augmenting paths with row potentials u and
  // column potentials v (1-based, column 0 is a sentinel): after row i is added, p[j] is the
  // row matched to column j.
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0), minv(n + 1);
  std::vector<int> p(n + 1, 0), way(n + 1, 0);
  std::vector<char> used(n + 1);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const int i0 = p[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double cur = -W(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= n; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> column(n, -1);
  for (int j = 1; j <= n; ++j) column[p[j] - 1] = j - 1;
  return column;
}

}  // namespace soapgap
