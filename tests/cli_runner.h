// Runs a program (no shell) with its stdout and stderr captured, for the command-line tests.
#pragma once
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace soapgap::testing {

struct CliResult {
  int exit_code = -1;  // exit status, or -1 when the process did not exit normally
  int signal = 0;      // the signal that killed it, or 0
  std::string out, err;
  std::string command;  // for messages
};

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs argv[0] (looked up in PATH if it has no '/') with the given arguments; stdout and
// stderr go to capture_prefix + ".out" / ".err", which are read back and removed.
inline CliResult run_program(const std::vector<std::string>& argv, const std::string& capture_prefix) {
  CliResult r;
  for (size_t i = 0; i < argv.size(); ++i) r.command += (i ? " " : "") + ("'" + argv[i] + "'");
  const std::string out_path = capture_prefix + ".out", err_path = capture_prefix + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    r.err = std::string("posix_spawnp failed: ") + std::strerror(rc);
    return r;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_whole_file(out_path);
  r.err = read_whole_file(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  return r;
}

}  // namespace soapgap::testing
