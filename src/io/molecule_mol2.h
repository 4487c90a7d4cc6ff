// Reader of Tripos MOL2 files (one or more molecules). Read are:
//   @<TRIPOS>MOLECULE   the name (next line), the counts line (number of atoms, then bonds, ...
//                       which are not needed), the molecule type and the charge type
//   @<TRIPOS>ATOM       one line per atom: id, name, x, y, z (Angstrom), SYBYL atom type,
//                       and optionally substructure id and name, partial charge, status bits.
//                       The element is the atom type up to the '.', e.g. C.ar -> C, N.pl3 -> N,
//                       Cl -> Cl (capitalised as a chemical symbol: CL -> Cl).
// Other sections (@<TRIPOS>BOND, SUBSTRUCTURE, ...) are skipped, and so are lines starting
// with '#'. Each molecule becomes a Molecule: a non-periodic Structure, name from the
// MOLECULE section, strings "mol_type" and "charge_type" (when given), and per_atom
// "partial_charges" (e) when every atom line has a charge and the charge type is not
// NO_CHARGES. Dummy atoms and lone pairs (Du, LP) and other types without an element are
// errors. Problems throw InputError "<file>:<line>: <what>; expected <what>".
#pragma once
#include <istream>
#include <string>
#include <vector>

#include "io/molecule.h"

namespace soapgap {

std::vector<Molecule> read_mol2(const std::string& path);
std::vector<Molecule> read_mol2_stream(std::istream& in, const std::string& name);

// The element of a SYBYL atom type ("C.ar" -> 6); InputError for types without one.
int mol2_element(const std::string& atom_type);

}  // namespace soapgap
