// Interpolating cubic spline through points (x_k, y_k), as in QUIP's Spline type (used by the
// Glue core potential): second derivatives from the classic tridiagonal system with clamped
// (given first derivative) or natural (zero second derivative) end conditions, and linear
// extrapolation outside [x_0, x_{n-1}] with the end slopes.
//
// End conditions: yp1 (at x_0) and ypn (at x_{n-1}) are first derivatives; a value above
// 0.99e30 (e.g. 1e30 or +infinity) selects the natural end instead, and the stored yp1/ypn
// then become the spline's own slope at that end, so that extrapolation stays C1.
#pragma once
#include <string>
#include <vector>

#include "model/glue_data.h"  // CubicSplineData

namespace soapgap {

class CubicSpline {
 public:
  // Throws InputError(context + ": ...") for fewer than 2 points, x and y of different sizes,
  // non-finite x, y (or NaN / -infinity end derivatives) or two knots with the same x.
  CubicSpline(const CubicSplineData& data, const std::string& context);

  // The spline inside [min_knot(), max_knot()], y_0 + (x - x_0) yp1 below and
  // y_{n-1} + (x - x_{n-1}) ypn above.
  double value(double x) const;
  // d value / dx (yp1 below the range, ypn above it).
  double derivative(double x) const;
  // Both at once (one interval search).
  void evaluate(double x, double& value, double& derivative) const;

  double min_knot() const { return x_.front(); }
  double max_knot() const { return x_.back(); }
  int size() const { return static_cast<int>(x_.size()); }
  const std::vector<double>& x() const { return x_; }  // sorted
  const std::vector<double>& y() const { return y_; }
  // End slopes used for extrapolation (the spline's own slope at a natural end).
  double yp1() const { return yp1_; }
  double ypn() const { return ypn_; }

 private:
  // Inside the range: the interval [x_klo, x_klo+1] holding x (bisection).
  int interval(double x) const;
  std::vector<double> x_, y_, y2_;
  double yp1_ = 0, ypn_ = 0;
};

}  // namespace soapgap
