#include "model/cubic_spline.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "core/error.h"

namespace soapgap {

namespace {

constexpr double kNaturalEnd = 0.99e30;

bool valid_end_slope(double d) { return !std::isnan(d) && d != -std::numeric_limits<double>::infinity(); }

}  // namespace

CubicSpline::CubicSpline(const CubicSplineData& data, const std::string& context) {
  const size_t n = data.x.size();
  if (data.y.size() != n) {
    std::ostringstream msg;
    msg << context << ": spline has " << n << " x values but " << data.y.size() << " y values";
    throw InputError(msg.str());
  }
  if (n < 2) throw InputError(context + ": spline needs at least 2 points, got " + std::to_string(n));
  for (size_t k = 0; k < n; ++k)
    if (!std::isfinite(data.x[k]) || !std::isfinite(data.y[k])) {
      std::ostringstream msg;
      msg << context << ": spline point " << k + 1 << " is not finite (" << data.x[k] << ", " << data.y[k] << ")";
      throw InputError(msg.str());
    }
  if (!valid_end_slope(data.yp1) || !valid_end_slope(data.ypn))
    throw InputError(context + ": spline end derivative is NaN or -infinity");

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return data.x[a] < data.x[b]; });
  x_.resize(n);
  y_.resize(n);
  for (size_t k = 0; k < n; ++k) {
    x_[k] = data.x[order[k]];
    y_[k] = data.y[order[k]];
  }
  for (size_t k = 1; k < n; ++k)
    if (x_[k] == x_[k - 1]) {
      std::ostringstream msg;
      msg << context << ": spline has two points at x = " << x_[k];
      throw InputError(msg.str());
    }

  // Second derivatives: tridiagonal system solved by decomposition + back-substitution.
  yp1_ = data.yp1;
  ypn_ = data.ypn;
  y2_.assign(n, 0.0);
  std::vector<double> u(n, 0.0);
  if (yp1_ > kNaturalEnd) {
    y2_[0] = 0;
    u[0] = 0;
  } else {
    y2_[0] = -0.5;
    u[0] = (3.0 / (x_[1] - x_[0])) * ((y_[1] - y_[0]) / (x_[1] - x_[0]) - yp1_);
  }
  for (size_t i = 1; i + 1 < n; ++i) {
    const double sig = (x_[i] - x_[i - 1]) / (x_[i + 1] - x_[i - 1]);
    const double p = sig * y2_[i - 1] + 2.0;
    y2_[i] = (sig - 1.0) / p;
    u[i] = (y_[i + 1] - y_[i]) / (x_[i + 1] - x_[i]) - (y_[i] - y_[i - 1]) / (x_[i] - x_[i - 1]);
    u[i] = (6.0 * u[i] / (x_[i + 1] - x_[i - 1]) - sig * u[i - 1]) / p;
  }
  double qn = 0, un = 0;
  if (!(ypn_ > kNaturalEnd)) {
    qn = 0.5;
    un = (3.0 / (x_[n - 1] - x_[n - 2])) * (ypn_ - (y_[n - 1] - y_[n - 2]) / (x_[n - 1] - x_[n - 2]));
  }
  y2_[n - 1] = (un - qn * u[n - 2]) / (qn * y2_[n - 2] + 1.0);
  for (size_t k = n - 1; k-- > 0;) y2_[k] = y2_[k] * y2_[k + 1] + u[k];

  // Natural ends: extrapolate with the spline's own end slopes (x_0 and x_{n-1} are in range,
  // so derivative() uses the spline formula there, not yp1_/ypn_).
  if (yp1_ > kNaturalEnd) yp1_ = derivative(x_.front());
  if (ypn_ > kNaturalEnd) ypn_ = derivative(x_.back());
}

int CubicSpline::interval(double x) const {
  int klo = 0, khi = static_cast<int>(x_.size()) - 1;
  while (khi - klo > 1) {
    const int k = (khi + klo) / 2;
    if (x_[k] > x)
      khi = k;
    else
      klo = k;
  }
  return klo;
}

void CubicSpline::evaluate(double x, double& value, double& derivative) const {
  if (x < x_.front()) {
    value = y_.front() + (x - x_.front()) * yp1_;
    derivative = yp1_;
    return;
  }
  if (x > x_.back()) {
    value = y_.back() + (x - x_.back()) * ypn_;
    derivative = ypn_;
    return;
  }
  const int klo = interval(x), khi = klo + 1;
  const double h = x_[khi] - x_[klo];
  const double a = (x_[khi] - x) / h, b = (x - x_[klo]) / h;
  value = a * y_[klo] + b * y_[khi] + ((a * a * a - a) * y2_[klo] + (b * b * b - b) * y2_[khi]) * h * h / 6.0;
  derivative = (y_[khi] - y_[klo]) / h + ((3.0 * b * b - 1.0) * y2_[khi] - (3.0 * a * a - 1.0) * y2_[klo]) * h / 6.0;
}

double CubicSpline::value(double x) const {
  double v, d;
  evaluate(x, v, d);
  return v;
}

double CubicSpline::derivative(double x) const {
  double v, d;
  evaluate(x, v, d);
  return d;
}

}  // namespace soapgap
