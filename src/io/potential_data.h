// Everything a potential file holds, as plain data (no behaviour): what model/ builds
// from a fit and what io/potential_file reads and writes.
#pragma once
#include <Eigen/Dense>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace soapgap {

// Sparse points and weights of one kernel group of one term.
struct SparseGroupData {
  std::string key;                 // group key, as Descriptor::group_keys()
  Eigen::MatrixXd sparse_points;   // M_g x dim (row s = descriptor of sparse point s)
  Eigen::VectorXd alpha;           // M_g weights (eV / delta^2-scaled kernel units)
};

// One additive term: a descriptor with its kernel (a full spec string such as
// "soap n_max=8 l_max=6 cutoff=5 cutoff_transition_width=1 atom_sigma=0.5 central_weight=1
//  species={14} zeta=4 delta=1"), and its groups.
struct TermData {
  std::string spec;
  std::vector<SparseGroupData> groups;
};

struct PotentialData {
  static constexpr int kFormatVersion = 1;
  int format_version = kFormatVersion;
  std::string soapgap_version;
  // Free-form provenance: "date", "command_line", "training_file", "training_sha256",
  // "n_configurations", "host"... written as attributes of <provenance>, in key order.
  std::map<std::string, std::string> provenance;
  std::vector<int> elements;        // atomic numbers the potential covers, sorted
  std::map<int, double> e0;         // isolated-atom energy per Z (eV)
  std::vector<TermData> terms;
  double jitter = 0.0;              // relative jitter added to K_MM in the fit (recorded)
  // Predicted variance: sigma^2(k) = k_self - k^T P k with P = K_MM^-1 - Sigma over all
  // sparse points in file order (terms, then groups, then points). Absent if not stored.
  std::optional<Eigen::MatrixXd> variance_matrix;
};

}  // namespace soapgap
