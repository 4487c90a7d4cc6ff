// The sparse GP fit against independent computations:
//  - the design matrix built by the fit (forward-mode descriptor Jacobians) equals the one
//    obtained from Potential::predict with unit weights (reverse mode, itself checked against
//    finite differences), so alpha equals the normal-equation solution built from predictions;
//  - with every environment a sparse point, an energy-only fit equals the dense exact GP;
//  - the stored variance factors: U^T U = K_MM + jitter, R^T R = K_MM + K_MN L^-1 K_NM;
//  - fits are bit-identical for a seed and thread count (and for 1 and 2 threads).
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdio>
#include <cstring>

#include "core/blas_threads.h"

#include "core/error.h"
#include "model/potential.h"
#include "model/sparse_gp_fit.h"
#include "neighbours/neighbour_list.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

// Labelled structures with arbitrary (but smooth) reference values.
// with_small_cells: every third configuration is a 2-atom cell (whose two atoms have
// identical environments by symmetry).
std::vector<Structure> training_set(int n, uint64_t seed, bool with_small_cells = true) {
  std::vector<Structure> out;
  for (int c = 0; c < n; ++c) {
    Structure s = with_small_cells && c % 3 == 2 ? primitive_diamond(5.3 + 0.05 * c) : diamond(5.35 + 0.03 * c, 1);
    rattle(s, 0.15, seed + c);
    s.energy = -4.0 * s.size() + 0.1 * c;
    s.forces = MatrixX3::Zero(s.size(), 3);
    Random rng(seed * 7 + c);
    for (int i = 0; i < s.size(); ++i)
      for (int a = 0; a < 3; ++a) (*s.forces)(i, a) = rng.uniform() - 0.5;
    Eigen::Matrix3d w;
    w << 1.0, 0.1, 0.2, 0.1, -0.5, 0.05, 0.2, 0.05, 0.3;
    s.virial = w * (c + 1);
    s.config_type = c % 2 ? "odd" : "even";
    s.source = "train:" + std::to_string(c);
    out.push_back(s);
  }
  return out;
}

// Rows [energy; forces; virial (xx yy zz yz xz xy)] / sigma of one configuration for a
// potential whose weights are all zero except alpha_s = 1, for every s: built from predictions.
void design_from_predictions(const PotentialData& fitted, const std::vector<Structure>& train, const FitSettings& st,
                             Eigen::MatrixXd& A, Eigen::VectorXd& y) {
  int m = 0;
  for (const TermData& t : fitted.terms)
    for (const SparseGroupData& g : t.groups) m += static_cast<int>(g.alpha.size());
  std::vector<std::vector<double>> rows;
  std::vector<double> targets;
  std::vector<Prediction> preds;
  for (int s = 0; s < m; ++s) {
    PotentialData d = fitted;
    d.e0.clear();
    d.variance.reset();
    int k = 0;
    for (TermData& t : d.terms)
      for (SparseGroupData& g : t.groups)
        for (int i = 0; i < g.alpha.size(); ++i, ++k) g.alpha[i] = (k == s) ? 1.0 : 0.0;
    Potential pot(d);
    for (size_t c = 0; c < train.size(); ++c) preds.push_back(pot.predict(train[c]));
  }
  const int nc = static_cast<int>(train.size());
  static const int va[6] = {0, 1, 2, 1, 0, 0}, vb[6] = {0, 1, 2, 2, 2, 1};
  for (int c = 0; c < nc; ++c) {
    const Structure& s = train[c];
    const double sq = std::sqrt(static_cast<double>(s.size()));
    auto add_row = [&](auto value_of, double target, double sigma) {
      std::vector<double> row(m);
      for (int j = 0; j < m; ++j) row[j] = value_of(preds[j * nc + c]) / sigma;
      rows.push_back(row);
      targets.push_back(target / sigma);
    };
    if (st.use_energy && s.energy) {
      double t = *s.energy;
      for (int z : s.numbers) t -= fitted.e0.at(z);
      add_row([](const Prediction& p) { return p.energy; }, t, st.sigma.energy * sq);
    }
    if (st.use_forces && s.forces)
      for (int i = 0; i < s.size(); ++i)
        for (int a = 0; a < 3; ++a)
          add_row([&](const Prediction& p) { return p.forces(i, a); }, (*s.forces)(i, a), st.sigma.force);
    if (st.use_virial && s.virial)
      for (int v = 0; v < 6; ++v)
        add_row([&](const Prediction& p) { return 0.5 * (p.virial(va[v], vb[v]) + p.virial(vb[v], va[v])); },
                0.5 * ((*s.virial)(va[v], vb[v]) + (*s.virial)(vb[v], va[v])), st.sigma.virial * sq);
  }
  A.resize(rows.size(), m);
  y.resize(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (int j = 0; j < m; ++j) A(r, j) = rows[r][j];
    y[r] = targets[r];
  }
}

Eigen::MatrixXd kmm_of(const PotentialData& d, double jitter) {
  int m = 0;
  for (const TermData& t : d.terms)
    for (const SparseGroupData& g : t.groups) m += static_cast<int>(g.alpha.size());
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(m, m);
  int off = 0;
  for (const TermData& td : d.terms) {
    Term term = Term::from_spec(td.spec, d.elements, "test");
    for (const SparseGroupData& g : td.groups) {
      Eigen::MatrixXd k;
      term.kernel().matrix(g.sparse_points, g.sparse_points, k);
      k.diagonal().array() += jitter * term.kernel().delta() * term.kernel().delta();
      K.block(off, off, k.rows(), k.rows()) = k;
      off += static_cast<int>(k.rows());
    }
  }
  return K;
}

Eigen::VectorXd alpha_of(const PotentialData& d) {
  std::vector<double> a;
  for (const TermData& t : d.terms)
    for (const SparseGroupData& g : t.groups) a.insert(a.end(), g.alpha.data(), g.alpha.data() + g.alpha.size());
  return Eigen::Map<Eigen::VectorXd>(a.data(), a.size());
}

void check_against_normal_equations(FitSettings st, const std::vector<Structure>& train) {
  FitResult r = fit_sparse_gp(train, st);
  Eigen::MatrixXd A;
  Eigen::VectorXd y;
  design_from_predictions(r.potential, train, st, A, y);
  Eigen::MatrixXd K = kmm_of(r.potential, st.jitter);
  Eigen::MatrixXd H = K + A.transpose() * A;
  Eigen::VectorXd alpha = H.ldlt().solve(A.transpose() * y);
  Eigen::VectorXd fitted = alpha_of(r.potential);
  ASSERT_EQ(fitted.size(), alpha.size());
  EXPECT_LT((fitted - alpha).norm(), 1e-6 * alpha.norm()) << "fit vs normal equations";
  ASSERT_TRUE(r.potential.variance.has_value());
  // The stored factors: U^T U = K_MM (+ jitter), R^T R = K_MM + K_MN Lambda^-1 K_NM.
  const VarianceFactors& f = *r.potential.variance;
  EXPECT_TRUE(f.u.isUpperTriangular(0.0) && f.r.isUpperTriangular(0.0));
  EXPECT_LT((f.u.transpose() * f.u - K).norm(), 1e-12 * K.norm());
  EXPECT_LT((f.r.transpose() * f.r - H).norm(), 1e-10 * H.norm());
  EXPECT_GT(f.r.diagonal().minCoeff(), 0.0);
  EXPECT_EQ(r.n_rows, A.rows());
}

FitSettings base_settings() {
  FitSettings st;
  st.terms = {"soap n_max=3 l_max=3 cutoff=4.0 cutoff_transition_width=1 atom_sigma=0.5 zeta=2 delta=0.5 n_sparse=12",
              "distance_2b cutoff=4.0 cutoff_transition_width=1 theta=0.7 delta=0.3 n_sparse=5"};
  st.sigma = {0.01, 0.2, 0.1};
  // Large enough that K_MM + K_MN L^-1 K_NM is well conditioned, so that the two solutions
  // can be compared to 1e-6 (with 1e-6 the small SOAP's K_MM has a condition number ~1e10).
  st.jitter = 1e-3;
  st.e0 = {{14, -4.2}};
  return st;
}

}  // namespace

TEST(SparseGpFit, MixedFitEqualsNormalEquationsFromPredictions) {
  check_against_normal_equations(base_settings(), training_set(5, 1));
}

TEST(SparseGpFit, EnergyOnlyFit) {
  FitSettings st = base_settings();
  st.use_forces = st.use_virial = false;
  check_against_normal_equations(st, training_set(8, 2));
}

TEST(SparseGpFit, ForceOnlyFit) {
  FitSettings st = base_settings();
  st.use_energy = st.use_virial = false;
  check_against_normal_equations(st, training_set(4, 3));
}

TEST(SparseGpFit, EnergyOnlyWithAllPointsSparseEqualsDenseGp) {
  // Dense GP on total energies: mean(q*) = k*^T L^T (L K L^T + Lambda)^-1 y.
  std::vector<Structure> train = training_set(6, 4, false);
  FitSettings st;
  st.terms = {"soap n_max=3 l_max=2 cutoff=3.5 atom_sigma=0.5 zeta=2 delta=0.5 n_sparse=1000 sparse_method=all"};
  st.sigma = {0.01, 0.2, 0.1};
  st.use_forces = st.use_virial = false;
  st.jitter = 1e-12;
  st.e0 = {{14, -4.0}};
  FitResult r = fit_sparse_gp(train, st);
  const PotentialData& d = r.potential;
  Term term = Term::from_spec(d.terms[0].spec, d.elements, "test");
  // all environments of the training set, and the summation operator L
  RowMatrix Q(0, term.descriptor().dimension());
  std::vector<int> owner;
  for (size_t c = 0; c < train.size(); ++c) {
    Environments env = term.descriptor().compute(train[c], NeighbourList(train[c], 3.5));
    for (int e = 0; e < env.size(); ++e) {
      Q.conservativeResize(Q.rows() + 1, Eigen::NoChange);
      Q.row(Q.rows() - 1) = env.q.row(e);
      owner.push_back(static_cast<int>(c));
    }
  }
  ASSERT_EQ(d.terms[0].groups[0].alpha.size(), Q.rows()) << "every environment should be a sparse point";
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(train.size(), Q.rows());
  for (int e = 0; e < Q.rows(); ++e) L(owner[e], e) = 1.0;
  Eigen::MatrixXd K;
  term.kernel().matrix(Q, Q, K);
  Eigen::VectorXd y(train.size()), lambda(train.size());
  for (size_t c = 0; c < train.size(); ++c) {
    y[c] = *train[c].energy + 4.0 * train[c].size();
    lambda[c] = std::pow(0.01 * std::sqrt(train[c].size()), 2);
  }
  Eigen::MatrixXd C = L * K * L.transpose();
  C.diagonal() += lambda;
  Eigen::VectorXd beta = L.transpose() * C.ldlt().solve(y);
  // predictions at new environments
  Structure test = diamond(5.4, 1);
  rattle(test, 0.1, 99);
  Environments et = term.descriptor().compute(test, NeighbourList(test, 3.5));
  Eigen::MatrixXd Kt;
  term.kernel().matrix(et.q, Q, Kt);
  Eigen::VectorXd dense = Kt * beta;
  Eigen::MatrixXd Ks;
  term.kernel().matrix(et.q, d.terms[0].groups[0].sparse_points, Ks);
  Eigen::VectorXd sparse = Ks * d.terms[0].groups[0].alpha;
  EXPECT_LT((dense - sparse).cwiseAbs().maxCoeff(), 1e-6 * dense.cwiseAbs().maxCoeff());
}

// ---- Determinism: the same training set, seed and thread count give a bit-identical fit ----

namespace {

// Bitwise equality (memcmp): == would take 0.0 == -0.0 and fail on NaN.
bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0;
}

// Everything of a fit that determines its predictions, flattened in a fixed order.
struct FitNumbers {
  std::vector<Eigen::MatrixXd> sparse_points;
  Eigen::VectorXd alpha;
  Eigen::VectorXd e0;
  Eigen::MatrixXd u, r;
};

FitNumbers numbers_of(const PotentialData& d) {
  FitNumbers n;
  for (const TermData& t : d.terms)
    for (const SparseGroupData& g : t.groups) n.sparse_points.push_back(g.sparse_points);
  n.alpha = alpha_of(d);
  n.e0.resize(d.e0.size());
  int k = 0;
  for (const auto& kv : d.e0) n.e0[k++] = kv.second;
  if (d.variance) {
    n.u = d.variance->u;
    n.r = d.variance->r;
  }
  return n;
}

void expect_bit_identical(const FitNumbers& a, const FitNumbers& b) {
  ASSERT_EQ(a.sparse_points.size(), b.sparse_points.size());
  for (size_t g = 0; g < a.sparse_points.size(); ++g)
    EXPECT_TRUE(same_bits(a.sparse_points[g], b.sparse_points[g])) << "group " << g;
  EXPECT_TRUE(same_bits(a.alpha, b.alpha)) << "alpha";
  EXPECT_TRUE(same_bits(a.e0, b.e0)) << "e0";
  EXPECT_GT(a.u.size(), 0);
  EXPECT_TRUE(same_bits(a.u, b.u)) << "variance factor U";
  EXPECT_TRUE(same_bits(a.r, b.r)) << "variance factor R";
}

// max |a - b| / max |a| over one array (0 for identical arrays).
double max_rel_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  const double scale = a.cwiseAbs().maxCoeff();
  return scale > 0 ? (a - b).cwiseAbs().maxCoeff() / scale : (a - b).cwiseAbs().maxCoeff();
}

// Sets the OpenMP and OpenBLAS thread counts for the lifetime of the object.
class ThreadCount {
 public:
  explicit ThreadCount(int n) : saved_(omp_get_max_threads()) {
    omp_set_num_threads(n);
    set_blas_threads(n);
  }
  ~ThreadCount() {
    omp_set_num_threads(saved_);
    set_blas_threads(saved_);
  }

 private:
  int saved_;
};

// A 216-atom cell first (655 rows: more than one row block of the streamed QR by itself, so
// that the blocks hold one configuration with 1 thread and two with 2 threads), then 30 small
// configurations (~750 rows, further blocks); CUR (soap, random with a seed) and FPS
// (distance_2b, random first point) selections of a part of the environments; e0 from the mean
// energy (a least-squares solve); variance factors stored.
std::vector<Structure> determinism_set() {
  std::vector<Structure> train = training_set(30, 11);
  Structure big = diamond(5.43, 3);
  rattle(big, 0.1, 12);
  big.energy = -4.0 * big.size();
  big.forces = MatrixX3::Zero(big.size(), 3);
  Random rng(13);
  for (int i = 0; i < big.size(); ++i)
    for (int a = 0; a < 3; ++a) (*big.forces)(i, a) = 0.2 * (rng.uniform() - 0.5);
  big.source = "train:big";
  train.insert(train.begin(), big);
  return train;
}

FitSettings determinism_settings() {
  FitSettings st = base_settings();
  st.terms = {"soap n_max=3 l_max=3 cutoff=4.0 cutoff_transition_width=1 atom_sigma=0.5 zeta=2 delta=0.5 n_sparse=40",
              "distance_2b cutoff=4.0 cutoff_transition_width=1 theta=0.7 delta=0.3 n_sparse=8"};
  st.e0.clear();
  st.jitter = 1e-6;
  return st;
}

}  // namespace

TEST(SparseGpFit, BitIdenticalForTheSameSeedAndThreadCount) {
  const std::vector<Structure> train = determinism_set();
  FitSettings st = determinism_settings();
  ThreadCount threads(2);
  ASSERT_EQ(omp_get_max_threads(), 2);
  const FitNumbers a = numbers_of(fit_sparse_gp(train, st).potential);
  const FitNumbers b = numbers_of(fit_sparse_gp(train, st).potential);
  expect_bit_identical(a, b);
  // A different seed chooses different sparse points (CUR and FPS are random), so that the
  // comparison above can fail.
  st.seed = 77;
  const FitNumbers c = numbers_of(fit_sparse_gp(train, st).potential);
  ASSERT_EQ(a.sparse_points.size(), c.sparse_points.size());
  for (size_t g = 0; g < a.sparse_points.size(); ++g)
    EXPECT_FALSE(same_bits(a.sparse_points[g], c.sparse_points[g]))
        << "group " << g << " has the same sparse points for seeds 1 and 77";
  EXPECT_FALSE(same_bits(a.alpha, c.alpha));
}

TEST(SparseGpFit, OneAndTwoThreadsAgree) {
  const std::vector<Structure> train = determinism_set();
  const FitSettings st = determinism_settings();
  FitNumbers one, two;
  {
    ThreadCount threads(1);
    one = numbers_of(fit_sparse_gp(train, st).potential);
  }
  {
    ThreadCount threads(2);
    two = numbers_of(fit_sparse_gp(train, st).potential);
  }
  // The sparse points, e0 and U (K_MM's Cholesky factor) do not depend on the thread count:
  // bit-identical. alpha and R do: the row blocks folded into the QR hold at least one
  // configuration per thread, and OpenBLAS's multi-threaded products (the QR's block updates)
  // sum in another order than its single-threaded ones. Measured (OpenBLAS 0.3.21 pthread):
  // max |alpha_1 - alpha_2| / max |alpha_1| = 3.95e-9 and 1.02e-12 for R (with BLAS kept at
  // one thread: the same; without the 216-atom cell, where the blocks are the same: 3.1e-10 and
  // 1.8e-15, from BLAS alone).
  for (size_t g = 0; g < one.sparse_points.size(); ++g)
    EXPECT_TRUE(same_bits(one.sparse_points[g], two.sparse_points[g])) << "group " << g;
  EXPECT_TRUE(same_bits(one.e0, two.e0)) << "e0";
  EXPECT_TRUE(same_bits(one.u, two.u)) << "variance factor U";
  const double d_alpha = max_rel_diff(one.alpha, two.alpha), d_r = max_rel_diff(one.r, two.r);
  std::printf("1 vs 2 threads: max relative difference of alpha %.3g, of R %.3g\n", d_alpha, d_r);
  EXPECT_LT(d_alpha, 1e-7);
  EXPECT_LT(d_r, 1e-10);
}

TEST(SparseGpFit, RejectsUnusableInput) {
  FitSettings st = base_settings();
  EXPECT_THROW(fit_sparse_gp({}, st), InputError);
  std::vector<Structure> train = training_set(2, 6);
  for (Structure& s : train) {
    s.energy.reset();
    s.forces.reset();
    s.virial.reset();
  }
  EXPECT_THROW(fit_sparse_gp(train, st), InputError);
  train = training_set(2, 6);
  train[1].energy = std::nan("");
  EXPECT_THROW(fit_sparse_gp(train, st), InputError);
  train = training_set(2, 6);
  st.terms = {"soap n_max=3 l_max=3 cutoff=4 zeta=2 n_sparse=5 bogus=1"};
  EXPECT_THROW(fit_sparse_gp(train, st), InputError);
  st.terms = {"soap n_max=3 l_max=3 cutoff=4 zeta=2"};  // no n_sparse
  EXPECT_THROW(fit_sparse_gp(train, st), InputError);
}

TEST(SparseGpFit, PredictedVarianceIsSmallNearDataAndLargeFarAway) {
  std::vector<Structure> train = training_set(8, 8, false);
  FitSettings st = base_settings();
  st.terms = {"soap n_max=4 l_max=3 cutoff=4.0 cutoff_transition_width=1 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse=40"};
  st.jitter = 1e-6;
  Potential pot(fit_sparse_gp(train, st).potential);
  const double prior = 0.25;  // delta^2 for one SOAP environment (unit-norm q)
  PredictOptions opt;
  opt.variance = true;
  double near = 0;
  for (const Structure& s : train) {
    Prediction p = pot.predict(s, opt);
    EXPECT_GE(p.local_variance.minCoeff(), -1e-10);
    EXPECT_GE(p.energy_variance, -1e-10);
    near = std::max(near, p.local_variance.maxCoeff());
  }
  EXPECT_LT(near, 0.05 * prior) << "training environments should be well determined";
  Structure far = diamond(4.6, 1);  // strongly compressed: outside the training distribution
  rattle(far, 0.3, 3);
  Prediction pf = pot.predict(far, opt);
  EXPECT_GT(pf.local_variance.maxCoeff(), 10 * near);
  EXPECT_LE(pf.local_variance.maxCoeff(), prior * (1 + 1e-9));
  // total-energy variance: consistent with the per-atom ones for a single environment
  Structure one = train[0];
  Prediction p1 = pot.predict(one, opt);
  EXPECT_LE(p1.energy_variance, std::pow(p1.local_variance.array().max(0.0).sqrt().sum(), 2) * (1 + 1e-9) + 1e-12);
}

// A 2-body + SOAP potential fitted to train; two_body_sparse: the 2-body term's sparse-point keys.
Potential two_term_potential(const std::vector<Structure>& train, const std::string& two_body_sparse) {
  FitSettings st = base_settings();
  st.terms = {"distance_2b cutoff=4.0 cutoff_transition_width=1 theta=0.4 delta=1 " + two_body_sparse,
              "soap n_max=3 l_max=3 cutoff=4.0 cutoff_transition_width=1 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse=20"};
  st.jitter = 1e-8;
  return Potential(fit_sparse_gp(train, st).potential);
}

TEST(SparseGpFit, VarianceStaysNonNegativeWithNearlyDuplicateSparsePoints) {
  // Randomly chosen 2-body sparse points include near-duplicate distances, so K_MM is nearly
  // singular (condition ~1/jitter). The former P = K_MM^-1 - Sigma lost all digits of the
  // variance there (negative values, NaN standard deviations); the triangular factors do not.
  std::vector<Structure> train = training_set(6, 9, false);
  Potential pot = two_term_potential(train, "n_sparse=30 sparse_method=random");
  PredictOptions opt;
  opt.variance = true;
  for (const Structure& s : train) {
    Prediction p = pot.predict(s, opt);
    ASSERT_TRUE(p.local_variance.allFinite());
    EXPECT_GE(p.local_variance.minCoeff(), 0.0);
    EXPECT_GE(p.energy_variance, 0.0);
    EXPECT_TRUE(std::isfinite(p.energy_variance));
  }
}

TEST(SparseGpFit, VarianceOfASubsetOfTermsUsesOnlyTheirKernelVectors) {
  // A 2-body + SOAP potential. The variance of the SOAP part of an atom's local energy is
  // posterior_variance(delta^2, k) with k the atom's SOAP kernel vector and zeros on the
  // 2-body block, assembled here independently of Potential::compute.
  Potential pot = two_term_potential(training_set(6, 11, false), "n_sparse=12");
  ASSERT_EQ(pot.terms().size(), 2u);
  Structure far = diamond(4.9, 1);
  rattle(far, 0.25, 5);
  PredictOptions all, both, soap, two_body;
  all.variance = both.variance = soap.variance = two_body.variance = true;
  both.variance_terms = {1, 0};
  soap.variance_terms = {1};
  two_body.variance_terms = {0};
  const Prediction p_all = pot.predict(far, all), p_both = pot.predict(far, both);
  const Prediction p_soap = pot.predict(far, soap), p_2b = pot.predict(far, two_body);
  EXPECT_EQ(p_all.local_variance, p_both.local_variance);
  EXPECT_EQ(p_all.energy_variance, p_both.energy_variance);
  const Term& t2b = pot.terms()[0];
  const Term& tsoap = pot.terms()[1];
  ASSERT_EQ(t2b.n_groups(), 1);
  ASSERT_EQ(tsoap.n_groups(), 1);
  const int off = static_cast<int>(t2b.groups[0].sparse_points.rows());
  const NeighbourList nl(far, pot.cutoff());
  const Environments env = tsoap.descriptor().compute(far, nl);
  ASSERT_EQ(env.size(), far.size());
  Eigen::MatrixXd K;
  tsoap.kernel().matrix(env.q, tsoap.groups[0].sparse_points, K);
  Eigen::VectorXd k_sum = Eigen::VectorXd::Zero(pot.n_sparse_total());
  for (int e = 0; e < env.size(); ++e) {
    Eigen::VectorXd k = Eigen::VectorXd::Zero(pot.n_sparse_total());
    k.segment(off, K.cols()) = env.w[e] * K.row(e).transpose();
    k_sum += k;
    const double expected = pot.posterior_variance(0.25 * env.w[e] * env.w[e], k);
    EXPECT_NEAR(p_soap.local_variance[env.atom[e]], expected, 1e-10 * 0.25) << "atom " << env.atom[e];
  }
  Eigen::MatrixXd Kqq;
  tsoap.kernel().matrix(env.q, env.q, Kqq);
  const Eigen::VectorXd w = env.w;
  EXPECT_NEAR(p_soap.energy_variance, pot.posterior_variance(w.dot(Kqq * w), k_sum), 1e-9 * p_soap.energy_variance);
  // The parts differ from each other and from the whole.
  EXPECT_GT((p_soap.local_variance - p_2b.local_variance).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_GT((p_all.local_variance - p_soap.local_variance).cwiseAbs().maxCoeff(), 1e-6);
  PredictOptions bad = all;
  bad.variance_terms = {2};
  try {
    pot.predict(far, bad);
    ADD_FAILURE() << "term 3 of a 2-term potential accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("term 3 does not exist (the potential has 2 terms"), std::string::npos)
        << e.what();
  }
}

TEST(SparseGpFit, RefitVarianceFactorsReproduceTheFitsOwn) {
  std::vector<Structure> train;
  for (int c = 0; c < 4; ++c) {
    Structure s = diamond(5.43, 1);
    rattle(s, 0.1, 60 + c);
    s.energy = -5.0 * s.size() + 0.1 * c;
    s.forces = MatrixX3::Constant(s.size(), 3, 0.01 * c);
    train.push_back(s);
  }
  FitSettings settings;
  settings.terms = {"soap n_max=3 l_max=2 cutoff=3.5 atom_sigma=0.5 zeta=2 delta=1 n_sparse=12",
                    "distance_2b cutoff=3.5 theta=0.5 delta=0.3 n_sparse=5"};
  settings.sparse_jitter = 1e-9;
  const PotentialData fitted = fit_sparse_gp(train, settings).potential;
  double change = 1;
  const VarianceFactors f = refit_variance_factors(fitted, train, settings, &change);
  EXPECT_LT(change, 1e-9);
  EXPECT_LT((f.u - fitted.variance->u).cwiseAbs().maxCoeff(), 1e-12 * fitted.variance->u.cwiseAbs().maxCoeff());
  EXPECT_LT((f.r - fitted.variance->r).cwiseAbs().maxCoeff(), 1e-9 * fitted.variance->r.cwiseAbs().maxCoeff());
  // other labels: other weights, which the check reports
  train[0].energy = *train[0].energy + 1.0;
  refit_variance_factors(fitted, train, settings, &change);
  EXPECT_GT(change, 1e-3);
}
