// soapgap convert: rewrite a potential (a QUIP/GAP XML file, or a soapgap file) in soapgap's
// own format, with identical predictions.
#include <iostream>

#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/key_value.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "core/text.h"
#include "io/extxyz.h"
#include "io/gap_fit_command_line.h"
#include "io/load_potential.h"
#include "io/potential_file.h"
#include "model/potential.h"
#include "model/variance_factors.h"

namespace soapgap::cli {

int run_convert(int argc, char** argv) {
  Arguments args;
  args.positional("input", "potential file to read: QUIP/GAP XML (its sparseX files beside it) or soapgap XML");
  args.positional("output", "soapgap potential file to write");
  args.option("label", "LABEL", "QUIP GAP_params label to read (QUIP's xml_label) [the one in <Potential init_args>]");
  args.flag("variance",
            "store a sparse-only predicted variance (k** - k^T K_MM^-1 k, from the sparse points alone) when the "
            "input has none, e.g. a QUIP file");
  args.option("train", "FILE",
              "the training set of a QUIP file, as its gap_fit read it: store the full predicted variance of that "
              "fit (U and R), refitted with the gap_fit settings of the file's <command_line>");
  args.flag("quiet", "no progress on stderr");
  args.flag("help", "show this help");
  if (argc >= 3 && std::string(argv[2]) == "--help") {
    std::cout << "Usage: soapgap convert in.xml out.xml [--label LABEL] [--variance | --train train.xyz]\n\n"
                 "Writes the potential of in.xml in soapgap's format (one file, checksummed), e.g. a GAP\n"
                 "written by QUIP's gap_fit, so that it loads without its sparseX files. Predictions are\n"
                 "identical (the same numbers are stored). QUIP files carry no variance data; with --variance\n"
                 "the output gets the sparse-only variance k** - k^T K_MM^-1 k (the prior variance that the\n"
                 "sparse points cannot represent; K_MM + gap_fit's sparse_jitter from the file's command line).\n\n"
              << args.help();
    return 0;
  }
  args.parse(argc, argv, 2);
  const std::string in = args.positional_value(0), out = args.positional_value(1);
  check_output_path("<output>", out, {in});
  PotentialData data = load_potential(in, args.has("label") ? args.get("label") : std::string());
  const Potential check(data);  // validates before anything is written
  if (args.has("train")) {
    if (data.variance) throw InputError(in + ": already holds variance data (" + data.variance->kind + ")");
    auto it = data.provenance.find("quip_command_line");
    if (it == data.provenance.end())
      throw InputError(in + ": --train needs the gap_fit settings of the fit, and the file has no <command_line>");
    ExtxyzKeys keys;
    std::string named_train;
    std::ostream* log = args.has("quiet") ? nullptr : &std::cerr;
    FitSettings settings = gap_fit_settings(it->second, keys, named_train, log);
    const std::vector<Structure> train = read_extxyz(args.get("train"), keys);
    double alpha_change = 0;
    data.variance = refit_variance_factors(data, train, settings, &alpha_change);
    data.provenance["variance_training_file"] = args.get("train");
    data.provenance["variance_training_sha256"] = sha256_file(args.get("train"));
    std::cout << "soapgap convert: predicted variance of the fit on " << args.get("train") << " (" << train.size()
              << " configurations; the file names " << named_train << "); refitted weights differ from the file's by "
              << format_exact(alpha_change) << " of the largest"
              << (alpha_change > 1e-3 ? ": WARNING: this is not the training set or the settings of the file's fit"
                                      : "")
              << "\n";
  } else if (args.has("variance") && !data.variance) {
    double jitter = 1e-10;  // gap_fit's default sparse_jitter
    auto it = data.provenance.find("quip_command_line");
    if (it != data.provenance.end())
      for (const auto& kv : split_gap_fit_line(it->second))
        if (kv.first == "sparse_jitter") text::parse_double(kv.second, jitter);
    double used = 0;
    data.variance = sparse_variance_factors(check, jitter, &used);
    data.provenance["variance_jitter"] = format_exact(used);
    std::cout << "soapgap convert: sparse-only variance over " << check.n_sparse_total()
              << " sparse points (K_MM jitter " << format_exact(used) << " eV^2)\n";
  } else if (args.has("variance") || args.has("train")) {
    std::cout << "soapgap convert: " << in << " already holds variance data (" << data.variance->kind << "); kept\n";
  }
  data.provenance["converted_from"] = in;
  data.provenance["converted_date"] = utc_now();
  write_potential(out, data);
  std::cout << "soapgap convert: " << in << " -> " << out << " (" << check.terms().size() << " terms, "
            << check.n_sparse_total() << " sparse points" << (check.core() ? ", Glue core" : "") << ")\n";
  return 0;
}

}  // namespace soapgap::cli
