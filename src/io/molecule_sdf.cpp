#include "io/molecule_sdf.h"

#include "core/elements.h"
#include "core/error.h"

namespace soapgap {

using namespace molecule_detail;

namespace {

bool starts_with(const std::string& s, const char* prefix) {
  return s.compare(0, std::char_traits<char>::length(prefix), prefix) == 0;
}

bool is_record_end(const std::string& line) { return trim(line) == "$$$$"; }

// An integer in fixed columns [first, first + width) of line.
bool fixed_integer(const std::string& line, size_t first, size_t width, long long& x) {
  if (line.size() < first + 1) return false;
  return parse_integer(line.substr(first, width), x);
}

int element(const LineReader& r, const std::string& symbol, const std::string& expected) {
  if (symbol == "D" || symbol == "T") return 1;
  try {
    return atomic_number(symbol);
  } catch (const InputError&) {
    r.fail("element " + quoted(symbol), expected);
  }
}

// The four header lines of a record: title (already read), two more and the counts line.
// Returns false when the file ends with only blank lines read (they are not a record).
bool read_header(LineReader& r, const std::string& title, std::vector<std::string>& header) {
  header = {title};
  std::string line;
  while (header.size() < 4) {
    if (!r.next(line)) {
      bool all_blank = true;
      for (const std::string& h : header) all_blank = all_blank && trim(h).empty();
      if (all_blank) return false;
      r.fail(
          r.line_number() + 1, "end of file",
          header.size() < 3 ? "the three header lines of a molfile record" : "the counts line (\"aaabbb ... V2000\")");
    }
    header.push_back(line);
  }
  return true;
}

// The atom and bond counts of the counts line (the line last read).
void parse_counts(const LineReader& r, const std::string& counts, long long& n_atoms, long long& n_bonds) {
  const std::string expected_counts = "the counts line: atoms (columns 1-3), bonds (columns 4-6), ... V2000";
  if (counts.find("V3000") != std::string::npos)
    r.fail("a V3000 molfile record", "a V2000 record (V3000 is not supported; convert the file to V2000 first)");
  if (!fixed_integer(counts, 0, 3, n_atoms) || !fixed_integer(counts, 3, 3, n_bonds)) {
    const std::vector<std::string> f = split(counts);
    if (f.size() < 2 || !parse_integer(f[0], n_atoms) || !parse_integer(f[1], n_bonds))
      r.fail("counts line " + quoted(counts), expected_counts);
  }
  if (n_atoms < 1 || n_bonds < 0)
    r.fail(std::to_string(n_atoms) + " atoms and " + std::to_string(n_bonds) + " bonds in the counts line",
           "at least one atom");
  const std::vector<std::string> cf = split(counts);
  if (!cf.empty() && (cf.back()[0] == 'V' || cf.back()[0] == 'v') && cf.back() != "V2000")
    r.fail("version " + quoted(cf.back()), "V2000");
}

// Atom i (from 0) of n_atoms: fixed columns, else whitespace-separated fields.
void read_atom(LineReader& r, long long i, long long n_atoms, Structure& s) {
  const std::string expected =
      "atom " + std::to_string(i + 1) + " of " + std::to_string(n_atoms) + ": x y z (Angstrom) and the element symbol";
  const std::string a = r.require(expected);
  if (is_record_end(a) || starts_with(a, "M  END")) r.fail(quoted(trim(a)), expected);
  double x[3];
  std::string symbol;
  bool ok = a.size() >= 32;
  for (int d = 0; d < 3 && ok; ++d) ok = parse_number(a.substr(10 * d, 10), x[d]);
  if (ok) {
    symbol = trim(a.substr(31, 3));
    ok = !symbol.empty() && split(symbol).size() == 1;
  }
  if (!ok) {  // whitespace-separated fields
    const std::vector<std::string> f = split(a);
    if (f.size() < 4) r.fail(std::to_string(f.size()) + " fields in " + quoted(trim(a)), expected);
    for (int d = 0; d < 3; ++d)
      if (!parse_number(f[d], x[d]))
        r.fail(std::string("coordinate ") + "xyz"[d] + " = " + quoted(f[d]), "a number (Angstrom) in " + expected);
    symbol = f[3];
  }
  s.numbers[i] = element(r, symbol, "an element symbol for atom " + std::to_string(i + 1));
  for (int d = 0; d < 3; ++d) s.positions(i, d) = x[d];
}

// The bond block: only checked (two atom numbers in range).
void read_bonds(LineReader& r, long long n_bonds, long long n_atoms) {
  for (long long b = 0; b < n_bonds; ++b) {
    const std::string expected = "bond " + std::to_string(b + 1) + " of " + std::to_string(n_bonds) +
                                 ": two atom numbers (1.." + std::to_string(n_atoms) + ") and the bond type";
    const std::string l = r.require(expected);
    long long i = 0, j = 0;
    if (!fixed_integer(l, 0, 3, i) || !fixed_integer(l, 3, 3, j)) {
      const std::vector<std::string> f = split(l);
      if (f.size() < 3 || !parse_integer(f[0], i) || !parse_integer(f[1], j)) r.fail(quoted(trim(l)), expected);
    }
    if (i < 1 || i > n_atoms || j < 1 || j > n_atoms)
      r.fail("atom numbers " + std::to_string(i) + " and " + std::to_string(j), expected);
  }
}

// The properties block, skipped up to "M  END".
void skip_properties(LineReader& r) {
  std::string line;
  for (;;) {
    if (!r.next(line)) r.fail(r.line_number() + 1, "end of file", "\"M  END\" after the bond block");
    if (starts_with(line, "M  END")) break;
    if (is_record_end(line)) r.fail("\"$$$$\" before \"M  END\"", "\"M  END\" after the bond block");
  }
}

// Data items up to "$$$$" or the end of the file, into m.strings.
void read_data_items(LineReader& r, Molecule& m) {
  std::string line;
  while (r.next(line)) {
    if (is_record_end(line)) break;
    if (trim(line).empty()) continue;
    if (line[0] != '>') r.fail(quoted(trim(line)), "a data item header (\"> <NAME>\"), a blank line or \"$$$$\"");
    std::string key;
    const size_t open = line.find('<');
    const size_t close = open == std::string::npos ? open : line.find('>', open + 1);
    if (open != std::string::npos && close != std::string::npos) {
      key = line.substr(open + 1, close - open - 1);
    } else {
      key = trim(line.substr(1));  // old style: "> DTn" or "> 25"
    }
    if (key.empty()) r.fail("data item without a name " + quoted(trim(line)), "\"> <NAME>\"");
    std::string value;
    bool first = true, ended = false;
    while (r.next(line)) {
      if (trim(line).empty()) break;
      if (is_record_end(line)) {  // no blank line before "$$$$"
        ended = true;
        break;
      }
      value += (first ? "" : "\n") + line;
      first = false;
    }
    m.strings.emplace_back(key, value);
    if (ended) break;
  }
}

// Reads one record whose first header line is `title` (already read). Returns false when only
// blank lines were left (the end of the file).
bool read_record(LineReader& r, std::string title, long record, Molecule& m) {
  long first_line = r.line_number();
  std::vector<std::string> header;
  if (!read_header(r, title, header)) return false;
  long long n_atoms = 0, n_bonds = 0;
  parse_counts(r, header[3], n_atoms, n_bonds);

  m.name = trim(title);
  Structure& s = m.structure;
  s.numbers.resize(n_atoms);
  s.positions.resize(n_atoms, 3);
  for (long long i = 0; i < n_atoms; ++i) read_atom(r, i, n_atoms, s);
  read_bonds(r, n_bonds, n_atoms);
  skip_properties(r);
  read_data_items(r, m);
  s.source = r.name() + ":record " + std::to_string(record) + " (line " + std::to_string(first_line) + ")";
  return true;
}

}  // namespace

std::vector<Molecule> read_sdf_stream(std::istream& in, const std::string& name) {
  LineReader r(in, name);
  std::vector<Molecule> out;
  std::string title;
  while (r.next(title)) {
    Molecule m;
    if (!read_record(r, title, static_cast<long>(out.size()), m)) break;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Molecule> read_sdf(const std::string& path) {
  std::ifstream in;
  open_input(in, path);
  return read_sdf_stream(in, path);
}

}  // namespace soapgap
