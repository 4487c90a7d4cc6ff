// Python bindings of the molecule readers (io/molecule_files.h): _read_molecules.
#pragma once
#include <pybind11/pybind11.h>

void bind_molecule_io(pybind11::module_& m);
