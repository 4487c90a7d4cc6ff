// Reading text lines without trusting the input: one line at a time from the stream buffer, so
// that a binary file (a NUL byte, e.g. /dev/zero) or a file without line breaks stops at once
// instead of growing memory without bound. Used by every text reader (extxyz, molecule files).
#pragma once
#include <cstddef>
#include <istream>
#include <string>

namespace soapgap {

// Longest line accepted by default (16 MiB): far beyond any real frame or record.
constexpr std::size_t kMaxTextLineBytes = std::size_t(1) << 24;

enum class TextLine {
  ok,        // `line` holds the next line, without its '\n' (and without a '\r' before it)
  end,       // end of input, nothing read
  nul_byte,  // a NUL byte at column line.size() + 1 (line holds what came before it)
  too_long,  // the line is longer than max_bytes
};

TextLine read_text_line(std::istream& in, std::string& line, std::size_t max_bytes = kMaxTextLineBytes);

// The message for nul_byte and too_long, e.g. "NUL byte at column 3 (a binary file?)".
std::string text_line_problem(TextLine status, const std::string& line, std::size_t max_bytes = kMaxTextLineBytes);

}  // namespace soapgap
