// Extended-XYZ comment line: key=value pairs, their values (numbers, 3x3 matrices, pbc, stress)
// onto a Structure, and the Properties= column list with the roles of its columns.
#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "io/extxyz_detail.h"

namespace soapgap::extxyz_detail {

using text::is_space;
using text::lower;
using text::parse_double;

// Reads one key or value starting at pos: quotes ", ', {}, [] group characters (the
// delimiters are dropped), a backslash takes the next character verbatim.
std::string FrameReader::read_word(const std::string& s, size_t& pos, bool stop_at_equals, long line) const {
  std::string w;
  const size_t n = s.size();
  while (pos < n && !is_space(s[pos]) && !(stop_at_equals && s[pos] == '=')) {
    char c = s[pos];
    if (c == '\\') {
      if (pos + 1 < n) w += s[pos + 1];
      pos += 2;
    } else if (c == '"' || c == '\'' || c == '{' || c == '[') {
      char close = c == '{' ? '}' : c == '[' ? ']' : c;
      size_t start = pos++;
      for (;;) {
        if (pos >= n)
          fail(line,
               std::string("unterminated ") + c + " starting at column " + std::to_string(start + 1) +
                   " of the comment line",
               std::string("a closing ") + close);
        if (s[pos] == '\\') {
          if (pos + 1 < n) w += s[pos + 1];
          pos += 2;
        } else if (s[pos] == close) {
          ++pos;
          break;
        } else {
          w += s[pos++];
        }
      }
    } else {
      w += c;
      ++pos;
    }
  }
  return w;
}

// key=value pairs of a comment line; a key without value gets "T". A line without any
// '=' is a plain-XYZ comment and gives no pairs.
std::vector<KeyValue> FrameReader::parse_comment(const std::string& s, long line) const {
  std::vector<KeyValue> kv;
  if (s.find('=') == std::string::npos) return kv;
  size_t pos = 0;
  const size_t n = s.size();
  auto skip = [&] {
    while (pos < n && is_space(s[pos])) ++pos;
  };
  for (;;) {
    skip();
    if (pos >= n) break;
    size_t start = pos;
    std::string key = read_word(s, pos, true, line);
    if (key.empty())
      fail(line, "comment line has \"" + shorten(std::string_view(s).substr(start)) + "\" without a key",
           "key=value pairs");
    skip();
    std::string value = "T";
    if (pos < n && s[pos] == '=') {
      ++pos;
      skip();
      value = read_word(s, pos, false, line);
    }
    kv.push_back({std::move(key), std::move(value)});
  }
  return kv;
}

// Numbers of an info value: separated by whitespace, commas or brackets ("1 2 3",
// "[[1, 2], [3, 4]]", "_JSON [1, 2]").
std::vector<double> FrameReader::parse_numbers(const std::string& key, std::string value, long line,
                                               const std::string& expected) const {
  if (value.rfind("_JSON ", 0) == 0) value.erase(0, 6);
  std::vector<double> v;
  size_t i = 0, n = value.size();
  auto sep = [&](char c) { return is_space(c) || c == ',' || c == '[' || c == ']'; };
  while (i < n) {
    while (i < n && sep(value[i])) ++i;
    if (i >= n) break;
    size_t b = i;
    while (i < n && !sep(value[i])) ++i;
    std::string_view t(value.data() + b, i - b);
    double x;
    if (!parse_double(t, x))
      fail(line, key + "=\"" + shorten(value) + "\" has the non-numeric value \"" + shorten(t) + "\"", expected);
    if (!std::isfinite(x))
      fail(line, key + "=\"" + shorten(value) + "\" has the non-finite value \"" + shorten(t) + "\"", expected);
    v.push_back(x);
  }
  return v;
}

double FrameReader::parse_scalar(const std::string& key, const std::string& value, long line) const {
  std::vector<double> v = parse_numbers(key, value, line, "one finite number");
  if (v.size() != 1)
    fail(line, key + "=\"" + shorten(value) + "\" has " + std::to_string(v.size()) + " numbers", "one finite number");
  return v[0];
}

Eigen::Matrix3d FrameReader::parse_3x3(const std::string& key, const std::string& value, long line,
                                       const std::string& expected) const {
  std::vector<double> v = parse_numbers(key, value, line, expected);
  if (v.size() != 9) fail(line, key + " has " + std::to_string(v.size()) + " numbers", expected);
  Eigen::Matrix3d m;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m(i, j) = v[3 * i + j];
  return m;
}

std::vector<FrameReader::Column> FrameReader::parse_properties(const std::string& value, long line) const {
  const std::string expected =
      "Properties=name:type:ncols:... with type S, R, I or L (e.g. "
      "Properties=species:S:1:pos:R:3)";
  std::vector<std::string> f;
  size_t b = 0;
  for (;;) {
    size_t e = value.find(':', b);
    f.push_back(value.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  if (f.size() % 3 != 0)
    fail(line, "Properties=" + shorten(value) + " has " + std::to_string(f.size()) + " fields, not a multiple of 3",
         expected);
  std::vector<Column> cols;
  int total = 0;
  std::set<std::string> seen;
  for (size_t i = 0; i < f.size(); i += 3) {
    const std::string& nm = f[i];
    // (names with these characters could not be written back: the writer does not quote them)
    if (nm.empty() || nm.find_first_of(" \t\f\v\"'{}[]=\\") != std::string::npos)
      fail(line, "Properties has an invalid column name \"" + nm + "\"",
           "a column name without whitespace, quotes, brackets, braces, '=' or '\\'");
    if (f[i + 1].size() != 1 || std::string("SRIL").find(f[i + 1][0]) == std::string::npos)
      fail(line, "Properties column " + nm + " has the type \"" + f[i + 1] + "\"", expected);
    long long nc = 0;
    if (!text::parse_integer(f[i + 2], nc) || nc < 1 || nc > 1000000)
      fail(line, "Properties column " + nm + " has \"" + f[i + 2] + "\" columns", "a positive number of columns");
    if (!seen.insert(nm).second) fail(line, "Properties lists the column " + nm + " twice", expected);
    if (total + nc > 1000000)  // (also keeps the int sum below from overflowing)
      fail(line, "Properties has more than 1000000 columns in all", "at most 1000000 columns");
    cols.push_back({nm, f[i + 1][0], static_cast<int>(nc), total});
    total += static_cast<int>(nc);
  }
  return cols;
}

// Lattice, Properties and pbc compared case-insensitively, other keys as written.
void FrameReader::check_duplicate_keys(const std::vector<KeyValue>& kv, long cl) const {
  std::set<std::string> seen;
  for (const auto& p : kv) {
    std::string l = lower(p.key);
    std::string k = (l == "lattice" || l == "properties" || l == "pbc") ? l : p.key;
    if (!seen.insert(k).second) fail(cl, "key \"" + p.key + "\" appears twice", "each key once");
  }
}

void FrameReader::parse_pbc(const KeyValue& p, long cl, Structure& s) const {
  std::vector<std::string_view> t;
  std::string v = p.value;
  for (char& c : v)
    if (c == ',' || c == '[' || c == ']') c = ' ';
  text::split(v, t);
  bool b[3];
  bool ok = t.size() == 1 || t.size() == 3;
  for (size_t i = 0; ok && i < t.size(); ++i) ok = parse_bool(t[i], b[i]);
  if (!ok) fail(cl, "pbc=\"" + shorten(p.value) + "\" is not 1 or 3 logical values", "pbc=\"T T F\"");
  for (int i = 0; i < 3; ++i) s.pbc[i] = t.size() == 1 ? b[0] : b[i];
}

Eigen::Matrix3d FrameReader::parse_stress(const KeyValue& p, long cl) const {
  std::vector<double> v = parse_numbers(p.key, p.value, cl, p.key + "=\"6 or 9 finite numbers\"");
  Eigen::Matrix3d m;
  if (v.size() == 9) {
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) m(i, j) = v[3 * i + j];
  } else if (v.size() == 6) {  // Voigt xx yy zz yz xz xy
    m << v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2];
  } else {
    fail(cl, p.key + " has " + std::to_string(v.size()) + " numbers",
         p.key + "=\"6 (Voigt xx yy zz yz xz xy) or 9 finite numbers\"");
  }
  return m;
}

// The key=value pairs of the comment line onto s (labels, cell, pbc, other info) and info.
void FrameReader::read_info(const std::vector<KeyValue>& kv, long cl, Structure& s, CommentInfo& info) const {
  auto is_key = [](const std::string& k, const std::string& want) { return !want.empty() && k == want; };
  for (auto& p : kv) {
    const std::string l = lower(p.key);
    if (l == "lattice") {
      s.cell = parse_3x3(p.key, p.value, cl, "Lattice=\"ax ay az bx by bz cx cy cz\" (9 finite numbers)");
      info.have_lattice = true;
    } else if (l == "properties") {
      info.properties = p.value;
    } else if (l == "pbc") {
      parse_pbc(p, cl, s);
      info.have_pbc = true;
    } else if (is_key(p.key, keys_.energy)) {
      s.energy = parse_scalar(p.key, p.value, cl);
    } else if (is_key(p.key, keys_.virial)) {
      s.virial = parse_3x3(p.key, p.value, cl, p.key + "=\"9 finite numbers\" (3x3 virial in eV)");
    } else if (is_key(p.key, keys_.stress)) {
      info.stress = parse_stress(p, cl);
    } else if (is_key(p.key, keys_.config_type)) {
      s.config_type = p.value;
    } else if (is_key(p.key, keys_.sigma_energy) || is_key(p.key, keys_.sigma_force) ||
               is_key(p.key, keys_.sigma_virial)) {
      double x = parse_scalar(p.key, p.value, cl);
      if (!(x > 0)) fail(cl, p.key + "=" + shorten(p.value) + " is not positive", "a positive number");
      (p.key == keys_.sigma_energy ? s.sigma_energy : p.key == keys_.sigma_force ? s.sigma_force : s.sigma_virial) = x;
    } else {
      s.extra_info.emplace_back(p.key, p.value);
    }
  }
}

FrameReader::ColumnRoles FrameReader::column_roles(const std::vector<Column>& cols, const std::string& properties,
                                                   long cl) const {
  ColumnRoles roles;
  for (const auto& c : cols) roles.total += c.ncols;
  for (const auto& c : cols) {
    auto require = [&](char type, int n) {
      if (c.type != type || c.ncols != n)
        fail(cl, "Properties column " + c.name + " is " + c.name + ":" + c.type + ":" + std::to_string(c.ncols),
             c.name + ":" + type + ":" + std::to_string(n));
    };
    auto once = [&](const Column*& slot, const char* what) {
      if (slot)
        fail(cl, "Properties has both " + slot->name + " and " + c.name, std::string("one ") + what + " column");
      slot = &c;
    };
    if (c.name == "species" || c.name == "symbols") {
      if (c.ncols != 1 || (c.type != 'S' && c.type != 'I')) require('S', 1);
      once(roles.species, "species");
    } else if (c.name == "Z" || c.name == "numbers") {
      require('I', 1);
      once(roles.znum, "atomic number");
    } else if (c.name == "pos" || c.name == "positions") {
      require('R', 3);
      once(roles.pos, "position");
    } else if (!keys_.forces.empty() && c.name == keys_.forces) {
      require('R', 3);
      roles.forces = &c;
    }
  }
  if (!roles.pos)
    fail(cl, "Properties=" + shorten(properties) + " has no pos column",
         "a pos:R:3 column (e.g. Properties=species:S:1:pos:R:3)");
  if (!roles.species && !roles.znum)
    fail(cl, "Properties=" + shorten(properties) + " has no species column", "a species:S:1 (or Z:I:1) column");
  roles.element = roles.species ? roles.species : roles.znum;
  for (const auto& c : cols)
    if (&c != roles.species && &c != roles.znum && &c != roles.pos && &c != roles.forces) roles.extras.push_back(&c);
  return roles;
}

}  // namespace soapgap::extxyz_detail
