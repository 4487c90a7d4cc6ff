// Scalar mathematics of the covariance functions (kernel.h) and of the distance_2b term, shared
// by the host library (kernel.cpp, distance_2b.cpp) and the Kokkos pair style
// (lammps-plugin/soapgap_kokkos_terms.h), so that the model's formulas exist once.
//
// Header-only and host/device agnostic, with the conventions of soap_math.h: scalars and raw
// pointers only, no allocation, no exceptions, no Eigen dynamic types; a Kokkos/CUDA build
// defines SOAPGAP_INLINE (e.g. as KOKKOS_INLINE_FUNCTION) before including it. The vector
// parts (dot products, squared distances, sums over sparse points, GEMMs) stay with the callers:
// these functions take the scalar that the kernel depends on.
//
// The order of the floating-point operations is part of the definition (the host kernels are
// bit-identical to these functions); do not rearrange them.
#pragma once
#include <cmath>

#ifndef SOAPGAP_INLINE
#define SOAPGAP_INLINE inline
#endif

namespace soapgap {
namespace kernel_math {

// x^n for n >= 0 by repeated squaring (ipow(x, 0) = 1).
SOAPGAP_INLINE double ipow(double x, int n) {
  double r = 1.0;
  while (n > 0) {
    if (n & 1) r *= x;
    x *= x;
    n >>= 1;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Dot-product kernel (SOAP):  k(q, x) = d2 g^zeta,  g = q . x,  d2 = delta^2,  zeta >= 1;
//   dk/dq = d2 zeta g^(zeta-1) x.

// k alone (g^zeta by repeated squaring).
SOAPGAP_INLINE double dot_product_kernel(double d2, int zeta, double g) { return d2 * ipow(g, zeta); }

// p = g^(zeta-1), in terms of which k = d2 p g and dk/dg = d2 zeta p: the factored form for
// sums over sparse points that apply d2 (energy) and d2 zeta (gradient) once, after the sum or
// as a GEMM's scale: sum_s beta_s k(q, x_s) = d2 sum_s beta_s p_s g_s and
// d/dq = d2 zeta sum_s beta_s p_s x_s.
SOAPGAP_INLINE double dot_product_power(int zeta, double g) { return ipow(g, zeta - 1); }

// k and dk/dg = d2 zeta g^(zeta-1). (k is formed as d2 p g, so it may differ from the
// value-only overload in the last bit.)
SOAPGAP_INLINE double dot_product_kernel(double d2, int zeta, double g, double* dk_dg) {
  const double p = dot_product_power(zeta, g);
  *dk_dg = d2 * zeta * p;
  return d2 * p * g;
}

// ---------------------------------------------------------------------------------------------
// Squared-exponential kernel (distance_2b):  k(q, x) = d2 exp(-f r2),  r2 = |q - x|^2,
// f = 1 / (2 theta^2);  dk/dq = -2 f k (q - x).

// f from the length scale theta.
SOAPGAP_INLINE double squared_exponential_factor(double theta) { return 0.5 / (theta * theta); }

// k from the squared distance r2.
SOAPGAP_INLINE double squared_exponential_kernel(double d2, double f, double r2) { return d2 * std::exp(-f * r2); }

// The scalar c of dk/dq = c (q - x) for a kernel value k: c = -2 f k. (With k = 1: -2 f =
// -1/theta^2, the factor of batched sums sum_s beta_s dk_s/dq = -2 f sum_s beta_s k_s (q - x_s).)
SOAPGAP_INLINE double squared_exponential_gradient_factor(double f, double k) { return -2.0 * f * k; }

// ---------------------------------------------------------------------------------------------
// distance_2b descriptor of one neighbour-list entry with vector r (centre -> neighbour) and
// length |r|: q = |r|, weight w = f_cut(|r|) (cutoff_function.h). Chain rule to the vector r
// for a function E(q, w): dE/dr = (dE/dq + dE/dw df_cut/d|r|) r / |r|. Writes g[0..2].
SOAPGAP_INLINE void distance_2b_gradient(const double* r, double length, double dE_dq, double dE_dw, double dfcut,
                                         double* g) {
  const double s = (dE_dq + dE_dw * dfcut) / length;
  g[0] = s * r[0];
  g[1] = s * r[1];
  g[2] = s * r[2];
}

}  // namespace kernel_math
}  // namespace soapgap
