// Kernels between whole structures (molecules, clusters, cells) built from the kernels of their
// atomic environments, after De, Bartok, Csanyi and Ceriotti, PCCP 18, 13754 (2016):
//
//   C_ij = a_i . b_j   the local kernel: dot product of the unit-length SOAP vectors of atom i of
//                      A and atom j of B, 0 when their central elements differ;
//   average            K(A, B) = 1/(N M) sum_ij C_ij: the mean over all environment pairs (with
//                      this linear local kernel, the dot product of the two mean vectors);
//   match              K(A, B) = max_P sum_ij P_ij C_ij over the transport plans P with row sums
//                      1/N and column sums 1/M. For N = M this is the best one-to-one assignment
//                      (1/N times the largest sum_i C_i,pi(i)). Unequal sizes are solved exactly
//                      as an assignment between L = lcm(N, M) copies (L/N of each environment of
//                      A, L/M of each of B);
//   rematch            K(A, B) = sum_ij P_ij C_ij with P = argmin_P sum_ij P_ij (1 - C_ij + gamma
//                      ln P_ij) over the same plans (entropy-regularised optimal transport:
//                      Sinkhorn, and Newton's method with epsilon scaling where Sinkhorn is slow;
//                      rematch.cpp). gamma -> infinity gives the average kernel, gamma -> 0 the
//                      match kernel: 0 <= match - rematch <= gamma ln min(N, M). Every
//                      gamma > 0 is solved, and K(A, B) = K(B, A) exactly (each pair is solved
//                      in one canonical orientation).
//
// structure_kernel_matrix() normalises, k(A, B) = K(A, B) / sqrt(K(A, A) K(B, B)) (so k(A, A) = 1),
// and raises the result to zeta.
#pragma once
#include <Eigen/Dense>
#include <ostream>
#include <string>
#include <vector>

#include "descriptors/descriptor.h"

namespace soapgap {

// The atomic environments of one structure: unit-length descriptor rows and central elements.
struct StructureEnvironments {
  RowMatrix q;               // n_atoms x D, rows of unit length (or zero)
  std::vector<int> species;  // n_atoms atomic numbers of the centres
  int size() const { return static_cast<int>(species.size()); }
};

enum class StructureKernelKind { Average, Match, REMatch };

struct StructureKernelOptions {
  StructureKernelKind kind = StructureKernelKind::Average;
  double gamma = 0.1;           // rematch: entropy weight (> 0)
  double tolerance = 1e-9;      // rematch: stop when the summed marginal error is below this (or,
                                // for gamma below ~1e-6, below what rounding allows)
  int max_iterations = 100000;  // rematch: Sinkhorn iterations before giving up (an error)
  int max_match_copies = 1200;  // match: largest lcm(N, M) solved exactly
  int zeta = 1;                 // exponent of the normalised kernel
};

// "average", "match", "rematch" (InputError otherwise).
StructureKernelKind parse_structure_kernel_kind(const std::string& name);

// C_ij of two structures (N x M).
Eigen::MatrixXd local_kernel_matrix(const StructureEnvironments& a, const StructureEnvironments& b);

// The unnormalised structure kernels of a local kernel matrix C (N x M, N, M >= 1).
double average_structure_kernel(const Eigen::MatrixXd& C);
double match_structure_kernel(const Eigen::MatrixXd& C, int max_copies = 1200);
double rematch_structure_kernel(const Eigen::MatrixXd& C, double gamma, double tolerance = 1e-9,
                                int max_iterations = 100000);
double structure_kernel(const StructureEnvironments& a, const StructureEnvironments& b,
                        const StructureKernelOptions& options);

// The transport plan P (N x M) behind each kernel, K = sum_ij P_ij C_ij: average 1/(N M)
// everywhere; match the optimal plan (for unequal sizes the lcm-copy assignment folded back onto
// the atoms, each matched pair of copies carrying 1/L); rematch the entropic plan. Rows sum to
// 1/N and columns to 1/M (rematch: to the tolerance). rematch_transport_plan(C^T) is exactly
// rematch_transport_plan(C)^T.
Eigen::MatrixXd match_transport_plan(const Eigen::MatrixXd& C, int max_copies = 1200);
Eigen::MatrixXd rematch_transport_plan(const Eigen::MatrixXd& C, double gamma, double tolerance = 1e-9,
                                       int max_iterations = 100000);
Eigen::MatrixXd structure_transport_plan(const Eigen::MatrixXd& C, const StructureKernelOptions& options);

// The normalised kernel k(X, S)^zeta split over the atoms i of X (a vector of N entries that
// sums to it): share_i = sum_j P_ij C_ij / sqrt(K(X,X) K(S,S)) sums to k = k(X, S), and for
// zeta > 1 each atom keeps its proportion of k, delta_i = k^(zeta-1) share_i (the choice made
// here: k^zeta is not a sum over atoms). self_x, self_s: the unnormalised K(X,X), K(S,S).
Eigen::VectorXd structure_kernel_atom_shares(const StructureEnvironments& x, const StructureEnvironments& s,
                                             const StructureKernelOptions& options, double self_x, double self_s);

// Normalised kernel matrix between the structures of A and B (B = nullptr: A with itself, a
// symmetric matrix with ones on the diagonal). Pairs are computed in parallel (OpenMP), each
// from its own N x M local kernel, never all of them at once; progress lines go to log.
Eigen::MatrixXd structure_kernel_matrix(const std::vector<StructureEnvironments>& A,
                                        const std::vector<StructureEnvironments>* B,
                                        const StructureKernelOptions& options, std::ostream* log = nullptr);

}  // namespace soapgap
