// Import of QUIP/GAP potential files (XML written by QUIP's gap_fit, plus its sparseX text
// files), so that published GAPs run in soapgap without a QUIP installation.
//
// What is read (docs/quip-import.md has the derivations and the full list):
//   <Potential init_args>: "IP GAP ..." alone, or a "Sum" of "IP GAP" and "IP Glue"; any other
//       IP type is refused, naming it.
//   <GAP_params label gap_version>: gap_version >= 1423143769 (SOAP l-blocks scaled by
//       1/sqrt(2l+1)); <GAP_data e0 do_core> with <e0 Z value>.
//   <gpCoordinates>: covariance_type 2 (dot_product: delta^2 (q.x)^zeta, integer zeta) with a
//       "soap" descriptor, or 1 (ard_se: delta^2 exp(-(r - r')^2 / (2 theta^2))) with a
//       "distance_2b" descriptor; signal_variance = delta; sparse points inline or in the file
//       named by sparseX_filename (looked up beside the XML file, then in the working
//       directory); alpha and sparseCutoff per sparse point (alpha * sparseCutoff is stored).
//   <Glue_params>: the Glue core (model/glue_data.h), used when init_args names "IP Glue" or
//       <GAP_data do_core="T">.
// The SOAP vector is mapped onto soapgap's SOAP with radial_basis=quip, QUIP's central-atom
// convention and channel layout; the power-spectrum elements of the sparse points are permuted
// into soapgap's order (the dot-product kernel is invariant under a common permutation), and
// QUIP's trailing constant element (covariance_sigma0, which must be 0) is dropped.
// Anything else (other descriptors or covariances, signal_mean != 0, f0 != 0, non-integer
// zeta, covariance_sigma0 != 0, radial bases other than EQUISPACED_GAUSS, cutoff_dexp,
// nu_R/nu_S/mixing options, average=T, normalise=F, distance_2b exponents/tails/residues)
// is refused with an InputError naming the file, the line and the option.
#pragma once
#include <string>

#include "model/potential_data.h"

namespace soapgap {

// Whether the file is XML with a <GAP_params> element near its start (QUIP's layout: a root
// named after the label, <Potential>, optional <Glue_params>, then <GAP_params>). Does not throw.
bool is_quip_potential(const std::string& path);

// Reads a QUIP GAP XML file. label: the GAP_params label to use (QUIP's xml_label); empty:
// the one named by <Potential init_args>, else the only one in the file.
PotentialData read_quip_potential(const std::string& path, const std::string& label = "");

// QUIP init strings as pair_style quip and quippy take them: "Potential", "Potential
// xml_label=LABEL", "IP GAP", "IP GAP label=LABEL" (or xml_label=), and "" (none).
// is_quip_init_string: whether an argument is one rather than an element name (empty, starts
// with "Potential" or "IP ", or holds a blank or '='). quip_init_label: the LABEL ("" when none or
// empty: the file's GAP); InputError "QUIP init string "...": <why>; expected ..." otherwise.
bool is_quip_init_string(const std::string& arg);
std::string quip_init_label(const std::string& init);

}  // namespace soapgap
