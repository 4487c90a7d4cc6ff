// Learning on structure kernels (soapgap.molecules): GP regression, the SVM classifier, atom-wise
// contributions, kernel spectra. Defined in bindings_structure_learning.cpp.
#pragma once
#include <pybind11/pybind11.h>

#include <vector>

#include "descriptors/descriptor.h"
#include "structure/structure_kernel.h"

// Adds _StructureRegression, _svm_fit, _atom_contributions, ... to the module.
void bind_structure_learning(pybind11::module_& m);

// The per-atom unit-length descriptor vectors of each ase.Atoms in frames (bindings.cpp); `set`
// names the list in error messages.
std::vector<soapgap::StructureEnvironments> structure_environments(const pybind11::list& frames,
                                                                   const soapgap::Descriptor& desc, const char* set);
