// Thread count of the external BLAS (OpenBLAS), if one is linked. Large products outside
// OpenMP regions use all threads; inside OpenMP regions BLAS must run single-threaded to
// avoid oversubscription. No-ops when no OpenBLAS is linked.
#pragma once

namespace soapgap {

void set_blas_threads(int n);

// Sets BLAS to one thread for the lifetime of the object (around OpenMP-parallel loops
// that call Eigen products), then back to the OpenMP thread count.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;
};

}  // namespace soapgap
