// Central finite differences of an energy function of a structure: forces -dE/dr and the
// virial -dE/d(strain) (positions and cell deformed by I + eps).
#pragma once
#include "core/structure.h"

namespace soapgap::testing {

template <class EnergyFn>
MatrixX3 finite_difference_forces(const EnergyFn& energy, const Structure& s0, double h = 1e-5) {
  MatrixX3 f(s0.size(), 3);
  for (int i = 0; i < s0.size(); ++i)
    for (int a = 0; a < 3; ++a) {
      Structure s = s0;
      s.positions(i, a) += h;
      const double ep = energy(s);
      s.positions(i, a) -= 2 * h;
      const double em = energy(s);
      f(i, a) = -(ep - em) / (2 * h);
    }
  return f;
}

template <class EnergyFn>
Eigen::Matrix3d finite_difference_virial(const EnergyFn& energy, const Structure& s0, double h = 1e-5) {
  Eigen::Matrix3d w;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      double e[2];
      for (int sign = 0; sign < 2; ++sign) {
        Eigen::Matrix3d eps = Eigen::Matrix3d::Identity();
        eps(a, b) += sign ? -h : h;
        Structure s = s0;
        s.positions = s0.positions * eps.transpose();
        s.cell = s0.cell * eps.transpose();
        e[sign] = energy(s);
      }
      w(a, b) = -(e[0] - e[1]) / (2 * h);
    }
  return w;
}

}  // namespace soapgap::testing
