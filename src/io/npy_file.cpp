#include "io/npy_file.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text.h"

namespace soapgap {

namespace {

const char kMagic[] = "\x93NUMPY";

bool host_is_little_endian() {
  const uint16_t x = 1;
  unsigned char c;
  std::memcpy(&c, &x, 1);
  return c == 1;
}

void swap_bytes(unsigned char* p) {
  for (int i = 0; i < 4; ++i) std::swap(p[i], p[7 - i]);
}

}  // namespace

void write_npy(std::ostream& out, const Eigen::MatrixXd& m) {
  std::ostringstream dict;
  dict << "{'descr': '<f8', 'fortran_order': False, 'shape': (" << m.rows() << ", " << m.cols() << "), }";
  std::string header = dict.str();
  // magic (6) + version (2) + header length (2) + header + '\n' = a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  const uint16_t len = static_cast<uint16_t>(header.size());
  out.write(kMagic, 6);
  const char version[2] = {1, 0};
  out.write(version, 2);
  const char len_le[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(len_le, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  const bool swap = !host_is_little_endian();
  std::vector<unsigned char> row(8 * static_cast<size_t>(m.cols()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      const double x = m(i, j);
      std::memcpy(&row[8 * j], &x, 8);
      if (swap) swap_bytes(&row[8 * j]);
    }
    out.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(row.size()));
  }
}

void write_npy(const std::string& path, const Eigen::MatrixXd& m) {
  AtomicFile file(path);
  write_npy(file.stream(), m);
  file.commit();
}

Eigen::MatrixXd read_npy_stream(std::istream& in, const std::string& name) {
  auto fail = [&](const std::string& what) -> void { throw InputError(name + ": " + what); };
  char pre[8];
  if (!in.read(pre, 8) || std::memcmp(pre, kMagic, 6) != 0) fail("not a NumPy .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(pre[6]);
  if (major < 1 || major > 3) fail("unsupported .npy format version " + std::to_string(major));
  size_t len = 0;
  unsigned char l[4] = {0, 0, 0, 0};
  const int nlen = major == 1 ? 2 : 4;
  if (!in.read(reinterpret_cast<char*>(l), nlen)) fail("truncated header");
  for (int i = nlen - 1; i >= 0; --i) len = len * 256 + l[i];
  std::string header(len, '\0');
  if (len > (1u << 20) || !in.read(header.data(), static_cast<std::streamsize>(len))) fail("truncated header");
  auto value_of = [&](const std::string& key) {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) fail("header without '" + key + "'");
    size_t v = header.find(':', k);
    if (v == std::string::npos) fail("malformed header");
    ++v;
    while (v < header.size() && header[v] == ' ') ++v;
    return v;
  };
  size_t d = value_of("descr");
  const std::string descr = header.substr(d, 5);
  bool big = false;
  if (descr == "'<f8'")
    big = false;
  else if (descr == "'>f8'")
    big = true;
  else
    fail("dtype " + descr + "; expected float64 ('<f8')");
  const size_t f = value_of("fortran_order");
  const bool fortran = header.compare(f, 4, "True") == 0;
  const size_t s = value_of("shape");
  const size_t close = header.find(')', s);
  if (header[s] != '(' || close == std::string::npos) fail("malformed shape");
  std::vector<long long> shape;
  std::istringstream dims(header.substr(s + 1, close - s - 1));
  std::string tok;
  while (std::getline(dims, tok, ',')) {
    if (tok.find_first_not_of(' ') == std::string::npos) continue;
    long long n = 0;
    if (!text::parse_integer(text::trim(tok, " "), n)) fail("malformed shape");
    shape.push_back(n);
  }
  if (shape.empty() || shape.size() > 2) fail("a " + std::to_string(shape.size()) + "-d array; expected 1-d or 2-d");
  const long long rows = shape.size() == 2 ? shape[0] : 1, cols = shape.back();
  if (rows < 0 || cols < 0) fail("negative shape");
  Eigen::MatrixXd m(rows, cols);
  const bool swap = big == host_is_little_endian();
  unsigned char b[8];
  for (long long k = 0; k < rows * cols; ++k) {
    if (!in.read(reinterpret_cast<char*>(b), 8)) fail("truncated data");
    if (swap) swap_bytes(b);
    double x;
    std::memcpy(&x, b, 8);
    if (fortran)
      m(k % rows, k / rows) = x;
    else
      m(k / cols, k % cols) = x;
  }
  return m;
}

Eigen::MatrixXd read_npy(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open " + path + ": " + std::strerror(errno ? errno : ENOENT));
  return read_npy_stream(in, path);
}

}  // namespace soapgap
