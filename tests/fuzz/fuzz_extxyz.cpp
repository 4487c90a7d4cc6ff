// libFuzzer target: the extended-XYZ reader (io/extxyz.h).
// Accepted outcomes: the frames, or InputError. For the frames read, every number soapgap
// uses (cell, positions, energy, forces, virial, sigmas) must be finite, the sizes must agree,
// the atomic numbers must be valid, and writing the frames and reading them back must give
// the same frames (bit for bit). Per-atom columns and info items that soapgap does not
// interpret are verbatim strings and are only compared in the round trip.
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "core/elements.h"
#include "fuzz_common.h"
#include "io/extxyz.h"

namespace {

using soapgap::Structure;
using soapgap_fuzz::bug;

void check_frame(const Structure& s, size_t frame) {
  const std::string where = "frame " + std::to_string(frame) + ": ";
  const int n = s.size();
  if (s.positions.rows() != n) bug(where + "positions have " + std::to_string(s.positions.rows()) + " rows");
  if (!s.cell.allFinite()) bug(where + "non-finite cell");
  if (!s.positions.allFinite()) bug(where + "non-finite position");
  for (int z : s.numbers)
    if (!soapgap::valid_atomic_number(z)) bug(where + "invalid atomic number " + std::to_string(z));
  if (s.energy && !std::isfinite(*s.energy)) bug(where + "non-finite energy");
  if (s.forces && (s.forces->rows() != n || !s.forces->allFinite())) bug(where + "forces wrong size or non-finite");
  if (s.virial && !s.virial->allFinite()) bug(where + "non-finite virial");
  for (const auto* v : {&s.sigma_energy, &s.sigma_force, &s.sigma_virial})
    if (*v && !(std::isfinite(**v) && **v > 0)) bug(where + "sigma not finite and positive");
  for (const auto& c : s.extra_columns)
    if (c.ncols < 1 || c.values.size() != static_cast<size_t>(n) * static_cast<size_t>(c.ncols))
      bug(where + "extra column " + c.name + " has the wrong number of values");
}

// Empty when a and b are equal, else what differs.
std::string difference(const Structure& a, const Structure& b) {
  auto eq = [](const auto& x, const auto& y) {
    return x.rows() == y.rows() && x.cols() == y.cols() && (x.array() == y.array()).all();
  };
  auto opt = [&](const auto& x, const auto& y) { return x.has_value() == y.has_value() && (!x || eq(*x, *y)); };
  auto optd = [](const std::optional<double>& x, const std::optional<double>& y) {
    return x.has_value() == y.has_value() && (!x || *x == *y);
  };
  if (a.numbers != b.numbers) return "numbers";
  if (a.pbc != b.pbc) return "pbc";
  if (!eq(a.cell, b.cell)) return "cell";
  if (!eq(a.positions, b.positions)) return "positions";
  if (!optd(a.energy, b.energy)) return "energy";
  if (!opt(a.forces, b.forces)) return "forces";
  if (!opt(a.virial, b.virial)) return "virial";
  if (a.config_type != b.config_type) return "config_type \"" + a.config_type + "\" -> \"" + b.config_type + "\"";
  if (!optd(a.sigma_energy, b.sigma_energy) || !optd(a.sigma_force, b.sigma_force) ||
      !optd(a.sigma_virial, b.sigma_virial))
    return "sigmas";
  if (a.extra_info.size() != b.extra_info.size())
    return "number of extra info items " + std::to_string(a.extra_info.size()) + " -> " +
           std::to_string(b.extra_info.size());
  for (size_t i = 0; i < a.extra_info.size(); ++i)
    if (a.extra_info[i] != b.extra_info[i])
      return "extra info " + std::to_string(i) + ": \"" + a.extra_info[i].first + "\"=\"" + a.extra_info[i].second +
             "\" -> \"" + b.extra_info[i].first + "\"=\"" + b.extra_info[i].second + "\"";
  if (a.extra_columns.size() != b.extra_columns.size()) return "number of extra columns";
  for (size_t i = 0; i < a.extra_columns.size(); ++i) {
    const auto &x = a.extra_columns[i], &y = b.extra_columns[i];
    if (x.name != y.name || x.type != y.type || x.ncols != y.ncols || x.values != y.values)
      return "extra column " + x.name;
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = soapgap_fuzz::write_input(data, size, "input.xyz");
  std::vector<Structure> frames;
  if (!soapgap_fuzz::accepted("read_extxyz", [&] { frames = soapgap::read_extxyz(path); })) return 0;
  for (size_t i = 0; i < frames.size(); ++i) check_frame(frames[i], i);

  // Round trip: write (stream), read back, compare.
  std::ostringstream out;
  for (const Structure& s : frames) {
    try {
      soapgap::write_extxyz(out, s);
    } catch (const std::exception& e) {
      bug(std::string("write_extxyz refused a frame the reader returned: ") + e.what());
    }
  }
  std::istringstream in(out.str());
  std::vector<Structure> back;
  try {
    back = soapgap::read_extxyz_stream(in, "round-trip");
  } catch (const std::exception& e) {
    bug(std::string("the written frames do not read back: ") + e.what() + "\n--- written:\n" + out.str());
  }
  if (back.size() != frames.size()) bug("the round trip changed the number of frames");
  for (size_t i = 0; i < frames.size(); ++i) {
    const std::string d = difference(frames[i], back[i]);
    if (!d.empty())
      bug("the round trip changed frame " + std::to_string(i) + ": " + d + "\n--- written:\n" + out.str());
  }
  return 0;
}
