// Bindings of src/structure/{structure_regression, svm_classifier, atom_contributions, kernel_psd}
// for soapgap.molecules (which checks the arguments and documents the units).
#include "bindings_structure_learning.h"

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <set>
#include <string>

#include "core/error.h"
#include "structure/atom_contributions.h"
#include "structure/kernel_psd.h"
#include "structure/structure_regression.h"
#include "structure/svm_classifier.h"

namespace py = pybind11;
using namespace soapgap;

std::unique_ptr<Descriptor> descriptor_over(const std::string& text, std::initializer_list<const py::list*> lists) {
  std::set<int> species;
  for (const py::list* frames_list : lists)
    for (const py::handle& f : *frames_list) {
      const py::array_t<long long, py::array::forcecast> z(f.attr("get_atomic_numbers")());
      for (py::ssize_t i = 0; i < z.size(); ++i) species.insert(static_cast<int>(z.at(i)));
    }
  return parse_descriptor(text, std::vector<int>(species.begin(), species.end()));
}

StructureKernelOptions structure_kernel_options(const std::string& kind, double gamma, int zeta, double tolerance) {
  StructureKernelOptions options;
  options.kind = parse_structure_kernel_kind(kind);
  options.gamma = gamma;
  options.zeta = zeta;
  options.tolerance = tolerance;
  return options;
}

namespace {

Eigen::VectorXd optional_vector(const py::object& v) {
  return v.is_none() ? Eigen::VectorXd() : v.cast<Eigen::VectorXd>();
}

// Unit-length descriptor rows and central atomic numbers of each frame (the inputs of the
// structure kernels), e.g. to feed another code the same environments.
py::tuple atomic_descriptors_py(const py::list& frames, const std::string& descriptor) {
  const std::unique_ptr<Descriptor> desc = descriptor_over(descriptor, {&frames});
  const std::vector<StructureEnvironments> X = structure_environments(frames, *desc, "frames");
  py::list q, z;
  for (const StructureEnvironments& e : X) {
    q.append(py::cast(Eigen::MatrixXd(e.q)));
    z.append(py::cast(e.species));
  }
  return py::make_tuple(q, z);
}

py::list atom_contributions_py(const py::list& frames, const py::list& train_frames, const Eigen::VectorXd& weights,
                               const std::string& descriptor, const std::string& kind, double gamma, int zeta,
                               double tolerance) {
  // The descriptor's species: the elements of both lists, as structure_kernel(frames, train_frames).
  const std::unique_ptr<Descriptor> desc = descriptor_over(descriptor, {&frames, &train_frames});
  const StructureKernelOptions options = structure_kernel_options(kind, gamma, zeta, tolerance);
  const std::vector<StructureEnvironments> X = structure_environments(frames, *desc, "frames");
  const std::vector<StructureEnvironments> T = structure_environments(train_frames, *desc, "train_frames");
  std::vector<Eigen::VectorXd> out;
  {
    py::gil_scoped_release release;
    out = kernel_atom_contributions(X, T, weights, options);
  }
  py::list result;
  for (Eigen::VectorXd& v : out) result.append(py::cast(std::move(v), py::return_value_policy::move));
  return result;
}

}  // namespace

void bind_structure_learning(py::module_& m) {
  py::class_<StructureRegression>(m, "_StructureRegression")
      .def(py::init([](const Eigen::MatrixXd& K, const Eigen::VectorXd& y, const Eigen::VectorXd& noise_variance,
                       const py::object& baseline, double signal_variance, double jitter, bool constant_mean,
                       bool check_eigenvalues, double eigenvalue_tolerance) {
             StructureRegressionOptions o;
             o.signal_variance = signal_variance;
             o.jitter = jitter;
             o.constant_mean = constant_mean;
             o.check_eigenvalues = check_eigenvalues;
             o.eigenvalue_tolerance = eigenvalue_tolerance;
             const Eigen::VectorXd b = optional_vector(baseline);
             py::gil_scoped_release release;
             return StructureRegression(K, y, noise_variance, b, o);
           }),
           py::arg("K"), py::arg("y"), py::arg("noise_variance"), py::arg("baseline"), py::arg("signal_variance"),
           py::arg("jitter"), py::arg("constant_mean"), py::arg("check_eigenvalues"), py::arg("eigenvalue_tolerance"))
      .def(
          "predict_mean",
          [](const StructureRegression& r, const Eigen::MatrixXd& K_star, const py::object& baseline) {
            return r.predict_mean(K_star, optional_vector(baseline));
          },
          py::arg("K_star"), py::arg("baseline"))
      .def("predict_variance", &StructureRegression::predict_variance, py::arg("K_star"), py::arg("diag"))
      .def_property_readonly("weights", &StructureRegression::weights)
      .def_property_readonly("mean", &StructureRegression::mean)
      .def_property_readonly("has_baseline", &StructureRegression::has_baseline)
      .def_property_readonly("smallest_eigenvalue", &StructureRegression::smallest_eigenvalue)
      .def_property_readonly("n_clipped", &StructureRegression::n_clipped)
      .def_property_readonly("log_marginal_likelihood", &StructureRegression::log_marginal_likelihood);

  m.def("_noise_from_discrepancy", &noise_from_discrepancy, py::arg("d"), py::arg("sigma0"), py::arg("lam"));
  m.def("_smallest_eigenvalue", &smallest_eigenvalue, py::arg("K"));
  m.def(
      "_clip_negative_eigenvalues",
      [](const Eigen::MatrixXd& K) {
        int n = 0;
        Eigen::MatrixXd out = clip_negative_eigenvalues(K, &n);
        return py::make_tuple(py::cast(std::move(out), py::return_value_policy::move), n);
      },
      py::arg("K"));
  m.def(
      "_svm_fit",
      [](const Eigen::MatrixXd& K, const Eigen::VectorXd& labels, double C, double tolerance, long long max_iterations,
         double tau) {
        SvmOptions o;
        o.C = C;
        o.tolerance = tolerance;
        o.max_iterations = max_iterations;
        o.tau = tau;
        SvmModel model;
        {
          py::gil_scoped_release release;
          model = fit_svm_classifier(K, labels, o);
        }
        py::dict out;
        out["dual_coef"] = py::cast(std::move(model.dual_coef), py::return_value_policy::move);
        out["bias"] = model.bias;
        out["support"] = model.support;
        out["iterations"] = model.iterations;
        out["kkt_gap"] = model.kkt_gap;
        out["objective"] = model.objective;
        return out;
      },
      py::arg("K"), py::arg("labels"), py::arg("C"), py::arg("tolerance"), py::arg("max_iterations"), py::arg("tau"));
  m.def("_atomic_descriptors", &atomic_descriptors_py, py::arg("frames"), py::arg("descriptor"));
  m.def("_atom_contributions", &atom_contributions_py, py::arg("frames"), py::arg("train_frames"), py::arg("weights"),
        py::arg("descriptor"), py::arg("kind"), py::arg("gamma"), py::arg("zeta"), py::arg("tolerance"));
}
