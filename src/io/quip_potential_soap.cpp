// A QUIP soap descriptor as a soapgap SOAP term: QUIP's options onto soapgap's SOAP, and the
// permutation of the power-spectrum elements of the sparse points into soapgap's order.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/key_value.h"
#include "descriptors/soap.h"
#include "descriptors/soap_math.h"
#include "io/quip_potential_detail.h"
#include "kernels/kernel.h"

namespace soapgap::quip_detail {

namespace {

// Before this version central_reference_all_species defaulted to true.
constexpr long kCentralReferenceVersion = 1426512068;

// QUIP's SOAP descriptor options as soapgap uses them.
struct QuipSoapOptions {
  std::string context;  // "file:line: <gpCoordinates> <descriptor>", for messages
  double cutoff = 0, width = 0, sigma = 0, central_weight = 0, error_exponent = 0;
  int l_max = 0, n_max = 0, n_species = 0;
  std::vector<int> species_z, centre_z;  // {0}: all species
  bool central_all = false;
};

}  // namespace

// Refuses the options that change predictions but that soapgap does not implement.
void refuse_unsupported_soap_options(QuipArgs& a) {
  const std::string basis = a.str("radial_basis", "");
  if (!basis.empty() && basis != "EQUISPACED_GAUSS") a.refuse("radial_basis", "EQUISPACED_GAUSS", basis);
  if (a.num("cutoff_dexp", 0) != 0) a.refuse("cutoff_dexp", "0", a.v["cutoff_dexp"]);
  a.num("cutoff_scale", 1.0);
  a.num("cutoff_rate", 1.0);
  if (a.flag("average", false)) a.refuse("average", "F", "T");
  if (a.flag("diagonal_radial", false)) a.refuse("diagonal_radial", "F", "T");
  if (!a.flag("normalise", a.flag("normalize", true))) a.refuse("normalise", "T", "F");
  if (a.num("covariance_sigma0", 0.0) != 0.0) a.refuse("covariance_sigma0", "0", a.v["covariance_sigma0"]);
  if (a.integer("nu_r", 2) != 2) a.refuse("nu_R", "2", a.v["nu_r"]);
  if (a.integer("nu_s", 2) != 2) a.refuse("nu_S", "2", a.v["nu_s"]);
  for (const char* k : {"Z_mix", "R_mix", "sym_mix"}) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (a.flag(key, false)) a.refuse(k, "F", "T");
  }
  if (!a.flag("coupling", true)) a.refuse("coupling", "T", "F");
  if (a.integer("k", 0) != 0) a.refuse("K", "0", a.v["k"]);
  if (!a.str("z_map", "").empty()) a.refuse("Z_map", "none", a.v["z_map"]);
}

namespace {

// The options of a soap <descriptor> and the checks of its kernel.
QuipSoapOptions soap_options(const QuipReader& R, const QuipCoordinate& c, long gap_version) {
  QuipArgs a;
  a.context = R.where(c.node) + " <descriptor>";
  a.v = parse_quip_args(c.descriptor, &a.type, a.context);
  QuipSoapOptions o;
  o.context = a.context;
  o.cutoff = a.num("cutoff", 0, true);
  o.width = a.num("cutoff_transition_width", 0.5);
  o.l_max = a.integer("l_max", 0, true);
  o.n_max = a.integer("n_max", 0, true);
  o.sigma = a.num("atom_gaussian_width", 0.0);
  if (!a.has("atom_gaussian_width")) o.sigma = a.num("atom_sigma", 0, true);
  o.central_weight = a.num("central_weight", 1.0);
  o.error_exponent = a.num("basis_error_exponent", 10.0);
  o.n_species = a.integer("n_species", 1);
  o.species_z = a.ints("species_z");
  const int n_z = a.integer("n_z", 1);
  o.centre_z = a.ints("z");
  if (o.species_z.empty()) o.species_z = {0};
  if (o.centre_z.empty()) o.centre_z = {0};
  if (o.n_max < 1 || o.n_max > soap_math::kMaxNMax || o.l_max < 0 || o.l_max > soap_math::kMaxLMax)
    throw InputError(a.context + ": n_max=" + std::to_string(o.n_max) + " l_max=" + std::to_string(o.l_max) +
                     ": expected n_max in 1.." + std::to_string(soap_math::kMaxNMax) + " and l_max in 0.." +
                     std::to_string(soap_math::kMaxLMax));
  if (static_cast<int>(o.species_z.size()) != o.n_species)
    throw InputError(a.context + ": n_species=" + std::to_string(o.n_species) + " but species_Z={" + join(o.species_z) +
                     "}");
  if (static_cast<int>(o.centre_z.size()) != n_z)
    throw InputError(a.context + ": n_Z=" + std::to_string(n_z) + " but Z={" + join(o.centre_z) + "}");
  o.central_all = a.flag("central_reference_all_species", false);
  if (!a.has("central_reference_all_species") && o.n_species == 1) o.central_all = true;
  if (gap_version < kCentralReferenceVersion) o.central_all = true;
  refuse_unsupported_soap_options(a);
  a.check_unknown();
  if (c.covariance_type != 2)
    throw InputError(R.where(c.node) + ": soap needs covariance_type=2 (dot_product), found " +
                     std::to_string(c.covariance_type));
  if (c.zeta != std::floor(c.zeta) || c.zeta < 1 || c.zeta > 64)
    throw InputError(R.where(c.node) + ": zeta=" + format_exact(c.zeta) +
                     ": soapgap's dot-product kernel needs a positive integer zeta");
  return o;
}

// The centre elements of Z={...} (0: every species), each once.
std::vector<int> soap_centres(const QuipSoapOptions& o, const std::vector<int>& species) {
  std::vector<int> centres;
  for (int z : o.centre_z) {
    if (z == 0) {
      centres = species;
      break;
    }
    if (!std::binary_search(species.begin(), species.end(), z))
      throw InputError(o.context + ": centre Z=" + std::to_string(z) + " is not among species_Z={" + join(o.species_z) +
                       "}: not supported by soapgap");
    // (a centre listed twice is still one centre: QUIP computes each atom once)
    if (std::find(centres.begin(), centres.end(), z) == centres.end()) centres.push_back(z);
  }
  return centres;
}

// QUIP: vector element (ia, jb, l) with ia = s n_max + n (species s in species_Z order),
// jb <= ia, l fastest, then one constant element. soapgap: channel pairs a <= b (sorted
// species; one channel if merged), n, n' (n' >= n if a == b), l fastest. Returns, for each
// index of soapgap's power spectrum, the QUIP index.
std::vector<int> soap_permutation(const QuipReader& R, const QuipCoordinate& c, const QuipSoapOptions& o,
                                  const std::vector<int>& species, bool merged) {
  const int n_max = o.n_max, n_species = o.n_species;
  const int S = merged ? 1 : static_cast<int>(species.size());
  const int K = n_species * n_max, L1 = o.l_max + 1;
  const int dim = soap_math::power_spectrum_size(S, n_max, o.l_max);
  if (c.dimension != K * (K + 1) / 2 * L1 + 1)
    throw InputError(R.where(c.node) + ": dimensions=" + std::to_string(c.dimension) +
                     " does not match the descriptor (" + std::to_string(K * (K + 1) / 2 * L1 + 1) +
                     " for n_species=" + std::to_string(n_species) + " n_max=" + std::to_string(n_max) +
                     " l_max=" + std::to_string(o.l_max) + ")");
  std::map<std::tuple<int, int, int, int, int>, int> ours;
  int idx = 0;
  for (int ca = 0; ca < S; ++ca)
    for (int cb = ca; cb < S; ++cb)
      for (int n = 0; n < n_max; ++n)
        for (int n2 = (ca == cb ? n : 0); n2 < n_max; ++n2)
          for (int l = 0; l < L1; ++l) ours[{ca, n, cb, n2, l}] = idx++;
  auto channel = [&](int s) {
    if (merged) return 0;
    return static_cast<int>(std::lower_bound(species.begin(), species.end(), o.species_z[s]) - species.begin());
  };
  std::vector<int> perm(dim, -1);  // our index -> QUIP index
  int pair = 0;
  for (int ia = 0; ia < K; ++ia)
    for (int jb = 0; jb <= ia; ++jb, ++pair) {
      int c1 = channel(ia / n_max), n1 = ia % n_max, c2 = channel(jb / n_max), n2 = jb % n_max;
      if (c1 > c2 || (c1 == c2 && n1 > n2)) {
        std::swap(c1, c2);
        std::swap(n1, n2);
      }
      for (int l = 0; l < L1; ++l) perm[ours.at({c1, n1, c2, n2, l})] = pair * L1 + l;
    }
  return perm;
}

// The term's parameters, validated, printed once as the file's spec.
std::string soap_spec(const QuipSoapOptions& o, const QuipCoordinate& c, const std::vector<int>& species, bool merged) {
  SoapParameters p;
  p.n_max = o.n_max;
  p.l_max = o.l_max;
  p.cutoff = o.cutoff;
  p.cutoff_transition_width = o.width;
  p.atom_sigma = o.sigma;
  p.central_weight = o.central_weight;
  p.species = species;
  p.radial_basis = "quip";
  p.basis_error_exponent = o.error_exponent;
  p.central_reference_all_species = o.central_all;
  p.merged_channels = merged;
  p.validate(o.context);
  DotProductParameters k;
  k.zeta = static_cast<int>(c.zeta);
  k.delta = c.delta;
  DotProductParameters::table().validate(k, o.context);
  return SoapParameters::table().print(p) + " " + DotProductParameters::table().print_keys(k);
}

}  // namespace

TermData soap_term(const QuipReader& R, const QuipCoordinate& c, long gap_version, const std::vector<int>& elements) {
  const QuipSoapOptions o = soap_options(R, c, gap_version);
  // Species: the wildcard (species_Z=0) puts every element into one density channel.
  const bool merged = o.n_species == 1 && o.species_z[0] == 0;
  std::vector<int> species = merged ? elements : o.species_z;
  std::sort(species.begin(), species.end());
  if (!merged)
    for (size_t i = 0; i < species.size(); ++i)
      if (species[i] < 1 || species[i] > 118 || (i > 0 && species[i] == species[i - 1]))
        throw InputError(o.context + ": species_Z={" + join(o.species_z) + "}: expected distinct atomic numbers");
  const std::vector<int> centres = soap_centres(o, species);
  const std::vector<int> perm = soap_permutation(R, c, o, species, merged);
  const int dim = static_cast<int>(perm.size());
  TermData t;
  t.spec = soap_spec(o, c, species, merged);
  Eigen::MatrixXd x(c.x.rows(), dim);
  for (int j = 0; j < dim; ++j) x.col(j) = c.x.col(perm[j]);
  for (int z : centres) {
    SparseGroupData g;
    g.key = std::to_string(z);
    g.sparse_points = x;
    g.alpha = c.alpha;
    t.groups.push_back(std::move(g));
  }
  return t;
}

}  // namespace soapgap::quip_detail
