// Structures shared by the tests: diamond silicon, rattled cells, slabs, triclinic cells.
#pragma once
#include <cmath>
#include <random>
#include <vector>

#include "core/crystals.h"
#include "core/random.h"
#include "core/structure.h"
#include "neighbours/neighbour_list.h"

namespace soapgap::testing {

// Conventional 8-atom diamond cell repeated n x n x n, lattice constant a (Angstrom).
inline Structure diamond(double a = 5.43, int n = 1, int z = 14) { return diamond_cubic(a, n, z, z); }

// Two-atom primitive diamond cell (fcc lattice vectors): smaller than any useful cutoff.
inline Structure primitive_diamond(double a = 5.43) { return diamond_primitive(a); }

inline void rattle(Structure& s, double amplitude, uint64_t seed) {
  Random rng(seed);
  for (int i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a) s.positions(i, a) += amplitude * (2 * rng.uniform() - 1);
}

// A (001) slab of diamond: n x n x layers conventional cells with vacuum along z.
inline Structure slab(double a = 5.43, int n = 1, int layers = 2, double vacuum = 8.0) {
  Structure s = diamond(a, 1);
  Structure out;
  out.cell = Eigen::Matrix3d::Identity() * a * n;
  out.cell(2, 2) = a * layers + vacuum;
  out.pbc = {true, true, false};
  int k = 0;
  out.positions.resize(8 * n * n * layers, 3);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int l = 0; l < layers; ++l)
        for (int b = 0; b < 8; ++b) {
          out.positions.row(k++) = s.positions.row(b) + Eigen::RowVector3d(i, j, l) * a;
          out.numbers.push_back(14);
        }
  return out;
}

// A triclinic cell holding a distorted diamond-like arrangement.
inline Structure triclinic(uint64_t seed = 3) {
  Structure s = primitive_diamond(5.43);
  s.cell.row(0) += Eigen::RowVector3d(0.3, -0.2, 0.1);
  s.cell.row(2) += Eigen::RowVector3d(-0.4, 0.25, 0.2);
  // 2 x 2 x 1 supercell
  Structure t;
  t.cell = s.cell;
  t.cell.row(0) *= 2;
  t.cell.row(1) *= 2;
  t.pbc = {true, true, true};
  t.positions.resize(8, 3);
  int k = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int b = 0; b < 2; ++b) {
        t.positions.row(k++) = s.positions.row(b) + i * s.cell.row(0) + j * s.cell.row(1);
        t.numbers.push_back(14);
      }
  rattle(t, 0.15, seed);
  return t;
}

// Rotation matrix from three angles.
inline Eigen::Matrix3d rotation(double a, double b, double c) {
  return (Eigen::AngleAxisd(a, Eigen::Vector3d::UnitZ()) * Eigen::AngleAxisd(b, Eigen::Vector3d::UnitY()) *
          Eigen::AngleAxisd(c, Eigen::Vector3d::UnitX()))
      .toRotationMatrix();
}

// The structure as LAMMPS hands it to a pair style: the atoms of s (the centres) followed by one
// ghost atom per entry of s's own neighbour list (its image), and a list whose entries point at
// the ghosts. Returns that list; *g receives the structure with the ghosts and (*owner)[k] the
// atom of s that ghost atom s.size() + k is an image of.
inline NeighbourList with_ghost_atoms(const Structure& s, double cutoff, Structure* g, std::vector<int>* owner) {
  const NeighbourList own(s, cutoff);
  *g = s;
  const int n = s.size();
  g->positions.conservativeResize(n + own.n_entries(), 3);
  std::vector<int> start(n + 1, 0), j;
  std::vector<Eigen::Vector3d> r;
  for (int k = 0; k < own.n_entries(); ++k) {
    g->positions.row(n + k) = s.positions.row(own.centre(k)) + own.r(k).transpose();
    g->numbers.push_back(s.numbers[own.neighbour(k)]);
    owner->push_back(own.neighbour(k));
    j.push_back(n + k);
    r.push_back(own.r(k));
  }
  for (int i = 0; i < n; ++i) start[i + 1] = own.end(i);
  return NeighbourList::from_entries(cutoff, start, j, r);
}

// Random non-periodic cluster of n atoms in [0, box)^3, no two closer than min_distance,
// elements cycling through `elements`; draws from rng (so a caller can continue its stream).
inline Structure random_cluster(std::mt19937& rng, int n, const std::vector<int>& elements, double box,
                                double min_distance) {
  std::uniform_real_distribution<double> u(0.0, box);
  Structure s;
  s.positions.resize(n, 3);
  for (int i = 0; i < n;) {
    const Eigen::RowVector3d x(u(rng), u(rng), u(rng));
    bool ok = true;
    for (int j = 0; j < i; ++j) ok = ok && (s.positions.row(j) - x).norm() > min_distance;
    if (!ok) continue;
    s.positions.row(i) = x;
    s.numbers.push_back(elements[i % elements.size()]);
    ++i;
  }
  return s;
}

}  // namespace soapgap::testing
