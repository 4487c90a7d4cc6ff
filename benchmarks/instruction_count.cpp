// One prediction (energy, forces, virial) of a fixed structure with a fixed model, for counting
// instructions under callgrind (benchmarks/instruction_count.sh): the count is a noise-free
// measure of the work that CI compares with the number recorded in
// benchmarks/instruction_count.txt. Only evaluate_once() is counted (--toggle-collect), so
// start-up, model construction and output do not matter.
//
// Structure: 64-atom diamond Si cell (a = 5.43 A), rattled by +-0.1 A (seed 5); model: the
// "small" benchmark model (benchmarks/benchmark_models.h: SOAP n_max=l_max=6, M=1000) plus a
// distance_2b term with 20 sparse points.
#include <cstdio>

#include "../tests/test_structures.h"
#include "benchmark_models.h"
#include "model/potential.h"

namespace {

// Not inlined: callgrind toggles collection on entering and leaving it.
__attribute__((noinline)) double evaluate_once(const soapgap::Potential& pot, const soapgap::Structure& s) {
  const soapgap::Prediction p = pot.predict(s);
  return p.energy + p.forces(0, 0) + p.virial(0, 0);
}

}  // namespace

int main() {
  soapgap::PotentialData data = soapgap::bench::model_data(1);
  soapgap::TermData pair;
  pair.spec = "distance_2b cutoff=5 cutoff_transition_width=1 species={14} theta=0.5 delta=1";
  soapgap::SparseGroupData g;
  g.key = "14-14";
  g.sparse_points = Eigen::VectorXd::LinSpaced(20, 2.0, 5.0);
  g.alpha = soapgap::bench::random_vector(20, 1e-2, 7);
  pair.groups.push_back(g);
  data.terms.push_back(pair);
  const soapgap::Potential pot(data);
  soapgap::Structure s = soapgap::testing::diamond(5.43, 2);
  soapgap::testing::rattle(s, 0.1, 5);
  std::printf("%.10f\n", evaluate_once(pot, s));
  return 0;
}
