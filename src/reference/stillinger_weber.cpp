#include "reference/stillinger_weber.h"

#include <cmath>

#include "neighbours/neighbour_list.h"

namespace soapgap {

Prediction StillingerWeber::compute(const Structure& s) const {
  const int n = s.size();
  Prediction out;
  out.local_energy = Eigen::VectorXd::Zero(n);
  out.forces = MatrixX3::Zero(n, 3);
  if (n == 0) return out;
  const double rc = cutoff();
  const NeighbourList nl(s, rc);
  MatrixX3 dE_dr = MatrixX3::Zero(nl.n_entries(), 3);
  const double eps = p_.epsilon, sig = p_.sigma;
  // exp(gamma sigma / (r - a sigma)) and its derivative, zero beyond the cutoff.
  auto decay = [&](double r, double g, double* d) {
    if (r >= rc) {
      *d = 0;
      return 0.0;
    }
    const double x = r - rc;
    const double e = std::exp(g * sig / x);
    *d = -e * g * sig / (x * x);
    return e;
  };
  for (int i = 0; i < n; ++i) {
    for (int k = nl.begin(i); k < nl.end(i); ++k) {
      const double r = nl.distance(k);
      if (r >= rc) continue;
      double de;
      const double e = decay(r, 1.0, &de);
      const double sr = sig / r;
      const double poly = p_.B * std::pow(sr, p_.p) - std::pow(sr, p_.q);
      const double dpoly = (-p_.p * p_.B * std::pow(sr, p_.p) + p_.q * std::pow(sr, p_.q)) / r;
      const double phi = p_.A * eps * poly * e;
      const double dphi = p_.A * eps * (dpoly * e + poly * de);
      out.local_energy[i] += 0.5 * phi;
      dE_dr.row(k) += (0.5 * dphi / r) * nl.r(k).transpose();
    }
    for (int j = nl.begin(i); j < nl.end(i); ++j) {
      const double rj = nl.distance(j);
      if (rj >= rc) continue;
      double dej;
      const double ej = decay(rj, p_.gamma, &dej);
      for (int k = j + 1; k < nl.end(i); ++k) {
        const double rk = nl.distance(k);
        if (rk >= rc) continue;
        double dek;
        const double ek = decay(rk, p_.gamma, &dek);
        const Eigen::Vector3d& vj = nl.r(j);
        const Eigen::Vector3d& vk = nl.r(k);
        const double c = vj.dot(vk) / (rj * rk);
        const double dc0 = c - p_.cos_theta0;
        const double le = p_.lambda * eps;
        out.local_energy[i] += le * dc0 * dc0 * ej * ek;
        const Eigen::Vector3d dc_dj = vk / (rj * rk) - c * vj / (rj * rj);
        const Eigen::Vector3d dc_dk = vj / (rj * rk) - c * vk / (rk * rk);
        dE_dr.row(j) += (le * (2 * dc0 * ej * ek * dc_dj + dc0 * dc0 * dej * ek * vj / rj)).transpose();
        dE_dr.row(k) += (le * (2 * dc0 * ej * ek * dc_dk + dc0 * dc0 * ej * dek * vk / rk)).transpose();
      }
    }
  }
  out.energy = out.local_energy.sum();
  accumulate_forces(nl, dE_dr, out.forces, out.virial);
  return out;
}

}  // namespace soapgap
