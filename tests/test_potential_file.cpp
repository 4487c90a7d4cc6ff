#include <gtest/gtest.h>

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base64.h"
#include "core/error.h"
#include "io/potential_file.h"
#include "model/potential.h"
#include "test_paths.h"
#include "test_structures.h"

using namespace soapgap;

namespace {

// A fresh directory per test.
class PotentialFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "soapgap_potfile_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    for (const std::string& f : list_dir()) {
      const std::string p = dir_ + "/" + f;
      if (std::remove(p.c_str()) != 0) ::rmdir(p.c_str());
    }
    ::rmdir(dir_.c_str());
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::vector<std::string> list_dir() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(n);
      }
      ::closedir(d);
    }
    return out;
  }
  std::string dir_;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& p, const std::string& text) {
  std::remove(p.c_str());  // (truncating an existing file makes ext4 flush it on close: slow)
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// Random doubles from random bit patterns (all exponents, denormals, signed zeros), finite
// only, mixed with awkward special values.
double awkward_double(std::mt19937_64& rng) {
  static const double specials[] = {0.0,
                                    -0.0,
                                    std::numeric_limits<double>::denorm_min(),
                                    -std::numeric_limits<double>::denorm_min(),
                                    1e-310,
                                    std::numeric_limits<double>::min(),
                                    std::numeric_limits<double>::max(),
                                    -std::numeric_limits<double>::max(),
                                    std::numeric_limits<double>::epsilon(),
                                    0.1,
                                    1.0 / 3.0};
  const std::uint64_t r = rng();
  if (r % 4 == 0) return specials[(r >> 8) % (sizeof specials / sizeof specials[0])];
  for (;;) {
    std::uint64_t bits = rng();
    double x;
    std::memcpy(&x, &bits, 8);
    if (std::isfinite(x)) return x;
  }
}

Eigen::MatrixXd random_matrix(std::mt19937_64& rng, Eigen::Index rows, Eigen::Index cols) {
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = awkward_double(rng);
  return m;
}

// Upper-triangular factors with positive diagonals, as a fit writes them.
VarianceFactors random_factors(std::mt19937_64& rng, Eigen::Index n) {
  VarianceFactors f;
  f.u = random_matrix(rng, n, n).triangularView<Eigen::Upper>();
  f.r = random_matrix(rng, n, n).triangularView<Eigen::Upper>();
  for (Eigen::Index i = 0; i < n; ++i) {
    f.u(i, i) = std::abs(f.u(i, i)) + 0.5;
    f.r(i, i) = std::abs(f.r(i, i)) + 0.5;
  }
  return f;
}

PotentialData sample_data(bool with_variance, unsigned seed = 1) {
  std::mt19937_64 rng(seed);
  PotentialData d;
  d.soapgap_version = "0.1.0";
  d.provenance["date"] = "2024-05-01T12:00:00Z";
  d.provenance["command_line"] = "soapgap fit --descriptor \"soap n_max=8\" <in.xyz> & more\n\ttab\r";
  d.provenance["training_file"] = "train \xC3\x85.xyz";  // non-ASCII
  d.provenance["training_sha256"] = std::string(64, 'f');
  d.elements = {1, 8, 14};
  d.e0[8] = -432.5612345678901;
  d.e0[14] = -158.54496821;  // element 1 has no e0
  d.jitter = 1e-8;

  TermData t1;
  t1.spec = "soap n_max=8 l_max=6 cutoff=5 species={14 8} zeta=4 delta=1";
  for (const auto& [key, rows, cols] :
       std::vector<std::tuple<std::string, int, int>>{{"14", 5, 7}, {"8", 3, 7}, {"1", 0, 7}}) {
    SparseGroupData g;
    g.key = key;
    g.sparse_points = random_matrix(rng, rows, cols);
    g.alpha = random_matrix(rng, rows, 1);
    t1.groups.push_back(g);
  }
  TermData t2;
  t2.spec = "distance_2b cutoff=4 theta=0.5 delta=0.1";
  SparseGroupData g;
  g.key = "8-14";
  g.sparse_points = random_matrix(rng, 13, 1);
  g.alpha = random_matrix(rng, 13, 1);
  t2.groups.push_back(g);
  TermData t3;  // a term without groups
  t3.spec = "empty_term";
  d.terms = {t1, t2, t3};
  if (with_variance) d.variance = random_factors(rng, 21);
  return d;
}

bool same_bits(const double* a, const double* b, std::size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(double)) == 0;
}

void expect_identical(const PotentialData& a, const PotentialData& b) {
  EXPECT_EQ(a.format_version, b.format_version);
  EXPECT_EQ(a.soapgap_version, b.soapgap_version);
  EXPECT_EQ(a.provenance, b.provenance);
  EXPECT_EQ(a.elements, b.elements);
  ASSERT_EQ(a.e0.size(), b.e0.size());
  for (const auto& [z, e] : a.e0) {
    ASSERT_TRUE(b.e0.count(z));
    EXPECT_TRUE(same_bits(&e, &b.e0.at(z), 1)) << z;
  }
  EXPECT_TRUE(same_bits(&a.jitter, &b.jitter, 1));
  ASSERT_EQ(a.terms.size(), b.terms.size());
  for (std::size_t t = 0; t < a.terms.size(); ++t) {
    EXPECT_EQ(a.terms[t].spec, b.terms[t].spec);
    ASSERT_EQ(a.terms[t].groups.size(), b.terms[t].groups.size());
    for (std::size_t k = 0; k < a.terms[t].groups.size(); ++k) {
      const SparseGroupData& ga = a.terms[t].groups[k];
      const SparseGroupData& gb = b.terms[t].groups[k];
      EXPECT_EQ(ga.key, gb.key);
      ASSERT_EQ(ga.sparse_points.rows(), gb.sparse_points.rows());
      ASSERT_EQ(ga.sparse_points.cols(), gb.sparse_points.cols());
      EXPECT_TRUE(same_bits(ga.sparse_points.data(), gb.sparse_points.data(), ga.sparse_points.size()));
      ASSERT_EQ(ga.alpha.size(), gb.alpha.size());
      EXPECT_TRUE(same_bits(ga.alpha.data(), gb.alpha.data(), ga.alpha.size()));
    }
  }
  ASSERT_EQ(a.variance.has_value(), b.variance.has_value());
  if (a.variance) {
    for (const auto& [x, y] : {std::pair(&a.variance->u, &b.variance->u), std::pair(&a.variance->r, &b.variance->r)}) {
      ASSERT_EQ(x->rows(), y->rows());
      ASSERT_EQ(x->cols(), y->cols());
      EXPECT_TRUE(same_bits(x->data(), y->data(), x->size()));
    }
  }
}

// The InputError message of reading `p`, or "" if it did not throw InputError.
std::string read_error(const std::string& p) {
  try {
    read_potential(p);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  s.replace(pos, from.size(), to);
}

}  // namespace

TEST_F(PotentialFileTest, RoundTripIsBitIdentical) {
  for (bool with_variance : {false, true}) {
    for (unsigned seed : {1u, 2u, 3u}) {
      const PotentialData d = sample_data(with_variance, seed);
      const std::string p = path("pot.xml");
      write_potential(p, d);
      const PotentialData r = read_potential(p);
      expect_identical(d, r);
      EXPECT_EQ(potential_checksum(d), potential_checksum(r));
      // Writing what was read gives the same file.
      const std::string first = slurp(p);
      write_potential(p, r);
      EXPECT_EQ(slurp(p), first);
    }
  }
}

TEST_F(PotentialFileTest, RoundTripMinimal) {
  PotentialData d;
  const std::string p = path("empty.xml");
  write_potential(p, d);
  expect_identical(d, read_potential(p));
  d.variance = VarianceFactors{Eigen::MatrixXd(0, 0), Eigen::MatrixXd(0, 0)};  // present, no sparse points
  write_potential(p, d);
  expect_identical(d, read_potential(p));
}

TEST_F(PotentialFileTest, FileLooksAsDocumented) {
  const std::string p = path("pot.xml");
  write_potential(p, sample_data(true));
  const std::string text = slurp(p);
  EXPECT_EQ(text.rfind("<?xml version=\"1.0\"", 0), 0u);
  for (const char* s :
       {"<soapgap_potential format_version=\"3\" soapgap_version=\"0.1.0\">",
        "<units energy=\"eV\" length=\"Angstrom\" force=\"eV/Angstrom\" virial=\"eV\"/>", "<elements jitter=\"1e-08\">",
        "<element Z=\"1\"/>", "<element Z=\"14\" e0=\"-158.54496821000001\"/>",
        "<group key=\"14\" n_sparse=\"5\" dimension=\"7\">",
        "<sparse_points rows=\"5\" cols=\"7\" encoding=\"base64-float64-le\">",
        "<alpha size=\"5\" encoding=\"base64-float64-le\">", "<variance size=\"21\">",
        "<u storage=\"upper_triangle_rows\" encoding=\"base64-float64-le\">",
        "<r storage=\"upper_triangle_rows\" encoding=\"base64-float64-le\">", "<checksum algorithm=\"sha256\">"}) {
    EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
  }
  EXPECT_NE(text.find("<checksum algorithm=\"sha256\">" + potential_checksum(sample_data(true)) + "</checksum>"),
            std::string::npos);
  EXPECT_TRUE(is_soapgap_potential(p));
}

TEST_F(PotentialFileTest, ArraysAreLittleEndianRowMajor) {
  PotentialData d;
  d.elements = {14};
  TermData t;
  t.spec = "x";
  SparseGroupData g;
  g.key = "14";
  g.sparse_points.resize(2, 2);
  g.sparse_points << 1.0, 2.0, 3.0, 4.0;
  g.alpha.resize(2);
  g.alpha << 1.0, -2.0;
  t.groups.push_back(g);
  d.terms.push_back(t);
  const std::string p = path("le.xml");
  write_potential(p, d);
  const std::string text = slurp(p);
  // 1.0 = 0x3FF0000000000000, little-endian: 00 00 00 00 00 00 F0 3F; row-major 1,2,3,4.
  const unsigned char bytes[] = {0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0,    0x40,
                                 0, 0, 0, 0, 0, 0, 0x08, 0x40, 0, 0, 0, 0, 0, 0, 0x10, 0x40};
  EXPECT_NE(text.find(base64_encode(bytes, sizeof bytes)), std::string::npos) << text;
}

TEST_F(PotentialFileTest, ChecksumIgnoresProvenanceButCoversModel) {
  PotentialData a = sample_data(true), b = a;
  b.provenance["host"] = "elsewhere";
  b.soapgap_version = "9.9";
  EXPECT_EQ(potential_checksum(a), potential_checksum(b));
  b.jitter = 2e-8;
  EXPECT_NE(potential_checksum(a), potential_checksum(b));
  b = a;
  b.e0.erase(8);
  EXPECT_NE(potential_checksum(a), potential_checksum(b));
  b = a;
  b.terms[0].groups[0].alpha[0] = -b.terms[0].groups[0].alpha[0];
  EXPECT_NE(potential_checksum(a), potential_checksum(b));
  b = a;
  b.variance.reset();
  EXPECT_NE(potential_checksum(a), potential_checksum(b));
  b = a;
  b.variance->r(0, 3) += 1.0;
  EXPECT_NE(potential_checksum(a), potential_checksum(b));
  // Moving a character between spec and key keeps the concatenation but not the checksum.
  b = a;
  b.terms[1].spec += "8";
  b.terms[1].groups[0].key = "-14";
  EXPECT_NE(potential_checksum(a), potential_checksum(b));
}

TEST_F(PotentialFileTest, SniffsRootElement) {
  const std::string p = path("pot.xml");
  write_potential(p, sample_data(false));
  EXPECT_TRUE(is_soapgap_potential(p));
  spit(path("other.xml"), "<?xml version=\"1.0\"?>\n<GAP_params label=\"x\"/>\n");
  EXPECT_FALSE(is_soapgap_potential(path("other.xml")));
  spit(path("text.xyz"), "3\nLattice=\"...\"\nSi 0 0 0\n");
  EXPECT_FALSE(is_soapgap_potential(path("text.xyz")));
  EXPECT_FALSE(is_soapgap_potential(path("missing.xml")));
}

TEST_F(PotentialFileTest, FlippedBase64CharacterIsDetected) {
  const std::string p = path("pot.xml");
  write_potential(p, sample_data(true));
  const std::string text = slurp(p);
  const auto alpha = text.find("<alpha size=\"5\"");
  ASSERT_NE(alpha, std::string::npos);
  const auto content = text.find('\n', alpha) + 1;  // first base64 line
  for (std::size_t k = 0; k < 40; k += 3) {
    std::string bad = text;
    char& c = bad[content + k];
    c = (c == 'A') ? 'B' : 'A';
    spit(path("bad.xml"), bad);
    const std::string msg = read_error(path("bad.xml"));
    EXPECT_NE(msg.find("checksum mismatch"), std::string::npos) << k << ": " << msg;
  }
  // An invalid character: reported with the file, line, element.
  std::string bad = text;
  bad[content + 5] = '#';
  spit(path("bad.xml"), bad);
  const std::string msg = read_error(path("bad.xml"));
  EXPECT_TRUE(std::regex_search(msg, std::regex("bad\\.xml:[0-9]+: <alpha>: invalid base64"))) << msg;
}

TEST_F(PotentialFileTest, EditedE0IsDetected) {
  const std::string p = path("pot.xml");
  write_potential(p, sample_data(false));
  std::string text = slurp(p);
  replace_once(text, "e0=\"-158.54496821000001\"", "e0=\"-158.54496822000001\"");
  spit(p, text);
  const std::string msg = read_error(p);
  EXPECT_NE(msg.find(p + ": checksum mismatch: the file is corrupted or was edited (expected "), std::string::npos)
      << msg;
  EXPECT_NE(msg.find(", computed "), std::string::npos) << msg;
}

TEST_F(PotentialFileTest, TruncatedFilesAreRefused) {
  const std::string p = path("pot.xml");
  write_potential(p, sample_data(true));
  const std::string text = slurp(p);
  const auto end = text.rfind("</soapgap_potential>");
  ASSERT_NE(end, std::string::npos);
  ::testing::internal::CaptureStderr();
  int refused = 0;
  // Every byte near the start and the end, every 7th in between (each parse takes ~1 ms).
  const std::size_t last = end + std::strlen("</soapgap_potential>") - 1;
  for (std::size_t n = 0; n < last; n += (n < 400 || n + 400 > last) ? 1 : 7) {
    spit(path("cut.xml"), text.substr(0, n));
    const std::string msg = read_error(path("cut.xml"));
    EXPECT_NE(msg, "") << "truncated at " << n << " of " << text.size() << " was accepted";
    EXPECT_NE(msg.find("cut.xml"), std::string::npos) << msg;
    refused += !msg.empty();
  }
  // libxml2's own messages go into the exception, never to stderr.
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_GT(refused, 1000) << text.size();
  spit(path("cut.xml"), text.substr(0, text.size() / 2));
  const std::string msg = read_error(path("cut.xml"));
  EXPECT_TRUE(std::regex_search(msg, std::regex("cut\\.xml:[0-9]+: not a well-formed XML file"))) << msg;
}

// A format-2 file (tests/data/potentials/Si-small.xml) names no radial basis: it meant the first
// one, and is read so (the spec says radial_basis=soapgap after the checksum); rewritten as
// format 3 it keeps that basis and its predictions, bit for bit.
TEST_F(PotentialFileTest, FormatTwoSoapTermsKeepTheFirstRadialBasis) {
  const PotentialData old = read_potential(std::string(SOAPGAP_TEST_DATA_DIR) + "/potentials/Si-small.xml");
  EXPECT_EQ(old.format_version, 2);
  int soap_terms = 0;
  for (const TermData& t : old.terms)
    if (t.spec.rfind("soap ", 0) == 0) {
      ++soap_terms;
      EXPECT_NE(t.spec.find(" radial_basis=soapgap"), std::string::npos) << t.spec;
    }
  EXPECT_EQ(soap_terms, 1);
  write_potential(path("v3.xml"), old);
  EXPECT_NE(slurp(path("v3.xml")).find("format_version=\"3\""), std::string::npos);
  const PotentialData again = read_potential(path("v3.xml"));
  Structure s = soapgap::testing::diamond(5.43, 1);
  soapgap::testing::rattle(s, 0.1, 5);
  const Prediction a = Potential(old).predict(s), b = Potential(again).predict(s);
  EXPECT_EQ(a.energy, b.energy);
  EXPECT_EQ((a.forces - b.forces).cwiseAbs().maxCoeff(), 0.0);
  // The same model read as the default basis would predict something else.
  PotentialData as_default = old;
  for (TermData& t : as_default.terms) {
    const size_t k = t.spec.find(" radial_basis=soapgap");
    if (k != std::string::npos) t.spec.erase(k);
  }
  EXPECT_GT(std::abs(Potential(as_default).predict(s).energy - a.energy), 1e-6);
}

TEST_F(PotentialFileTest, NewerFormatVersionIsRefused) {
  const std::string p = path("pot.xml");
  write_potential(p, sample_data(false));
  std::string text = slurp(p);
  replace_once(text, "format_version=\"3\"", "format_version=\"4\"");
  spit(p, text);
  const std::string msg = read_error(p);
  EXPECT_NE(msg.find("written by a newer soapgap (format 4); this build reads format <= 3: "
                     "upgrade soapgap"),
            std::string::npos)
      << msg;
  for (const char* v : {"0", "-1", "one", "", "1.0"}) {
    std::string t = slurp(p);
    replace_once(t, "format_version=\"4\"", std::string("format_version=\"") + v + "\"");
    spit(path("v.xml"), t);
    EXPECT_NE(read_error(path("v.xml")).find("format_version"), std::string::npos) << v;
  }
}

TEST_F(PotentialFileTest, StructuralErrorsNameFileElementAndLine) {
  const std::string p = path("pot.xml");
  write_potential(p, sample_data(true));
  const std::string good = slurp(p);
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"<units energy=\"eV\" length=\"Angstrom\" force=\"eV/Angstrom\" virial=\"eV\"/>", "", "expected <units>"},
      {"energy=\"eV\"", "energy=\"kcal/mol\"", "unsupported unit"},
      {"<element Z=\"8\"", "<element Z=\"14\"", "duplicate element Z=14"},
      {"<element Z=\"1\"/>", "<element/>", "missing attribute Z"},
      {"<element Z=\"1\"/>", "<element Z=\"0\"/>", "Z=\"0\": expected an integer in [1, 118]"},
      {"<element Z=\"1\"/>", "<element Z=\"1\" e0=\"nan\"/>", "e0=\"nan\": expected a finite number"},
      {"<element Z=\"1\"/>", "<element Z=\"1\" e0=\"1e999\"/>", "expected a finite number"},
      {"jitter=\"1e-08\"", "jitter=\"x\"", "<elements>: jitter=\"x\""},
      {"<element Z=\"1\"/>", "<element Z=\"1\" colour=\"red\"/>", "unexpected attribute colour"},
      {"<units ", "<bogus/><units ", "<bogus>: unexpected element; expected <units>"},
      {"<alpha size=\"5\"", "<alpha size=\"6\"", "<alpha>: size=6: expected the group's n_sparse=5"},
      {"<sparse_points rows=\"5\"", "<sparse_points rows=\"4\"", "rows=4 cols=7: expected"},
      {"<group key=\"14\" n_sparse=\"5\"", "<group key=\"14\" n_sparse=\"3000000000\"",
       "n_sparse=\"3000000000\": expected an integer in [0, 2147483648]"},
      {"<group key=\"14\" n_sparse=\"5\" dimension=\"7\">\n      <sparse_points rows=\"5\" cols=\"7\"",
       "<group key=\"14\" n_sparse=\"65536\" dimension=\"65536\">\n      <sparse_points rows=\"65536\" "
       "cols=\"65536\"",
       "exceeds the limit of 2^31 values"},
      {"<group key=\"14\" n_sparse=\"5\" dimension=\"7\">\n      <sparse_points rows=\"5\" cols=\"7\"",
       "<group key=\"14\" n_sparse=\"5\" dimension=\"8\">\n      <sparse_points rows=\"5\" cols=\"8\"",
       "<sparse_points>: data holds 280 bytes, expected 320"},
      {"encoding=\"base64-float64-le\"", "encoding=\"hex\"", "encoding=\"hex\": expected"},
      {"<variance size=\"21\"", "<variance size=\"20\"", "size=20: expected the total number of sparse points, 21"},
      {"<checksum algorithm=\"sha256\">", "<checksum algorithm=\"md5\">", "expected \"sha256\""},
      {"</soapgap_potential>", "<extra/></soapgap_potential>", "unexpected element after <checksum>"},
      {"<term spec=\"empty_term\"/>", "<term spec=\"empty_term\">stray text</term>", "unexpected text content"},
      {"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
       "<?xml version=\"1.0\"?><!DOCTYPE soapgap_potential [<!ENTITY a \"aaaa\">]>",
       "DOCTYPE declarations are not allowed"},
  };
  for (const Case& c : cases) {
    std::string text = good;
    replace_once(text, c.from, c.to);
    spit(path("bad.xml"), text);
    const std::string msg = read_error(path("bad.xml"));
    EXPECT_NE(msg.find(c.expected), std::string::npos) << "expected \"" << c.expected << "\", got \"" << msg << "\"";
    EXPECT_EQ(msg.rfind(path("bad.xml"), 0), 0u) << msg;
  }
  // Another root element.
  {
    std::string text = good;
    replace_once(text, "<soapgap_potential ", "<other_format ");
    replace_once(text, "</soapgap_potential>", "</other_format>");
    spit(path("bad.xml"), text);
    EXPECT_NE(read_error(path("bad.xml"))
                  .find("not a soapgap potential file: root element is <other_format>, expected "
                        "<soapgap_potential>"),
              std::string::npos)
        << read_error(path("bad.xml"));
  }
  // The checksum element is required.
  std::string text = good;
  const auto cs = text.find("<checksum");
  text.erase(cs, text.find("</checksum>") + std::strlen("</checksum>") - cs);
  spit(path("bad.xml"), text);
  EXPECT_NE(read_error(path("bad.xml")).find("missing <checksum> (expected after <variance>)"), std::string::npos)
      << read_error(path("bad.xml"));
  // Line numbers point at the element.
  text = good;
  replace_once(text, "<alpha size=\"3\"", "<alpha size=\"4\"");
  spit(path("bad.xml"), text);
  const auto pos = text.find("<alpha size=\"4\"");
  const long line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n');
  EXPECT_NE(read_error(path("bad.xml")).find(":" + std::to_string(line) + ": <alpha>"), std::string::npos)
      << read_error(path("bad.xml"));
}

TEST_F(PotentialFileTest, NonFiniteArrayValueWithValidChecksumIsRefused) {
  PotentialData d = sample_data(false);
  const std::string p = path("pot.xml");
  write_potential(p, d);
  std::string text = slurp(p);
  // Replace the 13 alpha values of term 2 by an array holding a NaN, with a matching checksum.
  const std::string old_checksum = potential_checksum(d);
  Eigen::VectorXd& alpha = d.terms[1].groups[0].alpha;
  const std::string before = base64_encode(alpha.data(), 8 * alpha.size());  // LE host assumed
  alpha[3] = std::numeric_limits<double>::quiet_NaN();
  const std::string after = base64_encode(alpha.data(), 8 * alpha.size());
  // In the file the text is split into lines of 76 characters.
  auto lines = [](const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 76) out += "\n" + s.substr(i, 76);
    return out;
  };
  replace_once(text, lines(before), lines(after));
  replace_once(text, old_checksum, potential_checksum(d));
  spit(p, text);
  const std::string msg = read_error(p);
  EXPECT_TRUE(std::regex_search(msg, std::regex("pot\\.xml:[0-9]+: <alpha>: the array contains NaN"))) << msg;
}

TEST_F(PotentialFileTest, AwkwardFileNames) {
  for (const char* name : {"a b.xml", "50%.xml", "q?x#y.xml", "file:x.xml"}) {
    const PotentialData d = sample_data(false);
    write_potential(path(name), d);
    EXPECT_TRUE(is_soapgap_potential(path(name))) << name;
    expect_identical(d, read_potential(path(name)));
    std::remove(path(name).c_str());
  }
}

TEST_F(PotentialFileTest, NotXmlAndMissingFile) {
  spit(path("junk.xml"), "this is not xml\n");
  EXPECT_NE(read_error(path("junk.xml")).find("not a well-formed XML file"), std::string::npos);
  spit(path("empty.xml"), "");
  EXPECT_NE(read_error(path("empty.xml")), "");
  const std::string msg = read_error(path("missing.xml"));
  EXPECT_NE(msg.find("missing.xml: cannot open potential file: No such file or directory"), std::string::npos) << msg;
}

TEST_F(PotentialFileTest, WriteReplacesAtomicallyAndLeavesNoTemporaries) {
  const std::string p = path("pot.xml");
  const PotentialData a = sample_data(false, 1), b = sample_data(true, 2);
  write_potential(p, a);
  EXPECT_EQ(list_dir(), std::vector<std::string>{"pot.xml"});
  struct stat before;
  ASSERT_EQ(::stat(p.c_str(), &before), 0);
  write_potential(p, b);
  EXPECT_EQ(list_dir(), std::vector<std::string>{"pot.xml"});
  struct stat after;
  ASSERT_EQ(::stat(p.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);  // a new file was renamed over the old one
  expect_identical(b, read_potential(p));

  // If the temporary cannot be created (here: its name, the target's and ".tmp.<pid>.<n>", is
  // longer than a file name may be), an old file is left untouched. (Not a file-descriptor limit:
  // UndefinedBehaviorSanitizer's own checks need descriptors.)
  const std::string old_text = slurp(p);
  const std::string long_name = path(std::string(250, 'p'));
  std::ofstream(long_name, std::ios::binary) << old_text;
  ASSERT_EQ(slurp(long_name), old_text);
  EXPECT_THROW(write_potential(long_name, a), InputError);
  EXPECT_EQ(slurp(long_name), old_text);
  ASSERT_EQ(::unlink(long_name.c_str()), 0);
  EXPECT_EQ(list_dir(), std::vector<std::string>{"pot.xml"});
}

// write_potential holds SIGINT/SIGTERM/SIGHUP back while its temporary exists (blocked in the
// calling thread, a recording handler where the action is the default one; the effect on an
// interrupted `soapgap fit` is tests/cli_fit_interrupted.py). Afterwards the signal mask and
// the actions are what they were, also after a failed write, and a handler of the program's
// own is left alone.
int g_program_handler_calls = 0;
void program_handler(int) { ++g_program_handler_calls; }

TEST_F(PotentialFileTest, WriteRestoresSignalMaskAndActions) {
  const int signals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction saved[3];
  for (int k = 0; k < 3; ++k) ASSERT_EQ(sigaction(signals[k], nullptr, &saved[k]), 0);
  // The program handles SIGTERM itself; SIGINT and SIGHUP have their default action.
  struct sigaction own {};
  own.sa_handler = program_handler;
  sigemptyset(&own.sa_mask);
  ASSERT_EQ(sigaction(SIGTERM, &own, nullptr), 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ASSERT_EQ(sigaction(SIGINT, &dfl, nullptr), 0);
  ASSERT_EQ(sigaction(SIGHUP, &dfl, nullptr), 0);
  sigset_t mask_before;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &mask_before), 0);

  const auto expect_unchanged = [&](const char* when) {
    sigset_t mask;
    ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &mask), 0);
    for (int sig : signals) {
      EXPECT_EQ(sigismember(&mask, sig), sigismember(&mask_before, sig)) << when << ": signal " << sig;
      struct sigaction now;
      ASSERT_EQ(sigaction(sig, nullptr, &now), 0);
      EXPECT_EQ(now.sa_handler, sig == SIGTERM ? &program_handler : SIG_DFL) << when << ": signal " << sig;
    }
  };
  write_potential(path("pot.xml"), sample_data(true));
  expect_unchanged("after a write");
  ::mkdir(path("adir").c_str(), 0700);
  ::mkdir(path("adir/sub").c_str(), 0700);
  EXPECT_THROW(write_potential(path("adir"), sample_data(false)), InputError);  // the rename fails
  expect_unchanged("after a failed write");
  ::rmdir(path("adir/sub").c_str());
  // SIGTERM raised by the program itself (not during a write) reaches its handler.
  EXPECT_EQ(g_program_handler_calls, 0);
  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_EQ(g_program_handler_calls, 1);
  for (int k = 0; k < 3; ++k) ASSERT_EQ(sigaction(signals[k], &saved[k], nullptr), 0);
}

TEST_F(PotentialFileTest, UnwritablePathGivesInputError) {
  const std::string p = path("no/such/dir/pot.xml");
  try {
    write_potential(p, sample_data(false));
    FAIL() << "no exception";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot write potential file " + p), std::string::npos) << msg;
    EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  }
  // Renaming onto a directory fails after writing: the temporary must not be left behind.
  ASSERT_EQ(::mkdir(path("adir").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(path("adir/sub").c_str(), 0700), 0);
  EXPECT_THROW(write_potential(path("adir"), sample_data(false)), InputError);
  EXPECT_EQ(list_dir(), std::vector<std::string>{"adir"});
  ::rmdir(path("adir/sub").c_str());
}

TEST_F(PotentialFileTest, WriterRefusesInvalidData) {
  const std::string p = path("pot.xml");
  auto refuses = [&](const PotentialData& d, const std::string& expected) {
    try {
      write_potential(p, d);
      ADD_FAILURE() << "accepted; expected " << expected;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
    EXPECT_TRUE(list_dir().empty());
  };
  PotentialData d = sample_data(true);
  d.terms[0].groups[1].alpha[2] = std::numeric_limits<double>::infinity();
  refuses(d, "alpha not finite");
  d = sample_data(true);
  d.terms[0].groups[0].sparse_points(1, 1) = std::nan("");
  refuses(d, "sparse points not finite");
  d = sample_data(true);
  d.variance->u(2, 3) = std::nan("");
  refuses(d, "variance factor U not finite");
  d = sample_data(true);
  d.variance->r = Eigen::MatrixXd::Identity(20, 20);
  refuses(d, "expected 21x21");
  d = sample_data(true);
  d.variance->r(3, 2) = 1.0;
  refuses(d, "variance factor R is not upper triangular");
  d = sample_data(true);
  d.variance->u(4, 4) = 0.0;
  refuses(d, "variance factor U has a non-positive diagonal element");
  d = sample_data(false);
  d.terms[0].groups[0].alpha.resize(4);
  refuses(d, "4 alpha values for 5 sparse points");
  d = sample_data(false);
  d.e0[6] = 1.0;
  refuses(d, "e0 given for Z=6");
  d = sample_data(false);
  d.elements.push_back(8);
  refuses(d, "Z=8 listed twice");
  d = sample_data(false);
  d.e0[8] = std::nan("");
  refuses(d, "e0 of Z=8 is not finite");
  d = sample_data(false);
  d.terms[0].spec = std::string("soap \x01");
  refuses(d, "spec string is not valid");
  d = sample_data(false);
  d.provenance["bad key"] = "x";
  refuses(d, "not a valid XML attribute name");
}

TEST_F(PotentialFileTest, ProvenanceWithInvalidCharactersIsSanitized) {
  PotentialData d = sample_data(false);
  d.provenance["command_line"] = std::string(
      "a\x01"
      "b\xff"
      "c");
  const std::string p = path("pot.xml");
  write_potential(p, d);
  const PotentialData r = read_potential(p);
  EXPECT_EQ(r.provenance.at("command_line"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c");
}

// ----- inputs found by fuzzing read_potential (tests/fuzz, fuzz_potential_file) -----

namespace {

// One element, one distance_2b group of one sparse point, 1x1 variance factors: every value
// distinct, so that each one's base64 text occurs once in the file.
PotentialData one_point_data() {
  PotentialData d;
  d.elements = {14};
  d.e0[14] = -158.25;
  d.jitter = 1e-8;
  TermData t;
  t.spec = "distance_2b cutoff=4 theta=0.5 delta=0.1";
  SparseGroupData g;
  g.key = "14-14";
  g.sparse_points = Eigen::MatrixXd::Constant(1, 1, 1.9);
  g.alpha = Eigen::VectorXd::Constant(1, 0.7);
  t.groups.push_back(g);
  d.terms.push_back(t);
  VarianceFactors f;
  f.u = Eigen::MatrixXd::Constant(1, 1, 2.5);
  f.r = Eigen::MatrixXd::Constant(1, 1, 3.5);
  d.variance = f;
  return d;
}

std::string b64(double x) { return base64_encode(&x, 8); }  // (little-endian host assumed)

}  // namespace

TEST_F(PotentialFileTest, FuzzNonPositiveVarianceFactorDiagonalIsRefused) {
  // A file with a valid checksum whose factor U has a zero diagonal gave NaN variances, a
  // negative one wrong variances; write_potential refuses both, read_potential did not.
  for (const double bad : {0.0, -1.0, -0.0}) {
    PotentialData d = one_point_data();
    const std::string p = path("pot.xml");
    write_potential(p, d);
    std::string text = slurp(p);
    const std::string old_checksum = potential_checksum(d);
    replace_once(text, b64(2.5), b64(bad));
    d.variance->u(0, 0) = bad;
    replace_once(text, old_checksum, potential_checksum(d));
    spit(p, text);
    const std::string msg = read_error(p);
    EXPECT_TRUE(std::regex_search(
        msg,
        std::regex(
            "pot\\.xml:[0-9]+: <u>: diagonal element 1 of the variance factor is -?[01]: expected a positive number")))
        << msg;
  }
}

TEST_F(PotentialFileTest, FuzzMessagesAreOneLine) {
  // An attribute value with a character reference for a line break (&#10;) is quoted in
  // the message, which then spanned two lines.
  const std::string p = path("pot.xml");
  write_potential(p, one_point_data());
  std::string text = slurp(p);
  replace_once(text, "energy=\"eV\"", "energy=\"e&#10;V\"");
  spit(p, text);
  const std::string msg = read_error(p);
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_TRUE(std::regex_search(msg, std::regex("pot\\.xml:[0-9]+: <units>: energy=\"e V\": unsupported unit"))) << msg;
}

TEST_F(PotentialFileTest, FuzzGroupGivenTwiceIsRefusedByPotential) {
  // Potential kept the last of two groups with the same key (the first one's alpha silently
  // ignored) and counted the sparse points of both.
  PotentialData d = one_point_data();
  d.variance.reset();
  d.terms[0].groups.push_back(d.terms[0].groups[0]);
  d.terms[0].groups[1].alpha[0] = -0.3;
  const std::string p = path("pot.xml");
  write_potential(p, d);
  const PotentialData back = read_potential(p);
  try {
    Potential pot(back);
    FAIL() << "duplicate group accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("potential term 1: group \"14-14\" is given twice"), std::string::npos)
        << e.what();
  }
}

TEST_F(PotentialFileTest, FuzzSpecWithLineBreaksGivesOneLineMessages) {
  // A spec attribute holding &#10;: Potential's message quoted the spec, line break included.
  for (const auto& [spec, needle] : std::vector<std::pair<std::string, std::string>>{
           {"cutoff=4\ntheta=0.5", "potential term 1: \"cutoff=4 theta=0.5\": expected a type name first"},
           {"distance_2b cutoff=4 theta=0.5 delta={0.1\n2}", "delta=0.1 2: expected a finite number"}}) {
    PotentialData d = one_point_data();
    d.terms[0].spec = spec;
    const std::string p = path("pot.xml");
    write_potential(p, d);
    EXPECT_NE(slurp(p).find("&#10;"), std::string::npos);
    const PotentialData back = read_potential(p);
    EXPECT_EQ(back.terms[0].spec, spec);
    try {
      Potential pot(back);
      ADD_FAILURE() << "accepted: " << spec;
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
  }
  // Outside quotes a line break was, and is, a separator.
  PotentialData d = one_point_data();
  d.terms[0].spec = "distance_2b\ncutoff=4\ntheta=0.5 delta=0.1";
  EXPECT_NO_THROW(Potential{d});
}
