// Python bindings of the descriptors with their gradients (soapgap.descriptors): _Descriptor,
// _set_num_threads, _get_num_threads. Defined in bindings_descriptors.cpp.
#pragma once
#include <pybind11/pybind11.h>

void bind_descriptors(pybind11::module_& m);
