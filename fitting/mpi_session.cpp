#include "mpi_session.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/error.h"

#ifdef SOAPGAP_WITH_MPI
#include <mpi.h>
#endif

namespace soapgap::cli {

namespace {

const MpiSession* g_session = nullptr;

#ifdef SOAPGAP_WITH_MPI
class MpiCommunicator : public FitCommunicator {
 public:
  MpiCommunicator(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  RowMatrix all_gather_rows(const RowMatrix& local) const override {
    const long long cols = local.cols();
    std::vector<long long> rows(size_);
    long long mine = local.rows();
    MPI_Allgather(&mine, 1, MPI_LONG_LONG, rows.data(), 1, MPI_LONG_LONG, MPI_COMM_WORLD);
    long long total = 0;
    for (long long r : rows) total += r;
    RowMatrix all(total, cols);
    // in blocks of at most 2^30 doubles per message (MPI counts are int)
    long long offset = 0;
    for (int r = 0; r < size_; ++r) {
      double* dst = all.data() + offset * cols;
      if (r == rank_ && rows[r] > 0) std::memcpy(dst, local.data(), sizeof(double) * rows[r] * cols);
      const long long n = rows[r] * cols;
      for (long long done = 0; done < n; done += (1LL << 30))
        MPI_Bcast(dst + done, static_cast<int>(std::min(n - done, 1LL << 30)), MPI_DOUBLE, r, MPI_COMM_WORLD);
      offset += rows[r];
    }
    return all;
  }

  void send(const Eigen::MatrixXd& m, int to) const override {
    long long shape[2] = {m.rows(), m.cols()};
    MPI_Send(shape, 2, MPI_LONG_LONG, to, 1, MPI_COMM_WORLD);
    const long long n = shape[0] * shape[1];
    for (long long done = 0; done < n; done += (1LL << 30))
      MPI_Send(m.data() + done, static_cast<int>(std::min(n - done, 1LL << 30)), MPI_DOUBLE, to, 2, MPI_COMM_WORLD);
  }

  Eigen::MatrixXd receive(int from) const override {
    long long shape[2];
    MPI_Recv(shape, 2, MPI_LONG_LONG, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    Eigen::MatrixXd m(shape[0], shape[1]);
    const long long n = shape[0] * shape[1];
    for (long long done = 0; done < n; done += (1LL << 30))
      MPI_Recv(m.data() + done, static_cast<int>(std::min(n - done, 1LL << 30)), MPI_DOUBLE, from, 2, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
    return m;
  }

  std::string first_error(const std::string& mine) const override {
    const int me = mine.empty() ? size_ : rank_;
    int first = size_;
    MPI_Allreduce(&me, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size_) return "";
    int length = static_cast<int>(mine.size());
    MPI_Bcast(&length, 1, MPI_INT, first, MPI_COMM_WORLD);
    std::string message = rank_ == first ? mine : std::string(length, ' ');
    MPI_Bcast(message.data(), length, MPI_CHAR, first, MPI_COMM_WORLD);
    return size_ > 1 && first != 0 ? message + " (MPI rank " + std::to_string(first) + ")" : message;
  }

  long long sum(long long x) const override {
    long long total = 0;
    MPI_Allreduce(&x, &total, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    return total;
  }

 private:
  int rank_, size_;
};

std::unique_ptr<MpiCommunicator> g_comm;
#endif

}  // namespace

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS", "SLURM_PROCID"})
    if (std::getenv(v)) return true;
  return false;
}

MpiSession::MpiSession(int* argc, char*** argv) {
#ifdef SOAPGAP_WITH_MPI
  if (!argc || !launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  started_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (size_ > 1) g_comm = std::make_unique<MpiCommunicator>(rank_, size_);
#else
  (void)argc;
  (void)argv;
#endif
}

MpiSession::~MpiSession() {
#ifdef SOAPGAP_WITH_MPI
  g_comm.reset();
  if (started_) MPI_Finalize();
#endif
}

const FitCommunicator* MpiSession::communicator() const {
#ifdef SOAPGAP_WITH_MPI
  return g_comm.get();
#else
  return nullptr;
#endif
}

void MpiSession::abort(int code) const {
#ifdef SOAPGAP_WITH_MPI
  if (started_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

const MpiSession& mpi_session() {
  static const MpiSession none(nullptr, nullptr);
  return g_session ? *g_session : none;
}

void set_mpi_session(const MpiSession* s) { g_session = s; }

}  // namespace soapgap::cli
