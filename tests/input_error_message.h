// The message of the InputError that f() throws, or "no error" (for tests of error messages).
#pragma once
#include <string>

#include "core/error.h"

template <class F>
std::string input_error_message(F&& f) {
  try {
    f();
  } catch (const soapgap::InputError& e) {
    return e.what();
  }
  return "no error";
}
