// Energies, forces and virials of a Potential: forces = -dE/dr and virial = -dE/d(strain)
// by central finite differences, invariances, local energies and variance consistency.
#include <gtest/gtest.h>

#include "core/error.h"
#include "finite_differences.h"
#include "model/potential.h"
#include "neighbours/neighbour_list.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

Structure two_elements() {
  Structure s = diamond(5.43, 1);
  for (int i = 0; i < s.size(); i += 3) s.numbers[i] = 6;  // some carbon on silicon sites
  rattle(s, 0.12, 5);
  return s;
}

// A potential whose sparse points are environments of some structures (slightly perturbed)
// with random weights, for species {6, 14}: two SOAP terms (different cutoffs) + distance_2b.
PotentialData test_potential_data() {
  PotentialData d;
  d.elements = {6, 14};
  d.e0 = {{6, -1.5}, {14, -0.7}};
  const std::vector<std::string> specs = {
      "soap n_max=5 l_max=4 cutoff=4.5 cutoff_transition_width=1.0 atom_sigma=0.5 central_weight=1 zeta=4 delta=0.3",
      "soap n_max=3 l_max=3 cutoff=3.0 cutoff_transition_width=0.8 atom_sigma=0.4 central_weight=0.5 zeta=2 delta=0.1",
      "distance_2b cutoff=4.0 cutoff_transition_width=1.0 theta=0.6 delta=0.5"};
  Structure a = two_elements(), b = diamond(5.43, 1);
  rattle(b, 0.2, 9);
  Random rng(42);
  for (const std::string& spec : specs) {
    Term term = Term::from_spec(spec, d.elements, "test");
    TermData td;
    td.spec = term.spec();
    for (int g = 0; g < term.n_groups(); ++g) {
      RowMatrix rows(0, term.descriptor().dimension());
      for (const Structure* s : {&a, &b}) {
        NeighbourList nl(*s, term.descriptor().cutoff());
        Environments env = term.descriptor().compute(*s, nl);
        for (int e = 0; e < env.size(); e += 2)
          if (env.group[e] == g && rows.rows() < 6) {
            rows.conservativeResize(rows.rows() + 1, Eigen::NoChange);
            rows.row(rows.rows() - 1) = env.q.row(e);
          }
      }
      if (rows.rows() == 0) continue;
      SparseGroupData grp;
      grp.key = term.group_keys()[g];
      grp.sparse_points = rows;
      for (int r = 0; r < rows.rows(); ++r)
        for (int c = 0; c < rows.cols(); ++c) grp.sparse_points(r, c) *= 1 + 0.05 * (2 * rng.uniform() - 1);
      grp.alpha.resize(rows.rows());
      for (int r = 0; r < rows.rows(); ++r) grp.alpha[r] = 2 * rng.uniform() - 1;
      td.groups.push_back(grp);
    }
    d.terms.push_back(td);
  }
  return d;
}

const Potential& test_potential() {
  static const Potential pot(test_potential_data());
  return pot;
}

double energy_only(const Potential& pot, const Structure& s) { return pot.predict(s, {false, false}).energy; }

void expect_forces_match_finite_differences(const Potential& pot, const Structure& s0, double tol = 1e-6) {
  Prediction p = pot.predict(s0);
  MatrixX3 fd = finite_difference_forces([&](const Structure& s) { return energy_only(pot, s); }, s0);
  const double max_err = (fd - p.forces).cwiseAbs().maxCoeff(), max_f = p.forces.cwiseAbs().maxCoeff();
  ASSERT_GT(max_f, 1e-3) << "forces are trivially small: the test would not detect errors";
  EXPECT_LT(max_err, tol * std::max(1.0, max_f)) << "max |F - F_fd| = " << max_err << ", max |F| = " << max_f;
}

void expect_virial_matches_strain_derivative(const Potential& pot, const Structure& s0, double tol = 1e-6) {
  Prediction p = pot.predict(s0);
  Eigen::Matrix3d fd = finite_difference_virial([&](const Structure& s) { return energy_only(pot, s); }, s0);
  double scale = std::max(1.0, p.virial.cwiseAbs().maxCoeff());
  ASSERT_GT(p.virial.cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_LT((fd - p.virial).cwiseAbs().maxCoeff(), tol * scale) << "virial\n"
                                                                << p.virial << "\nfinite differences\n"
                                                                << fd;
}

}  // namespace

TEST(Potential, ForcesAreMinusEnergyGradient) {
  Structure bulk = diamond(5.43, 1);
  rattle(bulk, 0.05, 1);
  Structure big = diamond(5.43, 2);  // 64 atoms
  rattle(big, 0.15, 2);
  Structure sl = slab(5.43, 1, 2, 8.0);
  rattle(sl, 0.1, 3);
  Structure small = primitive_diamond();
  small.positions(1, 0) += 0.07;
  for (const Structure* s : {&bulk, &sl, &small}) expect_forces_match_finite_differences(test_potential(), *s);
  expect_forces_match_finite_differences(test_potential(), triclinic());
  expect_forces_match_finite_differences(test_potential(), two_elements());
  // 64 atoms: check a subset of atoms only, to keep the test fast
  Structure part = big;
  expect_forces_match_finite_differences(test_potential(), part);
}

TEST(Potential, VirialIsMinusStrainDerivative) {
  Structure bulk = diamond(5.43, 1);
  rattle(bulk, 0.05, 1);
  Structure sl = slab(5.43, 1, 2, 8.0);
  rattle(sl, 0.1, 3);
  Structure small = primitive_diamond();
  small.positions(1, 0) += 0.07;
  for (const Structure& s : {bulk, sl, small, triclinic(), two_elements()})
    expect_virial_matches_strain_derivative(test_potential(), s);
}

TEST(Potential, InvariantUnderRotationTranslationPermutationAndImages) {
  Structure s = triclinic();
  s.numbers[1] = 6;
  Prediction p = test_potential().predict(s);
  Eigen::Matrix3d R = rotation(0.3, -1.1, 2.0);
  Structure r = s;
  r.positions = s.positions * R.transpose();
  r.cell = s.cell * R.transpose();
  r.positions.rowwise() += Eigen::RowVector3d(1.3, -7.2, 0.4);
  Prediction pr = test_potential().predict(r);
  EXPECT_NEAR(pr.energy, p.energy, 1e-10 * std::abs(p.energy));
  EXPECT_LT((pr.forces - p.forces * R.transpose()).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((pr.virial - R * p.virial * R.transpose()).cwiseAbs().maxCoeff(), 1e-9);
  // permutation
  Structure q = s;
  std::vector<int> perm = {3, 0, 7, 1, 6, 2, 5, 4};
  for (int i = 0; i < s.size(); ++i) {
    q.positions.row(i) = s.positions.row(perm[i]);
    q.numbers[i] = s.numbers[perm[i]];
  }
  Prediction pq = test_potential().predict(q);
  EXPECT_NEAR(pq.energy, p.energy, 1e-10 * std::abs(p.energy));
  for (int i = 0; i < s.size(); ++i) EXPECT_LT((pq.forces.row(i) - p.forces.row(perm[i])).norm(), 1e-10);
  // periodic image of an atom
  Structure im = s;
  im.positions.row(2) += 2 * s.cell.row(1) - s.cell.row(0);
  EXPECT_NEAR(test_potential().predict(im).energy, p.energy, 1e-10 * std::abs(p.energy));
}

TEST(Potential, LocalEnergiesSumToTotalAndIsolatedAtomIsE0PlusModel) {
  Structure s = two_elements();
  Prediction p = test_potential().predict(s);
  EXPECT_NEAR(p.local_energy.sum(), p.energy, 1e-10);
  EXPECT_LT((p.forces.colwise().sum()).norm(), 1e-9);  // no net force in a periodic cell
  Structure atom;
  atom.numbers = {14};
  atom.positions = MatrixX3::Zero(1, 3);
  Prediction pa = test_potential().predict(atom);
  EXPECT_EQ(pa.forces.rows(), 1);
  EXPECT_EQ(pa.forces.norm(), 0.0);
}

TEST(Potential, UnknownElementIsAnError) {
  Structure s = diamond();
  s.numbers[0] = 8;
  EXPECT_THROW(test_potential().predict(s), InputError);
}

TEST(Potential, PriorVariancesAreKernelSumsOverEnvironmentPairs) {
  // With factors U = R (no information from data) the predicted variances are the prior ones:
  // local: sum over pairs of environments of one atom; total: over all pairs (per term, group).
  PotentialData d = test_potential_data();
  int m = 0;
  for (const TermData& t : d.terms)
    for (const SparseGroupData& g : t.groups) m += static_cast<int>(g.alpha.size());
  d.variance = VarianceFactors{1e8 * Eigen::MatrixXd::Identity(m, m), 1e8 * Eigen::MatrixXd::Identity(m, m)};
  Potential pot(d);
  Structure s = two_elements();
  PredictOptions opt;
  opt.variance = true;
  Prediction p = pot.predict(s, opt);
  Eigen::VectorXd local = Eigen::VectorXd::Zero(s.size());
  double total = 0;
  for (const Term& term : pot.terms()) {
    Environments env = term.descriptor().compute(s, NeighbourList(s, pot.cutoff()));
    for (int a = 0; a < env.size(); ++a)
      for (int b = 0; b < env.size(); ++b) {
        if (env.group[a] != env.group[b] || env.group[a] < 0) continue;
        Eigen::MatrixXd k;
        term.kernel().matrix(env.q.row(a), env.q.row(b), k);
        const double v = env.w[a] * env.w[b] * k(0, 0);
        total += v;
        if (env.atom[a] == env.atom[b]) local[env.atom[a]] += v;
      }
  }
  EXPECT_LT((p.local_variance - local).cwiseAbs().maxCoeff(), 1e-10 * local.cwiseAbs().maxCoeff());
  EXPECT_NEAR(p.energy_variance, total, 1e-10 * std::abs(total));
  opt.total_variance = false;
  Prediction q = pot.predict(s, opt);
  EXPECT_EQ(q.local_variance, p.local_variance);
  EXPECT_EQ(q.energy_variance, 0.0);
}

TEST(Potential, ExternalNeighbourListWithGhostAtomsGivesTheSameResults) {
  // As LAMMPS does it: local atoms plus one ghost atom per periodic image neighbour.
  Structure s = two_elements();
  const Potential& pot = test_potential();
  PredictOptions opt;
  opt.atom_virial = true;
  Prediction ref = pot.predict(s, opt);
  Structure g;
  std::vector<int> owner;
  const NeighbourList ext = with_ghost_atoms(s, pot.cutoff(), &g, &owner);
  const int n = s.size();
  Prediction p = pot.compute(g, ext, opt);
  EXPECT_LT((p.local_energy - ref.local_energy).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR(p.energy, ref.energy, 1e-10);
  MatrixX3 folded = p.forces.topRows(n);
  Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor> wfold = p.atom_virial.topRows(n);
  for (size_t k = 0; k < owner.size(); ++k) {
    folded.row(owner[k]) += p.forces.row(n + k);
    wfold.row(owner[k]) += p.atom_virial.row(n + k);
  }
  EXPECT_LT((folded - ref.forces).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((p.virial - ref.virial).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((wfold - ref.atom_virial).cwiseAbs().maxCoeff(), 1e-10);
  // per-atom virials sum to the virial
  Eigen::Matrix<double, 1, 6> sum = ref.atom_virial.colwise().sum();
  const Eigen::Matrix3d& W = ref.virial;
  Eigen::Matrix<double, 1, 6> expected;
  expected << W(0, 0), W(1, 1), W(2, 2), W(0, 1), W(0, 2), W(1, 2);
  EXPECT_LT((sum - expected).cwiseAbs().maxCoeff(), 1e-10);
}

// ---------------------------------------------------------------------------------------------
// Edge cases: dimers, atoms exactly at the cutoff, skewed and huge cells, unknown elements.

namespace {

Structure dimer(double r, bool periodic = false, double box = 30.0) {
  Structure s;
  s.numbers = {14, 6};
  s.positions.resize(2, 3);
  s.positions << 1.0, 1.0, 1.0, 1.0 + r, 1.0, 1.0;
  if (periodic) {
    s.cell = Eigen::Matrix3d::Identity() * box;
    s.pbc = {true, true, true};
  }
  return s;
}

}  // namespace

TEST(PotentialEdgeCases, DimerIsSmoothAndVanishesBeyondTheCutoff) {
  const Potential pot(test_potential_data());
  const double e_free = pot.predict(dimer(50.0)).energy;  // two atoms that do not see each other
  auto energy = [&](const Structure& t) { return pot.predict(t, PredictOptions{false}).energy; };
  for (double r : {1.2, 2.0, 2.9, 3.5, 4.3, 4.49}) {
    const Structure s = dimer(r);
    const Prediction p = pot.predict(s);
    EXPECT_TRUE(std::isfinite(p.energy));
    const MatrixX3 fd = finite_difference_forces(energy, s);
    EXPECT_LT((p.forces - fd).cwiseAbs().maxCoeff(), 1e-6) << "r = " << r;
    EXPECT_LT(std::abs(p.forces.row(0).sum() + p.forces.row(1).sum()), 1e-12);  // Newton's third law
  }
  // At and beyond the largest cutoff (4.5 A) the atoms do not see each other: exactly the
  // energy of two isolated atoms, zero forces.
  for (double r : {4.5, 4.5 + 1e-12, 7.0}) {
    const Prediction p = pot.predict(dimer(r));
    EXPECT_EQ(p.energy, e_free) << "r = " << r;
    EXPECT_EQ(p.forces.cwiseAbs().maxCoeff(), 0.0);
  }
  // Just inside the cutoff the taper makes the difference vanish smoothly.
  const Prediction inside = pot.predict(dimer(4.5 - 1e-7));
  EXPECT_NEAR(inside.energy, e_free, 1e-12);
  EXPECT_LT(inside.forces.cwiseAbs().maxCoeff(), 1e-9);
}

TEST(PotentialEdgeCases, SkewedCellGivesTheSameCrystal) {
  // The same lattice described by a very skewed basis (a unimodular change of basis):
  // energies, forces and virial must not change.
  const Potential pot(test_potential_data());
  Structure s = two_elements();
  Structure t = s;
  Eigen::Matrix3d M;
  M << 1, 0, 0,  //
      3, 1, 0,   //
      -2, 4, 1;  // det 1
  t.cell = M * s.cell;
  const Prediction a = pot.predict(s), b = pot.predict(t);
  EXPECT_NEAR(a.energy, b.energy, 1e-10);
  EXPECT_LT((a.forces - b.forces).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((a.virial - b.virial).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(PotentialEdgeCases, HugeCellIsAnIsolatedCluster) {
  const Potential pot(test_potential_data());
  const Prediction free = pot.predict(dimer(2.4));
  for (double box : {1.0e3, 1.0e5}) {
    const Prediction p = pot.predict(dimer(2.4, true, box));
    EXPECT_NEAR(p.energy, free.energy, 1e-10) << "box " << box;
    EXPECT_LT((p.forces - free.forces).cwiseAbs().maxCoeff(), 1e-12);
  }
}

TEST(PotentialEdgeCases, ElementNotInThePotentialIsAnError) {
  const Potential pot(test_potential_data());
  Structure s = dimer(2.0);
  s.numbers[1] = 8;
  try {
    pot.predict(s);
    FAIL() << "oxygen accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("atomic number 8"), std::string::npos) << e.what();
  }
}

TEST(PotentialEdgeCases, CoincidentAtomsAreAnError) {
  const Potential pot(test_potential_data());
  EXPECT_THROW(pot.predict(dimer(0.0)), std::exception);
  EXPECT_THROW(pot.predict(dimer(1e-3)), std::exception);
}
