#include "core/base64.h"

#include <array>
#include <cstdio>

#include "core/error.h"

namespace soapgap {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decoding table: 0-63 for the alphabet, kPad for '=', kSpace for whitespace, kBad otherwise.
constexpr unsigned char kPad = 64, kSpace = 65, kBad = 255;

constexpr std::array<unsigned char, 256> make_table() {
  std::array<unsigned char, 256> t{};
  for (auto& v : t) v = kBad;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<unsigned char>(i);
  t['='] = kPad;
  t[' '] = t['\t'] = t['\r'] = t['\n'] = kSpace;
  return t;
}
constexpr std::array<unsigned char, 256> kTable = make_table();

[[noreturn]] void fail_char(std::string_view text, std::size_t pos) {
  const unsigned char c = static_cast<unsigned char>(text[pos]);
  char buf[96];
  if (c >= 0x20 && c < 0x7f) {
    std::snprintf(buf, sizeof buf, "invalid base64: character '%c' (0x%02x) at offset %zu", c, c, pos);
  } else {
    std::snprintf(buf, sizeof buf, "invalid base64: byte 0x%02x at offset %zu", c, pos);
  }
  throw InputError(buf);
}

}  // namespace

std::string base64_encode(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.resize((n + 2) / 3 * 4);
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (unsigned(p[i]) << 16) | (unsigned(p[i + 1]) << 8) | p[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const unsigned v = unsigned(p[i]) << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    const unsigned v = (unsigned(p[i]) << 16) | (unsigned(p[i + 1]) << 8);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = '=';
  }
  return out;
}

std::size_t base64_decoded_size(std::string_view text) {
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) chars += kTable[t[i]] != kSpace;
  if (chars % 4 != 0) {
    throw InputError("invalid base64: " + std::to_string(chars) +
                     " characters (without whitespace), not a multiple of 4 (truncated?)");
  }
  std::size_t pad = 0;  // '=' at the end (other '=' are rejected by base64_decode)
  for (std::size_t i = text.size(); i > 0; --i) {
    const unsigned char v = kTable[t[i - 1]];
    if (v == kPad) {
      ++pad;
    } else if (v != kSpace) {
      break;
    }
  }
  if (pad > 2) throw InputError("invalid base64: more than two '=' padding characters");
  return chars / 4 * 3 - pad;
}

void base64_decode(std::string_view text, unsigned char* out, std::size_t out_size) {
  const std::size_t size = base64_decoded_size(text);
  if (size != out_size) {
    throw InputError("base64 data decodes to " + std::to_string(size) + " bytes, expected " + std::to_string(out_size));
  }
  // The count is valid; now every character and the place of the padding are checked.
  unsigned char* o = out;
  unsigned char* const end = out + out_size;
  unsigned quad[4];
  std::size_t quad_pos[4];
  int q = 0;
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Fast path: four alphabet characters at the start of a quantum give three bytes.
    while (q == 0 && i + 4 <= text.size()) {
      const unsigned a = kTable[t[i]], b = kTable[t[i + 1]], c = kTable[t[i + 2]], d = kTable[t[i + 3]];
      if ((a | b | c | d) >= 64) break;
      const unsigned v = (a << 18) | (b << 12) | (c << 6) | d;
      o[0] = static_cast<unsigned char>(v >> 16);
      o[1] = static_cast<unsigned char>(v >> 8);
      o[2] = static_cast<unsigned char>(v);
      o += 3;
      i += 4;
    }
    if (i >= text.size()) break;
    const unsigned char v = kTable[t[i]];
    if (v == kSpace) continue;
    if (v == kBad) fail_char(text, i);
    quad_pos[q] = i;
    quad[q++] = v;
    if (q < 4) continue;
    q = 0;
    if (quad[0] == kPad || quad[1] == kPad) fail_char(text, quad_pos[quad[0] == kPad ? 0 : 1]);
    if ((quad[2] == kPad || quad[3] == kPad) && text.find_first_not_of(" \t\r\n", i + 1) != std::string_view::npos) {
      throw InputError("invalid base64: data after '=' padding at offset " +
                       std::to_string(quad_pos[quad[2] == kPad ? 2 : 3]));
    }
    const unsigned v01 = (quad[0] << 18) | (quad[1] << 12);
    if (quad[2] == kPad) {  // "xx==": one byte; the 4 low bits of quad[1] must be zero
      if (quad[3] != kPad) fail_char(text, quad_pos[2]);
      if (quad[1] & 15) {
        throw InputError("invalid base64: non-zero unused bits before '==' at offset " + std::to_string(quad_pos[1]));
      }
      *o++ = static_cast<unsigned char>(v01 >> 16);
    } else if (quad[3] == kPad) {  // "xxx=": two bytes; the 2 low bits of quad[2] must be zero
      if (quad[2] & 3) {
        throw InputError("invalid base64: non-zero unused bits before '=' at offset " + std::to_string(quad_pos[2]));
      }
      const unsigned v = v01 | (quad[2] << 6);
      *o++ = static_cast<unsigned char>(v >> 16);
      *o++ = static_cast<unsigned char>(v >> 8);
    } else {
      const unsigned v = v01 | (quad[2] << 6) | quad[3];
      *o++ = static_cast<unsigned char>(v >> 16);
      *o++ = static_cast<unsigned char>(v >> 8);
      *o++ = static_cast<unsigned char>(v);
    }
  }
  // base64_decoded_size() guaranteed whole quads with padding only in the last one.
  if (o != end || q != 0) throw InputError("invalid base64: internal size mismatch");
}

std::vector<unsigned char> base64_decode(std::string_view text) {
  std::vector<unsigned char> out(base64_decoded_size(text));
  base64_decode(text, out.data(), out.size());
  return out;
}

}  // namespace soapgap
