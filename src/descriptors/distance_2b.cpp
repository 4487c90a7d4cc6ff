#include "descriptors/distance_2b.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "descriptors/cutoff_function.h"
#include "kernels/kernel_math.h"

namespace soapgap {

const ParameterTable<Distance2bParameters>& Distance2bParameters::table() {
  using P = Distance2bParameters;
  using R = Parameter<P>;
  static const ParameterTable<P> t("distance_2b",
                                   {
                                       R("cutoff", &P::cutoff, "cutoff radius, Å").need().above(0),
                                       R("cutoff_transition_width", &P::cutoff_transition_width,
                                         "width of the cosine taper below the cutoff, Å (0: a hard step)")
                                           .at_least(0)
                                           .not_above(&P::cutoff, "cutoff"),
                                       R("species", &P::species, "elements whose pairs get a kernel group each"),
                                   });
  return t;
}

Distance2bParameters Distance2bParameters::from_spec(const KeyValueSpec& spec, const std::vector<int>& model_species) {
  return table().read(spec, model_species, spec.context() + ": distance_2b");
}

void Distance2bParameters::validate(const std::string& context) const { table().validate(*this, context); }

Distance2bDescriptor::Distance2bDescriptor(const Distance2bParameters& p) : p_(p) { p_.validate("distance_2b"); }

std::string Distance2bDescriptor::spec() const { return Distance2bParameters::table().print(p_); }

std::vector<std::string> Distance2bDescriptor::group_keys() const {
  std::vector<std::string> keys;
  for (size_t a = 0; a < p_.species.size(); ++a)
    for (size_t b = a; b < p_.species.size(); ++b)
      keys.push_back(std::to_string(p_.species[a]) + "-" + std::to_string(p_.species[b]));
  return keys;
}

int Distance2bDescriptor::pair_group(int zi, int zj) const {
  auto ia = std::find(p_.species.begin(), p_.species.end(), zi);
  auto ib = std::find(p_.species.begin(), p_.species.end(), zj);
  if (ia == p_.species.end() || ib == p_.species.end()) return -1;
  int a = static_cast<int>(ia - p_.species.begin()), b = static_cast<int>(ib - p_.species.begin());
  if (a > b) std::swap(a, b);
  const int S = static_cast<int>(p_.species.size());
  return a * S - a * (a - 1) / 2 + (b - a);  // index in the a <= b enumeration
}

Environments Distance2bDescriptor::compute(const Structure& s, const NeighbourList& nl) const {
  Environments env;
  std::vector<double> q, w;
  for (int k = 0; k < nl.n_entries(); ++k) {
    const double r = nl.distance(k);
    if (r >= p_.cutoff) continue;
    const int i = nl.centre(k), j = nl.neighbour(k);
    const int g = pair_group(s.numbers[i], s.numbers[j]);
    if (g < 0) continue;
    double f, df;
    cutoff_function(r, p_.cutoff, p_.cutoff_transition_width, &f, &df);
    q.push_back(r);
    w.push_back(f);
    env.atom.push_back(i);
    env.group.push_back(g);
    env.tag.push_back(k);
  }
  env.q = Eigen::Map<RowMatrix>(q.data(), static_cast<Eigen::Index>(q.size()), 1);
  env.w = Eigen::Map<Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(w.size()));
  return env;
}

void Distance2bDescriptor::backpropagate(const Structure&, const NeighbourList& nl, const Environments& env,
                                         const RowMatrix& dE_dq, const Eigen::VectorXd& dE_dw, MatrixX3& dE_dr) const {
  for (int e = 0; e < env.size(); ++e) {
    const int k = env.tag[e];
    const double r = nl.distance(k);
    double f, df;
    cutoff_function(r, p_.cutoff, p_.cutoff_transition_width, &f, &df);
    double g[3];
    kernel_math::distance_2b_gradient(nl.r(k).data(), r, dE_dq(e, 0), dE_dw[e], df, g);
    dE_dr.row(k) += Eigen::Map<const Eigen::RowVector3d>(g);
  }
}

void Distance2bDescriptor::jacobian(const Structure&, const NeighbourList& nl, const Environments& env, int e,
                                    EnvironmentJacobian& out) const {
  const int k = env.tag[e];
  const double r = nl.distance(k);
  double f, df;
  cutoff_function(r, p_.cutoff, p_.cutoff_transition_width, &f, &df);
  const Eigen::Vector3d unit = nl.r(k) / r;
  out.entries.assign(1, k);
  out.dq.resize(1, 3);
  out.dq.row(0) = unit.transpose();
  out.dw = df * unit.transpose();
}

}  // namespace soapgap
