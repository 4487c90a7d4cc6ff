// Stillinger-Weber potential (Phys. Rev. B 31, 5262 (1985)), silicon parameters by default:
// an analytic many-body "teacher" that labels configurations cheaply, for tests, demos and
// the active-learning loop. E = 1/2 sum_i sum_j phi2(r_ij) + sum_i sum_{j<k} phi3(r_ij, r_ik, theta_jik).
#pragma once
#include "core/structure.h"
#include "model/potential.h"

namespace soapgap {

struct StillingerWeberParameters {
  double epsilon = 2.1683;  // eV
  double sigma = 2.0951;    // Angstrom
  double a = 1.80;          // cutoff = a * sigma
  double lambda = 21.0;
  double gamma = 1.20;
  double cos_theta0 = -1.0 / 3.0;
  double A = 7.049556277;
  double B = 0.6022245584;
  double p = 4.0;
  double q = 0.0;
};

class StillingerWeber {
 public:
  explicit StillingerWeber(StillingerWeberParameters p = {}) : p_(p) {}
  double cutoff() const { return p_.a * p_.sigma; }
  // Energy (eV), forces (eV/Angstrom), virial (eV) and per-atom energies; every atom is
  // treated as the single element the parameters describe.
  Prediction compute(const Structure& s) const;

 private:
  StillingerWeberParameters p_;
};

}  // namespace soapgap
