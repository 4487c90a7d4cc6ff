// MPI for `mpirun -np N soapgap fit` (or srun): MpiSession starts MPI only when the process was
// launched by an MPI launcher (its environment variables) and ends it; communicator() is null in
// one process and in builds without MPI (SOAPGAP_WITH_MPI). The fit itself sees MPI only
// through soapgap::FitCommunicator (model/fit_communicator.h).
#pragma once
#include <string>

#include "model/fit_communicator.h"

namespace soapgap::cli {

class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  const FitCommunicator* communicator() const;
  // Ends every rank at once (a failure outside the collective checks: nobody may wait for us).
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0, size_ = 1;
  bool started_ = false;
};

// The session of this process (set by main).
const MpiSession& mpi_session();
void set_mpi_session(const MpiSession* s);

// True when this process was started by mpirun/mpiexec/srun (OpenMPI, MPICH/Hydra, PMIx, Slurm).
bool launched_by_mpi();

}  // namespace soapgap::cli
