#include "core/elements.h"

#include <array>
#include <unordered_map>

#include "core/error.h"

namespace soapgap {

namespace {

const std::array<std::string, kMaxAtomicNumber + 1>& symbols() {
  static const std::array<std::string, kMaxAtomicNumber + 1> table = {
      "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",
      "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
      "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn",
      "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho",
      "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po",
      "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md",
      "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};
  return table;
}

const std::unordered_map<std::string, int>& symbol_index() {
  static const std::unordered_map<std::string, int> index = [] {
    std::unordered_map<std::string, int> m;
    for (int z = 1; z <= kMaxAtomicNumber; ++z) m.emplace(symbols()[z], z);
    return m;
  }();
  return index;
}

}  // namespace

int atomic_number(const std::string& symbol) {
  auto it = symbol_index().find(symbol);
  if (it != symbol_index().end()) return it->second;
  bool digits = !symbol.empty() && symbol.size() <= 3;
  for (char c : symbol) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    int z = std::stoi(symbol);
    if (valid_atomic_number(z)) return z;
  }
  throw InputError("unknown element \"" + symbol +
                   "\"; expected a chemical symbol as in the periodic table (e.g. \"Si\") or an "
                   "atomic number 1.." +
                   std::to_string(kMaxAtomicNumber));
}

const std::string& element_symbol(int Z) {
  if (!valid_atomic_number(Z))
    throw InputError("atomic number " + std::to_string(Z) + " is out of range; expected 1.." +
                     std::to_string(kMaxAtomicNumber));
  return symbols()[Z];
}

}  // namespace soapgap
