// Atom-wise contributions of kernel models: delta z over the atoms of a structure sums to z - b,
// for every structure kernel, and follows the atoms when they are permuted.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <random>

#include "structure/atom_contributions.h"
#include "structure/structure_kernel.h"
#include "structure/svm_classifier.h"

using namespace soapgap;

namespace {

StructureEnvironments random_structure(int n, std::mt19937& rng) {
  std::normal_distribution<double> g(0.0, 1.0);
  StructureEnvironments s;
  s.q.resize(n, 5);
  for (int i = 0; i < n; ++i) {
    for (int d = 0; d < 5; ++d) s.q(i, d) = std::abs(g(rng)) + (d == 0 ? 0.5 : 0.0);
    s.q.row(i).normalize();
    s.species.push_back(i % 3 == 2 ? 8 : 6);  // two elements
  }
  return s;
}

}  // namespace

TEST(AtomContributions, SharesOfOneKernelSumToIt) {
  std::mt19937 rng(8);
  for (auto [n, m] : {std::pair{4, 4}, std::pair{3, 5}, std::pair{2, 6}, std::pair{6, 4}}) {
    const StructureEnvironments x = random_structure(n, rng), s = random_structure(m, rng);
    for (StructureKernelKind kind :
         {StructureKernelKind::Average, StructureKernelKind::Match, StructureKernelKind::REMatch})
      for (int zeta : {1, 2, 3}) {
        StructureKernelOptions opt;
        opt.kind = kind;
        opt.zeta = zeta;
        const std::vector<StructureEnvironments> X = {x}, S = {s};
        const double k = structure_kernel_matrix(X, &S, opt)(0, 0);
        const Eigen::VectorXd d =
            structure_kernel_atom_shares(x, s, opt, structure_kernel(x, x, opt), structure_kernel(s, s, opt));
        ASSERT_EQ(d.size(), n);
        EXPECT_NEAR(d.sum(), k, 1e-12) << n << "x" << m << " zeta " << zeta;
      }
    // The plans have the right marginals.
    const Eigen::MatrixXd C = local_kernel_matrix(x, s);
    for (const Eigen::MatrixXd& P : {match_transport_plan(C), rematch_transport_plan(C, 0.1, 1e-12)}) {
      EXPECT_LT((P.rowwise().sum().array() - 1.0 / n).abs().maxCoeff(), 1e-10);
      EXPECT_LT((P.colwise().sum().array() - 1.0 / m).abs().maxCoeff(), 1e-10);
      EXPECT_GE(P.minCoeff(), 0.0);
    }
  }
}

TEST(AtomContributions, SvmDecisionSumsOverAtoms) {
  std::mt19937 rng(9);
  std::vector<StructureEnvironments> train, test;
  Eigen::VectorXd labels(16);
  for (int k = 0; k < 16; ++k) {
    train.push_back(random_structure(2 + k % 5, rng));  // sizes 2..6: lcm <= 60
    labels[k] = k % 2 ? 1.0 : -1.0;
  }
  for (int k = 0; k < 5; ++k) test.push_back(random_structure(3 + k % 4, rng));
  for (StructureKernelKind kind :
       {StructureKernelKind::Average, StructureKernelKind::Match, StructureKernelKind::REMatch})
    for (int zeta : {1, 2}) {
      StructureKernelOptions opt;
      opt.kind = kind;
      opt.zeta = zeta;
      opt.gamma = 0.2;
      const Eigen::MatrixXd K = structure_kernel_matrix(train, nullptr, opt);
      SvmOptions so;
      so.C = 10;
      const SvmModel m = fit_svm_classifier(K, labels, so);
      const Eigen::VectorXd z = svm_decision_function(m, structure_kernel_matrix(test, &train, opt));
      const std::vector<Eigen::VectorXd> dz = kernel_atom_contributions(test, train, m.dual_coef, opt);
      ASSERT_EQ(dz.size(), test.size());
      for (size_t t = 0; t < test.size(); ++t) {
        ASSERT_EQ(dz[t].size(), test[t].size());
        EXPECT_NEAR(dz[t].sum(), z[t] - m.bias, 1e-10) << "kind " << int(kind) << " zeta " << zeta << " test " << t;
      }
      // Permuting the atoms of a structure permutes its contributions.
      StructureEnvironments p = test[3];  // 6 atoms
      const std::vector<int> perm = {4, 2, 0, 5, 1, 3};
      for (int i = 0; i < p.size(); ++i) {
        p.q.row(i) = test[3].q.row(perm[i]);
        p.species[i] = test[3].species[perm[i]];
      }
      const Eigen::VectorXd dp = kernel_atom_contributions({p}, train, m.dual_coef, opt)[0];
      for (int i = 0; i < p.size(); ++i) EXPECT_NEAR(dp[i], dz[3][perm[i]], 1e-9) << "kind " << int(kind);
    }
}

TEST(AtomContributions, AverageKernelSharesAreRowMeans) {
  std::mt19937 rng(10);
  const StructureEnvironments x = random_structure(3, rng), s = random_structure(4, rng);
  StructureKernelOptions opt;
  const Eigen::MatrixXd C = local_kernel_matrix(x, s);
  const double norm = std::sqrt(structure_kernel(x, x, opt) * structure_kernel(s, s, opt));
  const Eigen::VectorXd d =
      structure_kernel_atom_shares(x, s, opt, structure_kernel(x, x, opt), structure_kernel(s, s, opt));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(d[i], C.row(i).sum() / 12.0 / norm, 1e-14);
  EXPECT_THROW(kernel_atom_contributions({x}, {s}, Eigen::VectorXd::Ones(2), opt), std::exception);
}
