// What a fit distributed over several processes needs from them (`mpirun -np N soapgap fit`):
// an interface that the command line implements over MPI (fitting/mpi_communicator.cpp), so that
// the library itself does not depend on MPI. A fit without one runs in one process.
//
// The distributed fit (model/sparse_gp_fit.h): every rank reads the whole training set and takes
// a contiguous block of configurations balanced by atom count (my_configurations); it computes
// their descriptors; the candidate descriptors of each kernel group are gathered in
// configuration order, so that every rank selects the same sparse points as one process would;
// each rank folds its rows into its own triangle R, and tsqr_reduce combines the triangles by a
// binary tree of QR factorisations of stacked pairs, ending on rank 0, which solves and writes.
#pragma once
#include <Eigen/Dense>
#include <string>
#include <utility>
#include <vector>

#include "core/matrix_types.h"
#include "core/structure.h"

namespace soapgap {

class FitCommunicator {
 public:
  virtual ~FitCommunicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every rank's rows, concatenated in rank order, on every rank (collective).
  virtual RowMatrix all_gather_rows(const RowMatrix& local) const = 0;
  // Point to point (a matrix with its shape).
  virtual void send(const Eigen::MatrixXd& m, int to) const = 0;
  virtual Eigen::MatrixXd receive(int from) const = 0;
  // Collective: the message of the lowest rank whose `mine` is not empty, or "" when none is.
  virtual std::string first_error(const std::string& mine) const = 0;
  // Collective sum over ranks.
  virtual long long sum(long long x) const = 0;
};

// The configurations [first, last) of this rank: contiguous blocks in file order, balanced by
// atom count (the same split on every rank).
std::pair<size_t, size_t> my_configurations(const std::vector<Structure>& train, const FitCommunicator& comm);

// Collective: throws InputError with the first rank's message on every rank when any rank has
// one (so that no rank waits for another that stopped).
void throw_if_any_failed(const FitCommunicator& comm, const std::string& mine);

// Collective: [R; z^T] of every rank (upper-triangular M x M and M) combined into the triangle of
// the stacked rows by a binary tree of Householder QRs; the result is on rank 0 (the other
// ranks' R and z are left undefined).
void tsqr_reduce(const FitCommunicator& comm, Eigen::MatrixXd& R, Eigen::VectorXd& z);

}  // namespace soapgap
