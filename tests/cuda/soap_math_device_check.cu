// Compile check: the per-atom SOAP mathematics (soap_math.h), the cutoff function and the scalar
// kernel mathematics (kernel_math.h) are usable in CUDA device code, as the Kokkos pair style needs. Built only when
// CMake finds a CUDA compiler (option SOAPGAP_CUDA_COMPILE_CHECK); compiled and linked, not run (the build machines
// have no GPU).
#define SOAPGAP_INLINE __host__ __device__ inline
#include "descriptors/cutoff_function.h"
#include "descriptors/soap_math.h"
#include "kernels/kernel_math.h"

namespace sm = soapgap::soap_math;
namespace km = soapgap::kernel_math;

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

// One thread per centre: the dot-product kernel against M sparse points (energy and dE/dq) and
// one distance_2b pair entry (squared-exponential kernel, cutoff, chain rule to the vector r).
__global__ void kernels_per_atom(int n_atoms, int dim, int m, const double* q, const double* X, const double* alpha,
                                 double d2, int zeta, double theta, const double* rvec, double* energy, double* dEdq,
                                 double* dEdr) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n_atoms) return;
  double e = 0.0;
  for (int d = 0; d < dim; ++d) dEdq[static_cast<long>(i) * dim + d] = 0.0;
  for (int s = 0; s < m; ++s) {
    double g = 0.0;
    for (int d = 0; d < dim; ++d) g += q[static_cast<long>(i) * dim + d] * X[static_cast<long>(s) * dim + d];
    double dk;
    e += alpha[s] * km::dot_product_kernel(d2, zeta, g, &dk);
    e += 0.0 * km::dot_product_kernel(d2, zeta, g) * km::dot_product_power(zeta, g);
    for (int d = 0; d < dim; ++d)
      dEdq[static_cast<long>(i) * dim + d] += alpha[s] * dk * X[static_cast<long>(s) * dim + d];
  }
  const double* r = rvec + 3 * i;
  const double len = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  const double f = km::squared_exponential_factor(theta), u = len - 2.5;
  const double k = km::squared_exponential_kernel(d2, f, u * u);
  double fc, dfc;
  soapgap::cutoff_function(len, 5.0, 1.0, &fc, &dfc);
  km::distance_2b_gradient(r, len, fc * km::squared_exponential_gradient_factor(f, k) * u, k, dfc, dEdr + 3 * i);
  energy[i] = e + fc * k;
}

int main() { return 0; }
