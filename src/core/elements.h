// Chemical element symbols and atomic numbers, Z = 1 (H) .. 118 (Og).
#pragma once
#include <string>

namespace soapgap {

constexpr int kMaxAtomicNumber = 118;

// Atomic number of a symbol spelled exactly as in the periodic table ("Si", not "SI" or "si"),
// or of an atomic number written as decimal digits ("14"). Throws InputError
// ("unknown element \"Xx\"; expected ...") for anything else, including "0" and "119".
int atomic_number(const std::string& symbol);

// Symbol of atomic number Z ("Si" for 14). Throws InputError when Z is outside 1..118.
const std::string& element_symbol(int Z);

// True when 1 <= Z <= 118.
inline bool valid_atomic_number(int Z) { return Z >= 1 && Z <= kMaxAtomicNumber; }

}  // namespace soapgap
