// Errors of predictions against reference labels, overall and per config_type.
// Energies per atom (eV/atom), forces per Cartesian component (eV/Angstrom), virials per
// atom per component (eV/atom, 9 components).
#pragma once
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/structure.h"
#include "model/potential.h"

namespace soapgap {

struct ErrorStats {
  long long count = 0;
  double sum_sq = 0, sum_abs = 0, max_abs = 0;
  void add(double err);
  double rmse() const;
  double mae() const;
};

struct ErrorGroup {
  int n_configs = 0;
  ErrorStats energy_per_atom, force, virial_per_atom;
};

struct ErrorReport {
  ErrorGroup overall;
  std::map<std::string, ErrorGroup> by_config_type;  // "" shown as "(none)"
  void add(const Structure& reference, const Prediction& prediction);
  bool empty() const;  // no reference labels at all

  // Human-readable table (meV/atom, eV/Angstrom, meV/atom).
  void print_table(std::ostream& out, const std::string& title) const;
  // JSON object (SI-free: eV, Angstrom) and a markdown table.
  void write_json(std::ostream& out, int indent = 0) const;
  void write_markdown(std::ostream& out, const std::string& title) const;
};

}  // namespace soapgap
