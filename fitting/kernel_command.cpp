// soapgap kernel: the structure-kernel matrix of molecules (or any structures) as a NumPy file.
#include <Eigen/Eigenvalues>

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "common.h"
#include "core/atomic_file.h"
#include "core/elements.h"
#include "core/error.h"
#include "core/progress.h"
#include "io/molecule_files.h"
#include "io/npy_file.h"
#include "structure/structure_environments.h"
#include "structure/structure_kernel.h"

namespace soapgap::cli {

namespace {

const char* kDefaultDescriptor = "soap n_max=6 l_max=4 cutoff=4 atom_sigma=0.5";

const char* kKernelHelp =
    "Usage: soapgap kernel --input a.sdf [--input-b b.xyz] --output K.npy [--descriptor SPEC]\n"
    "                      [--kind average|match|rematch] [--gamma 0.1] [--zeta 1] [options]\n"
    "\n"
    "Writes the normalised structure-kernel matrix k(A_i, B_j) (k(A, A) = 1, raised to zeta) of\n"
    "the molecules of --input with those of --input-b, or with themselves, as a NumPy .npy file\n"
    "(float64, rows = --input, columns = --input-b; numpy.load reads it). Inputs are files or\n"
    "directories in any format soapgap reads, by extension: .xyz/.extxyz (extended XYZ, or QM9's\n"
    "format when line 2 starts with \"gdb\"), .sdf/.sd/.mol (V2000), .mol2. The descriptor covers\n"
    "every element found in the inputs. Kinds: average (mean over all environment pairs),\n"
    "match (best matching of environments), rematch (entropy-regularised matching, parameter\n"
    "gamma > 0). Without --input-b the smallest eigenvalue is printed (match and rematch kernels\n"
    "need not be positive semi-definite); progress goes to stderr.\n"
    "\n";

std::string element_list(const std::vector<int>& zs) {
  std::string out;
  for (int z : zs) out += (out.empty() ? "" : " ") + element_symbol(z);
  return out;
}

std::vector<Structure> read_set(const Arguments& args, const std::string& option, MoleculeFormat format,
                                std::ostream* log) {
  const std::vector<std::string> paths = args.all(option);
  std::vector<Molecule> mols = read_molecules(paths, format);
  std::string names;
  for (const std::string& p : paths) names += (names.empty() ? "" : ", ") + p;
  if (mols.empty()) throw InputError("--" + option + " " + names + ": no molecules in the input");
  std::vector<Structure> out;
  out.reserve(mols.size());
  for (Molecule& m : mols) out.push_back(std::move(m.structure));
  if (log) *log << "read " << out.size() << " structures from " << names << "\n";
  return out;
}

}  // namespace

int run_kernel(int argc, char** argv) {
  Arguments args;
  args.option("input", "PATH", "molecules A: a file or directory (required; repeatable: read in order)", true);
  args.option("input-b", "PATH", "molecules B (repeatable); without it, A with itself", true);
  args.option("output", "FILE", "kernel matrix, NumPy .npy (float64, C order) (required)");
  args.option("format", "NAME", "auto (by extension), extxyz, qm9, sdf or mol2 [auto]");
  args.option("descriptor", "SPEC", std::string("per-atom descriptor [") + kDefaultDescriptor + "]");
  args.option("kind", "KIND", "average, match or rematch [average]");
  args.option("gamma", "X", "rematch: entropy regularisation, > 0 [0.1]");
  args.option("zeta", "N", "exponent of the normalised kernel, a positive integer [1]");
  args.option("tolerance", "X", "rematch: Sinkhorn stops at this summed marginal error [1e-9]");
  args.flag("no-eigenvalues", "do not compute the eigenvalues of the kernel of --input with itself (O(N^3))");
  args.flag("quiet", "no progress output");
  args.flag("help", "show this help");
  declare_threads_option(args);
  if (!parse_command_line(args, argc, argv, kKernelHelp)) return 0;
  std::ostream* log = progress_stream(args);

  StructureKernelOptions options;
  const std::string kind = args.get("kind", "average");
  if (kind != "average" && kind != "match" && kind != "rematch")
    throw UsageError("--kind=" + kind + ": expected average, match or rematch");
  options.kind = parse_structure_kernel_kind(kind);
  options.gamma = args.get_double("gamma", options.gamma);
  if (!(options.gamma > 0)) throw UsageError("--gamma=" + args.get("gamma") + ": expected a number > 0");
  const long long zeta = args.get_int("zeta", 1);
  if (zeta < 1 || zeta > 1000) throw UsageError("--zeta=" + args.get("zeta") + ": expected an integer from 1 to 1000");
  options.zeta = static_cast<int>(zeta);
  options.tolerance = args.get_double("tolerance", options.tolerance);
  if (!(options.tolerance > 0)) throw UsageError("--tolerance=" + args.get("tolerance") + ": expected a number > 0");
  if (!args.has("input")) throw UsageError("missing required option --input");
  const std::string output = args.get("output");
  std::vector<std::string> inputs = args.all("input");
  for (const std::string& b : args.all("input-b")) inputs.push_back(b);
  check_output_path("--output", output, inputs);
  const MoleculeFormat format = parse_molecule_format(args.get("format", "auto"));
  const std::string spec = args.get("descriptor", kDefaultDescriptor);

  const std::vector<Structure> a = read_set(args, "input", format, log);
  const bool have_b = args.has("input-b");
  std::vector<Structure> b;
  if (have_b) b = read_set(args, "input-b", format, log);
  const std::vector<int> species = elements_of({&a, have_b ? &b : nullptr});
  const std::unique_ptr<Descriptor> desc = parse_descriptor(spec, species);
  if (log) *log << "descriptor: " << desc->spec() << " (elements " << element_list(species) << ")\n";

  Timer timer;
  const std::vector<StructureEnvironments> A = structure_environments(a, *desc, "--input");
  std::vector<StructureEnvironments> B;
  if (have_b) B = structure_environments(b, *desc, "--input-b");
  if (log)
    *log << "environments: " << std::fixed << std::setprecision(1) << timer.seconds() << " s\n" << std::defaultfloat;
  const Eigen::MatrixXd K = structure_kernel_matrix(A, have_b ? &B : nullptr, options, log);
  write_npy(output, K);

  std::ostringstream what;
  what << kind;
  if (options.kind == StructureKernelKind::REMatch) what << ", gamma " << options.gamma;
  what << ", zeta " << options.zeta;
  std::cout << "kernel " << K.rows() << " x " << K.cols() << " (" << what.str() << ") written to " << output << "\n";
  if (!have_b && !args.has("no-eigenvalues")) {  // A with itself: symmetric
    const Eigen::MatrixXd S = 0.5 * (K + K.transpose());
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(S, Eigen::EigenvaluesOnly);
    if (eig.info() != Eigen::Success) throw InputError("the eigenvalue solver did not converge");
    const double lo = eig.eigenvalues()(0), hi = eig.eigenvalues()(K.rows() - 1);
    std::cout << std::setprecision(6) << "smallest eigenvalue: " << lo << " (largest " << hi << ")"
              << (lo < -1e-10 * std::max(1.0, hi) ? ": not positive semi-definite" : "") << "\n";
  }
  return 0;
}

}  // namespace soapgap::cli
