// SHA-256 (FIPS 180-4), incremental, written from the specification.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace soapgap {

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  // Appends bytes to the message. May be called any number of times, also after digest().
  void update(const void* data, std::size_t n);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // Digest of the message so far (does not change the state: update() may continue).
  std::array<std::uint8_t, 32> digest() const;
  // The same as 64 lowercase hexadecimal characters.
  std::string hex_digest() const;
  // Whether the x86 SHA extensions (SHA-NI) are used: where the CPU has them, unless
  // disallowed (for testing the portable code on such CPUs; affects all threads).
  static bool uses_cpu_extensions();
  static void allow_cpu_extensions(bool allow);

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buffer_;
  std::size_t buffered_ = 0;  // bytes in buffer_
  std::uint64_t length_ = 0;  // message length in bytes
};

// Hex SHA-256 of a byte string.
std::string sha256_hex(std::string_view bytes);
// Hex SHA-256 of a file's contents, read in chunks. Throws InputError if it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace soapgap
