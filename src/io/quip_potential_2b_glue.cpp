// The QUIP distance_2b descriptor as a soapgap distance_2b term, and the QUIP Glue core
// (<Glue_params>) as GlueData.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "descriptors/distance_2b.h"
#include "io/quip_potential_detail.h"
#include "kernels/kernel.h"

namespace soapgap::quip_detail {

TermData distance_2b_term(const QuipReader& R, const QuipCoordinate& c, const std::vector<int>& elements) {
  QuipArgs a;
  a.context = R.where(c.node) + " <descriptor>";
  a.v = parse_quip_args(c.descriptor, &a.type, a.context);
  const double cutoff = a.num("cutoff", 0, true);
  const double width = a.num("cutoff_transition_width", 0.5);
  const int z1 = a.integer("z1", 0), z2 = a.integer("z2", 0);
  if (a.integer("n_exponents", 1) != 1) a.refuse("n_exponents", "1", a.v["n_exponents"]);
  if (a.num("exponents", 1) != 1) a.refuse("exponents", "1", a.v["exponents"]);
  if (a.integer("tail_exponent", 0) != 0) a.refuse("tail_exponent", "0", a.v["tail_exponent"]);
  a.num("tail_range", 1.0);
  if (a.flag("only_intra", false)) a.refuse("only_intra", "F", "T");
  if (a.flag("only_inter", false)) a.refuse("only_inter", "F", "T");
  if (!a.str("resid_name", "").empty()) a.refuse("resid_name", "none", a.v["resid_name"]);
  a.check_unknown();
  if (c.covariance_type != 1)
    throw InputError(R.where(c.node) + ": distance_2b needs covariance_type=1 (ard_se), found " +
                     std::to_string(c.covariance_type));
  if (c.dimension != 1 || c.theta.size() != 1)
    throw InputError(R.where(c.node) + ": distance_2b needs dimensions=1 and one <theta> value");
  if (R.dattr(c.node, "f0", 0.0) != 0.0)
    throw InputError(R.where(c.node) + ": f0=" + R.value(c.node, "f0") + ": only f0=0 is supported");
  std::vector<int> species = elements;
  for (int z : {z1, z2})
    if (z != 0 && !std::binary_search(species.begin(), species.end(), z))
      throw InputError(a.context + ": Z1/Z2 element " + std::to_string(z) + " is not among the potential's elements");
  Distance2bParameters p;
  p.cutoff = cutoff;
  p.cutoff_transition_width = width;
  p.species = species;
  p.validate(a.context);
  SquaredExponentialParameters k;
  k.theta = c.theta[0];
  k.delta = c.delta;
  SquaredExponentialParameters::table().validate(k, a.context);
  TermData t;
  t.spec = Distance2bParameters::table().print(p) + " " + SquaredExponentialParameters::table().print_keys(k);
  for (size_t i = 0; i < species.size(); ++i)
    for (size_t j = i; j < species.size(); ++j) {
      const int za = species[i], zb = species[j];
      const bool match =
          ((z1 == 0 || z1 == za) && (z2 == 0 || z2 == zb)) || ((z1 == 0 || z1 == zb) && (z2 == 0 || z2 == za));
      if (!match) continue;
      SparseGroupData g;
      g.key = std::to_string(za) + "-" + std::to_string(zb);
      g.sparse_points = c.x;
      g.alpha = c.alpha;
      t.groups.push_back(std::move(g));
    }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Glue core.

namespace {

CubicSplineData read_points(const QuipReader& R, const xmlNode* n, const char* xa, const char* ya) {
  CubicSplineData s;
  const long count = R.iattr(n, "num_points", 2, 1000000);
  for (const xmlNode* p : xml::child_elements(n, "point")) {
    s.x.push_back(R.dattr(p, xa));
    s.y.push_back(R.dattr(p, ya));
  }
  if (static_cast<long>(s.x.size()) != count)
    R.fail(n, "num_points=" + std::to_string(count) + " but " + std::to_string(s.x.size()) + " <point> elements");
  return s;
}

}  // namespace

GlueData read_glue(const QuipReader& R, const xmlNode* g) {
  GlueData out;
  std::map<int, int> z_of_type;
  for (const xmlNode* t : xml::child_elements(g, "per_type_data")) {
    GlueElementData e;
    e.Z = static_cast<int>(R.iattr(t, "atomic_num", 1, 118));
    z_of_type[static_cast<int>(R.iattr(t, "type", 1, 1000))] = e.Z;
    const auto dens = xml::child_elements(t, "density");
    const auto emb = xml::child_elements(t, "potential_density");
    if (!xml::child_elements(t, "potential_neighbours").empty())
      R.fail(t, "<potential_neighbours> (coordination-based Glue) is not supported");
    if (dens.size() != 1 || emb.size() != 1) R.fail(t, "expected one <density> and one <potential_density>");
    e.density = read_points(R, dens[0], "a", "rho");
    e.density.yp1 = R.dattr(dens[0], "density_y1");
    e.density.ypn = R.dattr(dens[0], "density_yn");
    e.density_spline = R.battr(dens[0], "do_spline", false);
    e.embedding = read_points(R, emb[0], "rho", "E");
    e.embedding.yp1 = R.dattr(emb[0], "y1", 2.0e30);
    e.embedding.ypn = R.dattr(emb[0], "yn", 2.0e30);
    out.elements.push_back(std::move(e));
  }
  if (out.elements.empty()) R.fail(g, "no <per_type_data>");
  for (const xmlNode* p : xml::child_elements(g, "per_pair_data")) {
    GluePairData pd;
    const int t1 = static_cast<int>(R.iattr(p, "type1", 1, 1000)), t2 = static_cast<int>(R.iattr(p, "type2", 1, 1000));
    if (!z_of_type.count(t1) || !z_of_type.count(t2)) R.fail(p, "type1/type2 not defined by a <per_type_data>");
    pd.Z1 = z_of_type[t1];
    pd.Z2 = z_of_type[t2];
    const auto pot = xml::child_elements(p, "potential_pair");
    if (pot.size() != 1) R.fail(p, "expected one <potential_pair>");
    pd.potential = read_points(R, pot[0], "r", "E");
    // QUIP reads y1/yn here (default 0); density_y1/density_yn on this element are ignored.
    pd.potential.yp1 = R.dattr(pot[0], "y1", 0.0);
    pd.potential.ypn = R.dattr(pot[0], "yn", 0.0);
    out.pairs.push_back(std::move(pd));
  }
  return out;
}

}  // namespace soapgap::quip_detail
