// NumPy .npy files of float64 matrices (format version 1.0): what numpy.load reads.
// The header is "{'descr': '<f8', 'fortran_order': False, 'shape': (rows, cols), }", padded
// with spaces and ended by '\n' so that the data start at a multiple of 64 bytes; the data are
// little-endian doubles in C (row-major) order.
#pragma once
#include <Eigen/Dense>
#include <iosfwd>
#include <string>

namespace soapgap {

// Writes m as a 2-D array (rows x cols).
void write_npy(std::ostream& out, const Eigen::MatrixXd& m);
// Writes `path` via `path`.tmp, renamed into place once complete; InputError when it cannot.
void write_npy(const std::string& path, const Eigen::MatrixXd& m);

// Reads a 1-D (as one row) or 2-D float64 array ('<f8' or '>f8', C or Fortran order, versions
// 1.0-3.0). InputError "<path>: <what>" for anything else.
Eigen::MatrixXd read_npy(const std::string& path);
Eigen::MatrixXd read_npy_stream(std::istream& in, const std::string& name);

}  // namespace soapgap
