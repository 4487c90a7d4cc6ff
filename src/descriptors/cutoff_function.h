// Smooth cosine cutoff shared by all descriptors (host/device agnostic, see soap_math.h):
//   f(r) = 1                                   r <= rc - w
//        = 1/2 (1 + cos(pi (r - rc + w) / w))   rc - w < r < rc
//        = 0                                   r >= rc
// w = 0 gives a (non-smooth) step.
#pragma once
#include <cmath>

#ifndef SOAPGAP_INLINE
#define SOAPGAP_INLINE inline
#endif

namespace soapgap {

// Writes f(r) and df/dr.
SOAPGAP_INLINE void cutoff_function(double r, double rc, double w, double* f, double* df) {
  if (r >= rc) {
    *f = 0.0;
    *df = 0.0;
  } else if (r <= rc - w) {
    *f = 1.0;
    *df = 0.0;
  } else {
    const double pi = 3.14159265358979323846;
    const double t = pi * (r - rc + w) / w;
    *f = 0.5 * (1.0 + std::cos(t));
    *df = -0.5 * pi / w * std::sin(t);
  }
}

}  // namespace soapgap
