// Full neighbour list with periodic images (each pair appears as i->j and j->i).
// Correct for cutoffs larger than half the box (an atom may see several images of the same
// neighbour, and images of itself), for non-periodic directions and for isolated atoms.
#pragma once
#include <Eigen/Dense>
#include <vector>

#include "core/structure.h"

namespace soapgap {

class NeighbourList {
 public:
  // Builds the list of all j (any periodic image, including images of i itself but never
  // the atom i at zero shift) with |r_j + shift - r_i| < cutoff.
  // Throws GeometryError if two atoms (or an atom and an image) are closer than
  // kMinDistance, or if positions/cell are not finite, or if a periodic cell is singular.
  NeighbourList(const Structure& s, double cutoff);

  // A list made by another code (e.g. LAMMPS, with ghost atoms): centres 0..start.size()-2,
  // entries [start[i], start[i+1]) with neighbour index j[k] (which may be any atom of the
  // structure, including ghost atoms beyond the centres) and displacement r[k] = r_j - r_i.
  // Entries at or beyond `cutoff` may be present; descriptors ignore them.
  // Throws InputError on inconsistent sizes and GeometryError for distances below kMinDistance.
  static NeighbourList from_entries(double cutoff, std::vector<int> start, std::vector<int> j,
                                    std::vector<Eigen::Vector3d> r);

  static constexpr double kMinDistance = 0.1;  // Angstrom

  // Number of centres (atoms that have a list). Equal to the structure's size for lists built
  // from a Structure; smaller for external lists whose neighbours include ghost atoms.
  int n_atoms() const { return static_cast<int>(start_.size()) - 1; }
  double cutoff() const { return cutoff_; }
  // Entries of atom i are [begin(i), end(i)).
  int begin(int i) const { return start_[i]; }
  int end(int i) const { return start_[i + 1]; }
  int n_entries() const { return static_cast<int>(j_.size()); }
  int size(int i) const { return start_[i + 1] - start_[i]; }

  int centre(int k) const { return i_[k]; }                // atom i of entry k
  int neighbour(int k) const { return j_[k]; }             // atom j of entry k (index in the structure)
  const Eigen::Vector3d& r(int k) const { return r_[k]; }  // r_j(image) - r_i
  double distance(int k) const { return d_[k]; }

 private:
  NeighbourList() = default;
  double cutoff_ = 0;
  std::vector<int> start_, i_, j_;
  std::vector<Eigen::Vector3d> r_;
  std::vector<double> d_;
};

}  // namespace soapgap
