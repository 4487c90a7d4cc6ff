// Minimal command-line parser for the soapgap subcommands: --name value, --name=value,
// repeatable options and flags; unknown options and missing values are errors (UsageError).
#pragma once
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace soapgap::cli {

class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

class Arguments {
 public:
  // Declares an option taking a value (repeatable: may be given several times), or a flag.
  void option(const std::string& name, const std::string& metavar, const std::string& help, bool repeatable = false);
  void flag(const std::string& name, const std::string& help);
  // A flag with an optional inline value: --name means implicit_value, --name=VALUE gives one
  // (a following separate word is never taken as its value).
  void flag_with_value(const std::string& name, const std::string& metavar, const std::string& implicit_value,
                       const std::string& help);
  // Positional argument (required, in declaration order).
  void positional(const std::string& name, const std::string& help);

  void parse(int argc, char** argv, int first);  // throws UsageError

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;  // throws UsageError if absent
  std::string get(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> all(const std::string& name) const;
  double get_double(const std::string& name, double fallback) const;
  long long get_int(const std::string& name, long long fallback) const;
  const std::string& positional_value(size_t i) const { return positional_values_.at(i); }

  // "Options:" block for --help.
  std::string help() const;

 private:
  struct Spec {
    std::string name, metavar, help;
    bool takes_value = true, repeatable = false;
    bool optional_value = false;  // flag_with_value
    std::string implicit_value;
  };
  std::vector<Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positionals_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_values_;
  const Spec* find(const std::string& name) const;
};

}  // namespace soapgap::cli
