// Tests of the SOAP descriptor (descriptors/soap.h): invariances, derivatives, spec, validation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/crystals.h"
#include "core/error.h"
#include "core/key_value.h"
#include "descriptor_contract.h"
#include "descriptors/soap.h"
#include "neighbours/neighbour_list.h"
#include "test_structures.h"

namespace {

using namespace soapgap;

SoapParameters params(int n_max, int l_max, double cutoff, std::vector<int> species, double width = 0.5,
                      double sigma = 0.5, double central = 1.0) {
  SoapParameters p;
  p.n_max = n_max;
  p.l_max = l_max;
  p.cutoff = cutoff;
  p.cutoff_transition_width = width;
  p.atom_sigma = sigma;
  p.central_weight = central;
  p.species = species;
  return p;
}

// Random non-periodic cluster with a minimum distance between atoms.
Structure cluster(int n, unsigned seed, const std::vector<int>& elements, double box = 5.0) {
  std::mt19937 rng(seed);
  return soapgap::testing::random_cluster(rng, n, elements, box, 1.6);
}

Structure diamond(double a0, int rep, int z1, int z2) { return diamond_cubic(a0, rep, z1, z2); }

Structure primitive_diamond(double a0) { return diamond_primitive(a0); }

void rattle(Structure& s, double amplitude, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-amplitude, amplitude);
  for (int i = 0; i < s.size(); ++i)
    for (int d = 0; d < 3; ++d) s.positions(i, d) += u(rng);
}

Eigen::Matrix3d random_rotation(unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  Eigen::Quaterniond q(g(rng), g(rng), g(rng), g(rng));
  q.normalize();
  return q.toRotationMatrix();
}

RowMatrix descriptors(const SoapDescriptor& d, const Structure& s, double nl_cutoff = 0) {
  NeighbourList nl(s, nl_cutoff > 0 ? nl_cutoff : d.cutoff());
  return d.compute(s, nl).q;
}

double max_abs(const RowMatrix& m) { return m.cwiseAbs().maxCoeff(); }

// ---------------------------------------------------------------------------------------------

TEST(Soap, DimensionAndGroups) {
  SoapDescriptor one(params(10, 12, 5.0, {14}));
  EXPECT_EQ(one.dimension(), 715);
  EXPECT_EQ(one.type(), "soap");
  EXPECT_EQ(one.cutoff(), 5.0);
  EXPECT_EQ(one.group_keys(), std::vector<std::string>{"14"});
  SoapDescriptor two(params(10, 12, 5.0, {14, 6}));
  EXPECT_EQ(two.dimension(), 2 * 55 * 13 + 100 * 13);
  EXPECT_EQ(two.group_keys(), (std::vector<std::string>{"6", "14"}));
  EXPECT_EQ(two.parameters().species, (std::vector<int>{6, 14}));
  EXPECT_EQ(two.channel(14), 1);
  EXPECT_EQ(two.channel(8), -1);

  Structure s = diamond(4.36, 1, 6, 14);
  rattle(s, 0.05, 3);
  NeighbourList nl(s, 5.0);
  Environments env = two.compute(s, nl);
  ASSERT_EQ(env.size(), 8);
  EXPECT_EQ(env.q.cols(), two.dimension());
  for (int e = 0; e < 8; ++e) {
    EXPECT_EQ(env.atom[e], e);
    EXPECT_EQ(env.group[e], s.numbers[e] == 6 ? 0 : 1);
    EXPECT_EQ(env.w[e], 1.0);
    EXPECT_NEAR(env.q.row(e).norm(), 1.0, 1e-14);
  }
}

// The default basis: W C = L^T with C_nn' = e_n(r_n') and L L^T = S, the r^2-weighted overlap of
// the Gaussians e_n, so (W C)^T (W C) = S; S from quadrature here (independent of the closed form).
TEST(Soap, RadialTransformGivesTheSoapIntegral) {
  const int N = 8;
  const double rc = 5.0, sigma = 0.5, alpha = 1.0 / (2 * sigma * sigma);
  SoapDescriptor d(params(N, 4, rc, {14}, 0.5, sigma));
  const auto& W = d.radial_transform();
  const double rb = rc + sigma * std::sqrt(2.0 * 10.0 * std::log(10.0));
  std::vector<double> r(N);
  for (int n = 0; n < N; ++n) r[n] = n * rb / N;
  Eigen::MatrixXd Wm(N, N), C(N, N), S = Eigen::MatrixXd::Zero(N, N);
  const int steps = 40000;
  const double h = (rb + 10 * sigma) / steps;
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < N; ++k) {
      Wm(n, k) = W[n * N + k];
      C(n, k) = std::exp(-alpha * (r[n] - r[k]) * (r[n] - r[k]));
      for (int q = 0; q <= steps; ++q) {  // trapezoid rule for int_0^inf x^2 e_n(x) e_k(x) dx
        const double x = q * h;
        const double f = x * x * std::exp(-alpha * ((x - r[n]) * (x - r[n]) + (x - r[k]) * (x - r[k])));
        S(n, k) += (q == 0 || q == steps ? 0.5 : 1.0) * h * f;
      }
    }
  const Eigen::MatrixXd WC = Wm * C;
  EXPECT_LT((WC.transpose() * WC - S).cwiseAbs().maxCoeff(), 1e-9 * S.cwiseAbs().maxCoeff());
}

TEST(Soap, FirstRadialBasisOrthonormalises) {
  SoapParameters p = params(10, 4, 5.0, {14}, 0.5, 0.5);
  p.radial_basis = "soapgap";
  SoapDescriptor d(p);
  const auto& W = d.radial_transform();
  const int N = 10;
  Eigen::MatrixXd Wm(N, N), S(N, N);
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < N; ++k) {
      Wm(n, k) = W[n * N + k];
      const double rn = 5.0 * (n + 0.5) / N, rk = 5.0 * (k + 0.5) / N;
      S(n, k) = std::exp(-(rn - rk) * (rn - rk) / (4 * 0.25));
      if (k > n) {
        EXPECT_EQ(W[n * N + k], 0.0);
      }
    }
  EXPECT_LT((Wm * S * Wm.transpose() - Eigen::MatrixXd::Identity(N, N)).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Soap, OneSpeciesBlockOfTwoSpeciesDescriptor) {
  // A pure Si structure described with species {6 14}: the (Si, Si) block, last in the order,
  // carries everything and equals the one-species descriptor.
  Structure s = cluster(10, 11, {14});
  SoapDescriptor one(params(5, 4, 4.5, {14})), two(params(5, 4, 4.5, {6, 14}));
  RowMatrix q1 = descriptors(one, s), q2 = descriptors(two, s);
  const int offset = two.dimension() - one.dimension();
  EXPECT_EQ(q2.leftCols(offset).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_LT(max_abs(q2.rightCols(one.dimension()) - q1), 1e-14);
}

TEST(Soap, RotationTranslationPermutationInvariance) {
  SoapDescriptor d(params(8, 8, 4.0, {8, 14}));
  Structure s = cluster(14, 5, {14, 8, 14});
  RowMatrix q = descriptors(d, s);
  for (int e = 0; e < s.size(); ++e) EXPECT_NEAR(q.row(e).norm(), 1.0, 1e-14);
  // Rotation (proper) and reflection.
  for (unsigned seed : {1u, 2u, 3u}) {
    Eigen::Matrix3d R = random_rotation(seed);
    if (seed == 3) {
      R = -R;  // improper: SOAP's power spectrum is also reflection invariant
    }
    Structure r = s;
    r.positions = s.positions * R.transpose();
    EXPECT_LT(max_abs(descriptors(d, r) - q), 1e-12) << seed;
  }
  // Translation.
  Structure t = s;
  t.positions.rowwise() += Eigen::RowVector3d(10.3, -4.2, 7.7);
  EXPECT_LT(max_abs(descriptors(d, t) - q), 1e-12);
  // Permutation.
  std::vector<int> perm(s.size());
  for (int i = 0; i < s.size(); ++i) perm[i] = (5 * i + 3) % s.size();
  Structure p = s;
  for (int i = 0; i < s.size(); ++i) {
    p.positions.row(i) = s.positions.row(perm[i]);
    p.numbers[i] = s.numbers[perm[i]];
  }
  RowMatrix qp = descriptors(d, p);
  for (int i = 0; i < s.size(); ++i) EXPECT_LT((qp.row(i) - q.row(perm[i])).cwiseAbs().maxCoeff(), 1e-14);
  // The descriptor actually depends on the geometry.
  Structure moved = s;
  moved.positions(0, 0) += 0.1;
  EXPECT_GT(max_abs(descriptors(d, moved) - q), 1e-4);
}

TEST(Soap, PeriodicInvariances) {
  SoapDescriptor d(params(6, 6, 5.0, {14}));
  Structure s = diamond(5.43, 1, 14, 14);
  s.cell(1, 0) = 0.4;  // a slightly sheared cell
  rattle(s, 0.1, 8);
  RowMatrix q = descriptors(d, s);
  // Rotating the positions and the cell together.
  Eigen::Matrix3d R = random_rotation(9);
  Structure r = s;
  r.positions = s.positions * R.transpose();
  r.cell = s.cell * R.transpose();
  EXPECT_LT(max_abs(descriptors(d, r) - q), 1e-12);
  // Choice of periodic image.
  Structure im = s;
  im.positions.row(3) += s.cell.row(0) + 2 * s.cell.row(1) - s.cell.row(2);
  im.positions.row(6) -= s.cell.row(2);
  EXPECT_LT(max_abs(descriptors(d, im) - q), 1e-12);
  // Translation.
  Structure t = s;
  t.positions.rowwise() += Eigen::RowVector3d(1.1, 2.2, -0.3);
  EXPECT_LT(max_abs(descriptors(d, t) - q), 1e-12);
  // Perfect diamond: all atoms equivalent.
  RowMatrix qd = descriptors(d, diamond(5.43, 1, 14, 14));
  for (int e = 1; e < 8; ++e) EXPECT_LT((qd.row(e) - qd.row(0)).cwiseAbs().maxCoeff(), 1e-13);
  // Primitive cell (smaller than the cutoff) and conventional cell agree.
  RowMatrix qp = descriptors(d, primitive_diamond(5.43));
  EXPECT_LT((qp.row(0) - qd.row(0)).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LT((qp.row(1) - qd.row(0)).cwiseAbs().maxCoeff(), 1e-13);
  // A neighbour list with a longer cutoff than the descriptor's gives the same result.
  EXPECT_LT(max_abs(descriptors(d, s, 6.5) - q), 1e-15);
}

// Jacobian (forward mode) vs central finite differences of compute() with respect to atomic
// positions: d q_e / d x_j = sum_{k of e, neighbour(k) = j} dq/dr_k - [j = e] sum_k dq/dr_k.
void check_jacobian(const SoapDescriptor& d, const Structure& s, double nl_cutoff, double h = 1e-5) {
  // SOAP's own shape of the Jacobian: one environment per atom, one column block per entry of
  // that atom, and a constant weight; the values against finite differences: the contract.
  NeighbourList nl(s, nl_cutoff);
  Environments env = d.compute(s, nl);
  ASSERT_EQ(env.size(), s.size());
  EnvironmentJacobian jac;
  for (int e = 0; e < env.size(); ++e) {
    d.jacobian(s, nl, env, e, jac);
    ASSERT_EQ(static_cast<int>(jac.entries.size()), nl.size(e));
    EXPECT_EQ(jac.dw.cwiseAbs().maxCoeff(), 0.0);
    for (int k : jac.entries) ASSERT_EQ(nl.centre(k), e);
  }
  soapgap::testing::check_jacobian_fd(d, s, nl_cutoff, h);
}

TEST(Soap, JacobianRandomCluster) {
  SoapDescriptor d(params(6, 6, 4.5, {14}, 1.0));
  check_jacobian(d, cluster(9, 21, {14}), 4.5);
}

TEST(Soap, JacobianDiamondCell) {
  Structure s = diamond(5.43, 1, 14, 14);
  rattle(s, 0.1, 22);
  SoapDescriptor d(params(8, 8, 5.0, {14}));
  check_jacobian(d, s, 5.0);
  check_jacobian(d, s, 6.0);  // entries beyond the descriptor cutoff contribute zero
}

TEST(Soap, JacobianTwoElements) {
  Structure s = diamond(4.9, 1, 6, 14);
  rattle(s, 0.15, 23);
  s.numbers[2] = 14;  // break the perfect alternation
  SoapDescriptor d(params(5, 5, 4.0, {6, 14}, 0.7, 0.45, 0.8));
  check_jacobian(d, s, 4.0);
}

TEST(Soap, JacobianCellSmallerThanCutoff) {
  Structure s = primitive_diamond(5.43);
  rattle(s, 0.1, 24);
  SoapDescriptor d(params(10, 12, 5.0, {14}));
  check_jacobian(d, s, 5.0);
}

TEST(Soap, BackpropagateMatchesJacobian) {
  soapgap::testing::check_backpropagate(SoapDescriptor(params(6, 6, 4.5, {14}, 1.0)), cluster(9, 21, {14}), 4.5);
  Structure s = diamond(5.43, 1, 14, 14);
  rattle(s, 0.1, 22);
  soapgap::testing::check_backpropagate(SoapDescriptor(params(10, 12, 5.0, {14})), s, 5.5);
  Structure t = diamond(4.9, 1, 6, 14);
  rattle(t, 0.15, 23);
  soapgap::testing::check_backpropagate(SoapDescriptor(params(5, 5, 4.0, {6, 14}, 0.7, 0.45, 0.8)), t, 4.0);
  Structure p = primitive_diamond(5.43);
  rattle(p, 0.1, 24);
  soapgap::testing::check_backpropagate(SoapDescriptor(params(8, 6, 5.0, {14})), p, 5.0);
}

TEST(Soap, IsolatedAtom) {
  Structure s;
  s.positions = MatrixX3::Zero(1, 3);
  s.numbers = {14};
  NeighbourList nl(s, 5.0);
  SoapDescriptor with_centre(params(4, 3, 5.0, {14}));
  Environments env = with_centre.compute(s, nl);
  EXPECT_NEAR(env.q.row(0).norm(), 1.0, 1e-15);
  SoapDescriptor no_centre(params(4, 3, 5.0, {14}, 0.5, 0.5, 0.0));
  env = no_centre.compute(s, nl);
  EXPECT_EQ(env.q.cwiseAbs().maxCoeff(), 0.0);
  EnvironmentJacobian jac;
  no_centre.jacobian(s, nl, env, 0, jac);
  EXPECT_TRUE(jac.entries.empty());
  MatrixX3 dE_dr(0, 3);
  no_centre.backpropagate(s, nl, env, RowMatrix::Ones(1, no_centre.dimension()), Eigen::VectorXd::Zero(1), dE_dr);
  // Two atoms beyond the cutoff, no central term: q = 0 with zero (finite) derivatives.
  Structure two;
  two.positions = MatrixX3::Zero(2, 3);
  two.positions(1, 0) = 5.5;
  two.numbers = {14, 14};
  NeighbourList nl2(two, 6.0);
  env = no_centre.compute(two, nl2);
  EXPECT_EQ(env.q.cwiseAbs().maxCoeff(), 0.0);
  no_centre.jacobian(two, nl2, env, 0, jac);
  EXPECT_EQ(jac.entries.size(), 1u);
  EXPECT_EQ(jac.dq.cwiseAbs().maxCoeff(), 0.0);
}

TEST(Soap, UnknownElementAndBadNeighbourList) {
  SoapDescriptor d(params(4, 3, 4.0, {14}));
  Structure s = cluster(4, 3, {14, 8});
  NeighbourList nl(s, 4.0);
  try {
    d.compute(s, nl);
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("element Z=8 not in the descriptor's species"), std::string::npos) << e.what();
  }
  Structure si = cluster(4, 3, {14});
  NeighbourList short_nl(si, 3.0);
  EXPECT_THROW(d.compute(si, short_nl), InputError);
}

TEST(Soap, SpecRoundTrip) {
  SoapDescriptor d(params(7, 5, 4.75, {14, 8}, 0.3, 0.41, 0.25));
  const std::string spec = d.spec();
  EXPECT_EQ(spec,
            "soap n_max=7 l_max=5 cutoff=4.75 cutoff_transition_width=0.29999999999999999 "
            "atom_sigma=0.40999999999999998 central_weight=0.25 species={8 14}");
  KeyValueSpec kv = KeyValueSpec::parse(spec, "test");
  SoapDescriptor back(SoapParameters::from_spec(kv, {1}));
  kv.check_all_used();
  EXPECT_EQ(back.spec(), spec);
  Structure s = cluster(8, 4, {14, 8});
  EXPECT_EQ(max_abs(descriptors(d, s) - descriptors(back, s)), 0.0);

  // Defaults, model species, and kernel keys left for the caller.
  KeyValueSpec k2 = KeyValueSpec::parse("soap n_max=4 l_max=3 cutoff=5 zeta=4 delta=0.2", "--descriptor");
  SoapParameters p = SoapParameters::from_spec(k2, {14, 6});
  EXPECT_EQ(p.cutoff_transition_width, 0.5);
  EXPECT_EQ(p.atom_sigma, 0.5);
  EXPECT_EQ(p.central_weight, 1.0);
  EXPECT_EQ(p.species, (std::vector<int>{6, 14}));
  EXPECT_THROW(k2.check_all_used(), InputError);  // zeta, delta not taken by soap
}

TEST(Soap, ParameterValidation) {
  struct Case {
    const char* spec;
    const char* key;
  } cases[] = {
      {"soap l_max=4 cutoff=5", "n_max"},
      {"soap n_max=4 cutoff=5", "l_max"},
      {"soap n_max=4 l_max=4", "cutoff"},
      {"soap n_max=0 l_max=4 cutoff=5", "n_max=0"},
      {"soap n_max=33 l_max=4 cutoff=5", "n_max=33"},
      {"soap n_max=4.5 l_max=4 cutoff=5", "n_max"},
      {"soap n_max=4 l_max=-1 cutoff=5", "l_max=-1"},
      {"soap n_max=4 l_max=21 cutoff=5", "l_max=21"},
      {"soap n_max=4 l_max=4 cutoff=0", "cutoff=0"},
      {"soap n_max=4 l_max=4 cutoff=-2", "cutoff=-2"},
      {"soap n_max=4 l_max=4 cutoff=nan", "cutoff"},
      {"soap n_max=4 l_max=4 cutoff=5 cutoff_transition_width=6", "cutoff_transition_width=6"},
      {"soap n_max=4 l_max=4 cutoff=5 cutoff_transition_width=-0.1", "cutoff_transition_width=-0.1"},
      {"soap n_max=4 l_max=4 cutoff=5 atom_sigma=0", "atom_sigma=0"},
      {"soap n_max=4 l_max=4 cutoff=5 central_weight=-1", "central_weight=-1"},
      {"soap n_max=4 l_max=4 cutoff=5 species={0}", "species"},
      {"soap n_max=4 l_max=4 cutoff=5 species={119}", "species"},
      {"soap n_max=4 l_max=4 cutoff=5 species={14 14}", "species"},
      {"soap n_max=4 l_max=4 cutoff=5 species={14.5}", "species"},
      {"soap n_max=4 l_max=4 cutoff=5 species={Si}", "species"},
      {"soap n_max=32 l_max=4 cutoff=2", "n_max=32"},
  };
  for (const Case& c : cases) {
    try {
      SoapParameters::from_spec(KeyValueSpec::parse(c.spec, "--descriptor"), {14});
      ADD_FAILURE() << "no exception for " << c.spec;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(c.key), std::string::npos) << c.spec << " -> " << e.what();
    }
  }
  // No species anywhere.
  EXPECT_THROW(SoapParameters::from_spec(KeyValueSpec::parse("soap n_max=4 l_max=4 cutoff=5", "x"), {}), InputError);
  // The constructor validates too.
  EXPECT_THROW(SoapDescriptor(params(0, 4, 5.0, {14})), InputError);
  // Boundary values are accepted.
  EXPECT_NO_THROW(SoapParameters::from_spec(
      KeyValueSpec::parse("soap n_max=1 l_max=0 cutoff=3 cutoff_transition_width=0 central_weight=0", "x"), {1}));
  EXPECT_NO_THROW(SoapParameters::from_spec(
      KeyValueSpec::parse("soap n_max=12 l_max=20 cutoff=3 cutoff_transition_width=3 species={118 1}", "x"), {}));
}

}  // namespace
