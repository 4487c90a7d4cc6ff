#include "io/quip_potential.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/key_value.h"
#include "core/text.h"
#include "descriptors/distance_2b.h"
#include "descriptors/soap.h"
#include "descriptors/soap_math.h"
#include "io/xml_document.h"
#include "kernels/kernel.h"

namespace soapgap {

namespace {

// QUIP files older than this do not scale the SOAP l-blocks by 1/sqrt(2l+1).
constexpr long kTwoLPlusOneVersion = 1423143769;
// Before this version central_reference_all_species defaulted to true.
constexpr long kCentralReferenceVersion = 1426512068;

// QUIP's attribute values on the shared reader: Fortran numbers (1.5d0), logicals (T, true,
// .true.), integers written as numbers, and QUIP's wording of a missing attribute.
class QuipReader : public xml::Reader {
 public:
  using xml::Reader::Reader;
  std::string value(const xmlNode* n, const char* a) const {
    const std::optional<std::string> v = attr(n, a);
    if (!v) fail(n, std::string("attribute ") + a + " is missing");
    return *v;
  }
  std::string value(const xmlNode* n, const char* a, const std::string& fallback) const {
    return attr(n, a).value_or(fallback);
  }
  double number(const xmlNode* n, const std::string& what, const std::string& written) const {
    std::string t(text::trim(written));
    for (char& ch : t)
      if (ch == 'd' || ch == 'D') ch = 'e';  // Fortran exponents
    double v = 0;
    if (!text::parse_double(t, v) || !std::isfinite(v))
      fail(n, what + "=\"" + written + "\": expected a finite number");
    return v;
  }
  double dattr(const xmlNode* n, const char* a) const { return number(n, a, value(n, a)); }
  double dattr(const xmlNode* n, const char* a, double fallback) const { return has(n, a) ? dattr(n, a) : fallback; }
  long iattr(const xmlNode* n, const char* a, long lo, long hi) const {
    const double v = dattr(n, a);
    if (v != std::floor(v) || v < lo || v > hi)
      fail(n, std::string(a) + "=\"" + value(n, a) + "\": expected an integer between " + std::to_string(lo) + " and " +
                  std::to_string(hi));
    return static_cast<long>(v);
  }
  bool battr(const xmlNode* n, const char* a, bool fallback) const {
    if (!has(n, a)) return fallback;
    const std::string v = value(n, a);
    if (v == "T" || v == "t" || v == "true" || v == ".true.") return true;
    if (v == "F" || v == "f" || v == "false" || v == ".false.") return false;
    fail(n, std::string(a) + "=\"" + v + "\": expected T or F");
  }
};

// The first element named `name` below n, depth first (with label="label" where one is given).
const xmlNode* find_descendant(const xmlNode* n, const std::string& name, const std::string& label = "") {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (xml::Reader::name(c) == name && (label.empty() || xml::Reader::attr(c, "label").value_or("") == label))
      return c;
    if (const xmlNode* d = find_descendant(c, name, label)) return d;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// QUIP "key=value" descriptor strings: values may be quoted with {} or "".

// context: "file:line: <element>" for messages.
std::map<std::string, std::string> parse_quip_args(const std::string& s, std::string* type,
                                                   const std::string& context) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  skip();
  size_t b = i;
  while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  *type = s.substr(b, i - b);
  for (;;) {
    skip();
    if (i >= s.size()) break;
    b = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::string key = s.substr(b, i - b), value = "T";
    if (i < s.size() && s[i] == '=') {
      ++i;
      if (i < s.size() && (s[i] == '{' || s[i] == '"')) {
        const char close = s[i] == '{' ? '}' : '"';
        const size_t e = s.find(close, i + 1);
        if (e == std::string::npos)
          throw InputError(context + ": " + key + "=" + s[i] + "...: unterminated value (no closing " + close + ")");
        value = s.substr(i + 1, e - i - 1);
        i = e + 1;
      } else {
        b = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        value = s.substr(b, i - b);
      }
    }
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::tolower(ch); });
    out[key] = value;
  }
  return out;
}

// Options of gap_fit that QUIP records in the descriptor string but that do not change
// predictions.
const std::set<std::string> kFitOnlyKeys = {"n_sparse",
                                            "n_sparsex",
                                            "delta",
                                            "f0",
                                            "covariance_type",
                                            "sparse_method",
                                            "add_species",
                                            "config_type_n_sparse",
                                            "sparse_file",
                                            "print_sparse_index",
                                            "mark_sparse_atoms",
                                            "unique_descriptor_tolerance",
                                            "unique_hash_tolerance",
                                            "theta_uniform",
                                            "theta_fac",
                                            "theta_file",
                                            "zeta",
                                            "xml_version",
                                            "sparse_jitter",
                                            "soap_exponent",
                                            "config_type_sigma",
                                            "lap_tol",
                                            "mark_sparse_atoms",
                                            "atom_mask_name"};

struct QuipArgs {
  std::string type, context;
  std::map<std::string, std::string> v;
  std::set<std::string> used;
  bool has(const std::string& k) const { return v.count(k) > 0; }
  std::string str(const std::string& k, const std::string& fallback) {
    used.insert(k);
    return has(k) ? v.at(k) : fallback;
  }
  double num(const std::string& k, double fallback, bool required = false) {
    used.insert(k);
    if (!has(k)) {
      if (required) throw InputError(context + ": " + type + " option " + k + " is missing");
      return fallback;
    }
    double x = 0;
    if (!text::parse_double(v.at(k), x) || !std::isfinite(x))
      throw InputError(context + ": " + k + "=" + v.at(k) + ": expected a number");
    return x;
  }
  int integer(const std::string& k, int fallback, bool required = false) {
    const double x = num(k, fallback, required);
    if (x != std::floor(x) || std::abs(x) > 1e9)
      throw InputError(context + ": " + k + "=" + v.at(k) + ": expected an integer (|value| <= 10^9)");
    return static_cast<int>(x);
  }
  bool flag(const std::string& k, bool fallback) {
    used.insert(k);
    if (!has(k)) return fallback;
    std::string s = v.at(k);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (s == "t" || s == "true" || s == ".true." || s == "1") return true;
    if (s == "f" || s == "false" || s == ".false." || s == "0") return false;
    throw InputError(context + ": " + k + "=" + v.at(k) + ": expected T or F");
  }
  std::vector<int> ints(const std::string& k) {
    used.insert(k);
    std::vector<int> out;
    if (!has(k)) return out;
    std::istringstream in(v.at(k));
    double x;
    while (in >> x) {
      if (x != std::floor(x) || std::abs(x) > 1e9)
        throw InputError(context + ": " + k + "={" + v.at(k) + "}: expected integers (|value| <= 10^9)");
      out.push_back(static_cast<int>(x));
    }
    if (!in.eof()) throw InputError(context + ": " + k + "={" + v.at(k) + "}: expected integers");
    return out;
  }
  // Refuses options that this importer does not implement (those that change predictions).
  void refuse(const std::string& k, const std::string& expected, const std::string& actual) const {
    throw InputError(context + ": " + type + " option " + k + "=" + actual +
                     " is not supported by soapgap (supported: " + expected + ")");
  }
  void check_unknown() const {
    for (const auto& kv : v)
      if (!used.count(kv.first) && !kFitOnlyKeys.count(kv.first))
        throw InputError(context + ": " + type + " option " + kv.first + "=" + kv.second +
                         " is not supported by soapgap's QUIP import");
  }
};

std::string join(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i]);
  return s;
}

// ---------------------------------------------------------------------------------------------
// One <gpCoordinates>: its descriptor string, kernel and sparse data in QUIP's layout.
struct QuipCoordinate {
  const xmlNode* node = nullptr;
  std::string descriptor;
  int covariance_type = 0, dimension = 0;
  double delta = 0, zeta = 0;
  std::vector<double> theta;
  Eigen::MatrixXd x;      // n_sparse x dimension (QUIP order)
  Eigen::VectorXd alpha;  // alpha * sparseCutoff
};

std::string directory_of(const std::string& path) {
  const size_t s = path.find_last_of('/');
  return s == std::string::npos ? std::string() : path.substr(0, s + 1);
}

QuipCoordinate read_coordinate(const QuipReader& R, const xmlNode* n) {
  QuipCoordinate c;
  c.node = n;
  c.covariance_type = static_cast<int>(R.iattr(n, "covariance_type", 0, 100));
  c.dimension = static_cast<int>(R.iattr(n, "dimensions", 1, 100000000));
  c.delta = R.dattr(n, "signal_variance");
  if (R.dattr(n, "signal_mean", 0.0) != 0.0)
    R.fail(n, "signal_mean=" + R.value(n, "signal_mean") + ": only 0 is supported");
  if (!R.battr(n, "sparsified", true)) R.fail(n, "sparsified=F (a full GP) is not supported");
  if (R.has(n, "n_permutations") && R.iattr(n, "n_permutations", 1, 1000000) != 1)
    R.fail(n, "n_permutations=" + R.value(n, "n_permutations") + ": only 1 is supported");
  const long m = R.iattr(n, "n_sparseX", 1, 100000000);
  const auto desc = xml::child_elements(n, "descriptor");
  if (desc.size() != 1) R.fail(n, "expected one <descriptor>, found " + std::to_string(desc.size()));
  c.descriptor = xml::text_content(desc[0]);
  for (const xmlNode* t : xml::child_elements(n, "theta")) {
    std::istringstream in(xml::text_content(t));
    std::string tok;
    while (in >> tok) c.theta.push_back(R.number(t, "theta", tok));
  }
  if (c.covariance_type == 2) {
    if (R.has(n, "zeta"))
      c.zeta = R.dattr(n, "zeta");
    else if (!c.theta.empty())
      c.zeta = c.theta[0];  // files before the zeta attribute keep zeta in <theta>
    else
      R.fail(n, "dot_product covariance without zeta (no zeta attribute and no <theta>)");
  }
  const auto sparse = xml::child_elements(n, "sparseX");
  if (static_cast<long>(sparse.size()) != m)
    R.fail(n, "n_sparseX=" + std::to_string(m) + " but " + std::to_string(sparse.size()) + " <sparseX> elements");
  c.alpha.resize(m);
  // Filled below from the numbers actually read (never allocated from dimensions alone).
  std::vector<double> values;
  std::vector<bool> seen(m, false);
  std::vector<long> order(m);
  for (long k = 0; k < m; ++k) {
    const xmlNode* s = sparse[k];
    const long i = R.iattr(s, "i", 1, m) - 1;
    if (seen[i]) R.fail(s, "i=" + std::to_string(i + 1) + " given twice");
    seen[i] = true;
    order[k] = i;
    c.alpha[i] = R.dattr(s, "alpha") * R.dattr(s, "sparseCutoff");
    if (!std::isfinite(c.alpha[i]))
      R.fail(s, "alpha=" + R.value(s, "alpha") + " times sparseCutoff=" + R.value(s, "sparseCutoff") +
                    " overflows: expected a finite product");
  }
  if (R.has(n, "sparseX_filename")) {
    const std::string name = R.value(n, "sparseX_filename");
    std::string file = name;
    if (!name.empty() && name[0] != '/') {
      file = directory_of(R.file()) + name;
      if (!std::ifstream(file)) file = name;
    }
    std::error_code ec;
    if (std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec))
      // (a directory, FIFO or device such as /dev/zero: an error, or a read that never ends)
      R.fail(n, "sparseX_filename=\"" + name + "\": " + file + " is not a regular file");
    std::ifstream in(file);
    if (!in)
      R.fail(n, "sparseX_filename=\"" + name + "\": cannot open " + file +
                    " (looked beside the XML file and in the working directory)");
    std::string tok;
    const long total = m * static_cast<long>(c.dimension);
    long line = 0;
    while (in >> tok) {
      if (line == total)
        throw InputError(file + ": more than n_sparseX x dimensions = " + std::to_string(total) + " numbers (from " +
                         R.where(n) + ")");
      ++line;
      double v = 0;
      if (!text::parse_double(tok, v) || !std::isfinite(v))
        throw InputError(file + ":" + std::to_string(line) + ": \"" + tok + "\": expected a finite number");
      values.push_back(v);
    }
    if (line != total)
      throw InputError(file + ": ends after " + std::to_string(line) + " numbers; expected n_sparseX x dimensions = " +
                       std::to_string(m) + " x " + std::to_string(c.dimension) + " (from " + R.where(n) + ")");
    c.x = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(values.data(), m,
                                                                                                   c.dimension);
  } else {
    std::vector<std::vector<double>> rows(m);
    for (long k = 0; k < m; ++k) {
      std::istringstream in(xml::text_content(sparse[k]));
      std::string tok;
      std::vector<double>& row = rows[order[k]];
      while (in >> tok) {
        if (static_cast<long>(row.size()) >= c.dimension)
          R.fail(sparse[k], "more than dimensions=" + std::to_string(c.dimension) + " numbers");
        row.push_back(R.number(sparse[k], "value", tok));
      }
      if (static_cast<long>(row.size()) != c.dimension)
        R.fail(sparse[k], std::to_string(row.size()) + " numbers, expected dimensions=" + std::to_string(c.dimension) +
                              " (and no sparseX_filename on <gpCoordinates>)");
    }
    c.x.resize(m, c.dimension);
    for (long i = 0; i < m; ++i)
      for (int d = 0; d < c.dimension; ++d) c.x(i, d) = rows[i][d];
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// SOAP: QUIP's options onto soapgap's SOAP, and the permutation of the power spectrum.

// QUIP's SOAP descriptor options as soapgap uses them.
struct QuipSoapOptions {
  std::string context;  // "file:line: <gpCoordinates> <descriptor>", for messages
  double cutoff = 0, width = 0, sigma = 0, central_weight = 0, error_exponent = 0;
  int l_max = 0, n_max = 0, n_species = 0;
  std::vector<int> species_z, centre_z;  // {0}: all species
  bool central_all = false;
};

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

// init_args is scanned by hand: std::regex (libstdc++) recurses once per character and
// overflows the stack on long attribute values.

// The names X of "IP X" (IP, whitespace, then [A-Za-z_0-9]+), in order; with each, the
// position just after the name.
std::vector<std::pair<std::string, size_t>> ip_names(const std::string& init) {
  std::vector<std::pair<std::string, size_t>> out;
  const size_t n = init.size();
  size_t i = 0;
  while ((i = init.find("IP", i)) != std::string::npos) {
    size_t j = i + 2;
    while (j < n && text::is_space(init[j])) ++j;
    const size_t b = j;
    while (j < n && (std::isalnum(static_cast<unsigned char>(init[j])) || init[j] == '_')) ++j;
    if (b > i + 2 && j > b) {
      out.emplace_back(init.substr(b, j - b), j);
      i = j;
    } else {
      i += 1;
    }
  }
  return out;
}

// The label of the first "IP GAP ... label=X" (X before the next '}'), or "": what the pattern
// IP\s+GAP[^}]*?label\s*=\s*([^\s}]+) finds.
std::string label_in_init_args(const std::string& init) {
  const size_t n = init.size();
  for (size_t i = 0; (i = init.find("IP", i)) != std::string::npos; ++i) {
    size_t start = i + 2;
    while (start < n && text::is_space(init[start])) ++start;
    if (start == i + 2 || init.compare(start, 3, "GAP") != 0) continue;
    start += 3;
    const size_t end = std::min(n, init.find('}', start));
    for (size_t k = start; (k = init.find("label", k)) != std::string::npos && k < end; ++k) {
      size_t j = k + 5;
      while (j < n && text::is_space(init[j])) ++j;
      if (j >= n || init[j] != '=') continue;
      ++j;
      while (j < n && text::is_space(init[j])) ++j;
      const size_t b = j;
      while (j < n && !text::is_space(init[j]) && init[j] != '}') ++j;
      if (j > b) return init.substr(b, j - b);
    }
    // A later "IP GAP" before `end` would search a part of the same range: skip them (linear time).
    if (end > i) i = end - 1;
  }
  return std::string();
}

// The parsed file; InputError naming the file (and libxml2's line) otherwise.
xml::Doc parse_quip_file(const std::string& path) {
  // By name (libxml2 also reads compressed files); libxml2's messages are not printed.
  xml::Parsed p = xml::parse_file(path, XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR | XML_PARSE_NOWARNING,
                                  xml::OpenBy::libxml2);
  if (p.doctype) throw InputError(path + ": DOCTYPE declarations are not allowed in QUIP GAP files");
  if (!p.doc) {
    // libxml2's messages end with a newline; ours are one line.
    std::string msg = p.last_error_message;
    for (char& ch : msg)
      if (ch == '\n' || ch == '\r') ch = ' ';
    while (!msg.empty() && msg.back() == ' ') msg.pop_back();
    if (!p.has_last_error) throw InputError(path + ": cannot read or parse");
    throw InputError(path + ":" + std::to_string(p.last_error_line) + ": not well-formed XML: " + msg);
  }
  return std::move(p.doc);
}

}  // namespace

bool is_quip_potential(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string head(1 << 16, '\0');
  in.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.find("<GAP_params") != std::string::npos && head.find("<soapgap_potential") == std::string::npos;
}

// read_quip_potential without its message clean-up.
static PotentialData read_quip(const std::string& path, const std::string& label) {
  const xml::Doc doc = parse_quip_file(path);
  const QuipReader R(path);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  std::string init;
  if (const xmlNode* p = find_descendant(root, "Potential")) init = R.value(p, "init_args", "");
  std::string use_label = label.empty() ? label_in_init_args(init) : label;
  const xmlNode* gap = find_descendant(root, "GAP_params", use_label);
  if (!gap) {
    if (!use_label.empty()) throw InputError(path + ": no <GAP_params label=\"" + use_label + "\">");
    throw InputError(path + ": no <GAP_params>: not a QUIP GAP potential file");
  }
  // Which potentials the file sums: "IP GAP" and optionally "IP Glue".
  bool glue = false;
  if (!init.empty()) {
    for (const auto& ip : ip_names(init)) {
      const std::string& name = ip.first;
      if (name == "Glue")
        glue = true;
      else if (name != "GAP")
        throw InputError(path + ": <Potential init_args=\"" + init + "\">: IP " + name +
                         " is not supported (soapgap reads IP GAP and IP Glue)");
    }
    if (init.find("IP") == std::string::npos || (init.find("Sum") == std::string::npos && glue))
      throw InputError(path + ": <Potential init_args=\"" + init +
                       "\">: expected \"IP GAP ...\" or a Sum of IP GAP and IP Glue");
  }
  const long version = R.has(gap, "gap_version") ? R.iattr(gap, "gap_version", 0, 99999999999L) : 0;
  if (version < kTwoLPlusOneVersion)
    R.fail(gap, "gap_version=" + std::to_string(version) + ": files older than " + std::to_string(kTwoLPlusOneVersion) +
                    " (SOAP without the 1/sqrt(2l+1) scaling) are not supported");
  const auto gap_data = xml::child_elements(gap, "GAP_data");
  if (gap_data.size() != 1) R.fail(gap, "expected one <GAP_data>");
  if (R.battr(gap_data[0], "do_core", false)) glue = true;
  if (R.battr(gap_data[0], "do_pca", false)) R.fail(gap_data[0], "do_pca=T is not supported");

  PotentialData d;
  d.provenance["imported_from"] = path;
  d.provenance["quip_label"] = R.value(gap, "label", "");
  d.provenance["quip_gap_version"] = std::to_string(version);
  std::set<int> elements;
  if (glue) {
    const xmlNode* g = find_descendant(root, "Glue_params");
    if (!g)
      throw InputError(path + ": the potential uses the Glue core (init_args or do_core=T) but has no <Glue_params>");
    d.core = read_glue(R, g);
    for (const GlueElementData& e : d.core->elements) elements.insert(e.Z);
  }
  std::vector<QuipCoordinate> coords;
  for (const xmlNode* sp : xml::child_elements(gap, "gpSparse"))
    for (const xmlNode* c : xml::child_elements(sp, "gpCoordinates")) coords.push_back(read_coordinate(R, c));
  if (coords.empty()) R.fail(gap, "no <gpSparse>/<gpCoordinates>");
  // Elements named by the descriptors.
  for (const QuipCoordinate& c : coords) {
    QuipArgs a;
    a.context = R.where(c.node) + " <descriptor>";
    a.v = parse_quip_args(c.descriptor, &a.type, a.context);
    for (const char* k : {"species_z", "z", "z1", "z2"})
      for (const int z : a.ints(k)) {
        if (z < 0 || z > 118)
          throw InputError(a.context + ": " + k + "={" + a.v[k] + "}: expected atomic numbers 1..118 (0: any element)");
        if (z > 0) elements.insert(z);
      }
  }
  if (elements.empty())
    throw InputError(path +
                     ": every descriptor is a wildcard (species_Z=0, Z=0) and there is no Glue core: the "
                     "elements of the potential cannot be told; add species_Z/Z to the descriptor string");
  d.elements.assign(elements.begin(), elements.end());
  const auto e0s = xml::child_elements(gap_data[0], "e0");
  const double e0_all = R.dattr(gap_data[0], "e0", 0.0);
  for (int z : d.elements) d.e0[z] = e0_all;
  for (const xmlNode* e : e0s) {
    const int z = static_cast<int>(R.iattr(e, "Z", 1, 200));
    if (elements.count(z)) d.e0[z] = R.dattr(e, "value");
  }
  for (const QuipCoordinate& c : coords) {
    std::string type;
    parse_quip_args(c.descriptor, &type, R.where(c.node) + " <descriptor>");
    if (type == "soap")
      d.terms.push_back(soap_term(R, c, version, d.elements));
    else if (type == "distance_2b")
      d.terms.push_back(distance_2b_term(R, c, d.elements));
    else
      throw InputError(R.where(c.node) + ": descriptor type \"" + type +
                       "\" is not supported (soapgap reads soap and distance_2b)");
  }
  return d;
}

PotentialData read_quip_potential(const std::string& path, const std::string& label) {
  // Messages quote attribute values and descriptor strings, which may hold line breaks.
  return with_one_line_errors([&] { return read_quip(path, label); });
}

bool is_quip_init_string(const std::string& arg) {
  return arg.rfind("Potential", 0) == 0 || arg.find_first_of(" \t=") != std::string::npos;
}

std::string quip_init_label(const std::string& init) {
  const std::vector<std::string> words = text::split(init, " \t");
  const auto refuse = [&](const std::string& why) {
    throw InputError(
        "QUIP init string \"" + init + "\": " + why +
        "; expected \"Potential\" or \"Potential xml_label=LABEL\" (LABEL: a GAP_params label of the file) "
        "or no init string");
  };
  if (words.empty() || words[0] != "Potential")
    refuse("it does not start with the word Potential (soapgap reads GAP potentials only)");
  std::string label;
  for (size_t w = 1; w < words.size(); w++) {
    if (words[w].rfind("xml_label=", 0) != 0) refuse("\"" + words[w] + "\" is not understood");
    if (words[w].size() == 10) refuse("xml_label= needs a label");
    if (!label.empty()) refuse("xml_label given twice");
    label = words[w].substr(10);
  }
  return label;
}

}  // namespace soapgap
