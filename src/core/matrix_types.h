// The dense matrix types shared by every layer (declared once here).
#pragma once
#include <Eigen/Dense>

namespace soapgap {

using MatrixX3 = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;  // one row per atom or entry
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace soapgap
