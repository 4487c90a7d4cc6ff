// Everything a potential file holds, as plain data (no behaviour): what model/ builds
// from a fit and what io/potential_file reads and writes.
#pragma once
#include <Eigen/Dense>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/glue_data.h"

namespace soapgap {

// Sparse points and weights of one kernel group of one term.
struct SparseGroupData {
  std::string key;                // group key, as Descriptor::group_keys()
  Eigen::MatrixXd sparse_points;  // M_g x dim (row s = descriptor of sparse point s)
  Eigen::VectorXd alpha;          // M_g weights (eV / delta^2-scaled kernel units)
};

// One additive term: a descriptor with its kernel (a full spec string such as
// "soap n_max=8 l_max=6 cutoff=5 cutoff_transition_width=1 atom_sigma=0.5 central_weight=1
//  species={14} zeta=4 delta=1"), and its groups.
struct TermData {
  std::string spec;
  std::vector<SparseGroupData> groups;
};

// What the predicted variance needs, as two upper-triangular factors over all sparse points
// in file order (terms, then groups, then points):
//   K_MM + jitter = U^T U (Cholesky; block-diagonal over the kernel groups)
//   Sigma^-1 = K_MM + K_MN Lambda^-1 K_NM = R^T R (the fit's QR factor)
//   sigma^2(k) = [k_self - |U^-T k|^2] + |R^-T k|^2
// The bracket (the part of k the sparse points cannot represent) is >= 0 exactly; evaluating
// it with triangular solves keeps it accurate where the former P = K_MM^-1 - Sigma did not.
// kind "sparse" (files converted from QUIP, which hold no fit data): U only, R empty, and
//   sigma^2(k) = k_self - |U^-T k|^2, the prior variance the sparse points cannot represent.
struct VarianceFactors {
  Eigen::MatrixXd u;               // M x M, upper triangular
  Eigen::MatrixXd r;               // M x M, upper triangular (empty for kind "sparse")
  std::string kind = "posterior";  // "posterior" (a fit's: U and R) or "sparse" (U only)
  bool sparse_only() const { return kind == "sparse"; }
};

struct PotentialData {
  // 2: the variance is stored as the factors U and R (format 1 stored P = K_MM^-1 - Sigma).
  // 3: a soap term without radial_basis means QUIP's construction (the default since 2026-12);
  //    files of formats 1 and 2 meant soapgap's first basis, and are read as radial_basis=soapgap.
  static constexpr int kFormatVersion = 3;
  int format_version = kFormatVersion;
  std::string soapgap_version;
  // Free-form provenance: "date", "command_line", "training_file", "training_sha256",
  // "n_configurations", "host"... written as attributes of <provenance>, in key order.
  std::map<std::string, std::string> provenance;
  std::vector<int> elements;  // atomic numbers the potential covers, sorted
  std::map<int, double> e0;   // isolated-atom energy per Z (eV)
  std::vector<TermData> terms;
  double jitter = 0.0;  // relative jitter added to K_MM in the fit (recorded)
  // Predicted variance data; absent if not stored.
  std::optional<VarianceFactors> variance;
  // Fixed core potential added to the GP terms (QUIP's Glue); absent for soapgap's own fits.
  std::optional<GlueData> core;
};

}  // namespace soapgap
