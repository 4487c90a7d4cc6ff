// Force covariances (model/force_variance.h): the prior part against finite differences of the
// prior energy covariance (SOAP and 2-body kernels), and the whole covariance against the exact
// posterior of the same model written in feature space (dot-product kernel with zeta = 2 is a
// linear model on the features q q^T), computed here with finite-difference rows.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/force_variance.h"
#include "model/potential.h"
#include "model/sparse_gp_fit.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

Structure rattled_cell(uint64_t seed) {
  Structure s = diamond(5.43, 1);
  rattle(s, 0.15, seed);
  return s;
}

// Zero labels: the covariances do not depend on the labels' values.
Structure with_zero_labels(Structure s) {
  s.energy = 0.0;
  s.forces = MatrixX3::Zero(s.size(), 3);
  return s;
}

Potential fit(const std::vector<std::string>& terms, const std::vector<Structure>& train, double jitter) {
  FitSettings settings;
  settings.terms = terms;
  settings.sigma.energy = 0.01;
  settings.sigma.force = 0.2;
  settings.jitter = jitter;
  settings.use_virial = false;
  settings.e0[14] = 0.0;
  return Potential(fit_sparse_gp(train, settings).potential);
}

// Prior covariance of the energies of a and b (sum over environment pairs of w w k).
double prior_covariance(const Potential& pot, const Structure& a, const Structure& b) {
  PredictOptions o;
  o.forces = false;
  o.variance = true;
  o.total_variance = false;
  o.variance_parts = true;
  return pot.prior_energy_covariance(pot.predict(a, o).variance_parts, pot.predict(b, o).variance_parts);
}

TEST(ForceVariance, PriorIsTheMixedSecondDerivativeOfThePriorEnergyCovariance) {
  std::vector<Structure> train{with_zero_labels(rattled_cell(1)), with_zero_labels(rattled_cell(2))};
  const Potential pot = fit({"soap n_max=3 l_max=2 cutoff=3.2 atom_sigma=0.5 zeta=3 delta=0.7 n_sparse=10",
                             "distance_2b cutoff=3.0 theta=0.6 delta=0.4 n_sparse=6"},
                            train, 1e-8);
  const Structure s = rattled_cell(7);
  std::vector<Eigen::Matrix3d> prior;
  force_covariance(pot, s, NeighbourList(s, pot.cutoff()), {}, &prior);
  const double h = 1e-3;
  for (int a : {0, 5}) {
    Eigen::Matrix3d fd;
    for (int x = 0; x < 3; ++x)
      for (int y = 0; y < 3; ++y) {
        double c[2][2];
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j) {
            Structure sx = s, sy = s;
            sx.positions(a, x) += i ? -h : h;
            sy.positions(a, y) += j ? -h : h;
            c[i][j] = prior_covariance(pot, sx, sy);
          }
        fd(x, y) = (c[0][0] - c[0][1] - c[1][0] + c[1][1]) / (4 * h * h);
      }
    EXPECT_LT((prior[a] - fd).cwiseAbs().maxCoeff(), 1e-5 * fd.cwiseAbs().maxCoeff())
        << "atom " << a << "\nanalytic:\n"
        << prior[a] << "\nfinite differences:\n"
        << fd;
    // and the terms one by one add up
    std::vector<Eigen::Matrix3d> p0, p1;
    force_covariance(pot, s, NeighbourList(s, pot.cutoff()), {0}, &p0);
    force_covariance(pot, s, NeighbourList(s, pot.cutoff()), {1}, &p1);
    EXPECT_LT((p0[a] + p1[a] - prior[a]).cwiseAbs().maxCoeff(), 1e-12 * prior[a].cwiseAbs().maxCoeff());
  }
}

// Sum over the structure's environments of the features vec(q q^T) of a SOAP term.
Eigen::VectorXd feature_sum(const Term& term, const Structure& s) {
  const Environments env = term.descriptor().compute(s, NeighbourList(s, term.descriptor().cutoff()));
  const int d = term.descriptor().dimension();
  Eigen::VectorXd phi = Eigen::VectorXd::Zero(d * d);
  for (int e = 0; e < env.size(); ++e) {
    const Eigen::VectorXd q = env.q.row(e).transpose();
    Eigen::MatrixXd qq = q * q.transpose();
    phi += env.w[e] * Eigen::Map<Eigen::VectorXd>(qq.data(), d * d);
  }
  return phi;
}

// Columns 3a+x: -d feature_sum / d r_a,x by central differences.
Eigen::MatrixXd feature_force_rows(const Term& term, const Structure& s, double h = 1e-5) {
  const int d = term.descriptor().dimension();
  Eigen::MatrixXd J(d * d, 3 * s.size());
  for (int a = 0; a < s.size(); ++a)
    for (int x = 0; x < 3; ++x) {
      Structure p = s, m = s;
      p.positions(a, x) += h;
      m.positions(a, x) -= h;
      J.col(3 * a + x) = -(feature_sum(term, p) - feature_sum(term, m)) / (2 * h);
    }
  return J;
}

TEST(ForceVariance, EqualsTheExactPosteriorOfTheSameModelInFeatureSpace) {
  // zeta = 2: k = delta^2 (q . x)^2 = delta^2 phi(q) . phi(x), phi = vec(q q^T); prior beta ~ N(0, delta^2 I).
  // The sparse GP restricts the model to the span of the sparse points' features (orthonormal
  // basis B): f = phi^T B gamma; its posterior plus the prior outside the span is the
  // projected-process covariance that force_covariance computes.
  const double delta = 1.3, sigma_e = 0.01, sigma_f = 0.2;
  std::vector<Structure> train{with_zero_labels(rattled_cell(11))};
  const Potential pot = fit({"soap n_max=2 l_max=1 cutoff=3.5 atom_sigma=0.5 zeta=2 delta=1.3 n_sparse=3 "
                             "sparse_method=fps"},
                            train, 0.0);
  const Term& term = pot.terms()[0];
  const int d = term.descriptor().dimension(), D = d * d;
  // basis of the span of the sparse features
  const Eigen::MatrixXd& X = term.groups[0].sparse_points;
  Eigen::MatrixXd PhiX(D, X.rows());
  for (Eigen::Index m = 0; m < X.rows(); ++m) {
    const Eigen::VectorXd x = X.row(m).transpose();
    Eigen::MatrixXd xx = x * x.transpose();
    PhiX.col(m) = Eigen::Map<Eigen::VectorXd>(xx.data(), D);
  }
  ASSERT_LT(X.rows(), d * (d + 1) / 2) << "the test needs an incomplete span (a prior part outside it)";
  const Eigen::MatrixXd B =
      Eigen::HouseholderQR<Eigen::MatrixXd>(PhiX).householderQ() * Eigen::MatrixXd::Identity(D, X.rows());
  // design rows in feature space, scaled as the fit scales them
  Eigen::MatrixXd A(0, D);
  for (const Structure& s : train) {
    const Eigen::MatrixXd F = feature_force_rows(term, s).transpose() / sigma_f;
    Eigen::MatrixXd rows(1 + F.rows(), D);
    rows.row(0) = feature_sum(term, s).transpose() / (sigma_e * std::sqrt(static_cast<double>(s.size())));
    rows.bottomRows(F.rows()) = F;
    Eigen::MatrixXd grown(A.rows() + rows.rows(), D);
    grown << A, rows;
    A = grown;
  }
  const Eigen::MatrixXd AB = A * B;
  const Eigen::MatrixXd cov_gamma =
      (Eigen::MatrixXd::Identity(B.cols(), B.cols()) / (delta * delta) + AB.transpose() * AB).inverse();
  const Structure s = rattled_cell(13);
  const Eigen::MatrixXd J = feature_force_rows(term, s);
  const ForceCovariance got = force_covariance(pot, s, NeighbourList(s, pot.cutoff()));
  double largest_outside = 0;
  for (int a = 0; a < s.size(); ++a) {
    const Eigen::MatrixXd Ja = J.middleCols(3 * a, 3), BJ = B.transpose() * Ja;
    const Eigen::Matrix3d outside = delta * delta * (Ja.transpose() * Ja - BJ.transpose() * BJ);
    const Eigen::Matrix3d want = BJ.transpose() * cov_gamma * BJ + outside;
    const Eigen::Matrix3d have = Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>(got.row(a).data());
    EXPECT_LT((have - want).cwiseAbs().maxCoeff(), 1e-6 * want.cwiseAbs().maxCoeff())
        << "atom " << a << "\nforce_covariance:\n"
        << have << "\nfeature space:\n"
        << want;
    largest_outside = std::max(largest_outside, outside.trace() / want.trace());
  }
  EXPECT_GT(largest_outside, 0.01) << "the prior part outside the span should matter in this test";
}

TEST(ForceVariance, PredictReturnsItAndRefusesGhostDomains) {
  std::vector<Structure> train{with_zero_labels(rattled_cell(1))};
  const Potential pot = fit({"soap n_max=3 l_max=2 cutoff=3.2 atom_sigma=0.5 zeta=2 delta=1 n_sparse=5"}, train, 1e-8);
  const Structure s = rattled_cell(3);
  PredictOptions o;
  o.variance = true;
  o.force_variance = true;
  const Prediction p = pot.predict(s, o);
  ASSERT_EQ(p.force_covariance.rows(), s.size());
  const ForceCovariance direct = force_covariance(pot, s, NeighbourList(s, pot.cutoff()));
  EXPECT_EQ((p.force_covariance - direct).cwiseAbs().maxCoeff(), 0.0);
  for (int a = 0; a < s.size(); ++a) {
    EXPECT_GT(p.force_covariance(a, 0) + p.force_covariance(a, 4) + p.force_covariance(a, 8), 0.0);
    EXPECT_EQ(p.force_covariance(a, 1), p.force_covariance(a, 3));  // symmetric
  }
  Structure g;
  std::vector<int> owner;
  const NeighbourList ghosts = with_ghost_atoms(s, pot.cutoff(), &g, &owner);
  EXPECT_THROW(force_covariance(pot, g, ghosts), InputError);
}

}  // namespace
