// Structure kernels (average, match, rematch) and the assignment solver behind match.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"
#include "structure/assignment.h"
#include "structure/structure_kernel.h"

using namespace soapgap;

namespace {

StructureEnvironments random_structure(int n, int dim, std::mt19937& rng, std::vector<int> species = {}) {
  std::normal_distribution<double> g(0.0, 1.0);
  StructureEnvironments s;
  s.q.resize(n, dim);
  for (int i = 0; i < n; ++i) {
    for (int d = 0; d < dim; ++d) s.q(i, d) = std::abs(g(rng));  // SOAP vectors have a positive part
    s.q.row(i).normalize();
  }
  s.species = species.empty() ? std::vector<int>(n, 6) : species;
  return s;
}

// A local kernel like those of small molecules with the normalised SOAP kernel: atoms of up to
// three elements (zero between different elements, as in local_kernel_matrix), entries close to
// 1 within an element (1 - spread u, spread from 1e-3 to 0.3), and in one structure of three two
// identical atoms (exact ties).
Eigen::MatrixXd molecule_like_local_kernel(int n, int m, std::mt19937& rng) {
  std::uniform_int_distribution<int> element(0, 2);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int> ea(n), eb(m);
  for (int& e : ea) e = element(rng);
  for (int& e : eb) e = element(rng);
  const double spread = std::pow(10.0, -3.0 + 2.5 * u(rng));
  Eigen::MatrixXd C(n, m);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j) C(i, j) = ea[i] == eb[j] ? 1.0 - spread * u(rng) : 0.0;
  if (u(rng) < 1.0 / 3.0) {
    ea[1] = ea[0];
    C.row(1) = C.row(0);
  }
  return C;
}

// The rematch kernel by plain Sinkhorn in long double, exp domain: v = b / K^T u, u = a / K v
// until the column sums are within 1e-15 (rows are exact after each u) or 2 10^6 iterations.
// Independent of the library's solvers; fine for moderate gamma, where K stays far from
// underflow. err: the summed column error it ended with.
long double plain_sinkhorn_kernel(const Eigen::MatrixXd& C, double gamma, double& err) {
  using MatrixL = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
  using VectorL = Eigen::Matrix<long double, Eigen::Dynamic, 1>;
  const Eigen::Index n = C.rows(), m = C.cols();
  const long double a = 1.0L / n, b = 1.0L / m;
  MatrixL K(n, m);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) K(i, j) = std::exp((static_cast<long double>(C(i, j)) - 1.0L) / gamma);
  VectorL u = VectorL::Constant(n, a), v(m);
  for (int it = 0; it < 2000000; ++it) {
    v = (b / (K.transpose() * u).array()).matrix();
    u = (a / (K * v).array()).matrix();
    if (it % 16 == 0 && (v.array() * (K.transpose() * u).array() - b).abs().sum() < 1e-15L) break;
  }
  err = static_cast<double>((v.array() * (K.transpose() * u).array() - b).abs().sum());
  long double k = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) k += u(i) * K(i, j) * v(j) * C(i, j);
  return k;
}

double brute_force_match(const Eigen::MatrixXd& C) {  // square C
  std::vector<int> perm(C.rows());
  std::iota(perm.begin(), perm.end(), 0);
  double best = -1e300;
  do {
    double s = 0;
    for (int i = 0; i < C.rows(); ++i) s += C(i, perm[i]);
    best = std::max(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best / C.rows();
}

}  // namespace

TEST(Assignment, EqualsBruteForceOnRandomMatrices) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int n = 1; n <= 7; ++n)
    for (int rep = 0; rep < 5; ++rep) {
      Eigen::MatrixXd W(n, n);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) W(i, j) = u(rng);
      const std::vector<int> col = max_weight_assignment(W);
      std::vector<int> sorted = col;
      std::sort(sorted.begin(), sorted.end());
      for (int i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i);  // a permutation
      double s = 0;
      for (int i = 0; i < n; ++i) s += W(i, col[i]);
      EXPECT_NEAR(s / n, brute_force_match(W), 1e-12) << "n = " << n;
    }
  EXPECT_THROW(max_weight_assignment(Eigen::MatrixXd::Zero(2, 3)), InputError);
}

TEST(StructureKernel, MatchEqualsBruteForceAssignment) {
  std::mt19937 rng(11);
  for (int n = 1; n <= 6; ++n) {
    const StructureEnvironments a = random_structure(n, 5, rng), b = random_structure(n, 5, rng);
    const Eigen::MatrixXd C = local_kernel_matrix(a, b);
    EXPECT_NEAR(match_structure_kernel(C), brute_force_match(C), 1e-12);
  }
}

TEST(StructureKernel, PropertiesOfTheNormalisedMatrices) {
  std::mt19937 rng(3);
  std::vector<StructureEnvironments> set;
  for (int k = 0; k < 7; ++k) set.push_back(random_structure(2 + k % 4, 6, rng));
  for (const char* kind : {"average", "match", "rematch"}) {
    StructureKernelOptions opt;
    opt.kind = parse_structure_kernel_kind(kind);
    opt.gamma = 0.5;
    const Eigen::MatrixXd K = structure_kernel_matrix(set, nullptr, opt);
    EXPECT_LT((K - K.transpose()).cwiseAbs().maxCoeff(), 1e-12) << kind;
    for (int i = 0; i < K.rows(); ++i) EXPECT_NEAR(K(i, i), 1.0, 1e-9) << kind;
    EXPECT_LE(K.maxCoeff(), 1.0 + 1e-9) << kind;
    // Unsymmetric call gives the same numbers.
    const Eigen::MatrixXd K2 = structure_kernel_matrix(set, &set, opt);
    EXPECT_LT((K - K2).cwiseAbs().maxCoeff(), 1e-9) << kind;
  }
  StructureKernelOptions avg;
  const Eigen::MatrixXd K = structure_kernel_matrix(set, nullptr, avg);
  EXPECT_GE(Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(K).eigenvalues().minCoeff(), -1e-10);
}

TEST(StructureKernel, InvariantToAtomOrder) {
  std::mt19937 rng(5);
  const StructureEnvironments a = random_structure(5, 4, rng), b = random_structure(3, 4, rng);
  StructureEnvironments a2 = a;
  const std::vector<int> perm = {3, 0, 4, 1, 2};
  for (int i = 0; i < 5; ++i) a2.q.row(i) = a.q.row(perm[i]);
  for (StructureKernelKind kind :
       {StructureKernelKind::Average, StructureKernelKind::Match, StructureKernelKind::REMatch}) {
    StructureKernelOptions opt;
    opt.kind = kind;
    EXPECT_NEAR(structure_kernel(a, b, opt), structure_kernel(a2, b, opt), 1e-10);
  }
}

TEST(StructureKernel, REMatchLimits) {
  std::mt19937 rng(13);
  // Equal and unequal sizes: large gamma -> average, small gamma -> match.
  for (auto [n, m] : {std::pair{4, 4}, std::pair{3, 5}, std::pair{2, 6}}) {
    const Eigen::MatrixXd C = local_kernel_matrix(random_structure(n, 6, rng), random_structure(m, 6, rng));
    // The distance to the limits falls like 1/gamma and like gamma.
    EXPECT_NEAR(rematch_structure_kernel(C, 1e7), average_structure_kernel(C), 1e-8) << n << "x" << m;
    const double match = match_structure_kernel(C);
    // (Sinkhorn slows down exponentially in 1/gamma: a looser tolerance for the smallest gamma.)
    const double d1 = match - rematch_structure_kernel(C, 0.1, 1e-10);
    const double d2 = match - rematch_structure_kernel(C, 0.03, 1e-8);
    const double d3 = match - rematch_structure_kernel(C, 0.01, 1e-6, 1000000);
    EXPECT_GE(d3, -1e-6) << n << "x" << m;
    EXPECT_LT(d3, d2) << n << "x" << m;
    EXPECT_LT(d2, d1) << n << "x" << m;
    EXPECT_LT(d3, 0.01) << n << "x" << m << ": " << d1 << " " << d2 << " " << d3;
    // In between: average <= rematch <= match.
    const double r = rematch_structure_kernel(C, 0.1);
    EXPECT_GE(r, average_structure_kernel(C) - 1e-12);
    EXPECT_LE(r, match_structure_kernel(C) + 1e-12);
  }
}

// The self-pair of C4H8 in g2 (soap n_max=6 l_max=4 cutoff=4): the C block is all ones, the H
// atoms form two classes whose kernels differ by 6e-4. Plain Sinkhorn needs 53 000 iterations at
// gamma = 0.1 to reach 1e-9 (measured in NumPy), the slowest of the g2 pairs. The solver must
// reach a tighter tolerance within 300 iterations (Sinkhorn + Newton) and give the plan of a long
// plain Sinkhorn run.
TEST(StructureKernel, REMatchConvergesOnNearlyDegenerateEnvironments) {
  const int n = 12;
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(n, n);
  C.topLeftCorner(4, 4).setOnes();
  for (int i = 4; i < n; ++i)
    for (int j = 4; j < n; ++j) C(i, j) = (i - j) % 2 == 0 ? 1.0 : 0.9994;
  const double gamma = 0.1;
  const Eigen::MatrixXd P = rematch_transport_plan(C, gamma, 1e-12, 300);
  EXPECT_LT((P.rowwise().sum().array() - 1.0 / n).abs().sum(), 1e-11);
  EXPECT_LT((P.colwise().sum().array() - 1.0 / n).abs().sum(), 1e-11);
  // Reference: plain Sinkhorn, 10^6 iterations.
  const Eigen::MatrixXd K = ((C.array() - 1.0) / gamma).exp().matrix();
  Eigen::VectorXd u = Eigen::VectorXd::Constant(n, 1.0 / n), v(n);
  for (int it = 0; it < 1000000; ++it) {
    v = (1.0 / n) / (K.transpose() * u).array();
    u = (1.0 / n) / (K * v).array();
  }
  const Eigen::MatrixXd R = u.asDiagonal() * K * v.asDiagonal();
  EXPECT_LT((P - R).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_NEAR(rematch_structure_kernel(C, gamma, 1e-12, 300), R.cwiseProduct(C).sum(), 1e-10);
  // The log-domain solver (gamma < 1/200) meets its tolerance on the same matrix.
  const Eigen::MatrixXd Ps = rematch_transport_plan(C, 0.004, 1e-10, 1000000);
  EXPECT_LT((Ps.rowwise().sum().array() - 1.0 / n).abs().sum(), 1e-9);
  EXPECT_LT((Ps.colwise().sum().array() - 1.0 / n).abs().sum(), 1e-9);
}

// Issue 21, item 10: on small molecules Sinkhorn did not converge in 10^5 iterations at
// gamma = 0.01 .. 0.004 for ~1 pair in 500 of different sizes (mass that has to cross between
// elements through entries exp(-1/gamma)), and for equal sizes at gamma <= 2e-3; K(A, B) and
// K(B, A) could differ (one failing, the other not). Every gamma > 0 must give a kernel, the
// same for both orders, between the average and match kernels, not falling as gamma falls, and
// within the entropy bound of the match kernel: 0 <= match - rematch <= gamma ln min(N, M) (the
// entropic plan P_g has sum P_g (M + g ln P_g) <= that of the exact plan P*, and the entropy of
// a plan with these marginals lies between ln max(N, M) and ln(N M)).
TEST(StructureKernel, REMatchSolvesEveryGammaOnMixedSizes) {
  std::mt19937 rng(29);
  const std::vector<double> gammas = {0.1, 0.05, 0.01, 0.005, 0.004, 2e-3, 1e-3, 1e-4};
  for (int n = 3; n <= 10; ++n)
    for (int m = 3; m <= 10; ++m)
      for (int rep = 0; rep < 2; ++rep) {
        const Eigen::MatrixXd C = molecule_like_local_kernel(n, m, rng);
        const double match = match_structure_kernel(C), average = average_structure_kernel(C);
        double previous = average;
        for (double gamma : gammas) {
          double k = 0, kt = 0;
          ASSERT_NO_THROW(k = rematch_structure_kernel(C, gamma)) << n << "x" << m << " gamma " << gamma;
          ASSERT_NO_THROW(kt = rematch_structure_kernel(C.transpose(), gamma)) << m << "x" << n << " gamma " << gamma;
          EXPECT_NEAR(k, kt, 1e-12) << n << "x" << m << " gamma " << gamma;
          EXPECT_GE(k, average - 1e-9) << n << "x" << m << " gamma " << gamma;
          EXPECT_LE(k, match + 1e-9) << n << "x" << m << " gamma " << gamma;
          EXPECT_GE(k, previous - 1e-9) << n << "x" << m << " gamma " << gamma;  // gamma falls, K rises
          previous = k;
        }
        // gamma = 1e-4 (the last): at most 1e-4 ln 10 = 2.3e-4 below match (plus the tolerance).
        EXPECT_GE(previous, match - 1e-4 * std::log(std::min(n, m)) - 1e-9) << n << "x" << m;
        // The plan itself: marginals to the tolerance, and transposing C transposes it exactly.
        const Eigen::MatrixXd P = rematch_transport_plan(C, 1e-4);
        EXPECT_LT((P.rowwise().sum().array() - 1.0 / n).abs().sum(), 1e-9);
        EXPECT_LT((P.colwise().sum().array() - 1.0 / m).abs().sum(), 1e-9);
        EXPECT_EQ((rematch_transport_plan(C.transpose(), 1e-4) - P.transpose()).cwiseAbs().maxCoeff(), 0.0);
      }
}

// At moderate gamma the library's kernel (Sinkhorn + Newton, or the log-domain Newton solver)
// is that of a plain long-double Sinkhorn run to convergence, in both orders (the library stops
// at a summed marginal error of 1e-9: the kernels differ by up to ~4e-10).
TEST(StructureKernel, REMatchAgreesWithPlainSinkhorn) {
  std::mt19937 rng(31);
  for (int rep = 0; rep < 24; ++rep) {
    const int n = 3 + rep % 8, m = 3 + (rep * 5) % 8;
    const Eigen::MatrixXd C = molecule_like_local_kernel(n, m, rng);
    for (double gamma : {0.1, 0.05}) {
      // (Plain Sinkhorn crawls on one pair here: its own remaining error, 6e-8, is allowed for.)
      double err = 0;
      const double reference = static_cast<double>(plain_sinkhorn_kernel(C, gamma, err));
      ASSERT_LT(err, 1e-7) << n << "x" << m << " gamma " << gamma;
      EXPECT_NEAR(rematch_structure_kernel(C, gamma), reference, 1e-8 + err) << n << "x" << m << " gamma " << gamma;
      EXPECT_NEAR(rematch_structure_kernel(C.transpose(), gamma), reference, 1e-8 + err) << m << "x" << n;
    }
  }
}

// Far below the precision of doubles (gamma ln N under the rounding of the exponents) the exact
// transport plan is the answer; still a kernel for every gamma > 0.
TEST(StructureKernel, REMatchAtTinyGammaIsTheMatchKernel) {
  std::mt19937 rng(37);
  for (int rep = 0; rep < 20; ++rep) {
    const Eigen::MatrixXd C = molecule_like_local_kernel(3 + rep % 8, 3 + (rep * 3) % 8, rng);
    const double match = match_structure_kernel(C);
    for (double gamma : {1e-6, 1e-8, 1e-12, 1e-300}) {
      const double k = rematch_structure_kernel(C, gamma);
      EXPECT_LE(k, match + 1e-7) << gamma;
      EXPECT_GE(k, match - gamma * std::log(10.0) - 1e-7) << gamma;
    }
  }
}

TEST(StructureKernel, UnequalMatchIsTheTransportOptimum) {
  // N = 1: the single environment is spread over all of B: K = mean_j C_0j.
  std::mt19937 rng(17);
  const Eigen::MatrixXd C1 = local_kernel_matrix(random_structure(1, 4, rng), random_structure(3, 4, rng));
  EXPECT_NEAR(match_structure_kernel(C1), C1.mean(), 1e-12);
  // N = 2, M = 4: each environment of A takes exactly two of B: brute force over the splits.
  const Eigen::MatrixXd C = local_kernel_matrix(random_structure(2, 4, rng), random_structure(4, 4, rng));
  double best = -1;
  for (int mask = 0; mask < 16; ++mask) {
    if (__builtin_popcount(mask) != 2) continue;
    double s = 0;
    for (int j = 0; j < 4; ++j) s += C((mask >> j) & 1, j);
    best = std::max(best, s / 4);
  }
  EXPECT_NEAR(match_structure_kernel(C), best, 1e-12);
}

TEST(StructureKernel, ElementsOnlyMeetTheirOwnKind) {
  std::mt19937 rng(19);
  StructureEnvironments a = random_structure(2, 3, rng, {1, 6}), b = a;
  b.species = {6, 1};  // same vectors, swapped labels
  const Eigen::MatrixXd C = local_kernel_matrix(a, b);
  EXPECT_EQ(C(0, 0), 0.0);
  EXPECT_EQ(C(1, 1), 0.0);
  EXPECT_NEAR(C(0, 1), a.q.row(0).dot(b.q.row(1)), 1e-15);
}

TEST(StructureKernel, ErrorsAreClear) {
  StructureEnvironments empty;
  empty.q.resize(0, 3);
  std::mt19937 rng(23);
  const StructureEnvironments a = random_structure(2, 3, rng);
  StructureKernelOptions opt;
  EXPECT_THROW(structure_kernel(a, empty, opt), InputError);
  EXPECT_THROW(parse_structure_kernel_kind("best"), InputError);
  EXPECT_THROW(rematch_structure_kernel(Eigen::MatrixXd::Ones(2, 2), 0.0), InputError);
  // Not converging (here: a 2-iteration limit) names the sizes, gamma and the marginal error in
  // a format that shows its size, on one line.
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(3, 5);
  C.topLeftCorner(2, 2) << 1.0, 0.9, 0.8, 1.0;
  C.bottomRightCorner(1, 3) << 0.99, 0.98, 0.97;
  try {
    rematch_structure_kernel(C, 1e-3, 1e-9, 2);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("structures of 3 and 5 atoms at gamma = 1.000e-03"), std::string::npos) << msg;
    const size_t at = msg.find("marginal error ");
    ASSERT_NE(at, std::string::npos) << msg;
    const std::string err = msg.substr(at + 15, 9);  // d.ddde-xx
    EXPECT_TRUE(err[1] == '.' && err[5] == 'e' && err != "0.000e+00") << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  try {
    match_structure_kernel(Eigen::MatrixXd::Ones(37, 41), 1200);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("lcm = 1517"), std::string::npos) << e.what();
  }
}
