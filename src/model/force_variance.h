// Predicted covariance of each atom's force, from the same sparse GP as the local variances
// (model/potential_data.h): the force F_a = -dE/dr_a is a linear functional of the GP, so
//   Cov(F_a) = [P_a - G_a^T K_MM^-1 G_a] + G_a^T Sigma G_a
// with G_a (M x 3) = d k_E / dr_a, the derivative of the structure's kernel vector against all
// sparse points, and P_a the prior covariance of dE/dr_a (the kernel's second derivatives over
// the pairs of environments that depend on atom a). With K_MM = U^T U and Sigma^-1 = R^T R the
// two parts are |U^-T G_a|^2 and |R^-T G_a|^2, as for the local variances.
//
// Cost: one Jacobian per environment (as a fit), one (M x d)(d x 3n_e) product per environment,
// m^2 d per atom for P_a (m: environments within the cutoff of the atom), and two triangular
// solves with 3N right-hand sides (M^2 3N). Memory: the Jacobian blocks of all environments,
// about 24 d sum_e n_e bytes (d: descriptor dimension, n_e: atoms an environment depends on).
#pragma once
#include <Eigen/Dense>
#include <vector>

#include "core/structure.h"
#include "model/potential.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

// Row a: the 3 x 3 covariance of atom a's force, row-major (xx xy xz yx ... zz), eV^2/A^2.
using ForceCovariance = Eigen::Matrix<double, Eigen::Dynamic, 9, Eigen::RowMajor>;

// One row per centre of nl. Every atom of s must be a centre, or (owner) a periodic image of one:
// owner[i] = the centre atom i is an image of (LAMMPS' ghost atoms on one MPI rank), -1 for none;
// an environment that depends on an atom without owner is an InputError (its force's other
// environments would be missing). terms: the terms (0-based) whose variance is wanted; empty =
// all. Throws InputError when the potential has no variance factors.
// prior (optional): the prior covariances P_a alone (tests: finite differences of the prior).
ForceCovariance force_covariance(const Potential& pot, const Structure& s, const NeighbourList& nl,
                                 const std::vector<int>& terms = {}, std::vector<Eigen::Matrix3d>* prior = nullptr,
                                 const std::vector<int>* owner = nullptr);

}  // namespace soapgap
