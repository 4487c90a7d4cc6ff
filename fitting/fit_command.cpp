// soapgap fit: sparse GP fit of a potential to an extended XYZ training set.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>
#include <sstream>

#include "common.h"
#include "core/atomic_file.h"
#include "core/elements.h"
#include "core/error.h"
#include "core/key_value.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/version.h"
#include "io/gap_fit_command_line.h"
#include "io/potential_file.h"
#include "model/error_metrics.h"
#include "model/fit_communicator.h"
#include "model/potential.h"
#include "model/sparse_gp_fit.h"
#include "mpi_session.h"

namespace soapgap::cli {

namespace {

std::string gap_fit_line;  // the gap_fit command line this fit was translated from, if any

const char* kFitHelp =
    "Usage: soapgap fit --train train.xyz --output pot.xml --descriptor SPEC [--descriptor SPEC ...] [options]\n"
    "\n"
    "Fits a sparse GP (SOAP-GAP) potential to the total energies, forces and virials of the\n"
    "configurations in train.xyz (extended XYZ, as written by ASE). Units: eV, Angstrom.\n"
    "\n"
    "Descriptor specs (one term each; terms are summed):\n"
    "  \"soap n_max=8 l_max=6 cutoff=5.0 cutoff_transition_width=1.0 atom_sigma=0.5 central_weight=1.0\n"
    "        zeta=4 delta=1.0 n_sparse=1000 sparse_method=cur\"\n"
    "  \"distance_2b cutoff=5.0 cutoff_transition_width=1.0 theta=0.5 delta=0.5 n_sparse=20 sparse_method=fps\"\n"
    "  n_sparse is per kernel group (per centre element for soap, per element pair for distance_2b);\n"
    "  sparse_method: cur (default for soap), fps (default for distance_2b), random, all.\n"
    "  species={14 8} restricts a term to some elements (default: all elements of the training set).\n"
    "\n"
    "Example:\n"
    "  soapgap fit --train train.xyz --output Si.xml \\\n"
    "      --descriptor \"distance_2b cutoff=5 theta=0.5 delta=0.5 n_sparse=20\" \\\n"
    "      --descriptor \"soap n_max=8 l_max=6 cutoff=5 atom_sigma=0.5 zeta=4 delta=0.2 n_sparse=500\" \\\n"
    "      --sigma-energy 0.002 --sigma-force 0.1 --sigma-virial 0.05 --e0 Si=-158.54 --validate test.xyz\n"
    "\n"
    "A QUIP gap_fit command line is also accepted as written (its keys are translated into these\n"
    "options, shown, and refused by name where soapgap has no equivalent; docs/gap_fit.md):\n"
    "  soapgap fit at_file=train.xyz gap={soap n_max=8 l_max=6 cutoff=5 atom_sigma=0.5 zeta=4 delta=0.2 \\\n"
    "      covariance_type=dot_product n_sparse=500 sparse_method=cur_points} \\\n"
    "      default_sigma={0.002 0.1 0.05 0} e0={Si:-158.54} gp_file=Si.xml\n"
    "\n";

// --e0 SYMBOL=EV[,SYMBOL=EV...] (repeatable), or --e0 EV for every element.
void parse_e0(const std::vector<std::string>& items, FitSettings& settings) {
  for (const std::string& item : items) {
    std::stringstream ss(item);
    std::string part;
    while (std::getline(ss, part, ',')) {
      size_t eq = part.find('=');
      double x = 0;
      if (eq == std::string::npos && text::parse_double(part, x)) {
        if (!std::isfinite(x)) throw UsageError("--e0 " + part + ": expected a finite energy in eV");
        settings.e0_all = x;
        continue;
      }
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--e0 " + part + ": expected SYMBOL=ENERGY, e.g. Si=-158.54, or one energy for every element");
      int z;
      try {
        z = atomic_number(part.substr(0, eq));
      } catch (const InputError& e) {
        throw UsageError(std::string("--e0: ") + e.what());
      }
      const std::string v = part.substr(eq + 1);
      if (!text::parse_double(v, x) || !std::isfinite(x))
        throw UsageError("--e0 " + part + ": expected a finite energy in eV");
      settings.e0[z] = x;
    }
  }
}

std::map<std::string, Sigmas> parse_config_type_sigmas(const std::vector<std::string>& items, const Sigmas& base) {
  std::map<std::string, Sigmas> out;
  for (const std::string& item : items) {
    std::vector<std::string> f;
    std::stringstream ss(item);
    std::string part;
    while (std::getline(ss, part, ':')) f.push_back(part);
    if (f.size() != 4 || f[0].empty())
      throw UsageError("--config-type-sigma " + item +
                       ": expected TYPE:ENERGY:FORCE:VIRIAL (use - to keep the default)");
    Sigmas s = base;
    double* dst[3] = {&s.energy, &s.force, &s.virial};
    for (int k = 0; k < 3; ++k) {
      if (f[k + 1] == "-") continue;
      double x = 0;
      if (!text::parse_double(f[k + 1], x) || !(x > 0) || !std::isfinite(x))
        throw UsageError("--config-type-sigma " + item + ": sigmas must be positive numbers");
      *dst[k] = x;
    }
    out[f[0]] = s;
  }
  return out;
}

ErrorReport evaluate_set(const Potential& pot, const std::vector<Structure>& set, const std::string& label,
                         std::ostream* log) {
  ErrorReport report;
  Progress progress(log, label, static_cast<long long>(set.size()), "configurations");
  for (const Structure& s : set) {
    report.add(s, pot.predict(s));
    progress.tick();
  }
  progress.finish();
  return report;
}

void declare_fit_options(Arguments& args) {
  args.option("train", "FILE", "training set, extended XYZ (required)");
  args.option("output", "FILE", "potential file to write (XML) (required)");
  args.option("descriptor", "SPEC", "a descriptor term, see above (required, repeatable)", true);
  args.option("sigma-energy", "EV", "expected energy error per atom, eV/atom [0.002]");
  args.option("sigma-force", "EV/A", "expected force error per component, eV/A [0.1]");
  args.option("sigma-virial", "EV", "expected virial error per atom per component, eV/atom [0.05]");
  args.option("config-type-sigma", "TYPE:E:F:V", "sigmas for one config_type ('-' keeps the default)", true);
  args.option("e0", "SYMBOL=EV", "isolated-atom energy, eV (a bare EV: every element); default: by --e0-method", true);
  args.option("e0-method", "M",
              "e0 of the elements not given: auto (single-atom configurations, else the least-squares mean per "
              "element), isolated (each element needs one single-atom configuration), average (mean energy per "
              "atom, the same for every element) [auto]");
  args.option("validate", "FILE", "held-out set (extended XYZ) to report errors on");
  args.option("seed", "N", "seed of the sparse-point selection [1]");
  args.option("jitter", "X", "diagonal jitter added to K_MM, relative to delta^2 [1e-8]");
  args.option("sparse-jitter", "EV2", "diagonal jitter added to K_MM as it is, eV^2 (gap_fit's sparse_jitter) [0]");
  args.flag("no-variance", "do not store the predicted-variance factors (two triangular M x M matrices; smaller file)");
  args.flag("no-energies", "ignore reference energies");
  args.flag("no-forces", "ignore reference forces");
  args.flag("no-virials", "ignore reference virials and stresses");
  args.option("report", "DIR", "write errors.json and errors.md (train and validation errors, timings) to DIR");
  declare_common_options(args);
}

FitSettings settings_from(const Arguments& args, std::ostream* log) {
  FitSettings settings;
  settings.terms = args.all("descriptor");
  settings.sigma.energy = args.get_double("sigma-energy", settings.sigma.energy);
  settings.sigma.force = args.get_double("sigma-force", settings.sigma.force);
  settings.sigma.virial = args.get_double("sigma-virial", settings.sigma.virial);
  if (!(settings.sigma.energy > 0 && settings.sigma.force > 0 && settings.sigma.virial > 0))
    throw UsageError("--sigma-energy, --sigma-force and --sigma-virial must be positive");
  settings.config_type_sigma = parse_config_type_sigmas(args.all("config-type-sigma"), settings.sigma);
  parse_e0(args.all("e0"), settings);
  settings.e0_method = args.get("e0-method", settings.e0_method);
  if (settings.e0_method != "auto" && settings.e0_method != "isolated" && settings.e0_method != "average")
    throw UsageError("--e0-method " + settings.e0_method + ": expected auto, isolated or average");
  long long seed = args.get_int("seed", 1);
  if (seed < 0) throw UsageError("--seed must be non-negative");
  settings.seed = static_cast<uint64_t>(seed);
  settings.jitter = args.get_double("jitter", settings.jitter);
  if (!(settings.jitter >= 0)) throw UsageError("--jitter must be non-negative");
  settings.sparse_jitter = args.get_double("sparse-jitter", settings.sparse_jitter);
  if (!(settings.sparse_jitter >= 0) || !std::isfinite(settings.sparse_jitter))
    throw UsageError("--sparse-jitter must be a non-negative number");
  settings.store_variance = !args.has("no-variance");
  settings.use_energy = !args.has("no-energies");
  settings.use_forces = !args.has("no-forces");
  settings.use_virial = !args.has("no-virials");
  settings.log = log;
  return settings;
}

// Runs fn on rank 0 only (all of it without MPI); every rank learns whether it failed: rank 0
// rethrows its exception, the others exit quietly (QuietExit), so that no rank waits for another.
template <class Fn>
void on_root(const FitCommunicator* comm, bool root, Fn fn) {
  if (!comm) {
    fn();
    return;
  }
  std::string problem;
  std::exception_ptr failure;
  if (root) try {
      fn();
    } catch (const std::exception& e) {
      problem = *e.what() ? e.what() : "error";
      failure = std::current_exception();
    }
  const std::string first = comm->first_error(problem);
  if (failure) std::rethrow_exception(failure);
  if (!first.empty()) throw QuietExit{1};
}

void log_training_set(std::ostream& log, const std::string& train_path, const std::vector<Structure>& train) {
  long long atoms = 0, ne = 0, nf = 0, nv = 0;
  for (const Structure& s : train) {
    atoms += s.size();
    ne += s.energy.has_value();
    nf += s.forces.has_value();
    nv += s.virial.has_value();
  }
  log << "training set " << train_path << ": " << train.size() << " configurations, " << atoms
      << " atoms; labels: " << ne << " energies, " << nf << " force sets, " << nv << " virials; "
      << omp_get_max_threads() << " threads" << std::endl;
}

// Names the file and the keys/options when there is nothing to fit (the library's message cannot).
void check_training_set(const std::vector<Structure>& train, const FitSettings& settings, const ExtxyzKeys& keys,
                        const std::string& train_path) {
  if (train.empty()) throw InputError(train_path + ": no configurations");
  check_fit_settings(train, settings, "--e0", train_path);
  bool any_label = false;
  for (const Structure& s : train)
    any_label = any_label || (settings.use_energy && s.energy) || (settings.use_forces && s.forces) ||
                (settings.use_virial && s.virial);
  if (!any_label)
    throw InputError(train_path + ": nothing to fit: " +
                     (settings.use_energy ? "no energy under key \"" + keys.energy + "\" (--energy-key)"
                                          : std::string("energies ignored (--no-energies)")) +
                     ", " +
                     (settings.use_forces ? "no forces under key \"" + keys.forces + "\" (--forces-key)"
                                          : std::string("forces ignored (--no-forces)")) +
                     ", " +
                     (settings.use_virial ? "no virial or stress under keys \"" + keys.virial + "\", \"" + keys.stress +
                                                "\" (--virial-key, --stress-key)"
                                          : std::string("virials ignored (--no-virials)")));
}

// Training (and validation, where given) errors and the timings, on stdout.
void print_summary(const ErrorReport& train_errors, const ErrorReport* valid_errors, const FitResult& result,
                   const Timer& timer) {
  train_errors.print_table(std::cout, "Training set errors");
  if (valid_errors) valid_errors->print_table(std::cout, "Validation set errors");
  std::cout << "Timings:\n";
  for (const auto& t : result.timings) std::cout << "  " << t.first << ": " << format_duration(t.second) << "\n";
  std::cout << "  wall clock: " << format_duration(timer.seconds()) << "\n";
}

// --report DIR: errors.json and errors.md.
void write_fit_report(const std::string& dir, const std::string& output, const std::string& command,
                      const FitResult& result, const ErrorReport& train_errors, const ErrorReport* valid_errors) {
  std::ostringstream json, md;
  json << "{\n  \"potential\": \"" << output << "\",\n  \"observations\": " << result.n_rows << ",\n  \"train\": ";
  train_errors.write_json(json, 2);
  if (valid_errors) {
    json << ",\n  \"validation\": ";
    valid_errors->write_json(json, 2);
  }
  json << ",\n  \"timings_seconds\": {";
  for (size_t i = 0; i < result.timings.size(); ++i)
    json << (i ? ", " : "") << "\"" << result.timings[i].first << "\": " << format_exact(result.timings[i].second);
  json << "}\n}\n";
  md << "# Fit report: " << output << "\n\nCommand: `" << command << "`\n\n";
  train_errors.write_markdown(md, "Training set");
  if (valid_errors) valid_errors->write_markdown(md, "Validation set");
  md << "### Timings\n\n| step | seconds |\n|---|---|\n";
  for (const auto& t : result.timings) md << "| " << t.first << " | " << format_exact(t.second) << " |\n";
  write_file_atomically(dir + "/errors.json", json.str());
  write_file_atomically(dir + "/errors.md", md.str());
}

}  // namespace

FitSettings gap_fit_settings(const std::string& line, ExtxyzKeys& keys, std::string& train_path, std::ostream* log) {
  const GapFitTranslation t = translate_gap_fit({line});
  std::vector<std::string> words{"soapgap", "fit"};
  words.insert(words.end(), t.arguments.begin(), t.arguments.end());
  std::vector<char*> ptrs;
  for (std::string& w : words) ptrs.push_back(w.data());
  Arguments args;
  declare_fit_options(args);
  args.parse(static_cast<int>(ptrs.size()), ptrs.data(), 2);
  keys = keys_from(args);
  train_path = args.get("train");
  return settings_from(args, log);
}

// `soapgap fit at_file=... gap={...} ...`: the gap_fit command line translated into soapgap fit's own
// options (io/gap_fit_command_line.h), shown, and run as those; the file records both lines. Of the
// native options, --quiet, --threads, --validate and --report may be added to it.
int run_gap_fit_command_line(int argc, char** argv) {
  std::vector<std::string> gap_fit_words, extra;
  for (int i = 2; i < argc; ++i) {
    const std::string w = argv[i];
    if (w.rfind("-", 0) != 0) {
      gap_fit_words.push_back(w);
      continue;
    }
    const std::string name = w.substr(0, w.find('='));
    if (name != "--quiet" && name != "--threads" && name != "--validate" && name != "--report")
      throw UsageError(w +
                       ": a gap_fit command line takes only --quiet, --threads, --validate and --report of "
                       "soapgap fit's own options");
    extra.push_back(w);
    if (name != "--quiet" && w.find('=') == std::string::npos && i + 1 < argc) extra.push_back(argv[++i]);
  }
  const GapFitTranslation t = translate_gap_fit(gap_fit_words);
  std::vector<std::string> native{argv[0], argv[1]};
  native.insert(native.end(), t.arguments.begin(), t.arguments.end());
  native.insert(native.end(), extra.begin(), extra.end());
  std::vector<char*> ptrs;
  for (std::string& w : native) ptrs.push_back(w.data());
  if (std::find(extra.begin(), extra.end(), "--quiet") == extra.end()) {
    std::cerr << "gap_fit command line, as soapgap fit options:\n  "
              << command_line(static_cast<int>(ptrs.size()), ptrs.data()) << std::endl;
    for (const std::string& note : t.notes) std::cerr << "  note: " << note << std::endl;
  }
  gap_fit_line = command_line(argc, argv);
  return run_fit(static_cast<int>(ptrs.size()), ptrs.data());
}

int run_fit(int argc, char** argv) {
  if (is_gap_fit_command_line(std::vector<std::string>(argv + 2, argv + argc)))
    return run_gap_fit_command_line(argc, argv);
  Arguments args;
  declare_fit_options(args);
  if (!parse_command_line(args, argc, argv, kFitHelp)) return 0;
  const std::string train_path = args.get("train"), output = args.get("output");
  if (args.all("descriptor").empty()) throw UsageError("missing required option --descriptor");
  // mpirun -np N: every rank fits its share; rank 0 alone logs, checks and writes the outputs.
  const FitCommunicator* comm = mpi_session().communicator();
  const bool root = mpi_session().rank() == 0;
  std::ostream* log = root ? progress_stream(args) : nullptr;
  // Every output is checked before any work: a bad path fails now, not after the fit.
  std::vector<std::string> inputs{train_path};
  if (args.has("validate")) inputs.push_back(args.get("validate"));
  on_root(comm, root, [&] {
    check_output_path("--output", output, inputs);
    if (args.has("report")) prepare_report_directory(args.get("report"));
  });
  FitSettings settings = settings_from(args, log);
  settings.communicator = comm;

  Timer timer;
  const ExtxyzKeys keys = keys_from(args);
  std::vector<Structure> train = read_extxyz(train_path, keys);
  std::vector<Structure> validation;
  if (args.has("validate")) {
    validation = read_extxyz(args.get("validate"), keys);
    if (validation.empty()) throw InputError(args.get("validate") + ": no configurations (--validate)");
  }
  if (log) log_training_set(*log, train_path, train);
  if (log && comm) {
    const auto [first, last] = my_configurations(train, *comm);
    *log << "distributed over " << comm->size() << " MPI ranks, by atom count; rank 0 has configurations " << first + 1
         << "-" << last << " (the progress below is rank 0's share)" << std::endl;
  }
  check_training_set(train, settings, keys, train_path);
  FitResult result = fit_sparse_gp(train, settings);
  if (!result.root) return 0;
  PotentialData& data = result.potential;
  record_fit_provenance(data, train.size(), settings);
  data.provenance["command_line"] = command_line(argc, argv);
  if (!gap_fit_line.empty()) data.provenance["gap_fit_command_line"] = gap_fit_line;
  data.provenance["training_file"] = train_path;
  data.provenance["training_sha256"] = sha256_file(train_path);
  if (log)
    for (const auto& kv : data.e0)
      *log << "e0(" << element_symbol(kv.first) << ") = " << format_exact(kv.second) << " eV ("
           << result.e0_source[kv.first] << ")" << std::endl;
  {
    Timer write_timer;
    write_potential(output, data);
    result.timings.emplace_back("write potential", write_timer.seconds());
  }
  if (log) *log << "wrote " << output << std::endl;

  Potential pot(data);
  Timer eval_timer;
  ErrorReport train_errors = evaluate_set(pot, train, "training errors", log);
  ErrorReport valid_errors;
  if (!validation.empty()) valid_errors = evaluate_set(pot, validation, "validation errors", log);
  result.timings.emplace_back("error evaluation", eval_timer.seconds());
  const ErrorReport* validated = validation.empty() ? nullptr : &valid_errors;
  print_summary(train_errors, validated, result, timer);
  if (args.has("report"))
    write_fit_report(args.get("report"), output, data.provenance["command_line"], result, train_errors, validated);
  return 0;
}

}  // namespace soapgap::cli
