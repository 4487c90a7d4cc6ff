// soapgap: fit, evaluate and inspect SOAP-GAP potentials.
#include <cstring>
#include <iostream>
#include <new>

#include "common.h"
#include "core/error.h"
#include "core/version.h"
#include "mpi_session.h"

namespace {

const char* kUsage =
    "soapgap " SOAPGAP_VERSION
    " - SOAP-GAP machine-learned interatomic potentials\n"
    "\n"
    "Usage: soapgap <command> [options]   (soapgap <command> --help for details)\n"
    "\n"
    "Commands:\n"
    "  fit    fit a potential to energies, forces and virials in an extended XYZ file\n"
    "  eval   predict energies, forces, virials (and variances) for an extended XYZ file\n"
    "  info   summarise a potential file (soapgap or QUIP/GAP XML)\n"
    "  convert  rewrite a QUIP/GAP XML potential in soapgap's format\n"
    "  keys   the keys of --descriptor specs (descriptors, kernels, fit) with defaults and ranges\n"
    "  learn  active learning: MD with the predicted variance, label, refit (python3 -m soapgap.learn)\n"
    "  kernel structure-kernel matrix of molecules (xyz, QM9, SDF, MOL2) as a NumPy .npy file\n"
    "  learning-curve  test error vs training size of a structure-kernel GP for molecular energies\n"
    "                  (python3 -m soapgap.molecules.learning_curve)\n"
    "  cross-validate  model selection: k-fold cross-validation of fit settings, folds stratified\n"
    "                  by config_type (python3 -m soapgap.cross_validation)\n"
    "\n"
    "Units: eV, Angstrom, eV/Angstrom; virials in eV (= -stress x volume).\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace soapgap::cli;
  MpiSession mpi(&argc, &argv);
  set_mpi_session(&mpi);
  // Under MPI, rank 0 alone reports the errors that every rank meets (input, usage); another
  // failure on one rank ends all ranks at once, so that none waits for it.
  const bool quiet_rank = mpi.size() > 1 && mpi.rank() != 0;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::cout << "soapgap " SOAPGAP_VERSION "\n";
    return 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "fit") return run_fit(argc, argv);
    if (command == "eval") return run_eval(argc, argv);
    if (command == "info") return run_info(argc, argv);
    if (command == "convert") return run_convert(argc, argv);
    if (command == "keys") return run_keys(argc, argv);
    if (command == "learn") return run_learn(argc, argv);
    if (command == "kernel") return run_kernel(argc, argv);
    if (command == "learning-curve") return run_learning_curve(argc, argv);
    if (command == "cross-validate") return run_cross_validate(argc, argv);
    std::cerr << "soapgap: unknown command \"" << command
              << "\" (expected fit, eval, info, convert, keys, learn, kernel, learning-curve or cross-validate; see "
                 "soapgap --help)\n";
    return 2;
  } catch (const UsageError& e) {
    if (!quiet_rank)
      std::cerr << "soapgap " << command << ": " << e.what() << " (see soapgap " << command << " --help)\n";
    return 2;
  } catch (const QuietExit& e) {
    return e.code;
  } catch (const soapgap::InputError& e) {
    if (!quiet_rank) std::cerr << "soapgap " << command << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "soapgap " << command << ": error: out of memory (reduce n_sparse or the training set)"
              << (mpi.size() > 1 ? " (MPI rank " + std::to_string(mpi.rank()) + ")" : "") << "\n";
    mpi.abort(1);
  } catch (const std::exception& e) {
    std::cerr << "soapgap " << command << ": error: " << e.what()
              << (mpi.size() > 1 ? " (MPI rank " + std::to_string(mpi.rank()) + ")" : "") << "\n";
    if (mpi.size() > 1) mpi.abort(1);
    return 1;
  }
}
