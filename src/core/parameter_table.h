// Typed settings described once: a table of Parameter<P> rows (key, member, default, range,
// documentation) drives reading a "type key=value ..." spec into a plain struct P, validating
// it, printing its canonical spec and writing the documentation's key list. The struct is what
// travels (file reader -> descriptor -> Kokkos style); the spec text is only its user-facing
// form, parsed once and printed once.
//
// Defaults are the values of a default-constructed P. A row is
//   required     the spec must give the key (the documentation says "required")
//   applies      the key exists only when this predicate holds for the keys read before it
//                (e.g. basis_error_exponent only with radial_basis=quip): elsewhere it is an
//                unknown key, and it is not printed
//   print        Always, or NonDefault (omitted while it equals the default), or the predicate
//                print_if
//   numbers      lo/hi bounds (open or closed), and optionally no larger than another double
//                member (`at_most`, e.g. cutoff_transition_width <= cutoff); doubles must be finite
//   strings      choices (an empty list accepts any text)
//   bool         choices = {text of false, text of true}; "T"/"F" flags also read true/false/1/0
//   species      std::vector<int> of atomic numbers, read as {Z1 Z2 ...}, sorted, each once,
//                1..118; the default is the model's elements
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "core/key_value.h"

namespace soapgap {

template <class P>
struct Parameter {
  using Member = std::variant<int P::*, double P::*, bool P::*, std::string P::*, std::vector<int> P::*>;
  enum class Print { Always, NonDefault };

  template <class M>
  Parameter(std::string key_, M P::*member_, std::string doc_)
      : key(std::move(key_)), member(member_), doc(std::move(doc_)) {}

  // Builders, chained: Parameter<P>("cutoff", &P::cutoff, "...").need().above(0)
  Parameter& need() { return required = true, *this; }
  Parameter& between(double lo_, double hi_) { return lo = lo_, hi = hi_, *this; }
  Parameter& above(double lo_) { return lo = lo_, lo_open = true, *this; }
  Parameter& at_least(double lo_) { return lo = lo_, *this; }
  Parameter& not_above(double P::*m, std::string key_) { return at_most = m, at_most_key = std::move(key_), *this; }
  Parameter& one_of(std::vector<std::string> c) { return choices = std::move(c), *this; }
  Parameter& only_if(bool (*f)(const P&)) { return applies = f, *this; }
  Parameter& print_non_default() { return print = Print::NonDefault, *this; }
  Parameter& print_when(bool (*f)(const P&)) { return print_if = f, *this; }
  // The documentation's default column, where the struct's default is not the whole story.
  Parameter& default_doc(std::string text) { return default_text = std::move(text), *this; }

  std::string key;
  Member member;
  std::string doc;  // one line, units included
  bool required = false;
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  double P::*at_most = nullptr;
  std::string at_most_key;
  std::vector<std::string> choices;
  bool (*applies)(const P&) = nullptr;
  Print print = Print::Always;
  bool (*print_if)(const P&) = nullptr;
  std::string default_text;
};

namespace parameter_detail {

std::string species_text(const std::vector<int>& z);
// Reads {Z1 Z2 ...}: atomic numbers 1..118, sorted; throws InputError "<ctx>: species={...}: ...".
std::vector<int> read_species(const KeyValueSpec& spec, const std::string& key, const std::string& ctx);
bool read_flag(const std::string& text, const std::vector<std::string>& choices, bool* value);
std::string range_text(double lo, double hi, bool lo_open, bool hi_open, const std::string& at_most_key);
std::string number_text(double x);
// "" if x is in range, else "must be ..." (the range in words).
std::string range_error(double x, double lo, double hi, bool lo_open, bool hi_open, bool is_int);
[[noreturn]] void fail(const std::string& ctx, const std::string& what);

}  // namespace parameter_detail

template <class P>
class ParameterTable {
 public:
  ParameterTable(std::string type, std::vector<Parameter<P>> rows) : type_(std::move(type)), rows_(std::move(rows)) {}
  const std::string& type() const { return type_; }
  const std::vector<Parameter<P>>& rows() const { return rows_; }

  // Reads every applicable key of spec into a default P (species default: model_species) and
  // validates it. Keys the table does not know are left for the caller (check_all_used).
  P read(const KeyValueSpec& spec, const std::vector<int>& model_species, const std::string& ctx) const {
    P p;
    for (const Parameter<P>& r : rows_) {
      if (r.applies && !r.applies(p)) continue;
      if (!spec.has(r.key)) {
        if (r.required) spec.get_string(r.key);  // throws "missing required key"
        if (std::holds_alternative<std::vector<int> P::*>(r.member)) {
          std::vector<int>& z = p.*std::get<std::vector<int> P::*>(r.member);
          z = model_species;
          std::sort(z.begin(), z.end());
        }
        continue;
      }
      read_row(r, spec, ctx, p);
    }
    validate(p, ctx);
    return p;
  }

  // Throws InputError "<ctx>: <key>=<value>: must be ..." for the first value out of range.
  void validate(const P& p, const std::string& ctx) const {
    namespace d = parameter_detail;
    for (const Parameter<P>& r : rows_) {
      if (r.applies && !r.applies(p)) continue;
      double x = 0;
      bool is_int = false;
      if (auto m = std::get_if<int P::*>(&r.member))
        x = p.**m, is_int = true;
      else if (auto m = std::get_if<double P::*>(&r.member))
        x = p.**m;
      else if (auto m = std::get_if<std::string P::*>(&r.member)) {
        check_choice(r, p.**m, ctx);
        continue;
      } else if (auto m = std::get_if<std::vector<int> P::*>(&r.member)) {
        check_species(r, p.**m, ctx);
        continue;
      } else {
        continue;  // bool
      }
      std::string why = d::range_error(x, r.lo, r.hi, r.lo_open, r.hi_open, is_int);
      if (why.empty() && r.at_most && !(x <= p.*r.at_most))
        why = "must be between " + d::number_text(r.lo) + " and " + r.at_most_key + "=" + format_exact(p.*r.at_most);
      if (!why.empty()) d::fail(ctx, r.key + "=" + value_text(r, p) + ": " + why);
    }
  }

  // Canonical "type key=value ..." (table order; rows printed as their policy says).
  std::string print(const P& p) const {
    const std::string keys = print_keys(p);
    return keys.empty() ? type_ : type_ + " " + keys;
  }

  // The "key=value ..." part of print().
  std::string print_keys(const P& p) const {
    static const P defaults{};
    std::string out;
    for (const Parameter<P>& r : rows_) {
      if (r.applies && !r.applies(p)) continue;
      const std::string v = value_text(r, p);
      if (r.print_if ? !r.print_if(p) : (r.print == Parameter<P>::Print::NonDefault && v == value_text(r, defaults)))
        continue;
      out += (out.empty() ? "" : " ") + r.key + "=" + v;
    }
    return out;
  }

  // Markdown table: key | default | allowed | meaning.
  std::string markdown() const {
    static const P defaults{};
    std::string out = "| key | default | allowed | meaning |\n|---|---|---|---|\n";
    for (const Parameter<P>& r : rows_) {
      std::string def = !r.default_text.empty()                                   ? r.default_text
                        : r.required                                              ? "required"
                        : std::holds_alternative<std::vector<int> P::*>(r.member) ? "the model's elements"
                                                                                  : "`" + value_text(r, defaults) + "`";
      out += "| `" + r.key + "` | " + def + " | " + allowed_text(r) + " | " + r.doc + " |\n";
    }
    return out;
  }

  // The value of row r in p as the spec writes it.
  static std::string value_text(const Parameter<P>& r, const P& p) {
    if (auto m = std::get_if<int P::*>(&r.member)) return std::to_string(p.**m);
    if (auto m = std::get_if<double P::*>(&r.member)) return format_exact(p.**m);
    if (auto m = std::get_if<bool P::*>(&r.member)) return r.choices.at(p.**m ? 1 : 0);
    if (auto m = std::get_if<std::string P::*>(&r.member)) return p.**m;
    return "{" + parameter_detail::species_text(p.*std::get<std::vector<int> P::*>(r.member)) + "}";
  }

 private:
  static void read_row(const Parameter<P>& r, const KeyValueSpec& spec, const std::string& ctx, P& p) {
    if (auto m = std::get_if<int P::*>(&r.member))
      p.** m = spec.get_int(r.key);
    else if (auto m = std::get_if<double P::*>(&r.member))
      p.** m = spec.get_double(r.key);
    else if (auto m = std::get_if<std::string P::*>(&r.member))
      p.** m = spec.get_string(r.key);
    else if (auto m = std::get_if<std::vector<int> P::*>(&r.member))
      p.** m = parameter_detail::read_species(spec, r.key, ctx);
    else {
      const std::string text = spec.get_string(r.key);
      bool v = false;
      if (!parameter_detail::read_flag(text, r.choices, &v))
        parameter_detail::fail(ctx, r.key + "=" + text + ": expected " + r.choices[1] + " or " + r.choices[0]);
      p.*std::get<bool P::*>(r.member) = v;
    }
  }

  static void check_choice(const Parameter<P>& r, const std::string& v, const std::string& ctx) {
    if (r.choices.empty()) return;
    for (const std::string& c : r.choices)
      if (v == c) return;
    std::string list;
    for (size_t i = 0; i < r.choices.size(); ++i)
      list += (i ? (i + 1 == r.choices.size() ? " or " : ", ") : "") + r.choices[i];
    parameter_detail::fail(ctx, r.key + "=" + v + ": expected " + list);
  }

  static void check_species(const Parameter<P>& r, const std::vector<int>& z, const std::string& ctx) {
    const std::string text = r.key + "={" + parameter_detail::species_text(z) + "}: ";
    if (z.empty()) parameter_detail::fail(ctx, r.key + ": no elements (give " + r.key + "={Z1 Z2 ...})");
    for (size_t i = 0; i < z.size(); ++i) {
      if (z[i] < 1 || z[i] > 118)
        parameter_detail::fail(ctx, text + std::to_string(z[i]) + " is not an atomic number between 1 and 118");
      if (i > 0 && z[i] <= z[i - 1])
        parameter_detail::fail(ctx, text + (z[i] == z[i - 1] ? "element " + std::to_string(z[i]) + " given twice"
                                                             : std::string("not sorted")));
    }
  }

  static std::string allowed_text(const Parameter<P>& r) {
    if (std::holds_alternative<std::vector<int> P::*>(r.member)) return "atomic numbers, e.g. `{8 14}`";
    if (!r.choices.empty()) {
      std::string s;
      for (size_t i = 0; i < r.choices.size(); ++i) s += (i ? ", " : "") + ("`" + r.choices[i] + "`");
      return s;
    }
    const bool is_int = std::holds_alternative<int P::*>(r.member);
    std::string s = parameter_detail::range_text(r.lo, r.hi, r.lo_open, r.hi_open, r.at_most_key);
    return is_int ? "integer " + s : s;
  }

  std::string type_;
  std::vector<Parameter<P>> rows_;
};

}  // namespace soapgap
