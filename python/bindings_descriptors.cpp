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
#include <optional>
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

// One structure: its neighbour list, environments and, with gradients, where each environment's
// gradient samples start (offsets into the concatenated output, n_env + 1 entries).
struct Prepared {
  std::optional<NeighbourList> nl;
  Environments env;
  std::vector<int> partner;  // pair descriptors: the other atom of each environment; else empty
  std::vector<long long> start;
};

// The atoms environment e can depend on (sorted, distinct, the centre included): the centres and
// neighbours of the entries within the cutoff that its Jacobian may name (pair descriptors: its
// own entry, env.tag[e]; others: all entries of its atom).
void dependence(const Descriptor& d, const NeighbourList& nl, const Environments& env, int e, std::vector<int>& out) {
  out.assign(1, env.atom[e]);
  auto add = [&](int k) {
    if (nl.distance(k) >= d.cutoff()) return;  // a list with a larger cutoff: no dependence
    out.push_back(nl.centre(k));
    out.push_back(nl.neighbour(k));
  };
  if (!env.tag.empty())
    add(env.tag[e]);
  else
    for (int k = nl.begin(env.atom[e]); k < nl.end(env.atom[e]); ++k) add(k);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// Where the gradients go: raw pointers into the numpy arrays (layout in descriptors.py).
struct Output {
  double *grad, *grad_w, *strain, *strain_w;
  long long* samples;
};

// Per-thread scratch.
struct Scratch {
  EnvironmentJacobian J;
  std::vector<int> atoms, slot;
  std::vector<double> dqT, dwT, R;
};

int slot_of(const Scratch& w, int atom) {
  const int t = w.slot[atom];
  if (t < 0 || t >= static_cast<int>(w.atoms.size()) || w.atoms[t] != atom)
    throw InputError("descriptors: the Jacobian names atom " + std::to_string(atom) + " outside the environment");
  return t;
}

// Writes the gradients of environment e (values row `row`, first gradient sample g0) into out,
// folded onto atoms: periodic images onto the atom they are images of, -d/dr_k onto the centre.
void fill_environment(const Descriptor& d, const Structure& s, const NeighbourList& nl, const Environments& env, int e,
                      long long row, long long g0, long long structure, Scratch& w, const Output& out) {
  const int dim = d.dimension(), n3 = 3 * dim;
  dependence(d, nl, env, e, w.atoms);
  for (size_t t = 0; t < w.atoms.size(); ++t) w.slot[w.atoms[t]] = static_cast<int>(t);
  d.jacobian(s, nl, env, e, w.J);
  const int M = static_cast<int>(w.J.entries.size());
  double* G = out.grad + g0 * n3;
  double* GW = out.grad_w + g0 * 3;
  std::fill(G, G + w.atoms.size() * n3, 0.0);
  std::fill(GW, GW + w.atoms.size() * 3, 0.0);
  w.dqT.resize(static_cast<size_t>(M) * n3);
  w.R.assign(3 * static_cast<size_t>(M), 0.0);
  Eigen::Map<RowMatrix> dqT(w.dqT.data(), 3 * M, dim);  // row 3 m + a = d q / d r_{entries[m], a}
  dqT = w.J.dq.transpose();
  w.dwT.assign(3 * static_cast<size_t>(M), 0.0);
  for (int c = 0; c < std::min<int>(3 * M, static_cast<int>(w.J.dw.size())); ++c) w.dwT[c] = w.J.dw[c];
  for (int m = 0; m < M; ++m) {
    const int k = w.J.entries[m];
    if (nl.distance(k) >= d.cutoff()) continue;
    const int sj = slot_of(w, nl.neighbour(k)), si = slot_of(w, nl.centre(k));
    const Eigen::Map<const Eigen::RowVectorXd> block(w.dqT.data() + static_cast<size_t>(m) * n3, n3);
    Eigen::Map<Eigen::RowVectorXd>(G + sj * n3, n3) += block;
    Eigen::Map<Eigen::RowVectorXd>(G + si * n3, n3) -= block;
    for (int a = 0; a < 3; ++a) {
      GW[3 * sj + a] += w.dwT[3 * m + a];
      GW[3 * si + a] -= w.dwT[3 * m + a];
      w.R[3 * m + a] = nl.r(k)[a];  // r_k -> (1 + eps) r_k: d r_{k,a} / d eps_ab = r_{k,b}
    }
  }
  // T(b, a dim + f) = sum_m r_{m,b} d q_f / d r_{m,a}: strain[a][b][f].
  using Mx3 = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;
  const Eigen::Map<const Mx3> R(w.R.data(), M, 3);
  const Eigen::Matrix<double, 3, Eigen::Dynamic, Eigen::RowMajor> T =
      R.transpose() * Eigen::Map<const RowMatrix>(w.dqT.data(), M, n3);
  const Eigen::Matrix3d TW = R.transpose() * Eigen::Map<const Mx3>(w.dwT.data(), M, 3);  // (b, a)
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      std::copy_n(T.row(b).data() + a * dim, dim, out.strain + (row * 9 + 3 * a + b) * dim);
      out.strain_w[row * 9 + 3 * a + b] = TW(b, a);
    }
  for (size_t t = 0; t < w.atoms.size(); ++t) {
    long long* sample = out.samples + 3 * (g0 + static_cast<long long>(t));
    sample[0] = row;
    sample[1] = w.atoms[t];
    sample[2] = structure;
  }
}

// Neighbour list and environments of s; with gradients the sample counts (start) too.
void prepare(const Descriptor& d, const Structure& s, double neighbour_cutoff, bool gradients, Prepared& p) {
  p.nl.emplace(s, std::max(neighbour_cutoff, d.cutoff()));
  p.env = d.compute(s, *p.nl);
  for (int k : p.env.tag) p.partner.push_back(p.nl->neighbour(k));
  if (!gradients) return;
  p.start.assign(p.env.size() + 1, 0);
  std::vector<int> atoms;
  for (int e = 0; e < p.env.size(); ++e) {
    dependence(d, *p.nl, p.env, e, atoms);
    p.start[e + 1] = p.start[e] + static_cast<long long>(atoms.size());
  }
}

// Fills the gradients of all structures (rows and samples numbered across them), in parallel.
void fill_gradients(const Descriptor& d, const std::vector<Structure>& ss, const std::vector<Prepared>& prep,
                    const Output& out) {
  long long row0 = 0, g0 = 0;
  for (size_t t = 0; t < ss.size(); ++t) {
    const Prepared& p = prep[t];
    const int n_env = p.env.size();
    std::exception_ptr error;
#pragma omp parallel
    {
      Scratch w;
      w.slot.assign(ss[t].size(), -1);
#pragma omp for schedule(dynamic)
      for (int e = 0; e < n_env; ++e) {
        try {
          fill_environment(d, ss[t], *p.nl, p.env, e, row0 + e, g0 + p.start[e], static_cast<long long>(t), w, out);
        } catch (...) {
#pragma omp critical
          error = std::current_exception();
        }
      }
    }
    if (error) std::rethrow_exception(error);
    row0 += n_env;
    g0 += p.start[n_env];
  }
}

py::dict assemble_values(const std::vector<Prepared>& prep, int dim) {
  py::ssize_t n_rows = 0;
  bool pairs = false;
  for (const Prepared& p : prep) {
    n_rows += p.env.size();
    pairs = pairs || !p.partner.empty();
  }
  py::array_t<double> values({n_rows, static_cast<py::ssize_t>(dim)}), weights(n_rows);
  py::array_t<long long> centres(n_rows), structures(n_rows), groups(n_rows), partners(n_rows);
  py::ssize_t row = 0;
  for (size_t t = 0; t < prep.size(); ++t) {
    const Environments& env = prep[t].env;
    for (int e = 0; e < env.size(); ++e, ++row) {
      if (dim > 0) std::memcpy(values.mutable_data(row, 0), env.q.row(e).data(), sizeof(double) * dim);
      weights.mutable_at(row) = env.w[e];
      centres.mutable_at(row) = env.atom[e];
      structures.mutable_at(row) = static_cast<long long>(t);
      groups.mutable_at(row) = env.group[e];
      partners.mutable_at(row) = prep[t].partner.empty() ? -1 : prep[t].partner[e];
    }
  }
  py::dict out;
  out["values"] = values;
  out["weights"] = weights;
  out["centres"] = centres;
  out["structures"] = structures;
  out["groups"] = groups;
  if (pairs) out["neighbours"] = partners;
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
    std::vector<Prepared> prep(ss.size());
    {
      py::gil_scoped_release release;
      for (size_t t = 0; t < ss.size(); ++t) prepare(*desc_, ss[t], neighbour_cutoff, gradients, prep[t]);
    }
    py::dict out = assemble_values(prep, desc_->dimension());
    if (!gradients) return out;
    py::ssize_t n_rows = 0, n_grad = 0;
    for (const Prepared& p : prep) {
      n_rows += p.env.size();
      n_grad += static_cast<py::ssize_t>(p.start.back());
    }
    const py::ssize_t dim = desc_->dimension();
    py::array_t<double> grad({n_grad, py::ssize_t(3), dim}), grad_w({n_grad, py::ssize_t(3)});
    py::array_t<double> strain({n_rows, py::ssize_t(3), py::ssize_t(3), dim});
    py::array_t<double> strain_w({n_rows, py::ssize_t(3), py::ssize_t(3)});
    py::array_t<long long> samples({n_grad, py::ssize_t(3)});
    const Output o{grad.mutable_data(), grad_w.mutable_data(), strain.mutable_data(), strain_w.mutable_data(),
                   samples.mutable_data()};
    {
      py::gil_scoped_release release;
      fill_gradients(*desc_, ss, prep, o);
    }
    out["gradient_samples"] = samples;
    out["gradients"] = grad;
    out["weight_gradients"] = grad_w;
    out["strain_gradients"] = strain;
    out["weight_strain_gradients"] = strain_w;
    return out;
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
