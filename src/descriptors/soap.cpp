#include "descriptors/soap.h"

#include <algorithm>
#include <cctype>
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

bool parse_flag(const KeyValueSpec& spec, const std::string& key, const std::string& ctx) {
  if (!spec.has(key)) return false;
  std::string v = spec.get_string(key);
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "t" || v == "true" || v == "1") return true;
  if (v == "f" || v == "false" || v == "0") return false;
  throw InputError(ctx + ": " + key + "=" + spec.get_string(key) + ": expected T or F");
}

}  // namespace

bool SoapDescriptor::radial_transform(const SoapParameters& p, std::vector<double>* centres, Eigen::MatrixXd* W,
                                      std::vector<double>* r0) {
  const int N = p.n_max;
  const double alpha = 1.0 / (2.0 * p.atom_sigma * p.atom_sigma);
  centres->resize(N);
  r0->assign(N, 0.0);
  if (p.radial_basis == "quip") {
    const double rb = p.cutoff + p.atom_sigma * std::sqrt(2.0 * p.basis_error_exponent * std::log(10.0));
    for (int n = 0; n < N; ++n) (*centres)[n] = n * (rb / N);
    const std::vector<double>& r = *centres;
    Eigen::MatrixXd C(N, N), S(N, N);
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        const double d = r[i] - r[j], s = r[i] + r[j];
        C(i, j) = std::exp(-alpha * d * d);
        // int_0^inf r^2 exp(-alpha (r - r_i)^2) exp(-alpha (r - r_j)^2) dr, in closed form
        S(i, j) = (std::exp(-alpha * (r[i] * r[i] + r[j] * r[j])) * std::sqrt(2.0) * std::pow(alpha, 1.5) * s +
                   alpha * std::exp(-0.5 * alpha * d * d) * std::sqrt(sm::kPi) * (1.0 + alpha * s * s) *
                       (1.0 + std::erf(std::sqrt(alpha / 2.0) * s))) /
                  std::sqrt(128.0 * std::pow(alpha, 5));
      }
    Eigen::LLT<Eigen::MatrixXd> llt_s(S), llt_c(C);
    if (llt_s.info() != Eigen::Success || llt_c.info() != Eigen::Success) return false;
    const Eigen::MatrixXd L = llt_s.matrixL();
    const Eigen::MatrixXd T = llt_c.solve(L);  // C^-1 L
    *W = T.transpose();
    for (int n = 0; n < N; ++n) (*r0)[n] = L(0, n);
    return W->allFinite();
  }
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
  const Eigen::MatrixXd L = llt.matrixL();
  for (int n = 0; n < N; ++n)
    if (!(L(n, n) > kMinPivot)) return false;
  *W = L.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(N, N));
  W->triangularView<Eigen::StrictlyUpper>().setZero();
  for (int n = 0; n < N; ++n) {
    double v = 0.0;
    for (int k = 0; k <= n; ++k) v += (*W)(n, k) * std::exp(-alpha * (*centres)[k] * (*centres)[k]);
    (*r0)[n] = v;
  }
  return true;
}

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
  p.radial_basis = spec.get_string("radial_basis", "quip");
  if (p.radial_basis == "quip") p.basis_error_exponent = spec.get_double("basis_error_exponent", 10.0);
  p.central_reference_all_species = parse_flag(spec, "central_reference_all_species", ctx);
  if (spec.has("species_channels")) {
    const std::string v = spec.get_string("species_channels");
    if (v != "merged" && v != "separate")
      throw InputError(ctx + ": species_channels=" + v + ": expected merged or separate");
    p.merged_channels = v == "merged";
  }
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
  if (radial_basis != "soapgap" && radial_basis != "quip")
    fail("radial_basis=" + radial_basis + ": expected soapgap or quip");
  if (!(basis_error_exponent > 0) || !std::isfinite(basis_error_exponent))
    fail("basis_error_exponent=" + format_exact(basis_error_exponent) + ": must be positive");
  std::vector<double> centres, r0;
  Eigen::MatrixXd W;
  if (!SoapDescriptor::radial_transform(*this, &centres, &W, &r0))
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
  Eigen::MatrixXd W;
  std::vector<double> r0;
  radial_transform(params_, &centres_, &W, &r0);
  W_.assign(N * N, 0.0);
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < N; ++k) W_[n * N + k] = W(n, k);
  const double y00 = 1.0 / std::sqrt(4.0 * sm::kPi);
  central_.assign(N, 0.0);
  for (int n = 0; n < N; ++n) central_[n] = params_.central_weight * r0[n] * y00;
  ylm_table_.resize(sm::ylm_table_size(params_.l_max));
  sm::ylm_table_init(params_.l_max, ylm_table_.data());
  dim_ = sm::power_spectrum_size(n_channels(), N, params_.l_max);
}

sm::SoapMath SoapDescriptor::math() const {
  sm::SoapMath P;
  P.n_max = params_.n_max;
  P.l_max = params_.l_max;
  P.n_species = n_channels();
  P.central_all_channels = params_.central_reference_all_species ? 1 : 0;
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
         " species={" + species_string(p.species) + "}" +
         (p.radial_basis == "soapgap" ? std::string(" radial_basis=soapgap")
          : p.basis_error_exponent == 10.0
              ? std::string()  // the default: QUIP's construction with its default exponent
              : " radial_basis=quip basis_error_exponent=" + format_exact(p.basis_error_exponent)) +
         (p.central_reference_all_species ? " central_reference_all_species=T" : "") +
         (p.merged_channels ? " species_channels=merged" : "");
}

std::vector<std::string> SoapDescriptor::group_keys() const {
  std::vector<std::string> keys;
  for (int z : params_.species) keys.push_back(std::to_string(z));
  return keys;
}

int SoapDescriptor::group_of(int Z) const {
  auto it = std::lower_bound(params_.species.begin(), params_.species.end(), Z);
  return (it != params_.species.end() && *it == Z) ? static_cast<int>(it - params_.species.begin()) : -1;
}

int SoapDescriptor::channel(int Z) const {
  const int g = group_of(Z);
  return (params_.merged_channels && g >= 0) ? 0 : g;
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
  env.group.resize(n_atoms);
  for (int i = 0; i < n_atoms; ++i) env.group[i] = group_of(s.numbers[i]);
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
