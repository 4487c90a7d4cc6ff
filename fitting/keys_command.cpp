// soapgap keys: the keys of every descriptor, kernel and term fit option, with defaults, allowed
// values and meaning, as Markdown (the same tables docs/cli.md shows).
#include <cstring>
#include <iostream>

#include "common.h"
#include "model/term.h"

namespace soapgap::cli {

int run_keys(int argc, char** argv) {
  if (argc > 2 && (!std::strcmp(argv[2], "--help") || !std::strcmp(argv[2], "-h"))) {
    std::cout << "Usage: soapgap keys\n\nPrints the keys of --descriptor specs (descriptor, kernel and fit keys)\n"
                 "as Markdown tables: key, default, allowed values, meaning.\n";
    return 0;
  }
  if (argc > 2) throw UsageError(std::string("unexpected argument \"") + argv[2] + "\"");
  std::cout << term_keys_markdown();
  return 0;
}

}  // namespace soapgap::cli
