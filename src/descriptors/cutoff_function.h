// Smooth cosine cutoff: 1 for r <= rc - w, 1/2 (1 + cos(pi (r - rc + w) / w)) up to rc, 0 beyond.
#pragma once
#include <cmath>

#ifndef SOAPGAP_INLINE
#define SOAPGAP_INLINE inline
#endif

namespace soapgap {

// Returns f(r) and writes df/dr.
SOAPGAP_INLINE double cosine_cutoff(double r, double rc, double w, double* dfdr) {
  if (r >= rc) {
    *dfdr = 0.0;
    return 0.0;
  }
  if (r <= rc - w || w <= 0.0) {
    *dfdr = 0.0;
    return 1.0;
  }
  const double pi = 3.14159265358979323846;
  const double x = pi * (r - rc + w) / w;
  *dfdr = -0.5 * std::sin(x) * pi / w;
  return 0.5 * (1.0 + std::cos(x));
}

}  // namespace soapgap
