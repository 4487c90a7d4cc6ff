// Loading a potential whatever its format: soapgap's (io/potential_file.h) or QUIP's GAP XML
// (io/quip_potential.h).
#pragma once
#include <string>

#include "model/potential_data.h"

namespace soapgap {

// Reads a soapgap potential file or a QUIP GAP XML file, detected from the content.
// quip_label: the GAP_params label to read from a QUIP file (read_quip_potential); refused for
// a soapgap file.
PotentialData load_potential(const std::string& path, const std::string& quip_label = "");

}  // namespace soapgap
