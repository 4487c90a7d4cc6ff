#include "io/molecule_mol2.h"

#include <cctype>

#include "core/elements.h"
#include "core/error.h"

namespace soapgap {

using namespace molecule_detail;

int mol2_element(const std::string& atom_type) {
  std::string symbol = atom_type.substr(0, atom_type.find('.'));
  if (symbol.empty() || symbol.size() > 2)
    throw InputError("SYBYL atom type " + quoted(atom_type) + " names no element");
  symbol[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(symbol[0])));
  if (symbol.size() == 2) symbol[1] = static_cast<char>(std::tolower(static_cast<unsigned char>(symbol[1])));
  if (symbol == "Du" || symbol == "Lp")
    throw InputError("SYBYL atom type " + quoted(atom_type) + " (a dummy atom or lone pair) names no element");
  try {
    return atomic_number(symbol);
  } catch (const InputError&) {
    throw InputError("SYBYL atom type " + quoted(atom_type) + " names no element");
  }
}

namespace {

bool is_section(const std::string& line) { return trim(line).compare(0, 9, "@<TRIPOS>") == 0; }
std::string section_name(const std::string& line) { return split(trim(line).substr(9))[0]; }

bool skip(const std::string& line) {
  const std::string t = trim(line);
  return t.empty() || t[0] == '#';
}

// The next line that is neither blank nor a comment; `expected` names it for the error at the
// end of the file.
std::string require_content(LineReader& r, const std::string& expected) {
  for (;;) {
    const std::string line = r.require(expected);
    if (!skip(line)) return line;
  }
}

}  // namespace

std::vector<Molecule> read_mol2_stream(std::istream& in, const std::string& name) {
  LineReader r(in, name);
  std::vector<Molecule> out;
  std::string line;
  // Up to the first MOLECULE section: only comments and blank lines.
  bool have = false;
  while (!have && r.next(line)) {
    if (skip(line)) continue;
    if (is_section(line) && section_name(line) == "MOLECULE") {
      have = true;
      break;
    }
    r.fail(quoted(trim(line)), "\"@<TRIPOS>MOLECULE\" (a MOL2 file)");
  }
  while (have) {
    have = false;
    Molecule m;
    const long first_line = r.line_number();
    // MOLECULE section: name, counts, type, charge type (the last two optional here).
    m.name = trim(r.require("the molecule name after @<TRIPOS>MOLECULE"));
    const std::string expected_counts = "the counts line (number of atoms [bonds [substructures ...]])";
    const std::string counts = r.require(expected_counts);
    const std::vector<std::string> cf = split(counts);
    long long n_atoms = 0;
    if (cf.empty() || !parse_integer(cf[0], n_atoms) || n_atoms < 1)
      r.fail("counts line " + quoted(trim(counts)), expected_counts + " with at least one atom");
    bool charges_wanted = true, atoms_read = false;
    std::vector<double> charges;
    int header_line = 0;
    bool in_header = true;  // still in the MOLECULE section
    while (r.next(line)) {
      if (is_section(line)) {
        in_header = false;
        const std::string sec = section_name(line);
        if (sec == "MOLECULE") {
          have = true;
          break;
        }
        if (sec != "ATOM") continue;
        if (atoms_read) r.fail("a second @<TRIPOS>ATOM section", "one ATOM section per molecule");
        Structure& s = m.structure;
        s.numbers.resize(n_atoms);
        s.positions.resize(n_atoms, 3);
        for (long long i = 0; i < n_atoms; ++i) {
          const std::string expected = "atom " + std::to_string(i + 1) + " of " + std::to_string(n_atoms) +
                                       ": id name x y z type [subst_id subst_name [charge]]";
          const std::string a = require_content(r, expected);
          if (is_section(a)) r.fail(quoted(trim(a)) + " after " + std::to_string(i) + " atoms", expected);
          const std::vector<std::string> f = split(a);
          if (f.size() < 6) r.fail(std::to_string(f.size()) + " fields in " + quoted(trim(a)), expected);
          for (int d = 0; d < 3; ++d)
            if (!parse_number(f[2 + d], s.positions(i, d)))
              r.fail(std::string("coordinate ") + "xyz"[d] + " = " + quoted(f[2 + d]),
                     "a number (Angstrom) in " + expected);
          try {
            s.numbers[i] = mol2_element(f[5]);
          } catch (const InputError& e) {
            r.fail(e.what(), "a SYBYL atom type of an element (C.3, N.ar, O.2, Cl, ...)");
          }
          double q = 0;
          if (f.size() >= 9 && parse_number(f[8], q))
            charges.push_back(q);
          else
            charges_wanted = false;
        }
        atoms_read = true;
        continue;
      }
      // Lines of the MOLECULE section after the counts: molecule type, charge type.
      if (in_header && header_line < 2 && !skip(line)) {
        const std::string v = trim(line);
        if (header_line == 0) m.strings.emplace_back("mol_type", v);
        if (header_line == 1) {
          m.strings.emplace_back("charge_type", v);
          if (v == "NO_CHARGES") charges_wanted = false;
        }
        ++header_line;
      }
    }
    if (!atoms_read)
      r.fail(r.line_number() + (have ? 0 : 1), have ? "the next @<TRIPOS>MOLECULE" : "end of file",
             "an @<TRIPOS>ATOM section for molecule " + quoted(m.name) + " (line " + std::to_string(first_line) + ")");
    if (charges_wanted) m.per_atom.emplace_back("partial_charges", std::move(charges));
    m.structure.source = name + ":record " + std::to_string(out.size()) + " (line " + std::to_string(first_line) + ")";
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Molecule> read_mol2(const std::string& path) {
  std::ifstream in;
  open_input(in, path);
  return read_mol2_stream(in, path);
}

}  // namespace soapgap
