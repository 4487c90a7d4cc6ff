#include "structure/structure_environments.h"

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

std::vector<StructureEnvironments> structure_environments(const std::vector<Structure>& structures,
                                                          const Descriptor& descriptor,
                                                          const std::string& set_name) {
  std::vector<StructureEnvironments> out;
  out.reserve(structures.size());
  for (size_t k = 0; k < structures.size(); ++k) {
    const Structure& s = structures[k];
    const std::string where =
        "structure " + std::to_string(k) + " of " + set_name + (s.source.empty() ? "" : " (" + s.source + ")");
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
    out.push_back(std::move(se));
  }
  return out;
}

}  // namespace soapgap
