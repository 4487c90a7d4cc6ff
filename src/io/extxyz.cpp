// Extended-XYZ reading: frames (atom count, comment line, atom lines) into Structures, and the
// public read_extxyz / read_extxyz_stream.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/elements.h"
#include "core/error.h"
#include "core/text.h"
#include "core/text_line.h"
#include "io/extxyz.h"
#include "io/extxyz_detail.h"

namespace soapgap {

namespace extxyz_detail {

using text::blank;
using text::parse_double;
using text::trim;

std::vector<Structure> FrameReader::read_all() {
  std::vector<Structure> frames;
  std::string line;
  while (next_line(line)) {
    if (blank(line)) {
      const long blank_line = line_no_;
      while (next_line(line))
        if (!blank(line))
          fail(blank_line, "blank line before line " + std::to_string(line_no_) + " (\"" + shorten(trim(line)) + "\")",
               "the atom count of the next frame, or only blank lines up to the end of the file");
      break;
    }
    frames.push_back(read_frame(line, static_cast<long>(frames.size())));
  }
  return frames;
}

void FrameReader::fail(long line, const std::string& what, const std::string& expected) const {
  throw InputError(name_ + ":" + std::to_string(line) + ": " + what + "; expected " + expected);
}

// A NUL byte (a binary file, /dev/zero) or an endless line stops at once (core/text_line.h).
bool FrameReader::next_line(std::string& line) {
  const TextLine status = read_text_line(in_, line);
  if (status == TextLine::end) return false;
  if (status != TextLine::ok) fail(line_no_ + 1, text_line_problem(status, line), "text lines ending in \\n or \\r\\n");
  ++line_no_;
  // A carriage return inside a line (old Mac line endings, or a value that the writer could
  // not write back) is refused too.
  const size_t bad = line.find('\r');
  if (bad != std::string::npos)
    fail(line_no_, "carriage return at column " + std::to_string(bad + 1), "text lines ending in \\n or \\r\\n");
  return true;
}

// The atom count on the count line (line line_no_) of frame `frame`.
int FrameReader::parse_atom_count(const std::string& count_line, long frame) const {
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

// The periodic lattice vectors must be linearly independent.
void FrameReader::check_periodic_lattice(const Structure& s, bool have_lattice, long cl) const {
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

void FrameReader::set_virial_from_stress(Structure& s, const Eigen::Matrix3d& stress, long cl) const {
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

int FrameReader::read_element(const Column& col, std::string_view et, long ln) const {
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

void FrameReader::read_reals(const std::vector<std::string_view>& tok, const Column& c, long ln,
                             std::vector<double>& dst) const {
  for (int k = 0; k < c.ncols; ++k) {
    std::string_view t = tok[c.first + k];
    double x;
    if (!parse_double(t, x)) fail(ln, c.name + " has the non-numeric value \"" + shorten(t) + "\"", "a number");
    if (!std::isfinite(x)) fail(ln, c.name + " has the non-finite value \"" + shorten(t) + "\"", "a finite number");
    dst.push_back(x);
  }
}

// The tokens of an extra column, checked against its type and kept as written.
void FrameReader::read_verbatim(const std::vector<std::string_view>& tok, const Column& c, long ln,
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
void FrameReader::read_atoms(int natoms, long frame, long cl, const std::string& properties, const ColumnRoles& roles,
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

Structure FrameReader::read_frame(const std::string& count_line, long frame) {
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

std::string FrameReader::lattice_text(const Eigen::Matrix3d& c) {
  std::string t;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) t += (t.empty() ? "" : " ") + fmt(c(i, j));
  return t;
}

}  // namespace extxyz_detail

std::vector<Structure> read_extxyz_stream(std::istream& in, const std::string& name, const ExtxyzKeys& keys) {
  extxyz_detail::FrameReader reader(in, name, keys);
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

}  // namespace soapgap
