// _soapgap: the compiled core of the Python package soapgap (pybind11).
//   Potential(path) / Potential.predict(atoms, variance) / Potential.save(path)
//   _fit(configs, terms, ...) -> Potential
// Atoms are read from any object with ASE's interface (get_atomic_numbers(), positions,
// cell, pbc). Errors: soapgap::InputError -> ValueError, a missing potential file ->
// FileNotFoundError, std::invalid_argument -> ValueError (pybind11's default).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <omp.h>

#include <sys/stat.h>
#include <algorithm>
#include <ctime>
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include "bindings_descriptors.h"
#include "bindings_molecule_io.h"
#include "bindings_structure_learning.h"
#include "core/elements.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/structure.h"
#include "core/version.h"
#include "io/load_potential.h"
#include "io/potential_file.h"
#include "model/potential.h"
#include "model/sparse_gp_fit.h"
#include "neighbours/neighbour_list.h"
#include "structure/structure_environments.h"
#include "structure/structure_kernel.h"

namespace py = pybind11;
using namespace soapgap;

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<long long, py::array::c_style | py::array::forcecast>;

// Copies an (n x 3) array into a MatrixX3 (checks the shape; `what` names it in messages).
MatrixX3 to_matrix_x3(const py::handle& obj, py::ssize_t n, const std::string& what) {
  DoubleArray a = DoubleArray::ensure(obj);
  if (!a) throw InputError(what + ": expected an array of numbers");
  if (a.ndim() != 2 || a.shape(0) != n || a.shape(1) != 3)
    throw InputError(what + ": expected shape (" + std::to_string(n) + ", 3)");
  return Eigen::Map<const MatrixX3>(a.data(), n, 3);
}

Eigen::Matrix3d to_matrix3(const py::handle& obj, const std::string& what) {
  DoubleArray a = DoubleArray::ensure(obj);
  if (!a || a.size() != 9) throw InputError(what + ": expected a 3x3 array of numbers");
  return Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>(a.data());
}

// Geometry of an ase.Atoms-like object (no labels).
Structure structure_from_atoms(const py::handle& atoms) {
  Structure s;
  IntArray numbers = IntArray::ensure(atoms.attr("get_atomic_numbers")());
  if (!numbers || numbers.ndim() != 1) throw InputError("atoms: atomic numbers must be a 1-d integer array");
  const py::ssize_t n = numbers.shape(0);
  s.numbers.resize(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    const long long z = numbers.at(i);
    if (z < 1 || z > kMaxAtomicNumber) throw InputError("atoms: invalid atomic number " + std::to_string(z));
    s.numbers[i] = static_cast<int>(z);
  }
  s.positions = to_matrix_x3(atoms.attr("positions"), n, "atoms.positions");
  py::object cell = atoms.attr("cell");
  if (py::hasattr(cell, "array")) cell = cell.attr("array");  // ase.cell.Cell
  s.cell = to_matrix3(cell, "atoms.cell");
  py::array_t<bool> pbc = py::array_t<bool, py::array::forcecast>::ensure(atoms.attr("pbc"));
  if (!pbc || pbc.size() != 3) throw InputError("atoms.pbc: expected 3 booleans");
  for (int a = 0; a < 3; ++a) s.pbc[a] = pbc.data()[a];
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a] && s.cell.row(a).norm() == 0)
      throw InputError("atoms: direction " + std::to_string(a) + " is periodic but its cell vector is zero");
  return s;
}

// Moves an Eigen object into a numpy array (no copy of the data).
template <typename T>
py::object to_numpy(T&& m) {
  return py::cast(std::move(m), py::return_value_policy::move);
}

class PyPotential {
 public:
  explicit PyPotential(const std::string& path, const std::string& quip_label = "") {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      const std::string msg = "no such potential file";
      PyErr_SetObject(PyExc_FileNotFoundError, py::make_tuple(ENOENT, msg, path).ptr());
      throw py::error_already_set();
    }
    PotentialData data;
    {
      py::gil_scoped_release release;
      data = load_potential(path, quip_label);
    }
    pot_ = std::make_shared<Potential>(data);
    path_ = path;
  }
  explicit PyPotential(PotentialData data) : pot_(std::make_shared<Potential>(data)) {}

  // The structure of atoms; throws when it holds an element the potential does not cover.
  Structure covered_structure(const py::handle& atoms) const {
    Structure s = structure_from_atoms(atoms);
    const std::vector<int>& els = pot_->elements();
    for (int i = 0; i < s.size(); ++i)
      if (std::find(els.begin(), els.end(), s.numbers[i]) == els.end()) {
        std::string covered;
        for (int z : els) covered += (covered.empty() ? "" : ", ") + element_symbol(z);
        throw InputError("atoms: element " + element_symbol(s.numbers[i]) + " (Z=" + std::to_string(s.numbers[i]) +
                         ", atom " + std::to_string(i) + ") is not covered by the potential (elements: " + covered +
                         ")");
      }
    return s;
  }

  py::dict predict(const py::handle& atoms, bool variance, bool total_variance, const std::vector<int>& variance_terms,
                   bool force_variance) const {
    Structure s = covered_structure(atoms);
    PredictOptions options;
    variance = variance || force_variance;
    options.variance = variance;
    options.force_variance = force_variance;
    options.total_variance = total_variance;
    for (int t : variance_terms) options.variance_terms.push_back(t - 1);  // numbered from 1 as in the file
    if (variance && !pot_->has_variance())
      throw InputError("variance requested but the potential" + (path_.empty() ? "" : " " + path_) +
                       " has no variance data (fitted without variance)");
    Prediction p;
    {
      py::gil_scoped_release release;
      p = pot_->predict(s, options);
    }
    py::dict out;
    out["energy"] = p.energy;
    out["forces"] = to_numpy(std::move(p.forces));
    out["virial"] = to_numpy(std::move(p.virial));
    out["local_energy"] = to_numpy(std::move(p.local_energy));
    if (variance) {
      out["local_variance"] = to_numpy(std::move(p.local_variance));
      if (total_variance) out["energy_variance"] = p.energy_variance;
    }
    if (force_variance) {
      const Eigen::Index n = p.force_covariance.rows();
      py::array_t<double> cov({static_cast<py::ssize_t>(n), py::ssize_t{3}, py::ssize_t{3}});
      std::copy(p.force_covariance.data(), p.force_covariance.data() + 9 * n, cov.mutable_data());
      Eigen::VectorXd trace = p.force_covariance.col(0) + p.force_covariance.col(4) + p.force_covariance.col(8);
      out["force_covariances"] = cov;
      out["force_variances"] = to_numpy(std::move(trace));
    }
    return out;
  }

  // The descriptor vectors of every environment of atoms, one dict per term of the potential.
  py::list environments(const py::handle& atoms) const {
    Structure s = covered_structure(atoms);
    std::vector<Environments> envs;
    {
      py::gil_scoped_release release;
      const NeighbourList nl(s, pot_->cutoff());
      for (const Term& t : pot_->terms()) envs.push_back(t.descriptor().compute(s, nl));
    }
    py::list out;
    for (size_t t = 0; t < envs.size(); ++t) {
      py::dict d;
      d["type"] = pot_->terms()[t].descriptor().type();
      d["spec"] = pot_->terms()[t].spec();
      d["q"] = to_numpy(std::move(envs[t].q));
      d["weight"] = to_numpy(std::move(envs[t].w));
      d["atom"] = py::array(py::cast(envs[t].atom));
      d["group"] = py::array(py::cast(envs[t].group));
      out.append(std::move(d));
    }
    return out;
  }

  void save(const std::string& path) const {
    py::gil_scoped_release release;
    write_potential(path, pot_->data());
  }

  const Potential& get() const { return *pot_; }
  const std::string& path() const { return path_; }

 private:
  std::shared_ptr<Potential> pot_;
  std::string path_;
};

// configs: list of dicts with numbers, positions, cell, pbc and optional energy, forces,
// virial (3x3, eV), config_type, energy_sigma, force_sigma, virial_sigma.
PyPotential fit(const py::list& configs, const std::vector<std::string>& terms, double sigma_energy, double sigma_force,
                double sigma_virial, const std::map<int, double>& e0, uint64_t seed, double jitter, bool variance,
                bool use_energy, bool use_forces, bool use_virial,
                const std::map<std::string, std::tuple<double, double, double>>& config_type_sigma,
                const std::map<std::string, std::string>& provenance) {
  std::vector<Structure> train;
  train.reserve(configs.size());
  for (size_t k = 0; k < configs.size(); ++k) {
    py::dict c = configs[k].cast<py::dict>();
    Structure s = structure_from_atoms(c["atoms"]);
    const std::string where = "configuration " + std::to_string(k);
    s.source = where;
    auto has = [&](const char* key) { return c.contains(key) && !c[key].is_none(); };
    if (has("energy")) s.energy = c["energy"].cast<double>();
    if (has("forces")) s.forces = to_matrix_x3(c["forces"], s.size(), where + ": forces");
    if (has("virial")) s.virial = to_matrix3(c["virial"], where + ": virial");
    if (has("config_type")) s.config_type = py::str(c["config_type"]);
    if (has("energy_sigma")) s.sigma_energy = c["energy_sigma"].cast<double>();
    if (has("force_sigma")) s.sigma_force = c["force_sigma"].cast<double>();
    if (has("virial_sigma")) s.sigma_virial = c["virial_sigma"].cast<double>();
    train.push_back(std::move(s));
  }
  if (train.empty()) throw InputError("fit: no configurations");
  FitSettings settings;
  settings.terms = terms;
  settings.sigma = Sigmas{sigma_energy, sigma_force, sigma_virial};
  for (const auto& kv : config_type_sigma)
    settings.config_type_sigma[kv.first] =
        Sigmas{std::get<0>(kv.second), std::get<1>(kv.second), std::get<2>(kv.second)};
  settings.e0 = e0;
  settings.seed = seed;
  settings.jitter = jitter;
  settings.store_variance = variance;
  settings.use_energy = use_energy;
  settings.use_forces = use_forces;
  settings.use_virial = use_virial;
  check_fit_settings(train, settings, "e0", "the training set");
  FitResult result;
  {
    py::gil_scoped_release release;
    result = fit_sparse_gp(train, settings);
  }
  PotentialData& data = result.potential;
  record_fit_provenance(data, train.size(), settings);
  for (const auto& kv : provenance) data.provenance[kv.first] = kv.second;
  return PyPotential(std::move(data));
}

}  // namespace

// The per-atom descriptor vectors (unit length) of every structure in frames, for structure kernels
// (declared in bindings_structure_learning.h).
std::vector<StructureEnvironments> structure_environments(const py::list& frames, const Descriptor& desc,
                                                          const char* set) {
  std::vector<Structure> structures;
  structures.reserve(frames.size());
  for (const py::handle& f : frames) structures.push_back(structure_from_atoms(f));
  py::gil_scoped_release release;
  return soapgap::structure_environments(structures, desc, set);
}

namespace {

py::object structure_kernel_py(const py::list& frames_a, const py::object& frames_b, const std::string& descriptor,
                               const std::string& kind, double gamma, int zeta, double tolerance, bool progress) {
  const py::list b_list = frames_b.is_none() ? py::list() : frames_b.cast<py::list>();
  const std::unique_ptr<Descriptor> desc = descriptor_over(descriptor, {&frames_a, &b_list});
  const StructureKernelOptions options = structure_kernel_options(kind, gamma, zeta, tolerance);
  const std::vector<StructureEnvironments> A = structure_environments(frames_a, *desc, "frames_a");
  std::vector<StructureEnvironments> B;
  if (!frames_b.is_none()) B = structure_environments(frames_b.cast<py::list>(), *desc, "frames_b");
  Eigen::MatrixXd K;
  {
    py::gil_scoped_release release;
    K = structure_kernel_matrix(A, frames_b.is_none() ? nullptr : &B, options, progress ? &std::cerr : nullptr);
  }
  return to_numpy(std::move(K));
}

}  // namespace

PYBIND11_MODULE(_soapgap, m) {
  m.doc() = "soapgap compiled core (use the soapgap package)";
  m.attr("__version__") = SOAPGAP_VERSION;

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  py::class_<PyPotential>(m, "Potential", "A fitted SOAP-GAP potential.")
      .def(py::init<const std::string&, const std::string&>(), py::arg("path"), py::arg("quip_label") = "",
           "Loads a potential file: soapgap's XML, or a QUIP/GAP XML file written by gap_fit (detected from its "
           "content; quip_label selects its GAP_params, QUIP's xml_label; default: the one of its init_args).")
      .def_property_readonly(
          "elements",
          [](const PyPotential& p) {
            std::vector<std::string> out;
            for (int z : p.get().elements()) out.push_back(element_symbol(z));
            return out;
          },
          "Chemical symbols of the elements the potential covers.")
      .def_property_readonly("atomic_numbers", [](const PyPotential& p) { return p.get().elements(); })
      .def_property_readonly(
          "cutoff", [](const PyPotential& p) { return p.get().cutoff(); }, "Cutoff, Angstrom.")
      .def_property_readonly("has_variance", [](const PyPotential& p) { return p.get().has_variance(); })
      .def_property_readonly("n_sparse", [](const PyPotential& p) { return p.get().n_sparse_total(); })
      .def_property_readonly("path", [](const PyPotential& p) { return p.path(); })
      .def_property_readonly("e0",
                             [](const PyPotential& p) {
                               std::map<std::string, double> out;
                               for (const auto& kv : p.get().data().e0) out[element_symbol(kv.first)] = kv.second;
                               return out;
                             })
      .def_property_readonly("descriptors",
                             [](const PyPotential& p) {
                               std::vector<std::string> out;
                               for (const auto& t : p.get().data().terms) out.push_back(t.spec);
                               return out;
                             })
      .def_property_readonly("provenance", [](const PyPotential& p) { return p.get().data().provenance; })
      .def("predict", &PyPotential::predict, py::arg("atoms"), py::arg("variance") = false,
           py::arg("total_variance") = false, py::arg("variance_terms") = std::vector<int>{},
           py::arg("force_variance") = false,
           "Energy (eV), forces (N x 3, eV/A), virial (3 x 3, eV), local_energy (N, eV); with\n"
           "variance=True also local_variance (N, eV^2, as cheap as the energy), and with\n"
           "total_variance=True also energy_variance (eV^2; O(N^2) in the atom count).\n"
           "force_variance=True (implies variance): force_covariances (N x 3 x 3, eV^2/A^2), the predicted\n"
           "covariance of each atom's force, and force_variances (N), their traces (about 50 times the\n"
           "cost of the prediction; docs/python.md).\n"
           "variance_terms=[2, 3]: the variance of those terms' part of the energy only (terms\n"
           "numbered from 1 in the file's order, as `soapgap info` lists them; default: all).")
      .def("environments", &PyPotential::environments, py::arg("atoms"),
           "The descriptor vectors of the environments of atoms, one dict per term: type, spec, q (n_env x dim),\n"
           "weight (n_env), atom (the atom each environment belongs to), group (kernel group index).")
      .def("save", &PyPotential::save, py::arg("path"), "Writes the potential file (XML).")
      .def("__repr__", [](const PyPotential& p) {
        std::string els;
        for (int z : p.get().elements()) els += (els.empty() ? "" : ",") + element_symbol(z);
        return "<soapgap.Potential elements=" + els + " cutoff=" + std::to_string(p.get().cutoff()) +
               " n_sparse=" + std::to_string(p.get().n_sparse_total()) + ">";
      });

  bind_structure_learning(m);
  bind_molecule_io(m);
  bind_descriptors(m);
  m.def("_structure_kernel", &structure_kernel_py, py::arg("frames_a"), py::arg("frames_b"), py::arg("descriptor"),
        py::arg("kind"), py::arg("gamma"), py::arg("zeta"), py::arg("tolerance"), py::arg("progress"));
  m.def("_fit", &fit, py::arg("configs"), py::arg("terms"), py::arg("sigma_energy"), py::arg("sigma_force"),
        py::arg("sigma_virial"), py::arg("e0"), py::arg("seed"), py::arg("jitter"), py::arg("variance"),
        py::arg("use_energy"), py::arg("use_forces"), py::arg("use_virial"), py::arg("config_type_sigma"),
        py::arg("provenance"));
}
