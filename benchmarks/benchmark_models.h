// The benchmark models (design §6 sizes) as potentials, and the DGEMM rate of their kernel
// products: shared by bench_soap_gap (library timings) and soapgap_benchmark_tool (the models
// as potential files for the LAMMPS runs of benchmarks/run).
//
// Models: "gap18" (n_max=10, l_max=12, D=715, M=9000) and "small" (n_max=l_max=6, D=147,
// M=1000); SOAP cutoff 5 A, transition width 1, atom_sigma 0.5, central_weight 1, zeta=4,
// delta=1, one element (Si). Sparse points are random non-negative unit vectors and alpha
// random in [-1e-3, 1e-3]: the cost of a prediction does not depend on their values.
#pragma once
#include <Eigen/Dense>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/random.h"
#include "model/potential_data.h"

namespace soapgap::bench {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct ModelSpec {
  const char* name;
  int n_max, l_max, n_sparse;
  int dimension() const { return n_max * (n_max + 1) / 2 * (l_max + 1); }
};

inline const ModelSpec kModels[] = {{"gap18", 10, 12, 9000}, {"small", 6, 6, 1000}};
constexpr int kNumModels = sizeof(kModels) / sizeof(kModels[0]);

inline const ModelSpec* find_model(const std::string& name) {
  for (const ModelSpec& m : kModels)
    if (name == m.name) return &m;
  return nullptr;
}

inline std::string term_spec(const ModelSpec& m) {
  return "soap n_max=" + std::to_string(m.n_max) + " l_max=" + std::to_string(m.l_max) +
         " cutoff=5 cutoff_transition_width=1 atom_sigma=0.5 central_weight=1 species={14} zeta=4 delta=1";
}

// M random unit-norm vectors with non-negative entries (M x dim).
inline Eigen::MatrixXd random_sparse_points(int m, int dim, uint64_t seed) {
  Random rng(seed);
  Eigen::MatrixXd X(m, dim);
  for (int s = 0; s < m; ++s)
    for (int d = 0; d < dim; ++d) X(s, d) = rng.uniform();
  X.rowwise().normalize();
  return X;
}

inline Eigen::VectorXd random_vector(int n, double scale, uint64_t seed) {
  Random rng(seed);
  Eigen::VectorXd v(n);
  for (int i = 0; i < n; ++i) v[i] = scale * (2.0 * rng.uniform() - 1.0);
  return v;
}

// The model as potential data (model index selects the seeds).
inline PotentialData model_data(int model) {
  const ModelSpec& m = kModels[model];
  PotentialData data;
  data.elements = {14};
  data.e0[14] = 0.0;
  data.provenance["benchmark_model"] = m.name;
  TermData term;
  term.spec = term_spec(m);
  SparseGroupData group;
  group.key = "14";
  group.sparse_points = random_sparse_points(m.n_sparse, m.dimension(), 1000 + model);
  group.alpha = random_vector(m.n_sparse, 1e-3, 2000 + model);
  term.groups.push_back(std::move(group));
  data.terms.push_back(std::move(term));
  return data;
}

// The kernel's two products, Gm = Q X^T (N x D . D x M) and G = Gm X (N x M . M x D), with Q
// row-major and X, Gm column-major as in DotProductKernel::values_and_gradients: 4 N M D FLOP.
struct GemmOperands {
  RowMatrix Q;
  Eigen::MatrixXd X, Gm;
  RowMatrix G;
  GemmOperands(int n, int d, int m) : Q(random_sparse_points(n, d, 11)), X(random_sparse_points(m, d, 12)) {}
  double flop() const { return 4.0 * Q.rows() * X.rows() * X.cols(); }
  void run() {
    Gm.noalias() = Q * X.transpose();
    G.noalias() = Gm * X;
  }
};

// Best-of-`repeats` DGEMM rate (GFLOP per wall second) of the kernel products for N rows.
inline double dgemm_gflops(const ModelSpec& m, int rows, int repeats) {
  GemmOperands ops(rows, m.dimension(), m.n_sparse);
  ops.run();  // warm-up
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ops.run();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return ops.flop() / best * 1e-9;
}

}  // namespace soapgap::bench
