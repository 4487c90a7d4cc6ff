// Evaluates the energy of a diamond-Si cell with a tiny hand-made potential, through the
// installed headers and library.
#include <cmath>
#include <iostream>

#include "core/version.h"
#include "model/potential.h"

int main() {
  soapgap::PotentialData d;
  d.elements = {14};
  d.e0 = {{14, -1.0}};
  soapgap::TermData t;
  t.spec = "distance_2b cutoff=3 cutoff_transition_width=0.5 theta=0.5 delta=1";
  soapgap::SparseGroupData g;
  g.key = "14-14";
  g.sparse_points = Eigen::MatrixXd::Constant(1, 1, 2.35);
  g.alpha = Eigen::VectorXd::Constant(1, 0.1);
  t.groups.push_back(g);
  d.terms.push_back(t);
  soapgap::Potential pot(d);
  soapgap::Structure s;
  s.numbers = {14, 14};
  s.positions.resize(2, 3);
  s.positions << 0, 0, 0, 0, 0, 2.35;
  std::cout << "soapgap " << SOAPGAP_VERSION << " energy " << pot.predict(s).energy << "\n";
  // 2 e0 + 2 ordered pairs * alpha * delta^2 * k(r = x) = -2 + 2 * 0.1 = -1.8
  return std::abs(pot.predict(s).energy + 1.8) < 1e-12 ? 0 : 1;
}
