// Internals of the extxyz reader and writer (private, not part of the public API): the
// FrameReader class, whose comment-line and Properties parsing lies in extxyz_comment.cpp and
// whose frame and atom-line reading lies in extxyz.cpp, and the text helpers both sides share.
#pragma once
#include <charconv>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/structure.h"
#include "io/extxyz.h"

namespace soapgap::extxyz_detail {

inline bool parse_bool(std::string_view t, bool& b) {
  if (t == "T" || t == "True" || t == "true" || t == "1") return b = true, true;
  if (t == "F" || t == "False" || t == "false" || t == "0") return b = false, true;
  return false;
}

inline std::string shorten(std::string_view s, size_t max = 60) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max)) + "...";
}

// Formats a double in the shortest form that reads back bit-identically.
inline std::string fmt(double x) {
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

  std::vector<Structure> read_all();

 private:
  [[noreturn]] void fail(long line, const std::string& what, const std::string& expected) const;
  bool next_line(std::string& line);

  // ----- comment line (extxyz_comment.cpp) -----

  std::string read_word(const std::string& s, size_t& pos, bool stop_at_equals, long line) const;
  std::vector<KeyValue> parse_comment(const std::string& s, long line) const;
  std::vector<double> parse_numbers(const std::string& key, std::string value, long line,
                                    const std::string& expected) const;
  double parse_scalar(const std::string& key, const std::string& value, long line) const;
  Eigen::Matrix3d parse_3x3(const std::string& key, const std::string& value, long line,
                            const std::string& expected) const;

  // What the comment line says beyond the fields of the Structure.
  struct CommentInfo {
    std::string properties = "species:S:1:pos:R:3";
    bool have_lattice = false, have_pbc = false;
    std::optional<Eigen::Matrix3d> stress;
  };

  void check_duplicate_keys(const std::vector<KeyValue>& kv, long cl) const;
  void parse_pbc(const KeyValue& p, long cl, Structure& s) const;
  Eigen::Matrix3d parse_stress(const KeyValue& p, long cl) const;
  void read_info(const std::vector<KeyValue>& kv, long cl, Structure& s, CommentInfo& info) const;

  // ----- Properties (extxyz_comment.cpp) -----

  struct Column {
    std::string name;
    char type;
    int ncols;
    int first;  // index of the first token on the atom line
  };

  // The columns of Properties by role (pointers into its Column list).
  struct ColumnRoles {
    int total = 0;  // tokens per atom line
    const Column *species = nullptr, *znum = nullptr, *pos = nullptr, *forces = nullptr;
    const Column* element = nullptr;    // species, else Z
    std::vector<const Column*> extras;  // the others, kept verbatim
  };

  std::vector<Column> parse_properties(const std::string& value, long line) const;
  ColumnRoles column_roles(const std::vector<Column>& cols, const std::string& properties, long cl) const;

  // ----- one frame (extxyz.cpp) -----

  int parse_atom_count(const std::string& count_line, long frame) const;
  void check_periodic_lattice(const Structure& s, bool have_lattice, long cl) const;
  void set_virial_from_stress(Structure& s, const Eigen::Matrix3d& stress, long cl) const;
  Structure read_frame(const std::string& count_line, long frame);
  static std::string lattice_text(const Eigen::Matrix3d& c);

  // ----- atom lines (extxyz.cpp) -----

  int read_element(const Column& col, std::string_view et, long ln) const;
  void read_reals(const std::vector<std::string_view>& tok, const Column& c, long ln, std::vector<double>& dst) const;
  void read_verbatim(const std::vector<std::string_view>& tok, const Column& c, long ln,
                     std::vector<std::string>& dst) const;
  void read_atoms(int natoms, long frame, long cl, const std::string& properties, const ColumnRoles& roles,
                  Structure& s);

  std::istream& in_;
  const std::string& name_;
  const ExtxyzKeys& keys_;
  long line_no_ = 0;
};

}  // namespace soapgap::extxyz_detail
