// Shared by the libFuzzer targets of tests/fuzz: the input goes to a file (the readers take
// paths), and the outcome is checked. Acceptable: a successful read, or soapgap::InputError
// (GeometryError is one). Anything else aborts, so libFuzzer records it as a crash.
#pragma once
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <typeinfo>

#include "core/error.h"
#include "core/structure.h"
#include "model/potential.h"
#include "model/potential_data.h"

namespace soapgap_fuzz {

// Control characters (but newlines) and NUL printed as \xNN.
inline std::string printable(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

[[noreturn]] inline void bug(const std::string& what) {
  std::fprintf(stderr, "\nFUZZ BUG: %s\n", printable(what).c_str());
  std::fflush(stderr);
  std::abort();
}

// A per-process directory, in /dev/shm when it exists (no disk writes), removed at a normal
// exit (after a crash it stays: /dev/shm/soapgap-fuzz-PID-*, one small file).
inline const std::string& temp_dir() {
  static const std::string dir = [] {
    const char* env = std::getenv("TMPDIR");
    std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (env && *env ? env : "/tmp");
    std::string tmpl = base + "/soapgap-fuzz-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) bug("cannot create a temporary directory under " + base);
    static std::string keep;
    keep = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(keep, ec);
    });
    return tmpl;
  }();
  return dir;
}

// Writes the input to <temp_dir>/<name> and returns the path.
inline std::string write_input(const uint8_t* data, size_t size, const char* name) {
  const std::string path = temp_dir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) bug("cannot write " + path);
  if (size > 0 && std::fwrite(data, 1, size, f) != size) bug("cannot write " + path);
  if (std::fclose(f) != 0) bug("cannot close " + path);
  return path;
}

// Runs f(); InputError with a one-line message is an accepted outcome (returns false), any
// other exception is a bug. SOAPGAP_FUZZ_VERBOSE=1 prints each outcome (for seeds).
template <class F>
bool accepted(const char* stage, F&& f) {
  try {
    f();
    if (std::getenv("SOAPGAP_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s: accepted\n", stage);
    return true;
  } catch (const soapgap::InputError& e) {
    const std::string m = e.what();
    if (std::getenv("SOAPGAP_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s: InputError: %s\n", stage, m.c_str());
    if (m.empty()) bug(std::string(stage) + ": InputError with an empty message");
    if (m.find('\n') != std::string::npos) bug(std::string(stage) + ": InputError message spans several lines: " + m);
    return false;
  } catch (const std::exception& e) {
    bug(std::string(stage) + ": unexpected exception " + typeid(e).name() + ": " + e.what());
  } catch (...) {
    bug(std::string(stage) + ": unexpected non-standard exception");
  }
}

inline bool all_finite(const soapgap::PotentialData& d, std::string* where) {
  auto fin = [](double x) { return std::isfinite(x); };
  if (!fin(d.jitter)) return *where = "jitter", false;
  for (const auto& [z, e] : d.e0)
    if (!fin(e)) return *where = "e0 of Z=" + std::to_string(z), false;
  for (const auto& t : d.terms)
    for (const auto& g : t.groups)
      if (!g.sparse_points.allFinite() || !g.alpha.allFinite()) return *where = "group " + g.key, false;
  if (d.variance && (!d.variance->u.allFinite() || !d.variance->r.allFinite())) return *where = "variance", false;
  if (d.core) {
    auto spline = [&](const soapgap::CubicSplineData& s) {
      for (double x : s.x)
        if (!fin(x)) return false;
      for (double y : s.y)
        if (!fin(y)) return false;
      return fin(s.yp1) && fin(s.ypn);
    };
    for (const auto& e : d.core->elements)
      if (!spline(e.density) || !spline(e.embedding)) return *where = "core element", false;
    for (const auto& p : d.core->pairs)
      if (!spline(p.potential)) return *where = "core pair", false;
  }
  return true;
}

// What every potential reader must guarantee for the data it returns, then Potential built
// from it (InputError accepted) and one small prediction (energy, forces, variance when stored).
inline void exercise_potential(const soapgap::PotentialData& d) {
  using namespace soapgap;
  std::string where;
  if (!all_finite(d, &where)) bug("the reader returned a non-finite value in " + where);
  for (int z : d.elements)
    if (z < 1 || z > 118) bug("the reader returned the element Z=" + std::to_string(z));
  for (const auto& [z, e] : d.e0) {
    (void)e;
    bool found = false;
    for (int y : d.elements) found = found || y == z;
    if (!found) bug("the reader returned e0 for Z=" + std::to_string(z) + ", which is not an element");
  }
  for (const auto& t : d.terms)
    for (const auto& g : t.groups)
      if (g.alpha.size() != g.sparse_points.rows()) bug("alpha and sparse points differ in size in group " + g.key);

  std::unique_ptr<Potential> pot;
  if (!accepted("Potential", [&] { pot = std::make_unique<Potential>(d); })) return;
  if (d.elements.empty()) bug("Potential accepted data without elements");

  // Two atoms (the first and the last element) 1.9 A apart, not periodic.
  Structure s;
  s.numbers = {d.elements.front(), d.elements.back()};
  s.positions.resize(2, 3);
  s.positions << 0.0, 0.0, 0.0, 1.1, 1.2, 0.9;
  PredictOptions o;
  o.variance = pot->has_variance();
  accepted("Potential::predict", [&] {
    const Prediction p = pot->predict(s, o);
    (void)p;
  });
}

}  // namespace soapgap_fuzz
