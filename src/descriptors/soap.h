// SOAP (smooth overlap of atomic positions) power-spectrum descriptor with exact derivatives.
//
// Conventions (soapgap's own; per centre atom i, neighbour-list entries k of i with
// displacement r_k = r_j(image) - r_i, r = |r_k|, channel a = index of Z_j in `species`):
//
//   cutoff         f(r) = 1                                   r <= r_c - w
//                       = 1/2 (1 + cos(pi (r - r_c + w) / w))   r_c - w < r < r_c
//                       = 0                                   r >= r_c
//                  (w = cutoff_transition_width; w = 0 is a hard, non-smooth step)
//   radial centres r_n = n r_b / n_max, n = 0..n_max-1, r_b = r_c + sigma sqrt(2 x ln 10)
//                  (x = basis_error_exponent, default 10: the grid reaches past the cutoff, where
//                  the smeared density still has weight);  alpha = 1 / (2 sigma^2), sigma = atom_sigma
//   radial         g_nl(r) = exp(-alpha (r - r_n)^2) ib_l(2 alpha r r_n),
//                  ib_l(x) = exp(-x) i_l(x) (scaled modified spherical Bessel function):
//                  the Gaussian-smeared neighbour density at radius r_n projected on l
//   metric         C_nn' = exp(-alpha (r_n - r_n')^2) (the Gaussians e_n at the centres: C^-1
//                  interpolates the sampled density by them), S_nn' = int_0^inf r^2 e_n e_n' dr
//                  (closed form with erf) = L L^T (Cholesky), W = L^T C^-1 (full), so that
//                  R_nl(r) = sum_n' W_nn' g_n'l(r) and c.c is the SOAP integral int r^2 rho rho' dr
//                  of the interpolated densities (QUIP's EQUISPACED_GAUSS construction; why it is
//                  the default: docs/radial-basis.md)
//   coefficients   c^a_nlm = sum_{k in channel a} f(r_k) R_nl(r_k) Y_lm(r_k / r_k)
//                            + [a = channel of the centre] central_weight R_n0(0) Y_00,
//                  R_n0(0) = L_0n (= sum_n' W_nn' exp(-alpha r_n'^2), as r_0 = 0), Y_00 = 1/sqrt(4 pi);
//                  Y_lm real orthonormal spherical harmonics (no Condon-Shortley phase:
//                  Y_11 ~ x, Y_1-1 ~ y, Y_10 ~ z)
//   power spectrum for channel pairs a <= b (species order), n = 0..n_max-1,
//                  n' = (a == b ? n : 0)..n_max-1, l = 0..l_max (l fastest):
//                  p = s / sqrt(2l+1) sum_m c^a_nlm c^b_n'lm,
//                  s = 1 if (a == b and n == n') else sqrt2,
//                  so that p.p' is the full sum over all (a, b, n, n') of the unnormalised one.
//                  dimension = S n_max (n_max+1)/2 (l_max+1) + S(S-1)/2 n_max^2 (l_max+1)
//                  (S = number of species; n_max = 10, l_max = 12, S = 1: 715)
//   environment    q = p / |p|, weight 1, one per atom, group = channel of the centre.
//                  If |p| = 0 (an isolated atom with central_weight = 0) q = 0 and all its
//                  derivatives are taken as 0.
//   derivatives    dq/dp = (I - q q^T) / |p|; reverse mode dE/dp = (dE/dq - q (q.dE/dq)) / |p|,
//                  dE/dc from dE/dp, then dE/dr_k = sum_nlm dE/dc^a_nlm d[f R_nl Y_lm]/dr_k.
//                  Entries with r_k >= r_c contribute nothing (the neighbour list may have a
//                  larger cutoff than the descriptor).
//
// Options (defaults give the conventions above; spec() names them only when they differ):
//   radial_basis=soapgap  soapgap's first basis (potential files of formats 1 and 2 mean it when
//                      they name none): centres r_n = r_c (n + 1/2) / n_max, S_nn' =
//                      exp(-(r_n - r_n')^2 / (4 sigma^2)) = L L^T, W = L^-1 (lower triangular),
//                      R_n0(0) = sum_n' W_nn' exp(-alpha r_n'^2). Its metric b^T S^-1 b is not the
//                      SOAP integral; held-out errors stop improving beyond n_max ~ 6.
//   radial_basis=quip basis_error_exponent=x  the default construction with another x (QUIP
//                      files carry both keys).
//   central_reference_all_species=T  the central term goes into every density channel.
//   species_channels=merged          all species share one density channel (QUIP's species_Z=0
//                      wildcard); each centre element still has its own kernel group.
//
// Every atom's element must be in `species` (compute() throws InputError otherwise).
// The per-atom mathematics lives in soap_math.h (host/device agnostic).
#pragma once
#include <string>
#include <vector>

#include "core/key_value.h"
#include "core/parameter_table.h"
#include "descriptors/descriptor.h"
#include "descriptors/soap_math.h"

namespace soapgap {

struct SoapParameters {
  int n_max = 8;
  int l_max = 6;
  double cutoff = 5.0;
  double cutoff_transition_width = 0.5;
  double atom_sigma = 0.5;
  double central_weight = 1.0;
  std::vector<int> species;            // sorted atomic numbers: density channels and centre species
  std::string radial_basis = "quip";   // quip (the default) | soapgap (the first basis)
  double basis_error_exponent = 10.0;  // radial_basis=quip only
  bool central_reference_all_species = false;
  bool merged_channels = false;  // species_channels=merged

  // The keys, defaults, ranges and documentation of these parameters (see core/parameter_table.h):
  // what from_spec reads, validate checks, SoapDescriptor::spec prints and `soapgap keys` lists.
  static const ParameterTable<SoapParameters>& table();

  // Reads the table's keys (species default: model_species), sorts the species and validates
  // everything. Throws InputError naming the key. Does not call spec.check_all_used(): the
  // caller owns the remaining (kernel) keys.
  static SoapParameters from_spec(const KeyValueSpec& spec, const std::vector<int>& model_species);

  // Throws InputError (prefixed with `context`) naming the first invalid parameter; also
  // rejects unsorted or duplicate species and radial bases whose overlap matrix is singular.
  void validate(const std::string& context = "soap") const;
  // The part of validate() beyond the table: the radial overlap matrix must not be singular.
  void check_radial_basis(const std::string& context) const;
};

class SoapDescriptor : public Descriptor {
 public:
  // Validates the parameters (species are sorted first) and precomputes the tables.
  explicit SoapDescriptor(SoapParameters params);

  std::string spec() const override;
  std::string type() const override { return "soap"; }
  double cutoff() const override { return params_.cutoff; }
  int dimension() const override { return dim_; }
  std::vector<std::string> group_keys() const override;

  Environments compute(const Structure& s, const NeighbourList& nl) const override;
  void backpropagate(const Structure& s, const NeighbourList& nl, const Environments& env, const RowMatrix& dE_dq,
                     const Eigen::VectorXd& dE_dw, MatrixX3& dE_dr) const override;
  void jacobian(const Structure& s, const NeighbourList& nl, const Environments& env, int e,
                EnvironmentJacobian& out) const override;

  const SoapParameters& parameters() const { return params_; }
  // Density channel of element Z (its index in parameters().species, or 0 for every species with
  // species_channels=merged), or -1 if Z is not a species.
  int channel(int Z) const;
  // Kernel group of a centre of element Z (its index in parameters().species), or -1.
  int group_of(int Z) const;
  int n_channels() const { return params_.merged_channels ? 1 : static_cast<int>(params_.species.size()); }
  // Plain-data view of the tables for the per-atom functions of soap_math.h (valid while this
  // descriptor lives).
  soap_math::SoapMath math() const;
  // Radial centres r_n, the matrix W (R = W g) and R_n0(0) for the parameters; false if the
  // basis is numerically singular.
  static bool radial_transform(const SoapParameters& p, std::vector<double>* centres, Eigen::MatrixXd* W,
                               std::vector<double>* r0);
  // The orthonormalisation matrix W (n_max x n_max, row-major; lower triangular unless radial_basis=quip).
  const std::vector<double>& radial_transform() const { return W_; }

 private:
  // Channel of every atom of s; throws InputError for elements not in species.
  std::vector<int> channels_of(const Structure& s, const NeighbourList& nl) const;

  // Zeroes c and accumulates the density coefficients of atom i.
  void atom_coefficients(const soap_math::SoapMath& P, const NeighbourList& nl, const std::vector<int>& ch, int i,
                         double* c, double* work) const;

  SoapParameters params_;
  int dim_ = 0;
  std::vector<double> centres_, W_, central_, ylm_table_;
};

}  // namespace soapgap
