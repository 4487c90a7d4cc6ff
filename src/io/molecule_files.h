// Reading molecules from users' files in any of the formats soapgap knows, chosen by the file
// name's extension (case-insensitive):
//   .xyz, .extxyz   extended XYZ (io/extxyz.h), or QM9's format (io/molecule_qm9.h) when the
//                   second line starts with "gdb"
//   .sdf, .sd, .mol MDL SD file / molfile V2000 (io/molecule_sdf.h)
//   .mol2           Tripos MOL2 (io/molecule_mol2.h)
// Compressed files (.gz, .bz2, .xz, .zip) are refused with a message to decompress them first.
#pragma once
#include <string>
#include <vector>

#include "io/molecule.h"

namespace soapgap {

enum class MoleculeFormat { Auto, Extxyz, Qm9, Sdf, Mol2 };

// "auto", "extxyz" (or "xyz"), "qm9", "sdf" (or "mol"), "mol2"; InputError otherwise.
MoleculeFormat parse_molecule_format(const std::string& name);
// The format of a file (Auto is never returned): by extension, reading the first two lines of
// an .xyz file. InputError for unknown extensions and compressed files.
MoleculeFormat detect_molecule_format(const std::string& path);

// The molecules of one file, or of every file with a known extension directly inside a
// directory (sorted by name; other files are skipped; a directory without any is an error).
// With a format other than Auto every file is read in that format.
// Extended XYZ frames keep their cell and pbc; their energy becomes numbers["energy"],
// config_type strings["config_type"], and every other info item numbers[key] when it is a
// number, strings[key] otherwise.
std::vector<Molecule> read_molecules(const std::string& path, MoleculeFormat format = MoleculeFormat::Auto);
// The molecules of several files or directories, in the order given.
std::vector<Molecule> read_molecules(const std::vector<std::string>& paths,
                                     MoleculeFormat format = MoleculeFormat::Auto);

// An extended XYZ frame as a Molecule (see above).
Molecule molecule_from_structure(Structure s);

}  // namespace soapgap
