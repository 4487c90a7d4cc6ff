// Pieces shared by the soapgap subcommands.
#pragma once
#include <ostream>
#include <string>

#include "arguments.h"
#include "io/extxyz.h"
#include "model/sparse_gp_fit.h"

namespace soapgap::cli {

// Thrown on the ranks other than 0 when rank 0 reported a problem: exit with code, silently.
struct QuietExit {
  int code = 1;
};

// --energy-key, --forces-key, --virial-key, --stress-key, --config-type-key
void declare_key_options(Arguments& args);
ExtxyzKeys keys_from(const Arguments& args);
// --threads N (default: OMP_NUM_THREADS or all cores)
void declare_threads_option(Arguments& args);
void apply_threads(const Arguments& args);
// --quiet, --help, the extxyz key options and --threads, shared by fit and eval.
void declare_common_options(Arguments& args);
// Parses the subcommand's arguments; prints help_text and the options and returns false on
// --help, otherwise applies --threads and returns true.
bool parse_command_line(Arguments& args, int argc, char** argv, const char* help_text);
// Progress stream: stderr unless --quiet.
std::ostream* progress_stream(const Arguments& args);

// The command line as one shell-quoted string, for provenance.
std::string command_line(int argc, char** argv);
// Creates a directory (and parents); throws InputError on failure.
void make_directory(const std::string& path);
// --report DIR, before any work: creates DIR and checks that files can be written in it.
void prepare_report_directory(const std::string& dir);

int run_fit(int argc, char** argv);
// The fit settings, extxyz keys and training file of a gap_fit command line (e.g. a QUIP file's
// <command_line>), as `soapgap fit` would use them. Throws InputError naming a refused key.
FitSettings gap_fit_settings(const std::string& line, ExtxyzKeys& keys, std::string& train_path, std::ostream* log);
int run_eval(int argc, char** argv);
int run_info(int argc, char** argv);
int run_convert(int argc, char** argv);
int run_learn(int argc, char** argv);           // execs python3 -m soapgap.learn
int run_learning_curve(int argc, char** argv);  // execs python3 -m soapgap.learning_curve
int run_cross_validate(int argc, char** argv);  // execs python3 -m soapgap.cross_validation
int run_keys(int argc, char** argv);
int run_kernel(int argc, char** argv);

}  // namespace soapgap::cli
