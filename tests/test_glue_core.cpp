// CubicSpline (QUIP Spline semantics) and the Glue core potential: knots, end conditions,
// extrapolation, forces = -dE/dr and virial = -dE/d(strain) by central finite differences,
// invariances, elements absent from the data, validation and hand-computed energies.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "finite_differences.h"
#include "model/cubic_spline.h"
#include "model/glue_core.h"
#include "model/potential.h"
#include "neighbours/neighbour_list.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

constexpr double kNatural = 1e30;

// Expects fn() to throw InputError whose message contains every one of the parts.
template <class Fn>
void expect_input_error(const Fn& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "no InputError thrown";
  } catch (const InputError& e) {
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

CubicSplineData irregular_points(double yp1, double ypn) {
  CubicSplineData d;
  d.x = {0.3, -1.0, 2.5, 0.9, 1.4, 3.1};  // unsorted on purpose
  d.y = {0.7, 2.0, -0.4, 1.6, 0.2, 0.9};
  d.yp1 = yp1;
  d.ypn = ypn;
  return d;
}

}  // namespace

TEST(CubicSpline, ReproducesItsKnotsGivenInAnyOrder) {
  const CubicSplineData d = irregular_points(0.4, -1.2);
  CubicSpline s(d, "test");
  EXPECT_EQ(s.size(), 6);
  EXPECT_DOUBLE_EQ(s.min_knot(), -1.0);
  EXPECT_DOUBLE_EQ(s.max_knot(), 3.1);
  for (size_t k = 0; k < d.x.size(); ++k) EXPECT_NEAR(s.value(d.x[k]), d.y[k], 1e-13) << "knot " << k;
  for (size_t k = 1; k < s.x().size(); ++k) EXPECT_LT(s.x()[k - 1], s.x()[k]);
}

TEST(CubicSpline, ClampedEndsHaveTheGivenDerivatives) {
  CubicSpline s(irregular_points(0.4, -1.2), "test");
  EXPECT_NEAR(s.derivative(s.min_knot()), 0.4, 1e-12);
  EXPECT_NEAR(s.derivative(s.max_knot()), -1.2, 1e-12);
  EXPECT_EQ(s.yp1(), 0.4);
  EXPECT_EQ(s.ypn(), -1.2);
}

TEST(CubicSpline, NaturalEndsHaveZeroSecondDerivative) {
  for (double big : {kNatural, std::numeric_limits<double>::infinity()}) {
    CubicSpline s(irregular_points(big, big), "test");
    const double h = 1e-6, x0 = s.min_knot(), xn = s.max_knot();
    // One-sided differences of the derivative from inside the range: error O(h).
    EXPECT_NEAR((s.derivative(x0 + h) - s.derivative(x0)) / h, 0.0, 1e-4);
    EXPECT_NEAR((s.derivative(xn) - s.derivative(xn - h)) / h, 0.0, 1e-4);
    // Interior second derivatives are not zero (the test would be vacuous otherwise).
    EXPECT_GT(std::abs((s.derivative(1.2 + h) - s.derivative(1.2 - h)) / (2 * h)), 1e-2);
    // The stored end slopes are the spline's own, so extrapolation continues it C1.
    EXPECT_NEAR(s.yp1(), s.derivative(x0), 1e-15);
    EXPECT_NEAR(s.ypn(), s.derivative(xn), 1e-15);
    EXPECT_TRUE(std::isfinite(s.yp1()) && std::isfinite(s.ypn()));
    EXPECT_NEAR(s.derivative(x0 - 0.5), s.derivative(x0), 1e-15);
    EXPECT_NEAR(s.derivative(xn + 0.5), s.derivative(xn), 1e-15);
  }
  // One natural end and one clamped.
  CubicSpline m(irregular_points(kNatural, 0.25), "test");
  EXPECT_NEAR(m.derivative(m.max_knot()), 0.25, 1e-12);
  EXPECT_NEAR((m.derivative(m.min_knot() + 1e-6) - m.derivative(m.min_knot())) / 1e-6, 0.0, 1e-4);
}

TEST(CubicSpline, ReproducesACubicWithExactEndDerivatives) {
  auto p = [](double x) { return 2 * x * x * x - x * x + 0.5 * x - 3; };
  auto dp = [](double x) { return 6 * x * x - 2 * x + 0.5; };
  CubicSplineData d;
  d.x = {-1.5, -0.7, -0.1, 0.6, 0.8, 1.9, 2.4};
  for (double x : d.x) d.y.push_back(p(x));
  d.yp1 = dp(d.x.front());
  d.ypn = dp(d.x.back());
  CubicSpline s(d, "test");
  for (int k = 0; k <= 200; ++k) {
    const double x = -1.5 + 3.9 * k / 200.0;
    EXPECT_NEAR(s.value(x), p(x), 1e-12 * std::max(1.0, std::abs(p(x)))) << "x = " << x;
    EXPECT_NEAR(s.derivative(x), dp(x), 1e-12 * std::max(1.0, std::abs(dp(x)))) << "x = " << x;
  }
}

TEST(CubicSpline, ExtrapolatesLinearlyWithTheEndSlopes) {
  CubicSpline s(irregular_points(0.4, -1.2), "test");
  for (double dx : {0.01, 0.7, 5.0}) {
    EXPECT_NEAR(s.value(-1.0 - dx), 2.0 - dx * 0.4, 1e-13);
    EXPECT_NEAR(s.value(3.1 + dx), 0.9 - dx * 1.2, 1e-13);
    EXPECT_EQ(s.derivative(-1.0 - dx), 0.4);
    EXPECT_EQ(s.derivative(3.1 + dx), -1.2);
  }
  CubicSpline n(irregular_points(kNatural, kNatural), "test");
  EXPECT_NEAR(n.value(-3.0), 2.0 - 2.0 * n.yp1(), 1e-13);
  EXPECT_NEAR(n.value(4.0), 0.9 + 0.9 * n.ypn(), 1e-13);
}

TEST(CubicSpline, DerivativeMatchesFiniteDifferencesOfValue) {
  for (double end : {0.4, kNatural}) {
    CubicSpline s(irregular_points(end, -end), "test");
    const double h = 1e-6;
    for (int k = 0; k <= 100; ++k) {
      const double x = -0.99 + 4.08 * k / 100.0;
      const double fd = (s.value(x + h) - s.value(x - h)) / (2 * h);
      EXPECT_NEAR(s.derivative(x), fd, 1e-7 * std::max(1.0, std::abs(fd))) << "x = " << x;
    }
  }
}

TEST(CubicSpline, BadInputThrows) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_input_error([] { CubicSpline({{1.0}, {2.0}, 0, 0}, "one point"); }, {"one point", "at least 2"});
  expect_input_error([] { CubicSpline({{}, {}, 0, 0}, "empty"); }, {"empty"});
  expect_input_error([] { CubicSpline({{1.0, 2.0, 1.0}, {0, 1, 2}, 0, 0}, "dup"); }, {"dup", "two points"});
  expect_input_error([&] { CubicSpline({{1.0, 2.0, 3.0}, {0, nan, 2}, 0, 0}, "nan y"); }, {"nan y", "not finite"});
  expect_input_error([&] { CubicSpline({{1.0, nan, 3.0}, {0, 1, 2}, 0, 0}, "nan x"); }, {"nan x", "not finite"});
  expect_input_error([] { CubicSpline({{1.0, 2.0}, {0, 1, 2}, 0, 0}, "sizes"); }, {"sizes"});
  expect_input_error([&] { CubicSpline({{1.0, 2.0}, {0, 1}, nan, 0}, "slope"); }, {"slope"});
  EXPECT_NO_THROW(CubicSpline({{1.0, 2.0}, {0, 1}, 0, 0}, "two points"));
}

namespace {

// Si (14, density as the (rc - r)^3 fit of its points) and O (8, density spline), pair splines
// Si-Si and O-Si (given as (8, 14)), none for O-O. Densities and pair potentials go to zero
// with zero slope at their cutoffs so that finite differences are clean.
GlueData test_glue_data() {
  GlueData g;
  GlueElementData si;
  si.Z = 14;
  si.density = {{1.5, 2.0, 2.5, 3.0, 3.5, 4.0}, {0.9, 0.45, 0.2, 0.07, 0.012, 0.0}, 0, 0};
  si.density_spline = false;
  si.embedding = {{0.0, 0.5, 1.0, 2.0, 3.5}, {0.0, -0.9, -1.5, -2.1, -2.5}, kNatural, kNatural};
  GlueElementData o;
  o.Z = 8;
  o.density = {{1.0, 1.8, 2.6, 3.6}, {1.2, 0.6, 0.15, 0.0}, kNatural, 0.0};
  o.density_spline = true;
  o.embedding = {{0.0, 0.8, 1.6, 3.0}, {0.0, -0.6, -0.9, -1.0}, -1.1, 0.0};
  g.elements = {si, o};
  GluePairData sisi{14, 14, {{1.8, 2.2, 2.6, 3.2, 3.9}, {1.5, 0.1, -0.25, -0.08, 0.0}, -12.0, 0.0}};
  GluePairData osi{8, 14, {{1.2, 1.6, 2.0, 2.8, 3.7}, {2.0, 0.3, -0.4, -0.1, 0.0}, kNatural, 0.0}};
  g.pairs = {sisi, osi};
  return g;
}

const GlueCore& test_glue() {
  static const GlueCore core(test_glue_data(), "test glue");
  return core;
}

double glue_energy(const GlueCore& core, const Structure& s) {
  NeighbourList nl(s, core.cutoff());
  Eigen::VectorXd e = Eigen::VectorXd::Zero(s.size());
  core.compute(s, nl, e, nullptr);
  return e.sum();
}

struct GlueResult {
  Eigen::VectorXd local_energy;
  MatrixX3 forces;
  Eigen::Matrix3d virial = Eigen::Matrix3d::Zero();
};

GlueResult glue_compute(const GlueCore& core, const Structure& s) {
  NeighbourList nl(s, core.cutoff());
  GlueResult r;
  r.local_energy = Eigen::VectorXd::Zero(s.size());
  MatrixX3 dE_dr = MatrixX3::Zero(nl.n_entries(), 3);
  core.compute(s, nl, r.local_energy, &dE_dr);
  r.forces = MatrixX3::Zero(s.size(), 3);
  accumulate_forces(nl, dE_dr, r.forces, r.virial);
  return r;
}

// Diamond silicon with some oxygen on silicon sites, rattled (periodic).
Structure si_o_bulk() {
  Structure s = diamond(5.43, 1);
  for (int i = 0; i < s.size(); i += 3) s.numbers[i] = 8;
  rattle(s, 0.12, 5);
  return s;
}

// The same atoms as a free cluster.
Structure si_o_cluster() {
  Structure s = si_o_bulk();
  s.pbc = {false, false, false};
  s.cell.setZero();
  return s;
}

Structure si_o_slab() {
  Structure s = slab(5.43, 1, 2, 8.0);
  for (int i = 1; i < s.size(); i += 4) s.numbers[i] = 8;
  rattle(s, 0.1, 7);
  return s;
}

Structure si_o_triclinic() {
  Structure s = triclinic(4);
  s.numbers[2] = s.numbers[5] = 8;
  return s;
}

void expect_forces_and_virial_match_finite_differences(const GlueCore& core, const Structure& s) {
  auto energy = [&](const Structure& t) { return glue_energy(core, t); };
  const GlueResult r = glue_compute(core, s);
  const MatrixX3 fd = finite_difference_forces(energy, s, 1e-5);
  ASSERT_GT(fd.cwiseAbs().maxCoeff(), 1e-2);  // not vacuous
  for (int i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a)
      EXPECT_NEAR(r.forces(i, a), fd(i, a), 1e-6 * std::max(1.0, std::abs(fd(i, a)))) << "atom " << i << " dir " << a;
  const Eigen::Matrix3d w = finite_difference_virial(energy, s, 1e-5);
  ASSERT_GT(w.cwiseAbs().maxCoeff(), 1e-2);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b)
      EXPECT_NEAR(r.virial(a, b), w(a, b), 1e-6 * std::max(1.0, std::abs(w(a, b)))) << "virial " << a << b;
  EXPECT_NEAR(r.local_energy.sum(), energy(s), 1e-12 * std::max(1.0, std::abs(energy(s))));
}

}  // namespace

TEST(GlueCore, CutoffAndElements) {
  const GlueCore& core = test_glue();
  EXPECT_DOUBLE_EQ(core.cutoff(), 4.0);  // Si density cutoff; pairs end at 3.9 and 3.7
  EXPECT_EQ(core.elements(), (std::vector<int>{8, 14}));
  EXPECT_EQ(core.data().elements.size(), 2u);
}

TEST(GlueCore, ForcesAndVirialMatchFiniteDifferences) {
  const GlueCore& core = test_glue();
  for (const Structure& s : {si_o_bulk(), si_o_cluster(), si_o_slab(), si_o_triclinic()})
    expect_forces_and_virial_match_finite_differences(core, s);
}

TEST(GlueCore, DensityBeyondTheEmbeddingKnotsExtrapolates) {
  // Compressed: densities beyond the last embedding knots (linear extrapolation of F).
  Structure s = si_o_bulk();
  s.positions *= 0.85;
  s.cell *= 0.85;
  expect_forces_and_virial_match_finite_differences(test_glue(), s);
}

TEST(GlueCore, EnergyIsTranslationInvariant) {
  const GlueCore& core = test_glue();
  for (const Structure& s0 : {si_o_bulk(), si_o_cluster(), si_o_triclinic()}) {
    Structure s = s0;
    s.positions.rowwise() += Eigen::RowVector3d(0.37, -1.21, 2.9);
    const double e0 = glue_energy(core, s0), e1 = glue_energy(core, s);
    EXPECT_NEAR(e0, e1, 1e-10 * std::max(1.0, std::abs(e0)));
    EXPECT_GT(std::abs(e0), 1e-2);
  }
}

TEST(GlueCore, ElementsAbsentFromTheDataContributeNothing) {
  const GlueCore& core = test_glue();
  for (const Structure& with : {si_o_bulk(), si_o_cluster()}) {
    Structure s = with;
    for (int i = 1; i < s.size(); i += 4) s.numbers[i] = 6;  // carbon: not in the Glue data
    Structure without = s;
    int n = 0;
    for (int i = 0; i < s.size(); ++i)
      if (s.numbers[i] != 6) {
        without.positions.row(n) = s.positions.row(i);
        without.numbers[n++] = s.numbers[i];
      }
    without.positions.conservativeResize(n, 3);
    without.numbers.resize(n);
    ASSERT_LT(n, s.size());
    const GlueResult a = glue_compute(core, s), b = glue_compute(core, without);
    EXPECT_NEAR(a.local_energy.sum(), b.local_energy.sum(), 1e-12);
    int m = 0;
    for (int i = 0; i < s.size(); ++i)
      if (s.numbers[i] == 6) {
        EXPECT_EQ(a.local_energy[i], 0.0);
        EXPECT_EQ(a.forces.row(i).norm(), 0.0);
      } else {
        EXPECT_NEAR(a.local_energy[i], b.local_energy[m], 1e-12);
        EXPECT_LT((a.forces.row(i) - b.forces.row(m)).norm(), 1e-12);
        ++m;
      }
    EXPECT_LT((a.virial - b.virial).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(GlueCore, ExternalNeighbourListWithGhostAtoms) {
  // Ghost atoms beyond the centres take their element from s.numbers.
  const GlueCore& core = test_glue();
  Structure s = si_o_bulk();
  const GlueResult ref = glue_compute(core, s);
  Structure g;
  std::vector<int> owner;
  const NeighbourList ext = with_ghost_atoms(s, core.cutoff(), &g, &owner);
  const int n = s.size();
  Eigen::VectorXd e = Eigen::VectorXd::Zero(n);
  MatrixX3 dE_dr = MatrixX3::Zero(ext.n_entries(), 3);
  core.compute(g, ext, e, &dE_dr);
  MatrixX3 forces = MatrixX3::Zero(g.size(), 3);
  Eigen::Matrix3d virial = Eigen::Matrix3d::Zero();
  accumulate_forces(ext, dE_dr, forces, virial);
  MatrixX3 folded = forces.topRows(n);
  for (size_t k = 0; k < owner.size(); ++k) folded.row(owner[k]) += forces.row(n + k);
  EXPECT_LT((e - ref.local_energy).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((folded - ref.forces).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((virial - ref.virial).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(GlueCore, ComputeAddsToItsOutputs) {
  const GlueCore& core = test_glue();
  Structure s = si_o_cluster();
  NeighbourList nl(s, core.cutoff());
  Eigen::VectorXd e1 = Eigen::VectorXd::Zero(s.size()), e2 = Eigen::VectorXd::Constant(s.size(), 1.0);
  MatrixX3 d1 = MatrixX3::Zero(nl.n_entries(), 3), d2 = MatrixX3::Constant(nl.n_entries(), 3, 2.0);
  core.compute(s, nl, e1, &d1);
  core.compute(s, nl, e2, &d2);
  EXPECT_LT((e2 - e1 - Eigen::VectorXd::Constant(s.size(), 1.0)).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_LT((d2 - d1 - MatrixX3::Constant(nl.n_entries(), 3, 2.0)).cwiseAbs().maxCoeff(), 1e-14);
  MatrixX3 wrong = MatrixX3::Zero(nl.n_entries() + 1, 3);
  EXPECT_THROW(core.compute(s, nl, e1, &wrong), InputError);
  Eigen::VectorXd short_e = Eigen::VectorXd::Zero(s.size() - 1);
  EXPECT_THROW(core.compute(s, nl, short_e, nullptr), InputError);
  NeighbourList small(s, 2.5);
  EXPECT_THROW(core.compute(s, small, e1, nullptr), InputError);
}

TEST(GlueCore, ValidationErrors) {
  {
    GlueData d = test_glue_data();
    d.elements.push_back(d.elements[0]);
    expect_input_error([&] { GlueCore(d, "glue file"); }, {"glue file", "Z=14", "given twice"});
  }
  {
    GlueData d = test_glue_data();
    d.pairs.push_back({14, 9, d.pairs[0].potential});
    expect_input_error([&] { GlueCore(d, "glue file"); }, {"glue file", "Z=9", "not one of the Glue elements"});
  }
  {
    GlueData d = test_glue_data();
    d.pairs.push_back({14, 8, d.pairs[0].potential});  // (8, 14) is already there
    expect_input_error([&] { GlueCore(d, "glue file"); }, {"pair (14, 8)", "given twice"});
  }
  {
    GlueData d = test_glue_data();
    d.elements[0].Z = 0;
    expect_input_error([&] { GlueCore(d, "glue file"); }, {"Z=0"});
  }
  {
    GlueData d = test_glue_data();
    d.elements[1].embedding.x = {1.0};
    d.elements[1].embedding.y = {1.0};
    expect_input_error([&] { GlueCore(d, "glue file"); }, {"glue file, element Z=8 embedding", "at least 2"});
  }
  {
    GlueData d = test_glue_data();
    d.pairs[0].potential.x[1] = d.pairs[0].potential.x[0];
    expect_input_error([&] { GlueCore(d, "glue file"); }, {"pair (14, 14) potential", "two points"});
  }
}

TEST(GlueCore, TwoAtomsWithOnlyAPairSplineCountThePairOnce) {
  // V(r) = 0.5 (4 - r)^3 sampled with exact end slopes: the spline is that cubic.
  GlueData d;
  GlueElementData si;
  si.Z = 14;
  si.density = {{1.0, 2.0}, {0.0, 0.0}, 0, 0};  // no density
  si.embedding = {{0.0, 1.0}, {0.0, 0.0}, 0, 0};
  d.elements = {si};
  CubicSplineData v{{1.0, 2.0, 3.0, 4.0}, {13.5, 4.0, 0.5, 0.0}, -13.5, 0.0};
  d.pairs = {{14, 14, v}};
  GlueCore core(d, "pair only");
  EXPECT_DOUBLE_EQ(core.cutoff(), 4.0);
  for (bool periodic : {false, true}) {
    Structure s;
    s.numbers = {14, 14};
    s.positions.resize(2, 3);
    s.positions << 0.0, 0.0, 0.0, 1.5, 1.2, -0.9;  // r = sqrt(4.5) = 2.1213...
    if (periodic) {                                // a large cell: no image is within the cutoff
      s.cell = Eigen::Matrix3d::Identity() * 10.0;
      s.pbc = {true, true, true};
    }
    const double r = std::sqrt(4.5);
    const GlueResult res = glue_compute(core, s);
    EXPECT_NEAR(res.local_energy.sum(), 0.5 * std::pow(4 - r, 3), 1e-12);
    EXPECT_NEAR(res.local_energy[0], res.local_energy[1], 1e-15);
    // F_1 = -dE/dx_1 = -V'(r) u, V'(r) = -1.5 (4 - r)^2, u the unit vector from 0 to 1.
    const Eigen::RowVector3d u = s.positions.row(1) / r;
    const Eigen::RowVector3d f1 = 1.5 * std::pow(4 - r, 2) * u;
    EXPECT_LT((res.forces.row(1) - f1).norm(), 1e-12);
    EXPECT_LT((res.forces.row(0) + f1).norm(), 1e-12);
  }
  // Beyond the pair cutoff: nothing.
  Structure far;
  far.numbers = {14, 14};
  far.positions.resize(2, 3);
  far.positions << 0, 0, 0, 0, 0, 4.5;
  EXPECT_EQ(glue_energy(core, far), 0.0);
}

TEST(GlueCore, TwoAtomsHandComputedEmbedding) {
  // Density points on 0.2 (4 - r)^3 (so the fit is exact), F(rho) = -rho (two natural knots),
  // pair V(r) = 0.5 (4 - r)^3: E = 2 F(rho) + V(r) with rho = 0.2 (4 - r)^3.
  GlueData d;
  GlueElementData si;
  si.Z = 14;
  si.density = {{1.0, 2.0, 3.0, 4.0}, {0.2 * 27, 0.2 * 8, 0.2, 0.0}, 0, 0};
  si.density_spline = false;
  si.embedding = {{0.0, 10.0}, {0.0, -10.0}, kNatural, kNatural};
  d.elements = {si};
  d.pairs = {{14, 14, {{1.0, 2.0, 3.0, 4.0}, {13.5, 4.0, 0.5, 0.0}, -13.5, 0.0}}};
  GlueCore core(d, "hand");
  Structure s;
  s.numbers = {14, 14};
  s.positions.resize(2, 3);
  s.positions << 0, 0, 0, 0, 2.7, 0;
  const double r = 2.7, c = std::pow(4 - r, 3);
  const GlueResult res = glue_compute(core, s);
  EXPECT_NEAR(res.local_energy.sum(), 2 * (-0.2 * c) + 0.5 * c, 1e-12);
  // dE/dr = (-2 * 0.2 + 0.5) * (-3) (4 - r)^2; force on atom 1 along +y is -dE/dr.
  const double dEdr = (-0.4 + 0.5) * -3 * std::pow(4 - r, 2);
  EXPECT_NEAR(res.forces(1, 1), -dEdr, 1e-12);
  EXPECT_NEAR(res.forces(0, 1), dEdr, 1e-12);
}
