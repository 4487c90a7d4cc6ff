// Extended-XYZ writing: the comment line (Lattice, Properties, labels, extra info, pbc) and the
// atom lines of a Structure, ExtxyzExtras, labels_as_extras and the public write_extxyz.
#include <charconv>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/elements.h"
#include "core/text.h"
#include "io/extxyz.h"
#include "io/extxyz_detail.h"

namespace soapgap {

namespace {

using extxyz_detail::fmt;
using text::is_space;
using text::lower;

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
