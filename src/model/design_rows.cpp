#include "model/design_rows.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

Sigmas sigmas_for(const Structure& s, const FitSettings& settings) {
  Sigmas sg = settings.sigma;
  auto it = settings.config_type_sigma.find(s.config_type);
  if (it != settings.config_type_sigma.end()) sg = it->second;
  if (s.sigma_energy) sg.energy = *s.sigma_energy;
  if (s.sigma_force) sg.force = *s.sigma_force;
  if (s.sigma_virial) sg.virial = *s.sigma_virial;
  if (!(sg.energy > 0 && sg.force > 0 && sg.virial > 0))
    throw InputError(s.source + ": regularisation sigmas must be positive");
  return sg;
}

namespace {

// A batch ends after this many environments or once it has this many Jacobian columns: big
// enough that the GEMM packs the sparse points once for many environments, small enough that
// its M x columns product stays bounded (9000 x ~1100 doubles, about 80 MB per thread).
constexpr int kBatchEnvironments = 32;
constexpr Eigen::Index kBatchColumns = 1024;

// Which observation columns of At a configuration has.
struct Layout {
  bool e, f, v;
  int col_f, col_v, cols;
};

Layout layout_of(const Structure& s, const FitSettings& settings) {
  Layout l;
  l.e = settings.use_energy && s.energy.has_value();
  l.f = settings.use_forces && s.forces.has_value();
  l.v = settings.use_virial && s.virial.has_value();
  l.col_f = l.e ? 1 : 0;
  l.col_v = l.col_f + (l.f ? 3 * s.size() : 0);
  l.cols = l.col_v + (l.v ? 6 : 0);
  return l;
}

const int kVa[6] = {0, 1, 2, 1, 0, 0}, kVb[6] = {0, 1, 2, 2, 2, 1};  // xx yy zz yz xz xy

// Adds one environment's derivative columns Gt (M_g x 3 entries: d(w k)/dr of each entry) to the
// force columns of the entry's two atoms and to the virial columns.
void scatter_entries(const NeighbourList& nl, const std::vector<int>& entries, const Eigen::MatrixXd& Gt,
                     const Layout& l, int off, Eigen::MatrixXd& At) {
  const Eigen::Index mg = Gt.rows();
  for (size_t m = 0; m < entries.size(); ++m) {
    const int kk = entries[m];
    const int i = nl.centre(kk), j = nl.neighbour(kk);
    if (l.f)
      for (int a = 0; a < 3; ++a) {
        At.col(l.col_f + 3 * j + a).segment(off, mg) -= Gt.col(3 * m + a);
        At.col(l.col_f + 3 * i + a).segment(off, mg) += Gt.col(3 * m + a);
      }
    if (l.v) {
      const Eigen::Vector3d& r = nl.r(kk);
      for (int c = 0; c < 6; ++c)  // symmetrised component: -(r_a g_b + r_b g_a) / 2
        At.col(l.col_v + c).segment(off, mg) -=
            0.5 * (r[kVa[c]] * Gt.col(3 * m + kVb[c]) + r[kVb[c]] * Gt.col(3 * m + kVa[c]));
    }
  }
}

// Buffers reused from batch to batch (the products are tens of MB at M = 9000).
struct Workspace {
  std::vector<EnvironmentJacobian> J;
  Eigen::MatrixXd A, K, T, Gt;
};

// One batch of environments of group g = env.group[e0], from e0 up to at most e_max: computes
// their Jacobians until the batch limits are reached, adds the batch's columns, returns its end.
int add_batch(const Structure& s, const NeighbourList& nl, const DesignTerm& dt, const Environments& env, int e0,
              int e_max, const Layout& l, Workspace& ws, Eigen::MatrixXd& At) {
  const Term& term = *dt.term;
  const int g = env.group[e0];
  const Eigen::MatrixXd& X = term.groups[g].sparse_points;
  const int off = (*dt.offset)[g], d = term.descriptor().dimension();
  const bool derivatives = l.f || l.v;
  std::vector<EnvironmentJacobian>& J = ws.J;
  if (derivatives && J.size() < static_cast<size_t>(kBatchEnvironments)) J.resize(kBatchEnvironments);
  std::vector<Eigen::Index> col_start{0};
  int e1 = e0;
  while (e1 < e_max && e1 - e0 < kBatchEnvironments && col_start.back() < kBatchColumns) {
    if (derivatives) term.descriptor().jacobian(s, nl, env, e1, J[e1 - e0]);
    col_start.push_back(col_start.back() + (derivatives ? J[e1 - e0].dq.cols() : 0));
    ++e1;
  }
  const int n = e1 - e0;
  Eigen::MatrixXd &A = ws.A, &K = ws.K, &T = ws.T, &Gt = ws.Gt;
  A.resize(d, col_start[n]);
  for (int b = 0; b < n && derivatives; ++b) A.middleCols(col_start[b], J[b].dq.cols()) = J[b].dq;
  const RowMatrix Q = env.q.middleRows(e0, n);
  term.kernel().contracted_gradients(Q, X, A, col_start, K, T);
  for (int b = 0; b < n; ++b) {
    const double w = env.w[e0 + b];
    if (l.e) At.col(0).segment(off, X.rows()) += w * K.col(b);
    if (!derivatives) continue;
    // Gt (M_g x 3m) = d(w k)/dr_entries = w dK^T dq + k dw
    Gt.noalias() = w * T.middleCols(col_start[b], J[b].dq.cols());
    Gt.noalias() += K.col(b) * J[b].dw;
    scatter_entries(nl, J[b].entries, Gt, l, off, At);
  }
  return e1;
}

void add_targets(const Structure& s, const Layout& l, const std::map<int, double>& e0, const FitSettings& settings,
                 DesignRows& out) {
  const int n = s.size();
  const Sigmas sg = sigmas_for(s, settings);
  const double sqrt_n = std::sqrt(static_cast<double>(std::max(n, 1)));
  if (l.e) {
    double target = *s.energy;
    for (int z : s.numbers) target -= e0.at(z);
    out.b[0] = target / (sg.energy * sqrt_n);
    out.At.col(0) /= sg.energy * sqrt_n;
  }
  if (l.f) {
    for (int i = 0; i < n; ++i)
      for (int a = 0; a < 3; ++a) out.b[l.col_f + 3 * i + a] = (*s.forces)(i, a) / sg.force;
    out.At.middleCols(l.col_f, 3 * n) /= sg.force;
  }
  if (l.v) {
    const Eigen::Matrix3d& W = *s.virial;
    for (int c = 0; c < 6; ++c)
      out.b[l.col_v + c] = 0.5 * (W(kVa[c], kVb[c]) + W(kVb[c], kVa[c])) / (sg.virial * sqrt_n);
    out.At.middleCols(l.col_v, 6) /= sg.virial * sqrt_n;
  }
}

}  // namespace

long long observation_count(const Structure& s, const FitSettings& settings) { return layout_of(s, settings).cols; }

DesignRows design_rows(const Structure& s, const std::vector<DesignTerm>& terms, const std::vector<Environments>& envs,
                       double cutoff, int m_total, const std::map<int, double>& e0, const FitSettings& settings) {
  const Layout l = layout_of(s, settings);
  DesignRows out;
  out.At = Eigen::MatrixXd::Zero(m_total, l.cols);
  out.b = Eigen::VectorXd::Zero(l.cols);
  if (l.cols == 0) return out;
  const NeighbourList nl(s, cutoff);
  Workspace ws;
  for (size_t t = 0; t < terms.size(); ++t) {
    const Environments& env = envs[t];
    const Term& term = *terms[t].term;
    int e = 0;
    while (e < env.size()) {
      const int g = env.group[e];
      if (g < 0 || term.groups[g].sparse_points.rows() == 0) {
        ++e;
        continue;
      }
      int e_max = e + 1;  // the run of consecutive environments of group g
      while (e_max < env.size() && env.group[e_max] == g) ++e_max;
      while (e < e_max) e = add_batch(s, nl, terms[t], env, e, e_max, l, ws, out.At);
    }
  }
  add_targets(s, l, e0, settings, out);
  return out;
}

}  // namespace soapgap
