// Error types thrown by soapgap. Every message is one line naming what was wrong
// (and, for input files, the file and line), so front ends can print it as is.
#pragma once
#include <stdexcept>
#include <string>

namespace soapgap {

// Bad user input: a malformed file, an unknown element, an invalid option value.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& what) : std::runtime_error(what) {}
};

// Input that is well-formed but physically invalid (atoms on top of each other, NaN positions).
class GeometryError : public InputError {
 public:
  explicit GeometryError(const std::string& what) : InputError(what) {}
};

}  // namespace soapgap
