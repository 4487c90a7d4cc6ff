// QUIP's descriptor strings: the key=value parser (parse_quip_args) and the typed, checked access
// to the options (QuipArgs), which refuses options that soapgap does not implement.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/text.h"
#include "io/quip_potential_detail.h"

namespace soapgap::quip_detail {

namespace {

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

}  // namespace

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

std::string QuipArgs::str(const std::string& k, const std::string& fallback) {
  used.insert(k);
  return has(k) ? v.at(k) : fallback;
}

double QuipArgs::num(const std::string& k, double fallback, bool required) {
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

int QuipArgs::integer(const std::string& k, int fallback, bool required) {
  const double x = num(k, fallback, required);
  if (x != std::floor(x) || std::abs(x) > 1e9)
    throw InputError(context + ": " + k + "=" + v.at(k) + ": expected an integer (|value| <= 10^9)");
  return static_cast<int>(x);
}

bool QuipArgs::flag(const std::string& k, bool fallback) {
  used.insert(k);
  if (!has(k)) return fallback;
  std::string s = v.at(k);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (s == "t" || s == "true" || s == ".true." || s == "1") return true;
  if (s == "f" || s == "false" || s == ".false." || s == "0") return false;
  throw InputError(context + ": " + k + "=" + v.at(k) + ": expected T or F");
}

std::vector<int> QuipArgs::ints(const std::string& k) {
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
void QuipArgs::refuse(const std::string& k, const std::string& expected, const std::string& actual) const {
  throw InputError(context + ": " + type + " option " + k + "=" + actual +
                   " is not supported by soapgap (supported: " + expected + ")");
}

void QuipArgs::check_unknown() const {
  for (const auto& kv : v)
    if (!used.count(kv.first) && !kFitOnlyKeys.count(kv.first))
      throw InputError(context + ": " + type + " option " + kv.first + "=" + kv.second +
                       " is not supported by soapgap's QUIP import");
}

std::string join(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i]);
  return s;
}

}  // namespace soapgap::quip_detail
