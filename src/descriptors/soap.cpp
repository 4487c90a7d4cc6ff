#include "descriptors/soap.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace soapgap {

namespace sm = soap_math;

namespace {

std::string species_string(const std::vector<int>& species) {
  std::string out;
  for (size_t i = 0; i < species.size(); ++i) out += (i ? " " : "") + std::to_string(species[i]);
  return out;
}

// Smallest Cholesky pivot L_nn of the radial overlap matrix below which the basis is rejected
// as numerically linearly dependent (W = L^-1 would amplify rounding errors by 1/L_nn).
constexpr double kMinPivot = 1e-6;

bool radial_overlap(const SoapParameters& p, std::vector<double>* centres, Eigen::MatrixXd* L) {
  const int N = p.n_max;
  centres->resize(N);
  for (int n = 0; n < N; ++n) (*centres)[n] = p.cutoff * (n + 0.5) / N;
  Eigen::MatrixXd S(N, N);
  const double s2 = 4.0 * p.atom_sigma * p.atom_sigma;
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < N; ++k) {
      const double d = (*centres)[n] - (*centres)[k];
      S(n, k) = std::exp(-d * d / s2);
    }
  Eigen::LLT<Eigen::MatrixXd> llt(S);
  if (llt.info() != Eigen::Success) return false;
  *L = llt.matrixL();
  for (int n = 0; n < N; ++n)
    if (!((*L)(n, n) > kMinPivot)) return false;
  return true;
}

}  // namespace

// --------------------------------------------------------------------------------------------
// SoapParameters

SoapParameters SoapParameters::from_spec(const KeyValueSpec& spec, const std::vector<int>& model_species) {
  const std::string ctx = spec.context() + ": soap";
  if (spec.type() != "soap")
    throw InputError(spec.context() + ": descriptor type \"" + spec.type() + "\" is not soap");
  SoapParameters p;
  p.n_max = spec.get_int("n_max");
  p.l_max = spec.get_int("l_max");
  p.cutoff = spec.get_double("cutoff");
  p.cutoff_transition_width = spec.get_double("cutoff_transition_width", 0.5);
  p.atom_sigma = spec.get_double("atom_sigma", 0.5);
  p.central_weight = spec.get_double("central_weight", 1.0);
  if (spec.has("species")) {
    const std::string text = spec.get_string("species");
    std::vector<double> z = spec.get_doubles("species");
    p.species.clear();
    for (double v : z) {
      if (!(v >= 1 && v <= 118 && v == std::floor(v)))
        throw InputError(ctx + ": species={" + text + "}: expected atomic numbers between 1 and 118");
      p.species.push_back(static_cast<int>(v));
    }
    if (p.species.empty()) throw InputError(ctx + ": species={" + text + "}: no elements given");
  } else {
    p.species = model_species;
  }
  std::sort(p.species.begin(), p.species.end());
  p.validate(ctx);
  return p;
}

void SoapParameters::validate(const std::string& context) const {
  auto fail = [&](const std::string& what) { throw InputError(context + ": " + what); };
  if (n_max < 1 || n_max > sm::kMaxNMax)
    fail("n_max=" + std::to_string(n_max) + ": must be between 1 and " + std::to_string(sm::kMaxNMax));
  if (l_max < 0 || l_max > sm::kMaxLMax)
    fail("l_max=" + std::to_string(l_max) + ": must be between 0 and " + std::to_string(sm::kMaxLMax));
  if (!(cutoff > 0) || !std::isfinite(cutoff)) fail("cutoff=" + format_exact(cutoff) + ": must be positive");
  if (!(cutoff_transition_width >= 0 && cutoff_transition_width <= cutoff))
    fail("cutoff_transition_width=" + format_exact(cutoff_transition_width) + ": must be between 0 and cutoff=" +
         format_exact(cutoff));
  if (!(atom_sigma > 0) || !std::isfinite(atom_sigma))
    fail("atom_sigma=" + format_exact(atom_sigma) + ": must be positive");
  if (!(central_weight >= 0) || !std::isfinite(central_weight))
    fail("central_weight=" + format_exact(central_weight) + ": must be finite and non-negative");
  if (species.empty()) fail("species: no elements (give species={Z1 Z2 ...})");
  for (size_t i = 0; i < species.size(); ++i) {
    if (species[i] < 1 || species[i] > 118)
      fail("species={" + species_string(species) + "}: " + std::to_string(species[i]) +
           " is not an atomic number between 1 and 118");
    if (i > 0 && species[i] <= species[i - 1])
      fail("species={" + species_string(species) + "}: " +
           (species[i] == species[i - 1] ? "element " + std::to_string(species[i]) + " given twice"
                                         : std::string("not sorted")));
  }
  std::vector<double> centres;
  Eigen::MatrixXd L;
  if (!radial_overlap(*this, &centres, &L))
    fail("n_max=" + std::to_string(n_max) + ": the radial basis is numerically linearly dependent for atom_sigma=" +
         format_exact(atom_sigma) + " and cutoff=" + format_exact(cutoff) +
         " (reduce n_max or increase atom_sigma; the centre spacing cutoff/n_max should not be much below atom_sigma)");
}

// --------------------------------------------------------------------------------------------
// SoapDescriptor

SoapDescriptor::SoapDescriptor(SoapParameters params) : params_(std::move(params)) {
  std::sort(params_.species.begin(), params_.species.end());
  params_.validate();
  const int N = params_.n_max;
  Eigen::MatrixXd L;
  radial_overlap(params_, &centres_, &L);
  const Eigen::MatrixXd W = L.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(N, N));
  W_.assign(N * N, 0.0);
  for (int n = 0; n < N; ++n)
    for (int k = 0; k <= n; ++k) W_[n * N + k] = W(n, k);
  const double alpha = 1.0 / (2.0 * params_.atom_sigma * params_.atom_sigma);
  const double y00 = 1.0 / std::sqrt(4.0 * sm::kPi);
  central_.assign(N, 0.0);
  for (int n = 0; n < N; ++n) {
    double r0 = 0.0;
    for (int k = 0; k <= n; ++k) r0 += W_[n * N + k] * std::exp(-alpha * centres_[k] * centres_[k]);
    central_[n] = params_.central_weight * r0 * y00;
  }
  ylm_table_.resize(sm::ylm_table_size(params_.l_max));
  sm::ylm_table_init(params_.l_max, ylm_table_.data());
  dim_ = sm::power_spectrum_size(static_cast<int>(params_.species.size()), N, params_.l_max);
}

sm::SoapMath SoapDescriptor::math() const {
  sm::SoapMath P;
  P.n_max = params_.n_max;
  P.l_max = params_.l_max;
  P.n_species = static_cast<int>(params_.species.size());
  P.cutoff = params_.cutoff;
  P.width = params_.cutoff_transition_width;
  P.alpha = 1.0 / (2.0 * params_.atom_sigma * params_.atom_sigma);
  P.centres = centres_.data();
  P.W = W_.data();
  P.central = central_.data();
  P.ylm_table = ylm_table_.data();
  return P;
}

std::string SoapDescriptor::spec() const {
  const SoapParameters& p = params_;
  return "soap n_max=" + std::to_string(p.n_max) + " l_max=" + std::to_string(p.l_max) +
         " cutoff=" + format_exact(p.cutoff) + " cutoff_transition_width=" + format_exact(p.cutoff_transition_width) +
         " atom_sigma=" + format_exact(p.atom_sigma) + " central_weight=" + format_exact(p.central_weight) +
         " species={" + species_string(p.species) + "}";
}

std::vector<std::string> SoapDescriptor::group_keys() const {
  std::vector<std::string> keys;
  for (int z : params_.species) keys.push_back(std::to_string(z));
  return keys;
}

int SoapDescriptor::channel(int Z) const {
  auto it = std::lower_bound(params_.species.begin(), params_.species.end(), Z);
  return (it != params_.species.end() && *it == Z) ? static_cast<int>(it - params_.species.begin()) : -1;
}

std::vector<int> SoapDescriptor::channels_of(const Structure& s, const NeighbourList& nl) const {
  if (nl.n_atoms() > s.size())
    throw InputError("soap: the neighbour list has " + std::to_string(nl.n_atoms()) + " centres, the structure only " +
                     std::to_string(s.size()) + " atoms");
  if (nl.cutoff() < params_.cutoff)
    throw InputError("soap: the neighbour list cutoff " + format_exact(nl.cutoff()) +
                     " is smaller than the descriptor cutoff " + format_exact(params_.cutoff));
  for (int k = 0; k < nl.n_entries(); ++k)
    if (nl.neighbour(k) >= s.size())
      throw InputError("soap: neighbour-list entry " + std::to_string(k) + " names atom " +
                       std::to_string(nl.neighbour(k)) + ", beyond the structure's " + std::to_string(s.size()) + " atoms");
  std::vector<int> ch(s.size());
  for (int i = 0; i < s.size(); ++i) {
    ch[i] = channel(s.numbers[i]);
    if (ch[i] < 0)
      throw InputError((s.source.empty() ? "" : s.source + ": ") + "atom " + std::to_string(i) + ": element Z=" +
                       std::to_string(s.numbers[i]) + " not in the descriptor's species {" +
                       species_string(params_.species) + "}");
  }
  return ch;
}

void SoapDescriptor::atom_coefficients(const sm::SoapMath& P, const NeighbourList& nl, const std::vector<int>& ch,
                                       int i, double* c, double* work) const {
  const int nc = sm::n_coefficients(P), cs = sm::channel_size(P);
  std::fill(c, c + nc, 0.0);
  sm::add_central(P, ch[i], c);
  for (int k = nl.begin(i); k < nl.end(i); ++k) {
    if (nl.distance(k) >= P.cutoff) continue;
    sm::add_neighbour(P, nl.r(k).data(), c + ch[nl.neighbour(k)] * cs, work);
  }
}

Environments SoapDescriptor::compute(const Structure& s, const NeighbourList& nl) const {
  const std::vector<int> ch = channels_of(s, nl);
  const int n_atoms = nl.n_atoms();  // the centres (ghost atoms beyond them are only neighbours)
  Environments env;
  env.q.resize(n_atoms, dim_);
  env.w = Eigen::VectorXd::Ones(n_atoms);
  env.atom.resize(n_atoms);
  for (int i = 0; i < n_atoms; ++i) env.atom[i] = i;
  env.group.assign(ch.begin(), ch.begin() + n_atoms);
  const sm::SoapMath P = math();
  const int nc = sm::n_coefficients(P), nw = sm::neighbour_work_size(P), dim = dim_;
#pragma omp parallel
  {
    std::vector<double> c(nc), p(dim), work(nw);
#pragma omp for schedule(dynamic)
    for (int i = 0; i < n_atoms; ++i) {
      atom_coefficients(P, nl, ch, i, c.data(), work.data());
      sm::power_spectrum(P, c.data(), p.data());
      sm::normalise(dim, p.data(), env.q.row(i).data());
    }
  }
  return env;
}

void SoapDescriptor::backpropagate(const Structure& s, const NeighbourList& nl, const Environments& env,
                                   const RowMatrix& dE_dq, const Eigen::VectorXd& /*dE_dw: w = 1*/,
                                   MatrixX3& dE_dr) const {
  const std::vector<int> ch = channels_of(s, nl);
  const int n_env = env.size();
  if (dE_dq.rows() != n_env || dE_dq.cols() != dim_)
    throw InputError("soap: backpropagate: dE/dq is " + std::to_string(dE_dq.rows()) + "x" +
                     std::to_string(dE_dq.cols()) + ", expected " + std::to_string(n_env) + "x" + std::to_string(dim_));
  if (dE_dr.rows() != nl.n_entries())
    throw InputError("soap: backpropagate: dE/dr has " + std::to_string(dE_dr.rows()) + " rows, the neighbour list " +
                     std::to_string(nl.n_entries()) + " entries");
  for (int e = 0; e < n_env; ++e)
    if (env.atom[e] < 0 || env.atom[e] >= nl.n_atoms())
      throw InputError("soap: backpropagate: environment " + std::to_string(e) + " has no atom");
  const sm::SoapMath P = math();
  const int nc = sm::n_coefficients(P), cs = sm::channel_size(P), dim = dim_;
  const int nb = sm::neighbour_basis_size(P), nrw = sm::radial_work_size(P), nlm = sm::n_lm(P.l_max);
  int max_neighbours = 0;
  for (int i = 0; i < nl.n_atoms(); ++i) max_neighbours = std::max(max_neighbours, nl.size(i));
#pragma omp parallel
  {
    // Per thread: the basis (Y, dY, f R, d(f R)/dr) of every neighbour of the current atom is
    // computed once and used both for the coefficients and for the gradients.
    std::vector<double> c(nc), p(dim), q(dim), dEdp(dim), dEdc(nc), rwork(nrw), V(2 * nlm);
    std::vector<double> basis(static_cast<size_t>(max_neighbours) * nb), radius(max_neighbours);
#pragma omp for schedule(dynamic)
    for (int e = 0; e < n_env; ++e) {
      if (env.group[e] < 0) continue;
      const int i = env.atom[e], first = nl.begin(i), n_neigh = nl.size(i);
      std::fill(c.begin(), c.end(), 0.0);
      sm::add_central(P, ch[i], c.data());
      for (int m = 0; m < n_neigh; ++m) {
        const int k = first + m;
        radius[m] = nl.distance(k) < P.cutoff
                        ? sm::neighbour_basis(P, nl.r(k).data(), true, basis.data() + m * nb, rwork.data())
                        : 0.0;
        if (radius[m] > 0.0) sm::add_basis(P, basis.data() + m * nb, c.data() + ch[nl.neighbour(k)] * cs);
      }
      sm::power_spectrum(P, c.data(), p.data());
      const double norm = sm::normalise(dim, p.data(), q.data());
      if (!(norm > 0.0)) continue;
      sm::normalisation_derivative(dim, q.data(), norm, dE_dq.row(e).data(), dEdp.data());
      sm::power_spectrum_adjoint(P, c.data(), dEdp.data(), dEdc.data());
      for (int m = 0; m < n_neigh; ++m) {
        if (!(radius[m] > 0.0)) continue;
        const int k = first + m;
        double g[3];
        sm::basis_gradient(P, nl.r(k).data(), radius[m], basis.data() + m * nb,
                           dEdc.data() + ch[nl.neighbour(k)] * cs, g, V.data());
        dE_dr(k, 0) += g[0];
        dE_dr(k, 1) += g[1];
        dE_dr(k, 2) += g[2];
      }
    }
  }
}

void SoapDescriptor::jacobian(const Structure& s, const NeighbourList& nl, const Environments& env, int e,
                              EnvironmentJacobian& out) const {
  if (e < 0 || e >= env.size()) throw InputError("soap: jacobian: no environment " + std::to_string(e));
  const std::vector<int> ch = channels_of(s, nl);
  const int i = env.atom[e];
  const int first = nl.begin(i), n_entries = nl.size(i);
  out.entries.resize(n_entries);
  for (int m = 0; m < n_entries; ++m) out.entries[m] = first + m;
  out.dq.setZero(dim_, 3 * n_entries);
  out.dw.setZero(3 * n_entries);
  const sm::SoapMath P = math();
  const int nc = sm::n_coefficients(P), cs = sm::channel_size(P), dim = dim_;
  std::vector<double> c(nc), p(dim), q(dim), dc(3 * cs), dp(3 * dim), work(sm::neighbour_work_size(P));
  atom_coefficients(P, nl, ch, i, c.data(), work.data());
  sm::power_spectrum(P, c.data(), p.data());
  const double norm = sm::normalise(dim, p.data(), q.data());
  if (!(norm > 0.0)) return;
  for (int m = 0; m < n_entries; ++m) {
    const int k = first + m;
    if (nl.distance(k) >= P.cutoff) continue;
    sm::neighbour_coefficient_derivatives(P, nl.r(k).data(), dc.data(), work.data());
    sm::power_spectrum_derivative(P, c.data(), ch[nl.neighbour(k)], dc.data(), dp.data());
    for (int d = 0; d < 3; ++d) {
      double* v = dp.data() + d * dim;
      sm::normalisation_derivative(dim, q.data(), norm, v, v);
      out.dq.col(3 * m + d) = Eigen::Map<const Eigen::VectorXd>(v, dim);
    }
  }
}

}  // namespace soapgap
