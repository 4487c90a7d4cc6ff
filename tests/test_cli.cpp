// Command-line integration tests of the soapgap binary (fit, eval, info): training and test
// sets labelled by an analytic pair potential are written with soapgap's extxyz writer, the
// CLI is run as a separate process (stdout/stderr captured, exit status and signals checked)
// in a fresh temporary directory per test, and its outputs are read back with soapgap's
// readers (and ASE where available) and compared with in-process predictions.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdio>
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
    std::vector<std::string> a = {"fit",        "--train",  path("train.xyz"), "--output", output, "--descriptor",
                                  kSoap,        "--descriptor", kTwoBody,      "--threads", "2"};
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
    EXPECT_EQ(r.err.compare(0, prefix.size(), prefix), 0) << "expected the message to start with \"" << prefix
                                                          << "\", got:\n" << r.err;
    for (const std::string& m : mentions)
      EXPECT_NE(r.err.find(m), std::string::npos) << "the message does not mention \"" << m << "\":\n" << r.err;
    EXPECT_EQ(listing(), before) << "files were created or removed by the failed command";
  }

  std::string root_, work_;
  std::vector<Structure> train_, test_;
};

// ---------------------------------------------------------------------------------------
// Help and usage.

TEST_F(CliTest, HelpMentionsUnitsAndNoArgumentsIsAUsageError) {
  const CliResult top = soapgap({"--help"});
  EXPECT_EQ(top.exit_code, 0) << top.err;
  EXPECT_NE(top.out.find("Units"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("eV"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("Angstrom"), std::string::npos) << top.out;
  for (const char* cmd : {"fit", "eval"}) {
    const CliResult r = soapgap({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    EXPECT_NE(r.out.find("Usage: soapgap " + std::string(cmd)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("eV"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("eV/A"), std::string::npos) << r.out;
    EXPECT_TRUE(r.out.find("Angstrom") != std::string::npos || r.out.find("eV/A") != std::string::npos) << r.out;
  }
  const CliResult fit_help = soapgap({"fit", "--help"});
  EXPECT_NE(fit_help.out.find("Units: eV, Angstrom"), std::string::npos) << fit_help.out;
  const CliResult info_help = soapgap({"info", "--help"});
  EXPECT_EQ(info_help.exit_code, 0) << info_help.err;

  const CliResult none = soapgap({});
  EXPECT_EQ(none.signal, 0);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE((none.out + none.err).find("Usage: soapgap"), std::string::npos);

  const CliResult unknown = soapgap({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("frobnicate"), std::string::npos) << unknown.err;
}

// ---------------------------------------------------------------------------------------
// fit, eval, info.

TEST_F(CliTest, FitWritesPotentialErrorTableAndReport) {
  write_sets();
  const CliResult r = soapgap(fit_args(path("pot.xml"), {"--report", path("report"), "--validate", path("test.xyz")}));
  ASSERT_EQ(r.signal, 0);
  ASSERT_EQ(r.exit_code, 0) << r.command << "\nstderr:\n" << r.err;
  ASSERT_TRUE(fs::exists(path("pot.xml")));
  const PotentialData data = read_potential(path("pot.xml"));
  EXPECT_EQ(data.elements, std::vector<int>{14});
  ASSERT_EQ(data.terms.size(), 2u);
  EXPECT_EQ(data.terms[0].spec.rfind("soap ", 0), 0u) << data.terms[0].spec;
  EXPECT_EQ(data.terms[1].spec.rfind("distance_2b ", 0), 0u) << data.terms[1].spec;
  EXPECT_TRUE(data.variance.has_value());

  EXPECT_NE(r.out.find("Training set errors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Validation set errors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rattled"), std::string::npos) << "config_type rattled missing from the table:\n" << r.out;
  EXPECT_NE(r.out.find("strained"), std::string::npos) << "config_type strained missing from the table:\n" << r.out;
  EXPECT_NE(r.err.find("wrote " + path("pot.xml")), std::string::npos) << r.err;

  const std::string json = read_whole_file(path("report/errors.json"));
  ASSERT_FALSE(json.empty()) << "no report/errors.json";
  EXPECT_NE(json.find("\"train\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"validation\""), std::string::npos) << json;
  EXPECT_NE(json.find("rmse"), std::string::npos) << json;
  EXPECT_EQ(json.find_first_not_of(" \n"), json.find('{')) << json;
  EXPECT_EQ(json.find_last_not_of(" \n"), json.rfind('}')) << json;
  const std::string md = read_whole_file(path("report/errors.md"));
  EXPECT_NE(md.find("Training set"), std::string::npos) << md;
  EXPECT_NE(md.find("strained"), std::string::npos) << md;
}

TEST_F(CliTest, EvalMatchesInProcessPredictionsAndKeepsLabels) {
  write_sets();
  fit_quietly();
  const CliResult r = soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output",
                               path("out.xyz"), "--variance", "--threads", "2", "--report", path("eval_report")});
  ASSERT_EQ(r.signal, 0);
  ASSERT_EQ(r.exit_code, 0) << r.command << "\nstderr:\n" << r.err;
  EXPECT_NE(r.out.find("strained"), std::string::npos) << r.out;
  EXPECT_NE(read_whole_file(path("eval_report/errors.json")).find("rmse"), std::string::npos);

  const Potential pot(read_potential(path("pot.xml")));
  const std::vector<Structure> input = read_extxyz(path("test.xyz"));
  const std::vector<Structure> out = read_extxyz(path("out.xyz"));
  ExtxyzKeys ref_keys;
  ref_keys.energy = "ref_energy";
  ref_keys.forces = "ref_forces";
  ref_keys.virial = "ref_virial";
  ref_keys.stress = "";
  const std::vector<Structure> ref = read_extxyz(path("out.xyz"), ref_keys);
  ASSERT_EQ(input.size(), test_.size());
  ASSERT_EQ(out.size(), test_.size());
  ASSERT_EQ(ref.size(), test_.size());

  double f2_err = 0, f2_ref = 0;
  for (size_t c = 0; c < out.size(); ++c) {
    SCOPED_TRACE("configuration " + std::to_string(c));
    const Structure& o = out[c];
    const int n = test_[c].size();
    ASSERT_EQ(o.size(), n);
    EXPECT_EQ(o.numbers, test_[c].numbers);
    EXPECT_EQ(o.positions, test_[c].positions);
    EXPECT_EQ(o.cell, test_[c].cell);
    EXPECT_EQ(o.config_type, test_[c].config_type);

    PredictOptions opt;
    opt.variance = true;
    const Prediction p = pot.predict(input[c], opt);
    ASSERT_TRUE(o.energy && o.forces && o.virial);
    EXPECT_TRUE(close(*o.energy, p.energy, 1e-10));
    const double fscale = std::max(1.0, p.forces.cwiseAbs().maxCoeff());
    for (int i = 0; i < n; ++i)
      for (int a = 0; a < 3; ++a) EXPECT_TRUE(close((*o.forces)(i, a), p.forces(i, a), 1e-10, fscale));
    const double wscale = std::max(1.0, p.virial.cwiseAbs().maxCoeff());
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) EXPECT_TRUE(close((*o.virial)(a, b), p.virial(a, b), 1e-10, wscale));

    // The input labels, bit for bit.
    ASSERT_TRUE(ref[c].energy && ref[c].forces && ref[c].virial);
    EXPECT_EQ(*ref[c].energy, *test_[c].energy);
    EXPECT_EQ(*ref[c].forces, *test_[c].forces);
    EXPECT_EQ(*ref[c].virial, *test_[c].virial);

    const ExtraColumn* local = find_column(o, "local_energy");
    ASSERT_NE(local, nullptr);
    ASSERT_EQ(local->values.size(), static_cast<size_t>(n));
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      const double e = parse_double(local->values[i]);
      EXPECT_TRUE(close(e, p.local_energy[i], 1e-10)) << "local energy of atom " << i;
      sum += e;
    }
    EXPECT_TRUE(close(sum, *o.energy, 1e-10)) << "local energies do not sum to the energy";

    const ExtraColumn* var = find_column(o, "local_variance");
    ASSERT_NE(var, nullptr) << "no local_variance column";
    ASSERT_EQ(var->values.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const double v = parse_double(var->values[i]);
      EXPECT_GE(v, -1e-12) << "local variance of atom " << i;
      EXPECT_TRUE(close(v, p.local_variance[i], 1e-8, 1e-8)) << "local variance of atom " << i;
    }
    const std::string* ev = find_info(o, "energy_variance");
    ASSERT_NE(ev, nullptr) << "no energy_variance";
    EXPECT_GE(parse_double(*ev), -1e-12);
    EXPECT_TRUE(close(parse_double(*ev), p.energy_variance, 1e-8, 1e-8));

    f2_err += (*o.forces - *test_[c].forces).squaredNorm();
    f2_ref += test_[c].forces->squaredNorm();
  }
  // The fit learnt something: held-out force errors well below the force scale.
  EXPECT_LT(std::sqrt(f2_err), 0.5 * std::sqrt(f2_ref)) << "force RMSE on the test set is not much below the RMS force";
}

TEST_F(CliTest, EvalOutputReadsBackWithAse) {
  if (::access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " not found";
  write_sets();
  if (run({kPython, "-c", "import ase.io"}).exit_code != 0) GTEST_SKIP() << "ASE not importable by " << kPython;
  fit_quietly();
  const CliResult r = soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output",
                               path("out.xyz"), "--variance", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const char* script =
      "import sys, ase.io\n"
      "for a in ase.io.read(sys.argv[1], index=':'):\n"
      "    print('%d' % len(a))\n"
      "    print(repr(float(a.get_potential_energy())))\n"
      "    print(' '.join(repr(float(x)) for x in a.get_forces().ravel()))\n"
      "    print(' '.join(repr(float(x)) for x in a.get_stress(voigt=False).ravel()))\n";
  const CliResult py = run({kPython, "-c", script, path("out.xyz")});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  const std::vector<Structure> out = read_extxyz(path("out.xyz"));
  const std::vector<std::string> lines = split_lines(py.out);
  ASSERT_EQ(lines.size(), 4 * out.size()) << py.out;
  auto numbers = [](const std::string& line) {
    std::vector<double> v;
    std::istringstream in(line);
    std::string tok;
    while (in >> tok) v.push_back(parse_double(tok));
    return v;
  };
  for (size_t c = 0; c < out.size(); ++c) {
    SCOPED_TRACE("configuration " + std::to_string(c));
    const Structure& s = out[c];
    EXPECT_EQ(std::stoi(lines[4 * c]), s.size());
    EXPECT_EQ(parse_double(lines[4 * c + 1]), *s.energy);
    const std::vector<double> f = numbers(lines[4 * c + 2]);
    ASSERT_EQ(f.size(), 3u * s.size());
    for (int i = 0; i < s.size(); ++i)
      for (int a = 0; a < 3; ++a) EXPECT_EQ(f[3 * i + a], (*s.forces)(i, a)) << "atom " << i;
    const std::vector<double> st = numbers(lines[4 * c + 3]);
    ASSERT_EQ(st.size(), 9u);
    const Eigen::Matrix3d expected = -*s.virial / s.volume();
    const double scale = expected.cwiseAbs().maxCoeff();
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        EXPECT_TRUE(close(st[3 * a + b], expected(a, b), 1e-12, scale)) << "stress " << a << b << " (eV/A^3)";
  }
}

TEST_F(CliTest, InfoSummarisesPotential) {
  write_sets();
  fit_quietly();
  const CliResult r = soapgap({"info", path("pot.xml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const PotentialData data = read_potential(path("pot.xml"));
  long long total = 0;
  for (const TermData& t : data.terms)
    for (const SparseGroupData& g : t.groups) total += g.alpha.size();
  EXPECT_EQ(total, 25);  // 20 SOAP (one centre element) + 5 distance_2b (one pair)
  EXPECT_NE(r.out.find("checksum verified"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("elements: Si"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("term 1: soap"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("term 2: distance_2b"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sparse points in total: " + std::to_string(total) + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("20 sparse points"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5 sparse points"), std::string::npos) << r.out;
}

TEST_F(CliTest, RoundTripsAreReproducible) {
  write_sets();
  fit_quietly("pot.xml", {"--seed", "7"});
  ASSERT_EQ(::rename(path("pot.xml").c_str(), path("pot_first.xml").c_str()), 0);
  fit_quietly("pot.xml", {"--seed", "7"});
  fit_quietly("pot_other_seed.xml", {"--seed", "8"});

  // Same seed: the same model bit for bit; the files differ at most in the date.
  const PotentialData a = read_potential(path("pot_first.xml")), b = read_potential(path("pot.xml"));
  expect_same_model(a, b);
  auto pa = a.provenance, pb = b.provenance;
  pa.erase("date");
  pb.erase("date");
  EXPECT_EQ(pa, pb);
  EXPECT_EQ(without_date(read_whole_file(path("pot_first.xml"))), without_date(read_whole_file(path("pot.xml"))));

  // Another seed: other sparse points.
  const PotentialData c = read_potential(path("pot_other_seed.xml"));
  ASSERT_EQ(c.terms.size(), a.terms.size());
  bool differ = false;
  for (size_t t = 0; t < a.terms.size(); ++t)
    for (size_t g = 0; g < a.terms[t].groups.size() && g < c.terms[t].groups.size(); ++g)
      differ = differ || !bitwise_equal(a.terms[t].groups[g].sparse_points, c.terms[t].groups[g].sparse_points);
  EXPECT_TRUE(differ) << "--seed 7 and --seed 8 chose the same sparse points";
  EXPECT_EQ(c.provenance.at("seed"), "8");

  // eval twice: identical files.
  for (const char* out : {"out1.xyz", "out2.xyz"}) {
    const CliResult r = soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output",
                                 path(out), "--variance", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string o1 = read_whole_file(path("out1.xyz"));
  EXPECT_FALSE(o1.empty());
  EXPECT_TRUE(o1 == read_whole_file(path("out2.xyz"))) << "two evaluations wrote different files";
}

// ---------------------------------------------------------------------------------------
// Errors: exit code, a one-line message naming the problem, nothing left behind.

TEST_F(CliTest, MissingTrainingFile) {
  const auto before = listing();
  expect_failure(soapgap(fit_args(path("pot.xml"), {"--quiet"})), 1, "fit", {path("train.xyz")}, before);
}

TEST_F(CliTest, MissingPotentialFile) {
  write_sets();
  const auto before = listing();
  expect_failure(soapgap({"eval", "--potential", path("nothing.xml"), "--input", path("test.xyz"), "--output",
                          path("out.xyz"), "--quiet"}),
                 1, "eval", {path("nothing.xml")}, before);
  expect_failure(soapgap({"info", path("nothing.xml")}), 1, "info", {path("nothing.xml")}, before);
}

TEST_F(CliTest, CorruptedPotentialFile) {
  write_sets();
  fit_quietly();
  const std::string xml = read_whole_file(path("pot.xml"));
  // One character of the base64 text of <alpha> changed (still valid base64).
  const size_t tag = xml.find("<alpha ");
  ASSERT_NE(tag, std::string::npos);
  const size_t body = xml.find('>', tag) + 1;
  size_t k = body + 10;
  ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(xml[k]))) << xml.substr(body, 40);
  std::string flipped = xml;
  flipped[k] = xml[k] == 'A' ? 'B' : 'A';
  write_text(path("flipped.xml"), flipped);
  write_text(path("truncated.xml"), xml.substr(0, xml.size() / 2));
  const auto before = listing();
  for (const char* name : {"flipped.xml", "truncated.xml"}) {
    expect_failure(soapgap({"eval", "--potential", path(name), "--input", path("test.xyz"), "--output",
                            path("out.xyz"), "--quiet"}),
                   1, "eval", {path(name)}, before);
    expect_failure(soapgap({"info", path(name)}), 1, "info", {path(name)}, before);
  }
  EXPECT_NE(soapgap({"info", path("flipped.xml")}).err.find("checksum"), std::string::npos);
}

TEST_F(CliTest, UnknownElementInEvalInput) {
  write_sets();
  fit_quietly();
  std::vector<Structure> input = test_;
  input[1].numbers[3] = 32;  // Ge
  write_extxyz(path("with_ge.xyz"), input);
  const auto before = listing();
  expect_failure(soapgap({"eval", "--potential", path("pot.xml"), "--input", path("with_ge.xyz"), "--output",
                          path("out.xyz"), "--quiet"}),
                 1, "eval", {path("with_ge.xyz"), "frame 1", "32"}, before);
}

TEST_F(CliTest, AtomLineWithTooFewColumns) {
  write_sets();
  std::vector<std::string> lines = split_lines(read_whole_file(path("train.xyz")));
  // Line 6 (1-based) is atom 3 of frame 0: drop its last column.
  std::string& atom = lines[5];
  atom = atom.substr(0, atom.find_last_not_of(' ', atom.find_last_of(' ')) + 1);
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  write_text(path("short_line.xyz"), text);
  const auto before = listing();
  std::vector<std::string> args = fit_args(path("pot.xml"), {"--quiet"});
  args[2] = path("short_line.xyz");
  expect_failure(soapgap(args), 1, "fit", {path("short_line.xyz") + ":6"}, before);
}

TEST_F(CliTest, NaNInPositions) {
  write_sets();
  fit_quietly();
  std::vector<std::string> lines = split_lines(read_whole_file(path("test.xyz")));
  // Atom 2 of frame 0: replace its x coordinate (second column) by nan.
  std::istringstream in(lines[4]);
  std::string species, x, rest;
  in >> species >> x;
  std::getline(in, rest);
  lines[4] = species + " nan" + rest;
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  write_text(path("nan.xyz"), text);
  const auto before = listing();
  expect_failure(soapgap({"eval", "--potential", path("pot.xml"), "--input", path("nan.xyz"), "--output",
                          path("out.xyz"), "--quiet"}),
                 1, "eval", {path("nan.xyz") + ":5", "nan"}, before);
  std::vector<std::string> args = fit_args(path("pot2.xml"), {"--quiet"});
  args[2] = path("nan.xyz");
  expect_failure(soapgap(args), 1, "fit", {path("nan.xyz") + ":5", "nan"}, before);
}

TEST_F(CliTest, AtomsOnTopOfEachOther) {
  write_sets();
  std::vector<Structure> train = train_;
  train[2].positions.row(5) = train[2].positions.row(4);
  write_extxyz(path("overlap.xyz"), train);
  const auto before = listing();
  std::vector<std::string> args = fit_args(path("pot.xml"), {"--quiet"});
  args[2] = path("overlap.xyz");
  expect_failure(soapgap(args), 1, "fit", {path("overlap.xyz"), "frame 2", "on top of each other"}, before);
}

TEST_F(CliTest, NothingToFit) {
  write_sets();
  const auto before = listing();
  // Every label disabled: the message must say which file / key is the problem.
  expect_failure(
      soapgap(fit_args(path("pot.xml"), {"--quiet", "--energy-key", "no_such_energy", "--no-forces", "--no-virials"})),
      1, "fit", {path("train.xyz"), "no_such_energy"}, before);
}

TEST_F(CliTest, EmptyTrainingFile) {
  write_text(path("empty.xyz"), "");
  const auto before = listing();
  std::vector<std::string> args = fit_args(path("pot.xml"), {"--quiet"});
  args[2] = path("empty.xyz");
  expect_failure(soapgap(args), 1, "fit", {path("empty.xyz")}, before);
}

TEST_F(CliTest, UnknownOption) {
  write_sets();
  const auto before = listing();
  expect_failure(soapgap(fit_args(path("pot.xml"), {"--quiet", "--bogus-option"})), 2, "fit", {"--bogus-option"},
                 before);
  expect_failure(soapgap({"eval", "--potental", path("pot.xml")}), 2, "eval", {"--potental"}, before);
}

TEST_F(CliTest, BadDescriptorSpecs) {
  write_sets();
  const auto before = listing();
  auto fit_with = [&](const std::string& spec) {
    return soapgap({"fit", "--train", path("train.xyz"), "--output", path("pot.xml"), "--descriptor", spec,
                    "--quiet"});
  };
  // A descriptor spec is parsed by the library (an input error, exit 1, naming the option).
  expect_failure(fit_with("soap n_max=4 l_max=3 cutoff=4 n_sparse=20 bogus=1"), 1, "fit", {"--descriptor", "bogus"},
                 before);
  expect_failure(fit_with("soap n_max=4 l_max=3 cutoff=4"), 1, "fit", {"--descriptor", "n_sparse"}, before);
  expect_failure(fit_with("threebody cutoff=4 n_sparse=10"), 1, "fit", {"--descriptor", "threebody"}, before);
  // The second of two terms is named as such.
  expect_failure(soapgap({"fit", "--train", path("train.xyz"), "--output", path("pot.xml"), "--descriptor", kSoap,
                          "--descriptor", "distance_2b cutoff=4 theta=0.5", "--quiet"}),
                 1, "fit", {"--descriptor #2", "n_sparse"}, before);
}

TEST_F(CliTest, E0WithUnknownElement) {
  write_sets();
  const auto before = listing();
  expect_failure(soapgap(fit_args(path("pot.xml"), {"--quiet", "--e0", "Xx=-1.5"})), 2, "fit", {"--e0", "Xx"},
                 before);
  expect_failure(soapgap(fit_args(path("pot.xml"), {"--quiet", "--e0", "Si"})), 2, "fit", {"--e0", "Si"}, before);
}

TEST_F(CliTest, VarianceRequestedFromPotentialWithoutVariance) {
  write_sets();
  fit_quietly("pot.xml", {"--no-variance"});
  EXPECT_FALSE(read_potential(path("pot.xml")).variance.has_value());
  const auto before = listing();
  expect_failure(soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output",
                          path("out.xyz"), "--variance", "--quiet"}),
                 1, "eval", {path("pot.xml"), "variance", "--no-variance"}, before);
  // Without --variance the same potential evaluates fine.
  const CliResult ok = soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output",
                                path("out.xyz"), "--quiet"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(path("out.xyz")));
}

}  // namespace
