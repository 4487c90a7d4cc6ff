// The transport plan of the rematch kernel (structure_kernel.h): entropy-regularised optimal
// transport between the environments of two structures, P = argmin sum_ij P_ij (M_ij + gamma ln
// P_ij) with the cost M = 1 - C, row sums a = 1/N and column sums b = 1/M.
//
// Two solvers:
//   - scaling Sinkhorn with one Sinkhorn-Newton attempt (gamma >= 1/200): the fast path, a few
//     hundred matrix-vector products on most pairs, given a fixed budget of iterations;
//   - Newton's method on the semi-dual in the log domain with epsilon scaling (any gamma > 0):
//     the robust path, taken below gamma = 1/200 and wherever the fast path runs out of budget.
//     Plain Sinkhorn converges at a rate that degrades like exp(-1/gamma) once mass has to cross
//     between nearly uncoupled blocks (atoms of an element that the other structure has fewer
//     of: the mass goes through entries K_ij = exp(-1/gamma)); there it took more than 10^5
//     iterations at gamma <= 0.01 on small molecules.
// Each pair is solved in one canonical orientation (rows: the smaller structure; equal sizes:
// the lexicographically smaller of C and C^T) and transposed back, so that K(A, B) and K(B, A)
// are the same computation and agree to the last bit.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/error.h"
#include "structure/structure_kernel.h"

namespace soapgap {
namespace {

constexpr double kScalingMinGamma = 1.0 / 200.0;  // scaling domain: K_ij >= e^-200 (M_ij <= 1)
constexpr int kScalingBudget = 1000;              // fast-path iterations before the robust path
constexpr int kNewtonAfter = 100;                 // fast path: Sinkhorn iterations before Newton
constexpr double kLevelFactor = 0.125;            // robust path: ratio of successive temperatures
constexpr double kLevelTolerance = 1e-2;          // robust path: marginal error of the coarse levels
constexpr double kMaxStep = 30.0;                 // robust path: largest Newton step, in units of the level
constexpr int kSweepsAfterStall = 10;             // robust path: Sinkhorn sweeps after a failed Newton step
constexpr int kExactMaxCopies = 256;              // tiny gamma: exact plan up to this lcm (~10 ms)

[[noreturn]] void sinkhorn_failed(Eigen::Index n, Eigen::Index m, double gamma, int iterations, double err,
                                  double target) {
  char msg[400];
  std::snprintf(msg, sizeof msg,
                "rematch kernel: Sinkhorn did not converge for structures of %ld and %ld atoms at gamma = %.3e: "
                "marginal error %.3e after %d iterations (tolerance %.3e); increase gamma, the tolerance or the "
                "iteration limit",
                static_cast<long>(n), static_cast<long>(m), gamma, err, iterations, target);
  throw InputError(msg);
}

// Summed error of the row and column sums of P = diag(u) K diag(v) against 1/n and 1/m.
double marginal_error(const Eigen::MatrixXd& P, double a, double b) {
  return (P.rowwise().sum().array() - a).abs().sum() + (P.colwise().sum().array() - b).abs().sum();
}

// Newton's method on the dual of the entropic problem (Brauer, Clason, Lorenz, Wirth, "A
// Sinkhorn-Newton method for entropic optimal transport", 2017): with P = diag(u) K diag(v) and
// u = exp(f / gamma), v = exp(g / gamma), the step (df, dg) solves
//   [diag(P 1)  P; P^T  diag(P^T 1)] (df, dg) = gamma (a - P 1, b - P^T 1),
// with dg_m = 0 (the system is singular along f + t, g - t). Converges in a few steps where
// Sinkhorn crawls once the plan is roughly right. Step halving on the marginal error. True when
// converged; false when a step made no progress (u, v keep the best iterate).
bool sinkhorn_newton(const Eigen::MatrixXd& K, double gamma, double tolerance, int max_steps, Eigen::VectorXd& u,
                     Eigen::VectorXd& v) {
  const Eigen::Index n = K.rows(), m = K.cols(), d = n + m - 1;
  const double a = 1.0 / static_cast<double>(n), b = 1.0 / static_cast<double>(m);
  Eigen::MatrixXd P = u.asDiagonal() * K * v.asDiagonal();
  double err = marginal_error(P, a, b);
  Eigen::MatrixXd H(d, d);
  Eigen::VectorXd rhs(d);
  for (int step = 0; step < max_steps; ++step) {
    if (err < tolerance) return true;
    const Eigen::VectorXd r = P.rowwise().sum(), c = P.colwise().sum().transpose();
    H.setZero();
    H.topLeftCorner(n, n).diagonal() = r;
    H.topRightCorner(n, m - 1) = P.leftCols(m - 1);
    H.bottomLeftCorner(m - 1, n) = P.leftCols(m - 1).transpose();
    H.bottomRightCorner(m - 1, m - 1).diagonal() = c.head(m - 1);
    H.diagonal().array() += 1e-14 * H.diagonal().maxCoeff();
    rhs.head(n) = gamma * (a - r.array());
    rhs.tail(m - 1) = gamma * (b - c.head(m - 1).array());
    const Eigen::VectorXd delta = H.ldlt().solve(rhs);
    if (!delta.allFinite()) return false;
    bool improved = false;
    for (double t = 1.0; t > 1e-8; t *= 0.5) {
      Eigen::VectorXd u2 = u.array() * (t * delta.head(n).array() / gamma).exp();
      Eigen::VectorXd v2 = v;
      v2.head(m - 1).array() *= (t * delta.tail(m - 1).array() / gamma).exp();
      Eigen::MatrixXd P2 = u2.asDiagonal() * K * v2.asDiagonal();
      const double err2 = marginal_error(P2, a, b);
      if (std::isfinite(err2) && err2 < err) {
        u.swap(u2);
        v.swap(v2);
        P.swap(P2);
        err = err2;
        improved = true;
        break;
      }
    }
    if (!improved) return false;
  }
  return err < tolerance;
}

// Sinkhorn on the scaling vectors: P_ij = u_i K_ij v_j with K = exp(-(1 - C) / gamma). Two
// matrix-vector products per iteration and no exponentials; for gamma >= 1/200 the entries of K
// (>= e^-200) and of u, v stay far inside the double range. Rows are exact after each u update,
// so the column error decides convergence. After 100 iterations, Newton steps finish the job.
// False if a sum vanished or overflowed, or if `budget` iterations did not converge (then the
// log-domain solver takes over).
bool sinkhorn_scaling(const Eigen::MatrixXd& C, double gamma, double tolerance, int budget, Eigen::MatrixXd& P) {
  const Eigen::Index n = C.rows(), m = C.cols();
  const double a = 1.0 / static_cast<double>(n), b = 1.0 / static_cast<double>(m);
  const Eigen::MatrixXd K = ((C.array() - 1.0) / gamma).exp().matrix();
  Eigen::VectorXd u = Eigen::VectorXd::Constant(n, a), v(m), Ktu(m), Kv(n);
  for (int iterations = 0;; ++iterations) {
    Ktu.noalias() = K.transpose() * u;
    if (iterations > 0) {
      const double err = (v.array() * Ktu.array() - b).abs().sum();
      if (!std::isfinite(err)) return false;
      if (err < tolerance) break;
      if (iterations == kNewtonAfter && m > 1) {
        if (sinkhorn_newton(K, gamma, tolerance, 50, u, v)) break;
        Ktu.noalias() = K.transpose() * u;
      }
    }
    if (iterations >= budget) return false;
    if (!(Ktu.minCoeff() > 0)) return false;
    v = b / Ktu.array();
    Kv.noalias() = K * v;
    if (!(Kv.minCoeff() > 0) || !std::isfinite(Kv.maxCoeff())) return false;
    u = a / Kv.array();
  }
  P = u.asDiagonal() * K * v.asDiagonal();
  return P.allFinite();
}

// The semi-dual at the row potentials f (cost units) and the temperature `level`: every column
// j takes the potential that makes its sum exact, g_j = level (ln b - LSE_i (f_i - M_ij) / level),
// so P_ij = b exp((f_i - M_ij) / level) / sum_k exp((f_k - M_kj) / level) (no exponent is
// positive: nothing overflows at any level). objective = a sum_i f_i + b sum_j g_j is concave in
// f, largest at the entropic plan, with gradient a - P 1. error: the summed error of the row and
// column sums.
struct SemiDual {
  Eigen::MatrixXd P;
  Eigen::VectorXd r, g;
  double objective = 0.0, error = 0.0;
};

SemiDual semi_dual(const Eigen::ArrayXXd& M, const Eigen::VectorXd& f, double level) {
  const double a = 1.0 / static_cast<double>(M.rows()), b = 1.0 / static_cast<double>(M.cols());
  Eigen::ArrayXXd X = ((-M).colwise() + f.array()) / level;
  const Eigen::RowVectorXd top = X.colwise().maxCoeff().matrix();
  X = (X.rowwise() - top.array()).exp();
  const Eigen::RowVectorXd sum = X.colwise().sum().matrix();
  SemiDual s;
  s.P = (X.rowwise() * (b / sum.array())).matrix();
  s.r = s.P.rowwise().sum();
  s.g = (level * (std::log(b) - top.array() - sum.array().log())).transpose().matrix();
  s.objective = a * f.sum() + b * s.g.sum();
  s.error = (s.r.array() - a).abs().sum() + (s.P.colwise().sum().array() - b).abs().sum();
  return s;
}

// The marginal error that rounding alone leaves at potentials f: each exponent (f_i - M_ij) /
// level carries an absolute error of about 2 eps (|f_i| + |M_ij|) / level, so each P_ij that
// relative error, and each sum eps times its length more. The solver stops there at the latest,
// so that the stopping rule is reachable in double precision for every gamma.
double precision_floor(const Eigen::ArrayXXd& M, const Eigen::VectorXd& f, double level) {
  const double scale = f.cwiseAbs().maxCoeff() + M.abs().maxCoeff();
  return 8.0 * DBL_EPSILON * (2.0 * scale / level + static_cast<double>(M.rows() + M.cols()));
}

// One Sinkhorn sweep over the rows (the columns are exact in every SemiDual): f_i = level
// (ln a - LSE_j (g_j - M_ij) / level).
void sinkhorn_rows(const Eigen::ArrayXXd& M, double level, Eigen::VectorXd& f, SemiDual& s) {
  const double a = 1.0 / static_cast<double>(M.rows());
  Eigen::ArrayXXd Y = ((-M).rowwise() + s.g.transpose().array()) / level;
  const Eigen::ArrayXd top = Y.rowwise().maxCoeff();
  const Eigen::ArrayXd lse = top + (Y.colwise() - top).exp().rowwise().sum().log();
  f = (level * (std::log(a) - lse)).matrix();
  f.array() -= f.mean();  // the plan does not change along f + t: keep f near zero
  s = semi_dual(M, f, level);
}

// One damped Newton step on the semi-dual: its Hessian is -(diag(r) - m P P^T) / level, with
// r = P 1 and the columns exact (Brauer et al. above, the column potentials eliminated). That
// matrix is singular along f + t (the plan does not change), which a rank-one term removes, and
// nearly singular where blocks of P are nearly uncoupled: a tiny ridge keeps it positive
// definite, and the step is capped at kMaxStep levels, so that a far-off start moves the mass
// between such blocks in a few steps instead of overshooting. Backtracking accepts a step that
// raises the objective enough (Armijo), or one that lowers the marginal error without lowering
// the objective by more than its rounding (near convergence the gain is below the rounding of
// the objective; a step that lowers the objective could undo the last one). False when no step
// along the direction is accepted.
bool newton_step(const Eigen::ArrayXXd& M, double level, Eigen::VectorXd& f, SemiDual& s) {
  const Eigen::Index n = M.rows();
  const double a = 1.0 / static_cast<double>(n);
  Eigen::MatrixXd S = -static_cast<double>(M.cols()) * s.P * s.P.transpose();
  S.diagonal() += s.r;
  S.array() += a * a;
  S.diagonal().array() += 1e-13 * a;
  const Eigen::VectorXd grad = (a - s.r.array()).matrix();
  Eigen::VectorXd delta = S.ldlt().solve(level * grad);
  if (!delta.allFinite()) return false;
  const double longest = delta.cwiseAbs().maxCoeff() / level;
  if (longest > kMaxStep) delta *= kMaxStep / longest;
  const double slope = grad.dot(delta);
  const double noise = 16.0 * DBL_EPSILON * static_cast<double>(M.rows() + M.cols()) *
                       (f.cwiseAbs().maxCoeff() + s.g.cwiseAbs().maxCoeff());
  for (double t = 1.0; t > 1e-10; t *= 0.5) {
    Eigen::VectorXd f2 = f + t * delta;
    f2.array() -= f2.mean();
    SemiDual s2 = semi_dual(M, f2, level);
    const double gain = s2.objective - s.objective;
    if (gain > 1e-4 * t * slope || (s2.error < s.error && gain >= -noise)) {
      f.swap(f2);
      s = std::move(s2);
      return true;
    }
  }
  return false;
}

// The robust solver: the temperature goes down from the cost range by factors of 8 to gamma
// (epsilon scaling), each level warm-started from the potentials of the one before and solved
// roughly by Newton steps (Sinkhorn sweeps where a step stalls); the last level is solved to the
// tolerance, or to the precision floor where that is larger. (Without the coarse levels, Newton
// needs ~6x more steps at gamma = 1e-4; factors of 2 to 16 between levels cost about the same.)
Eigen::MatrixXd solve_log_domain(const Eigen::MatrixXd& C, double gamma, double tolerance, int max_iterations) {
  const Eigen::Index n = C.rows(), m = C.cols();
  const Eigen::ArrayXXd M = 1.0 - C.array();
  Eigen::VectorXd f = Eigen::VectorXd::Zero(n);
  int iterations = 0, sweeps = 0;
  for (double level = std::max(gamma, M.maxCoeff() - M.minCoeff());; level = std::max(gamma, kLevelFactor * level)) {
    const bool last = level == gamma;
    SemiDual s = semi_dual(M, f, level);
    for (;;) {
      const double target =
          std::max(last ? tolerance : std::max(tolerance, kLevelTolerance), precision_floor(M, f, level));
      if (s.error < target) break;
      if (iterations++ >= max_iterations) sinkhorn_failed(n, m, gamma, max_iterations, s.error, target);
      if (sweeps > 0) {
        sinkhorn_rows(M, level, f, s);
        --sweeps;
      } else if (!newton_step(M, level, f, s)) {
        sweeps = kSweepsAfterStall;
      }
    }
    if (last) {
      // One more Newton step from within the tolerance (where Newton converges quadratically)
      // takes the plan close to the precision floor: the result hardly depends on where the
      // iteration happened to stop, e.g. for local kernels that differ by rounding (K(A, B) and
      // K(B, A) from separate calls).
      if (s.error > precision_floor(M, f, level)) newton_step(M, level, f, s);
      return s.P;
    }
  }
}

// True when the pair is solved as C^T: the rows are the smaller structure, and for equal sizes
// C^T comes first in a lexicographic order of the entries (column by column). C and C^T then
// choose the same matrix, so both orders of a pair run the same arithmetic.
bool solve_transposed(const Eigen::MatrixXd& C) {
  if (C.rows() != C.cols()) return C.rows() > C.cols();
  for (Eigen::Index j = 0; j < C.cols(); ++j)
    for (Eigen::Index i = 0; i < C.rows(); ++i)
      if (C(i, j) != C(j, i)) return C(j, i) < C(i, j);
  return false;
}

// The plan of a canonically oriented C (rows <= columns). Below the temperature g_c at which
// g_c ln(rows) -- the most by which the entropic kernel can fall short of the match kernel --
// equals the precision floor (g_c ~ 1e-7 for costs in [0, 1]), no iterate in double precision
// is closer to the entropic plan than the exact transport plan is: that plan (the match
// kernel's) is returned where its assignment is small (lcm(N, M) <= kExactMaxCopies: all pairs
// of structures of up to 16 atoms), else the plan at g_c, whose kernel lies between the match
// kernel and the one at gamma (the entropic kernel falls as gamma grows), so within
// g_c ln(rows) of both.
Eigen::MatrixXd oriented_plan(const Eigen::MatrixXd& C, double gamma, double tolerance, int max_iterations) {
  const Eigen::Index n = C.rows(), m = C.cols();
  if (n == 1) return Eigen::MatrixXd::Constant(1, m, 1.0 / static_cast<double>(m));
  if (gamma >= kScalingMinGamma) {
    Eigen::MatrixXd P;
    if (sinkhorn_scaling(C, gamma, tolerance, std::min(max_iterations, kScalingBudget), P)) return P;
  }
  const Eigen::ArrayXXd M = 1.0 - C.array();
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(n);
  const double log_n = std::log(static_cast<double>(n));
  if (gamma * log_n < precision_floor(M, zero, gamma)) {
    if (std::lcm(n, m) <= kExactMaxCopies) return match_transport_plan(C, kExactMaxCopies);
    while (gamma * log_n < precision_floor(M, zero, gamma)) gamma *= 2.0;
  }
  return solve_log_domain(C, gamma, tolerance, max_iterations);
}

void check_rematch(const Eigen::MatrixXd& C, double gamma) {
  if (C.rows() == 0 || C.cols() == 0) throw InputError("structure kernel: a structure without atoms");
  if (!C.allFinite()) throw InputError("structure kernel: NaN or Inf in the local kernel");
  if (!(gamma > 0) || !std::isfinite(gamma)) throw InputError("rematch kernel: gamma must be positive");
}

}  // namespace

Eigen::MatrixXd rematch_transport_plan(const Eigen::MatrixXd& C, double gamma, double tolerance, int max_iterations) {
  check_rematch(C, gamma);
  if (solve_transposed(C)) return oriented_plan(C.transpose(), gamma, tolerance, max_iterations).transpose();
  return oriented_plan(C, gamma, tolerance, max_iterations);
}

double rematch_structure_kernel(const Eigen::MatrixXd& C, double gamma, double tolerance, int max_iterations) {
  check_rematch(C, gamma);
  // The sum in the canonical orientation too, so that both orders give the same bits.
  if (solve_transposed(C)) {
    const Eigen::MatrixXd Ct = C.transpose();
    return oriented_plan(Ct, gamma, tolerance, max_iterations).cwiseProduct(Ct).sum();
  }
  return oriented_plan(C, gamma, tolerance, max_iterations).cwiseProduct(C).sum();
}

}  // namespace soapgap
