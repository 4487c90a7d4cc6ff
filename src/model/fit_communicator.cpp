#include "model/fit_communicator.h"

#include "core/error.h"
#include "model/qr_fold.h"

namespace soapgap {

std::pair<size_t, size_t> my_configurations(const std::vector<Structure>& train, const FitCommunicator& comm) {
  const int p = comm.size(), r = comm.rank();
  long long total = 0;
  for (const Structure& s : train) total += std::max(1, s.size());
  // block k holds the configurations whose atom count prefix lies in [k total/p, (k+1) total/p)
  size_t first = train.size(), last = train.size();
  long long prefix = 0;
  for (size_t c = 0; c < train.size(); ++c) {
    const int owner = static_cast<int>(std::min<long long>(p - 1, (prefix * p) / std::max(total, 1LL)));
    if (owner == r && first == train.size()) first = c;
    if (owner > r && last == train.size()) last = c;
    prefix += std::max(1, train[c].size());
  }
  if (first == train.size()) last = train.size();
  return {first, std::max(first, last)};
}

void throw_if_any_failed(const FitCommunicator& comm, const std::string& mine) {
  const std::string first = comm.first_error(mine);
  if (!first.empty()) throw InputError(first);
}

void tsqr_reduce(const FitCommunicator& comm, Eigen::MatrixXd& R, Eigen::VectorXd& z) {
  const int p = comm.size(), r = comm.rank();
  const Eigen::Index m = R.rows();
  for (int step = 1; step < p; step *= 2) {
    if (r % (2 * step) == step) {  // send to the partner and stop
      Eigen::MatrixXd packed(m, m + 1);
      packed << R.triangularView<Eigen::Upper>().toDenseMatrix(), z;
      comm.send(packed, r - step);
      return;
    }
    if (r % (2 * step) == 0 && r + step < p) {
      const Eigen::MatrixXd other = comm.receive(r + step);
      if (other.rows() != m || other.cols() != m + 1)
        throw InputError("fit: rank " + std::to_string(r + step) + " sent a triangle of the wrong size");
      Eigen::MatrixXd B = other.leftCols(m);
      Eigen::VectorXd b = other.col(m);
      fold_rows(R, z, B, b, true);
    }
  }
}

}  // namespace soapgap
