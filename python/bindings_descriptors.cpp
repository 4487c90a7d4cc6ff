// _Descriptor(spec, species, term_spec): a descriptor of the library (parse_descriptor, or the
// descriptor of a potential's term spec with term_spec=True) whose compute(structures, gradients)
// returns the environments of a list of structures and, with gradients, the sparse Jacobian of
// every environment with respect to the atoms' positions and to the strain (the layout is
// documented in python/soapgap/descriptors.py and docs/python.md, "Descriptors").
// Structures arrive as tuples (numbers, positions, cell, pbc) made by soapgap.descriptors.
#include "bindings_descriptors.h"

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "core/elements.h"
#include "core/error.h"
#include "core/structure.h"
#include "descriptors/descriptor.h"
#include "model/term.h"
#include "neighbours/neighbour_list.h"

namespace py = pybind11;
using namespace soapgap;

namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<long long, py::array::c_style | py::array::forcecast>;

// Structure `index` of the list: a tuple (numbers (N), positions (N x 3), cell (3 x 3), pbc (3)).
Structure structure_from_tuple(const py::handle& item, size_t index) {
  const std::string where = "structure " + std::to_string(index);
  const py::tuple t = item.cast<py::tuple>();
  if (t.size() != 4) throw InputError(where + ": expected (numbers, positions, cell, pbc)");
  const IntArray numbers = IntArray::ensure(t[0]);
  if (!numbers || numbers.ndim() != 1) throw InputError(where + ": atomic numbers must be a 1-d integer array");
  Structure s;
  const py::ssize_t n = numbers.shape(0);
  for (py::ssize_t i = 0; i < n; ++i) {
    const long long z = numbers.at(i);
    if (z < 1 || z > kMaxAtomicNumber) throw InputError(where + ": invalid atomic number " + std::to_string(z));
    s.numbers.push_back(static_cast<int>(z));
  }
  const DoubleArray pos = DoubleArray::ensure(t[1]);
  if (!pos || pos.ndim() != 2 || pos.shape(0) != n || pos.shape(1) != 3)
    throw InputError(where + ": positions: expected shape (" + std::to_string(n) + ", 3)");
  s.positions = Eigen::Map<const MatrixX3>(pos.data(), n, 3);
  const DoubleArray cell = DoubleArray::ensure(t[2]);
  if (!cell || cell.size() != 9) throw InputError(where + ": cell: expected a 3x3 array of numbers");
  s.cell = Eigen::Map<const Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>(cell.data());
  const py::array_t<bool, py::array::forcecast> pbc = py::array_t<bool, py::array::forcecast>::ensure(t[3]);
  if (!pbc || pbc.size() != 3) throw InputError(where + ": pbc: expected 3 booleans");
  for (int a = 0; a < 3; ++a) s.pbc[a] = pbc.data()[a];
  for (int a = 0; a < 3; ++a)
    if (s.pbc[a] && s.cell.row(a).norm() == 0)
      throw InputError(where + ": direction " + std::to_string(a) + " is periodic but its cell vector is zero");
  s.source = where;
  return s;
}

// The derivatives of one environment, folded onto atoms: periodic images onto the atom they are
// images of, the -d/dr_k of each entry onto its centre.
struct EnvironmentGradient {
  std::vector<int> atoms;                // sorted, distinct; the centre included
  RowMatrix dq;                          // 3 * atoms.size() x dim: row 3 s + a = d q / d r_{atoms[s], a}
  Eigen::VectorXd dw;                    // 3 * atoms.size(): d w / d r_{atoms[s], a}
  RowMatrix strain;                      // 9 x dim: row 3 a + b = d q / d strain_ab
  Eigen::Matrix<double, 9, 1> strain_w;  // d w / d strain_ab
};

// slot: scratch of the structure's size (any content).
void environment_gradient(const Descriptor& d, const Structure& s, const NeighbourList& nl, const Environments& env,
                          int e, EnvironmentJacobian& J, std::vector<int>& slot, EnvironmentGradient& out) {
  d.jacobian(s, nl, env, e, J);
  const int dim = d.dimension();
  out.atoms.assign(1, env.atom[e]);
  for (int k : J.entries) {
    if (nl.distance(k) >= d.cutoff()) continue;  // a list with a larger cutoff: no dependence
    out.atoms.push_back(nl.centre(k));
    out.atoms.push_back(nl.neighbour(k));
  }
  std::sort(out.atoms.begin(), out.atoms.end());
  out.atoms.erase(std::unique(out.atoms.begin(), out.atoms.end()), out.atoms.end());
  for (size_t t = 0; t < out.atoms.size(); ++t) slot[out.atoms[t]] = static_cast<int>(t);
  const int n_slots = static_cast<int>(out.atoms.size());
  out.dq.setZero(3 * n_slots, dim);
  out.dw.setZero(3 * n_slots);
  out.strain.setZero(9, dim);
  out.strain_w.setZero();
  const RowMatrix dqT = J.dq.transpose();  // row 3 m + a = d q / d r_{entries[m], a}
  for (size_t m = 0; m < J.entries.size(); ++m) {
    const int k = J.entries[m];
    if (nl.distance(k) >= d.cutoff()) continue;
    const int sj = slot[nl.neighbour(k)], si = slot[nl.centre(k)];
    const Eigen::Vector3d& r = nl.r(k);
    for (int a = 0; a < 3; ++a) {
      const int row = 3 * static_cast<int>(m) + a;
      const double dw = J.dw.size() ? J.dw[row] : 0.0;
      out.dq.row(3 * sj + a) += dqT.row(row);
      out.dq.row(3 * si + a) -= dqT.row(row);
      out.dw[3 * sj + a] += dw;
      out.dw[3 * si + a] -= dw;
      // r_k -> (I + eps) r_k: d r_{k,a} / d eps_ab = r_{k,b}.
      for (int b = 0; b < 3; ++b) {
        out.strain.row(3 * a + b) += r[b] * dqT.row(row);
        out.strain_w[3 * a + b] += r[b] * dw;
      }
    }
  }
}

// One structure's environments (and gradients), computed without the GIL.
struct StructureResult {
  Environments env;
  std::vector<int> partner;  // pair descriptors: the other atom of each environment; else empty
  std::vector<EnvironmentGradient> grad;
};

// neighbour_cutoff: that of the list (a potential's: its largest cutoff, which orders the sums).
StructureResult compute_structure(const Descriptor& d, const Structure& s, double neighbour_cutoff, bool gradients) {
  StructureResult out;
  const NeighbourList nl(s, std::max(neighbour_cutoff, d.cutoff()));
  out.env = d.compute(s, nl);
  if (!out.env.tag.empty())
    for (int k : out.env.tag) out.partner.push_back(nl.neighbour(k));
  if (!gradients) return out;
  const int n_env = out.env.size();
  out.grad.resize(n_env);
  std::exception_ptr error;
#pragma omp parallel
  {
    EnvironmentJacobian J;
    std::vector<int> slot(s.size(), -1);
#pragma omp for schedule(dynamic)
    for (int e = 0; e < n_env; ++e) {
      try {
        environment_gradient(d, s, nl, out.env, e, J, slot, out.grad[e]);
      } catch (...) {
#pragma omp critical
        error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

// Concatenates the structures' results into numpy arrays (see the module's docstring).
py::dict assemble(const std::vector<StructureResult>& results, int dim, bool gradients) {
  py::ssize_t n_rows = 0, n_grad = 0;
  bool pairs = false;
  for (const StructureResult& r : results) {
    n_rows += r.env.size();
    for (const EnvironmentGradient& g : r.grad) n_grad += static_cast<py::ssize_t>(g.atoms.size());
    pairs = pairs || !r.partner.empty();
  }
  py::array_t<double> values({n_rows, static_cast<py::ssize_t>(dim)}), weights(n_rows);
  py::array_t<long long> centres(n_rows), structures(n_rows), groups(n_rows), partners(n_rows);
  py::array_t<double> grad({n_grad, py::ssize_t(3), static_cast<py::ssize_t>(dim)}), grad_w({n_grad, py::ssize_t(3)});
  py::array_t<double> strain({gradients ? n_rows : 0, py::ssize_t(3), py::ssize_t(3), static_cast<py::ssize_t>(dim)});
  py::array_t<double> strain_w({gradients ? n_rows : 0, py::ssize_t(3), py::ssize_t(3)});
  py::array_t<long long> samples({n_grad, py::ssize_t(3)});
  py::ssize_t row = 0, g_row = 0;
  const size_t row_bytes = sizeof(double) * dim;
  for (size_t t = 0; t < results.size(); ++t) {
    const StructureResult& r = results[t];
    for (int e = 0; e < r.env.size(); ++e, ++row) {
      std::memcpy(values.mutable_data(row, 0), r.env.q.row(e).data(), row_bytes);
      weights.mutable_at(row) = r.env.w[e];
      centres.mutable_at(row) = r.env.atom[e];
      structures.mutable_at(row) = static_cast<long long>(t);
      groups.mutable_at(row) = r.env.group[e];
      partners.mutable_at(row) = r.partner.empty() ? -1 : r.partner[e];
      if (!gradients) continue;
      const EnvironmentGradient& g = r.grad[e];
      std::memcpy(strain.mutable_data(row, 0, 0, 0), g.strain.data(), 9 * row_bytes);
      std::memcpy(strain_w.mutable_data(row, 0, 0), g.strain_w.data(), 9 * sizeof(double));
      const py::ssize_t n_atoms = static_cast<py::ssize_t>(g.atoms.size());
      std::memcpy(grad.mutable_data(g_row, 0, 0), g.dq.data(), 3 * n_atoms * row_bytes);
      std::memcpy(grad_w.mutable_data(g_row, 0), g.dw.data(), 3 * n_atoms * sizeof(double));
      for (py::ssize_t a = 0; a < n_atoms; ++a, ++g_row) {
        samples.mutable_at(g_row, 0) = row;
        samples.mutable_at(g_row, 1) = g.atoms[a];
        samples.mutable_at(g_row, 2) = static_cast<long long>(t);
      }
    }
  }
  py::dict out;
  out["values"] = values;
  out["weights"] = weights;
  out["centres"] = centres;
  out["structures"] = structures;
  out["groups"] = groups;
  if (pairs) out["neighbours"] = partners;
  if (gradients) {
    out["gradient_samples"] = samples;
    out["gradients"] = grad;
    out["weight_gradients"] = grad_w;
    out["strain_gradients"] = strain;
    out["weight_strain_gradients"] = strain_w;
  }
  return out;
}

class PyDescriptor {
 public:
  // term_spec: spec is a potential's term (descriptor and kernel keys, e.g. Potential.descriptors).
  PyDescriptor(const std::string& spec, const std::vector<int>& species, bool term_spec) {
    std::vector<int> sorted(species);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    if (term_spec) {
      auto term = std::make_shared<Term>(Term::from_spec(spec, sorted, "descriptor"));
      desc_ = std::shared_ptr<const Descriptor>(term, &term->descriptor());
    } else {
      desc_ = parse_descriptor(spec, sorted);
    }
  }

  // neighbour_cutoff: the cutoff of the neighbour list (default, 0: the descriptor's); a potential's
  // cutoff gives values bit for bit equal to Potential.environments (same order of the sums).
  py::dict compute(const py::list& structures, bool gradients, double neighbour_cutoff) const {
    std::vector<Structure> ss;
    ss.reserve(structures.size());
    for (size_t t = 0; t < structures.size(); ++t) ss.push_back(structure_from_tuple(structures[t], t));
    std::vector<StructureResult> results(ss.size());
    {
      py::gil_scoped_release release;
      for (size_t t = 0; t < ss.size(); ++t) results[t] = compute_structure(*desc_, ss[t], neighbour_cutoff, gradients);
    }
    return assemble(results, desc_->dimension(), gradients);
  }

  const Descriptor& get() const { return *desc_; }

 private:
  std::shared_ptr<const Descriptor> desc_;
};

}  // namespace

void bind_descriptors(py::module_& m) {
  py::class_<PyDescriptor>(m, "_Descriptor", "A descriptor of the library (use soapgap.descriptors).")
      .def(py::init<const std::string&, const std::vector<int>&, bool>(), py::arg("spec"), py::arg("species"),
           py::arg("term_spec") = false)
      .def_property_readonly("spec", [](const PyDescriptor& d) { return d.get().spec(); })
      .def_property_readonly("type", [](const PyDescriptor& d) { return d.get().type(); })
      .def_property_readonly("cutoff", [](const PyDescriptor& d) { return d.get().cutoff(); })
      .def_property_readonly("dimension", [](const PyDescriptor& d) { return d.get().dimension(); })
      .def_property_readonly("group_keys", [](const PyDescriptor& d) { return d.get().group_keys(); })
      .def("compute", &PyDescriptor::compute, py::arg("structures"), py::arg("gradients") = false,
           py::arg("neighbour_cutoff") = 0.0);
  m.def(
      "_set_num_threads", [](int n) { omp_set_num_threads(std::max(1, n)); }, py::arg("n"));
  m.def("_get_num_threads", []() { return omp_get_max_threads(); });
}
