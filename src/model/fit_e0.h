// The isolated-atom energies e0 of a fit: given, else by FitSettings::e0_method.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/structure.h"
#include "model/sparse_gp_fit.h"

namespace soapgap {

// e0 for every element of species (atomic numbers); source[Z] says where each came from ("given",
// "isolated atom", "mean", "average energy per atom", ...). cutoff: the largest descriptor cutoff
// (a single atom with no neighbour within it is isolated). Throws InputError for e0_method=isolated
// when an element has no isolated-atom configuration, or more than one.
std::map<int, double> determine_e0(const std::vector<Structure>& train, const std::vector<int>& species,
                                   const FitSettings& settings, double cutoff, std::map<int, std::string>& source);

}  // namespace soapgap
