// Plain data of a "Glue" core potential (QUIP's IPModel_Glue: an EAM-like density/embedding
// term plus pair splines), as potential files hold it. model/glue_core.h evaluates it.
#pragma once
#include <vector>

namespace soapgap {

// Knots (x, y) of a cubic spline and its end derivatives; yp1 or ypn > 0.99e30 means a
// natural end (zero second derivative), as in QUIP's Spline.
struct CubicSplineData {
  std::vector<double> x, y;
  double yp1 = 0, ypn = 0;
};

struct GlueElementData {
  int Z = 0;
  CubicSplineData density;      // (r, rho): the density an atom of this element gives a neighbour
  bool density_spline = false;  // false: rho(r) = c (r_c - r)^3 fitted to the points (QUIP default)
  CubicSplineData embedding;    // (rho, E): embedding energy F(rho) of an atom of this element
};

struct GluePairData {
  int Z1 = 0, Z2 = 0;         // applies to both orders
  CubicSplineData potential;  // (r, E)
};

struct GlueData {
  std::vector<GlueElementData> elements;
  std::vector<GluePairData> pairs;
};

}  // namespace soapgap
