#include "model/error_metrics.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace soapgap {

void ErrorStats::add(double err) {
  ++count;
  sum_sq += err * err;
  sum_abs += std::abs(err);
  max_abs = std::max(max_abs, std::abs(err));
}
double ErrorStats::rmse() const { return count ? std::sqrt(sum_sq / count) : 0.0; }
double ErrorStats::mae() const { return count ? sum_abs / count : 0.0; }

namespace {

void add_to(ErrorGroup& g, const Structure& ref, const Prediction& p) {
  ++g.n_configs;
  const int n = ref.size();
  if (ref.energy && n > 0) g.energy_per_atom.add((p.energy - *ref.energy) / n);
  if (ref.forces && p.forces.rows() == n)
    for (int i = 0; i < n; ++i)
      for (int a = 0; a < 3; ++a) g.force.add(p.forces(i, a) - (*ref.forces)(i, a));
  if (ref.virial && n > 0)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) g.virial_per_atom.add((p.virial(a, b) - (*ref.virial)(a, b)) / n);
}

std::string name_of(const std::string& config_type) { return config_type.empty() ? "(none)" : config_type; }

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
      continue;
    }
    o += c;
  }
  return o;
}

void json_stats(std::ostream& out, const char* name, const ErrorStats& s, const char* unit) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "\"%s\": {\"unit\": \"%s\", \"count\": %lld, \"rmse\": %.10g, \"mae\": %.10g, \"max\": %.10g}", name,
                unit, s.count, s.rmse(), s.mae(), s.max_abs);
  out << buf;
}

void json_group(std::ostream& out, const ErrorGroup& g) {
  out << "{\"n_configs\": " << g.n_configs << ", ";
  json_stats(out, "energy_per_atom", g.energy_per_atom, "eV/atom");
  out << ", ";
  json_stats(out, "force", g.force, "eV/Angstrom");
  out << ", ";
  json_stats(out, "virial_per_atom", g.virial_per_atom, "eV/atom");
  out << "}";
}

std::string cell(const ErrorStats& s, double scale) {
  if (s.count == 0) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g / %.4g", s.rmse() * scale, s.mae() * scale);
  return buf;
}

}  // namespace

void ErrorReport::add(const Structure& reference, const Prediction& prediction) {
  add_to(overall, reference, prediction);
  add_to(by_config_type[reference.config_type], reference, prediction);
}

bool ErrorReport::empty() const {
  return overall.energy_per_atom.count + overall.force.count + overall.virial_per_atom.count == 0;
}

void ErrorReport::print_table(std::ostream& out, const std::string& title) const {
  char buf[512];
  out << title << " (RMSE / MAE)\n";
  std::snprintf(buf, sizeof buf, "  %-24s %8s %22s %22s %22s\n", "config_type", "configs", "energy (meV/atom)",
                "force (eV/A)", "virial (meV/atom)");
  out << buf;
  auto row = [&](const std::string& name, const ErrorGroup& g) {
    std::snprintf(buf, sizeof buf, "  %-24s %8d %22s %22s %22s\n", name.c_str(), g.n_configs,
                  cell(g.energy_per_atom, 1000).c_str(), cell(g.force, 1).c_str(),
                  cell(g.virial_per_atom, 1000).c_str());
    out << buf;
  };
  for (const auto& kv : by_config_type) row(name_of(kv.first), kv.second);
  row("all", overall);
}

void ErrorReport::write_json(std::ostream& out, int indent) const {
  std::string pad(indent, ' ');
  out << "{\n" << pad << "  \"overall\": ";
  json_group(out, overall);
  out << ",\n" << pad << "  \"by_config_type\": {";
  bool first = true;
  for (const auto& kv : by_config_type) {
    out << (first ? "\n" : ",\n") << pad << "    \"" << json_escape(name_of(kv.first)) << "\": ";
    json_group(out, kv.second);
    first = false;
  }
  out << "\n" << pad << "  }\n" << pad << "}";
}

void ErrorReport::write_markdown(std::ostream& out, const std::string& title) const {
  out << "### " << title << "\n\n"
      << "| config_type | configs | energy RMSE / MAE (meV/atom) | force RMSE / MAE (eV/Å) | virial RMSE / MAE "
         "(meV/atom) |\n"
      << "|---|---|---|---|---|\n";
  auto row = [&](const std::string& name, const ErrorGroup& g) {
    out << "| " << name << " | " << g.n_configs << " | " << cell(g.energy_per_atom, 1000) << " | " << cell(g.force, 1)
        << " | " << cell(g.virial_per_atom, 1000) << " |\n";
  };
  for (const auto& kv : by_config_type) row(name_of(kv.first), kv.second);
  row("**all**", overall);
  out << "\n";
}

}  // namespace soapgap
