// Spectra of kernel matrices. The average structure kernel is positive semi-definite (PSD);
// match and rematch matrices need not be (a negative eigenvalue means no feature space
// reproduces them), so learners report the smallest eigenvalue and, where they need a PSD
// matrix, replace K by its nearest PSD matrix in the Frobenius norm: K = V diag(lambda) V^T ->
// V diag(max(lambda, 0)) V^T.
#pragma once
#include <Eigen/Dense>

namespace soapgap {

// The smallest eigenvalue of a symmetric matrix (InputError when K is not square, not finite or
// not symmetric to 1e-8 of its largest entry).
double smallest_eigenvalue(const Eigen::MatrixXd& K);

// Throws InputError (naming `what`) unless K is square, finite and symmetric to 1e-8 relative.
void check_symmetric_kernel(const Eigen::MatrixXd& K, const char* what);

// The nearest PSD matrix: negative eigenvalues set to 0; n_clipped (if given) counts them. With
// relative_tolerance > 0 nothing is clipped (K comes back symmetrised) unless the smallest
// eigenvalue is below -relative_tolerance * max|eigenvalue|. smallest (if given) receives it.
Eigen::MatrixXd clip_negative_eigenvalues(const Eigen::MatrixXd& K, int* n_clipped = nullptr,
                                          double relative_tolerance = 0.0, double* smallest = nullptr);

}  // namespace soapgap
