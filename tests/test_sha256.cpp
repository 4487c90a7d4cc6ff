#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "core/sha256.h"

using soapgap::Sha256;
using soapgap::sha256_hex;

// Every test runs twice: with the x86 SHA extensions where the CPU has them, and with the
// portable code.
class Sha256Test : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { Sha256::allow_cpu_extensions(GetParam()); }
  void TearDown() override { Sha256::allow_cpu_extensions(true); }
};
INSTANTIATE_TEST_SUITE_P(Implementations, Sha256Test, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "CpuExtensionsIfAvailable" : "Portable";
                         });

// Test vectors from the NIST "Examples with intermediate values" for SHA-256 (FIPS 180-4)
// and the NIST CAVP short/long message sets.
TEST_P(Sha256Test, Empty) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_P(Sha256Test, Abc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_P(Sha256Test, TwoBlockMessage448Bits) {
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_P(Sha256Test, Message896Bits) {
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                       "klmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST_P(Sha256Test, OneMillionA) {
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), expected);
  // The same fed in irregular pieces: the incremental interface must agree.
  Sha256 s;
  const std::string chunk(997, 'a');
  std::size_t left = 1000000;
  for (std::size_t piece = 1; left > 0; piece = piece % 997 + 1) {
    const std::size_t n = std::min(piece, left);
    s.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(s.hex_digest(), expected);
}

TEST_P(Sha256Test, PaddingBoundaries) {
  // Lengths around the 55/56/64-byte padding boundaries, byte by byte vs all at once.
  for (std::size_t len : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u}) {
    std::string msg(len, '\0');
    for (std::size_t i = 0; i < len; ++i) msg[i] = static_cast<char>(i * 7 + 3);
    Sha256 s;
    for (char c : msg) s.update(&c, 1);
    EXPECT_EQ(s.hex_digest(), sha256_hex(msg)) << len;
  }
  // Known value: 64 bytes of 'a' (a full block before padding).
  EXPECT_EQ(sha256_hex(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_P(Sha256Test, DigestDoesNotFinalize) {
  Sha256 s;
  s.update("ab");
  EXPECT_EQ(s.hex_digest(), sha256_hex("ab"));
  s.update("c");
  EXPECT_EQ(s.hex_digest(), sha256_hex("abc"));
}

TEST_P(Sha256Test, File) {
  const std::string path = ::testing::TempDir() + "sha256_test_" + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string big(3 << 20, 'a');  // several read chunks
  std::fwrite(big.data(), 1, big.size(), f);
  std::fclose(f);
  EXPECT_EQ(soapgap::sha256_file(path), sha256_hex(big));
  std::remove(path.c_str());
  EXPECT_THROW(soapgap::sha256_file(path), soapgap::InputError);
}

TEST(Sha256, ImplementationsAgreeOnRandomData) {
  std::string msg;
  std::uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 5000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    msg += static_cast<char>(x);
  }
  for (std::size_t len : {0u, 1u, 63u, 64u, 65u, 1000u, 4999u}) {
    Sha256::allow_cpu_extensions(false);
    const std::string portable = sha256_hex(msg.substr(0, len));
    EXPECT_FALSE(Sha256::uses_cpu_extensions());
    Sha256::allow_cpu_extensions(true);
    EXPECT_EQ(sha256_hex(msg.substr(0, len)), portable) << len;
  }
}
