// The atomic environments of whole structures for the structure kernels (structure_kernel.h):
// one unit-length descriptor vector per atom. Shared by the Python binding and `soapgap kernel`.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/structure.h"
#include "descriptors/descriptor.h"
#include "structure/structure_kernel.h"

namespace soapgap {

// The sorted atomic numbers found in all the structures of all the sets given.
std::vector<int> elements_of(const std::vector<const std::vector<Structure>*>& sets);

// The environments of every structure, rows normalised to unit length (zero rows stay zero).
// The descriptor must give one environment per atom (SOAP). Throws InputError
// "structure <k> of <set_name>[ (<Structure::source>)]: ..." for a structure without atoms or a
// descriptor that does not give one environment per atom, and GeometryError (the neighbour
// list's message, prefixed the same way) for atoms on top of each other.
std::vector<StructureEnvironments> structure_environments(const std::vector<Structure>& structures,
                                                          const Descriptor& descriptor, const std::string& set_name);

}  // namespace soapgap
