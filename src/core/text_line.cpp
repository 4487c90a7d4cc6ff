#include "core/text_line.h"

#include <streambuf>

namespace soapgap {

TextLine read_text_line(std::istream& in, std::string& line, std::size_t max_bytes) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  if (buf == nullptr) return TextLine::end;
  bool any = false;
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) break;
    any = true;
    if (c == '\n') break;
    if (c == '\0') return TextLine::nul_byte;
    if (line.size() >= max_bytes) return TextLine::too_long;
    line.push_back(static_cast<char>(c));
  }
  if (!any) return TextLine::end;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return TextLine::ok;
}

std::string text_line_problem(TextLine status, const std::string& line, std::size_t max_bytes) {
  switch (status) {
    case TextLine::nul_byte:
      return "NUL byte at column " + std::to_string(line.size() + 1) + " (a binary file?)";
    case TextLine::too_long:
      return "line longer than " + std::to_string(max_bytes) + " bytes (no line breaks?)";
    default:
      return "";
  }
}

}  // namespace soapgap
