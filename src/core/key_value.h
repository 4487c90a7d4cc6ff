// "type key=value key=value ..." option strings (descriptor and term specifications).
// Values may be quoted with "" or {} when they contain spaces, e.g. species={14 8}.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace soapgap {

class KeyValueSpec {
 public:
  // Throws InputError naming `context` (e.g. "--descriptor") on a malformed string. Line
  // breaks count as spaces, also inside quoted values.
  static KeyValueSpec parse(const std::string& text, const std::string& context);

  const std::string& type() const { return type_; }
  bool has(const std::string& key) const { return values_.count(key) > 0; }

  // Typed getters; each throws InputError "<context>: <key>=<value>: expected ..." on a bad
  // value and marks the key as used. The versions without a default throw when absent.
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double fallback) const;
  int get_int(const std::string& key) const;
  int get_int(const std::string& key, int fallback) const;
  std::vector<double> get_doubles(const std::string& key) const;

  // Removes a key (so that the remaining keys can be handed to another parser).
  void erase(const std::string& key) { values_.erase(key); }
  // Throws InputError naming the first key that no getter asked for.
  void check_all_used() const;
  const std::string& context() const { return context_; }

 private:
  std::string type_, context_;
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> used_;
};

// Formats a double so that it reads back bit-identically (%.17g).
std::string format_exact(double x);

}  // namespace soapgap
