#include "model/sparse_gp_fit.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <sstream>

#include "core/blas_threads.h"
#include "core/elements.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/version.h"
#include "model/design_rows.h"
#include "model/fit_communicator.h"
#include "model/fit_e0.h"
#include "model/potential.h"
#include "model/qr_fold.h"
#include "model/sparse_selection.h"
#include "model/term.h"
#include "model/variance_factors.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

namespace {

struct TermState {
  Term term;
  TermFitOptions options;
  std::vector<int> offset;  // per group, into the M_total ordering
};

void validate_training(const std::vector<Structure>& train, const FitSettings& settings) {
  check_fit_settings(train, settings, "e0", "the training set");
  if (train.empty()) throw InputError("training set is empty");
  bool any = false;
  for (const Structure& s : train) {
    if (s.size() == 0) throw InputError(s.source + ": configuration has no atoms");
    if (s.energy && !std::isfinite(*s.energy)) throw InputError(s.source + ": energy is NaN or Inf");
    if (s.forces && (s.forces->rows() != s.size() || !s.forces->allFinite()))
      throw InputError(s.source + ": forces missing for some atoms or not finite");
    if (s.virial && !s.virial->allFinite()) throw InputError(s.source + ": virial is NaN or Inf");
    any = any || (settings.use_energy && s.energy) || (settings.use_forces && s.forces) ||
          (settings.use_virial && s.virial);
  }
  if (!any) throw InputError("training set has no energies, forces or virials to fit (check the key names)");
  if (settings.terms.empty()) throw InputError("no descriptor given (--descriptor)");
}

using ConfigEnvironments = std::vector<std::vector<Environments>>;  // [configuration][term]

// The terms of the settings' descriptor specs; cutoff: the largest of their cutoffs.
std::vector<TermState> make_terms(const FitSettings& settings, const std::vector<int>& elements, double& cutoff) {
  std::vector<TermState> terms;
  for (size_t t = 0; t < settings.terms.size(); ++t) {
    TermState ts;
    ts.term = Term::from_spec(settings.terms[t], elements, "--descriptor #" + std::to_string(t + 1), &ts.options);
    cutoff = std::max(cutoff, ts.term.descriptor().cutoff());
    terms.push_back(std::move(ts));
  }
  return terms;
}

// 1. Descriptors of every environment.
ConfigEnvironments compute_environments(const std::vector<Structure>& train, const std::vector<TermState>& terms,
                                        double cutoff, std::ostream* log, FitResult& result) {
  const size_t nc = train.size();
  ConfigEnvironments envs(nc, std::vector<Environments>(terms.size()));
  long long n_env_estimate = 0;
  for (const Structure& s : train) n_env_estimate += s.size();
  double bytes = 0;
  for (const TermState& ts : terms) bytes += 8.0 * n_env_estimate * (ts.term.descriptor().dimension() + 3);
  if (log)
    *log << "memory estimate: descriptors of ~" << n_env_estimate << " atoms: " << format_bytes(bytes) << std::endl;
  Progress progress(log, "descriptors", static_cast<long long>(nc), "configurations");
  std::string error;
  SingleThreadedBlas blas_guard;
#pragma omp parallel for schedule(dynamic)
  for (size_t c = 0; c < nc; ++c) {
    try {
      const NeighbourList nl(train[c], cutoff);
      for (size_t t = 0; t < terms.size(); ++t) envs[c][t] = terms[t].term.descriptor().compute(train[c], nl);
    } catch (const std::exception& e) {
#pragma omp critical
      if (error.empty()) error = e.what();
    }
    progress.tick();
  }
  if (!error.empty()) throw InputError(error);
  result.timings.emplace_back("descriptors", progress.finish());
  return envs;
}

// The descriptor vectors of the environments of group g of term t, in configuration order.
RowMatrix group_descriptors(const ConfigEnvironments& envs, size_t t, int g, int dim) {
  const size_t nc = envs.size();
  long long count = 0;
  for (size_t c = 0; c < nc; ++c)
    for (int e = 0; e < envs[c][t].size(); ++e) count += envs[c][t].group[e] == g;
  RowMatrix Q(count, dim);
  long long r = 0;
  for (size_t c = 0; c < nc; ++c)
    for (int e = 0; e < envs[c][t].size(); ++e)
      if (envs[c][t].group[e] == g) Q.row(r++) = envs[c][t].q.row(e);
  return Q;
}

// 2. Sparse points per term and group, and the groups' offsets; returns M_total.
int select_sparse_points(std::vector<TermState>& terms, const ConfigEnvironments& envs, const FitSettings& settings,
                         FitResult& result, const FitCommunicator* comm) {
  std::ostream* log = settings.log;
  int m_total = 0;
  Timer timer;
  for (size_t t = 0; t < terms.size(); ++t) {
    TermState& ts = terms[t];
    const int ng = ts.term.n_groups(), dim = ts.term.descriptor().dimension();
    ts.term.groups.resize(ng);
    ts.offset.assign(ng, 0);
    int term_total = 0;
    for (int g = 0; g < ng; ++g) {
      RowMatrix Q = group_descriptors(envs, t, g, dim);
      if (comm) Q = comm->all_gather_rows(Q);  // every rank's candidates, in configuration order
      const long long count = Q.rows();
      std::vector<int> chosen;
      if (count > 0)
        chosen = select_sparse(Q, ts.options.n_sparse, ts.options.sparse_method,
                               settings.seed + 1000003ULL * t + 7919ULL * g);
      SparseGroupData& grp = ts.term.groups[g];
      grp.key = ts.term.group_keys()[g];
      grp.sparse_points.resize(chosen.size(), dim);
      for (size_t s = 0; s < chosen.size(); ++s) grp.sparse_points.row(s) = Q.row(chosen[s]);
      ts.offset[g] = m_total;
      m_total += static_cast<int>(chosen.size());
      term_total += static_cast<int>(chosen.size());
      if (log)
        *log << "term " << t + 1 << " (" << ts.term.descriptor().type() << "), group " << grp.key << ": "
             << chosen.size() << " sparse points (" << ts.options.sparse_method << ") from " << count << " environments"
             << std::endl;
    }
    result.n_sparse.push_back(term_total);
  }
  if (m_total == 0) throw InputError("no environments in the training set for any descriptor");
  result.timings.emplace_back("sparse selection", timer.seconds());
  return m_total;
}

// 3. K_MM (block diagonal) + jitter, Cholesky K_MM = U^T U: returns U.
Eigen::MatrixXd kmm_factor(const std::vector<TermState>& terms, int m_total, const FitSettings& settings,
                           FitResult& result) {
  Timer timer;
  std::vector<const Term*> ts;
  std::vector<std::vector<int>> offsets;
  for (const TermState& t : terms) {
    ts.push_back(&t.term);
    offsets.push_back(t.offset);
  }
  Eigen::MatrixXd U = kernel_matrix_factor(ts, offsets, m_total, settings.jitter, settings.sparse_jitter);
  result.timings.emplace_back("K_MM", timer.seconds());
  return U;
}

// The rows of configurations c0..c1-1, built in parallel, straight into the block B (rows x
// M_total) and its targets b: a configuration's own rows live only while it is copied.
void build_chunk_rows(const std::vector<Structure>& train, size_t c0, size_t c1, const std::vector<TermState>& terms,
                      const ConfigEnvironments& envs, double cutoff, int m_total, const std::map<int, double>& e0,
                      const FitSettings& settings, Progress& progress, Eigen::MatrixXd& B, Eigen::VectorXd& b) {
  std::vector<long long> start(c1 - c0 + 1, 0);
  for (size_t c = c0; c < c1; ++c) start[c - c0 + 1] = start[c - c0] + observation_count(train[c], settings);
  B.resize(start.back(), m_total);
  b.resize(start.back());
  std::vector<DesignTerm> design_terms;
  for (const TermState& ts : terms) design_terms.push_back({&ts.term, &ts.offset});
  std::string error;
  {
    SingleThreadedBlas blas_guard;
#pragma omp parallel for schedule(dynamic)
    for (size_t c = c0; c < c1; ++c) {
      try {
        const DesignRows d = design_rows(train[c], design_terms, envs[c], cutoff, m_total, e0, settings);
        B.middleRows(start[c - c0], d.At.cols()) = d.At.transpose();
        b.segment(start[c - c0], d.b.size()) = d.b;
      } catch (const std::exception& e) {
#pragma omp critical
        if (error.empty()) error = e.what();
      }
      progress.tick();
    }
  }
  if (!error.empty()) throw InputError(error);
}

// 4. Rows of K_NM streamed into a Householder QR of [L^-1/2 K_NM; U]: R and z start as U and 0.
void stream_rows_into_qr(const std::vector<Structure>& train, const std::vector<TermState>& terms,
                         const ConfigEnvironments& envs, double cutoff, int m_total, const std::map<int, double>& e0,
                         const FitSettings& settings, Eigen::MatrixXd& R, Eigen::VectorXd& z, FitResult& result) {
  std::ostream* log = settings.log;
  const size_t nc = train.size();
  long long total_rows = 0, max_rows = 0;
  for (const Structure& s : train) {
    long long r = observation_count(s, settings);
    total_rows += r;
    max_rows = std::max(max_rows, r);
  }
  // Blocks of about M rows: with dtpqrt a fold costs 2 M^2 flops per row whatever the block.
  const long long block_target = std::max<long long>(std::max<long long>(m_total, 512), max_rows);
  if (log) {
    *log << "fit: " << total_rows << " observations x " << m_total << " sparse points (rows folded by "
         << fold_rows_method() << ")" << std::endl;
    *log << "memory estimate: R " << format_bytes(8.0 * m_total * m_total) << ", row block <= "
         << format_bytes(8.0 * (2.0 * block_target * m_total + fold_rows_workspace(2 * block_target, m_total)))
         << ", variance " << format_bytes(settings.store_variance ? 8.0 * 2 * m_total * m_total : 0.0) << std::endl;
  }
  Progress progress(log, "kernel rows + QR", static_cast<long long>(nc), "configurations");
  size_t c0 = 0;
  const int nthreads = omp_get_max_threads();
  while (c0 < nc) {
    // A chunk: enough configurations for about block_target rows, at least one per thread.
    size_t c1 = c0;
    long long rows = 0;
    while (c1 < nc && (rows < block_target || c1 - c0 < static_cast<size_t>(nthreads))) {
      rows += observation_count(train[c1], settings);
      ++c1;
    }
    Eigen::MatrixXd B;
    Eigen::VectorXd b;
    build_chunk_rows(train, c0, c1, terms, envs, cutoff, m_total, e0, settings, progress, B, b);
    fold_rows(R, z, B, b, false);  // qr_fold.h
    result.n_rows += rows;
    c0 = c1;
  }
  result.timings.emplace_back("kernel rows + QR", progress.finish());
}

// 5. alpha = R^-1 z, the weights of the groups' sparse points.
void solve_weights(std::vector<TermState>& terms, const Eigen::MatrixXd& R, const Eigen::VectorXd& z,
                   FitResult& result) {
  Timer timer;
  Eigen::VectorXd alpha = R.triangularView<Eigen::Upper>().solve(z);
  if (!alpha.allFinite()) throw InputError("the fit produced non-finite weights: increase --jitter or the sigmas");
  for (TermState& ts : terms)
    for (int g = 0; g < ts.term.n_groups(); ++g) {
      SparseGroupData& grp = ts.term.groups[g];
      grp.alpha = alpha.segment(ts.offset[g], grp.sparse_points.rows());
    }
  result.timings.emplace_back("solve", timer.seconds());
}

// The variance factors U and R (model/potential_data.h).
VarianceFactors variance_factors(const Eigen::MatrixXd& U, const Eigen::MatrixXd& R) {
  VarianceFactors f;
  f.u = U.triangularView<Eigen::Upper>();
  f.r = R.triangularView<Eigen::Upper>();
  // Householder QR may leave negative diagonal elements: flip those rows (R^T R unchanged).
  for (Eigen::Index i = 0; i < f.r.rows(); ++i)
    if (f.r(i, i) < 0) f.r.row(i) *= -1.0;
  return f;
}

}  // namespace

FitResult fit_sparse_gp(const std::vector<Structure>& train, const FitSettings& settings) {
  validate_training(train, settings);
  FitResult result;
  PotentialData& pot = result.potential;
  Timer total;

  std::set<int> species_set;
  for (const Structure& s : train) species_set.insert(s.numbers.begin(), s.numbers.end());
  pot.elements.assign(species_set.begin(), species_set.end());

  double cutoff = 0;
  std::vector<TermState> terms = make_terms(settings, pot.elements, cutoff);
  pot.e0 = determine_e0(train, pot.elements, settings, cutoff, result.e0_source);
  pot.jitter = settings.jitter;

  // A distributed fit: this rank's block of configurations; a failure on any rank stops all.
  const FitCommunicator* comm =
      settings.communicator && settings.communicator->size() > 1 ? settings.communicator : nullptr;
  std::vector<Structure> block;
  if (comm) {
    const auto [first, last] = my_configurations(train, *comm);
    block.assign(train.begin() + first, train.begin() + last);
  }
  const std::vector<Structure>& mine = comm ? block : train;
  std::string failure;
  ConfigEnvironments envs;
  try {
    envs = compute_environments(mine, terms, cutoff, settings.log, result);
  } catch (const std::exception& e) {
    if (!comm) throw;
    failure = e.what();
  }
  if (comm) throw_if_any_failed(*comm, failure);
  const int m_total = select_sparse_points(terms, envs, settings, result, comm);
  const Eigen::MatrixXd U = kmm_factor(terms, m_total, settings, result);
  Eigen::MatrixXd R = comm && comm->rank() != 0 ? Eigen::MatrixXd::Zero(m_total, m_total) : U;
  Eigen::VectorXd z = Eigen::VectorXd::Zero(m_total);
  try {
    stream_rows_into_qr(mine, terms, envs, cutoff, m_total, pot.e0, settings, R, z, result);
  } catch (const std::exception& e) {
    if (!comm) throw;
    failure = e.what();
  }
  if (comm) {
    throw_if_any_failed(*comm, failure);
    result.n_rows = comm->sum(result.n_rows);
    Timer reduce;
    tsqr_reduce(*comm, R, z);
    result.timings.emplace_back("TSQR reduction over " + std::to_string(comm->size()) + " ranks", reduce.seconds());
    if (comm->rank() != 0) {
      result.root = false;
      return result;
    }
  }
  solve_weights(terms, R, z, result);
  if (settings.store_variance) {
    Timer vt;
    pot.variance = variance_factors(U, R);
    result.timings.emplace_back("variance factors", vt.seconds());
  }
  for (TermState& ts : terms) {
    TermData td;
    td.spec = ts.term.spec();
    for (const SparseGroupData& g : ts.term.groups)
      if (g.sparse_points.rows() > 0) td.groups.push_back(g);
    pot.terms.push_back(std::move(td));
  }
  result.timings.emplace_back("total", total.seconds());
  return result;
}

VarianceFactors refit_variance_factors(const PotentialData& data, const std::vector<Structure>& train,
                                       const FitSettings& settings, double* alpha_change) {
  validate_training(train, settings);
  const Potential pot(data);
  std::vector<TermState> terms;
  double cutoff = 0;
  for (size_t t = 0; t < pot.terms().size(); ++t) {
    TermState ts;
    ts.term = pot.terms()[t];
    ts.offset = pot.group_offsets(t);
    cutoff = std::max(cutoff, ts.term.descriptor().cutoff());
    terms.push_back(std::move(ts));
  }
  for (const Structure& s : train) check_elements(s, data.elements);
  FitResult result;
  const int m_total = pot.n_sparse_total();
  const ConfigEnvironments envs = compute_environments(train, terms, cutoff, settings.log, result);
  const Eigen::MatrixXd U = kmm_factor(terms, m_total, settings, result);
  Eigen::MatrixXd R = U;
  Eigen::VectorXd z = Eigen::VectorXd::Zero(m_total);
  stream_rows_into_qr(train, terms, envs, cutoff, m_total, data.e0, settings, R, z, result);
  if (alpha_change) {
    const Eigen::VectorXd alpha = R.triangularView<Eigen::Upper>().solve(z);
    Eigen::VectorXd stored(m_total);
    for (size_t t = 0; t < terms.size(); ++t)
      for (int g = 0; g < terms[t].term.n_groups(); ++g)
        stored.segment(terms[t].offset[g], terms[t].term.groups[g].alpha.size()) = terms[t].term.groups[g].alpha;
    *alpha_change = (alpha - stored).cwiseAbs().maxCoeff() / std::max(stored.cwiseAbs().maxCoeff(), 1e-300);
  }
  return variance_factors(U, R);
}

void check_fit_settings(const std::vector<Structure>& train, const FitSettings& settings, const std::string& option,
                        const std::string& where) {
  auto positive = [](const Sigmas& s) { return s.energy > 0 && s.force > 0 && s.virial > 0; };
  if (!positive(settings.sigma)) throw InputError("fit: the sigmas of energy, force and virial must be positive");
  for (const auto& kv : settings.config_type_sigma)
    if (!positive(kv.second)) throw InputError("fit: the sigmas of config_type " + kv.first + " must be positive");
  if (!(settings.jitter >= 0) || !(settings.sparse_jitter >= 0) || !std::isfinite(settings.sparse_jitter))
    throw InputError("fit: jitter must be non-negative");
  if (settings.e0_method != "auto" && settings.e0_method != "isolated" && settings.e0_method != "average")
    throw InputError("fit: e0 method \"" + settings.e0_method + "\": expected auto, isolated or average");
  if (settings.e0_all && !std::isfinite(*settings.e0_all)) throw InputError("fit: e0 must be finite");
  if (settings.terms.empty()) throw InputError("fit: at least one descriptor is needed");
  std::set<int> present;
  for (const Structure& s : train) present.insert(s.numbers.begin(), s.numbers.end());
  for (const auto& kv : settings.e0) {
    if (present.count(kv.first)) continue;
    std::string list;
    for (int z : present) list += (list.empty() ? "" : " ") + element_symbol(z);
    throw InputError(option + " " + element_symbol(kv.first) + "=...: " + element_symbol(kv.first) +
                     " does not occur in " + where + " (its elements: " + list + ")");
  }
}

void record_fit_provenance(PotentialData& data, size_t n_configurations, const FitSettings& settings) {
  data.soapgap_version = SOAPGAP_VERSION;
  data.provenance["date"] = utc_now();
  data.provenance["n_configurations"] = std::to_string(n_configurations);
  data.provenance["seed"] = std::to_string(settings.seed);
  data.provenance["threads"] = std::to_string(omp_get_max_threads());
  if (settings.sparse_jitter > 0) data.provenance["sparse_jitter"] = format_exact(settings.sparse_jitter);
}

}  // namespace soapgap
