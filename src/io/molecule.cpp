#include "io/molecule.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "core/error.h"
#include "core/text.h"
#include "core/text_line.h"

namespace soapgap {

namespace {

template <class T>
const T* find_value(const std::vector<std::pair<std::string, T>>& items, const std::string& key) {
  for (const auto& kv : items)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

}  // namespace

const double* Molecule::number(const std::string& key) const { return find_value(numbers, key); }
const std::string* Molecule::string(const std::string& key) const { return find_value(strings, key); }
const std::vector<double>* Molecule::list(const std::string& key) const { return find_value(lists, key); }
const std::vector<double>* Molecule::atom_values(const std::string& key) const { return find_value(per_atom, key); }

namespace molecule_detail {

bool LineReader::next(std::string& line) {
  const TextLine status = read_text_line(in_, line);  // stops at a NUL byte or an endless line
  if (status == TextLine::end) return false;
  ++line_;
  if (status != TextLine::ok) fail(text_line_problem(status, line), "a text file");
  return true;
}

std::string LineReader::require(const std::string& expected) {
  std::string line;
  if (!next(line)) fail(line_ + 1, "end of file", expected);
  return line;
}

void LineReader::fail(long line, const std::string& what, const std::string& expected) const {
  throw InputError(name_ + ":" + std::to_string(line) + ": " + what + "; expected " + expected);
}

std::vector<std::string> split(const std::string& line, const char* seps) { return text::split(line, seps); }

std::string trim(const std::string& s) { return std::string(text::trim(s, " \t")); }

bool parse_number(const std::string& field, double& x) {
  std::string s = trim(field);
  const size_t star = s.find("*^");
  if (star != std::string::npos) s.replace(star, 2, "e");
  if (s.empty()) return false;
  // Only decimal notation: no hexadecimal floats, inf or nan.
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'))
      return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  // Overflow is refused; underflow (a denormal or 0) is accepted.
  if (*end != '\0' || (errno == ERANGE && std::abs(v) >= 1) || !std::isfinite(v)) return false;
  x = v;
  return true;
}

bool parse_integer(const std::string& field, long long& x) { return text::parse_integer(trim(field), x); }

std::string quoted(const std::string& s) {
  if (s.size() <= 40) return "\"" + s + "\"";
  return "\"" + s.substr(0, 37) + "...\"";
}

void open_input(std::ifstream& in, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError("cannot open " + path + ": " + std::strerror(EISDIR));
  errno = 0;
  in.open(path, std::ios::binary);
  if (!in) throw InputError("cannot open " + path + ": " + std::strerror(errno ? errno : ENOENT));
}

}  // namespace molecule_detail

}  // namespace soapgap
