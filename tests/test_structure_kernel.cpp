// Structure kernels (average, match, rematch) and the assignment solver behind match.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
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
  for (StructureKernelKind kind : {StructureKernelKind::Average, StructureKernelKind::Match, StructureKernelKind::REMatch}) {
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
  try {
    match_structure_kernel(Eigen::MatrixXd::Ones(37, 41), 1200);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("lcm = 1517"), std::string::npos) << e.what();
  }
}
