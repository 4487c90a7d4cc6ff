// Choice of the sparse (representative) environments among all training environments.
// All methods are deterministic for a given seed and never return two identical rows.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "descriptors/descriptor.h"

namespace soapgap {

// method: "cur"    leverage-score sampling on the top singular vectors of Q (CUR decomposition);
//         "fps"    farthest-point sampling in descriptor space, starting from a seeded random row;
//         "random" uniform sampling without replacement;
//         "all"    every distinct row;
//         "uniform" (one-column Q only) for each point of an even grid of m points spanning
//                  [min, max] (cell centres), the nearest row not yet taken (gap_fit's UNIFORM).
// Returns row indices of Q (at most m; fewer when Q has fewer distinct rows), sorted ascending.
std::vector<int> select_sparse(const RowMatrix& Q, int m, const std::string& method, uint64_t seed);

}  // namespace soapgap
