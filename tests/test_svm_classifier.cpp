// The SMO support-vector classifier on precomputed kernels: separable and overlapping sets, KKT
// conditions, a known two-point solution, indefinite kernels, errors.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>

#include "core/error.h"
#include "input_error_message.h"
#include "structure/svm_classifier.h"

using namespace soapgap;

namespace {

struct Blobs {
  Eigen::MatrixXd X;  // n x 2
  Eigen::VectorXd y;
};

Blobs blobs(int n_per_class, double separation, std::mt19937& rng) {
  std::normal_distribution<double> g(0.0, 1.0);
  Blobs b;
  b.X.resize(2 * n_per_class, 2);
  b.y.resize(2 * n_per_class);
  for (int i = 0; i < 2 * n_per_class; ++i) {
    const double s = i % 2 == 0 ? 1.0 : -1.0;
    b.X(i, 0) = s * separation / 2 + g(rng);
    b.X(i, 1) = 0.5 * s + g(rng);
    b.y[i] = s;
  }
  return b;
}

Eigen::MatrixXd rbf(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, double width) {
  Eigen::MatrixXd K(A.rows(), B.rows());
  for (int i = 0; i < A.rows(); ++i)
    for (int j = 0; j < B.rows(); ++j) K(i, j) = std::exp(-(A.row(i) - B.row(j)).squaredNorm() / (2 * width * width));
  return K;
}

// The KKT conditions of the C-SVC at (a, b): y z >= 1 at a = 0, y z = 1 for 0 < a < C, y z <= 1
// at a = C, sum y a = 0, 0 <= a <= C.
void expect_kkt(const Eigen::MatrixXd& K, const Eigen::VectorXd& y, const SvmModel& m, double C, double tol) {
  const Eigen::VectorXd z = svm_decision_function(m, K);
  const Eigen::VectorXd a = m.dual_coef.cwiseProduct(y);
  EXPECT_NEAR(m.dual_coef.sum(), 0.0, 1e-10);
  for (int t = 0; t < K.rows(); ++t) {
    EXPECT_GE(a[t], 0.0);
    EXPECT_LE(a[t], C);
    const double yz = y[t] * z[t];
    if (a[t] == 0)
      EXPECT_GE(yz, 1 - tol) << t;
    else if (a[t] == C)
      EXPECT_LE(yz, 1 + tol) << t;
    else
      EXPECT_NEAR(yz, 1.0, tol) << t;
  }
  EXPECT_LE(m.kkt_gap, tol);
}

}  // namespace

TEST(SvmClassifier, TwoPointsHaveTheKnownSolution) {
  // x = +1 (y = +1) and x = -1 (y = -1), linear kernel: w = 1, b = 0, a = 1/2 each.
  Eigen::MatrixXd K(2, 2);
  K << 1, -1, -1, 1;
  SvmOptions opt;
  opt.C = 10;
  const SvmModel m = fit_svm_classifier(K, Eigen::Vector2d(1, -1), opt);
  EXPECT_NEAR(m.dual_coef[0], 0.5, 1e-12);
  EXPECT_NEAR(m.dual_coef[1], -0.5, 1e-12);
  EXPECT_NEAR(m.bias, 0.0, 1e-12);
  EXPECT_EQ(m.support, (std::vector<int>{0, 1}));
  EXPECT_NEAR(m.objective, -0.5, 1e-12);  // 1/2 |w|^2 - sum a
}

TEST(SvmClassifier, SeparableBlobsAreClassifiedPerfectly) {
  std::mt19937 rng(4);
  const Blobs train = blobs(30, 8.0, rng), test = blobs(50, 8.0, rng);
  for (const char* kernel : {"linear", "rbf"}) {
    const bool lin = std::string(kernel) == "linear";
    const Eigen::MatrixXd K = lin ? Eigen::MatrixXd(train.X * train.X.transpose()) : rbf(train.X, train.X, 2.0);
    const Eigen::MatrixXd Ks = lin ? Eigen::MatrixXd(test.X * train.X.transpose()) : rbf(test.X, train.X, 2.0);
    SvmOptions opt;
    opt.C = 1000;
    opt.tolerance = 1e-9;
    const SvmModel m = fit_svm_classifier(K, train.y, opt);
    expect_kkt(K, train.y, m, opt.C, 1e-7);
    const Eigen::VectorXd z = svm_decision_function(m, K), zs = svm_decision_function(m, Ks);
    for (int t = 0; t < K.rows(); ++t) EXPECT_GT(train.y[t] * z[t], 0) << kernel << " train " << t;
    for (int t = 0; t < Ks.rows(); ++t) EXPECT_GT(test.y[t] * zs[t], 0) << kernel << " test " << t;
    EXPECT_LT(m.support.size(), 15u) << kernel;  // a few support vectors
    if (lin) {
      // Hard margin: the support vectors lie on the margins, none inside.
      for (int s : m.support) EXPECT_NEAR(train.y[s] * z[s], 1.0, 1e-7);
    }
  }
}

TEST(SvmClassifier, OverlappingClassesSatisfyKkt) {
  std::mt19937 rng(5);
  const Blobs train = blobs(40, 1.5, rng);
  const Eigen::MatrixXd K = rbf(train.X, train.X, 1.0);
  for (double C : {0.1, 1.0, 10.0}) {
    SvmOptions opt;
    opt.C = C;
    opt.tolerance = 1e-8;
    const SvmModel m = fit_svm_classifier(K, train.y, opt);
    expect_kkt(K, train.y, m, C, 1e-6);
    int at_bound = 0;
    for (int s : m.support) at_bound += std::abs(std::abs(m.dual_coef[s]) - C) == 0;
    EXPECT_GT(at_bound, 0) << "overlapping classes leave margin violators at C = " << C;
  }
}

TEST(SvmClassifier, IndefiniteKernelConvergesToAKktPoint) {
  // A symmetric matrix with negative eigenvalues (unit diagonal, like a normalised match kernel).
  std::mt19937 rng(6);
  std::uniform_real_distribution<double> u(-0.2, 0.9);
  const int n = 20;
  Eigen::MatrixXd K = Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    y[i] = i % 2 ? 1.0 : -1.0;
    for (int j = 0; j < i; ++j) K(i, j) = K(j, i) = u(rng);
  }
  ASSERT_LT(Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(K).eigenvalues().minCoeff(), -0.1);
  SvmOptions opt;
  opt.C = 2.0;
  opt.tolerance = 1e-8;
  const SvmModel m = fit_svm_classifier(K, y, opt);
  expect_kkt(K, y, m, opt.C, 1e-6);
}

TEST(SvmClassifier, ErrorsAreClear) {
  const Eigen::MatrixXd K = Eigen::MatrixXd::Identity(3, 3);
  auto message = [](auto&& f) { return input_error_message(f); };
  EXPECT_NE(message([&] { fit_svm_classifier(K, Eigen::Vector3d(1, -1, 0)); }).find("labels"), std::string::npos);
  EXPECT_NE(message([&] { fit_svm_classifier(K, Eigen::Vector3d(1, 1, 1)); }).find("both classes"), std::string::npos);
  EXPECT_NE(message([&] { fit_svm_classifier(K, Eigen::Vector2d(1, -1)); }).find("labels"), std::string::npos);
  SvmOptions bad;
  bad.C = 0;
  EXPECT_NE(message([&] { fit_svm_classifier(K, Eigen::Vector3d(1, -1, 1), bad); }).find("C must"), std::string::npos);
  std::mt19937 rng(7);
  const Blobs b = blobs(20, 1.0, rng);
  SvmOptions few;
  few.max_iterations = 2;
  few.tolerance = 1e-12;
  EXPECT_NE(message([&] { fit_svm_classifier(rbf(b.X, b.X, 1.0), b.y, few); }).find("did not converge"),
            std::string::npos);
  const SvmModel m = fit_svm_classifier(K, Eigen::Vector3d(1, -1, 1));
  EXPECT_THROW(svm_decision_function(m, Eigen::MatrixXd::Zero(1, 2)), InputError);
}
