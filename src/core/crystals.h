// Builders of simple crystal structures (for examples, benchmarks and tests).
#pragma once
#include "core/structure.h"

namespace soapgap {

// Conventional 8-atom diamond cell (lattice constant a, Angstrom) repeated n x n x n;
// with z2 != z1 the second fcc sublattice holds z2 (zincblende).
Structure diamond_cubic(double a, int n = 1, int z1 = 14, int z2 = 14);

// Two-atom primitive diamond cell with fcc lattice vectors (a/2)(0,1,1), (1,0,1), (1,1,0).
Structure diamond_primitive(double a, int z = 14);

}  // namespace soapgap
