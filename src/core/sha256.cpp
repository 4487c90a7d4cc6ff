// SHA-256 following FIPS 180-4, sections 4.1.2 (functions), 4.2.2 (constants),
// 5.1.1 (padding), 5.3.3 (initial hash value) and 6.2.2 (hash computation).
#include "core/sha256.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "core/error.h"

namespace soapgap {
namespace {

constexpr std::uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
inline std::uint32_t ch(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) ^ (~x & z); }
inline std::uint32_t maj(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
inline std::uint32_t big_sigma0(std::uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
inline std::uint32_t big_sigma1(std::uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
inline std::uint32_t small_sigma0(std::uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
inline std::uint32_t small_sigma1(std::uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SOAPGAP_SHA256_X86 1
// The same compression with the x86 SHA extensions (Intel SHA-NI: sha256rnds2 does two
// rounds, sha256msg1/msg2 the message schedule), chosen at run time where the CPU has them.
// The state is kept as the two vectors ABEF and CDGH that sha256rnds2 works on.
__attribute__((target("sha,sse4.1,ssse3"))) void compress_shani(std::uint32_t* h, const std::uint8_t* block) {
  const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));      // A B C D (low..high)
  __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4));  // E F G H
  abcd = _mm_shuffle_epi32(abcd, 0xB1);                                     // B A D C
  efgh = _mm_shuffle_epi32(efgh, 0x1B);                                     // H G F E
  __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);                            // F E B A
  __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);                         // H G D C
  const __m128i abef_in = abef, cdgh_in = cdgh;

  __m128i w[16];  // w[i] = message words 4i..4i+3
  for (int i = 0; i < 4; ++i) {
    w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i)), byteswap);
  }
  for (int i = 4; i < 16; ++i) {
    // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]: msg1 adds s0, alignr gives W[t-7],
    // msg2 adds s1 (including that of the words being computed).
    const __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w[i - 4], w[i - 3]), _mm_alignr_epi8(w[i - 1], w[i - 2], 4));
    w[i] = _mm_sha256msg2_epu32(t, w[i - 1]);
  }
  for (int i = 0; i < 16; ++i) {
    __m128i wk = _mm_add_epi32(w[i], _mm_loadu_si128(reinterpret_cast<const __m128i*>(kK + 4 * i)));
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);  // two rounds: new ABEF, old ABEF is CDGH
    wk = _mm_shuffle_epi32(wk, 0x0E);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
  }
  abef = _mm_add_epi32(abef, abef_in);
  cdgh = _mm_add_epi32(cdgh, cdgh_in);

  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);  // A B E F
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);  // G H C D
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

bool cpu_has_sha_extensions() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool sha = b & (1u << 29);
  return ssse3 && sse41 && sha;
}
#endif

std::atomic<bool> g_allow_cpu_extensions{true};

}  // namespace

bool Sha256::uses_cpu_extensions() {
#ifdef SOAPGAP_SHA256_X86
  static const bool available = cpu_has_sha_extensions();
  return available && g_allow_cpu_extensions.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

void Sha256::allow_cpu_extensions(bool allow) { g_allow_cpu_extensions = allow; }

void Sha256::reset() {
  h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  buffered_ = 0;
  length_ = 0;
}

void Sha256::compress(const std::uint8_t* block) {
#ifdef SOAPGAP_SHA256_X86
  if (uses_cpu_extensions()) {
    compress_shani(h_.data(), block);
    return;
  }
#endif
  std::uint32_t w[64];
  for (int t = 0; t < 16; ++t) {  // big-endian words, independent of the host byte order
    w[t] = (std::uint32_t(block[4 * t]) << 24) | (std::uint32_t(block[4 * t + 1]) << 16) |
           (std::uint32_t(block[4 * t + 2]) << 8) | std::uint32_t(block[4 * t + 3]);
  }
  for (int t = 16; t < 64; ++t) {
    w[t] = small_sigma1(w[t - 2]) + w[t - 7] + small_sigma0(w[t - 15]) + w[t - 16];
  }
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
  std::uint32_t e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  // One round of 6.2.2 step 3 without the register shuffle: the roles of the eight working
  // variables rotate instead (after a round, the new 'a' is stored in h and the new 'e' in d).
  const auto round = [&w](std::uint32_t a_, std::uint32_t b_, std::uint32_t c_, std::uint32_t& d_, std::uint32_t e_,
                          std::uint32_t f_, std::uint32_t g_, std::uint32_t& h_, int t) {
    const std::uint32_t t1 = h_ + big_sigma1(e_) + ch(e_, f_, g_) + kK[t] + w[t];
    d_ += t1;
    h_ = t1 + big_sigma0(a_) + maj(a_, b_, c_);
  };
  for (int t = 0; t < 64; t += 8) {
    round(a, b, c, d, e, f, g, h, t);
    round(h, a, b, c, d, e, f, g, t + 1);
    round(g, h, a, b, c, d, e, f, t + 2);
    round(f, g, h, a, b, c, d, e, t + 3);
    round(e, f, g, h, a, b, c, d, t + 4);
    round(d, e, f, g, h, a, b, c, t + 5);
    round(c, d, e, f, g, h, a, b, t + 6);
    round(b, c, d, e, f, g, h, a, t + 7);
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
  h_[5] += f;
  h_[6] += g;
  h_[7] += h;
}

void Sha256::update(const void* data, std::size_t n) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  length_ += n;
  if (buffered_ > 0) {
    const std::size_t take = std::min(n, buffer_.size() - buffered_);
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < buffer_.size()) return;
    compress(buffer_.data());
    buffered_ = 0;
  }
  for (; n >= 64; n -= 64, p += 64) compress(p);
  if (n > 0) {
    std::memcpy(buffer_.data(), p, n);
    buffered_ = n;
  }
}

std::array<std::uint8_t, 32> Sha256::digest() const {
  Sha256 s = *this;  // padding works on a copy, so that *this can be updated further
  const std::uint64_t bits = length_ * 8;
  // Padding (5.1.1): 0x80, zeros up to 56 mod 64, then the 64-bit big-endian bit length.
  std::uint8_t pad[72] = {0x80};
  const std::size_t pad_len = (s.buffered_ < 56 ? 56 : 120) - s.buffered_;
  for (int i = 0; i < 8; ++i) pad[pad_len + i] = std::uint8_t(bits >> (56 - 8 * i));
  s.update(pad, pad_len + 8);
  std::array<std::uint8_t, 32> out;
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = std::uint8_t(s.h_[i] >> 24);
    out[4 * i + 1] = std::uint8_t(s.h_[i] >> 16);
    out[4 * i + 2] = std::uint8_t(s.h_[i] >> 8);
    out[4 * i + 3] = std::uint8_t(s.h_[i]);
  }
  return out;
}

std::string Sha256::hex_digest() const {
  static const char kHex[] = "0123456789abcdef";
  const auto d = digest();
  std::string s(64, '0');
  for (int i = 0; i < 32; ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 15];
  }
  return s;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 s;
  s.update(bytes);
  return s.hex_digest();
}

std::string sha256_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw InputError(path + ": cannot open file: " + std::strerror(errno));
  Sha256 s;
  std::vector<char> buf(1 << 20);
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    s.update(buf.data(), n);
    if (n < buf.size()) break;
  }
  if (std::ferror(f.get())) throw InputError(path + ": read error: " + std::strerror(errno));
  return s.hex_digest();
}

}  // namespace soapgap
