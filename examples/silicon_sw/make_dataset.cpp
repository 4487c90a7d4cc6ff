// Writes a small silicon data set labelled by the Stillinger-Weber potential (soapgap's own
// analytic reference, src/reference/): strained and rattled bulk, vacancies and a (001) slab,
// as train.xyz and test.xyz (extended XYZ: energy eV, forces eV/A, virial eV, config_type).
// Usage: soapgap_example_sw_dataset OUTPUT_DIR [N_TRAIN_PER_TYPE] [SEED]
#include <cstdlib>
#include <iostream>
#include <string>

#include "core/crystals.h"
#include "core/random.h"
#include "io/extxyz.h"
#include "reference/stillinger_weber.h"

using namespace soapgap;

namespace {

void strain_and_rattle(Structure& s, Random& rng, double strain_amp, double rattle_amp) {
  Eigen::Matrix3d e = Eigen::Matrix3d::Identity();
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) e(a, b) = e(b, a) = e(a, b) + strain_amp * (2 * rng.uniform() - 1);
  s.cell = s.cell * e;
  s.positions = s.positions * e;
  for (int i = 0; i < s.size(); ++i)
    for (int a = 0; a < 3; ++a) s.positions(i, a) += rattle_amp * (2 * rng.uniform() - 1);
}

Structure remove_atom(const Structure& s, int index) {
  Structure t = s;
  t.positions.resize(s.size() - 1, 3);
  t.numbers.clear();
  for (int i = 0, k = 0; i < s.size(); ++i)
    if (i != index) {
      t.positions.row(k++) = s.positions.row(i);
      t.numbers.push_back(s.numbers[i]);
    }
  return t;
}

std::vector<Structure> make_set(int per_type, uint64_t seed) {
  Random rng(seed);
  StillingerWeber sw;
  std::vector<Structure> out;
  auto label = [&](Structure s, const std::string& type) {
    Prediction p = sw.compute(s);
    s.energy = p.energy;
    s.forces = p.forces;
    s.virial = p.virial;
    s.config_type = type;
    out.push_back(s);
  };
  for (int c = 0; c < per_type; ++c) {
    Structure b = diamond_cubic(5.431, 1);
    strain_and_rattle(b, rng, 0.03, 0.05 + 0.1 * rng.uniform());
    label(b, "bulk");
    Structure hot = diamond_cubic(5.431, 2);
    strain_and_rattle(hot, rng, 0.01, 0.25);
    label(hot, "bulk_hot");
    Structure v = remove_atom(diamond_cubic(5.431, 2), static_cast<int>(rng.below(64)));
    strain_and_rattle(v, rng, 0.01, 0.1);
    label(v, "vacancy");
    Structure slab = diamond_cubic(5.431, 1);
    slab.cell(2, 2) += 10.0;  // vacuum along z: two (001) surfaces
    slab.pbc = {true, true, false};
    strain_and_rattle(slab, rng, 0.0, 0.1);
    label(slab, "surface_001");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " OUTPUT_DIR [N_TRAIN_PER_TYPE=10] [SEED=1]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int n = argc > 2 ? std::atoi(argv[2]) : 10;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  if (n < 1) {
    std::cerr << "N_TRAIN_PER_TYPE must be at least 1\n";
    return 2;
  }
  try {
    write_extxyz(dir + "/train.xyz", make_set(n, seed));
    write_extxyz(dir + "/test.xyz", make_set(std::max(2, n / 2), seed + 1000));
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "wrote " << dir << "/train.xyz (" << 4 * n << " configurations) and " << dir << "/test.xyz\n";
  return 0;
}
