// soapgap info: a readable summary of a potential file.
#include <sys/stat.h>

#include <iostream>

#include "common.h"
#include "core/elements.h"
#include "core/key_value.h"
#include "core/progress.h"
#include "io/load_potential.h"
#include "io/potential_file.h"
#include "io/quip_potential.h"
#include "model/potential.h"

namespace soapgap::cli {

int run_info(int argc, char** argv) {
  Arguments args;
  args.positional("potential", "potential file");
  args.flag("help", "show this help");
  if (argc >= 3 && std::string(argv[2]) == "--help") {
    std::cout << "Usage: soapgap info pot.xml\n\nPrints the model, provenance and sizes of a potential file.\n\n"
              << args.help();
    return 0;
  }
  args.parse(argc, argv, 2);
  const std::string path = args.positional_value(0);
  const PotentialData data = load_potential(path);
  const Potential pot(data);
  struct stat st {};
  stat(path.c_str(), &st);
  if (is_quip_potential(path))
    std::cout << "potential file: " << path << " (" << format_bytes(static_cast<double>(st.st_size))
              << "), QUIP/GAP XML, imported (no checksum; soapgap convert writes a checksummed copy)\n";
  else
    std::cout << "potential file: " << path << " (" << format_bytes(static_cast<double>(st.st_size)) << "), format "
              << data.format_version << ", written by soapgap " << data.soapgap_version << ", checksum verified\n";
  for (const auto& kv : data.provenance) std::cout << "  " << kv.first << ": " << kv.second << "\n";
  std::cout << "units: energy eV, length Angstrom, forces eV/Angstrom, virial eV\n";
  std::cout << "elements:";
  for (int z : data.elements) {
    std::cout << " " << element_symbol(z);
    auto it = data.e0.find(z);
    if (it != data.e0.end()) std::cout << " (e0 = " << format_exact(it->second) << " eV)";
  }
  std::cout << "\ncutoff: " << pot.cutoff() << " Angstrom\n";
  for (size_t t = 0; t < pot.terms().size(); ++t) {
    const Term& term = pot.terms()[t];
    std::cout << "term " << t + 1 << ": " << term.spec() << "\n";
    std::cout << "  kernel " << term.kernel().name() << ", descriptor dimension " << term.descriptor().dimension()
              << "\n";
    for (const SparseGroupData& g : term.groups)
      if (g.alpha.size()) std::cout << "  group " << g.key << ": " << g.alpha.size() << " sparse points\n";
  }
  if (data.core) {
    std::cout << "core potential: Glue (QUIP IPModel_Glue), cutoff " << pot.core()->cutoff() << " Angstrom, elements";
    for (int z : pot.core()->elements()) std::cout << " " << element_symbol(z);
    std::cout << ", " << data.core->pairs.size() << " pair spline(s)\n";
  }
  std::cout << "sparse points in total: " << pot.n_sparse_total() << "\n";
  std::cout << "predicted variance: "
            << (!pot.has_variance()            ? "not stored"
                : data.variance->sparse_only() ? "sparse points only (k** - k^T K_MM^-1 k; no training data)"
                                               : "stored (posterior of the fit: factors of K_MM and Sigma^-1)")
            << "\n";
  std::cout << "jitter: " << format_exact(data.jitter) << "\n";
  return 0;
}

}  // namespace soapgap::cli
