#include "io/load_potential.h"

#include "core/error.h"
#include "io/potential_file.h"
#include "io/quip_potential.h"

namespace soapgap {

PotentialData load_potential(const std::string& path, const std::string& quip_label) {
  if (is_quip_potential(path)) return read_quip_potential(path, quip_label);
  if (!quip_label.empty())
    throw InputError(path + ": a QUIP label (xml_label=" + quip_label + ") was given but this is not a QUIP GAP file");
  return read_potential(path);
}

}  // namespace soapgap
