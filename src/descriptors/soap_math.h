// Per-atom SOAP mathematics (see soap.h for the conventions and equations).
//
// Everything here is header-only and host/device agnostic: functions take raw pointers and
// sizes, never allocate, never throw, and use no Eigen dynamic types or standard containers,
// so that a Kokkos/CUDA build can define SOAPGAP_INLINE as KOKKOS_INLINE_FUNCTION and call
// them from kernels. Callers provide all work space (sizes from the *_size functions).
//
// Array layouts (all row-major, contiguous):
//   Y[lm], lm = l*l + l + m (m = -l..l), n_lm = (l_max+1)^2 entries
//   dY[3*lm + d]: gradient of Y_lm(r/|r|) with respect to the vector r (not the unit vector)
//   R[n*(l_max+1) + l]: orthonormalised radial functions R_nl(r)
//   c[(a*n_max + n)*n_lm + lm]: density coefficients, channel a (species), radial n
//   dc[(d*n_max + n)*n_lm + lm]: derivative of one channel's block w.r.t. component d of r_k
//   p / q: power spectrum in the order documented in soap.h
#pragma once
#include <cmath>

#include "descriptors/cutoff_function.h"  // defines SOAPGAP_INLINE unless the caller did

namespace soapgap {
namespace soap_math {

constexpr int kMaxNMax = 32;  // largest n_max the validation allows
constexpr int kMaxLMax = 20;  // largest l_max the validation allows
constexpr double kPi = 3.14159265358979323846;

// Read-only parameters and precomputed tables of one SOAP descriptor. Plain data: the pointers
// refer to arrays owned by the caller (SoapDescriptor on the host; device views later).
struct SoapMath {
  int n_max = 0, l_max = 0, n_species = 0;
  double cutoff = 0, width = 0;       // cutoff radius and transition width w
  double alpha = 0;                   // 1 / (2 atom_sigma^2)
  const double* centres = nullptr;    // n_max radial centres r_n
  const double* W = nullptr;          // n_max x n_max (row-major): R = W g; lower triangular for
                                      // the soapgap basis, full for radial_basis=quip
  const double* central = nullptr;    // n_max: central_weight * R_n0(0) * Y_00
  int central_all_channels = 0;       // 1: the central term goes into every channel (QUIP's
                                      // central_reference_all_species), 0: the centre's own
  const double* ylm_table = nullptr;  // ylm_table_size(l_max) recurrence coefficients
};

SOAPGAP_INLINE int n_lm(int l_max) { return (l_max + 1) * (l_max + 1); }
SOAPGAP_INLINE int n_coefficients(const SoapMath& P) { return P.n_species * P.n_max * n_lm(P.l_max); }
SOAPGAP_INLINE int channel_size(const SoapMath& P) { return P.n_max * n_lm(P.l_max); }

// Length of the power spectrum.
SOAPGAP_INLINE int power_spectrum_size(int n_species, int n_max, int l_max) {
  return (n_species * n_max * (n_max + 1) / 2 + n_species * (n_species - 1) / 2 * n_max * n_max) * (l_max + 1);
}

// ---------------------------------------------------------------------------------------------
// Real orthonormal spherical harmonics (no Condon-Shortley phase):
//   Y_l0 = Qbar_l^0(z),  Y_lm = sqrt2 Qbar_l^m(z) Re[(x + i y)^m],  Y_l,-m = sqrt2 Qbar_l^m(z) Im[(x + i y)^m]
// with (x, y, z) = r/|r| and Qbar_l^m = P_l^m / sin^m(theta) times the normalisation, obtained
// from the normalised recurrences
//   Qbar_m^m = sqrt((2m+1)/(2m)) Qbar_{m-1}^{m-1},  Qbar_0^0 = 1/sqrt(4 pi)
//   Qbar_l^m = a_lm (z Qbar_{l-1}^m - b_lm Qbar_{l-2}^m),
//   a_lm = sqrt((4l^2-1)/(l^2-m^2)),  b_lm = sqrt(((l-1)^2-m^2)/(4(l-1)^2-1)).
// Every factor is a polynomial in (x, y, z), so the gradient has no pole singularity: the
// gradient w.r.t. the vector r is (I - u u^T)/|r| times the gradient of that polynomial.

SOAPGAP_INLINE int ylm_table_size(int l_max) { return 2 * n_lm(l_max); }

// table[2*(l*l+l+m)], table[2*(l*l+l+m)+1] for m >= 0: (a_lm, b_lm) for l > m; for l == m the
// factor Qbar_m^m / Qbar_{m-1}^{m-1} (with the sqrt2 of m > 0 folded into m = 1).
SOAPGAP_INLINE void ylm_table_init(int l_max, double* table) {
  for (int i = 0; i < ylm_table_size(l_max); ++i) table[i] = 0.0;
  for (int m = 0; m <= l_max; ++m) {
    const int diag = 2 * (m * m + 2 * m);
    if (m == 0)
      table[diag] = 1.0 / std::sqrt(4.0 * kPi);
    else if (m == 1)
      table[diag] = std::sqrt(3.0);  // sqrt(3/2) * sqrt2
    else
      table[diag] = std::sqrt((2.0 * m + 1.0) / (2.0 * m));
    for (int l = m + 1; l <= l_max; ++l) {
      const int idx = 2 * (l * l + l + m);
      const double ll = l, mm = m, l1 = l - 1.0;
      table[idx] = std::sqrt((4.0 * ll * ll - 1.0) / (ll * ll - mm * mm));
      table[idx + 1] = std::sqrt((l1 * l1 - mm * mm) / (4.0 * l1 * l1 - 1.0));
    }
  }
}

// Y_lm(r/|r|) for all l <= l_max, and (if dY is not null) the gradients w.r.t. r.
// r must be non-zero.
SOAPGAP_INLINE void spherical_harmonics(int l_max, const double* table, const double* rvec, double* Y, double* dY) {
  const double r = std::sqrt(rvec[0] * rvec[0] + rvec[1] * rvec[1] + rvec[2] * rvec[2]);
  const double inv_r = 1.0 / r;
  const double x = rvec[0] * inv_r, y = rvec[1] * inv_r, z = rvec[2] * inv_r;
  double c_prev = 1.0, s_prev = 0.0;  // Re, Im of (x + i y)^(m-1)
  double cm = 1.0, sm = 0.0;          // Re, Im of (x + i y)^m
  double qmm = 1.0;
  for (int m = 0; m <= l_max; ++m) {
    if (m > 0) {
      c_prev = cm;
      s_prev = sm;
      cm = x * c_prev - y * s_prev;
      sm = x * s_prev + y * c_prev;
    }
    qmm *= table[2 * (m * m + 2 * m)];
    double q2 = 0.0, dq2 = 0.0;  // Qbar_{l-2}^m and its z-derivative
    double q1 = qmm, dq1 = 0.0;  // Qbar_{l-1}^m
    for (int l = m; l <= l_max; ++l) {
      double q, dq;
      if (l == m) {
        q = qmm;
        dq = 0.0;
      } else {
        const double a = table[2 * (l * l + l + m)], b = table[2 * (l * l + l + m) + 1];
        q = a * (z * q1 - b * q2);
        dq = a * (q1 + z * dq1 - b * dq2);
        q2 = q1;
        dq2 = dq1;
        q1 = q;
        dq1 = dq;
      }
      const int l0 = l * l + l;
      if (m == 0) {
        Y[l0] = q;
        if (dY) {
          dY[3 * l0] = 0.0;
          dY[3 * l0 + 1] = 0.0;
          dY[3 * l0 + 2] = dq;
        }
      } else {
        Y[l0 + m] = q * cm;
        Y[l0 - m] = q * sm;
        if (dY) {
          const double qm = q * m;
          dY[3 * (l0 + m)] = qm * c_prev;
          dY[3 * (l0 + m) + 1] = -qm * s_prev;
          dY[3 * (l0 + m) + 2] = dq * cm;
          dY[3 * (l0 - m)] = qm * s_prev;
          dY[3 * (l0 - m) + 1] = qm * c_prev;
          dY[3 * (l0 - m) + 2] = dq * sm;
        }
      }
    }
  }
  if (dY) {
    const int nlm = n_lm(l_max);
    for (int i = 0; i < nlm; ++i) {
      double* g = dY + 3 * i;
      const double ug = x * g[0] + y * g[1] + z * g[2];
      g[0] = (g[0] - x * ug) * inv_r;
      g[1] = (g[1] - y * ug) * inv_r;
      g[2] = (g[2] - z * ug) * inv_r;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scaled modified spherical Bessel functions of the first kind, ib[l] = exp(-x) i_l(x) for
// l = 0..lmax1 (x >= 0). i_0(x) = sinh(x)/x. Regimes:
//   x == 0: exact (1, 0, 0, ...);
//   x < 1: power series i_l(x) = x^l/(2l+1)!! sum_k (x^2/2)^k / (k! (2l+3)(2l+5)...(2l+2k+1));
//   x > max(lmax1(lmax1+1)/2, 20): upward recurrence from the closed forms of ib_0, ib_1
//     (stable there: the error growth is about exp(l^2/x));
//   otherwise: Miller's downward recurrence i_{l-1} = i_{l+1} + (2l+1)/x i_l started at
//     lmax1 + 10 + sqrt(24 x), normalised by the closed form ib_0 = (1 - exp(-2x))/(2x).
// Relative accuracy ~1e-15 for every l (checked against 50-digit references); nothing overflows.
SOAPGAP_INLINE void bessel_scaled(int lmax1, double x, double* ib) {
  if (!(x > 0.0)) {
    ib[0] = 1.0;
    for (int l = 1; l <= lmax1; ++l) ib[l] = 0.0;
    return;
  }
  if (x < 1.0) {
    const double y = 0.5 * x * x, e = std::exp(-x);
    double pref = e;  // exp(-x) x^l / (2l+1)!!
    for (int l = 0; l <= lmax1; ++l) {
      if (l > 0) pref *= x / (2.0 * l + 1.0);
      double t = 1.0, s = 1.0;
      for (int k = 1; k < 40; ++k) {
        t *= y / (k * (2.0 * l + 2.0 * k + 1.0));
        s += t;
        if (t < 1e-17 * s) break;
      }
      ib[l] = pref * s;
    }
    return;
  }
  // 1 - exp(-2x); exp(-2x) < 2^-57 for x >= 20, so 1 - exp(-2x) rounds to 1 there.
  const double em = x >= 20.0 ? 1.0 : -std::expm1(-2.0 * x);
  const double i0 = em / (2.0 * x);
  const double inv_x = 1.0 / x;
  double threshold = 0.5 * lmax1 * (lmax1 + 1.0);
  if (threshold < 20.0) threshold = 20.0;
  if (x > threshold) {
    ib[0] = i0;
    if (lmax1 >= 1) ib[1] = (0.5 * x * (2.0 - em) - 0.5 * em) * inv_x * inv_x;
    for (int l = 1; l < lmax1; ++l) ib[l + 1] = ib[l - 1] - (2.0 * l + 1.0) * inv_x * ib[l];
    return;
  }
  const int start = lmax1 + 10 + static_cast<int>(std::sqrt(24.0 * x));
  double fp = 0.0, f = 1.0;  // f_{l+1}, f_l (arbitrary normalisation)
  for (int l = start; l >= 1; --l) {
    if (l <= lmax1) ib[l] = f;
    const double fm = fp + (2.0 * l + 1.0) * inv_x * f;
    fp = f;
    f = fm;
    if (f > 1e200) {
      f *= 1e-200;
      fp *= 1e-200;
      for (int j = l; j <= lmax1; ++j) ib[j] *= 1e-200;
    }
  }
  const double scale = i0 / f;
  ib[0] = i0;
  for (int l = 1; l <= lmax1; ++l) ib[l] *= scale;
}

SOAPGAP_INLINE int bessel_many_work_size(int lmax1, int count) { return (lmax1 + 1) * count; }

// bessel_scaled for `count` arguments at once: ib[i*(lmax1+1) + l] = exp(-x_i) i_l(x_i).
// Same regimes and accuracy as bessel_scaled; the downward recurrences of all arguments in the
// Miller regime run interleaved (independent lanes: vectorisable, not latency bound), from the
// largest starting order among them. work: bessel_many_work_size(lmax1, count) doubles.
SOAPGAP_INLINE void bessel_scaled_many(int lmax1, int count, const double* x, double* ib, double* work) {
  const int stride = lmax1 + 1;
  double threshold = 0.5 * lmax1 * (lmax1 + 1.0);
  if (threshold < 20.0) threshold = 20.0;
  for (int first = 0; first < count; first += kMaxNMax) {
    const int last = count < first + kMaxNMax ? count : first + kMaxNMax;
    int lane[kMaxNMax];
    double inv_x[kMaxNMax], f[kMaxNMax], fp[kMaxNMax];
    int nm = 0, start = 0;
    for (int i = first; i < last; ++i) {
      if (!(x[i] >= 1.0) || x[i] > threshold) {
        bessel_scaled(lmax1, x[i], ib + i * stride);
        continue;
      }
      const int st = lmax1 + 10 + static_cast<int>(std::sqrt(24.0 * x[i]));
      if (st > start) start = st;
      lane[nm] = i;
      inv_x[nm] = 1.0 / x[i];
      f[nm] = 1.0;
      fp[nm] = 0.0;
      ++nm;
    }
    if (nm == 0) continue;
    // For 1 <= x <= threshold one step multiplies f by at most 1 + (2 start + 1) < 2^8, so
    // checking for overflow every 8 steps against 1e200 is safe.
    double tl = 2.0 * start + 1.0;
    for (int l = start; l >= 1; --l, tl -= 2.0) {
      if (l <= lmax1)
        for (int j = 0; j < nm; ++j) work[l * nm + j] = f[j];
      for (int j = 0; j < nm; ++j) {
        const double fm = fp[j] + tl * inv_x[j] * f[j];
        fp[j] = f[j];
        f[j] = fm;
      }
      if ((l & 7) == 0)
        for (int j = 0; j < nm; ++j)
          if (f[j] > 1e200) {
            f[j] *= 1e-200;
            fp[j] *= 1e-200;
            for (int k = l; k <= lmax1; ++k) work[k * nm + j] *= 1e-200;
          }
    }
    for (int j = 0; j < nm; ++j) {
      const double xi = x[lane[j]];
      const double i0 = (xi >= 20.0 ? 1.0 : -std::expm1(-2.0 * xi)) / (2.0 * xi);
      const double scale = i0 / f[j];
      double* out = ib + lane[j] * stride;
      out[0] = i0;
      for (int l = 1; l <= lmax1; ++l) out[l] = work[l * nm + j] * scale;
    }
  }
}

// d/dx ib_l for l = 0..lmax from ib_0..ib_{lmax+1}:
//   ib_l' = (l ib_{l-1} + (l+1) ib_{l+1}) / (2l+1) - ib_l   (ib_0' = ib_1 - ib_0).
SOAPGAP_INLINE void bessel_scaled_derivative(int lmax, const double* ib, double* dib) {
  dib[0] = ib[1] - ib[0];
  for (int l = 1; l <= lmax; ++l) dib[l] = (l * ib[l - 1] + (l + 1.0) * ib[l + 1]) / (2.0 * l + 1.0) - ib[l];
}

// ---------------------------------------------------------------------------------------------
// Radial functions R_nl(r) = sum_n' W_nn' g_n'l(r), g_nl(r) = exp(-alpha (r - r_n)^2) ib_l(2 alpha r r_n),
// and dR_nl/dr. R, dR: n_max*(l_max+1). work: radial_work_size(P) doubles.
SOAPGAP_INLINE int radial_work_size(const SoapMath& P) {
  return 2 * P.n_max * (P.l_max + 1) + 2 * P.n_max * (P.l_max + 2) + 3 * P.n_max + (P.l_max + 1);
}

SOAPGAP_INLINE void radial_functions(const SoapMath& P, double r, double* R, double* dR, double* work) {
  const int L1 = P.l_max + 1, L2 = P.l_max + 2;
  double* g = work;
  double* dg = g + P.n_max * L1;
  double* ib = dg + P.n_max * L1;  // n_max x (l_max+2)
  double* bw = ib + P.n_max * L2;  // bessel_scaled_many work
  double* x = bw + P.n_max * L2;   // n_max arguments
  double* e = x + P.n_max;         // n_max Gaussians
  double* de = e + P.n_max;        // n_max
  double* dib = de + P.n_max;      // l_max+1
  for (int n = 0; n < P.n_max; ++n) {
    const double rn = P.centres[n];
    x[n] = 2.0 * P.alpha * r * rn;
    e[n] = std::exp(-P.alpha * (r - rn) * (r - rn));
    de[n] = -2.0 * P.alpha * (r - rn);
  }
  bessel_scaled_many(P.l_max + 1, P.n_max, x, ib, bw);
  for (int n = 0; n < P.n_max; ++n) {
    const double* ibn = ib + n * L2;
    bessel_scaled_derivative(P.l_max, ibn, dib);
    const double dx = 2.0 * P.alpha * P.centres[n];
    for (int l = 0; l < L1; ++l) {
      g[n * L1 + l] = e[n] * ibn[l];
      dg[n * L1 + l] = e[n] * (de[n] * ibn[l] + dx * dib[l]);
    }
  }
  for (int n = 0; n < P.n_max; ++n) {
    double a[kMaxLMax + 1], b[kMaxLMax + 1];
    for (int l = 0; l < L1; ++l) a[l] = b[l] = 0.0;
    for (int k = 0; k < P.n_max; ++k) {
      const double w = P.W[n * P.n_max + k];
      if (w == 0.0) continue;  // the upper triangle of the soapgap basis
      for (int l = 0; l < L1; ++l) {
        a[l] += w * g[k * L1 + l];
        b[l] += w * dg[k * L1 + l];
      }
    }
    for (int l = 0; l < L1; ++l) {
      R[n * L1 + l] = a[l];
      dR[n * L1 + l] = b[l];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Per-neighbour basis: Y (n_lm), dY (3 n_lm), fR = f(r) R_nl(r) and dfR = d(f R_nl)/dr
// (n_max (l_max+1) each), i.e. everything that the coefficients and their derivatives need
// from one neighbour. neighbour_basis_size(P) doubles.
SOAPGAP_INLINE int neighbour_basis_size(const SoapMath& P) { return 4 * n_lm(P.l_max) + 2 * P.n_max * (P.l_max + 1); }

// Fills `basis` for the neighbour at rvec (dY only if `gradients`). Returns |r|, or 0 when
// |r| >= cutoff (basis then left unset: the neighbour contributes nothing).
// rwork: radial_work_size(P) doubles.
SOAPGAP_INLINE double neighbour_basis(const SoapMath& P, const double* rvec, bool gradients, double* basis,
                                      double* rwork) {
  const double r = std::sqrt(rvec[0] * rvec[0] + rvec[1] * rvec[1] + rvec[2] * rvec[2]);
  if (!(r < P.cutoff) || r == 0.0) return 0.0;
  const int nlm = n_lm(P.l_max), nL = P.n_max * (P.l_max + 1);
  double* Y = basis;
  double* dY = Y + nlm;
  double* fR = Y + 4 * nlm;
  double* dfR = fR + nL;
  double f, df;
  cutoff_function(r, P.cutoff, P.width, &f, &df);
  spherical_harmonics(P.l_max, P.ylm_table, rvec, Y, gradients ? dY : nullptr);
  radial_functions(P, r, fR, dfR, rwork);
  for (int i = 0; i < nL; ++i) {
    dfR[i] = df * fR[i] + f * dfR[i];
    fR[i] *= f;
  }
  return r;
}

// c_channel[n*n_lm + lm] += fR_nl Y_lm from a filled basis.
SOAPGAP_INLINE void add_basis(const SoapMath& P, const double* basis, double* c_channel) {
  const int nlm = n_lm(P.l_max), L1 = P.l_max + 1;
  const double* Y = basis;
  const double* fR = basis + 4 * nlm;
  for (int n = 0; n < P.n_max; ++n) {
    double* cn = c_channel + n * nlm;
    for (int l = 0; l < L1; ++l) {
      const double a = fR[n * L1 + l];
      for (int lm = l * l; lm <= l * l + 2 * l; ++lm) cn[lm] += a * Y[lm];
    }
  }
}

// Reverse mode from a filled basis (with gradients): out[d] = sum_nlm G_nlm d[fR_nl Y_lm]/dr_d,
// G = dE/dc of the neighbour's channel. V: 2 n_lm doubles of scratch. out is overwritten.
SOAPGAP_INLINE void basis_gradient(const SoapMath& P, const double* rvec, double r, const double* basis,
                                   const double* G, double* out, double* V) {
  const int nlm = n_lm(P.l_max), L1 = P.l_max + 1;
  const double* Y = basis;
  const double* dY = Y + nlm;
  const double* fR = Y + 4 * nlm;
  const double* dfR = fR + P.n_max * L1;
  // V_lm = sum_n fR_nl G_nlm, U_lm = sum_n dfR_nl G_nlm (no reductions in the inner loops), then
  // out = sum_lm V_lm grad Y_lm + r^ sum_lm U_lm Y_lm.
  double* U = V + nlm;
  for (int lm = 0; lm < nlm; ++lm) V[lm] = U[lm] = 0.0;
  for (int n = 0; n < P.n_max; ++n) {
    const double* Gn = G + n * nlm;
    for (int l = 0; l < L1; ++l) {
      const double a = fR[n * L1 + l], b = dfR[n * L1 + l];
      for (int lm = l * l; lm <= l * l + 2 * l; ++lm) {
        V[lm] += a * Gn[lm];
        U[lm] += b * Gn[lm];
      }
    }
  }
  double gx = 0.0, gy = 0.0, gz = 0.0, radial = 0.0;
  for (int lm = 0; lm < nlm; ++lm) {
    gx += V[lm] * dY[3 * lm];
    gy += V[lm] * dY[3 * lm + 1];
    gz += V[lm] * dY[3 * lm + 2];
    radial += U[lm] * Y[lm];
  }
  const double s = radial / r;
  out[0] = gx + s * rvec[0];
  out[1] = gy + s * rvec[1];
  out[2] = gz + s * rvec[2];
}

// Work space of the one-neighbour convenience functions below: basis, V and U, radial work.
SOAPGAP_INLINE int neighbour_work_size(const SoapMath& P) {
  return neighbour_basis_size(P) + 2 * n_lm(P.l_max) + radial_work_size(P);
}

// c_channel[n*n_lm + lm] += f(r) R_nl(r) Y_lm(r^) for one neighbour at displacement rvec
// (nothing for |r| >= cutoff). c_channel points at the block of the neighbour's species.
SOAPGAP_INLINE void add_neighbour(const SoapMath& P, const double* rvec, double* c_channel, double* work) {
  double* basis = work;
  double* rwork = basis + neighbour_basis_size(P) + 2 * n_lm(P.l_max);
  if (neighbour_basis(P, rvec, false, basis, rwork) == 0.0) return;
  add_basis(P, basis, c_channel);
}

// c[(ch*n_max + n)*n_lm + 0] += central_weight R_n0(0) Y_00 for the centre's own channel ch
// (every channel if P.central_all_channels).
SOAPGAP_INLINE void add_central(const SoapMath& P, int ch, double* c) {
  const int nlm = n_lm(P.l_max);
  const int first = P.central_all_channels ? 0 : ch, last = P.central_all_channels ? P.n_species - 1 : ch;
  for (int a = first; a <= last; ++a)
    for (int n = 0; n < P.n_max; ++n) c[(a * P.n_max + n) * nlm] += P.central[n];
}

// Reverse mode for one neighbour: out[d] = sum_nlm G[n*n_lm+lm] d[f R_nl Y_lm]/d r_d, where G is
// dE/dc of the neighbour's channel. out is overwritten (zero outside the cutoff).
SOAPGAP_INLINE void neighbour_gradient(const SoapMath& P, const double* rvec, const double* G, double* out,
                                       double* work) {
  double* basis = work;
  double* V = basis + neighbour_basis_size(P);
  double* rwork = V + 2 * n_lm(P.l_max);
  out[0] = out[1] = out[2] = 0.0;
  const double r = neighbour_basis(P, rvec, true, basis, rwork);
  if (r == 0.0) return;
  basis_gradient(P, rvec, r, basis, G, out, V);
}

// Forward mode for one neighbour: dc[(d*n_max + n)*n_lm + lm] = d[f R_nl Y_lm]/d r_d
// (3 * n_max * n_lm values, all zero outside the cutoff).
SOAPGAP_INLINE void neighbour_coefficient_derivatives(const SoapMath& P, const double* rvec, double* dc, double* work) {
  const int nlm = n_lm(P.l_max), L1 = P.l_max + 1, cs = P.n_max * nlm;
  double* basis = work;
  double* rwork = basis + neighbour_basis_size(P) + 2 * nlm;
  const double r = neighbour_basis(P, rvec, true, basis, rwork);
  if (r == 0.0) {
    for (int i = 0; i < 3 * cs; ++i) dc[i] = 0.0;
    return;
  }
  const double* Y = basis;
  const double* dY = Y + nlm;
  const double* fR = Y + 4 * nlm;
  const double* dfR = fR + P.n_max * L1;
  const double u[3] = {rvec[0] / r, rvec[1] / r, rvec[2] / r};
  for (int n = 0; n < P.n_max; ++n)
    for (int l = 0; l < L1; ++l) {
      const double a = fR[n * L1 + l], b = dfR[n * L1 + l];
      for (int lm = l * l; lm <= l * l + 2 * l; ++lm)
        for (int d = 0; d < 3; ++d) dc[d * cs + n * nlm + lm] = b * u[d] * Y[lm] + a * dY[3 * lm + d];
    }
}

// ---------------------------------------------------------------------------------------------
// Power spectrum: for channel pairs a <= b, n, n' = (a == b ? n : 0)..n_max-1, l:
//   p = s / sqrt(2l+1) sum_m c^a_nlm c^b_n'lm,  s = 1 if (a == b and n == n') else sqrt2.
SOAPGAP_INLINE void power_spectrum(const SoapMath& P, const double* c, double* p) {
  const int nlm = n_lm(P.l_max), N = P.n_max, L1 = P.l_max + 1;
  double norm[kMaxLMax + 1];
  for (int l = 0; l < L1; ++l) norm[l] = 1.0 / std::sqrt(2.0 * l + 1.0);
  const double sqrt2 = std::sqrt(2.0);
  int idx = 0;
  for (int a = 0; a < P.n_species; ++a)
    for (int b = a; b < P.n_species; ++b)
      for (int n = 0; n < N; ++n) {
        const double* ca = c + (a * N + n) * nlm;
        for (int n2 = (a == b ? n : 0); n2 < N; ++n2) {
          const double* cb = c + (b * N + n2) * nlm;
          const double s = (a == b && n == n2) ? 1.0 : sqrt2;
          for (int l = 0; l < L1; ++l) {
            double t = 0.0;
            for (int lm = l * l; lm <= l * l + 2 * l; ++lm) t += ca[lm] * cb[lm];
            p[idx++] = s * norm[l] * t;
          }
        }
      }
}

// Adjoint of power_spectrum: dEdc (n_coefficients, overwritten) from dEdp.
SOAPGAP_INLINE void power_spectrum_adjoint(const SoapMath& P, const double* c, const double* dEdp, double* dEdc) {
  const int nlm = n_lm(P.l_max), N = P.n_max, L1 = P.l_max + 1;
  for (int i = 0; i < n_coefficients(P); ++i) dEdc[i] = 0.0;
  double norm[kMaxLMax + 1];
  for (int l = 0; l < L1; ++l) norm[l] = 1.0 / std::sqrt(2.0 * l + 1.0);
  const double sqrt2 = std::sqrt(2.0);
  int idx = 0;
  for (int a = 0; a < P.n_species; ++a)
    for (int b = a; b < P.n_species; ++b)
      for (int n = 0; n < N; ++n) {
        const double* ca = c + (a * N + n) * nlm;
        double* ga = dEdc + (a * N + n) * nlm;
        for (int n2 = (a == b ? n : 0); n2 < N; ++n2) {
          const double* cb = c + (b * N + n2) * nlm;
          double* gb = dEdc + (b * N + n2) * nlm;
          const double s = (a == b && n == n2) ? 1.0 : sqrt2;
          for (int l = 0; l < L1; ++l) {
            const double k = s * norm[l] * dEdp[idx++];
            for (int lm = l * l; lm <= l * l + 2 * l; ++lm) {
              ga[lm] += k * cb[lm];
              gb[lm] += k * ca[lm];
            }
          }
        }
      }
}

// Forward derivative of the power spectrum for a change of channel ch only:
// dp[d*dim + i] = d p_i / d r_d given dc (3 blocks of n_max*n_lm, see
// neighbour_coefficient_derivatives). dp is overwritten.
SOAPGAP_INLINE void power_spectrum_derivative(const SoapMath& P, const double* c, int ch, const double* dc,
                                              double* dp) {
  const int nlm = n_lm(P.l_max), N = P.n_max, L1 = P.l_max + 1, cs = N * nlm;
  const int dim = power_spectrum_size(P.n_species, N, P.l_max);
  double norm[kMaxLMax + 1];
  for (int l = 0; l < L1; ++l) norm[l] = 1.0 / std::sqrt(2.0 * l + 1.0);
  const double sqrt2 = std::sqrt(2.0);
  int idx = 0;
  for (int a = 0; a < P.n_species; ++a)
    for (int b = a; b < P.n_species; ++b) {
      const int block = (a == b ? N * (N + 1) / 2 : N * N) * L1;
      if (a != ch && b != ch) {
        for (int i = idx; i < idx + block; ++i) dp[i] = dp[dim + i] = dp[2 * dim + i] = 0.0;
        idx += block;
        continue;
      }
      for (int n = 0; n < N; ++n) {
        const double* ca = c + (a * N + n) * nlm;
        for (int n2 = (a == b ? n : 0); n2 < N; ++n2) {
          const double* cb = c + (b * N + n2) * nlm;
          const double s = (a == b && n == n2) ? 1.0 : sqrt2;
          for (int l = 0; l < L1; ++l) {
            const double k = s * norm[l];
            for (int d = 0; d < 3; ++d) {
              double t = 0.0;
              if (a == ch) {
                const double* da = dc + d * cs + n * nlm;
                for (int lm = l * l; lm <= l * l + 2 * l; ++lm) t += da[lm] * cb[lm];
              }
              if (b == ch) {
                const double* db = dc + d * cs + n2 * nlm;
                for (int lm = l * l; lm <= l * l + 2 * l; ++lm) t += ca[lm] * db[lm];
              }
              dp[d * dim + idx] = k * t;
            }
            ++idx;
          }
        }
      }
    }
}

// ---------------------------------------------------------------------------------------------
// q = p/|p|; returns |p|. If |p| == 0, q = 0 (and normalisation_derivative gives 0).
SOAPGAP_INLINE double normalise(int dim, const double* p, double* q) {
  double s = 0.0;
  for (int i = 0; i < dim; ++i) s += p[i] * p[i];
  const double norm = std::sqrt(s);
  const double inv = norm > 0.0 ? 1.0 / norm : 0.0;
  for (int i = 0; i < dim; ++i) q[i] = p[i] * inv;
  return norm;
}

// out = (I - q q^T) v / |p|: maps dp to dq (forward) and dE/dq to dE/dp (reverse; the matrix is
// symmetric). out may alias v. Zero when |p| == 0.
SOAPGAP_INLINE void normalisation_derivative(int dim, const double* q, double norm, const double* v, double* out) {
  if (!(norm > 0.0)) {
    for (int i = 0; i < dim; ++i) out[i] = 0.0;
    return;
  }
  double qv = 0.0;
  for (int i = 0; i < dim; ++i) qv += q[i] * v[i];
  const double inv = 1.0 / norm;
  for (int i = 0; i < dim; ++i) out[i] = (v[i] - q[i] * qv) * inv;
}

}  // namespace soap_math
}  // namespace soapgap
