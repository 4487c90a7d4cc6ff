#include "neighbours/neighbour_list.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace soapgap {

namespace {

// "SOURCE: " before a message about structure s, or nothing when s has no name (e.g. from Python).
std::string where(const Structure& s) { return s.source.empty() ? std::string() : s.source + ": "; }

// A full-rank basis whose periodic rows are the structure's lattice vectors; rows of
// non-periodic directions are kept if they complete a well-conditioned basis and are
// otherwise replaced by unit vectors orthogonal to the rest (ASE allows zero vectors there).
Eigen::Matrix3d effective_cell(const Structure& s) {
  Eigen::Matrix3d cell = s.cell;
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a] && cell.row(a).norm() < 1e-8) {
      std::ostringstream msg;
      msg << s.source << (s.source.empty() ? "" : ": ") << "periodic direction " << a << " has a zero lattice vector";
      throw GeometryError(msg.str());
    }
  auto well_conditioned = [](const Eigen::Matrix3d& m) {
    double scale = m.row(0).norm() * m.row(1).norm() * m.row(2).norm();
    return scale > 0 && std::abs(m.determinant()) > 1e-6 * scale;
  };
  if (well_conditioned(cell)) return cell;
  // Rebuild the non-periodic rows by Gram-Schmidt completion of the periodic ones.
  std::vector<Eigen::Vector3d> basis;
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a]) {
      Eigen::Vector3d v = cell.row(a).transpose();
      for (const auto& b : basis) v -= v.dot(b) * b;
      if (v.norm() < 1e-6 * cell.row(a).norm())
        throw GeometryError(where(s) + "the periodic lattice vectors are linearly dependent");
      basis.push_back(v.normalized());
    }
  const Eigen::Vector3d axes[3] = {Eigen::Vector3d::UnitX(), Eigen::Vector3d::UnitY(), Eigen::Vector3d::UnitZ()};
  for (int a = 0; a < 3; ++a) {
    if (s.pbc[a]) continue;
    Eigen::Vector3d best = Eigen::Vector3d::Zero();
    for (const auto& e : axes) {
      Eigen::Vector3d v = e;
      for (const auto& b : basis) v -= v.dot(b) * b;
      if (v.norm() > best.norm()) best = v;
    }
    best.normalize();
    basis.push_back(best);
    cell.row(a) = best.transpose();
  }
  return cell;
}

}  // namespace

NeighbourList::NeighbourList(const Structure& s, double cutoff) : cutoff_(cutoff) {
  const int n = s.size();
  if (!(cutoff > 0) || !std::isfinite(cutoff))
    throw InputError("neighbour list: cutoff must be a positive finite number");
  if (s.positions.rows() != n) throw InputError(where(s) + "positions and species have different lengths");
  if (!s.positions.allFinite()) throw GeometryError(where(s) + "positions contain NaN or Inf");
  if (!s.cell.allFinite()) throw GeometryError(where(s) + "cell contains NaN or Inf");
  start_.assign(n + 1, 0);
  if (n == 0) return;

  const Eigen::Matrix3d cell = effective_cell(s);
  const Eigen::Matrix3d inv = cell.inverse();
  // Wrap periodic fractional coordinates into [0, 1).
  MatrixX3 wrapped(n, 3);
  for (int i = 0; i < n; ++i) {
    Eigen::RowVector3d f = s.positions.row(i) * inv;
    for (int a = 0; a < 3; ++a)
      if (s.pbc[a]) f[a] -= std::floor(f[a]);
    wrapped.row(i) = f * cell;
  }
  // Number of images needed along each periodic direction: plane spacing h_a = 1/|column a of inv|.
  int nimg[3] = {0, 0, 0};
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a]) {
      double h = 1.0 / inv.col(a).norm();
      double count = std::ceil(cutoff / h);
      if (count > 1000)
        throw GeometryError(where(s) +
                            "cell too thin for the cutoff (more than 1000 periodic images in one direction)");
      nimg[a] = static_cast<int>(count);
    }
  Eigen::RowVector3d lo = wrapped.colwise().minCoeff().array() - cutoff;
  Eigen::RowVector3d hi = wrapped.colwise().maxCoeff().array() + cutoff;

  // All images (including the originals) inside the padded bounding box.
  struct Image {
    Eigen::RowVector3d p;
    int j;
  };
  std::vector<Image> images;
  images.reserve(static_cast<size_t>(n));
  for (int n0 = -nimg[0]; n0 <= nimg[0]; ++n0)
    for (int n1 = -nimg[1]; n1 <= nimg[1]; ++n1)
      for (int n2 = -nimg[2]; n2 <= nimg[2]; ++n2) {
        Eigen::RowVector3d shift = n0 * cell.row(0) + n1 * cell.row(1) + n2 * cell.row(2);
        for (int j = 0; j < n; ++j) {
          Eigen::RowVector3d p = wrapped.row(j) + shift;
          if ((p.array() >= lo.array()).all() && (p.array() <= hi.array()).all()) images.push_back({p, j});
        }
      }

  // Cubic bins of edge >= cutoff, at most ~8 bins per image so that vacuum cannot blow up memory.
  Eigen::RowVector3d extent = hi - lo;
  double bin = cutoff;
  const double max_bins = 8.0 * static_cast<double>(images.size()) + 64.0;
  while ((std::floor(extent[0] / bin) + 1) * (std::floor(extent[1] / bin) + 1) * (std::floor(extent[2] / bin) + 1) >
         max_bins)
    bin *= 1.5;
  int nb[3];
  for (int a = 0; a < 3; ++a) nb[a] = static_cast<int>(std::floor(extent[a] / bin)) + 1;
  auto bin_of = [&](const Eigen::RowVector3d& p, int a) {
    return std::min(nb[a] - 1, std::max(0, static_cast<int>(std::floor((p[a] - lo[a]) / bin))));
  };
  const size_t total_bins = static_cast<size_t>(nb[0]) * nb[1] * nb[2];
  std::vector<int> bin_start(total_bins + 1, 0), order(images.size());
  std::vector<size_t> image_bin(images.size());
  for (size_t m = 0; m < images.size(); ++m) {
    image_bin[m] =
        (static_cast<size_t>(bin_of(images[m].p, 0)) * nb[1] + bin_of(images[m].p, 1)) * nb[2] + bin_of(images[m].p, 2);
    ++bin_start[image_bin[m] + 1];
  }
  for (size_t b = 0; b < total_bins; ++b) bin_start[b + 1] += bin_start[b];
  {
    std::vector<int> fill(bin_start.begin(), bin_start.end() - 1);
    for (size_t m = 0; m < images.size(); ++m) order[fill[image_bin[m]]++] = static_cast<int>(m);
  }

  const double rc2 = cutoff * cutoff;
  const double min2 = kMinDistance * kMinDistance;
  for (int i = 0; i < n; ++i) {
    const Eigen::RowVector3d pi = wrapped.row(i);
    int bi[3] = {bin_of(pi, 0), bin_of(pi, 1), bin_of(pi, 2)};
    for (int b0 = std::max(0, bi[0] - 1); b0 <= std::min(nb[0] - 1, bi[0] + 1); ++b0)
      for (int b1 = std::max(0, bi[1] - 1); b1 <= std::min(nb[1] - 1, bi[1] + 1); ++b1)
        for (int b2 = std::max(0, bi[2] - 1); b2 <= std::min(nb[2] - 1, bi[2] + 1); ++b2) {
          size_t b = (static_cast<size_t>(b0) * nb[1] + b1) * nb[2] + b2;
          for (int o = bin_start[b]; o < bin_start[b + 1]; ++o) {
            const Image& im = images[order[o]];
            Eigen::Vector3d d = (im.p - pi).transpose();
            double d2 = d.squaredNorm();
            if (d2 >= rc2) continue;
            if (d2 < min2) {
              if (im.j == i && d2 == 0.0) continue;  // the atom itself
              std::ostringstream msg;
              msg << s.source << (s.source.empty() ? "" : ": ") << "atoms " << i << " and " << im.j
                  << (im.j == i ? " (periodic image)" : "") << " are " << std::sqrt(d2) << " Angstrom apart (less than "
                  << kMinDistance << " Angstrom): atoms on top of each other";
              throw GeometryError(msg.str());
            }
            i_.push_back(i);
            j_.push_back(im.j);
            r_.push_back(d);
            d_.push_back(std::sqrt(d2));
          }
        }
    start_[i + 1] = static_cast<int>(j_.size());
  }
}

NeighbourList NeighbourList::from_entries(double cutoff, std::vector<int> start, std::vector<int> j,
                                          std::vector<Eigen::Vector3d> r) {
  if (!(cutoff > 0) || !std::isfinite(cutoff))
    throw InputError("neighbour list: cutoff must be a positive finite number");
  if (start.empty() || start.front() != 0 || static_cast<size_t>(start.back()) != j.size() || j.size() != r.size())
    throw InputError("neighbour list: inconsistent entry arrays");
  NeighbourList nl;
  nl.cutoff_ = cutoff;
  nl.i_.resize(j.size());
  nl.d_.resize(j.size());
  for (size_t i = 0; i + 1 < start.size(); ++i) {
    if (start[i + 1] < start[i]) throw InputError("neighbour list: entry offsets must not decrease");
    for (int k = start[i]; k < start[i + 1]; ++k) {
      nl.i_[k] = static_cast<int>(i);
      nl.d_[k] = r[k].norm();
      if (j[k] < 0) throw InputError("neighbour list: negative neighbour index");
      if (!(nl.d_[k] >= kMinDistance)) {
        std::ostringstream msg;
        msg << "atoms " << i << " and " << j[k] << " are " << nl.d_[k] << " Angstrom apart (less than " << kMinDistance
            << " Angstrom): atoms on top of each other";
        throw GeometryError(msg.str());
      }
    }
  }
  nl.start_ = std::move(start);
  nl.j_ = std::move(j);
  nl.r_ = std::move(r);
  return nl;
}

}  // namespace soapgap
