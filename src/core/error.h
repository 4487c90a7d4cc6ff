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

// Returns read(); an InputError whose message holds line breaks (e.g. quoting an attribute value
// with &#10;) is thrown again as one line, so that every message stays one line.
template <class Read>
auto with_one_line_errors(Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const InputError& e) {
    std::string msg = e.what();
    if (msg.find_first_of("\n\r") == std::string::npos) throw;
    for (char& ch : msg)
      if (ch == '\n' || ch == '\r') ch = ' ';
    throw InputError(msg);
  }
}

}  // namespace soapgap
