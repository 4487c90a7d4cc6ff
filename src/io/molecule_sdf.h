// Reader of MDL molfiles (.mol) and SD files (.sdf), V2000. One record is:
//   3 header lines     name, program/time stamp, comment
//   counts line        "aaabbb...  V2000": number of atoms (columns 1-3) and bonds (4-6)
//   atom block         one line per atom: x, y, z (columns 1-10, 11-20, 21-30, Angstrom),
//                      element symbol (columns 32-34); whitespace-separated fields are accepted
//                      too. D and T are read as H.
//   bond block         one line per bond; only checked (two atom numbers in 1..n_atoms)
//   properties block   ignored, up to "M  END"
//   data items         "> <NAME>" (anything after the closing '>' is ignored) followed by
//                      value lines up to a blank line
//   "$$$$"             ends a record of an SD file (optional after the last record)
// Each record becomes a Molecule: a non-periodic Structure, name = the first header line,
// strings = the data items (NAME -> value, lines joined with '\n') in file order.
// Implicit hydrogens stay implicit: only the atoms of the atom block are read.
// V3000 records are refused with a message saying so. Problems throw InputError
// "<file>:<line>: <what>; expected <what>".
#pragma once
#include <istream>
#include <string>
#include <vector>

#include "io/molecule.h"

namespace soapgap {

std::vector<Molecule> read_sdf(const std::string& path);
std::vector<Molecule> read_sdf_stream(std::istream& in, const std::string& name);

}  // namespace soapgap
