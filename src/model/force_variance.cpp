#include "model/force_variance.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace soapgap {

namespace {

// The derivative of one environment with respect to one atom's position: images folded onto the
// atom, the centre's entries with the opposite sign (r_k = r_j - r_i).
struct AtomBlock {
  int env = 0;
  Eigen::MatrixXd dq;  // d x 3
  Eigen::RowVector3d dw = Eigen::RowVector3d::Zero();
};

// The blocks of environment e, by atom.
std::map<int, AtomBlock> fold_jacobian(const NeighbourList& nl, const EnvironmentJacobian& J, int e, int d,
                                       const std::vector<int>& owner) {
  std::map<int, AtomBlock> blocks;
  for (size_t m = 0; m < J.entries.size(); ++m) {
    const int k = J.entries[m];
    const int atoms[2] = {owner[nl.neighbour(k)], owner[nl.centre(k)]};
    if (atoms[0] < 0)
      throw InputError("force variances: atom " + std::to_string(nl.neighbour(k)) +
                       " is not a periodic image of a centre (LAMMPS: force variances need every atom on one MPI "
                       "rank)");
    const double sign[2] = {1.0, -1.0};
    for (int side = 0; side < 2; ++side) {
      AtomBlock& b = blocks[atoms[side]];
      if (b.dq.size() == 0) {
        b.env = e;
        b.dq = Eigen::MatrixXd::Zero(d, 3);
      }
      b.dq += sign[side] * J.dq.middleCols(3 * m, 3);
      if (J.dw.size()) b.dw += sign[side] * J.dw.segment(3 * m, 3);
    }
  }
  return blocks;
}

// One term: its part of G (M x 3N, columns 3a+x) and of the prior covariances P.
void add_term(const Term& term, const std::vector<int>& offsets, const Structure& s, const NeighbourList& nl,
              const std::vector<int>& owner, Eigen::MatrixXd& G, std::vector<Eigen::Matrix3d>& P) {
  const Environments env = term.descriptor().compute(s, nl);
  const int d = term.descriptor().dimension(), n = nl.n_atoms();
  // [atom][group]: the blocks of the environments that depend on the atom
  std::vector<std::vector<std::vector<AtomBlock>>> by_atom(n, std::vector<std::vector<AtomBlock>>(term.n_groups()));
  EnvironmentJacobian J;
  Eigen::MatrixXd A, K, T;
  for (int e = 0; e < env.size(); ++e) {
    const int g = env.group[e];
    if (g < 0) continue;
    const Eigen::MatrixXd& X = term.groups[g].sparse_points;
    term.descriptor().jacobian(s, nl, env, e, J);
    std::map<int, AtomBlock> blocks = fold_jacobian(nl, J, e, d, owner);
    if (X.rows() > 0) {  // T = dK^T [dq of each atom's block], without forming dK
      A.resize(d, 3 * static_cast<Eigen::Index>(blocks.size()));
      Eigen::Index c = 0;
      for (const auto& ab : blocks) A.middleCols(3 * c++, 3) = ab.second.dq;
      term.kernel().contracted_gradients(env.q.middleRows(e, 1), X, A, {0, A.cols()}, K, T);
    }
    Eigen::Index c = 0;
    for (auto& [a, b] : blocks) {
      if (X.rows() > 0)
        G.block(offsets[g], 3 * a, X.rows(), 3).noalias() += env.w[e] * T.middleCols(3 * c, 3) + K * b.dw;
      ++c;
      by_atom[a][g].push_back(std::move(b));
    }
  }
  for (int a = 0; a < n; ++a)
    for (int g = 0; g < term.n_groups(); ++g) {
      const std::vector<AtomBlock>& list = by_atom[a][g];
      const Eigen::Index m = static_cast<Eigen::Index>(list.size());
      if (m == 0) continue;
      RowMatrix q(m, d);
      Eigen::MatrixXd dq(d, 3 * m);
      Eigen::VectorXd w(m);
      MatrixX3 dw(m, 3);
      for (Eigen::Index i = 0; i < m; ++i) {
        q.row(i) = env.q.row(list[i].env);
        dq.middleCols(3 * i, 3) = list[i].dq;
        w[i] = env.w[list[i].env];
        dw.row(i) = list[i].dw;
      }
      P[a] += term.kernel().derivative_prior_covariance(q, dq, w, dw);
    }
}

// The nearest positive semi-definite matrix (eigenvalues below 0, from rounding, set to 0).
Eigen::Matrix3d clip_negative(const Eigen::Matrix3d& m) {
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(0.5 * (m + m.transpose()));
  const Eigen::Vector3d l = eig.eigenvalues().cwiseMax(0.0);
  return eig.eigenvectors() * l.asDiagonal() * eig.eigenvectors().transpose();
}

}  // namespace

ForceCovariance force_covariance(const Potential& pot, const Structure& s, const NeighbourList& nl,
                                 const std::vector<int>& terms, std::vector<Eigen::Matrix3d>* prior,
                                 const std::vector<int>* owner) {
  if (!pot.has_variance()) throw InputError("the potential file has no variance data (it was fitted without it)");
  std::vector<int> identity;
  if (!owner) {
    if (nl.n_atoms() != s.size())
      throw InputError("force variances need every atom as a centre of the neighbour list (a whole structure)");
    identity.resize(s.size());
    for (int i = 0; i < s.size(); ++i) identity[i] = i;
    owner = &identity;
  }
  if (static_cast<int>(owner->size()) != s.size()) throw InputError("force variances: owner list of the wrong size");
  for (int o : *owner)
    if (o >= nl.n_atoms()) throw InputError("force variances: an owner is not a centre of the neighbour list");
  pot.check_variance_terms(terms);
  const int n = nl.n_atoms(), M = pot.n_sparse_total();
  ForceCovariance out = ForceCovariance::Zero(n, 9);
  if (n == 0) return out;
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(M, 3 * n);
  std::vector<Eigen::Matrix3d> P(n, Eigen::Matrix3d::Zero());
  for (size_t t = 0; t < pot.terms().size(); ++t)
    if (terms.empty() || std::find(terms.begin(), terms.end(), static_cast<int>(t)) != terms.end())
      add_term(pot.terms()[t], pot.group_offsets(t), s, nl, *owner, G, P);
  if (prior) *prior = P;
  const VarianceFactors& f = *pot.data().variance;
  const Eigen::MatrixXd A = f.u.triangularView<Eigen::Upper>().transpose().solve(G);
  Eigen::MatrixXd B = Eigen::MatrixXd::Zero(0, 3 * n);
  if (!f.sparse_only()) B = f.r.triangularView<Eigen::Upper>().transpose().solve(G);
  for (int a = 0; a < n; ++a) {
    const Eigen::Matrix3d prior_residual = P[a] - A.middleCols(3 * a, 3).transpose() * A.middleCols(3 * a, 3);
    const Eigen::Matrix3d posterior = B.rows()
                                          ? Eigen::Matrix3d(B.middleCols(3 * a, 3).transpose() * B.middleCols(3 * a, 3))
                                          : Eigen::Matrix3d::Zero();
    const Eigen::Matrix3d c = clip_negative(prior_residual) + posterior;
    for (int x = 0; x < 3; ++x)
      for (int y = 0; y < 3; ++y) out(a, 3 * x + y) = 0.5 * (c(x, y) + c(y, x));
  }
  return out;
}

}  // namespace soapgap
