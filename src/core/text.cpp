#include "core/text.h"

#include <charconv>
#include <cstdlib>
#include <system_error>

namespace soapgap::text {

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool blank(std::string_view s) {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

std::string_view trim(std::string_view s, std::string_view chars) {
  size_t b = 0, e = s.size();
  while (b < e && chars.find(s[b]) != std::string_view::npos) ++b;
  while (e > b && chars.find(s[e - 1]) != std::string_view::npos) --e;
  return s.substr(b, e - b);
}

void split(std::string_view s, std::vector<std::string_view>& out, std::string_view seps) {
  out.clear();
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    while (i < n && seps.find(s[i]) != std::string_view::npos) ++i;
    if (i >= n) break;
    const size_t b = i;
    while (i < n && seps.find(s[i]) == std::string_view::npos) ++i;
    out.push_back(s.substr(b, i - b));
  }
}

std::vector<std::string> split(std::string_view s, std::string_view seps) {
  std::vector<std::string_view> views;
  split(s, views, seps);
  return std::vector<std::string>(views.begin(), views.end());
}

bool parse_double(std::string_view t, double& x) {
  if (t.empty()) return false;
  std::string_view body = t;
  if (body.front() == '+') {
    body.remove_prefix(1);
    if (body.empty() || body.front() == '-' || body.front() == '+') return false;
  }
  const char* b = body.data();
  const char* e = b + body.size();
  double v = 0;
  auto r = std::from_chars(b, e, v);
  if (r.ptr != e) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow gives inf (rejected by callers that need finite values); underflow gives
    // the nearest denormal or zero, as Python does.
    const std::string copy(body);
    x = std::strtod(copy.c_str(), nullptr);
    return true;
  }
  if (r.ec != std::errc()) return false;
  x = v;
  return true;
}

bool parse_integer(std::string_view t, long long& x) {
  if (!t.empty() && t.front() == '+') {
    t.remove_prefix(1);
    if (!t.empty() && (t.front() == '-' || t.front() == '+')) return false;
  }
  if (t.empty() || (t.front() == '-' && t.size() == 1)) return false;
  long long v = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ptr != t.data() + t.size() || r.ec != std::errc()) return false;
  x = v;
  return true;
}

}  // namespace soapgap::text
