// The arrays of soapgap potential files (encoding "base64-float64-le", io/potential_file.h):
// IEEE-754 binary64 values in little-endian byte order whatever the host's, matrices row-major,
// base64 in lines of 76 characters; the same bytes feed the checksum (io/potential_checksum.h).
// Also the packing of the triangular variance factors.
#pragma once
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace soapgap {

constexpr const char* kArrayEncoding = "base64-float64-le";
// The most values one declared array may hold (2^31).
constexpr std::uint64_t kMaxArrayValues = std::uint64_t(1) << 31;

inline bool host_is_little_endian() {
  const std::uint32_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

inline void store_u64_le(std::uint64_t u, unsigned char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(u >> (8 * i));
}

inline void store_f64_le(double x, unsigned char* out) {
  std::uint64_t u;
  std::memcpy(&u, &x, 8);
  store_u64_le(u, out);
}

// Converts n little-endian float64 values stored in place to host order.
void le_to_host_in_place(double* p, std::size_t n);

// Calls sink(bytes, n) with the values of p[0, n) as little-endian float64, in chunks.
template <class Sink>
void emit_le(const double* p, std::size_t n, Sink&& sink) {
  if (host_is_little_endian()) {  // the memory already holds the bytes in file order
    if (n > 0) sink(reinterpret_cast<const unsigned char*>(p), 8 * n);
    return;
  }
  constexpr std::size_t kChunk = 8192;
  unsigned char buf[8 * kChunk];
  for (std::size_t i = 0; i < n; i += kChunk) {
    const std::size_t m = std::min(kChunk, n - i);
    for (std::size_t k = 0; k < m; ++k) store_f64_le(p[i + k], buf + 8 * k);
    sink(buf, 8 * m);
  }
}

// The same for a (column-major) matrix in row-major order, a block of rows at a time.
template <class Sink>
void emit_le_row_major(const Eigen::MatrixXd& m, Sink&& sink) {
  if (m.rows() == 0 || m.cols() == 0) return;
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Index block_rows = std::max<Eigen::Index>(1, 65536 / m.cols());
  RowMajor block;
  for (Eigen::Index i0 = 0; i0 < m.rows(); i0 += block_rows) {
    const Eigen::Index nb = std::min(block_rows, m.rows() - i0);
    block = m.middleRows(i0, nb);
    emit_le(block.data(), static_cast<std::size_t>(block.size()), sink);
  }
}

// The upper triangle of a square matrix, row by row (M(M+1)/2 values), and back.
Eigen::VectorXd pack_upper(const Eigen::MatrixXd& m);
Eigen::MatrixXd unpack_upper(const Eigen::MatrixXd& packed, Eigen::Index n);

// Base64 text in lines of 76 characters, each preceded by a newline, fed bytes in pieces (as
// emit_le gives them) and passed on to `write` in large pieces.
class Base64Lines {
 public:
  explicit Base64Lines(std::function<void(const std::string&)> write) : write_(std::move(write)) {
    buf_.reserve(kChunk);
  }
  void add(const unsigned char* p, std::size_t n);
  // Writes what is left, then a newline and `indent` (before the element's end tag).
  void finish(const std::string& indent);
  // A sink for emit_le and emit_le_row_major.
  auto sink() {
    return [this](const unsigned char* b, std::size_t n) { add(b, n); };
  }

 private:
  static constexpr std::size_t kLineBytes = 57;  // 76 characters
  static constexpr std::size_t kChunk = kLineBytes * 1024;
  void flush();
  std::function<void(const std::string&)> write_;
  std::vector<unsigned char> buf_;
};

// Decodes the base64 text of rows x cols little-endian float64 values, row-major, into a
// rows x cols matrix. The size the text holds is checked against rows x cols before anything
// is allocated. Throws InputError with the reason alone (the caller names the element).
Eigen::MatrixXd decode_f64_array(std::string_view text, std::uint64_t rows, std::uint64_t cols);

}  // namespace soapgap
