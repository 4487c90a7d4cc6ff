// Teacher test: configurations labelled by the Stillinger-Weber potential (analytic, in
// src/reference), fitted with soapgap; the held-out force error must fall as the training set
// grows and end below a stated bound. Also checks the teacher itself (forces and virial vs
// finite differences, diamond cohesive energy).
#include <gtest/gtest.h>

#include "finite_differences.h"
#include "model/error_metrics.h"
#include "model/potential.h"
#include "model/sparse_gp_fit.h"
#include "reference/stillinger_weber.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

Structure labelled(Structure s, const StillingerWeber& sw, const std::string& type) {
  Prediction p = sw.compute(s);
  s.energy = p.energy;
  s.forces = p.forces;
  s.virial = p.virial;
  s.config_type = type;
  return s;
}

// Strained and rattled diamond cells (8 atoms), a few with a vacancy.
std::vector<Structure> teacher_set(int n, uint64_t seed, const StillingerWeber& sw) {
  std::vector<Structure> out;
  Random rng(seed);
  for (int c = 0; c < n; ++c) {
    Structure s = diamond(5.431 * (1 + 0.04 * (rng.uniform() - 0.5)), 1);
    Eigen::Matrix3d strain = Eigen::Matrix3d::Identity();
    for (int a = 0; a < 3; ++a)
      for (int b = a; b < 3; ++b) strain(a, b) = strain(b, a) = strain(a, b) + 0.02 * (rng.uniform() - 0.5);
    s.cell = s.cell * strain;
    s.positions = s.positions * strain;
    rattle(s, 0.05 + 0.15 * rng.uniform(), seed * 1000 + c);
    out.push_back(labelled(s, sw, "bulk"));
  }
  return out;
}

// Held out: four 64-atom cells, rattled and strained.
std::vector<Structure> held_out_cells(const StillingerWeber& sw) {
  std::vector<Structure> test;
  for (int c = 0; c < 4; ++c) {
    Structure s = diamond(5.431 * (1 + 0.01 * (c - 1.5)), 2);
    rattle(s, 0.1 + 0.03 * c, 500 + c);
    test.push_back(labelled(s, sw, "held-out"));
  }
  return test;
}

}  // namespace

TEST(StillingerWeber, DiamondCohesiveEnergyAndDerivatives) {
  StillingerWeber sw;
  Prediction p = sw.compute(diamond(5.431, 1));
  EXPECT_NEAR(p.energy / 8, -4.3366, 2e-4);  // SW silicon: E_coh = 4.3366 eV/atom at a = 5.431
  EXPECT_LT(p.forces.cwiseAbs().maxCoeff(), 1e-10);
  Structure s = diamond(5.431, 1);
  rattle(s, 0.2, 3);
  p = sw.compute(s);
  auto energy = [&](const Structure& t) { return sw.compute(t).energy; };
  MatrixX3 fd = finite_difference_forces(energy, s);
  for (int i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a) EXPECT_NEAR(fd(i, a), p.forces(i, a), 1e-6 * std::max(1.0, std::abs(p.forces(i, a))));
  Eigen::Matrix3d fv = finite_difference_virial(energy, s);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(fv(a, b), p.virial(a, b), 1e-6 * std::max(1.0, std::abs(p.virial(a, b))));
  EXPECT_GT(p.forces.cwiseAbs().maxCoeff(), 0.1);  // the rattled cell has real forces to compare
}

TEST(TeacherStillingerWeber, HeldOutForceErrorFallsWithTrainingSize) {
  StillingerWeber sw;
  const std::vector<Structure> test = held_out_cells(sw);
  FitSettings st;
  st.terms = {
      "soap n_max=6 l_max=5 cutoff=4.5 cutoff_transition_width=1.0 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse=150",
      "distance_2b cutoff=4.5 cutoff_transition_width=1.0 theta=0.4 delta=1.0 n_sparse=15"};
  st.sigma = {0.001, 0.02, 0.01};
  st.store_variance = false;
  std::vector<double> rmse;
  const std::vector<int> sizes = {2, 8, 32};
  for (int n : sizes) {
    std::vector<Structure> train = teacher_set(n, 7, sw);
    Potential pot(fit_sparse_gp(train, st).potential);
    ErrorReport report;
    for (const Structure& s : test) report.add(s, pot.predict(s));
    rmse.push_back(report.overall.force.rmse());
    std::cout << "[ teacher  ] " << n << " training configurations (" << 8 * n << " atoms): held-out force RMSE "
              << rmse.back() << " eV/A, energy RMSE " << 1000 * report.overall.energy_per_atom.rmse() << " meV/atom"
              << std::endl;
  }
  for (size_t k = 1; k < rmse.size(); ++k) EXPECT_LT(rmse[k], rmse[k - 1]) << "force error did not fall";
  EXPECT_LT(rmse.back(), 0.1) << "held-out force RMSE bound (eV/A) with 32 training configurations";
}

// The learning curve against n_max at fixed data (issue 22, item 0), for the default radial basis
// (QUIP's construction) and the first one (radial_basis=soapgap): from n_max = 8 on the default
// is the more accurate (benchmarks/radial_basis.sh has the larger comparison, docs/radial-basis.md
// why). The curve itself need not fall monotonically with 32 small training cells.
TEST(TeacherStillingerWeber, DefaultRadialBasisAgainstTheFirstOne) {
  StillingerWeber sw;
  const std::vector<Structure> test = held_out_cells(sw);
  const std::vector<Structure> train = teacher_set(32, 7, sw);
  auto held_out_rmse = [&](int n_max, const std::string& basis) {
    FitSettings st;
    st.terms = {"soap n_max=" + std::to_string(n_max) +
                    " l_max=6 cutoff=4.5 cutoff_transition_width=1.0 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse=150" +
                    (basis.empty() ? "" : " radial_basis=" + basis),
                "distance_2b cutoff=4.5 cutoff_transition_width=1.0 theta=0.4 delta=1.0 n_sparse=15"};
    st.sigma = {0.001, 0.02, 0.01};
    st.store_variance = false;
    Potential pot(fit_sparse_gp(train, st).potential);
    ErrorReport report;
    for (const Structure& s : test) report.add(s, pot.predict(s));
    return report.overall.force.rmse();
  };
  for (int n_max : {4, 6, 8, 10}) {
    const double def = held_out_rmse(n_max, ""), first = held_out_rmse(n_max, "soapgap");
    std::cout << "[ teacher  ] n_max " << n_max << " l_max 6: held-out force RMSE " << def << " eV/A (default basis), "
              << first << " eV/A (first basis)" << std::endl;
    if (n_max >= 8) EXPECT_LT(def, first) << "n_max " << n_max;
  }
}
