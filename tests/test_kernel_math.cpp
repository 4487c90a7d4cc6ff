// Tests of the scalar kernel mathematics (kernels/kernel_math.h): the host kernels (kernel.cpp)
// and the distance_2b descriptor are built on these functions and must agree with them bit for
// bit where they evaluate the same expression; derivatives against finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "descriptors/cutoff_function.h"
#include "descriptors/distance_2b.h"
#include "kernels/kernel.h"
#include "kernels/kernel_math.h"
#include "neighbours/neighbour_list.h"
#include "test_structures.h"

namespace {

namespace km = soapgap::kernel_math;
using soapgap::RowMatrix;

RowMatrix random_rows(int n, int d, unsigned seed, bool normalise) {
  std::srand(seed);
  RowMatrix A = RowMatrix::Random(n, d);
  if (normalise)
    for (int i = 0; i < n; ++i) A.row(i).normalize();
  return A;
}

double rel(double a, double b) { return std::abs(a - b) / std::max(1e-300, std::abs(b)); }

TEST(KernelMath, IpowMatchesPow) {
  for (double x : {-1.7, -0.3, 0.0, 0.4, 0.999, 2.5})
    for (int n = 0; n <= 12; ++n) {
      const double ref = std::pow(x, n);
      EXPECT_LE(std::abs(km::ipow(x, n) - ref), 2e-15 * std::abs(ref)) << x << "^" << n;  // a few ulp
    }
  EXPECT_EQ(km::ipow(3.0, 5), 243.0);
  EXPECT_EQ(km::ipow(-2.0, 7), -128.0);
  EXPECT_EQ(km::ipow(0.0, 0), 1.0);
}

TEST(KernelMath, DotProductDerivativeAndPower) {
  const double d2 = 2.25;
  for (int zeta : {1, 2, 3, 4, 7})
    for (double g : {-0.8, 0.1, 0.55, 0.93}) {
      double dk;
      const double k = km::dot_product_kernel(d2, zeta, g, &dk);
      EXPECT_LE(rel(k, d2 * std::pow(g, zeta)), 1e-15);
      EXPECT_LE(rel(k, km::dot_product_kernel(d2, zeta, g)), 1e-15);
      EXPECT_LE(rel(dk, d2 * zeta * std::pow(g, zeta - 1)), 1e-15);
      const double h = 1e-6;
      const double fd = (km::dot_product_kernel(d2, zeta, g + h) - km::dot_product_kernel(d2, zeta, g - h)) / (2 * h);
      EXPECT_NEAR(dk, fd, 1e-8 * std::max(1.0, std::abs(dk)));
      const double p = km::dot_product_power(zeta, g);
      EXPECT_EQ(d2 * p * g, k);  // the same rounding as the value-and-derivative form
      EXPECT_EQ(d2 * zeta * p, dk);
    }
}

TEST(KernelMath, SquaredExponentialDerivative) {
  const double d2 = 0.7, theta = 0.45, f = km::squared_exponential_factor(theta);
  EXPECT_EQ(f, 0.5 / (theta * theta));
  EXPECT_EQ(km::squared_exponential_gradient_factor(f, 1.0), -1.0 / (theta * theta));
  for (double u : {-1.1, -0.2, 0.0, 0.3, 0.9}) {
    const double k = km::squared_exponential_kernel(d2, f, u * u);
    EXPECT_LE(rel(k, d2 * std::exp(-u * u / (2 * theta * theta))), 1e-15);
    const double h = 1e-6;
    const double fd = (km::squared_exponential_kernel(d2, f, (u + h) * (u + h)) -
                       km::squared_exponential_kernel(d2, f, (u - h) * (u - h))) /
                      (2 * h);
    EXPECT_NEAR(km::squared_exponential_gradient_factor(f, k) * u, fd, 1e-9);
  }
}

// The library's dot-product kernel evaluates the scalar functions element by element.
TEST(KernelMath, DotProductKernelClassUsesScalarFunctions) {
  for (int zeta : {1, 2, 4, 5}) {
    const double delta = 1.3, d2 = delta * delta;
    soapgap::DotProductKernel kernel(delta, zeta);
    const RowMatrix Q = random_rows(6, 9, 11, true);
    const RowMatrix Xr = random_rows(5, 9, 12, true);
    const Eigen::MatrixXd X = Xr;
    Eigen::VectorXd beta = Eigen::VectorXd::LinSpaced(5, -0.7, 1.3);

    Eigen::MatrixXd K;
    kernel.matrix(Q, X, K);
    Eigen::MatrixXd G = Q * X.transpose();
    for (int i = 0; i < Q.rows(); ++i)
      for (int s = 0; s < X.rows(); ++s) EXPECT_EQ(K(i, s), km::dot_product_kernel(d2, zeta, G(i, s)));

    for (int i = 0; i < Q.rows(); ++i) {
      Eigen::VectorXd k;
      Eigen::MatrixXd dK;
      kernel.gradients(Q.row(i), X, k, dK);
      const Eigen::VectorXd g = X * Q.row(i).transpose();
      for (int s = 0; s < X.rows(); ++s) {
        double dk;
        EXPECT_EQ(k[s], km::dot_product_kernel(d2, zeta, g[s], &dk));
        for (int d = 0; d < X.cols(); ++d) EXPECT_EQ(dK(d, s), X(s, d) * dk);
      }
    }

    Eigen::VectorXd eps;
    RowMatrix Grad;
    kernel.values_and_gradients(Q, X, beta, eps, Grad);
    for (int i = 0; i < Q.rows(); ++i) {
      double e = 0.0;
      Eigen::RowVectorXd grad = Eigen::RowVectorXd::Zero(X.cols());
      for (int s = 0; s < X.rows(); ++s) {
        double dk;
        e += beta[s] * km::dot_product_kernel(d2, zeta, G(i, s), &dk);
        grad += beta[s] * dk * X.row(s);
      }
      EXPECT_NEAR(eps[i], e, 1e-14 * std::max(1.0, std::abs(e)));
      for (int d = 0; d < X.cols(); ++d)
        EXPECT_NEAR(Grad(i, d), grad[d], 1e-14 * std::max(1.0, grad.cwiseAbs().maxCoeff()));
    }
  }
}

TEST(KernelMath, SquaredExponentialKernelClassUsesScalarFunctions) {
  for (int dim : {1, 3}) {
    const double delta = 0.6, theta = 0.5, d2 = delta * delta, f = km::squared_exponential_factor(theta);
    soapgap::SquaredExponentialKernel kernel(delta, theta);
    const RowMatrix Q = random_rows(7, dim, 21, false);
    const Eigen::MatrixXd X = random_rows(4, dim, 22, false);
    Eigen::VectorXd beta = Eigen::VectorXd::LinSpaced(4, 0.9, -1.2);

    Eigen::MatrixXd K;
    kernel.matrix(Q, X, K);
    for (int i = 0; i < Q.rows(); ++i)
      for (int s = 0; s < X.rows(); ++s)
        EXPECT_EQ(K(i, s), km::squared_exponential_kernel(d2, f, (Q.row(i) - X.row(s)).squaredNorm()));

    for (int i = 0; i < Q.rows(); ++i) {
      Eigen::VectorXd k;
      Eigen::MatrixXd dK;
      kernel.gradients(Q.row(i), X, k, dK);
      for (int s = 0; s < X.rows(); ++s) {
        EXPECT_EQ(k[s], K(i, s));
        const double c = km::squared_exponential_gradient_factor(f, k[s]);
        for (int d = 0; d < dim; ++d) EXPECT_EQ(dK(d, s), c * (Q(i, d) - X(s, d)));
      }
    }

    Eigen::VectorXd eps;
    RowMatrix Grad;
    kernel.values_and_gradients(Q, X, beta, eps, Grad);
    for (int i = 0; i < Q.rows(); ++i) {
      double e = 0.0;
      Eigen::RowVectorXd grad = Eigen::RowVectorXd::Zero(dim);
      for (int s = 0; s < X.rows(); ++s) {
        e += beta[s] * K(i, s);
        grad += beta[s] * km::squared_exponential_gradient_factor(f, K(i, s)) * (Q.row(i) - X.row(s));
      }
      EXPECT_NEAR(eps[i], e, 1e-14 * std::max(1.0, std::abs(e)));
      for (int d = 0; d < dim; ++d) EXPECT_NEAR(Grad(i, d), grad[d], 1e-13 * std::max(1.0, grad.cwiseAbs().maxCoeff()));
    }
  }
}

// E(r) = f_cut(|r|) eps(|r|) with eps a sum of squared-exponential kernels (what the Kokkos pair
// term evaluates per neighbour): distance_2b_gradient against central differences.
TEST(KernelMath, Distance2bGradientFiniteDifferences) {
  const double rc = 4.0, w = 1.0, d2 = 0.8, f = km::squared_exponential_factor(0.5);
  const double xs[3] = {2.2, 2.9, 3.6}, alpha[3] = {0.4, -0.3, 0.25};
  auto energy = [&](const double* r, double* g) {
    const double len = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double fc, dfc;
    soapgap::cutoff_function(len, rc, w, &fc, &dfc);
    double eps = 0.0, deps = 0.0;
    for (int s = 0; s < 3; ++s) {
      const double u = len - xs[s], k = km::squared_exponential_kernel(d2, f, u * u);
      eps += alpha[s] * k;
      deps += alpha[s] * km::squared_exponential_gradient_factor(f, k) * u;
    }
    if (g) km::distance_2b_gradient(r, len, fc * deps, eps, dfc, g);
    return fc * eps;
  };
  for (const auto& r0 : {std::array<double, 3>{1.2, -1.5, 0.9}, std::array<double, 3>{2.0, 1.9, -1.4},
                         std::array<double, 3>{0.3, 2.4, 0.2}}) {
    double g[3];
    energy(r0.data(), g);
    for (int d = 0; d < 3; ++d) {
      const double h = 1e-6;
      std::array<double, 3> rp = r0, rm = r0;
      rp[d] += h;
      rm[d] -= h;
      const double fd = (energy(rp.data(), nullptr) - energy(rm.data(), nullptr)) / (2 * h);
      EXPECT_NEAR(g[d], fd, 1e-8);
    }
  }
}

// The distance_2b descriptor's reverse pass is distance_2b_gradient per neighbour-list entry.
TEST(KernelMath, Distance2bBackpropagateUsesScalarFunction) {
  soapgap::Structure s = soapgap::testing::diamond();
  soapgap::testing::rattle(s, 0.1, 5);
  soapgap::Distance2bParameters p;
  p.cutoff = 3.0;
  p.cutoff_transition_width = 0.8;
  p.species = {14};
  soapgap::Distance2bDescriptor desc(p);
  soapgap::NeighbourList nl(s, p.cutoff);
  const soapgap::Environments env = desc.compute(s, nl);
  ASSERT_GT(env.size(), 0);
  RowMatrix dE_dq(env.size(), 1);
  Eigen::VectorXd dE_dw(env.size());
  for (int e = 0; e < env.size(); ++e) {
    dE_dq(e, 0) = std::sin(1.0 + e);
    dE_dw[e] = std::cos(2.0 * e);
  }
  soapgap::MatrixX3 dE_dr = soapgap::MatrixX3::Zero(nl.n_entries(), 3);
  desc.backpropagate(s, nl, env, dE_dq, dE_dw, dE_dr);
  for (int e = 0; e < env.size(); ++e) {
    const int k = env.tag[e];
    double fc, dfc, g[3];
    soapgap::cutoff_function(nl.distance(k), p.cutoff, p.cutoff_transition_width, &fc, &dfc);
    km::distance_2b_gradient(nl.r(k).data(), nl.distance(k), dE_dq(e, 0), dE_dw[e], dfc, g);
    for (int d = 0; d < 3; ++d) EXPECT_EQ(dE_dr(k, d), 0.0 + g[d]);
  }
}

// contracted_gradients (the fit's batched form) equals dK^T A built from gradients(), for the
// dot-product override and the squared-exponential default, with uneven column blocks.
TEST(KernelMath, ContractedGradientsEqualGradientsTimesDirections) {
  const soapgap::DotProductKernel dot(1.3, 4);
  const soapgap::SquaredExponentialKernel se(0.6, 0.5);
  for (const soapgap::Kernel* kernel :
       {static_cast<const soapgap::Kernel*>(&dot), static_cast<const soapgap::Kernel*>(&se)}) {
    const RowMatrix Q = random_rows(4, 7, 31, true);
    const Eigen::MatrixXd X = random_rows(5, 7, 32, true);
    const std::vector<Eigen::Index> col_start{0, 3, 3, 9, 11};
    const Eigen::MatrixXd A = random_rows(7, 11, 33, false);
    Eigen::MatrixXd K, T;
    kernel->contracted_gradients(Q, X, A, col_start, K, T);
    ASSERT_EQ(K.rows(), 5);
    ASSERT_EQ(K.cols(), 4);
    ASSERT_EQ(T.rows(), 5);
    ASSERT_EQ(T.cols(), 11);
    for (Eigen::Index e = 0; e < Q.rows(); ++e) {
      Eigen::VectorXd k;
      Eigen::MatrixXd dK;
      kernel->gradients(Q.row(e), X, k, dK);
      const Eigen::Index c0 = col_start[e], c = col_start[e + 1] - c0;
      const Eigen::MatrixXd expected = dK.transpose() * A.middleCols(c0, c);
      for (Eigen::Index s = 0; s < X.rows(); ++s) {
        EXPECT_NEAR(K(s, e), k[s], 1e-14 * std::max(1.0, std::abs(k[s]))) << kernel->name();
        for (Eigen::Index j = 0; j < c; ++j)
          EXPECT_NEAR(T(s, c0 + j), expected(s, j), 1e-13 * std::max(1.0, expected.cwiseAbs().maxCoeff()))
              << kernel->name();
      }
    }
  }
}

}  // namespace
