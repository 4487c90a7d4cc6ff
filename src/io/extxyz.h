// Extended XYZ (extxyz) reader and writer, compatible with what ASE 3.22 reads and writes.
//
// A frame is:
//   line 1: number of atoms
//   line 2: key=value pairs, e.g.
//           Lattice="ax ay az bx by bz cx cy cz" Properties=species:S:1:pos:R:3:forces:R:3
//           energy=-10.5 virial="9 numbers" pbc="T T F" config_type=bulk
//   then one line per atom with the columns listed in Properties.
// Values may be bare, "double-quoted" (backslash escapes the next character) or {braced};
// a key without a value means T (true). Without Properties the columns are species:S:1:pos:R:3;
// a comment line without any '=' is a plain-XYZ comment and is ignored. pbc defaults to
// "T T T" when Lattice is given and to "F F F" otherwise (as in ASE). The keys Lattice,
// Properties and pbc are matched case-insensitively, all others case-sensitively.
//
// Reading: the species column (S or I, 1 column; symbols like "Si" or atomic numbers) or,
// without it, a Z:I:1 column gives the elements (when both are present, species is used and
// Z dropped); pos:R:3 (or positions:R:3) the positions. The label keys of ExtxyzKeys fill
// Structure's labels; every other info key and per-atom column is kept verbatim in
// Structure::extra_info / extra_columns, so a read -> write round trip keeps them.
// Every problem throws InputError "<file>:<line>: <what was wrong>; expected <what>".
#pragma once
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "core/structure.h"

namespace soapgap {

// Which keys hold the reference labels. Used for reading, and for writing the Structure's
// own labels (ExtxyzWriteOptions::keys). An empty key disables that label.
struct ExtxyzKeys {
  std::string energy = "energy";  // per-config scalar, eV
  std::string forces = "forces";  // per-atom R:3 column, eV/A
  // Per-config 9 numbers (3x3, row-major), eV. ASE reads 3x3 items column-major (Fortran
  // order); for a symmetric virial or stress the two agree.
  std::string virial = "virial";
  // Per-config 6 (Voigt xx yy zz yz xz xy) or 9 numbers, eV/A^3. On reading it becomes
  // virial = -stress * volume when the virial key is absent (the cell must have a volume);
  // it is dropped when the virial key is present.
  std::string stress = "stress";
  std::string config_type = "config_type";
  // Per-config regularisation overrides (positive numbers).
  std::string sigma_energy = "energy_sigma", sigma_force = "force_sigma", sigma_virial = "virial_sigma";
};

// Reads every frame of an extxyz file. Structure::source is "<path>:frame <n> (line <L>)"
// with n counted from 0 and L the line of the frame's atom count.
// Throws InputError("cannot open <path>: <reason>") when the file cannot be opened.
std::vector<Structure> read_extxyz(const std::string& path, const ExtxyzKeys& keys = {});
// The same from a stream; `name` is used in messages and in Structure::source.
std::vector<Structure> read_extxyz_stream(std::istream& in, const std::string& name, const ExtxyzKeys& keys = {});

// ---------------------------------------------------------------------------------------
// Writing.
//
// The comment line holds, in this order: Lattice (when the cell is not all zero),
// Properties, the Structure's labels under options.keys (energy, virial as 9 numbers
// row-major, stress = -virial/volume as 9 numbers when all three directions are periodic
// and options.write_stress, config_type, the sigma overrides), Structure::extra_info
// (when options.write_extras), ExtxyzExtras::info, and pbc="T T F". The atom lines hold
// species, pos, forces (under options.keys.forces), Structure::extra_columns (when
// options.write_extras) and ExtxyzExtras::columns. Reals are written in the shortest form
// that reads back bit-identically.
//
// Key collisions: an ExtxyzExtras key equal to a key written from the Structure's fields
// (Lattice, Properties, pbc, species, pos, Z and the label keys written) or given twice is a
// programming error (std::invalid_argument). Structure::extra_info / extra_columns entries
// whose key is written from the fields or from ExtxyzExtras are skipped, so a Structure whose
// extra_info holds e.g. "ref_energy" from an earlier file can be written with new extras
// under the same key. Lattice, Properties and pbc are compared case-insensitively.

// An additional per-atom real column: values holds n_atoms * ncols numbers, atom-major.
struct PerAtomColumn {
  std::string name;
  int ncols = 1;
  std::vector<double> values;
};

// Additional per-config items and per-atom columns to write with one Structure.
struct ExtxyzExtras {
  std::vector<std::pair<std::string, std::string>> info;  // key, unquoted value (verbatim)
  std::vector<PerAtomColumn> columns;

  void add_info(const std::string& key, const std::string& value) { info.emplace_back(key, value); }
  void add_real(const std::string& key, double value);                            // one number
  void add_reals(const std::string& key, const std::vector<double>& values);      // "x y z ..."
  void add_matrix(const std::string& key, const Eigen::Matrix3d& m);              // 9, row-major
  void add_column(const std::string& name, const std::vector<double>& per_atom);  // R:1
  void add_column(const std::string& name, const MatrixX3& per_atom);             // R:3
};

// The labels present in `s` (energy, forces, virial) as extras under prefix + "energy",
// prefix + "forces", prefix + "virial". For the CLI's prediction output:
//   Structure out = reference;  out.energy = E; out.forces = F; out.virial = W;
//   ExtxyzExtras x = labels_as_extras(reference, "ref_");   // ref_energy, ref_forces, ref_virial
//   x.add_real("energy_variance", v);  x.add_column("local_energy", e_i);
//   write_extxyz(os, out, x);
ExtxyzExtras labels_as_extras(const Structure& s, const std::string& prefix);

struct ExtxyzWriteOptions {
  ExtxyzKeys keys;           // keys for the Structure's own labels
  bool write_labels = true;  // energy, forces, virial, stress
  bool write_stress = true;  // stress = -virial/volume, for fully periodic cells only
  bool write_extras = true;  // Structure::extra_info and extra_columns
};

// Writes one frame. Throws std::invalid_argument when the Structure is inconsistent
// (positions/forces/column sizes not matching the number of atoms, invalid atomic number).
void write_extxyz(std::ostream& out, const Structure& s, const ExtxyzExtras& extras = {},
                  const ExtxyzWriteOptions& options = {});

// Writes all frames to `path` via `path`.tmp, renamed into place once complete.
// `extras` is either empty or holds one entry per structure. Throws InputError when the file
// cannot be written.
void write_extxyz(const std::string& path, const std::vector<Structure>& structures,
                  const ExtxyzWriteOptions& options = {}, const std::vector<ExtxyzExtras>& extras = {});

}  // namespace soapgap
