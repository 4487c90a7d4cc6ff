#include "model/potential.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "model/force_variance.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

void accumulate_forces(const NeighbourList& nl, const MatrixX3& dE_dr, MatrixX3& forces, Eigen::Matrix3d& virial) {
  for (int k = 0; k < nl.n_entries(); ++k) {
    const Eigen::RowVector3d g = dE_dr.row(k);
    forces.row(nl.neighbour(k)) -= g;
    forces.row(nl.centre(k)) += g;
    virial.noalias() -= nl.r(k) * g;
  }
}

void check_elements(const Structure& s, const std::vector<int>& elements) {
  for (int i = 0; i < s.size(); ++i)
    if (!std::binary_search(elements.begin(), elements.end(), s.numbers[i])) {
      std::ostringstream msg;
      msg << (s.source.empty() ? std::string("structure") : s.source) << ": atom " << i << " has atomic number "
          << s.numbers[i] << ", which the potential does not cover (elements:";
      for (int z : elements) msg << " " << z;
      msg << ")";
      throw InputError(msg.str());
    }
}

Potential::Potential(const PotentialData& data) : data_(data) {
  if (data_.elements.empty()) throw InputError("potential: no elements");
  if (!std::is_sorted(data_.elements.begin(), data_.elements.end()))
    std::sort(data_.elements.begin(), data_.elements.end());
  for (size_t t = 0; t < data_.terms.size(); ++t) {
    const TermData& td = data_.terms[t];
    Term term = Term::from_spec(td.spec, data_.elements, "potential term " + std::to_string(t + 1));
    const int dim = term.descriptor().dimension();
    std::vector<int> offsets(term.n_groups(), -1);
    term.groups.resize(term.n_groups());
    for (const SparseGroupData& g : td.groups) {
      auto it = std::find(term.group_keys().begin(), term.group_keys().end(), g.key);
      if (it == term.group_keys().end())
        throw InputError("potential term " + std::to_string(t + 1) + ": group \"" + g.key +
                         "\" is not a group of its descriptor");
      if (g.sparse_points.cols() != dim || g.alpha.size() != g.sparse_points.rows())
        throw InputError("potential term " + std::to_string(t + 1) + ", group " + g.key +
                         ": sparse points / alpha have the wrong shape for the descriptor");
      const int gi = static_cast<int>(it - term.group_keys().begin());
      if (offsets[gi] >= 0)
        throw InputError("potential term " + std::to_string(t + 1) + ": group \"" + g.key + "\" is given twice");
      term.groups[gi] = g;
      offsets[gi] = n_sparse_total_;
      n_sparse_total_ += static_cast<int>(g.alpha.size());
    }
    for (int g = 0; g < term.n_groups(); ++g)
      if (offsets[g] < 0) {
        term.groups[g].key = term.group_keys()[g];
        term.groups[g].sparse_points.resize(0, dim);
        term.groups[g].alpha.resize(0);
      }
    cutoff_ = std::max(cutoff_, term.descriptor().cutoff());
    terms_.push_back(std::move(term));
    offsets_.push_back(offsets);
  }
  if (data_.core) {
    core_ = std::make_shared<const GlueCore>(*data_.core, "potential core (Glue)");
    for (int z : core_->elements())
      if (!std::binary_search(data_.elements.begin(), data_.elements.end(), z))
        throw InputError("potential core (Glue): element Z=" + std::to_string(z) +
                         " is not among the potential's elements");
    cutoff_ = std::max(cutoff_, core_->cutoff());
  }
  if (data_.variance && (data_.variance->u.rows() != n_sparse_total_ || data_.variance->u.cols() != n_sparse_total_ ||
                         (!data_.variance->sparse_only() && (data_.variance->r.rows() != n_sparse_total_ ||
                                                             data_.variance->r.cols() != n_sparse_total_))))
    throw InputError("potential: variance factors' size does not match the number of sparse points");
  // The file's order of groups within a term defines the variance ordering; offsets_ follow it.
}

Prediction Potential::predict(const Structure& s, const PredictOptions& options) const {
  check_elements(s, data_.elements);  // before the neighbour list, whose errors are less clear
  if (s.size() == 0) return compute(s, NeighbourList(s, 1.0), options);
  return compute(s, NeighbourList(s, cutoff_ > 0 ? cutoff_ : 1.0), options);
}

namespace {

// With options.variance: whether the variance of term t is wanted (options.variance_terms;
// empty = all terms).
bool variance_selected(const PredictOptions& options, size_t t) {
  return options.variance &&
         (options.variance_terms.empty() || std::find(options.variance_terms.begin(), options.variance_terms.end(),
                                                      static_cast<int>(t)) != options.variance_terms.end());
}

// Variance parts of no environments: [term][group] empty, the kernel sum zero.
EnergyVarianceParts empty_variance_parts(const std::vector<Term>& terms, int n_sparse_total) {
  EnergyVarianceParts parts;
  parts.q.resize(terms.size());
  parts.w.resize(terms.size());
  for (size_t t = 0; t < terms.size(); ++t) {
    parts.q[t].assign(terms[t].n_groups(), RowMatrix(0, terms[t].descriptor().dimension()));
    parts.w[t].assign(terms[t].n_groups(), Eigen::VectorXd(0));
  }
  parts.k_total = Eigen::VectorXd::Zero(n_sparse_total);
  return parts;
}

// The environments of kernel group g, in their order in env.
std::vector<int> group_rows(const Environments& env, int g) {
  std::vector<int> rows;
  for (int e = 0; e < env.size(); ++e)
    if (env.group[e] == g) rows.push_back(e);
  return rows;
}

RowMatrix group_descriptors(const Environments& env, const std::vector<int>& rows) {
  RowMatrix Q(rows.size(), env.q.cols());
  for (size_t r = 0; r < rows.size(); ++r) Q.row(r) = env.q.row(rows[r]);
  return Q;
}

// The group's weighted GP means onto the local energies of their atoms, and their derivatives
// with respect to the descriptors (dE_dq) and the weights (dE_dw).
void add_group_energies(const Term& term, const SparseGroupData& grp, const Environments& env,
                        const std::vector<int>& rows, const RowMatrix& Q, Eigen::VectorXd& local_energy,
                        RowMatrix& dE_dq, Eigen::VectorXd& dE_dw) {
  Eigen::VectorXd eps;
  RowMatrix G;
  term.kernel().values_and_gradients(Q, grp.sparse_points, grp.alpha, eps, G);
  for (size_t r = 0; r < rows.size(); ++r) {
    const int e = rows[r];
    local_energy[env.atom[e]] += env.w[e] * eps[r];
    dE_dq.row(e) = env.w[e] * G.row(r);
    dE_dw[e] = eps[r];
  }
}

// The weighted kernel rows of the group's environments against its sparse points, onto the rows
// of kq of their atoms (columns from off).
void add_group_kernel_rows(const Term& term, const SparseGroupData& grp, const Environments& env,
                           const std::vector<int>& rows, const RowMatrix& Q, int off, Eigen::MatrixXd& kq) {
  Eigen::MatrixXd K;
  term.kernel().matrix(Q, grp.sparse_points, K);
  for (size_t r = 0; r < rows.size(); ++r)
    kq.row(env.atom[rows[r]]).segment(off, K.cols()) += env.w[rows[r]] * K.row(r);
}

// Prior variance of the local energies: the kernel summed over the pairs of environments of
// one atom (one pair for SOAP, the pair terms of a 2-body term).
void add_group_prior_variance(const Term& term, const Environments& env, const std::vector<int>& rows,
                              const RowMatrix& Q, Eigen::VectorXd& local_variance) {
  std::vector<int> order(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) order[r] = static_cast<int>(r);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return env.atom[rows[a]] < env.atom[rows[b]]; });
  for (size_t a = 0; a < order.size();) {
    size_t b = a;
    while (b < order.size() && env.atom[rows[order[b]]] == env.atom[rows[order[a]]]) ++b;
    RowMatrix Qa(b - a, Q.cols());
    Eigen::VectorXd wa(b - a);
    for (size_t r = a; r < b; ++r) {
      Qa.row(r - a) = Q.row(order[r]);
      wa[r - a] = env.w[rows[order[r]]];
    }
    Eigen::MatrixXd Kaa;
    term.kernel().matrix(Qa, Qa, Kaa);
    local_variance[env.atom[rows[order[a]]]] += wa.dot(Kaa * wa);
    a = b;
  }
}

// One term: local energies, dE_dr (with forces) and, where its variance is selected, the
// kernel rows kq, the prior local variances and the variance parts.
void add_term(const Term& term, const std::vector<int>& offsets, size_t t, const Structure& s, const NeighbourList& nl,
              const PredictOptions& options, Prediction& out, MatrixX3& dE_dr, Eigen::MatrixXd& kq,
              EnergyVarianceParts& parts) {
  const bool term_variance = variance_selected(options, t);
  const Environments env = term.descriptor().compute(s, nl);
  RowMatrix dE_dq = RowMatrix::Zero(env.size(), term.descriptor().dimension());
  Eigen::VectorXd dE_dw = Eigen::VectorXd::Zero(env.size());
  for (int g = 0; g < term.n_groups(); ++g) {
    const SparseGroupData& grp = term.groups[g];
    const std::vector<int> rows = group_rows(env, g);
    if (rows.empty() || grp.alpha.size() == 0) continue;
    const RowMatrix Q = group_descriptors(env, rows);
    add_group_energies(term, grp, env, rows, Q, out.local_energy, dE_dq, dE_dw);
    if (!term_variance) continue;
    add_group_kernel_rows(term, grp, env, rows, Q, offsets[g], kq);
    add_group_prior_variance(term, env, rows, Q, out.local_variance);
    if (options.total_variance || options.variance_parts) {
      RowMatrix& qp = parts.q[t][g];
      Eigen::VectorXd& wp = parts.w[t][g];
      qp = Q;
      wp.resize(rows.size());
      for (size_t r = 0; r < rows.size(); ++r) wp[r] = env.w[rows[r]];
    }
  }
  if (options.forces) term.descriptor().backpropagate(s, nl, env, dE_dq, dE_dw, dE_dr);
}

// Per-atom virials, columns xx yy zz xy xz yz: each pair's -r (x) dE/dr split equally between
// its two atoms.
void add_atom_virials(const NeighbourList& nl, const MatrixX3& dE_dr, Prediction& out) {
  static const int va[6] = {0, 1, 2, 0, 0, 1}, vb[6] = {0, 1, 2, 1, 2, 2};  // xx yy zz xy xz yz
  for (int k = 0; k < nl.n_entries(); ++k)
    for (int c = 0; c < 6; ++c) {
      const double half = -0.5 * nl.r(k)[va[c]] * dE_dr(k, vb[c]);
      out.atom_virial(nl.centre(k), c) += half;
      out.atom_virial(nl.neighbour(k), c) += half;
    }
}

// The prior local variances made posterior: column c of A = U^-T kq^T and of B = R^-T kq^T,
// the two triangular solves of posterior_variance() for every atom at once.
void apply_variance_factors(const VarianceFactors& f, const Eigen::MatrixXd& kq, Eigen::VectorXd& local_variance) {
  const Eigen::MatrixXd A = f.u.triangularView<Eigen::Upper>().transpose().solve(kq.transpose());
  const Eigen::VectorXd a2 = A.colwise().squaredNorm().transpose();
  Eigen::VectorXd b2 = Eigen::VectorXd::Zero(a2.size());
  if (!f.sparse_only())
    b2 = f.r.triangularView<Eigen::Upper>().transpose().solve(kq.transpose()).colwise().squaredNorm().transpose();
  for (int i = 0; i < local_variance.size(); ++i) local_variance[i] = std::max(local_variance[i] - a2[i], 0.0) + b2[i];
}

}  // namespace

Prediction Potential::compute(const Structure& s, const NeighbourList& nl, const PredictOptions& options) const {
  check_elements(s, data_.elements);
  if (options.variance && !has_variance())
    throw InputError("the potential file has no variance data (it was fitted without it)");
  if (nl.n_atoms() > s.size()) throw InputError("the neighbour list has more centres than the structure has atoms");
  if (nl.n_entries() > 0 && nl.cutoff() < cutoff_)
    throw InputError("the neighbour list cutoff is smaller than the potential's cutoff " + std::to_string(cutoff_));
  if (options.variance) check_variance_terms(options.variance_terms);
  const int n = nl.n_atoms();  // centres
  Prediction out;
  out.local_energy = Eigen::VectorXd::Zero(n);
  for (int i = 0; i < n; ++i) {
    auto it = data_.e0.find(s.numbers[i]);
    if (it != data_.e0.end()) out.local_energy[i] = it->second;
  }
  if (options.forces) out.forces = MatrixX3::Zero(s.size(), 3);
  if (options.forces && options.atom_virial) out.atom_virial.setZero(s.size(), 6);
  Eigen::MatrixXd kq;  // n x M_total kernel vectors of the local energies (variance)
  EnergyVarianceParts parts;
  if (options.variance) {
    kq = Eigen::MatrixXd::Zero(n, n_sparse_total_);
    out.local_variance = Eigen::VectorXd::Zero(n);
    parts = empty_variance_parts(terms_, n_sparse_total_);
  }
  if (n == 0) {
    if (options.variance && options.variance_parts) out.variance_parts = std::move(parts);
    return out;
  }

  MatrixX3 dE_dr;
  if (options.forces) dE_dr = MatrixX3::Zero(nl.n_entries(), 3);
  for (size_t t = 0; t < terms_.size(); ++t) add_term(terms_[t], offsets_[t], t, s, nl, options, out, dE_dr, kq, parts);
  if (core_) core_->compute(s, nl, out.local_energy, options.forces ? &dE_dr : nullptr);
  out.energy = out.local_energy.sum();
  if (options.forces) accumulate_forces(nl, dE_dr, out.forces, out.virial);
  if (options.forces && options.atom_virial) add_atom_virials(nl, dE_dr, out);
  if (options.variance) {
    apply_variance_factors(*data_.variance, kq, out.local_variance);
    parts.k_total = kq.colwise().sum().transpose();
    if (options.total_variance)
      out.energy_variance = posterior_variance(prior_energy_covariance(parts, parts), parts.k_total);
    if (options.variance_parts) out.variance_parts = std::move(parts);
    if (options.force_variance) out.force_covariance = force_covariance(*this, s, nl, options.variance_terms);
  }
  return out;
}

void Potential::check_variance_terms(const std::vector<int>& terms) const {
  for (int t : terms)
    if (t < 0 || t >= static_cast<int>(terms_.size()))
      throw InputError("variance terms: term " + std::to_string(t + 1) + " does not exist (the potential has " +
                       std::to_string(terms_.size()) + " term" + (terms_.size() == 1 ? "" : "s") +
                       ", numbered from 1)");
}

double Potential::prior_energy_covariance(const EnergyVarianceParts& a, const EnergyVarianceParts& b) const {
  if (a.q.size() != terms_.size() || b.q.size() != terms_.size())
    throw InputError("energy variance parts do not match the potential's terms");
  double sum = 0;
  const Eigen::Index block = 1024;
  for (size_t t = 0; t < terms_.size(); ++t)
    for (int g = 0; g < terms_[t].n_groups(); ++g) {
      const RowMatrix& qa = a.q[t][g];
      const RowMatrix& qb = b.q[t][g];
      if (qa.rows() == 0 || qb.rows() == 0) continue;
      const Eigen::MatrixXd xb = qb;
      for (Eigen::Index r0 = 0; r0 < qa.rows(); r0 += block) {
        const Eigen::Index nr = std::min(block, qa.rows() - r0);
        Eigen::MatrixXd K;
        terms_[t].kernel().matrix(qa.middleRows(r0, nr), xb, K);
        sum += a.w[t][g].segment(r0, nr).dot(K * b.w[t][g]);
      }
    }
  return sum;
}

double Potential::posterior_variance(double k_self, const Eigen::VectorXd& k) const {
  if (!has_variance()) throw InputError("the potential file has no variance data (it was fitted without it)");
  if (k.size() != n_sparse_total_) throw InputError("kernel vector length does not match the sparse points");
  const VarianceFactors& f = *data_.variance;
  const Eigen::VectorXd a = f.u.triangularView<Eigen::Upper>().transpose().solve(k);
  if (f.sparse_only()) return std::max(k_self - a.squaredNorm(), 0.0);
  const Eigen::VectorXd b = f.r.triangularView<Eigen::Upper>().transpose().solve(k);
  return std::max(k_self - a.squaredNorm(), 0.0) + b.squaredNorm();
}

}  // namespace soapgap
