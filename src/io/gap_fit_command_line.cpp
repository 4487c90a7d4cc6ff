// gap_fit command lines as soapgap fit options (io/gap_fit_command_line.h, docs/gap_fit.md).
#include "io/gap_fit_command_line.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/elements.h"
#include "core/error.h"
#include "core/key_value.h"
#include "core/text.h"
#include "io/quip_potential_detail.h"

namespace soapgap {

namespace {

using quip_detail::QuipArgs;

const char* kContext = "gap_fit command line";

// gap_fit's alternative names (altkey) -> the names used below.
const std::map<std::string, std::string> kAliases = {
    {"atoms_filename", "at_file"},
    {"gap_file", "gp_file"},
    {"default_kernel_regularisation", "default_sigma"},
    {"config_type_kernel_regularisation", "config_type_sigma"},
    {"kernel_regularisation_is_per_atom", "sigma_per_atom"},
    {"kernel_regularisation_parameter_name", "sigma_parameter_name"},
    {"do_copy_atoms_file", "do_copy_at_file"},
    {"baseline_param_filename", "core_param_file"},
    {"baseline_ip_args", "core_ip_args"},
    {"hessian_displacement", "hessian_delta"},
    {"default_kernel_regularisation_local_property", "default_local_property_sigma"},
    {"energy_scale", "delta"},
    {"soap_exponent", "zeta"},
    {"lengthscale_uniform", "theta_uniform"},
    {"lengthscale_factor", "theta_fac"},
    {"lengthscale_file", "theta_file"},
    {"atom_gaussian_width", "atom_sigma"}};

// Keys of QUIP's run that do not change the fitted model: accepted, with what soapgap does instead.
const std::map<std::string, std::string> kNoEffect = {
    {"do_copy_at_file", "soapgap records the training file's path and SHA-256 instead of a copy"},
    {"sparse_separate_file", "soapgap writes one file"},
    {"verbosity", "soapgap prints progress on stderr (--quiet silences it)"},
    {"openmp_chunk_size", "OpenMP scheduling is soapgap's own"},
    {"do_ip_timing", "soapgap prints the time of each step"},
    {"mpi_blocksize", "no effect"},
    {"condition_number_norm", "no effect"},
    {"hessian_delta", "soapgap fits no Hessians"},
    {"default_local_property_sigma", "soapgap fits no local properties"},
    {"core_param_file", "no core potential (core_ip_args is not supported)"}};

std::string canonical_key(std::string k) {
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  auto it = kAliases.find(k);
  return it == kAliases.end() ? k : it->second;
}

// A number as written (Fortran exponents 1.0d-8 as 1.0e-8), checked.
std::string number_text(const std::string& key, const std::string& written) {
  std::string t(text::trim(written));
  for (char& c : t)
    if (c == 'd' || c == 'D') c = 'e';
  double x = 0;
  if (!text::parse_double(t, x) || !std::isfinite(x))
    throw InputError(std::string(kContext) + ": " + key + "=" + written + ": expected a number");
  return t;
}

double number(const std::string& key, const std::string& written) {
  double x = 0;
  text::parse_double(number_text(key, written), x);
  return x;
}

// A number option of a term as written (checked through QuipArgs, so that it counts as used).
std::string term_number(QuipArgs& a, const std::string& key, const std::string& fallback) {
  if (!a.has(key) && fallback.empty()) a.num(key, 0, true);  // throws: missing
  a.num(key, 0);
  return a.has(key) ? number_text(key, a.v.at(key)) : fallback;
}

// Fields of a value split at any of `separators` (outside braces).
std::vector<std::string> fields(const std::string& value, const std::string& separators) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : value) {
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (depth == 0 && separators.find(c) != std::string::npos) {
      if (!text::trim(cur).empty()) out.push_back(std::string(text::trim(cur)));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!text::trim(cur).empty()) out.push_back(std::string(text::trim(cur)));
  return out;
}

std::string read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(std::string(kContext) + ": config_file=" + path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// gap_fit's sparse_method names -> soapgap's.
std::string sparse_method(QuipArgs& a) {
  std::string m = a.str("sparse_method", "random");
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  if (m == "random") return "random";
  if (m == "cur_points") return "cur";
  if (m == "uniform") return "uniform";
  if (m == "none") return "all";
  a.refuse("sparse_method", "random, cur_points, uniform, none", m);
  return "";
}

// The keys every gap={...} term shares: kernel scale, sparse points, species handling.
std::string fit_keys(QuipArgs& a, std::vector<std::string>& notes) {
  const std::string method = sparse_method(a);
  const int n_sparse = a.integer("n_sparse", method == "all" ? 1 : 0);
  if (a.has("config_type_n_sparse")) a.refuse("config_type_n_sparse", "n_sparse", a.v["config_type_n_sparse"]);
  if (n_sparse < 1) throw InputError(a.context + ": n_sparse=" + a.str("n_sparse", "0") + ": expected at least 1");
  const std::string delta = term_number(a, "delta", "");
  if (!a.flag("add_species", true)) a.refuse("add_species", "T (species from the training set)", "F");
  if (a.num("f0", 0.0) != 0.0) a.refuse("f0", "0", a.v["f0"]);
  if (a.flag("mark_sparse_atoms", false)) a.refuse("mark_sparse_atoms", "F", "T");
  for (const char* k : {"sparse_file", "print_sparse_index", "theta_file"})
    if (a.has(k)) a.refuse(k, "not given", a.v[k]);
  for (const char* k : {"unique_hash_tolerance", "unique_descriptor_tolerance"})
    if (a.has(k)) {
      a.num(k, 0);
      notes.push_back(a.context + ": " + k + " has no effect (soapgap drops rows equal to 1e-9)");
    }
  for (const char* k : {"n_species", "species_z", "z", "z1", "z2"})
    if (a.has(k)) a.refuse(k, "not given (add_species=T takes the species from the training set)", a.v[k]);
  return "delta=" + delta + " n_sparse=" + std::to_string(n_sparse) + " sparse_method=" + method;
}

std::string covariance(QuipArgs& a) {
  std::string c = a.str("covariance_type", "");
  if (c.empty()) throw InputError(a.context + ": " + a.type + " option covariance_type is missing");
  std::transform(c.begin(), c.end(), c.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return c;
}

std::string soap_term(QuipArgs& a, std::vector<std::string>& notes) {
  if (covariance(a) != "dot_product") a.refuse("covariance_type", "dot_product", a.v["covariance_type"]);
  const double zeta = a.num("zeta", 1.0);
  if (zeta != std::floor(zeta) || zeta < 1 || zeta > 64)
    a.refuse("zeta", "an integer 1..64 (soapgap's dot-product kernel)", a.v["zeta"]);
  std::ostringstream s;
  s << "soap n_max=" << a.integer("n_max", 0, true) << " l_max=" << a.integer("l_max", 0, true)
    << " cutoff=" << term_number(a, "cutoff", "")
    << " cutoff_transition_width=" << term_number(a, "cutoff_transition_width", "0.5")
    << " atom_sigma=" << term_number(a, "atom_sigma", "") << " central_weight=" << term_number(a, "central_weight", "1")
    << " radial_basis=quip basis_error_exponent=" << term_number(a, "basis_error_exponent", "10");
  if (a.has("central_reference_all_species"))
    s << " central_reference_all_species=" << (a.flag("central_reference_all_species", false) ? "T" : "F");
  for (const char* k : {"theta_uniform", "theta_fac"})
    if (a.has(k)) a.refuse(k, "not given (soap uses the dot-product kernel)", a.v[k]);
  quip_detail::refuse_unsupported_soap_options(a);
  s << " zeta=" << static_cast<int>(zeta) << " " << fit_keys(a, notes);
  return s.str();
}

std::string distance_2b_term(QuipArgs& a, std::vector<std::string>& notes) {
  const std::string c = covariance(a);
  if (c != "ard_se" && c != "gaussian") a.refuse("covariance_type", "ard_se (gaussian)", a.v["covariance_type"]);
  if (a.has("theta_fac")) a.refuse("theta_fac", "theta_uniform", a.v["theta_fac"]);
  std::ostringstream s;
  s << "distance_2b cutoff=" << term_number(a, "cutoff", "")
    << " cutoff_transition_width=" << term_number(a, "cutoff_transition_width", "0.5")
    << " theta=" << term_number(a, "theta_uniform", "");
  if (a.integer("n_exponents", 1) != 1) a.refuse("n_exponents", "1", a.v["n_exponents"]);
  if (a.num("exponents", 1) != 1) a.refuse("exponents", "1", a.v["exponents"]);
  if (a.integer("tail_exponent", 0) != 0) a.refuse("tail_exponent", "0", a.v["tail_exponent"]);
  if (a.flag("only_intra", false)) a.refuse("only_intra", "F", "T");
  if (a.flag("only_inter", false)) a.refuse("only_inter", "F", "T");
  s << " " << fit_keys(a, notes);
  return s.str();
}

// One gap={...} term as a soapgap term spec.
std::string translate_term(const std::string& text, int index, std::vector<std::string>& notes) {
  QuipArgs a;
  a.context = std::string(kContext) + ": gap term " + std::to_string(index);
  std::map<std::string, std::string> raw = quip_detail::parse_quip_args(text, &a.type, a.context);
  for (const auto& kv : raw) a.v[canonical_key(kv.first)] = kv.second;
  a.context += " (" + a.type + ")";
  std::string spec;
  if (a.type == "soap")
    spec = soap_term(a, notes);
  else if (a.type == "distance_2b")
    spec = distance_2b_term(a, notes);
  else
    throw InputError(a.context + ": descriptor " + a.type +
                     " is not supported by soapgap fit (supported: soap, "
                     "distance_2b)");
  for (const auto& kv : a.v)
    if (!a.used.count(kv.first))
      throw InputError(a.context + ": option " + kv.first + "=" + kv.second + " is not supported by soapgap fit");
  return spec;
}

// default_sigma={E F V H} and config_type_sigma={type:E:F:V:H:...} (its type "default" replaces
// default_sigma) -> the native sigmas; a zero default sigma means "not fitted" (gap_fit's usage).
void sigmas(QuipArgs& g, GapFitTranslation& t) {
  if (!g.has("default_sigma")) throw InputError(std::string(kContext) + ": default_sigma={E F V H} is missing");
  std::vector<std::string> d = fields(g.str("default_sigma", ""), " ");
  if (d.size() != 3 && d.size() != 4)
    throw InputError(std::string(kContext) + ": default_sigma={" + g.v["default_sigma"] +
                     "}: expected four numbers (energy eV/atom, force eV/A, virial eV/atom, Hessian)");
  const std::vector<std::string> f = fields(g.str("config_type_sigma", ""), " :;");
  if (g.has("config_type_sigma") && (f.empty() || f.size() % 5 != 0))
    throw InputError(std::string(kContext) + ": config_type_sigma={" + g.v["config_type_sigma"] +
                     "}: expected groups of five fields type:energy:force:virial:hessian");
  for (size_t i = 0; i < f.size(); i += 5) {
    std::string item = f[i];
    for (int k = 1; k <= 3; ++k) {
      const double x = number("config_type_sigma", f[i + k]);
      if (!(x > 0))
        throw InputError(std::string(kContext) + ": config_type_sigma " + f[i] +
                         ": soapgap needs positive energy, force and virial sigmas");
      item += ":" + number_text("config_type_sigma", f[i + k]);
    }
    if (f[i] == "default")
      d = {f[i + 1], f[i + 2], f[i + 3], f[i + 4]};
    else
      t.arguments.insert(t.arguments.end(), {"--config-type-sigma", item});
  }
  const char* option[3] = {"--sigma-energy", "--sigma-force", "--sigma-virial"};
  const char* skip[3] = {"--no-energies", "--no-forces", "--no-virials"};
  for (int k = 0; k < 3; ++k) {
    const double x = number("default_sigma", d[k]);
    if (x < 0) throw InputError(std::string(kContext) + ": default_sigma: sigmas must not be negative");
    if (x == 0) {
      t.arguments.push_back(skip[k]);
      t.notes.push_back(std::string("default_sigma: a zero sigma: ") + (skip[k] + 5) + " are not fitted (" + skip[k] +
                        ")");
    } else {
      t.arguments.insert(t.arguments.end(), {option[k], number_text("default_sigma", d[k])});
    }
  }
  if (d.size() == 4 && number("default_sigma", d[3]) != 0)
    t.notes.push_back("default_sigma: the Hessian sigma has no effect (soapgap fits no Hessians)");
}

// e0={Si:-158.5:O:-432.1} or e0=VALUE (every element); e0_method=isolated|average.
void e0_options(QuipArgs& g, GapFitTranslation& t) {
  if (g.has("e0")) {
    const std::vector<std::string> f = fields(g.str("e0", ""), ":");
    if (f.size() == 1) {
      t.arguments.insert(t.arguments.end(), {"--e0", number_text("e0", f[0])});
    } else if (f.size() % 2 == 0) {
      for (size_t i = 0; i < f.size(); i += 2) {
        atomic_number(f[i]);  // throws InputError naming an unknown symbol
        t.arguments.insert(t.arguments.end(), {"--e0", f[i] + "=" + number_text("e0", f[i + 1])});
      }
    } else {
      throw InputError(std::string(kContext) + ": e0={" + g.v["e0"] +
                       "}: expected one energy or symbol:energy pairs, e.g. {Ti:-150.0:O:-320.0}");
    }
  }
  std::string method = g.str("e0_method", "isolated");
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
  if (method != "isolated" && method != "average") g.refuse("e0_method", "isolated, average", method);
  t.arguments.insert(t.arguments.end(), {"--e0-method", method});
  if (g.num("e0_offset", 0.0) != 0.0) g.refuse("e0_offset", "0", g.v["e0_offset"]);
}

// The names of the labels in the training file (gap_fit's defaults where not given).
void label_names(QuipArgs& g, GapFitTranslation& t) {
  const std::string prefix = g.str("parameter_name_prefix", "");
  const std::pair<const char*, const char*> names[] = {{"energy_parameter_name", "energy"},
                                                       {"force_parameter_name", "force"},
                                                       {"virial_parameter_name", "virial"},
                                                       {"stress_parameter_name", "stress"},
                                                       {"config_type_parameter_name", "config_type"}};
  const char* option[] = {"--energy-key", "--forces-key", "--virial-key", "--stress-key", "--config-type-key"};
  for (int k = 0; k < 5; ++k)
    t.arguments.insert(t.arguments.end(), {option[k], prefix + g.str(names[k].first, names[k].second)});
  if (g.str("sigma_parameter_name", "sigma") != "sigma")
    g.refuse("sigma_parameter_name", "sigma (energy_sigma, force_sigma, virial_sigma)", g.v["sigma_parameter_name"]);
  for (const char* k : {"hessian_parameter_name", "local_property_parameter_name", "force_mask_parameter_name",
                        "core_ip_args", "template_file", "linear_system_dump_file", "local_property0"})
    if (g.has(k)) g.refuse(k, "not given", g.v[k]);
  if (!g.flag("sigma_per_atom", true)) g.refuse("sigma_per_atom", "T", "F");
  if (g.flag("sparsify_only_no_fit", false)) g.refuse("sparsify_only_no_fit", "F", "T");
  if (g.flag("sparse_use_actual_gpcov", false)) g.refuse("sparse_use_actual_gpcov", "F", "T");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> split_gap_fit_line(const std::string& s) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  auto space = [&](size_t k) { return std::isspace(static_cast<unsigned char>(s[k])) != 0; };
  while (true) {
    while (i < s.size() && space(i)) ++i;
    if (i >= s.size()) break;
    const size_t b = i;
    while (i < s.size() && s[i] != '=' && !space(i)) ++i;
    std::string key = s.substr(b, i - b), value = "T";
    if (i < s.size() && s[i] == '=') {
      ++i;
      if (i < s.size() && s[i] == '{') {
        int depth = 0;
        const size_t open = i;
        for (; i < s.size(); ++i) {
          depth += (s[i] == '{') - (s[i] == '}');
          if (depth == 0) break;
        }
        if (i >= s.size()) throw InputError(std::string(kContext) + ": " + key + "={...: no closing }");
        value = s.substr(open + 1, i - open - 1);
        ++i;
      } else if (i < s.size() && s[i] == '"') {
        const size_t e = s.find('"', i + 1);
        if (e == std::string::npos) throw InputError(std::string(kContext) + ": " + key + "=\"...: no closing \"");
        value = s.substr(i + 1, e - i - 1);
        i = e + 1;
      } else {
        const size_t v = i;
        while (i < s.size() && !space(i)) ++i;
        value = s.substr(v, i - v);
      }
    }
    out.emplace_back(canonical_key(key), value);
  }
  return out;
}

bool is_gap_fit_command_line(const std::vector<std::string>& words) {
  if (words.empty()) return false;
  const std::string& w = words[0];
  return w.rfind("-", 0) != 0 && w.find('=') != std::string::npos && w.find('=') > 0;
}

GapFitTranslation translate_gap_fit(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& w : words) line += (line.empty() ? "" : " ") + w;
  QuipArgs g;
  g.context = kContext;
  g.type = "gap_fit";
  std::vector<std::pair<std::string, std::string>> pairs = split_gap_fit_line(line);
  for (size_t i = 0, n = pairs.size(); i < n; ++i)
    if (pairs[i].first == "config_file")
      for (const auto& kv : split_gap_fit_line(read_config_file(pairs[i].second))) {
        if (kv.first == "config_file")
          throw InputError(std::string(kContext) + ": config_file=" + pairs[i].second + " names another config_file");
        pairs.push_back(kv);
      }
  for (const auto& kv : pairs) {
    if (kv.first == "config_file") continue;
    if (g.v.count(kv.first)) throw InputError(std::string(kContext) + ": " + kv.first + " is given twice");
    g.v[kv.first] = kv.second;
  }
  GapFitTranslation t;
  if (!g.has("at_file")) throw InputError(std::string(kContext) + ": at_file (the training set) is missing");
  if (!g.has("gap")) throw InputError(std::string(kContext) + ": gap={...} (the descriptors) is missing");
  t.arguments = {"--train", g.str("at_file", ""), "--output", g.str("gp_file", "gap_new.xml")};
  int index = 0;
  for (const std::string& term : fields(g.str("gap", ""), ":;"))
    t.arguments.insert(t.arguments.end(), {"--descriptor", translate_term(term, ++index, t.notes)});
  sigmas(g, t);
  e0_options(g, t);
  const std::string jitter =
      g.has("sparse_jitter") ? number_text("sparse_jitter", g.str("sparse_jitter", "")) : "1e-10";
  if (number("sparse_jitter", jitter) < 0)
    throw InputError(std::string(kContext) + ": sparse_jitter must not be negative");
  t.arguments.insert(t.arguments.end(), {"--sparse-jitter", jitter, "--jitter", "0"});
  const int seed = g.integer("rnd_seed", -1);
  if (seed >= 0)
    t.arguments.insert(t.arguments.end(), {"--seed", std::to_string(seed)});
  else
    t.notes.push_back("rnd_seed not given (gap_fit: unseeded): soapgap uses seed 1, so the fit is reproducible");
  label_names(g, t);
  for (const auto& kv : kNoEffect)
    if (g.has(kv.first)) {
      g.used.insert(kv.first);
      t.notes.push_back(kv.first + "=" + g.v[kv.first] + ": " + kv.second);
    }
  for (const auto& kv : g.v)
    if (!g.used.count(kv.first))
      throw InputError(std::string(kContext) + ": " + kv.first + "=" + kv.second +
                       " is not supported by soapgap fit (docs/gap_fit.md lists the gap_fit keys it takes)");
  return t;
}

}  // namespace soapgap
