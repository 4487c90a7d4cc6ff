// soapgap eval: predictions of a potential for every configuration of an extended XYZ file.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/text.h"
#include "io/load_potential.h"
#include "io/potential_file.h"
#include "model/error_metrics.h"
#include "model/potential.h"

namespace soapgap::cli {

namespace {

const char* kEvalHelp =
    "Usage: soapgap eval --potential pot.xml --input in.xyz --output out.xyz [--variance[=total]] [options]\n"
    "\n"
    "Writes out.xyz (extended XYZ, readable by ase.io.read) with the model's predictions as\n"
    "energy (eV), forces (eV/A), virial (eV) and stress (eV/A^3, ASE sign; periodic cells only),\n"
    "per-atom local_energy (eV), with --variance local_variance (eV^2, as cheap as the energy) and\n"
    "with --variance=total also energy_variance (eV^2, of the total energy; its cost grows as the\n"
    "square of the atom count); --variance-terms 2,3 restricts both to the part of the energy\n"
    "of those terms (numbered from 1 as `soapgap info` lists them), e.g. the SOAP terms alone.\n"
    "--force-variance (implies --variance) adds per-atom force_variance (eV^2/A^2, the trace of the\n"
    "force's 3x3 covariance) and force_covariance (9 columns, row-major; docs/cli.md states the cost).\n"
    "Reference labels of the input are kept as ref_energy,\n"
    "ref_forces and ref_virial, and their RMSE/MAE are printed, overall and per config_type.\n"
    "\n";

// "2,3" -> {1, 2}: term numbers as `soapgap info` prints them (from 1), to 0-based indices.
std::vector<int> term_list(const std::string& option, const std::string& list) {
  std::vector<int> terms;
  const std::string message = option + ": expected term numbers 1, 2, ... separated by commas, got \"" + list + "\"";
  if (list.empty() || list.front() == ',' || list.back() == ',' || list.find(",,") != std::string::npos)
    throw InputError(message);
  for (const std::string& item : text::split(list, ",")) {
    long long t = 0;
    if (!text::parse_integer(item, t) || t < 1 || t > 1000000) throw InputError(message);
    terms.push_back(static_cast<int>(t - 1));
  }
  return terms;
}

}  // namespace

int run_eval(int argc, char** argv) {
  Arguments args;
  args.option("potential", "FILE", "potential file (required)");
  args.option("input", "FILE", "configurations, extended XYZ (required)");
  args.option("output", "FILE", "predictions, extended XYZ (required)");
  args.flag_with_value("variance", "local|total", "local",
                       "also predict variances: local (per-atom local_variance, O(N) like the energy; the "
                       "default) or total (adds energy_variance of the total energy, O(N^2) in the atom count)");
  args.option("variance-terms", "LIST", "with --variance: only these terms, e.g. 2,3 (numbered from 1)");
  args.flag("force-variance", "also the covariance of each atom's force (implies --variance)");
  args.option("report", "DIR", "write errors.json and errors.md to DIR");
  declare_common_options(args);
  if (!parse_command_line(args, argc, argv, kEvalHelp)) return 0;
  std::ostream* log = progress_stream(args);
  const std::string output = args.get("output");
  // Every output is checked before any work: a bad path fails now, not after the evaluation.
  check_output_path("--output", output, {args.get("input"), args.get("potential")});
  if (args.has("report")) prepare_report_directory(args.get("report"));
  const Potential pot(load_potential(args.get("potential")));
  std::vector<Structure> input = read_extxyz(args.get("input"), keys_from(args));
  if (input.empty()) throw InputError(args.get("input") + ": no configurations");
  PredictOptions options;
  options.variance = args.has("variance") || args.has("force-variance");
  options.force_variance = args.has("force-variance");
  options.total_variance = false;
  if (args.has("variance")) {
    const std::string kind = args.get("variance");
    if (kind != "local" && kind != "total")
      throw UsageError("--variance=" + kind + ": expected --variance, --variance=local or --variance=total");
    options.total_variance = kind == "total";
  }
  if (options.variance && !pot.has_variance())
    throw InputError(args.get("potential") + ": the potential has no variance data (it was fitted with --no-variance)");
  if (args.has("variance-terms")) {
    if (!options.variance) throw InputError("--variance-terms needs --variance");
    options.variance_terms = term_list("--variance-terms", args.get("variance-terms"));
    pot.check_variance_terms(options.variance_terms);
  }

  ErrorReport errors;
  std::vector<Structure> out;
  std::vector<ExtxyzExtras> extras;
  out.reserve(input.size());
  Progress progress(log, "eval", static_cast<long long>(input.size()), "configurations");
  for (const Structure& s : input) {
    const Prediction p = pot.predict(s, options);
    errors.add(s, p);
    ExtxyzExtras x = labels_as_extras(s, "ref_");
    Structure o = s;
    o.energy = p.energy;
    o.forces = p.forces;
    o.virial = p.virial;
    std::vector<double> local(p.local_energy.data(), p.local_energy.data() + p.local_energy.size());
    x.add_column("local_energy", local);
    if (options.variance) {
      if (options.total_variance) x.add_real("energy_variance", p.energy_variance);
      std::vector<double> var(p.local_variance.data(), p.local_variance.data() + p.local_variance.size());
      x.add_column("local_variance", var);
      if (options.force_variance) {
        const auto& c = p.force_covariance;
        const Eigen::VectorXd trace = c.col(0) + c.col(4) + c.col(8);
        x.add_column("force_variance", std::vector<double>(trace.data(), trace.data() + trace.size()));
        x.columns.push_back(PerAtomColumn{"force_covariance", 9, std::vector<double>(c.data(), c.data() + c.size())});
      }
    }
    out.push_back(std::move(o));
    extras.push_back(std::move(x));
    progress.tick();
  }
  progress.finish();
  write_extxyz(output, out, ExtxyzWriteOptions{}, extras);
  if (log) *log << "wrote " << output << std::endl;
  if (!errors.empty()) errors.print_table(std::cout, "Errors against the reference labels of " + args.get("input"));
  if (args.has("report")) {
    const std::string dir = args.get("report");
    std::ostringstream json, md;
    errors.write_json(json);
    json << "\n";
    errors.write_markdown(md, "Errors of " + args.get("potential") + " on " + args.get("input"));
    write_file_atomically(dir + "/errors.json", json.str());
    write_file_atomically(dir + "/errors.md", md.str());
  }
  return 0;
}

}  // namespace soapgap::cli
