// Compile check: the per-atom SOAP mathematics (soap_math.h) and the cutoff function are
// usable in CUDA device code, as the Kokkos pair style will need. Built only when CMake finds
// a CUDA compiler (option SOAPGAP_CUDA_COMPILE_CHECK); compiled and linked, not run (the
// build machines have no GPU).
#define SOAPGAP_INLINE __host__ __device__ inline
#include "descriptors/cutoff_function.h"
#include "descriptors/soap_math.h"

namespace sm = soapgap::soap_math;

// One thread per atom: density coefficients from its neighbours, power spectrum, normalised
// vector, then the reverse pass for a given dE/dq back to the neighbour displacement vectors.
__global__ void soap_per_atom(sm::SoapMath P, int n_atoms, const int* first, const double* rvec, const int* channel,
                              const int* centre_channel, const double* dEdq, double* q, double* dEdr, double* work,
                              int work_per_atom) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n_atoms) return;
  const int dim = sm::power_spectrum_size(P.n_species, P.n_max, P.l_max);
  const int nc = sm::n_coefficients(P);
  double* c = work + static_cast<long>(i) * work_per_atom;
  double* p = c + nc;
  double* dEdp = p + dim;
  double* dEdc = dEdp + dim;
  double* scratch = dEdc + nc;
  for (int k = 0; k < nc; ++k) c[k] = 0.0;
  sm::add_central(P, centre_channel[i], c);
  for (int k = first[i]; k < first[i + 1]; ++k)
    sm::add_neighbour(P, rvec + 3 * k, c + channel[k] * sm::channel_size(P), scratch);
  sm::power_spectrum(P, c, p);
  const double norm = sm::normalise(dim, p, q + static_cast<long>(i) * dim);
  sm::normalisation_derivative(dim, q + static_cast<long>(i) * dim, norm, dEdq + static_cast<long>(i) * dim, dEdp);
  for (int k = 0; k < nc; ++k) dEdc[k] = 0.0;
  sm::power_spectrum_adjoint(P, c, dEdp, dEdc);
  for (int k = first[i]; k < first[i + 1]; ++k)
    sm::neighbour_gradient(P, rvec + 3 * k, dEdc + channel[k] * sm::channel_size(P), dEdr + 3 * k, scratch);
  double f, df;
  soapgap::cutoff_function(1.0, 2.0, 0.5, &f, &df);
  if (i == 0) q[0] += 0.0 * (f + df);
}

int main() { return 0; }
