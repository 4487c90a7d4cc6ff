#include "descriptors/soap.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace soapgap {

namespace sm = soap_math;

namespace {

// Smallest Cholesky pivot L_nn of the radial overlap matrix below which the basis is rejected
// as numerically linearly dependent (W = L^-1 would amplify rounding errors by 1/L_nn).
constexpr double kMinPivot = 1e-6;

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

const ParameterTable<SoapParameters>& SoapParameters::table() {
  using P = SoapParameters;
  using R = Parameter<P>;
  static const ParameterTable<P> t(
      "soap",
      {
          R("n_max", &P::n_max, "radial resolution: number of radial basis functions").need().between(1, sm::kMaxNMax),
          R("l_max", &P::l_max, "angular resolution: largest spherical-harmonic degree")
              .need()
              .between(0, sm::kMaxLMax),
          R("cutoff", &P::cutoff, "cutoff radius r_c, Å").need().above(0),
          R("cutoff_transition_width", &P::cutoff_transition_width,
            "width of the cosine taper below the cutoff, Å (0: a hard step)")
              .at_least(0)
              .not_above(&P::cutoff, "cutoff"),
          R("atom_sigma", &P::atom_sigma, "Gaussian smearing of the neighbour density, Å").above(0),
          R("central_weight", &P::central_weight, "weight of the centre atom's own Gaussian").at_least(0),
          R("species", &P::species, "density channels and centre elements"),
          R("radial_basis", &P::radial_basis,
            "`quip`: QUIP's EQUISPACED_GAUSS construction, the default since 2026-12-07 "
            "([radial-basis.md](radial-basis.md)); `soapgap`: the first basis, kept for potential files written "
            "with it")
              .one_of({"quip", "soapgap"})
              .print_when([](const P& p) { return p.radial_basis != "quip" || p.basis_error_exponent != 10.0; }),
          R("basis_error_exponent", &P::basis_error_exponent,
            "radial_basis=quip only: the centres reach r_c + atom_sigma·√(2x ln 10)")
              .above(0)
              .only_if([](const P& p) { return p.radial_basis == "quip"; })
              .print_non_default(),
          R("central_reference_all_species", &P::central_reference_all_species,
            "T: the centre's Gaussian goes into every element channel (QUIP convention)")
              .one_of({"F", "T"})
              .print_non_default(),
          R("species_channels", &P::merged_channels,
            "`merged`: all elements share one density channel (QUIP's species_Z=0)")
              .one_of({"separate", "merged"})
              .print_non_default(),
      });
  return t;
}

SoapParameters SoapParameters::from_spec(const KeyValueSpec& spec, const std::vector<int>& model_species) {
  const std::string ctx = spec.context() + ": soap";
  if (spec.type() != "soap") throw InputError(spec.context() + ": descriptor type \"" + spec.type() + "\" is not soap");
  SoapParameters p = table().read(spec, model_species, ctx);  // reads and checks every key
  p.check_radial_basis(ctx);
  return p;
}

void SoapParameters::validate(const std::string& context) const {
  table().validate(*this, context);
  check_radial_basis(context);
}

void SoapParameters::check_radial_basis(const std::string& context) const {
  std::vector<double> centres, r0;
  Eigen::MatrixXd W;
  if (!SoapDescriptor::radial_transform(*this, &centres, &W, &r0))
    throw InputError(context + ": n_max=" + std::to_string(n_max) +
                     ": the radial basis is numerically linearly dependent for atom_sigma=" + format_exact(atom_sigma) +
                     " and cutoff=" + format_exact(cutoff) +
                     " (reduce n_max or increase atom_sigma; the centre spacing cutoff/n_max should not be much below "
                     "atom_sigma)");
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

std::string SoapDescriptor::spec() const { return SoapParameters::table().print(params_); }

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
                       std::to_string(nl.neighbour(k)) + ", beyond the structure's " + std::to_string(s.size()) +
                       " atoms");
  std::vector<int> ch(s.size());
  for (int i = 0; i < s.size(); ++i) {
    ch[i] = channel(s.numbers[i]);
    if (ch[i] < 0)
      throw InputError((s.source.empty() ? "" : s.source + ": ") + "atom " + std::to_string(i) +
                       ": element Z=" + std::to_string(s.numbers[i]) + " not in the descriptor's species {" +
                       parameter_detail::species_text(params_.species) + "}");
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
        sm::basis_gradient(P, nl.r(k).data(), radius[m], basis.data() + m * nb, dEdc.data() + ch[nl.neighbour(k)] * cs,
                           g, V.data());
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
