// GP regression on precomputed structure kernels: exact GP formulas, per-structure noise,
// Delta-learning, indefinite (match) kernels.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>

#include "core/error.h"
#include "input_error_message.h"
#include "structure/kernel_psd.h"
#include "structure/structure_kernel.h"
#include "structure/structure_regression.h"

using namespace soapgap;

namespace {

// Features of n + m points; the kernel is their Gram matrix (PSD), normalised to a unit diagonal.
struct Data {
  Eigen::MatrixXd K, Ks;  // n x n, m x n
  Eigen::VectorXd diag_s, y;
};

Data make_gp_data(int n, int m, std::mt19937& rng) {
  std::normal_distribution<double> g(0.0, 1.0);
  Eigen::MatrixXd F(n + m, 5);
  for (int i = 0; i < F.rows(); ++i)
    for (int d = 0; d < F.cols(); ++d) F(i, d) = g(rng) + (d == 0 ? 2.0 : 0.0);
  for (int i = 0; i < F.rows(); ++i) F.row(i).normalize();
  const Eigen::MatrixXd G = (F * F.transpose()).array().square();  // zeta = 2: still PSD, rank > n
  Data d;
  d.K = G.topLeftCorner(n, n);
  d.Ks = G.bottomLeftCorner(m, n);
  d.diag_s = G.diagonal().tail(m);
  d.y.resize(n);
  for (int i = 0; i < n; ++i) d.y[i] = 3.0 * F(i, 1) - F(i, 2) + 0.1 * g(rng) + 5.0;
  return d;
}

struct Dense {
  Eigen::VectorXd mean, var;
  double log_ml;
};

// The textbook formulas with an explicit inverse.
Dense dense_gp(const Eigen::MatrixXd& K, const Eigen::VectorXd& y, const Eigen::VectorXd& noise, double s2, double mu,
               const Eigen::MatrixXd& Ks, const Eigen::VectorXd& diag_s) {
  Eigen::MatrixXd A = s2 * K;
  A.diagonal() += noise;
  const Eigen::MatrixXd Ainv = A.inverse();
  const Eigen::VectorXd r = (y.array() - mu).matrix();
  Dense out;
  out.mean = (s2 * Ks * Ainv * r).array() + mu;
  out.var = s2 * diag_s - (s2 * s2 * Ks * Ainv * Ks.transpose()).diagonal();
  out.log_ml = -0.5 * r.dot(Ainv * r) - 0.5 * std::log(A.determinant()) - 0.5 * y.size() * std::log(2 * M_PI);
  return out;
}

}  // namespace

TEST(StructureRegression, EqualsTheDenseGpFormulas) {
  std::mt19937 rng(1);
  const Data d = make_gp_data(12, 6, rng);
  std::uniform_real_distribution<double> u(0.01, 0.5);
  Eigen::VectorXd noise(12);
  for (int i = 0; i < 12; ++i) noise[i] = u(rng);
  for (bool constant_mean : {false, true}) {
    StructureRegressionOptions opt;
    opt.signal_variance = 2.5;
    opt.constant_mean = constant_mean;
    const StructureRegression gp(d.K, d.y, noise, Eigen::VectorXd(), opt);
    const double mu = constant_mean ? d.y.mean() : 0.0;
    EXPECT_NEAR(gp.mean(), mu, 1e-14);
    const Dense ref = dense_gp(d.K, d.y, noise, 2.5, mu, d.Ks, d.diag_s);
    EXPECT_LT((gp.predict_mean(d.Ks) - ref.mean).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_LT((gp.predict_variance(d.Ks, d.diag_s) - ref.var).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_NEAR(gp.log_marginal_likelihood(), ref.log_ml, 1e-9);
    EXPECT_EQ(gp.n_clipped(), 0);
    EXPECT_GT(gp.smallest_eigenvalue(), -1e-12);
    // At a training point with small noise the mean comes close to the target.
    const Eigen::VectorXd at_train = gp.predict_mean(d.K);
    const Dense ref_train = dense_gp(d.K, d.y, noise, 2.5, mu, d.K, d.K.diagonal());
    EXPECT_LT((at_train - ref_train.mean).cwiseAbs().maxCoeff(), 1e-10);
  }
  // Without eigenvalue check (Cholesky only) the same numbers.
  StructureRegressionOptions fast;
  fast.check_eigenvalues = false;
  const StructureRegression gp(d.K, d.y, noise, Eigen::VectorXd(), fast);
  EXPECT_TRUE(std::isnan(gp.smallest_eigenvalue()));
  const Dense ref = dense_gp(d.K, d.y, noise, 1.0, 0.0, d.Ks, d.diag_s);
  EXPECT_LT((gp.predict_mean(d.Ks) - ref.mean).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(StructureRegression, DeltaLearningFitsTheDifferenceToTheBaseline) {
  std::mt19937 rng(2);
  const Data d = make_gp_data(10, 4, rng);
  std::normal_distribution<double> g(0.0, 1.0);
  Eigen::VectorXd b(10), bs(4);
  for (int i = 0; i < 10; ++i) b[i] = 0.8 * d.y[i] + g(rng);
  for (int i = 0; i < 4; ++i) bs[i] = g(rng);
  const Eigen::VectorXd noise = Eigen::VectorXd::Constant(10, 0.05);
  StructureRegressionOptions opt;
  opt.constant_mean = true;
  const StructureRegression delta(d.K, d.y, noise, b, opt);
  const StructureRegression plain_on_difference(d.K, d.y - b, noise, Eigen::VectorXd(), opt);
  const Eigen::VectorXd pred = delta.predict_mean(d.Ks, bs);
  EXPECT_LT((pred - (bs + plain_on_difference.predict_mean(d.Ks))).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR(delta.mean(), (d.y - b).mean(), 1e-14);
  // ...which is not the direct fit of y.
  const StructureRegression direct(d.K, d.y, noise, Eigen::VectorXd(), opt);
  EXPECT_GT((pred - direct.predict_mean(d.Ks)).cwiseAbs().maxCoeff(), 1e-3);
  // The variance does not depend on the targets or the baseline.
  EXPECT_LT((delta.predict_variance(d.Ks, d.diag_s) - direct.predict_variance(d.Ks, d.diag_s)).cwiseAbs().maxCoeff(),
            1e-14);
  EXPECT_THROW(delta.predict_mean(d.Ks), InputError);       // baseline required
  EXPECT_THROW(direct.predict_mean(d.Ks, bs), InputError);  // no baseline in the fit
  EXPECT_THROW(delta.predict_mean(d.Ks, Eigen::VectorXd::Zero(3)), InputError);
}

TEST(StructureRegression, ANoisyPointHasNoInfluence) {
  std::mt19937 rng(3);
  const Data d = make_gp_data(9, 5, rng);
  Eigen::VectorXd noise = Eigen::VectorXd::Constant(9, 0.01);
  noise[4] = 1e14;
  Eigen::VectorXd y2 = d.y;
  y2[4] += 1000.0;  // its target does not matter
  const StructureRegression gp(d.K, d.y, noise), gp2(d.K, y2, noise);
  EXPECT_LT((gp.predict_mean(d.Ks) - gp2.predict_mean(d.Ks)).cwiseAbs().maxCoeff(), 1e-9);
  // ... and the fit equals that without the point.
  std::vector<int> keep = {0, 1, 2, 3, 5, 6, 7, 8};
  Eigen::MatrixXd K8(8, 8), Ks8(5, 8);
  Eigen::VectorXd y8(8);
  for (int a = 0; a < 8; ++a) {
    y8[a] = d.y[keep[a]];
    for (int b = 0; b < 8; ++b) K8(a, b) = d.K(keep[a], keep[b]);
    for (int s = 0; s < 5; ++s) Ks8(s, a) = d.Ks(s, keep[a]);
  }
  const StructureRegression gp8(K8, y8, Eigen::VectorXd::Constant(8, 0.01));
  EXPECT_LT((gp.predict_mean(d.Ks) - gp8.predict_mean(Ks8)).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT((gp.predict_variance(d.Ks, d.diag_s) - gp8.predict_variance(Ks8, d.diag_s)).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_NEAR(gp.weights()[4], 0.0, 1e-12);
}

TEST(StructureRegression, NoiseFromDiscrepancy) {
  Eigen::VectorXd dd(3);
  dd << 0.0, 0.1, 0.3;
  const Eigen::VectorXd s2 = noise_from_discrepancy(dd, 0.02, 0.2);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s2[i], 0.0004 * std::exp(dd[i] * dd[i] / 0.04), 1e-15);
  EXPECT_THROW(noise_from_discrepancy(dd, 0.02, 0.0), InputError);
  EXPECT_THROW(noise_from_discrepancy(dd, -1.0, 0.2), InputError);
}

TEST(StructureRegression, IndefiniteMatchKernelIsClipped) {
  // Match kernels of random structures: find a set whose matrix has a negative eigenvalue.
  std::mt19937 rng(29);
  std::normal_distribution<double> g(0.0, 1.0);
  Eigen::MatrixXd K;
  double lmin = 0;
  for (int attempt = 0; attempt < 200 && lmin > -1e-6; ++attempt) {
    std::vector<StructureEnvironments> set;
    for (int k = 0; k < 14; ++k) {
      StructureEnvironments s;
      const int n = 2 + k % 3;
      s.q.resize(n, 3);
      for (int i = 0; i < n; ++i) {
        for (int c = 0; c < 3; ++c) s.q(i, c) = g(rng);
        s.q.row(i).normalize();
      }
      s.species.assign(n, 6);
      set.push_back(s);
    }
    StructureKernelOptions opt;
    opt.kind = StructureKernelKind::Match;
    K = structure_kernel_matrix(set, nullptr, opt);
    lmin = smallest_eigenvalue(K);
  }
  ASSERT_LT(lmin, -1e-6) << "no indefinite match matrix found";
  const int n = static_cast<int>(K.rows());
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(K);
  const int negative = static_cast<int>((es.eigenvalues().array() < 0).count());
  const Eigen::MatrixXd Kc =
      es.eigenvectors() * es.eigenvalues().cwiseMax(0).asDiagonal() * es.eigenvectors().transpose();
  int n_clip = -1;
  EXPECT_LT((clip_negative_eigenvalues(K, &n_clip) - Kc).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_EQ(n_clip, negative);

  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) y[i] = g(rng);
  const Eigen::VectorXd noise = Eigen::VectorXd::Constant(n, 0.1);
  const Eigen::MatrixXd Ks = K.topRows(4);
  for (bool check : {true, false}) {
    StructureRegressionOptions opt;
    opt.check_eigenvalues = check;
    opt.signal_variance = 1.7;
    const StructureRegression gp(K, y, noise, Eigen::VectorXd(), opt);
    EXPECT_NEAR(gp.smallest_eigenvalue(), es.eigenvalues().minCoeff(), 1e-12);
    EXPECT_EQ(gp.n_clipped(), negative);
    // The solution of the nearest PSD kernel (the cross kernels as given).
    const Dense ref = dense_gp(Kc, y, noise, 1.7, 0.0, Ks, Eigen::VectorXd::Ones(4));
    EXPECT_LT((gp.predict_mean(Ks) - ref.mean).cwiseAbs().maxCoeff(), 1e-10);
    EXPECT_LT((gp.predict_variance(Ks, Eigen::VectorXd::Ones(4)) - ref.var.cwiseMax(0.0)).cwiseAbs().maxCoeff(), 1e-10);
    if (!check) break;
  }
}

TEST(StructureRegression, FallsBackToClippingWhenCholeskyFails) {
  // A strongly indefinite matrix with small noise: Cholesky fails, the clipped fit is used.
  Eigen::MatrixXd K(3, 3);
  K << 1, 0.99, -0.9, 0.99, 1, 0.99, -0.9, 0.99, 1;
  ASSERT_LT(smallest_eigenvalue(K), -0.5);
  StructureRegressionOptions opt;
  opt.check_eigenvalues = false;
  const StructureRegression gp(K, Eigen::Vector3d(1, 2, 3), Eigen::VectorXd::Constant(3, 1e-3), Eigen::VectorXd(), opt);
  EXPECT_EQ(gp.n_clipped(), 1);
  EXPECT_LT(gp.smallest_eigenvalue(), -0.5);
}

TEST(StructureRegression, ErrorsAreClear) {
  const Eigen::MatrixXd K = Eigen::MatrixXd::Identity(3, 3);
  const Eigen::VectorXd y = Eigen::Vector3d(1, 2, 3), noise = Eigen::VectorXd::Constant(3, 0.1);
  auto message = [](auto&& f) { return input_error_message(f); };
  EXPECT_NE(message([&] { StructureRegression(K, Eigen::Vector2d(1, 2), noise); }).find("y:"), std::string::npos);
  EXPECT_NE(message([&] { StructureRegression(K, y, -noise); }).find("noise_variance"), std::string::npos);
  EXPECT_NE(message([&] { StructureRegression(Eigen::MatrixXd::Ones(3, 2), y, noise); }).find("square"),
            std::string::npos);
  Eigen::MatrixXd A = K;
  A(0, 1) = 0.5;
  EXPECT_NE(message([&] { StructureRegression(A, y, noise); }).find("symmetric"), std::string::npos);
  EXPECT_NE(message([&] {
              StructureRegression(Eigen::MatrixXd::Ones(3, 3), y, Eigen::VectorXd::Zero(3));
            }).find("positive definite"),
            std::string::npos);
  const StructureRegression gp(K, y, noise);
  EXPECT_THROW(gp.predict_mean(Eigen::MatrixXd::Zero(2, 2)), InputError);
  EXPECT_THROW(gp.predict_variance(Eigen::MatrixXd::Zero(2, 3), Eigen::VectorXd::Ones(3)), InputError);
}
