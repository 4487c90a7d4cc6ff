#include "core/blas_threads.h"

#include <omp.h>

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace soapgap {

void set_blas_threads(int n) {
  if (openblas_set_num_threads) openblas_set_num_threads(n);
}

SingleThreadedBlas::SingleThreadedBlas() { set_blas_threads(1); }
SingleThreadedBlas::~SingleThreadedBlas() { set_blas_threads(omp_get_max_threads()); }

}  // namespace soapgap
