// Every descriptor type against the one contract of tests/descriptor_contract.h: jacobian vs
// finite differences, backpropagate vs jacobian, spec round trip. A new descriptor type gets
// its rows in kCases and nothing else to write.
#include <gtest/gtest.h>

#include <random>

#include "core/crystals.h"
#include "descriptor_contract.h"
#include "descriptors/descriptor.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

struct Case {
  const char* name;
  const char* spec;
  std::vector<int> species;
};

const std::vector<Case> kCases = {
    {"soap", "soap n_max=6 l_max=4 cutoff=4.5 cutoff_transition_width=1 atom_sigma=0.5", {14}},
    {"soap_first_basis", "soap n_max=5 l_max=3 cutoff=4.5 atom_sigma=0.45 radial_basis=soapgap", {14}},
    {"soap_two_species", "soap n_max=4 l_max=4 cutoff=3.95 atom_sigma=0.6 central_weight=0.7", {6, 14}},
    {"distance_2b", "distance_2b cutoff=4.5 cutoff_transition_width=1", {14}},
    {"distance_2b_two_species", "distance_2b cutoff=3.95 cutoff_transition_width=0.8", {6, 14}},
};

// A rattled periodic cell (two species where the case has two) and a random cluster. Diamond at
// a = 5.2 A has neighbour shells at 2.25, 3.68, 4.31 and 5.2 A (+-0.2 A rattled): the cutoffs
// of kCases stay clear of them, so no pair crosses a cutoff under the finite differences.
std::vector<std::pair<Structure, double>> structures(const std::vector<int>& species) {
  Structure cell = diamond_cubic(5.2, 1, species.front(), species.back());
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-0.12, 0.12);
  for (int i = 0; i < cell.size(); ++i)  // shifted off the cell faces: no atom wraps under +-h
    for (int a = 0; a < 3; ++a) cell.positions(i, a) += 0.3 + 0.05 * a + u(rng);
  const Structure cluster = random_cluster(rng, 7, species, 4.0, 1.7);
  return {{cell, 0.0}, {cluster, 0.0}};
}

class DescriptorContract : public ::testing::TestWithParam<Case> {};

TEST_P(DescriptorContract, JacobianMatchesFiniteDifferences) {
  const Case& c = GetParam();
  const auto d = parse_descriptor(c.spec, c.species);
  for (const auto& [s, unused] : structures(c.species)) {
    check_jacobian_fd(*d, s, d->cutoff());
    check_jacobian_fd(*d, s, d->cutoff() + 1.0);  // entries beyond the cutoff contribute zero
  }
}

TEST_P(DescriptorContract, BackpropagateMatchesJacobian) {
  const Case& c = GetParam();
  const auto d = parse_descriptor(c.spec, c.species);
  for (const auto& [s, unused] : structures(c.species)) check_backpropagate(*d, s, d->cutoff());
}

TEST_P(DescriptorContract, SpecRoundTrip) {
  const Case& c = GetParam();
  for (const auto& [s, unused] : structures(c.species)) check_spec_round_trip(c.spec, c.species, s);
}

INSTANTIATE_TEST_SUITE_P(AllDescriptors, DescriptorContract, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
