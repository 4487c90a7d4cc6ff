#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "core/error.h"
#include "neighbours/neighbour_list.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

// Brute force: all images within a generous range.
std::vector<std::tuple<int, int, long, long, long>> brute(const Structure& s, double rc) {
  std::vector<std::tuple<int, int, long, long, long>> out;
  int range[3];
  for (int a = 0; a < 3; ++a) range[a] = s.pbc[a] ? 6 : 0;
  for (int i = 0; i < s.size(); ++i)
    for (int j = 0; j < s.size(); ++j)
      for (int n0 = -range[0]; n0 <= range[0]; ++n0)
        for (int n1 = -range[1]; n1 <= range[1]; ++n1)
          for (int n2 = -range[2]; n2 <= range[2]; ++n2) {
            if (i == j && n0 == 0 && n1 == 0 && n2 == 0) continue;
            Eigen::RowVector3d d =
                s.positions.row(j) - s.positions.row(i) + n0 * s.cell.row(0) + n1 * s.cell.row(1) + n2 * s.cell.row(2);
            if (d.norm() < rc)
              out.emplace_back(i, j, std::lround(d[0] * 1e6), std::lround(d[1] * 1e6), std::lround(d[2] * 1e6));
          }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::tuple<int, int, long, long, long>> listed(const NeighbourList& nl) {
  std::vector<std::tuple<int, int, long, long, long>> out;
  for (int k = 0; k < nl.n_entries(); ++k)
    out.emplace_back(nl.centre(k), nl.neighbour(k), std::lround(nl.r(k)[0] * 1e6), std::lround(nl.r(k)[1] * 1e6),
                     std::lround(nl.r(k)[2] * 1e6));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(NeighbourList, DiamondShells) {
  Structure s = diamond(5.43, 1);
  NeighbourList nl(s, 5.0);
  for (int i = 0; i < s.size(); ++i) EXPECT_EQ(nl.size(i), 28);  // 4 + 12 + 12 neighbours
  NeighbourList nl2(s, 2.5);
  for (int i = 0; i < s.size(); ++i) EXPECT_EQ(nl2.size(i), 4);
}

TEST(NeighbourList, MatchesBruteForce) {
  std::vector<Structure> cases = {primitive_diamond(), triclinic(), slab(5.43, 1, 1, 6.0), diamond(5.43, 1)};
  rattle(cases[3], 0.3, 11);
  for (const Structure& s : cases)
    for (double rc : {2.0, 3.9, 5.0, 7.5}) EXPECT_EQ(listed(NeighbourList(s, rc)), brute(s, rc)) << "rc=" << rc;
}

TEST(NeighbourList, WrappedPositionsGiveTheSameVectors) {
  Structure s = triclinic();
  Structure shifted = s;
  shifted.positions.row(1) += 3 * s.cell.row(0) - 2 * s.cell.row(2);
  EXPECT_EQ(listed(NeighbourList(s, 5.0)), listed(NeighbourList(shifted, 5.0)));
}

TEST(NeighbourList, IsolatedAndNonPeriodic) {
  Structure s;
  s.numbers = {14};
  s.positions = MatrixX3::Zero(1, 3);
  EXPECT_EQ(NeighbourList(s, 5.0).n_entries(), 0);
  s.numbers = {14, 14};
  s.positions.resize(2, 3);
  s.positions << 0, 0, 0, 0, 0, 2.3;
  NeighbourList nl(s, 5.0);
  ASSERT_EQ(nl.n_entries(), 2);
  EXPECT_NEAR(nl.distance(0), 2.3, 1e-12);
}

TEST(NeighbourList, CoincidentAtomsAreAnError) {
  Structure s = diamond();
  s.positions.row(1) = s.positions.row(0) + Eigen::RowVector3d(0.01, 0, 0);
  EXPECT_THROW(NeighbourList(s, 5.0), GeometryError);
  Structure t = diamond();
  t.positions(2, 0) = std::nan("");
  EXPECT_THROW(NeighbourList(t, 5.0), GeometryError);
}

TEST(NeighbourList, LargeVacuumDoesNotExplode) {
  Structure s;
  s.numbers = {14, 14};
  s.positions.resize(2, 3);
  s.positions << 0, 0, 0, 1e5, 1e5, 1e5;
  EXPECT_EQ(NeighbourList(s, 5.0).n_entries(), 0);
}
