// The fixture of the command-line tests (test_cli*.cpp): a fresh temporary directory per test,
// training and test sets labelled by an analytic pair potential, the CLI run as a separate
// process, and the checks of a failed command (one-line message, nothing left behind).
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "io/extxyz.h"
#include "io/potential_file.h"
#include "model/potential.h"
#include "test_paths.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;
namespace fs = std::filesystem;

namespace {

const char* kSoap = "soap n_max=4 l_max=3 cutoff=4 atom_sigma=0.5 zeta=2 delta=1 n_sparse=20";
const char* kTwoBody = "distance_2b cutoff=4 theta=0.5 delta=0.5 n_sparse=5";
const char* kPython = "/usr/bin/python3";

// ---------------------------------------------------------------------------------------
// Reference labels: E = sum over pairs of phi(r), phi(r) = A exp(-b r) fc(r),
// fc(r) = (1 + cos(pi r / rc)) / 2 for r < rc. Forces -dE/dr_i, virial -dE/d(strain).
struct PairModel {
  double A = 20.0, b = 1.5, rc = 4.0;
  double phi(double r) const { return A * std::exp(-b * r) * 0.5 * (1 + std::cos(M_PI * r / rc)); }
  double dphi(double r) const {
    const double e = A * std::exp(-b * r), fc = 0.5 * (1 + std::cos(M_PI * r / rc));
    const double dfc = -0.5 * M_PI / rc * std::sin(M_PI * r / rc);
    return -b * e * fc + e * dfc;
  }

  void label(Structure& s) const {
    const int n = s.size();
    double E = 0;
    MatrixX3 F = MatrixX3::Zero(n, 3);
    Eigen::Matrix3d W = Eigen::Matrix3d::Zero();
    const int R = 2;  // periodic images; cells here are wider than rc / 2
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        for (int a = -R; a <= R; ++a)
          for (int bb = -R; bb <= R; ++bb)
            for (int c = -R; c <= R; ++c) {
              if (i == j && a == 0 && bb == 0 && c == 0) continue;
              const Eigen::RowVector3d shift = a * s.cell.row(0) + bb * s.cell.row(1) + c * s.cell.row(2);
              const Eigen::RowVector3d d = s.positions.row(j) + shift - s.positions.row(i);
              const double r = d.norm();
              if (r >= rc) continue;
              // Each pair is visited twice (i->j and j->i): half of it each time.
              E += 0.5 * phi(r);
              const Eigen::RowVector3d g = 0.5 * dphi(r) * d / r;  // dE/d(d)
              F.row(j) -= g;
              F.row(i) += g;
              W -= d.transpose() * g;
            }
    s.energy = E;
    s.forces = F;
    // Bitwise symmetric, as a virial must be.
    s.virial = 0.5 * (W + W.transpose());
  }
};

Structure make_config(int index, bool strained) {
  Structure s = diamond(5.43, 1);
  Random rng(1000 + index);
  if (strained) {
    Eigen::Matrix3d eps;
    for (int a = 0; a < 3; ++a)
      for (int b = a; b < 3; ++b) eps(a, b) = eps(b, a) = 0.03 * (2 * rng.uniform() - 1);
    const Eigen::Matrix3d def = Eigen::Matrix3d::Identity() + eps;
    s.cell = s.cell * def.transpose();
    s.positions = s.positions * def.transpose();
  }
  rattle(s, strained ? 0.06 : 0.12, 77 + index);
  s.config_type = strained ? "strained" : "rattled";
  PairModel().label(s);
  return s;
}

std::vector<Structure> make_set(int first, int count) {
  std::vector<Structure> out;
  for (int i = first; i < first + count; ++i) out.push_back(make_config(i, i % 2 == 1));
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

double parse_double(const std::string& s) {
  char* end = nullptr;
  const double x = std::strtod(s.c_str(), &end);
  EXPECT_TRUE(!s.empty() && *end == '\0') << "not a number: \"" << s << "\"";
  return x;
}

const std::string* find_info(const Structure& s, const std::string& key) {
  for (const auto& kv : s.extra_info)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

const ExtraColumn* find_column(const Structure& s, const std::string& name) {
  for (const ExtraColumn& c : s.extra_columns)
    if (c.name == name) return &c;
  return nullptr;
}

// |a - b| <= rel * scale, with scale = max(|b|, floor).
::testing::AssertionResult close(double a, double b, double rel, double floor = 1.0) {
  const double scale = std::max(std::abs(b), floor);
  if (std::abs(a - b) <= rel * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (difference " << a - b << ", allowed " << rel * scale
                                       << ")";
}

bool bitwise_equal(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0);
}

// Everything of a potential except its provenance, compared bit for bit.
void expect_same_model(const PotentialData& a, const PotentialData& b) {
  EXPECT_EQ(a.format_version, b.format_version);
  EXPECT_EQ(a.elements, b.elements);
  ASSERT_EQ(a.e0.size(), b.e0.size());
  for (const auto& kv : a.e0) {
    ASSERT_TRUE(b.e0.count(kv.first));
    EXPECT_EQ(std::memcmp(&kv.second, &b.e0.at(kv.first), sizeof(double)), 0) << "e0 of Z=" << kv.first;
  }
  EXPECT_EQ(std::memcmp(&a.jitter, &b.jitter, sizeof(double)), 0);
  ASSERT_EQ(a.terms.size(), b.terms.size());
  for (size_t t = 0; t < a.terms.size(); ++t) {
    EXPECT_EQ(a.terms[t].spec, b.terms[t].spec);
    ASSERT_EQ(a.terms[t].groups.size(), b.terms[t].groups.size());
    for (size_t g = 0; g < a.terms[t].groups.size(); ++g) {
      const SparseGroupData &x = a.terms[t].groups[g], &y = b.terms[t].groups[g];
      EXPECT_EQ(x.key, y.key);
      EXPECT_TRUE(bitwise_equal(x.sparse_points, y.sparse_points)) << "term " << t << " group " << g;
      EXPECT_TRUE(bitwise_equal(x.alpha, y.alpha)) << "alpha of term " << t << " group " << g;
    }
  }
  ASSERT_EQ(a.variance.has_value(), b.variance.has_value());
  if (a.variance) {
    EXPECT_TRUE(bitwise_equal(a.variance->u, b.variance->u)) << "variance factor U";
    EXPECT_TRUE(bitwise_equal(a.variance->r, b.variance->r)) << "variance factor R";
  }
}

// The text of a potential file without the value of its provenance date.
std::string without_date(const std::string& xml) {
  const size_t p = xml.find(" date=\"");
  if (p == std::string::npos) return xml;
  const size_t q = xml.find('"', p + 7);
  return xml.substr(0, p) + xml.substr(q + 1);
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "soapgap_cli_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr) << templ;
    root_ = templ;
    work_ = root_ + "/work";
    ASSERT_EQ(::mkdir(work_.c_str(), 0700), 0);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string path(const std::string& name) const { return work_ + "/" + name; }

  CliResult run(const std::vector<std::string>& argv) { return run_program(argv, root_ + "/capture"); }
  CliResult soapgap(std::vector<std::string> args) {
    args.insert(args.begin(), SOAPGAP_CLI);
    return run(args);
  }

  // Every file and directory below the work directory (relative names).
  std::set<std::string> listing() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(work_)) out.insert(fs::relative(e.path(), work_).string());
    return out;
  }

  // train.xyz (12 configurations, config_types rattled and strained) and test.xyz (4).
  void write_sets() {
    train_ = make_set(0, 12);
    test_ = make_set(100, 4);
    write_extxyz(path("train.xyz"), train_);
    write_extxyz(path("test.xyz"), test_);
  }

  std::vector<std::string> fit_args(const std::string& output, const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a = {"fit", "--train",      path("train.xyz"), "--output",  output, "--descriptor",
                                  kSoap, "--descriptor", kTwoBody,          "--threads", "2"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // Fits pot.xml (or `name`) quietly; the test fails if the fit fails.
  void fit_quietly(const std::string& name = "pot.xml", const std::vector<std::string>& extra = {}) {
    std::vector<std::string> e = extra;
    e.push_back("--quiet");
    const CliResult r = soapgap(fit_args(path(name), e));
    ASSERT_EQ(r.exit_code, 0) << r.command << "\nstderr:\n" << r.err;
  }

  // A failed command: the exit code, no signal, exactly one line on stderr of the form
  // "soapgap <command>: ..." (with "error: " for input errors) mentioning every string of
  // `mentions`, and nothing left behind in the work directory.
  void expect_failure(const CliResult& r, int code, const std::string& command,
                      const std::vector<std::string>& mentions, const std::set<std::string>& before) {
    SCOPED_TRACE(r.command);
    EXPECT_EQ(r.signal, 0) << "killed by signal " << r.signal << "\nstderr:\n" << r.err;
    EXPECT_EQ(r.exit_code, code) << "stderr:\n" << r.err;
    const std::vector<std::string> lines = split_lines(r.err);
    EXPECT_EQ(lines.size(), 1u) << "expected a one-line message on stderr, got:\n" << r.err;
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.err;
    const std::string prefix = "soapgap " + command + ": " + (code == 1 ? "error: " : "");
    EXPECT_EQ(r.err.compare(0, prefix.size(), prefix), 0)
        << "expected the message to start with \"" << prefix << "\", got:\n"
        << r.err;
    for (const std::string& m : mentions)
      EXPECT_NE(r.err.find(m), std::string::npos) << "the message does not mention \"" << m << "\":\n" << r.err;
    EXPECT_EQ(listing(), before) << "files were created or removed by the failed command";
  }

  std::string root_, work_;
  std::vector<Structure> train_, test_;
};

}  // namespace
