// _read_molecules(paths, format) -> list of dicts, one per molecule:
//   atomic_numbers (N), positions (N x 3, Angstrom), cell (3 x 3), pbc (3), name, source,
//   numbers {key: float}, strings {key: str}, lists {key: array}, per_atom {key: array (N)}.
// soapgap.molecules.read_molecules turns them into ase.Atoms.
#include "bindings_molecule_io.h"

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "io/molecule_files.h"

namespace py = pybind11;

namespace {

// Text from a file as str; bytes that are not UTF-8 become U+FFFD instead of an error.
py::str text(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::list read_molecules_py(const std::vector<std::string>& paths, const std::string& format) {
  const soapgap::MoleculeFormat f = soapgap::parse_molecule_format(format);
  std::vector<soapgap::Molecule> mols;
  {
    py::gil_scoped_release release;
    mols = soapgap::read_molecules(paths, f);
  }
  py::list out;
  for (const soapgap::Molecule& m : mols) {
    const soapgap::Structure& s = m.structure;
    py::dict d;
    d["atomic_numbers"] = py::array(py::cast(s.numbers));
    d["positions"] = py::cast(Eigen::MatrixXd(s.positions));
    d["cell"] = py::cast(Eigen::Matrix3d(s.cell));
    d["pbc"] = py::cast(std::vector<bool>(s.pbc.begin(), s.pbc.end()));
    d["name"] = text(m.name);
    d["source"] = text(s.source);
    py::dict numbers, strings, lists, per_atom;
    for (const auto& kv : m.numbers) numbers[text(kv.first)] = kv.second;
    for (const auto& kv : m.strings) strings[text(kv.first)] = text(kv.second);
    for (const auto& kv : m.lists) lists[text(kv.first)] = py::array(py::cast(kv.second));
    for (const auto& kv : m.per_atom) per_atom[text(kv.first)] = py::array(py::cast(kv.second));
    d["numbers"] = numbers;
    d["strings"] = strings;
    d["lists"] = lists;
    d["per_atom"] = per_atom;
    out.append(std::move(d));
  }
  return out;
}

}  // namespace

void bind_molecule_io(py::module_& m) {
  m.def("_read_molecules", &read_molecules_py, py::arg("paths"), py::arg("format") = "auto",
        "The molecules of files or directories (extxyz, QM9 xyz, SDF/MOL V2000, MOL2) as dicts.");
}
