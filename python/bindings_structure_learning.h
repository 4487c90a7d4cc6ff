// Learning on structure kernels (soapgap.molecules): GP regression, the SVM classifier, atom-wise
// contributions, kernel spectra. Defined in bindings_structure_learning.cpp.
#pragma once
#include <pybind11/pybind11.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "descriptors/descriptor.h"
#include "structure/structure_kernel.h"

// Adds _StructureRegression, _svm_fit, _atom_contributions, ... to the module.
void bind_structure_learning(pybind11::module_& m);

// The per-atom unit-length descriptor vectors of each ase.Atoms in frames (bindings.cpp); `set`
// names the list in error messages.
std::vector<soapgap::StructureEnvironments> structure_environments(const pybind11::list& frames,
                                                                   const soapgap::Descriptor& desc, const char* set);

// The descriptor of `text` over the elements found in the frame lists (bindings_structure_learning.cpp).
std::unique_ptr<soapgap::Descriptor> descriptor_over(const std::string& text,
                                                     std::initializer_list<const pybind11::list*> lists);

// Structure-kernel options from the Python arguments (kind checked by name).
soapgap::StructureKernelOptions structure_kernel_options(const std::string& kind, double gamma, int zeta,
                                                         double tolerance);
