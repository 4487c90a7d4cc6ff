// Sparse GP (projected process) fit of a SOAP-GAP potential to total energies, forces and
// virials:  alpha = (K_MM + K_MN L^-1 K_NM)^-1 K_MN L^-1 y, solved as the least-squares problem
// min |[L^-1/2 K_NM; U] alpha - [L^-1/2 y; 0]|  (K_MM = U^T U) by a streamed Householder QR
// (TSQR): rows are built configuration by configuration and folded into an M x M triangle,
// so memory holds the M x M system plus one block of rows, never the whole K_NM.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/structure.h"
#include "model/potential_data.h"

namespace soapgap {

struct Sigmas {
  double energy = 0.002;  // eV per atom (scaled by sqrt(N_atoms) for a configuration)
  double force = 0.1;     // eV/Angstrom per component
  double virial = 0.05;   // eV per atom per component (scaled by sqrt(N_atoms))
};

struct FitSettings {
  std::vector<std::string> terms;  // term specs (with n_sparse, sparse_method)
  Sigmas sigma;
  std::map<std::string, Sigmas> config_type_sigma;  // overrides by config_type
  std::map<int, double> e0;                         // given isolated-atom energies, eV
  std::optional<double> e0_all;                     // given for every element not in e0 (gap_fit's e0=VALUE)
  // The elements without a given e0: "auto" from single-atom configurations, else the least-squares
  // mean per element; "isolated" every element needs exactly one single-atom configuration (gap_fit's
  // e0_method=isolated); "average" the mean energy per atom over the configurations, the same for
  // every element (gap_fit's e0_method=average).
  std::string e0_method = "auto";
  uint64_t seed = 1;
  double jitter = 1e-8;        // added to the diagonal of K_MM, relative to delta^2
  double sparse_jitter = 0;    // added to the diagonal of K_MM as it is, eV^2 (gap_fit's sparse_jitter)
  bool store_variance = true;  // compute and store the variance factors
  bool use_energy = true, use_forces = true, use_virial = true;
  std::ostream* log = nullptr;  // progress, memory estimates and timings
  // Several processes (model/fit_communicator.h; `mpirun -np N soapgap fit`): every rank calls
  // fit_sparse_gp with the whole training set; the potential is the same whatever N (to
  // rounding); it is complete on rank 0 only (FitResult::root).
  const class FitCommunicator* communicator = nullptr;
};

struct FitResult {
  PotentialData potential;
  std::vector<std::pair<std::string, double>> timings;  // step, seconds
  std::map<int, std::string> e0_source;                 // "given", "isolated atom", "mean"
  long long n_rows = 0;                                 // observations used
  std::vector<int> n_sparse;                            // per term (all groups)
  bool root = true;  // false on the ranks other than 0 of a distributed fit: potential incomplete
};

// Throws InputError on unusable input (no labels, no configurations, NaN...).
FitResult fit_sparse_gp(const std::vector<Structure>& train, const FitSettings& settings);

// The variance factors (kind "posterior") that a fit with the potential's own sparse points on
// train with these settings gives: U from K_MM + jitter, R from the QR of [Lambda^-1/2 K_NM; U]
// (settings.terms and the sparse selection are not used). For a QUIP file refitted with its
// gap_fit settings (soapgap convert --train). alpha_change (optional): max |alpha_refit -
// alpha_file| / max |alpha_file|, which is small when train and settings reproduce the file's fit
// (not for a file with a core potential, whose energies the fit does not subtract).
VarianceFactors refit_variance_factors(const PotentialData& data, const std::vector<Structure>& train,
                                       const FitSettings& settings, double* alpha_change = nullptr);

// The checks of settings against the training set that every front end makes before any work:
// positive sigmas, non-negative jitter, at least one term, and no e0 for an element absent from
// the training set (a typo or the wrong file). `option` and `where` name the e0 setting and
// the training set in messages (e.g. "--e0" and the file; "e0" and "the training set").
void check_fit_settings(const std::vector<Structure>& train, const FitSettings& settings, const std::string& option,
                        const std::string& where);

// The provenance every fit records: soapgap version, date, number of configurations, seed and
// threads. Front ends add their own keys (command line, training file and its SHA-256).
void record_fit_provenance(PotentialData& data, size_t n_configurations, const FitSettings& settings);

}  // namespace soapgap
