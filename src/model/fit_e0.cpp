#include "model/fit_e0.h"

#include <Eigen/Dense>
#include <algorithm>

#include "core/elements.h"
#include "core/error.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

namespace {

bool is_isolated_atom(const Structure& s, double cutoff) {
  if (s.size() != 1 || !s.energy) return false;
  if (!s.pbc[0] && !s.pbc[1] && !s.pbc[2]) return true;
  return NeighbourList(s, cutoff).n_entries() == 0;
}

// The single-atom configurations' energies by element; with `unique`, a second one of the same
// element is an error (gap_fit's e0_method=isolated), otherwise the first counts.
std::map<int, double> isolated_atom_energies(const std::vector<Structure>& train, double cutoff, bool unique) {
  std::map<int, double> found;
  for (const Structure& s : train) {
    if (!is_isolated_atom(s, cutoff)) continue;
    const int z = s.numbers[0];
    if (found.count(z) && unique)
      throw InputError("e0_method=isolated: more than one isolated-atom configuration of " + element_symbol(z) + " (" +
                       s.source + "); which one is meant is ambiguous");
    found.emplace(z, *s.energy);
  }
  return found;
}

// Least-squares e0 of the unknown elements: per-atom energies fitted as sum_Z x_Z e0_Z (x =
// composition fractions), the known e0 subtracted.
void mean_e0(const std::vector<Structure>& train, const std::vector<int>& unknown, std::map<int, double>& e0,
             std::map<int, std::string>& source) {
  std::vector<int> rows;
  for (size_t c = 0; c < train.size(); ++c)
    if (train[c].energy && train[c].size() > 0) rows.push_back(static_cast<int>(c));
  if (rows.empty()) {
    for (int z : unknown) {
      e0[z] = 0.0;
      source[z] = "zero (no energies)";
    }
    return;
  }
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(rows.size(), unknown.size());
  Eigen::VectorXd b(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const Structure& s = train[rows[r]];
    double e = *s.energy;
    for (int z : s.numbers) {
      auto k = std::find(unknown.begin(), unknown.end(), z);
      if (k != unknown.end())
        A(r, k - unknown.begin()) += 1.0 / s.size();
      else
        e -= e0[z];
    }
    b[r] = e / s.size();
  }
  Eigen::VectorXd x = A.completeOrthogonalDecomposition().solve(b);
  for (size_t k = 0; k < unknown.size(); ++k) {
    e0[unknown[k]] = x[k];
    source[unknown[k]] = "mean";
  }
}

}  // namespace

std::map<int, double> determine_e0(const std::vector<Structure>& train, const std::vector<int>& species,
                                   const FitSettings& settings, double cutoff, std::map<int, std::string>& source) {
  std::map<int, double> e0 = settings.e0;
  for (auto& kv : e0) source[kv.first] = "given";
  if (settings.e0_all)
    for (int z : species)
      if (!e0.count(z)) {
        e0[z] = *settings.e0_all;
        source[z] = "given (every element)";
      }
  const std::string& method = settings.e0_method;
  std::vector<int> unknown;
  for (int z : species)
    if (!e0.count(z)) unknown.push_back(z);
  if (unknown.empty()) return e0;
  if (method == "average") {
    double sum = 0;
    long long n = 0;
    for (const Structure& s : train)
      if (s.energy && s.size() > 0) sum += *s.energy / s.size(), ++n;
    for (int z : unknown) {
      e0[z] = n ? sum / n : 0.0;
      source[z] = n ? "average energy per atom" : "zero (no energies)";
    }
    return e0;
  }
  const std::map<int, double> isolated = isolated_atom_energies(train, cutoff, method == "isolated");
  std::vector<int> rest;
  for (int z : unknown) {
    auto it = isolated.find(z);
    if (it != isolated.end()) {
      e0[z] = it->second;
      source[z] = "isolated atom";
    } else {
      rest.push_back(z);
    }
  }
  if (rest.empty()) return e0;
  if (method == "isolated")
    throw InputError(
        "e0_method=isolated: no isolated-atom configuration (one atom, no neighbour within the cutoff, "
        "with an energy) of " +
        element_symbol(rest[0]) +
        " in the training set; give its e0 or use "
        "e0_method=average");
  mean_e0(train, rest, e0, source);
  return e0;
}

}  // namespace soapgap
