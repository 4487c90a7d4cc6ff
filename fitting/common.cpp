#include "common.h"

#include <omp.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"

namespace soapgap::cli {

void declare_key_options(Arguments& args) {
  args.option("energy-key", "KEY", "extxyz key of the reference total energy (eV) [energy]");
  args.option("forces-key", "KEY", "extxyz per-atom key of the reference forces (eV/A) [forces]");
  args.option("virial-key", "KEY", "extxyz key of the reference virial, 9 numbers (eV) [virial]");
  args.option("stress-key", "KEY",
              "extxyz key of the reference stress (eV/A^3, ASE sign), used when no virial [stress]");
  args.option("config-type-key", "KEY", "extxyz key of the configuration type [config_type]");
}

ExtxyzKeys keys_from(const Arguments& args) {
  ExtxyzKeys k;
  k.energy = args.get("energy-key", k.energy);
  k.forces = args.get("forces-key", k.forces);
  k.virial = args.get("virial-key", k.virial);
  k.stress = args.get("stress-key", k.stress);
  k.config_type = args.get("config-type-key", k.config_type);
  return k;
}

void declare_threads_option(Arguments& args) {
  args.option("threads", "N", "OpenMP threads [OMP_NUM_THREADS or all cores]");
}

void apply_threads(const Arguments& args) {
  if (!args.has("threads")) return;
  const long long n = args.get_int("threads", 0);
  if (n < 1 || n > 4096)
    throw UsageError("--threads=" + args.get("threads") + ": expected a number between 1 and 4096");
  omp_set_num_threads(static_cast<int>(n));
}

void declare_common_options(Arguments& args) {
  args.flag("quiet", "no progress output");
  args.flag("help", "show this help");
  declare_key_options(args);
  declare_threads_option(args);
}

bool parse_command_line(Arguments& args, int argc, char** argv, const char* help_text) {
  args.parse(argc, argv, 2);
  if (args.has("help")) {
    std::cout << help_text << args.help();
    return false;
  }
  apply_threads(args);
  return true;
}

std::ostream* progress_stream(const Arguments& args) { return args.has("quiet") ? nullptr : &std::cerr; }

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool plain = !a.empty() && a.find_first_of(" \t\"'\\$`{}*?;&|<>()") == std::string::npos;
    if (i) out += ' ';
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

void make_directory(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!partial.empty() && mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
        throw InputError("cannot create directory " + partial + ": " + std::strerror(errno));
    }
    if (i < path.size()) partial += path[i];
  }
}

void prepare_report_directory(const std::string& dir) {
  make_directory(dir);
  check_output_path("--report", dir + "/errors.json");
}

}  // namespace soapgap::cli
