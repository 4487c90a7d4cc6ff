// The commands written in Python: soapgap learn (soapgap.learn, the active-learning loop, see
// docs/active-learning.md), soapgap learning-curve (soapgap.molecules.learning_curve) and soapgap cross-validate
// (soapgap.cross_validation). They run with
// Debian's interpreter and the soapgap package that belongs to this executable:
// <bindir>/../python in the build tree, <prefix>/lib/python3/dist-packages once installed
// (SOAPGAP_PYTHONPATH overrides; SOAPGAP_PYTHON names another interpreter).
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "core/error.h"

namespace soapgap::cli {

namespace {

std::string executable_dir() {
  std::vector<char> buf(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return ".";
  std::string path(buf.data(), static_cast<size_t>(n));
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool is_file(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

}  // namespace

// Replaces this process by python3 -m soapgap.<module> argv[2..].
int run_python_module(int argc, char** argv, const std::string& module) {
  // soapgap.learn is a package (soapgap/learn/__main__.py), soapgap.molecules.learning_curve a module.
  std::string rel = module;
  std::replace(rel.begin(), rel.end(), '.', '/');
  const std::string file = "soapgap/" + rel + ".py", main_file = "soapgap/" + rel + "/__main__.py";
  const auto present = [&](const std::string& dir) {
    return is_file(dir + "/" + file) || is_file(dir + "/" + main_file);
  };
  std::string package_dir;
  std::vector<std::string> tried;
  if (const char* env = std::getenv("SOAPGAP_PYTHONPATH")) {
    package_dir = env;
    tried.push_back(package_dir + " (SOAPGAP_PYTHONPATH)");
  } else {
    const std::string bin = executable_dir();
    for (const std::string& dir : {bin + "/../python", bin + "/../lib/python3/dist-packages"}) {
      tried.push_back(dir);
      if (present(dir)) {
        package_dir = dir;
        break;
      }
    }
  }
  if (package_dir.empty() || !present(package_dir)) {
    std::string list;
    for (const std::string& t : tried) list += (list.empty() ? "" : ", ") + t;
    throw InputError("the Python package soapgap (" + file + ") was not found in " + list +
                     "; build it (SOAPGAP_BUILD_PYTHON=ON) or set SOAPGAP_PYTHONPATH");
  }
  const char* python = std::getenv("SOAPGAP_PYTHON") ? std::getenv("SOAPGAP_PYTHON") : "/usr/bin/python3";
  std::string pythonpath = package_dir;
  if (const char* old = std::getenv("PYTHONPATH"); old && *old) pythonpath += std::string(":") + old;
  ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
  const std::string dotted = "soapgap." + module;
  std::vector<char*> args = {const_cast<char*>(python), const_cast<char*>("-m"), const_cast<char*>(dotted.c_str())};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  ::execv(python, args.data());
  throw InputError(std::string("cannot run ") + python + ": " + std::strerror(errno) +
                   " (set SOAPGAP_PYTHON to a Python 3 with ASE and numpy)");
}

int run_learn(int argc, char** argv) { return run_python_module(argc, argv, "learn"); }

int run_learning_curve(int argc, char** argv) { return run_python_module(argc, argv, "molecules.learning_curve"); }

int run_cross_validate(int argc, char** argv) { return run_python_module(argc, argv, "cross_validation"); }

}  // namespace soapgap::cli
