// The linear assignment problem: a one-to-one matching of the rows and columns of a square
// weight matrix with the largest total weight (Hungarian algorithm with potentials, O(n^3)).
#pragma once
#include <Eigen/Dense>
#include <vector>

namespace soapgap {

// column[i] = the column matched to row i, maximising sum_i W(i, column[i]). W must be square
// and finite (throws InputError otherwise). Ties are broken deterministically.
std::vector<int> max_weight_assignment(const Eigen::MatrixXd& W);

}  // namespace soapgap
