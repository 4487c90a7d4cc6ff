// One molecule read from a molecular file format (QM9 xyz, SDF/MOL, MOL2, extended XYZ):
// its geometry and whatever properties the file gave, in the file's own order.
#pragma once
#include <fstream>
#include <istream>
#include <string>
#include <utility>
#include <vector>

#include "core/structure.h"

namespace soapgap {

struct Molecule {
  // Non-periodic (zero cell, pbc F F F), positions in Angstrom. source is
  // "<file>:record <n> (line <L>)", n counted from 0, L the record's first line.
  Structure structure;
  std::string name;  // title line (SDF, MOL2), "gdb <index>" (QM9), "" when the file has none
  // Scalar numeric properties (QM9's, in QM9's units; see molecule_qm9.h).
  std::vector<std::pair<std::string, double>> numbers;
  // Text properties: SDF data items ("<activity>" -> "activity"), SMILES, InChI, ...
  std::vector<std::pair<std::string, std::string>> strings;
  // Numeric lists of the molecule (QM9's harmonic frequencies).
  std::vector<std::pair<std::string, std::vector<double>>> lists;
  // Per-atom numbers, n_atoms values each (QM9's Mulliken charges, MOL2's partial charges).
  std::vector<std::pair<std::string, std::vector<double>>> per_atom;

  int size() const { return structure.size(); }
  // The value under key, or nullptr.
  const double* number(const std::string& key) const;
  const std::string* string(const std::string& key) const;
  const std::vector<double>* list(const std::string& key) const;
  const std::vector<double>* atom_values(const std::string& key) const;
};

namespace molecule_detail {

// Reads a text file line by line (\n or \r\n), counting lines, for error messages of the form
// "<file>:<line>: <what was wrong>; expected <what>" (InputError).
class LineReader {
 public:
  LineReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
  // The next line without its line ending; false at the end of the file. Refuses NUL bytes.
  bool next(std::string& line);
  // Like next(), but the end of the file is an error: "<file>:<line after the last>: end of
  // file; expected <expected>".
  std::string require(const std::string& expected);
  long line_number() const { return line_; }  // of the line last returned
  const std::string& name() const { return name_; }
  [[noreturn]] void fail(long line, const std::string& what, const std::string& expected) const;
  [[noreturn]] void fail(const std::string& what, const std::string& expected) const { fail(line_, what, expected); }

 private:
  std::istream& in_;
  std::string name_;
  long line_ = 0;
};

// Whitespace-separated (or, with seps, any of seps) fields of a line.
std::vector<std::string> split(const std::string& line, const char* seps = " \t");
std::string trim(const std::string& s);
// A finite number written as the whole of s; Mathematica-style exponents ("1.5*^-05") are
// accepted as "1.5e-05". False (x untouched) otherwise.
bool parse_number(const std::string& s, double& x);
// A decimal integer written as the whole of s (after trimming spaces).
bool parse_integer(const std::string& s, long long& x);
// "x" shortened to at most 40 characters, in quotes, for messages.
std::string quoted(const std::string& s);
// Opens path for reading (binary); InputError "cannot open <path>: <reason>" otherwise.
void open_input(std::ifstream& in, const std::string& path);

}  // namespace molecule_detail

}  // namespace soapgap
