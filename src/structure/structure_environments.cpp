#include "structure/structure_environments.h"

#include <exception>
#include <set>

#include "core/error.h"
#include "neighbours/neighbour_list.h"

namespace soapgap {

std::vector<int> elements_of(const std::vector<const std::vector<Structure>*>& sets) {
  std::set<int> species;
  for (const std::vector<Structure>* set : sets)
    if (set)
      for (const Structure& s : *set) species.insert(s.numbers.begin(), s.numbers.end());
  return std::vector<int>(species.begin(), species.end());
}

namespace {

StructureEnvironments environments_of(const Structure& s, const Descriptor& descriptor, const std::string& where) {
  if (s.size() == 0) throw InputError(where + ": no atoms");
  Environments env;
  try {
    const NeighbourList nl(s, descriptor.cutoff());
    env = descriptor.compute(s, nl);
  } catch (const GeometryError& e) {
    throw GeometryError(where + ": " + e.what());
  }
  if (env.size() != s.size())
    throw InputError(where + ": the descriptor must give one environment per atom (use soap), got " +
                     std::to_string(env.size()) + " for " + std::to_string(s.size()) + " atoms");
  StructureEnvironments se;
  se.q.resize(s.size(), env.q.cols());
  se.species.resize(s.size());
  for (int e = 0; e < env.size(); ++e) {
    const double norm = env.q.row(e).norm();
    se.q.row(env.atom[e]) = norm > 0 ? Eigen::RowVectorXd(env.q.row(e) / norm) : Eigen::RowVectorXd(env.q.row(e));
    se.species[env.atom[e]] = s.numbers[env.atom[e]];
  }
  return se;
}

}  // namespace

// Threads take whole structures (molecules are too small to share: one parallel region per
// molecule costs more than its descriptor, and far more when another process holds a core).
// The error reported is that of the first failing structure, as in a serial loop.
std::vector<StructureEnvironments> structure_environments(const std::vector<Structure>& structures,
                                                          const Descriptor& descriptor, const std::string& set_name) {
  const long long n = static_cast<long long>(structures.size());
  std::vector<StructureEnvironments> out(structures.size());
  long long first_error = n;
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic)
  for (long long k = 0; k < n; ++k) {
    const Structure& s = structures[k];
    try {
      const std::string where =
          "structure " + std::to_string(k) + " of " + set_name + (s.source.empty() ? "" : " (" + s.source + ")");
      out[k] = environments_of(s, descriptor, where);
    } catch (...) {
#pragma omp critical(structure_environments_error)
      if (k < first_error) {
        first_error = k;
        error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace soapgap
