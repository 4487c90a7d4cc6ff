#include "arguments.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/text.h"

namespace soapgap::cli {

void Arguments::option(const std::string& name, const std::string& metavar, const std::string& help, bool repeatable) {
  specs_.push_back({name, metavar, help, true, repeatable});
}

void Arguments::flag(const std::string& name, const std::string& help) {
  specs_.push_back({name, "", help, false, false});
}

void Arguments::flag_with_value(const std::string& name, const std::string& metavar, const std::string& implicit_value,
                                const std::string& help) {
  specs_.push_back({name, metavar, help, false, false, true, implicit_value});
}

void Arguments::positional(const std::string& name, const std::string& help) { positionals_.emplace_back(name, help); }

const Arguments::Spec* Arguments::find(const std::string& name) const {
  for (const Spec& s : specs_)
    if (s.name == name) return &s;
  return nullptr;
}

void Arguments::parse(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      std::string name = arg.substr(2), value;
      bool inline_value = false;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      const Spec* spec = find(name);
      if (!spec) throw UsageError("unknown option --" + name);
      if (spec->optional_value) {
        if (values_.count(name)) throw UsageError("option --" + name + " given twice");
        values_[name].push_back(inline_value ? value : spec->implicit_value);
        continue;
      }
      if (!spec->takes_value) {
        if (inline_value) throw UsageError("option --" + name + " takes no value");
        values_[name].push_back("1");
        continue;
      }
      if (!inline_value) {
        if (i + 1 >= argc) throw UsageError("option --" + name + " needs a value (" + spec->metavar + ")");
        value = argv[++i];
      }
      if (!spec->repeatable && values_.count(name)) throw UsageError("option --" + name + " given twice");
      values_[name].push_back(value);
    } else {
      if (positional_values_.size() >= positionals_.size()) throw UsageError("unexpected argument \"" + arg + "\"");
      positional_values_.push_back(arg);
    }
  }
  if (positional_values_.size() < positionals_.size())
    throw UsageError("missing argument <" + positionals_[positional_values_.size()].first + ">");
}

bool Arguments::has(const std::string& name) const { return values_.count(name) > 0; }

std::string Arguments::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw UsageError("missing required option --" + name);
  return it->second.back();
}

std::string Arguments::get(const std::string& name, const std::string& fallback) const {
  return has(name) ? get(name) : fallback;
}

std::vector<std::string> Arguments::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

double Arguments::get_double(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  std::string s = get(name);
  double x = 0;
  if (!text::parse_double(s, x) || !std::isfinite(x))
    throw UsageError("--" + name + "=" + s + ": expected a finite number");
  return x;
}

long long Arguments::get_int(const std::string& name, long long fallback) const {
  if (!has(name)) return fallback;
  std::string s = get(name);
  long long x = 0;
  if (!text::parse_integer(s, x)) throw UsageError("--" + name + "=" + s + ": expected an integer");
  return x;
}

std::string Arguments::help() const {
  std::ostringstream out;
  if (!positionals_.empty()) {
    out << "Arguments:\n";
    for (const auto& p : positionals_) out << "  <" << p.first << ">\n      " << p.second << "\n";
  }
  out << "Options:\n";
  for (const Spec& s : specs_) {
    out << "  --" << s.name;
    if (s.takes_value) out << " " << s.metavar;
    if (s.optional_value) out << "[=" << s.metavar << "]";
    if (s.repeatable) out << "  (repeatable)";
    out << "\n      " << s.help << "\n";
  }
  return out.str();
}

}  // namespace soapgap::cli
