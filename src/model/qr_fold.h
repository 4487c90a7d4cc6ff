// Folding rows into the triangular factor of a streamed least-squares problem.
#pragma once
#include <Eigen/Dense>

namespace soapgap {

// Given the upper-triangular R (M x M) and z (M) of the rows folded so far, and a block B
// (rows x M) with targets b, replaces R and z by the factor of [R; B] and the first M entries of
// Q^T [z; b]. b_triangular: B is itself upper triangular with M rows (a TSQR pair). B and b are
// overwritten. With LAPACK (OpenBLAS) this is dtpqrt/dtpmqrt, which exploit R's structure:
// 2 rows M^2 flops (2/3 M^3 for a triangular B); without it, Eigen's Householder QR of the stack.
void fold_rows(Eigen::MatrixXd& R, Eigen::VectorXd& z, Eigen::MatrixXd& B, Eigen::VectorXd& b, bool b_triangular);

// "LAPACK dtpqrt" or "Eigen Householder QR": which fold_rows() this build uses.
const char* fold_rows_method();
// Extra memory fold_rows() needs beyond R and B, in doubles: the stacked copy of Eigen's path.
double fold_rows_workspace(long long rows, long long m);

}  // namespace soapgap
