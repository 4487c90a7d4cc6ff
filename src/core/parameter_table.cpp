#include "core/parameter_table.h"

#include <algorithm>

#include "core/error.h"
#include "core/text.h"

namespace soapgap::parameter_detail {

std::string species_text(const std::vector<int>& z) {
  std::string out;
  for (size_t i = 0; i < z.size(); ++i) out += (i ? " " : "") + std::to_string(z[i]);
  return out;
}

std::vector<int> read_species(const KeyValueSpec& spec, const std::string& key, const std::string& ctx) {
  const std::string text = spec.get_string(key);
  std::vector<int> out;
  for (double v : spec.get_doubles(key)) {
    if (!(v >= 1 && v <= 118 && v == std::floor(v)))
      fail(ctx, key + "={" + text + "}: expected atomic numbers between 1 and 118");
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) fail(ctx, key + "={" + text + "}: no elements given");
  std::sort(out.begin(), out.end());
  return out;
}

bool read_flag(const std::string& given, const std::vector<std::string>& choices, bool* value) {
  for (int v = 0; v < 2; ++v)
    if (given == choices.at(v)) return *value = v == 1, true;
  if (choices[0] != "F") return false;  // a named choice (e.g. separate/merged): exact text only
  const std::string t = text::lower(given);
  if (t == "t" || t == "true" || t == "1") return *value = true, true;
  if (t == "f" || t == "false" || t == "0") return *value = false, true;
  return false;
}

std::string number_text(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return std::to_string(static_cast<long long>(x));
  return format_exact(x);
}

std::string range_text(double lo, double hi, bool lo_open, bool hi_open, const std::string& at_most_key) {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi) || !at_most_key.empty();
  const std::string hi_text = at_most_key.empty() ? number_text(hi) : at_most_key;
  if (has_lo && has_hi) return number_text(lo) + (lo_open ? " < x " : " ≤ x ") + (hi_open ? "< " : "≤ ") + hi_text;
  if (has_lo) return lo_open ? "> " + number_text(lo) : "≥ " + number_text(lo);
  if (has_hi) return hi_open ? "< " + hi_text : "≤ " + hi_text;
  return "any";
}

std::string range_error(double x, double lo, double hi, bool lo_open, bool hi_open, bool is_int) {
  const bool ok = std::isfinite(x) && (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  if (ok) return "";
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) return "must be between " + number_text(lo) + " and " + number_text(hi);
  if (has_lo && lo == 0) return lo_open ? "must be positive" : "must be finite and non-negative";
  if (has_lo) return std::string("must be ") + (lo_open ? "above " : "at least ") + number_text(lo);
  if (has_hi) return std::string("must be ") + (hi_open ? "below " : "at most ") + number_text(hi);
  return is_int ? "must be an integer" : "must be finite";
}

void fail(const std::string& ctx, const std::string& what) { throw InputError(ctx + ": " + what); }

}  // namespace soapgap::parameter_detail
