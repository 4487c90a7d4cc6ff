#include "io/molecule_qm9.h"

#include "core/elements.h"
#include "core/error.h"

namespace soapgap {

using namespace molecule_detail;

const std::vector<Qm9Property>& qm9_properties() {
  static const std::vector<Qm9Property> props = {
      {"A", "GHz", "rotational constant A"},
      {"B", "GHz", "rotational constant B"},
      {"C", "GHz", "rotational constant C"},
      {"mu", "Debye", "dipole moment"},
      {"alpha", "bohr^3", "isotropic polarizability"},
      {"homo", "Hartree", "energy of the HOMO"},
      {"lumo", "Hartree", "energy of the LUMO"},
      {"gap", "Hartree", "LUMO - HOMO gap"},
      {"r2", "bohr^2", "electronic spatial extent"},
      {"zpve", "Hartree", "zero-point vibrational energy"},
      {"U0", "Hartree", "internal energy at 0 K"},
      {"U", "Hartree", "internal energy at 298.15 K"},
      {"H", "Hartree", "enthalpy at 298.15 K"},
      {"G", "Hartree", "free energy at 298.15 K"},
      {"Cv", "cal/(mol K)", "heat capacity at 298.15 K"},
  };
  return props;
}

bool is_qm9_comment_line(const std::string& line) { return trim(line).compare(0, 3, "gdb") == 0; }

namespace {

Molecule read_record(LineReader& r, const std::string& count_line, long record) {
  Molecule m;
  const long first_line = r.line_number();
  long long n = 0;
  if (!parse_integer(count_line, n) || n < 1 || n > 1000000)
    r.fail("atom count " + quoted(trim(count_line)),
           "the number of atoms (a positive integer) on the first line of a QM9 record");
  const std::vector<Qm9Property>& props = qm9_properties();
  const std::string expected2 = "\"gdb <index>\" and 15 numbers (A B C mu alpha homo lumo gap r2 zpve U0 U H G Cv)";
  const std::string line2 = r.require(expected2);
  const std::vector<std::string> f = split(line2);
  if (f.empty() || f[0] != "gdb") r.fail("comment line " + quoted(trim(line2)), expected2);
  if (f.size() != 2 + props.size())
    r.fail(std::to_string(f.size()) + " fields", std::to_string(2 + props.size()) + " fields: " + expected2);
  long long index = 0;
  if (!parse_integer(f[1], index)) r.fail("index " + quoted(f[1]), "an integer after \"gdb\"");
  m.name = "gdb " + f[1];
  m.numbers.emplace_back("index", static_cast<double>(index));
  for (size_t p = 0; p < props.size(); ++p) {
    double x = 0;
    if (!parse_number(f[2 + p], x))
      r.fail(std::string(props[p].name) + " = " + quoted(f[2 + p]), std::string("a number (") + props[p].unit + ")");
    m.numbers.emplace_back(props[p].name, x);
  }
  m.numbers.emplace_back("U0_eV", *m.number("U0") * kHartreeInEv);

  Structure& s = m.structure;
  s.numbers.resize(n);
  s.positions.resize(n, 3);
  std::vector<double> charges(n);
  for (long long i = 0; i < n; ++i) {
    const std::string expected =
        "atom " + std::to_string(i + 1) + " of " + std::to_string(n) + ": element x y z charge";
    const std::string line = r.require(expected);
    const std::vector<std::string> a = split(line);
    if (a.size() != 5) r.fail(std::to_string(a.size()) + " fields in " + quoted(trim(line)), expected);
    try {
      s.numbers[i] = atomic_number(a[0]);
    } catch (const InputError&) {
      r.fail("element " + quoted(a[0]),
             "a chemical symbol (H, C, N, O, F, ...) as the first field of atom " + std::to_string(i + 1));
    }
    for (int d = 0; d < 3; ++d)
      if (!parse_number(a[1 + d], s.positions(i, d)))
        r.fail(std::string("coordinate ") + "xyz"[d] + " = " + quoted(a[1 + d]), "a number (Angstrom)");
    if (!parse_number(a[4], charges[i])) r.fail("Mulliken charge " + quoted(a[4]), "a number (e)");
  }
  m.per_atom.emplace_back("mulliken_charges", std::move(charges));

  const std::string freq_line = r.require("the line of harmonic frequencies (cm^-1)");
  std::vector<double> freqs;
  for (const std::string& t : split(freq_line)) {
    double x = 0;
    if (!parse_number(t, x)) r.fail("frequency " + quoted(t), "the line of harmonic frequencies (numbers, cm^-1)");
    freqs.push_back(x);
  }
  m.lists.emplace_back("frequencies", std::move(freqs));

  const std::string smiles = r.require("the line with the SMILES of GDB-17 and of the relaxed geometry");
  const std::vector<std::string> sm = split(smiles);
  if (sm.empty() || sm.size() > 2)
    r.fail(std::to_string(sm.size()) + " fields in " + quoted(trim(smiles)), "one or two SMILES (GDB-17, relaxed)");
  m.strings.emplace_back("smiles_gdb", sm[0]);
  m.strings.emplace_back("smiles_relaxed", sm.size() > 1 ? sm[1] : sm[0]);

  const std::string inchi = r.require("the line with the InChI of GDB-17 and of the relaxed geometry");
  const std::vector<std::string> in = split(inchi);
  if (in.empty() || in.size() > 2 || in[0].compare(0, 6, "InChI=") != 0)
    r.fail("InChI line " + quoted(trim(inchi)), "one or two InChI strings (\"InChI=...\")");
  m.strings.emplace_back("inchi_gdb", in[0]);
  m.strings.emplace_back("inchi_relaxed", in.size() > 1 ? in[1] : in[0]);

  s.source = r.name() + ":record " + std::to_string(record) + " (line " + std::to_string(first_line) + ")";
  return m;
}

}  // namespace

std::vector<Molecule> read_qm9_stream(std::istream& in, const std::string& name) {
  LineReader r(in, name);
  std::vector<Molecule> out;
  std::string line;
  while (r.next(line)) {
    if (trim(line).empty()) continue;
    out.push_back(read_record(r, line, static_cast<long>(out.size())));
  }
  return out;
}

std::vector<Molecule> read_qm9(const std::string& path) {
  std::ifstream in;
  open_input(in, path);
  return read_qm9_stream(in, path);
}

}  // namespace soapgap
