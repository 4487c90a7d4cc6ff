// One atomic configuration: cell, periodicity, species, positions and optional reference labels.
// Units: lengths in Angstrom, energies in eV, forces in eV/Angstrom, virial in eV
// (virial = -dE/d(strain) = -stress * volume, ASE's sign convention for stress).
#pragma once
#include <Eigen/Dense>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/matrix_types.h"

namespace soapgap {

// A per-atom column of an extended XYZ file that soapgap does not interpret; kept verbatim
// so that files written back keep it. type is the extxyz type letter: S, R, I or L.
struct ExtraColumn {
  std::string name;
  char type = 'S';
  int ncols = 1;
  std::vector<std::string> values;  // n_atoms * ncols tokens, atom-major
};

struct Structure {
  Eigen::Matrix3d cell = Eigen::Matrix3d::Zero();  // rows are the lattice vectors a, b, c
  std::array<bool, 3> pbc{false, false, false};
  std::vector<int> numbers;  // atomic numbers Z
  MatrixX3 positions;        // n_atoms x 3, Cartesian

  // Reference labels, present when the input file had them.
  std::optional<double> energy;           // total energy
  std::optional<MatrixX3> forces;         // n_atoms x 3
  std::optional<Eigen::Matrix3d> virial;  // symmetric 3x3
  std::string config_type;                // empty when the file had none

  // Per-configuration regularisation overrides (sigma_energy is per atom, as the CLI option).
  std::optional<double> sigma_energy, sigma_force, sigma_virial;

  // Everything else from the comment line and the Properties, kept verbatim for round trips.
  // Values are stored unquoted; the writer quotes them where needed.
  std::vector<std::pair<std::string, std::string>> extra_info;
  std::vector<ExtraColumn> extra_columns;

  // Where it came from, for error messages ("train.xyz:frame 12 (line 345)").
  std::string source;

  int size() const { return static_cast<int>(numbers.size()); }
  // |det(cell)|; only meaningful when all three directions are periodic.
  double volume() const { return std::abs(cell.determinant()); }
  bool fully_periodic() const { return pbc[0] && pbc[1] && pbc[2]; }
};

}  // namespace soapgap
