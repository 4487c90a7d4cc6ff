// Tests of the per-atom SOAP mathematics (descriptors/soap_math.h).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "descriptors/soap_math.h"

namespace {

using namespace soapgap::soap_math;
using soapgap::cutoff_function;

// Gauss-Legendre nodes and weights on [-1, 1] by Newton iteration on P_n.
void gauss_legendre(int n, std::vector<double>& x, std::vector<double>& w) {
  x.resize(n);
  w.resize(n);
  for (int i = 0; i < n; ++i) {
    double z = std::cos(kPi * (i + 0.75) / (n + 0.5)), dp = 0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1, p1 = z;
      for (int k = 2; k <= n; ++k) {
        double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (z * p1 - p0) / (z * z - 1);
      double dz = p1 / dp;
      z -= dz;
      if (std::abs(dz) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
}

std::vector<double> table(int l_max) {
  std::vector<double> t(ylm_table_size(l_max));
  ylm_table_init(l_max, t.data());
  return t;
}

TEST(SoapMath, SphericalHarmonicsOrthonormal) {
  for (int l_max : {4, 12, 20}) {
    const int nlm = n_lm(l_max);
    auto tab = table(l_max);
    std::vector<double> zx, zw;
    gauss_legendre(l_max + 2, zx, zw);
    const int nphi = 2 * l_max + 3;
    std::vector<double> gram(nlm * nlm, 0.0), Y(nlm);
    for (size_t i = 0; i < zx.size(); ++i)
      for (int j = 0; j < nphi; ++j) {
        const double phi = 2 * kPi * (j + 0.3) / nphi, s = std::sqrt(1 - zx[i] * zx[i]);
        const double r[3] = {2.5 * s * std::cos(phi), 2.5 * s * std::sin(phi), 2.5 * zx[i]};
        spherical_harmonics(l_max, tab.data(), r, Y.data(), nullptr);
        const double w = zw[i] * 2 * kPi / nphi;
        for (int a = 0; a < nlm; ++a)
          for (int b = 0; b < nlm; ++b) gram[a * nlm + b] += w * Y[a] * Y[b];
      }
    double worst = 0;
    for (int a = 0; a < nlm; ++a)
      for (int b = 0; b < nlm; ++b) worst = std::max(worst, std::abs(gram[a * nlm + b] - (a == b ? 1.0 : 0.0)));
    EXPECT_LT(worst, 1e-13) << "l_max=" << l_max;
  }
}

TEST(SoapMath, SphericalHarmonicsExplicitLowOrders) {
  auto tab = table(2);
  std::mt19937 rng(1);
  std::normal_distribution<double> g;
  for (int t = 0; t < 20; ++t) {
    double r[3] = {g(rng), g(rng), g(rng)};
    const double n = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    const double x = r[0] / n, y = r[1] / n, z = r[2] / n;
    double Y[9];
    spherical_harmonics(2, tab.data(), r, Y, nullptr);
    const double c0 = 0.5 / std::sqrt(kPi), c1 = std::sqrt(3 / (4 * kPi)), c2 = 0.5 * std::sqrt(15 / kPi);
    const double expected[9] = {c0,
                                c1 * y,
                                c1 * z,
                                c1 * x,
                                c2 * x * y,
                                c2 * y * z,
                                0.25 * std::sqrt(5 / kPi) * (3 * z * z - 1),
                                c2 * x * z,
                                0.5 * c2 * (x * x - y * y)};
    for (int i = 0; i < 9; ++i) EXPECT_NEAR(Y[i], expected[i], 1e-15) << "lm=" << i;
  }
}

TEST(SoapMath, SphericalHarmonicsGradient) {
  const int l_max = 12, nlm = n_lm(l_max);
  auto tab = table(l_max);
  std::mt19937 rng(2);
  std::normal_distribution<double> g;
  std::vector<std::array<double, 3>> points;
  for (int t = 0; t < 10; ++t) points.push_back({g(rng), g(rng), g(rng)});
  points.push_back({1e-9, -2e-9, 1.3});  // next to the north pole
  points.push_back({0.0, 0.0, -0.7});    // on the south pole
  points.push_back({3.0, 0.0, 0.0});     // on the equator, phi = 0
  std::vector<double> Y(nlm), dY(3 * nlm), Yp(nlm), Ym(nlm);
  for (auto p : points) {
    spherical_harmonics(l_max, tab.data(), p.data(), Y.data(), dY.data());
    const double rn = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
    const double h = 1e-6 * rn;
    for (int d = 0; d < 3; ++d) {
      auto pp = p, pm = p;
      pp[d] += h;
      pm[d] -= h;
      spherical_harmonics(l_max, tab.data(), pp.data(), Yp.data(), nullptr);
      spherical_harmonics(l_max, tab.data(), pm.data(), Ym.data(), nullptr);
      for (int i = 0; i < nlm; ++i) {
        const double fd = (Yp[i] - Ym[i]) / (2 * h);
        EXPECT_NEAR(dY[3 * i + d], fd, 2e-7 / rn) << "lm=" << i << " d=" << d;
      }
    }
    // The gradient is tangential: r . grad Y = 0.
    for (int i = 0; i < nlm; ++i)
      EXPECT_NEAR(p[0] * dY[3 * i] + p[1] * dY[3 * i + 1] + p[2] * dY[3 * i + 2], 0.0, 1e-12);
  }
}

// Reference exp(-x) i_l(x) from the positive power series summed in long double.
long double bessel_reference(int l, long double x) {
  if (x == 0) return l == 0 ? 1.0L : 0.0L;
  long double logpref = l * std::log(x) - x;
  for (int k = 1; k <= l; ++k) logpref -= std::log(2.0L * k + 1);
  long double t = 1, s = 1;
  const long double y = x * x / 2;
  for (int k = 1; k < 100000; ++k) {
    t *= y / (k * (2.0L * l + 2.0L * k + 1));
    s += t;
    if (t < 1e-24L * s && k > x) break;
  }
  return std::exp(logpref + std::log(s));
}

TEST(SoapMath, BesselClosedFormsAndSeries) {
  const int L1 = 21;
  std::vector<double> ib(L1 + 1);
  for (double x : {0.0, 1e-8, 1e-3, 0.5, 0.999, 1.0, 2.0, 5.0, 19.0, 50.0, 95.0, 231.0, 232.0, 500.0, 5000.0}) {
    bessel_scaled(L1, x, ib.data());
    if (x > 0) {
      const double i0 = -std::expm1(-2 * x) / (2 * x);
      EXPECT_NEAR(ib[0], i0, 2e-16 * i0) << "x=" << x;
      if (x >= 0.5) {  // the closed form cancels badly at small x
        const double i1 = (x * (1 + std::exp(-2 * x)) / 2 + std::expm1(-2 * x) / 2) / (x * x);
        EXPECT_NEAR(ib[1], i1, 2e-15 * i1 / std::min(x * x, 1.0)) << "x=" << x;
      }
    } else {
      EXPECT_EQ(ib[0], 1.0);
      for (int l = 1; l <= L1; ++l) EXPECT_EQ(ib[l], 0.0);
      continue;
    }
    for (int l = 0; l <= L1; ++l) {
      ASSERT_TRUE(std::isfinite(ib[l]));
      const double ref = static_cast<double>(bessel_reference(l, x));
      if (ref < 1e-290) continue;  // below double's normal range
      EXPECT_NEAR(ib[l], ref, 4e-15 * ref) << "l=" << l << " x=" << x;
    }
  }
  // Independent 40-digit references (mpmath).
  struct Ref {
    int l;
    double x, value;
  } refs[] = {{0, 0.5, 0.6321205588285576784},        {3, 0.001, 9.5142910031752763957e-12},
              {12, 50, 0.0020857361392923768617},     {13, 7.5, 1.5784282068304398734e-6},
              {20, 5000, 0.000095886580893704551251}, {21, 95, 0.00046151577205677833201},
              {5, 1e-8, 9.6200095238095243275e-45},   {21, 1, 6.5971600738432389075e-28}};
  for (const Ref& r : refs) {
    bessel_scaled(21, r.x, ib.data());
    EXPECT_NEAR(ib[r.l], r.value, 4e-15 * r.value) << "l=" << r.l << " x=" << r.x;
  }
}

TEST(SoapMath, BesselManyMatchesSingle) {
  for (int L1 : {1, 5, 13, 21}) {
    std::vector<double> xs = {0.0, 1e-8, 0.7, 1.0, 1.5, 3.0, 9.0, 19.9, 20.1, 47.0, 90.0, 92.0, 230.0, 233.0, 800.0};
    for (int i = 0; i < 40; ++i) xs.push_back(0.37 * i * i);  // more than one chunk of 32
    const int count = static_cast<int>(xs.size());
    std::vector<double> many(count * (L1 + 1)), work(bessel_many_work_size(L1, count)), one(L1 + 1);
    bessel_scaled_many(L1, count, xs.data(), many.data(), work.data());
    for (int i = 0; i < count; ++i) {
      bessel_scaled(L1, xs[i], one.data());
      for (int l = 0; l <= L1; ++l) {
        ASSERT_TRUE(std::isfinite(many[i * (L1 + 1) + l]));
        EXPECT_NEAR(many[i * (L1 + 1) + l], one[l], 3e-15 * one[l]) << "L1=" << L1 << " x=" << xs[i] << " l=" << l;
        const double ref = static_cast<double>(bessel_reference(l, xs[i]));
        if (ref > 1e-290) {
          EXPECT_NEAR(many[i * (L1 + 1) + l], ref, 4e-15 * ref) << "x=" << xs[i] << " l=" << l;
        }
      }
    }
  }
}

TEST(SoapMath, BesselDerivative) {
  const int L = 14;
  std::vector<double> ib(L + 2), dib(L + 1), ip(L + 2), im(L + 2);
  bessel_scaled(L + 1, 0.0, ib.data());
  bessel_scaled_derivative(L, ib.data(), dib.data());
  EXPECT_DOUBLE_EQ(dib[0], -1.0);
  EXPECT_NEAR(dib[1], 1.0 / 3.0, 1e-16);
  for (int l = 2; l <= L; ++l) EXPECT_EQ(dib[l], 0.0);
  for (double x : {1e-3, 0.3, 0.99, 1.01, 3.0, 20.5, 60.0, 104.0, 106.0, 400.0}) {
    bessel_scaled(L + 1, x, ib.data());
    bessel_scaled_derivative(L, ib.data(), dib.data());
    // Five-point stencil with a step relative to x (i_l ~ x^l at small x).
    const double h = 1e-3 * x;
    std::vector<double> ip2(L + 2), im2(L + 2);
    bessel_scaled(L + 1, x + h, ip.data());
    bessel_scaled(L + 1, x - h, im.data());
    bessel_scaled(L + 1, x + 2 * h, ip2.data());
    bessel_scaled(L + 1, x - 2 * h, im2.data());
    for (int l = 0; l <= L; ++l) {
      const double fd = (8 * (ip[l] - im[l]) - (ip2[l] - im2[l])) / (12 * h);
      EXPECT_NEAR(dib[l], fd, 1e-8 * std::abs(fd) + 1e-8 * ib[l] / std::max(x, 1.0) + 1e-300)
          << "l=" << l << " x=" << x;
    }
  }
}

TEST(SoapMath, CutoffFunction) {
  const double rc = 5.0, w = 0.7;
  double f, df;
  cutoff_function(1.0, rc, w, &f, &df);
  EXPECT_EQ(f, 1.0);
  EXPECT_EQ(df, 0.0);
  cutoff_function(rc, rc, w, &f, &df);
  EXPECT_EQ(f, 0.0);
  cutoff_function(7.0, rc, w, &f, &df);
  EXPECT_EQ(f, 0.0);
  cutoff_function(rc - w / 2, rc, w, &f, &df);
  EXPECT_NEAR(f, 0.5, 1e-15);
  EXPECT_NEAR(df, -0.5 * kPi / w, 1e-14);
  // Continuity of f and f' at both ends of the transition region.
  for (double r0 : {rc - w, rc}) {
    double fa, dfa, fb, dfb;
    cutoff_function(r0 - 1e-9, rc, w, &fa, &dfa);
    cutoff_function(r0 + 1e-9, rc, w, &fb, &dfb);
    EXPECT_NEAR(fa, fb, 1e-8);
    EXPECT_NEAR(dfa, dfb, 1e-7);
  }
  for (double r = rc - w + 0.01; r < rc; r += 0.05) {
    double fp, fm, d;
    cutoff_function(r, rc, w, &f, &df);
    cutoff_function(r + 1e-6, rc, w, &fp, &d);
    cutoff_function(r - 1e-6, rc, w, &fm, &d);
    EXPECT_NEAR(df, (fp - fm) / 2e-6, 1e-8);
    EXPECT_GE(f, 0.0);
    EXPECT_LE(f, 1.0);
  }
  // w = 0: a step.
  cutoff_function(rc - 1e-12, rc, 0.0, &f, &df);
  EXPECT_EQ(f, 1.0);
  cutoff_function(rc, rc, 0.0, &f, &df);
  EXPECT_EQ(f, 0.0);
}

// A small descriptor's tables built by hand (W = identity: the functions here do not care).
struct Tables {
  std::vector<double> centres, W, central, ylm;
  SoapMath P;
  Tables(int n_max, int l_max, int n_species) {
    for (int n = 0; n < n_max; ++n) centres.push_back(4.5 * (n + 0.5) / n_max);
    W.assign(n_max * n_max, 0.0);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0.5, 1.5);
    for (int n = 0; n < n_max; ++n)
      for (int k = 0; k <= n; ++k) W[n * n_max + k] = u(rng) * (n == k ? 1.0 : -0.3);
    central.assign(n_max, 0.1);
    ylm.resize(ylm_table_size(l_max));
    ylm_table_init(l_max, ylm.data());
    P.n_max = n_max;
    P.l_max = l_max;
    P.n_species = n_species;
    P.cutoff = 4.5;
    P.width = 0.8;
    P.alpha = 1 / (2 * 0.45 * 0.45);
    P.centres = centres.data();
    P.W = W.data();
    P.central = central.data();
    P.ylm_table = ylm.data();
  }
};

TEST(SoapMath, PowerSpectrumSizeAndOrder) {
  EXPECT_EQ(power_spectrum_size(1, 10, 12), 715);
  EXPECT_EQ(power_spectrum_size(2, 10, 12), 2 * 55 * 13 + 100 * 13);
  EXPECT_EQ(power_spectrum_size(3, 4, 3), (3 * 10 + 3 * 16) * 4);
  for (int S : {1, 2, 3}) {
    Tables T(3, 4, S);
    const int nc = n_coefficients(T.P), dim = power_spectrum_size(S, 3, 4);
    std::vector<double> c(nc), p(dim + 5, -7.0);
    std::mt19937 rng(3);
    std::normal_distribution<double> g;
    for (auto& v : c) v = g(rng);
    power_spectrum(T.P, c.data(), p.data());
    for (int i = dim; i < dim + 5; ++i) EXPECT_EQ(p[i], -7.0);  // wrote exactly dim values
    // |p|^2 equals the sum over all ordered (a, b, n, n', l) of the squared unnormalised sums
    // divided by (2l+1).
    const int nlm = n_lm(4);
    double full = 0, ps = 0;
    for (int a = 0; a < S; ++a)
      for (int b = 0; b < S; ++b)
        for (int n = 0; n < 3; ++n)
          for (int n2 = 0; n2 < 3; ++n2)
            for (int l = 0; l <= 4; ++l) {
              double t = 0;
              for (int lm = l * l; lm <= l * l + 2 * l; ++lm)
                t += c[(a * 3 + n) * nlm + lm] * c[(b * 3 + n2) * nlm + lm];
              full += t * t / (2 * l + 1);
            }
    for (int i = 0; i < dim; ++i) ps += p[i] * p[i];
    EXPECT_NEAR(ps, full, 1e-12 * full);
    // First entries: (a=0, b=0, n=0, n'=0, l), then (0, 0, 0, 1, l) with the sqrt2.
    double t = c[0] * c[0];
    EXPECT_NEAR(p[0], t, 1e-14);
    t = 0;
    for (int lm = 1; lm <= 3; ++lm) t += c[lm] * c[nlm + lm];
    EXPECT_NEAR(p[5 + 1], std::sqrt(2.0) / std::sqrt(3.0) * t, 1e-14);
  }
}

TEST(SoapMath, PowerSpectrumAdjointAndDerivative) {
  const int S = 2, N = 3, L = 4;
  Tables T(N, L, S);
  const int nc = n_coefficients(T.P), dim = power_spectrum_size(S, N, L), cs = channel_size(T.P);
  std::mt19937 rng(4);
  std::normal_distribution<double> g;
  std::vector<double> c(nc), dEdp(dim), dEdc(nc), p(dim), pp(dim), pm(dim);
  for (auto& v : c) v = g(rng);
  for (auto& v : dEdp) v = g(rng);
  power_spectrum_adjoint(T.P, c.data(), dEdp.data(), dEdc.data());
  const double h = 1e-4;  // p is quadratic in c: central differences are exact up to rounding
  for (int i = 0; i < nc; ++i) {
    auto cp = c, cm = c;
    cp[i] += h;
    cm[i] -= h;
    power_spectrum(T.P, cp.data(), pp.data());
    power_spectrum(T.P, cm.data(), pm.data());
    double fd = 0;
    for (int j = 0; j < dim; ++j) fd += dEdp[j] * (pp[j] - pm[j]) / (2 * h);
    EXPECT_NEAR(dEdc[i], fd, 1e-9) << i;
  }
  // Forward derivative for a perturbation of one channel.
  for (int ch = 0; ch < S; ++ch) {
    std::vector<double> dc(3 * cs), dp(3 * dim);
    for (auto& v : dc) v = g(rng);
    power_spectrum_derivative(T.P, c.data(), ch, dc.data(), dp.data());
    for (int d = 0; d < 3; ++d) {
      auto cp = c, cm = c;
      for (int i = 0; i < cs; ++i) {
        cp[ch * cs + i] += h * dc[d * cs + i];
        cm[ch * cs + i] -= h * dc[d * cs + i];
      }
      power_spectrum(T.P, cp.data(), pp.data());
      power_spectrum(T.P, cm.data(), pm.data());
      for (int j = 0; j < dim; ++j) EXPECT_NEAR(dp[d * dim + j], (pp[j] - pm[j]) / (2 * h), 1e-9);
    }
  }
}

TEST(SoapMath, NormalisationDerivative) {
  const int dim = 17;
  std::mt19937 rng(5);
  std::normal_distribution<double> g;
  std::vector<double> p(dim), q(dim), v(dim), out(dim), qp(dim), qm(dim);
  for (auto& x : p) x = g(rng);
  for (auto& x : v) x = g(rng);
  const double norm = normalise(dim, p.data(), q.data());
  double s = 0;
  for (double x : q) s += x * x;
  EXPECT_NEAR(s, 1.0, 1e-15);
  normalisation_derivative(dim, q.data(), norm, v.data(), out.data());
  auto pp = p, pm = p;
  for (int i = 0; i < dim; ++i) {
    pp[i] += 1e-6 * v[i];
    pm[i] -= 1e-6 * v[i];
  }
  normalise(dim, pp.data(), qp.data());
  normalise(dim, pm.data(), qm.data());
  for (int i = 0; i < dim; ++i) EXPECT_NEAR(out[i], (qp[i] - qm[i]) / 2e-6, 1e-9);
  // |p| = 0: q = 0 and zero derivative, no NaN.
  std::vector<double> zero(dim, 0.0);
  EXPECT_EQ(normalise(dim, zero.data(), q.data()), 0.0);
  normalisation_derivative(dim, q.data(), 0.0, v.data(), out.data());
  for (int i = 0; i < dim; ++i) {
    EXPECT_EQ(q[i], 0.0);
    EXPECT_EQ(out[i], 0.0);
  }
}

TEST(SoapMath, RadialFunctionDerivative) {
  Tables T(6, 8, 1);
  const int nL = 6 * 9;
  std::vector<double> R(nL), dR(nL), Rp(nL), Rm(nL), dummy(nL), work(radial_work_size(T.P));
  for (double r : {0.2, 1.0, 2.3, 3.9, 4.4}) {
    radial_functions(T.P, r, R.data(), dR.data(), work.data());
    const double h = 1e-6;
    radial_functions(T.P, r + h, Rp.data(), dummy.data(), work.data());
    radial_functions(T.P, r - h, Rm.data(), dummy.data(), work.data());
    double scale = 0;
    for (int i = 0; i < nL; ++i) scale = std::max(scale, std::abs(dR[i]));
    for (int i = 0; i < nL; ++i) EXPECT_NEAR(dR[i], (Rp[i] - Rm[i]) / (2 * h), 1e-8 * scale) << r << " " << i;
  }
}

TEST(SoapMath, NeighbourDerivatives) {
  const int N = 4, L = 6;
  Tables T(N, L, 1);
  const int cs = channel_size(T.P);
  std::vector<double> work(neighbour_work_size(T.P)), G(cs), dc(3 * cs), cp(cs), cm(cs);
  std::mt19937 rng(6);
  std::normal_distribution<double> g;
  for (auto& v : G) v = g(rng);
  const double rs[][3] = {
      {1.1, -0.4, 2.0}, {0.0, 0.0, 1.7}, {2.4, 2.6, -2.0} /* in the taper */, {3.0, 3.0, 3.0} /* outside */};
  for (const auto& r : rs) {
    double grad[3];
    neighbour_gradient(T.P, r, G.data(), grad, work.data());
    neighbour_coefficient_derivatives(T.P, r, dc.data(), work.data());
    const double h = 1e-6;
    for (int d = 0; d < 3; ++d) {
      double rp[3] = {r[0], r[1], r[2]}, rm[3] = {r[0], r[1], r[2]};
      rp[d] += h;
      rm[d] -= h;
      std::fill(cp.begin(), cp.end(), 0.0);
      std::fill(cm.begin(), cm.end(), 0.0);
      add_neighbour(T.P, rp, cp.data(), work.data());
      add_neighbour(T.P, rm, cm.data(), work.data());
      double fd = 0, scale = 1e-12;
      for (int i = 0; i < cs; ++i) scale = std::max(scale, std::abs(dc[d * cs + i]));
      for (int i = 0; i < cs; ++i) {
        const double fdi = (cp[i] - cm[i]) / (2 * h);
        fd += G[i] * fdi;
        EXPECT_NEAR(dc[d * cs + i], fdi, 1e-8 * scale);
      }
      EXPECT_NEAR(grad[d], fd, 1e-8 * std::max(1.0, std::abs(fd)));
      double fwd = 0;
      for (int i = 0; i < cs; ++i) fwd += G[i] * dc[d * cs + i];
      EXPECT_NEAR(grad[d], fwd, 1e-12 * std::max(1.0, std::abs(fwd)));
    }
  }
}

}  // namespace
