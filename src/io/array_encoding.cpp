#include "io/array_encoding.h"

#include "core/base64.h"
#include "core/error.h"

namespace soapgap {

void le_to_host_in_place(double* p, std::size_t n) {
  if (host_is_little_endian()) return;
  auto* b = reinterpret_cast<unsigned char*>(p);
  for (std::size_t k = 0; k < n; ++k, b += 8) std::reverse(b, b + 8);
}

Eigen::VectorXd pack_upper(const Eigen::MatrixXd& m) {
  const Eigen::Index n = m.rows();
  Eigen::VectorXd v(n * (n + 1) / 2);
  Eigen::Index k = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i; j < n; ++j) v[k++] = m(i, j);
  return v;
}

Eigen::MatrixXd unpack_upper(const Eigen::MatrixXd& packed, Eigen::Index n) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(n, n);
  Eigen::Index k = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i; j < n; ++j) m(i, j) = packed(k++);
  return m;
}

void Base64Lines::add(const unsigned char* p, std::size_t n) {
  while (n > 0) {
    const std::size_t take = std::min(n, kChunk - buf_.size());
    buf_.insert(buf_.end(), p, p + take);
    p += take;
    n -= take;
    if (buf_.size() == kChunk) flush();
  }
}

void Base64Lines::finish(const std::string& indent) {
  flush();
  write_("\n" + indent);
}

void Base64Lines::flush() {
  if (buf_.empty()) return;
  const std::string enc = base64_encode(buf_.data(), buf_.size());
  std::string text;
  text.reserve(enc.size() + enc.size() / 76 + 1);
  for (std::size_t i = 0; i < enc.size(); i += 76) {
    text += '\n';
    text.append(enc, i, 76);
  }
  write_(text);
  buf_.clear();
}

Eigen::MatrixXd decode_f64_array(std::string_view text, std::uint64_t rows, std::uint64_t cols) {
  const std::uint64_t values = rows * cols;
  const std::size_t bytes = base64_decoded_size(text);
  if (bytes != values * 8) {
    throw InputError("data holds " + std::to_string(bytes) + " bytes, expected " + std::to_string(values * 8) + " (" +
                     std::to_string(rows) + "x" + std::to_string(cols) + " float64 values)");
  }
  // Decoded straight into a cols x rows column-major matrix, whose memory order is the
  // file's row-major order; then transposed.
  Eigen::MatrixXd m(static_cast<Eigen::Index>(cols), static_cast<Eigen::Index>(rows));
  base64_decode(text, reinterpret_cast<unsigned char*>(m.data()), bytes);
  le_to_host_in_place(m.data(), values);
  m.transposeInPlace();
  return m;
}

}  // namespace soapgap
