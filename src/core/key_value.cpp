#include "core/key_value.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "core/text.h"

namespace soapgap {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

KeyValueSpec KeyValueSpec::parse(const std::string& raw, const std::string& context) {
  // Line breaks are whitespace, inside quoted values too: values, and the messages that quote
  // them or the whole text, stay on one line (a spec read from a file may hold &#10;).
  std::string text = raw;
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  KeyValueSpec spec;
  spec.context_ = context;
  size_t pos = 0;
  const size_t n = text.size();
  auto skip = [&] {
    while (pos < n && is_space(text[pos])) ++pos;
  };
  skip();
  size_t start = pos;
  while (pos < n && !is_space(text[pos]) && text[pos] != '=') ++pos;
  if (pos == start || (pos < n && text[pos] == '='))
    throw InputError(context + ": \"" + text + "\": expected a type name first (e.g. \"soap ...\")");
  spec.type_ = text.substr(start, pos - start);
  for (;;) {
    skip();
    if (pos >= n) break;
    start = pos;
    while (pos < n && !is_space(text[pos]) && text[pos] != '=') ++pos;
    std::string key = text.substr(start, pos - start);
    if (key.empty() || pos >= n || text[pos] != '=')
      throw InputError(context + ": expected key=value, found \"" + text.substr(start, pos - start) + "\"");
    ++pos;  // '='
    std::string value;
    if (pos < n && (text[pos] == '"' || text[pos] == '{')) {
      char close = text[pos] == '"' ? '"' : '}';
      size_t q = text.find(close, pos + 1);
      if (q == std::string::npos) throw InputError(context + ": " + key + "=: unterminated quoted value");
      value = text.substr(pos + 1, q - pos - 1);
      pos = q + 1;
    } else {
      start = pos;
      while (pos < n && !is_space(text[pos])) ++pos;
      value = text.substr(start, pos - start);
    }
    if (value.empty()) throw InputError(context + ": " + key + "=: empty value");
    if (spec.values_.count(key)) throw InputError(context + ": key \"" + key + "\" given twice");
    spec.values_[key] = value;
  }
  return spec;
}

std::string KeyValueSpec::get_string(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw InputError(context_ + ": " + type_ + ": missing required key \"" + key + "\"");
  used_.insert(key);
  return it->second;
}

std::string KeyValueSpec::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

static double to_double(const std::string& s, const std::string& what) {
  double x = 0;
  if (!text::parse_double(s, x) || !std::isfinite(x)) throw InputError(what + "=" + s + ": expected a finite number");
  return x;
}

double KeyValueSpec::get_double(const std::string& key) const {
  return to_double(get_string(key), context_ + ": " + key);
}

double KeyValueSpec::get_double(const std::string& key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}

int KeyValueSpec::get_int(const std::string& key) const {
  const std::string s = get_string(key);
  long long v = 0;
  if (!text::parse_integer(s, v) || v < -1000000000LL || v > 1000000000LL)
    throw InputError(context_ + ": " + key + "=" + s + ": expected an integer");
  return static_cast<int>(v);
}

int KeyValueSpec::get_int(const std::string& key, int fallback) const { return has(key) ? get_int(key) : fallback; }

std::vector<double> KeyValueSpec::get_doubles(const std::string& key) const {
  std::istringstream in(get_string(key));
  std::vector<double> out;
  std::string tok;
  while (in >> tok) out.push_back(to_double(tok, context_ + ": " + key));
  return out;
}

void KeyValueSpec::check_all_used() const {
  for (const auto& kv : values_)
    if (!used_.count(kv.first)) throw InputError(context_ + ": " + type_ + ": unknown key \"" + kv.first + "\"");
}

std::string format_exact(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

}  // namespace soapgap
