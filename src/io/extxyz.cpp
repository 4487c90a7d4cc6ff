#include "io/extxyz.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "core/atomic_file.h"
#include "core/elements.h"
#include "core/error.h"
#include "core/text.h"
#include "core/text_line.h"

namespace soapgap {

namespace {

using text::blank;
using text::is_space;
using text::lower;
using text::parse_double;
using text::trim;

bool parse_bool(std::string_view t, bool& b) {
  if (t == "T" || t == "True" || t == "true" || t == "1") return b = true, true;
  if (t == "F" || t == "False" || t == "false" || t == "0") return b = false, true;
  return false;
}

std::string shorten(std::string_view s, size_t max = 60) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

// Formats a double in the shortest form that reads back bit-identically.
std::string fmt(double x) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

struct KeyValue {
  std::string key, value;
};

class FrameReader {
 public:
  FrameReader(std::istream& in, const std::string& name, const ExtxyzKeys& keys) : in_(in), name_(name), keys_(keys) {}

  std::vector<Structure> read_all() {
    std::vector<Structure> frames;
    std::string line;
    while (next_line(line)) {
      if (blank(line)) {
        const long blank_line = line_no_;
        while (next_line(line))
          if (!blank(line))
            fail(blank_line,
                 "blank line before line " + std::to_string(line_no_) + " (\"" + shorten(trim(line)) + "\")",
                 "the atom count of the next frame, or only blank lines up to the end of the file");
        break;
      }
      frames.push_back(read_frame(line, static_cast<long>(frames.size())));
    }
    return frames;
  }

 private:
  [[noreturn]] void fail(long line, const std::string& what, const std::string& expected) const {
    throw InputError(name_ + ":" + std::to_string(line) + ": " + what + "; expected " + expected);
  }

  // A NUL byte (a binary file, /dev/zero) or an endless line stops at once (core/text_line.h).
  bool next_line(std::string& line) {
    const TextLine status = read_text_line(in_, line);
    if (status == TextLine::end) return false;
    if (status != TextLine::ok)
      fail(line_no_ + 1, text_line_problem(status, line), "text lines ending in \\n or \\r\\n");
    ++line_no_;
    // A carriage return inside a line (old Mac line endings, or a value that the writer could
    // not write back) is refused too.
    const size_t bad = line.find('\r');
    if (bad != std::string::npos)
      fail(line_no_, "carriage return at column " + std::to_string(bad + 1), "text lines ending in \\n or \\r\\n");
    return true;
  }

  // ----- comment line -----

  // Reads one key or value starting at pos: quotes ", ', {}, [] group characters (the
  // delimiters are dropped), a backslash takes the next character verbatim.
  std::string read_word(const std::string& s, size_t& pos, bool stop_at_equals, long line) const {
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
  std::vector<KeyValue> parse_comment(const std::string& s, long line) const {
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
  std::vector<double> parse_numbers(const std::string& key, std::string value, long line,
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

  double parse_scalar(const std::string& key, const std::string& value, long line) const {
    std::vector<double> v = parse_numbers(key, value, line, "one finite number");
    if (v.size() != 1)
      fail(line, key + "=\"" + shorten(value) + "\" has " + std::to_string(v.size()) + " numbers", "one finite number");
    return v[0];
  }

  Eigen::Matrix3d parse_3x3(const std::string& key, const std::string& value, long line,
                            const std::string& expected) const {
    std::vector<double> v = parse_numbers(key, value, line, expected);
    if (v.size() != 9) fail(line, key + " has " + std::to_string(v.size()) + " numbers", expected);
    Eigen::Matrix3d m;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) m(i, j) = v[3 * i + j];
    return m;
  }

  // ----- Properties -----

  struct Column {
    std::string name;
    char type;
    int ncols;
    int first;  // index of the first token on the atom line
  };

  std::vector<Column> parse_properties(const std::string& value, long line) const {
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

  // ----- one frame -----

  // The atom count on the count line (line line_no_) of frame `frame`.
  int parse_atom_count(const std::string& count_line, long frame) const {
    const long count_line_no = line_no_;
    std::string_view ct = trim(count_line);
    long long natoms_ll = 0;
    bool digits = !ct.empty();
    for (size_t i = (ct.size() > 0 && (ct[0] == '+' || ct[0] == '-')) ? 1 : 0; i < ct.size(); ++i)
      digits = digits && ct[i] >= '0' && ct[i] <= '9';
    if (!digits || ct == "+" || ct == "-")
      fail(count_line_no,
           "found \"" + shorten(ct) + "\" where the atom count of frame " + std::to_string(frame) + " should be",
           "a line with the number of atoms (a non-negative integer)");
    if (ct[0] == '-') fail(count_line_no, "atom count " + shorten(ct) + " is negative", "a non-negative integer");
    auto r = std::from_chars(ct.data() + (ct[0] == '+'), ct.data() + ct.size(), natoms_ll);
    if (r.ec != std::errc() || natoms_ll > std::numeric_limits<int>::max())
      fail(count_line_no, "atom count " + shorten(ct) + " is too large",
           "at most " + std::to_string(std::numeric_limits<int>::max()));
    return static_cast<int>(natoms_ll);
  }

  // Lattice, Properties and pbc compared case-insensitively, other keys as written.
  void check_duplicate_keys(const std::vector<KeyValue>& kv, long cl) const {
    std::set<std::string> seen;
    for (const auto& p : kv) {
      std::string l = lower(p.key);
      std::string k = (l == "lattice" || l == "properties" || l == "pbc") ? l : p.key;
      if (!seen.insert(k).second) fail(cl, "key \"" + p.key + "\" appears twice", "each key once");
    }
  }

  // What the comment line says beyond the fields of the Structure.
  struct CommentInfo {
    std::string properties = "species:S:1:pos:R:3";
    bool have_lattice = false, have_pbc = false;
    std::optional<Eigen::Matrix3d> stress;
  };

  void parse_pbc(const KeyValue& p, long cl, Structure& s) const {
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

  Eigen::Matrix3d parse_stress(const KeyValue& p, long cl) const {
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
  void read_info(const std::vector<KeyValue>& kv, long cl, Structure& s, CommentInfo& info) const {
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
        (p.key == keys_.sigma_energy  ? s.sigma_energy
         : p.key == keys_.sigma_force ? s.sigma_force
                                      : s.sigma_virial) = x;
      } else {
        s.extra_info.emplace_back(p.key, p.value);
      }
    }
  }

  // The periodic lattice vectors must be linearly independent.
  void check_periodic_lattice(const Structure& s, bool have_lattice, long cl) const {
    if (!(s.pbc[0] || s.pbc[1] || s.pbc[2])) return;
    if (!have_lattice)
      fail(cl, "pbc is T in some direction but there is no Lattice",
           "a Lattice=\"...\" for periodic frames, or pbc=\"F F F\"");
    // Gram determinant of the unit vectors (scaled first, so that very long or very short
    // vectors neither overflow nor underflow).
    std::vector<Eigen::Vector3d> v;
    bool zero = false;
    for (int i = 0; i < 3; ++i)
      if (s.pbc[i]) {
        const Eigen::Vector3d a = s.cell.row(i).transpose();
        const double len = a.stableNorm();
        if (!std::isfinite(len))
          fail(cl, "Lattice=\"" + lattice_text(s.cell) + "\" has a vector too long to represent",
               "lattice vectors of finite length");
        zero = zero || !(len > 0);
        v.push_back(len > 0 ? Eigen::Vector3d(a / len) : a);
      }
    Eigen::MatrixXd g(v.size(), v.size());
    for (size_t i = 0; i < v.size(); ++i)
      for (size_t j = 0; j < v.size(); ++j) g(i, j) = v[i].dot(v[j]);
    if (zero || !(g.determinant() > 1e-20))
      fail(cl, "Lattice=\"" + lattice_text(s.cell) + "\" is singular in its periodic directions",
           "linearly independent lattice vectors where pbc is T");
  }

  void set_virial_from_stress(Structure& s, const Eigen::Matrix3d& stress, long cl) const {
    double vol = s.volume();
    Eigen::Vector3d a = s.cell.row(0), b = s.cell.row(1), c = s.cell.row(2);
    if (!(vol > 1e-10 * a.norm() * b.norm() * c.norm()) || !(vol > 0))
      fail(cl, keys_.stress + " is given but the cell has no volume",
           "a Lattice with nonzero volume to convert the stress to a virial");
    s.virial = Eigen::Matrix3d(-stress * vol);
    if (!s.virial->allFinite())
      fail(cl, keys_.stress + " times the cell volume " + fmt(vol) + " overflows",
           "a stress and a cell whose virial -stress * volume is finite");
  }

  // The columns of Properties by role (pointers into its Column list).
  struct ColumnRoles {
    int total = 0;  // tokens per atom line
    const Column *species = nullptr, *znum = nullptr, *pos = nullptr, *forces = nullptr;
    const Column* element = nullptr;    // species, else Z
    std::vector<const Column*> extras;  // the others, kept verbatim
  };

  ColumnRoles column_roles(const std::vector<Column>& cols, const std::string& properties, long cl) const {
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

  // ----- atom lines -----

  int read_element(const Column& col, std::string_view et, long ln) const {
    if (col.type == 'I') {
      long long z = 0;
      if (!text::parse_integer(et, z) || !valid_atomic_number(static_cast<int>(std::max(-1LL, std::min(z, 1000LL)))))
        fail(ln, col.name + " \"" + shorten(et) + "\" is not an atomic number",
             "an integer 1.." + std::to_string(kMaxAtomicNumber));
      return static_cast<int>(z);
    }
    try {
      return atomic_number(std::string(et));
    } catch (const InputError& e) {
      throw InputError(name_ + ":" + std::to_string(ln) + ": " + e.what());
    }
  }

  void read_reals(const std::vector<std::string_view>& tok, const Column& c, long ln, std::vector<double>& dst) const {
    for (int k = 0; k < c.ncols; ++k) {
      std::string_view t = tok[c.first + k];
      double x;
      if (!parse_double(t, x)) fail(ln, c.name + " has the non-numeric value \"" + shorten(t) + "\"", "a number");
      if (!std::isfinite(x)) fail(ln, c.name + " has the non-finite value \"" + shorten(t) + "\"", "a finite number");
      dst.push_back(x);
    }
  }

  // The tokens of an extra column, checked against its type and kept as written.
  void read_verbatim(const std::vector<std::string_view>& tok, const Column& c, long ln,
                     std::vector<std::string>& dst) const {
    for (int k = 0; k < c.ncols; ++k) {
      std::string_view t = tok[c.first + k];
      double x;
      long long iv;
      bool bv;
      if (c.type == 'R' && !parse_double(t, x))
        fail(ln, c.name + " has the non-numeric value \"" + shorten(t) + "\"", "a number (type R)");
      if (c.type == 'I' && !text::parse_integer(t, iv))
        fail(ln, c.name + " has the non-integer value \"" + shorten(t) + "\"", "an integer (type I)");
      if (c.type == 'L' && !parse_bool(t, bv))
        fail(ln, c.name + " has the non-logical value \"" + shorten(t) + "\"", "T or F (type L)");
      dst.emplace_back(t);
    }
  }

  // The natoms atom lines after the comment line cl; storage grows with the lines actually
  // read, never from the count.
  void read_atoms(int natoms, long frame, long cl, const std::string& properties, const ColumnRoles& roles,
                  Structure& s) {
    std::vector<double> posv, forcev;
    std::string line;
    std::vector<std::string_view> tok;
    for (int i = 0; i < natoms; ++i) {
      if (!next_line(line))
        fail(line_no_ + 1,
             "file ends after " + std::to_string(i) + " of the " + std::to_string(natoms) + " atom lines of frame " +
                 std::to_string(frame),
             std::to_string(natoms) + " atom lines after line " + std::to_string(cl));
      const long ln = line_no_;
      text::split(line, tok);
      if (static_cast<int>(tok.size()) != roles.total)
        fail(ln, "atom line has " + std::to_string(tok.size()) + " columns",
             std::to_string(roles.total) + " (Properties=" + shorten(properties, 200) + ")");
      s.numbers.push_back(read_element(*roles.element, tok[roles.element->first], ln));
      read_reals(tok, *roles.pos, ln, posv);
      if (roles.forces) read_reals(tok, *roles.forces, ln, forcev);
      for (size_t e = 0; e < roles.extras.size(); ++e)
        read_verbatim(tok, *roles.extras[e], ln, s.extra_columns[e].values);
    }
    s.positions = Eigen::Map<const MatrixX3>(posv.data(), natoms, 3);
    if (roles.forces) s.forces = MatrixX3(Eigen::Map<const MatrixX3>(forcev.data(), natoms, 3));
  }

  Structure read_frame(const std::string& count_line, long frame) {
    const long count_line_no = line_no_;
    const int natoms = parse_atom_count(count_line, frame);

    Structure s;
    s.source = name_ + ":frame " + std::to_string(frame) + " (line " + std::to_string(count_line_no) + ")";

    std::string comment;
    if (!next_line(comment))
      fail(count_line_no + 1, "file ends before the comment line of frame " + std::to_string(frame),
           "a comment line and " + std::to_string(natoms) + " atom lines");
    const long cl = line_no_;
    const std::vector<KeyValue> kv = parse_comment(comment, cl);
    check_duplicate_keys(kv, cl);
    CommentInfo info;
    read_info(kv, cl, s, info);
    if (!info.have_pbc && info.have_lattice) s.pbc = {true, true, true};
    check_periodic_lattice(s, info.have_lattice, cl);
    if (info.stress && !s.virial) set_virial_from_stress(s, *info.stress, cl);

    const std::vector<Column> cols = parse_properties(info.properties, cl);
    const ColumnRoles roles = column_roles(cols, info.properties, cl);
    for (const Column* c : roles.extras) s.extra_columns.push_back(ExtraColumn{c->name, c->type, c->ncols, {}});
    read_atoms(natoms, frame, cl, info.properties, roles, s);
    return s;
  }

  static std::string lattice_text(const Eigen::Matrix3d& c) {
    std::string t;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) t += (t.empty() ? "" : " ") + fmt(c(i, j));
    return t;
  }

  std::istream& in_;
  const std::string& name_;
  const ExtxyzKeys& keys_;
  long line_no_ = 0;
};

// ----- writing -----

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  for (char c : s)
    if (is_space(c) || c == '"' || c == '\'' || c == '{' || c == '}' || c == '[' || c == ']' || c == '=' || c == '\\')
      return true;
  return false;
}

std::string quote(const std::string& s) {
  if (!needs_quotes(s)) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '\n' || c == '\r') c = ' ';  // a comment line cannot hold line breaks
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + '"';
}

std::string join(const double* x, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += fmt(x[i]);
  }
  return s;
}

std::string row_major(const Eigen::Matrix3d& m) {
  double v[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) v[3 * i + j] = m(i, j);
  return join(v, 9);
}

// Key as compared for collisions: Lattice, Properties, pbc case-insensitively.
std::string canonical(const std::string& key) {
  std::string l = lower(key);
  return (l == "lattice" || l == "properties" || l == "pbc") ? l : key;
}

[[noreturn]] void refuse(const Structure& s, const std::string& what) {
  throw std::invalid_argument("write_extxyz: " + (s.source.empty() ? std::string() : s.source + ": ") + what);
}

using InfoItems = std::vector<std::pair<std::string, std::string>>;  // key, value (unquoted)

// The per-config items: from the Structure's fields, its extra info (with write_extras), then
// extras.info.
InfoItems info_items(const Structure& s, const ExtxyzExtras& extras, const ExtxyzWriteOptions& options) {
  const ExtxyzKeys& k = options.keys;
  InfoItems items;
  std::set<std::string> used = {"lattice", "properties", "pbc"};
  auto add_item = [&](const std::string& key, const std::string& value) {
    if (key.empty()) return;
    if (!used.insert(canonical(key)).second) refuse(s, "key \"" + key + "\" written twice");
    items.emplace_back(key, value);
  };
  const bool labels = options.write_labels;
  if (labels && s.energy) add_item(k.energy, fmt(*s.energy));
  if (labels && s.virial) add_item(k.virial, row_major(*s.virial));
  if (labels && s.virial && options.write_stress && s.fully_periodic() && s.volume() > 0)
    add_item(k.stress, row_major(-*s.virial / s.volume()));
  if (!s.config_type.empty()) add_item(k.config_type, s.config_type);
  if (s.sigma_energy) add_item(k.sigma_energy, fmt(*s.sigma_energy));
  if (s.sigma_force) add_item(k.sigma_force, fmt(*s.sigma_force));
  if (s.sigma_virial) add_item(k.sigma_virial, fmt(*s.sigma_virial));
  InfoItems extra_items;
  for (const auto& p : extras.info) {
    if (p.first.empty()) refuse(s, "empty info key");
    if (!used.insert(canonical(p.first)).second)
      refuse(s, "extra info key \"" + p.first + "\" collides with another key");
    extra_items.push_back(p);
  }
  if (options.write_extras)
    for (const auto& p : s.extra_info)
      if (!p.first.empty() && used.insert(canonical(p.first)).second) items.push_back(p);
  items.insert(items.end(), extra_items.begin(), extra_items.end());
  return items;
}

// A per-atom column after species and pos: name, type, ncols, values (atom-major).
struct WriteColumn {
  std::string name;
  char type;
  int ncols;
  const double* reals;                     // atom-major, for R columns written here
  const std::vector<std::string>* tokens;  // atom-major, for verbatim columns
};

// The Structure's extra columns (with write_extras), kept verbatim after checks.
void add_verbatim_columns(const Structure& s, std::set<std::string>& used_cols, std::vector<WriteColumn>& cols) {
  const int n = s.size();
  for (const auto& c : s.extra_columns) {
    if (!used_cols.insert(c.name).second) continue;
    if (c.name.empty() || needs_quotes(c.name) || c.name.find(':') != std::string::npos)
      refuse(s, "invalid column name \"" + c.name + "\"");
    if (std::string("SRIL").find(c.type) == std::string::npos || c.ncols < 1)
      refuse(s, "column " + c.name + " has type " + std::string(1, c.type) + " and ncols " + std::to_string(c.ncols));
    if (c.values.size() != static_cast<size_t>(n) * c.ncols)
      refuse(s, "column " + c.name + " has " + std::to_string(c.values.size()) + " values for " + std::to_string(n) +
                    " atoms x " + std::to_string(c.ncols));
    for (const auto& t : c.values)
      if (t.empty() || t.find_first_of(" \t\r\n\f\v") != std::string::npos)
        refuse(s, "column " + c.name + " has the value \"" + t + "\" that is empty or contains whitespace");
    cols.push_back(WriteColumn{c.name, c.type, c.ncols, nullptr, &c.values});
  }
}

// The columns in the order written: forces, the Structure's extra columns, extras.columns.
std::vector<WriteColumn> write_columns(const Structure& s, const ExtxyzExtras& extras,
                                       const ExtxyzWriteOptions& options) {
  const int n = s.size();
  const ExtxyzKeys& k = options.keys;
  std::vector<WriteColumn> cols;
  std::set<std::string> used_cols = {"species", "symbols", "pos", "positions", "Z", "numbers"};
  auto real_col = [&](const std::string& name, int ncols, const double* v, size_t size) {
    if (size != static_cast<size_t>(n) * ncols)
      refuse(s, "column " + name + " has " + std::to_string(size) + " values for " + std::to_string(n) + " atoms x " +
                    std::to_string(ncols));
    return WriteColumn{name, 'R', ncols, v, nullptr};
  };
  if (options.write_labels && s.forces && !k.forces.empty()) {
    if (s.forces->rows() != n)
      refuse(s, "forces have " + std::to_string(s.forces->rows()) + " rows for " + std::to_string(n) + " atoms");
    used_cols.insert(k.forces);
    cols.push_back(real_col(k.forces, 3, s.forces->data(), s.forces->size()));
  }
  std::vector<WriteColumn> extra_cols;
  for (const auto& c : extras.columns) {
    if (c.name.empty() || needs_quotes(c.name) || c.name.find(':') != std::string::npos)
      refuse(s, "invalid column name \"" + c.name + "\"");
    if (c.ncols < 1) refuse(s, "column " + c.name + " has ncols " + std::to_string(c.ncols));
    if (!used_cols.insert(c.name).second) refuse(s, "extra column \"" + c.name + "\" collides with another column");
    extra_cols.push_back(real_col(c.name, c.ncols, c.values.data(), c.values.size()));
  }
  if (options.write_extras) add_verbatim_columns(s, used_cols, cols);
  for (auto& c : extra_cols) cols.push_back(std::move(c));
  return cols;
}

std::string comment_line(const Structure& s, const std::vector<WriteColumn>& cols, const InfoItems& items) {
  std::string line;
  if (!s.cell.isZero(0)) {
    double v[9];
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) v[3 * i + j] = s.cell(i, j);
    line += "Lattice=\"" + join(v, 9) + "\" ";
  }
  line += "Properties=species:S:1:pos:R:3";
  for (const auto& c : cols) line += ":" + c.name + ":" + c.type + ":" + std::to_string(c.ncols);
  for (const auto& p : items) line += " " + quote(p.first) + "=" + quote(p.second);
  line += std::string(" pbc=\"") + (s.pbc[0] ? 'T' : 'F') + ' ' + (s.pbc[1] ? 'T' : 'F') + ' ' +
          (s.pbc[2] ? 'T' : 'F') + '"';
  return line;
}

std::string atom_lines(const Structure& s, const std::vector<WriteColumn>& cols) {
  std::string body;
  char buf[64];
  auto real = [&](double x) {
    buf[0] = ' ';
    auto r = std::to_chars(buf + 1, buf + sizeof buf, x);
    body.append(buf, r.ptr);
  };
  for (int i = 0; i < s.size(); ++i) {
    body += element_symbol(s.numbers[i]);
    for (int j = 0; j < 3; ++j) real(s.positions(i, j));
    for (const auto& c : cols) {
      const size_t at = static_cast<size_t>(i) * c.ncols;
      for (int j = 0; j < c.ncols; ++j) {
        if (c.reals) {
          real(c.reals[at + j]);
        } else {
          body += ' ';
          body += (*c.tokens)[at + j];
        }
      }
    }
    body += '\n';
  }
  return body;
}

}  // namespace

std::vector<Structure> read_extxyz_stream(std::istream& in, const std::string& name, const ExtxyzKeys& keys) {
  FrameReader reader(in, name, keys);
  return reader.read_all();
}

std::vector<Structure> read_extxyz(const std::string& path, const ExtxyzKeys& keys) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError("cannot open " + path + ": " + std::strerror(EISDIR));
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open " + path + ": " + std::strerror(errno ? errno : ENOENT));
  return read_extxyz_stream(in, path, keys);
}

void ExtxyzExtras::add_real(const std::string& key, double value) { info.emplace_back(key, fmt(value)); }

void ExtxyzExtras::add_reals(const std::string& key, const std::vector<double>& values) {
  info.emplace_back(key, join(values.data(), static_cast<int>(values.size())));
}

void ExtxyzExtras::add_matrix(const std::string& key, const Eigen::Matrix3d& m) {
  info.emplace_back(key, row_major(m));
}

void ExtxyzExtras::add_column(const std::string& name, const std::vector<double>& per_atom) {
  columns.push_back(PerAtomColumn{name, 1, per_atom});
}

void ExtxyzExtras::add_column(const std::string& name, const MatrixX3& per_atom) {
  columns.push_back(PerAtomColumn{name, 3, std::vector<double>(per_atom.data(), per_atom.data() + per_atom.size())});
}

ExtxyzExtras labels_as_extras(const Structure& s, const std::string& prefix) {
  ExtxyzExtras x;
  if (s.energy) x.add_real(prefix + "energy", *s.energy);
  if (s.forces) x.add_column(prefix + "forces", *s.forces);
  if (s.virial) x.add_matrix(prefix + "virial", *s.virial);
  return x;
}

void write_extxyz(std::ostream& out, const Structure& s, const ExtxyzExtras& extras,
                  const ExtxyzWriteOptions& options) {
  const int n = s.size();
  if (s.positions.rows() != n)
    refuse(s, "positions have " + std::to_string(s.positions.rows()) + " rows for " + std::to_string(n) + " atoms");
  for (int z : s.numbers)
    if (!valid_atomic_number(z)) refuse(s, "invalid atomic number " + std::to_string(z));
  const InfoItems items = info_items(s, extras, options);
  const std::vector<WriteColumn> cols = write_columns(s, extras, options);
  const std::string line = comment_line(s, cols, items);
  const std::string body = atom_lines(s, cols);
  out << n << '\n' << line << '\n' << body;
}

void write_extxyz(const std::string& path, const std::vector<Structure>& structures, const ExtxyzWriteOptions& options,
                  const std::vector<ExtxyzExtras>& extras) {
  if (!extras.empty() && extras.size() != structures.size())
    throw std::invalid_argument("write_extxyz: " + std::to_string(extras.size()) + " extras for " +
                                std::to_string(structures.size()) + " structures");
  AtomicFile file(path);  // an existing file stays intact until the new one is complete
  static const ExtxyzExtras none;
  for (size_t i = 0; i < structures.size(); ++i)
    write_extxyz(file.stream(), structures[i], extras.empty() ? none : extras[i], options);
  file.commit();
}

}  // namespace soapgap
