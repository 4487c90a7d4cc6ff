// Names and limits of the soapgap potential file format (io/potential_file.h) that its writer
// (potential_file.cpp) and its reader (potential_file_read.cpp) share. Internal to src/io.
#pragma once

namespace soapgap::potential_format {

constexpr const char* kRootName = "soapgap_potential";
constexpr int kMaxZ = 118;

// <units>: the only values the format allows, in the order they are written.
struct Unit {
  const char* name;
  const char* value;
};
constexpr Unit kUnits[] = {{"energy", "eV"}, {"length", "Angstrom"}, {"force", "eV/Angstrom"}, {"virial", "eV"}};

}  // namespace soapgap::potential_format
