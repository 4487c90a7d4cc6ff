// A kernel model's value split over the atoms of a structure. For any model that is a weighted
// sum of structure kernels, z(X) = c + sum_s w_s k(X, S_s)^zeta (an SVM: w_s = a_s y_s, c = b;
// a regression: w the regression weights, c the mean and baseline), atom i of X gets
//   delta z_i = sum_s w_s delta_i(X, S_s),
// delta_i of structure_kernel_atom_shares(): the part of each kernel that atom i carries through
// the transport plan of the kernel. sum_i delta z_i = z(X) - c, so the atoms with the largest
// |delta z_i| are those that drive the prediction. Permuting the atoms of X permutes delta z
// (for match when the optimal plan is unique).
#pragma once
#include <Eigen/Dense>
#include <ostream>
#include <vector>

#include "structure/structure_kernel.h"

namespace soapgap {

// One vector of N_X entries per structure of X. Training structures with w_s = 0 are skipped.
std::vector<Eigen::VectorXd> kernel_atom_contributions(const std::vector<StructureEnvironments>& X,
                                                       const std::vector<StructureEnvironments>& train,
                                                       const Eigen::VectorXd& weights,
                                                       const StructureKernelOptions& options);

}  // namespace soapgap
