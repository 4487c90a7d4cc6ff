// The checksum of soapgap potential files: the SHA-256 of the canonical byte stream that
// io/potential_file.h documents (potential_checksum() there is this with data.format_version).
#pragma once
#include <string>

#include "model/potential_data.h"

namespace soapgap {

// Hex SHA-256 of the canonical byte stream of `data` as a file of `format_version` holds it
// (write_potential: the version it writes; read_potential: the file's).
std::string potential_checksum(const PotentialData& data, int format_version);

}  // namespace soapgap
