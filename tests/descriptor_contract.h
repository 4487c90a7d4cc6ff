// The contract every Descriptor keeps, checked in one place for every descriptor
// (tests/test_descriptor_contract.cpp runs it on each type; test_soap.cpp uses it too):
//   - jacobian() agrees with central finite differences of q and w in the atom positions;
//   - backpropagate() agrees with jacobian() for random dE/dq and dE/dw;
//   - parse_descriptor(spec()) recreates the descriptor: the same spec and bit-identical output.
#pragma once
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "descriptors/descriptor.h"
#include "neighbours/neighbour_list.h"

namespace soapgap::testing {

// The identity of environment e, stable when the neighbour list reorders its entries (binning):
// its atom and, for environments of one neighbour-list entry (tag, pair terms), the neighbour
// and the periodic image it is seen in.
inline std::array<long, 5> environment_key(const Structure& s, const NeighbourList& nl, const Environments& env,
                                           int e) {
  if (env.tag.empty()) return {env.atom[e], -1, 0, 0, 0};
  const int k = env.tag[e], i = nl.centre(k), j = nl.neighbour(k);
  const Eigen::Vector3d image = nl.r(k) - (s.positions.row(j) - s.positions.row(i)).transpose();
  return {env.atom[e], j, std::lround(image[0] * 100), std::lround(image[1] * 100), std::lround(image[2] * 100)};
}

// Environments of s by key (q and w side by side: dim + 1 values).
inline std::map<std::array<long, 5>, Eigen::RowVectorXd> environment_values(const Descriptor& d, const Structure& s,
                                                                            double nl_cutoff) {
  NeighbourList nl(s, nl_cutoff);
  const Environments env = d.compute(s, nl);
  std::map<std::array<long, 5>, Eigen::RowVectorXd> out;
  for (int e = 0; e < env.size(); ++e) {
    Eigen::RowVectorXd v(d.dimension() + 1);
    v << env.q.row(e), env.w[e];
    out[environment_key(s, nl, env, e)] = v;
  }
  return out;
}

// jacobian() against finite differences: d(q_e, w_e)/dx_j, with dr_k/dx_j = +1 for the
// neighbour of entry k and -1 for its centre. Environments are matched by environment_key; they
// must all persist under +-h (no pair at the cutoff).
inline void check_jacobian_fd(const Descriptor& d, const Structure& s, double nl_cutoff, double h = 1e-5) {
  NeighbourList nl(s, nl_cutoff);
  const Environments env = d.compute(s, nl);
  const int n = s.size(), cols = d.dimension() + 1, n_env = env.size();
  ASSERT_GT(n_env, 0);
  RowMatrix analytic = RowMatrix::Zero(n_env * cols, 3 * n);
  EnvironmentJacobian jac;
  for (int e = 0; e < n_env; ++e) {
    d.jacobian(s, nl, env, e, jac);
    ASSERT_EQ(jac.dq.rows(), d.dimension());
    ASSERT_EQ(jac.dq.cols(), 3 * static_cast<int>(jac.entries.size()));
    ASSERT_EQ(jac.dw.size(), 3 * static_cast<int>(jac.entries.size()));
    for (size_t m = 0; m < jac.entries.size(); ++m) {
      const int k = jac.entries[m], i = nl.centre(k), j = nl.neighbour(k);
      for (int a = 0; a < 3; ++a) {
        for (int sign : {+1, -1}) {
          const int atom = sign > 0 ? j : i;
          analytic.block(e * cols, 3 * atom + a, d.dimension(), 1) += sign * jac.dq.col(3 * m + a);
          analytic(e * cols + d.dimension(), 3 * atom + a) += sign * jac.dw(3 * m + a);
        }
      }
    }
  }
  RowMatrix fd(n_env * cols, 3 * n);
  for (int j = 0; j < n; ++j)
    for (int a = 0; a < 3; ++a) {
      Structure sp = s, sm = s;
      sp.positions(j, a) += h;
      sm.positions(j, a) -= h;
      const auto vp = environment_values(d, sp, nl_cutoff), vm = environment_values(d, sm, nl_cutoff);
      for (int e = 0; e < n_env; ++e) {
        const auto key = environment_key(s, nl, env, e);
        ASSERT_TRUE(vp.count(key) && vm.count(key)) << "environment " << e << " lost under a displacement of " << h;
        fd.block(e * cols, 3 * j + a, cols, 1) = ((vp.at(key) - vm.at(key)) / (2 * h)).transpose();
      }
    }
  const double scale = fd.cwiseAbs().maxCoeff();
  EXPECT_GT(scale, 1e-3) << d.spec();
  Eigen::Index row = 0, col = 0;
  const double worst = (analytic - fd).cwiseAbs().maxCoeff(&row, &col);
  EXPECT_LT(worst, 1e-6 * scale) << d.spec() << ", scale " << scale << ": environment " << row / cols << " (atom "
                                 << env.atom[row / cols] << "), value " << row % cols << ", atom " << col / 3
                                 << " direction " << col % 3 << ": analytic " << analytic(row, col)
                                 << ", finite difference " << fd(row, col);
}

// backpropagate() against jacobian(): dE/dr_k = sum_e dE/dq_e . dq_e/dr_k + dE/dw_e dw_e/dr_k,
// added to what dE_dr already holds.
inline void check_backpropagate(const Descriptor& d, const Structure& s, double nl_cutoff, unsigned seed = 31) {
  NeighbourList nl(s, nl_cutoff);
  const Environments env = d.compute(s, nl);
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  RowMatrix dE_dq(env.size(), d.dimension());
  Eigen::VectorXd dE_dw(env.size());
  for (int i = 0; i < dE_dq.size(); ++i) dE_dq.data()[i] = g(rng);
  for (int i = 0; i < dE_dw.size(); ++i) dE_dw[i] = g(rng);
  MatrixX3 initial(nl.n_entries(), 3);
  for (int i = 0; i < initial.size(); ++i) initial.data()[i] = g(rng);
  MatrixX3 dE_dr = initial;
  d.backpropagate(s, nl, env, dE_dq, dE_dw, dE_dr);
  MatrixX3 ref = MatrixX3::Zero(nl.n_entries(), 3);
  EnvironmentJacobian jac;
  for (int e = 0; e < env.size(); ++e) {
    d.jacobian(s, nl, env, e, jac);
    const Eigen::RowVectorXd contrib = dE_dq.row(e) * jac.dq + dE_dw[e] * jac.dw;
    for (size_t m = 0; m < jac.entries.size(); ++m)
      for (int a = 0; a < 3; ++a) ref(jac.entries[m], a) += contrib(3 * m + a);
  }
  const double scale = ref.cwiseAbs().maxCoeff();
  EXPECT_GT(scale, 1e-3) << d.spec();
  EXPECT_LT((dE_dr - initial - ref).cwiseAbs().maxCoeff(), 1e-10 * scale) << d.spec();
}

// parse_descriptor(spec) -> spec() -> parse_descriptor again: the same canonical spec and the
// same environments, bit for bit.
inline void check_spec_round_trip(const std::string& spec, const std::vector<int>& species, const Structure& s) {
  const std::unique_ptr<Descriptor> a = parse_descriptor(spec, species);
  const std::unique_ptr<Descriptor> b = parse_descriptor(a->spec(), species);
  EXPECT_EQ(b->spec(), a->spec()) << spec;
  EXPECT_EQ(b->type(), a->type());
  EXPECT_EQ(b->dimension(), a->dimension());
  EXPECT_EQ(b->cutoff(), a->cutoff());
  EXPECT_EQ(b->group_keys(), a->group_keys());
  NeighbourList nl(s, a->cutoff());
  const Environments ea = a->compute(s, nl), eb = b->compute(s, nl);
  EXPECT_EQ(ea.q, eb.q) << spec;
  EXPECT_EQ(ea.w, eb.w) << spec;
  EXPECT_EQ(ea.atom, eb.atom) << spec;
  EXPECT_EQ(ea.group, eb.group) << spec;
}

}  // namespace soapgap::testing
