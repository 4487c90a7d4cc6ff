// Text helpers shared by every reader (extended XYZ, molecule files, option strings, QUIP
// files): one home for whitespace, case, splitting and whole-token number parsing.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace soapgap::text {

inline constexpr std::string_view kWhitespace = " \t\r\n\f\v";

inline bool is_space(char c) { return kWhitespace.find(c) != std::string_view::npos; }
// ASCII lower case (locale-independent).
std::string lower(std::string s);
// True when s has only characters of kWhitespace (or is empty).
bool blank(std::string_view s);
// s without leading and trailing characters of `chars`.
std::string_view trim(std::string_view s, std::string_view chars = kWhitespace);
// The non-empty fields of s between characters of `seps`, into out (cleared first; views into s).
void split(std::string_view s, std::vector<std::string_view>& out, std::string_view seps = kWhitespace);
std::vector<std::string> split(std::string_view s, std::string_view seps = kWhitespace);

// Whole-token numbers. parse_double takes Python float() syntax (optional sign, decimal or
// exponent notation, nan, inf; overflow gives inf, underflow the nearest denormal or zero) and
// returns non-finite values as such: callers that need finite numbers check. parse_integer
// takes an optional sign and decimal digits. Both return false, x untouched where the token is
// not entirely a number.
bool parse_double(std::string_view t, double& x);
bool parse_integer(std::string_view t, long long& x);

}  // namespace soapgap::text
