// QUIP gap_fit command lines: `soapgap fit at_file=train.xyz gap={soap ... : distance_2b ...}
// default_sigma={...} gp_file=pot.xml ...` translated key by key into soapgap fit's own options
// (docs/gap_fit.md has the table). A supported key maps to a native option; a key that only tunes
// QUIP's own run (output layout, threads, verbosity) is accepted and noted; every other key, and
// every value soapgap cannot honour, is refused by name.
#pragma once
#include <string>
#include <vector>

namespace soapgap {

struct GapFitTranslation {
  std::vector<std::string> arguments;  // soapgap fit options, e.g. {"--train", "train.xyz", "--descriptor", ...}
  std::vector<std::string> notes;      // one line per key accepted without effect or mapped with a caveat
};

// True when words (the arguments after `fit`) are a gap_fit command line: the first is key=value
// (not an --option) or config_file=....
bool is_gap_fit_command_line(const std::vector<std::string>& words);

// words: as the shell split them; gap_fit's grouping by {} and "" is restored by joining them with
// spaces, as gap_fit does. config_file=FILE reads more key=value pairs from FILE. Throws
// InputError naming the key (and the term, for descriptor keys).
GapFitTranslation translate_gap_fit(const std::vector<std::string>& words);

// The key=value pairs of a gap_fit-style line: values grouped by nested {} or by "" (outer braces
// and quotes removed); keys lowercased. Throws InputError on an unbalanced brace or quote.
std::vector<std::pair<std::string, std::string>> split_gap_fit_line(const std::string& line);

}  // namespace soapgap
