// soapgap convert: rewrite a potential (a QUIP/GAP XML file, or a soapgap file) in soapgap's
// own format, with identical predictions.
#include <iostream>

#include "common.h"
#include "core/atomic_file.h"
#include "core/progress.h"
#include "io/load_potential.h"
#include "io/potential_file.h"
#include "model/potential.h"

namespace soapgap::cli {

int run_convert(int argc, char** argv) {
  Arguments args;
  args.positional("input", "potential file to read: QUIP/GAP XML (its sparseX files beside it) or soapgap XML");
  args.positional("output", "soapgap potential file to write");
  args.option("label", "LABEL", "QUIP GAP_params label to read (QUIP's xml_label) [the one in <Potential init_args>]");
  args.flag("help", "show this help");
  if (argc >= 3 && std::string(argv[2]) == "--help") {
    std::cout << "Usage: soapgap convert in.xml out.xml [--label LABEL]\n\n"
                 "Writes the potential of in.xml in soapgap's format (one file, checksummed), e.g. a GAP\n"
                 "written by QUIP's gap_fit, so that it loads without its sparseX files. Predictions are\n"
                 "identical (the same numbers are stored). QUIP files carry no variance data.\n\n"
              << args.help();
    return 0;
  }
  args.parse(argc, argv, 2);
  const std::string in = args.positional_value(0), out = args.positional_value(1);
  check_output_path("<output>", out, {in});
  PotentialData data = load_potential(in, args.has("label") ? args.get("label") : std::string());
  const Potential check(data);  // validates before anything is written
  data.provenance["converted_from"] = in;
  data.provenance["converted_date"] = utc_now();
  write_potential(out, data);
  std::cout << "soapgap convert: " << in << " -> " << out << " (" << check.terms().size() << " terms, "
            << check.n_sparse_total() << " sparse points" << (check.core() ? ", Glue core" : "") << ")\n";
  return 0;
}

}  // namespace soapgap::cli
