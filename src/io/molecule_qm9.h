// Reader of QM9's per-molecule XYZ files (dsgdb9nsd_NNNNNN.xyz; Ramakrishnan, Dral, Rupp and
// von Lilienfeld, Sci. Data 1, 140022 (2014)). One record is:
//   line 1        number of atoms N
//   line 2        "gdb <index>" and 15 properties, tab-separated (see qm9_properties())
//   N lines       element  x  y  z  Mulliken charge   (Angstrom; charge in units of e)
//   one line      the 3N-6 (3N-5) harmonic vibrational frequencies, cm^-1
//   one line      SMILES of GDB-17 and of the relaxed geometry
//   one line      InChI of GDB-17 and of the relaxed geometry
// Numbers may use Mathematica's exponent notation, "-3.1*^-05" for -3.1e-05. Records may follow
// each other in one file (blank lines between them are skipped).
//
// Each record becomes a Molecule: a non-periodic Structure, name "gdb <index>",
//   numbers   "index" and the 15 properties under their QM9 names in QM9's units, plus
//             "U0_eV" = U0 * kHartreeInEv;
//   lists     "frequencies" (cm^-1);
//   per_atom  "mulliken_charges" (e);
//   strings   "smiles_gdb", "smiles_relaxed", "inchi_gdb", "inchi_relaxed" (when given).
// Problems throw InputError "<file>:<line>: <what>; expected <what>".
#pragma once
#include <istream>
#include <string>
#include <vector>

#include "io/molecule.h"

namespace soapgap {

// Hartree in eV (CODATA 2018).
constexpr double kHartreeInEv = 27.211386245988;

struct Qm9Property {
  const char* name;
  const char* unit;
  const char* description;
};

// The 15 properties of line 2 after "gdb <index>", in file order:
//   A, B, C (GHz) rotational constants; mu (Debye) dipole moment; alpha (bohr^3) isotropic
//   polarizability; homo, lumo, gap (Hartree); r2 (bohr^2) electronic spatial extent; zpve
//   (Hartree) zero-point vibrational energy; U0, U (0 K, 298.15 K), H, G (298.15 K) (Hartree)
//   internal energies, enthalpy, free energy; Cv (cal/(mol K)) heat capacity at 298.15 K.
const std::vector<Qm9Property>& qm9_properties();

// True when a second line starts with "gdb" (as QM9's do).
bool is_qm9_comment_line(const std::string& line);

std::vector<Molecule> read_qm9(const std::string& path);
std::vector<Molecule> read_qm9_stream(std::istream& in, const std::string& name);

}  // namespace soapgap
