#include "core/crystals.h"

namespace soapgap {

Structure diamond_cubic(double a, int n, int z1, int z2) {
  static const double basis[8][3] = {{0, 0, 0},       {0, .5, .5},     {.5, 0, .5},     {.5, .5, 0},
                                     {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
  Structure s;
  s.cell = Eigen::Matrix3d::Identity() * a * n;
  s.pbc = {true, true, true};
  s.positions.resize(8 * n * n * n, 3);
  int k = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int l = 0; l < n; ++l)
        for (int b = 0; b < 8; ++b) {
          s.positions.row(k++) = Eigen::RowVector3d(i + basis[b][0], j + basis[b][1], l + basis[b][2]) * a;
          s.numbers.push_back(b < 4 ? z1 : z2);
        }
  return s;
}

Structure diamond_primitive(double a, int z) {
  Structure s;
  s.cell << 0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0;
  s.pbc = {true, true, true};
  s.positions.resize(2, 3);
  s.positions.row(0) = Eigen::RowVector3d(0, 0, 0);
  s.positions.row(1) = Eigen::RowVector3d(a / 4, a / 4, a / 4);
  s.numbers = {z, z};
  return s;
}

}  // namespace soapgap
