// One QUIP <gpCoordinates>: its kernel attributes, descriptor string, alpha * sparseCutoff and the
// sparse points, inline or from the sparseX file.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/text.h"
#include "io/quip_potential_detail.h"

namespace soapgap::quip_detail {

namespace {

std::string directory_of(const std::string& path) {
  const size_t s = path.find_last_of('/');
  return s == std::string::npos ? std::string() : path.substr(0, s + 1);
}

}  // namespace

QuipCoordinate read_coordinate(const QuipReader& R, const xmlNode* n) {
  QuipCoordinate c;
  c.node = n;
  c.covariance_type = static_cast<int>(R.iattr(n, "covariance_type", 0, 100));
  c.dimension = static_cast<int>(R.iattr(n, "dimensions", 1, 100000000));
  c.delta = R.dattr(n, "signal_variance");
  if (R.dattr(n, "signal_mean", 0.0) != 0.0)
    R.fail(n, "signal_mean=" + R.value(n, "signal_mean") + ": only 0 is supported");
  if (!R.battr(n, "sparsified", true)) R.fail(n, "sparsified=F (a full GP) is not supported");
  if (R.has(n, "n_permutations") && R.iattr(n, "n_permutations", 1, 1000000) != 1)
    R.fail(n, "n_permutations=" + R.value(n, "n_permutations") + ": only 1 is supported");
  const long m = R.iattr(n, "n_sparseX", 1, 100000000);
  const auto desc = xml::child_elements(n, "descriptor");
  if (desc.size() != 1) R.fail(n, "expected one <descriptor>, found " + std::to_string(desc.size()));
  c.descriptor = xml::text_content(desc[0]);
  for (const xmlNode* t : xml::child_elements(n, "theta")) {
    std::istringstream in(xml::text_content(t));
    std::string tok;
    while (in >> tok) c.theta.push_back(R.number(t, "theta", tok));
  }
  if (c.covariance_type == 2) {
    if (R.has(n, "zeta"))
      c.zeta = R.dattr(n, "zeta");
    else if (!c.theta.empty())
      c.zeta = c.theta[0];  // files before the zeta attribute keep zeta in <theta>
    else
      R.fail(n, "dot_product covariance without zeta (no zeta attribute and no <theta>)");
  }
  const auto sparse = xml::child_elements(n, "sparseX");
  if (static_cast<long>(sparse.size()) != m)
    R.fail(n, "n_sparseX=" + std::to_string(m) + " but " + std::to_string(sparse.size()) + " <sparseX> elements");
  c.alpha.resize(m);
  // Filled below from the numbers actually read (never allocated from dimensions alone).
  std::vector<double> values;
  std::vector<bool> seen(m, false);
  std::vector<long> order(m);
  for (long k = 0; k < m; ++k) {
    const xmlNode* s = sparse[k];
    const long i = R.iattr(s, "i", 1, m) - 1;
    if (seen[i]) R.fail(s, "i=" + std::to_string(i + 1) + " given twice");
    seen[i] = true;
    order[k] = i;
    c.alpha[i] = R.dattr(s, "alpha") * R.dattr(s, "sparseCutoff");
    if (!std::isfinite(c.alpha[i]))
      R.fail(s, "alpha=" + R.value(s, "alpha") + " times sparseCutoff=" + R.value(s, "sparseCutoff") +
                    " overflows: expected a finite product");
  }
  if (R.has(n, "sparseX_filename")) {
    const std::string name = R.value(n, "sparseX_filename");
    std::string file = name;
    if (!name.empty() && name[0] != '/') {
      file = directory_of(R.file()) + name;
      if (!std::ifstream(file)) file = name;
    }
    std::error_code ec;
    if (std::filesystem::exists(file, ec) && !std::filesystem::is_regular_file(file, ec))
      // (a directory, FIFO or device such as /dev/zero: an error, or a read that never ends)
      R.fail(n, "sparseX_filename=\"" + name + "\": " + file + " is not a regular file");
    std::ifstream in(file);
    if (!in)
      R.fail(n, "sparseX_filename=\"" + name + "\": cannot open " + file +
                    " (looked beside the XML file and in the working directory)");
    std::string tok;
    const long total = m * static_cast<long>(c.dimension);
    long line = 0;
    while (in >> tok) {
      if (line == total)
        throw InputError(file + ": more than n_sparseX x dimensions = " + std::to_string(total) + " numbers (from " +
                         R.where(n) + ")");
      ++line;
      double v = 0;
      if (!text::parse_double(tok, v) || !std::isfinite(v))
        throw InputError(file + ":" + std::to_string(line) + ": \"" + tok + "\": expected a finite number");
      values.push_back(v);
    }
    if (line != total)
      throw InputError(file + ": ends after " + std::to_string(line) + " numbers; expected n_sparseX x dimensions = " +
                       std::to_string(m) + " x " + std::to_string(c.dimension) + " (from " + R.where(n) + ")");
    c.x = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(values.data(), m,
                                                                                                   c.dimension);
  } else {
    std::vector<std::vector<double>> rows(m);
    for (long k = 0; k < m; ++k) {
      std::istringstream in(xml::text_content(sparse[k]));
      std::string tok;
      std::vector<double>& row = rows[order[k]];
      while (in >> tok) {
        if (static_cast<long>(row.size()) >= c.dimension)
          R.fail(sparse[k], "more than dimensions=" + std::to_string(c.dimension) + " numbers");
        row.push_back(R.number(sparse[k], "value", tok));
      }
      if (static_cast<long>(row.size()) != c.dimension)
        R.fail(sparse[k], std::to_string(row.size()) + " numbers, expected dimensions=" + std::to_string(c.dimension) +
                              " (and no sparseX_filename on <gpCoordinates>)");
    }
    c.x.resize(m, c.dimension);
    for (long i = 0; i < m; ++i)
      for (int d = 0; d < c.dimension; ++d) c.x(i, d) = rows[i][d];
  }
  return c;
}

}  // namespace soapgap::quip_detail
