#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/error.h"
#include "io/extxyz.h"
#include "test_paths.h"

namespace soapgap {
namespace {

namespace fs = std::filesystem;

// ----- helpers -----

fs::path temp_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("soapgap_test_extxyz_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string current_test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "_" + info->name();
}

// Writes `content` to a fresh file in the temp directory and returns its path.
std::string write_temp(const std::string& content, const std::string& suffix = "") {
  static int counter = 0;
  fs::path p = temp_dir() / (current_test_name() + suffix + "_" + std::to_string(counter++) + ".xyz");
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p.string();
}

std::vector<Structure> read_string(const std::string& content, const ExtxyzKeys& keys = {}) {
  std::istringstream in(content);
  return read_extxyz_stream(in, "string.xyz", keys);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

template <class A, class B>
void expect_same_bits(const A& a, const B& b, const std::string& what) {
  ASSERT_EQ(a.rows(), b.rows()) << what;
  ASSERT_EQ(a.cols(), b.cols()) << what;
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      EXPECT_TRUE(same_bits(a(i, j), b(i, j))) << what << "(" << i << "," << j << "): " << a(i, j) << " vs " << b(i, j);
}

const std::string* find_info(const Structure& s, const std::string& key) {
  for (const auto& p : s.extra_info)
    if (p.first == key) return &p.second;
  return nullptr;
}

const ExtraColumn* find_column(const Structure& s, const std::string& name) {
  for (const auto& c : s.extra_columns)
    if (c.name == name) return &c;
  return nullptr;
}

bool have_python_ase() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import ase.io, numpy' > /dev/null 2>&1") == 0;
  return ok;
}

// Runs a shell command and returns its standard output; fails the test on a nonzero status.
std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "popen failed: " << cmd;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  EXPECT_EQ(status, 0) << cmd << "\n" << out;
  return out;
}

// Reads `content` from a file and expects an InputError at `line` mentioning `needle`.
void expect_error(const std::string& content, long line, const std::string& needle) {
  const std::string path = write_temp(content);
  try {
    read_extxyz(path);
    ADD_FAILURE() << "no InputError for:\n" << content;
  } catch (const InputError& e) {
    const std::string msg = e.what();
    const std::string prefix = path + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(msg.rfind(prefix, 0), 0u) << "expected prefix \"" << prefix << "\" in: " << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "expected \"" << needle << "\" in: " << msg;
    EXPECT_NE(msg.find("; expected "), std::string::npos) << msg;
  }
}

// ----- reading hand-made files -----

TEST(ExtxyzRead, PeriodicFrameWithLabels) {
  auto v = read_string(
      "2\n"
      "Lattice=\"5.0 0.0 0.0 0.5 4.0 0.0 0.1 0.2 3.0\" Properties=species:S:1:pos:R:3:forces:R:3 "
      "energy=-10.25 virial=\"1 2 3 2 5 6 3 6 9\" config_type=bulk pbc=\"T T F\"\n"
      "Si 0.0 0.1 0.2 1.0 -1.0 0.5\n"
      "O  1.5 1.6 1.7 -1.0 1.0 -0.5\n");
  ASSERT_EQ(v.size(), 1u);
  const Structure& s = v[0];
  EXPECT_EQ(s.size(), 2);
  EXPECT_EQ(s.numbers, (std::vector<int>{14, 8}));
  Eigen::Matrix3d cell;
  cell << 5, 0, 0, 0.5, 4, 0, 0.1, 0.2, 3;
  EXPECT_EQ(s.cell, cell);
  EXPECT_EQ(s.pbc, (std::array<bool, 3>{true, true, false}));
  EXPECT_EQ(s.positions(1, 2), 1.7);
  EXPECT_EQ(s.positions(0, 1), 0.1);
  ASSERT_TRUE(s.energy);
  EXPECT_EQ(*s.energy, -10.25);
  ASSERT_TRUE(s.forces);
  EXPECT_EQ((*s.forces)(1, 2), -0.5);
  EXPECT_EQ((*s.forces)(0, 0), 1.0);
  ASSERT_TRUE(s.virial);
  Eigen::Matrix3d w;
  w << 1, 2, 3, 2, 5, 6, 3, 6, 9;
  EXPECT_EQ(*s.virial, w);
  EXPECT_EQ(s.config_type, "bulk");
  EXPECT_TRUE(s.extra_info.empty());
  EXPECT_TRUE(s.extra_columns.empty());
  EXPECT_EQ(s.source, "string.xyz:frame 0 (line 1)");
}

TEST(ExtxyzRead, PlainXyz) {
  auto v = read_string("3\nwater molecule, from somewhere\nO 0 0 0\nH 0.76 0.59 0\nH -0.76 0.59 0\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].numbers, (std::vector<int>{8, 1, 1}));
  EXPECT_EQ(v[0].cell, Eigen::Matrix3d::Zero());
  EXPECT_EQ(v[0].pbc, (std::array<bool, 3>{false, false, false}));
  EXPECT_TRUE(v[0].extra_info.empty());
  EXPECT_FALSE(v[0].energy);
  EXPECT_EQ(v[0].positions(2, 0), -0.76);
  // Empty comment line.
  v = read_string("1\n\nH 0 0 0\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].numbers, std::vector<int>{1});
}

TEST(ExtxyzRead, DefaultPbc) {
  auto v = read_string("1\nLattice=\"3 0 0 0 3 0 0 0 3\"\nH 0 0 0\n1\nenergy=1\nH 0 0 0\n");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].pbc, (std::array<bool, 3>{true, true, true}));
  EXPECT_EQ(v[1].pbc, (std::array<bool, 3>{false, false, false}));
  // A single logical applies to all directions; Lattice without periodicity is kept.
  v = read_string("1\nLattice=\"3 0 0 0 3 0 0 0 0\" pbc=F\nH 0 0 0\n1\nLattice=\"3 0 0 0 3 0 0 0 3\" pbc=T\nH 0 0 0\n");
  EXPECT_EQ(v[0].pbc, (std::array<bool, 3>{false, false, false}));
  EXPECT_EQ(v[0].cell(1, 1), 3.0);
  EXPECT_EQ(v[1].pbc, (std::array<bool, 3>{true, true, true}));
  // A slab: periodic in x and y, c vector zero.
  v = read_string("1\nLattice=\"3 0 0 0 3 0 0 0 0\" pbc=\"T T F\"\nH 0 0 0\n");
  EXPECT_EQ(v[0].pbc, (std::array<bool, 3>{true, true, false}));
}

TEST(ExtxyzRead, SpecialKeysCaseInsensitive) {
  auto v =
      read_string("1\nlattice=\"3 0 0 0 3 0 0 0 3\" properties=species:S:1:pos:R:3:q:R:1 PBC=\"T F T\"\nH 0 0 0 0.5\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].cell(2, 2), 3.0);
  EXPECT_EQ(v[0].pbc, (std::array<bool, 3>{true, false, true}));
  ASSERT_EQ(v[0].extra_columns.size(), 1u);
  EXPECT_EQ(v[0].extra_columns[0].name, "q");
  // Other keys are case-sensitive: Energy is not the energy.
  v = read_string("1\nEnergy=3\nH 0 0 0\n");
  EXPECT_FALSE(v[0].energy);
  ASSERT_TRUE(find_info(v[0], "Energy"));
  EXPECT_EQ(*find_info(v[0], "Energy"), "3");
}

TEST(ExtxyzRead, SpeciesVariants) {
  // Atomic numbers in the species column.
  auto v = read_string("2\nProperties=species:S:1:pos:R:3\n14 0 0 0\n8 1 1 1\n");
  EXPECT_EQ(v[0].numbers, (std::vector<int>{14, 8}));
  v = read_string("2\nProperties=species:I:1:pos:R:3\n14 0 0 0\n8 1 1 1\n");
  EXPECT_EQ(v[0].numbers, (std::vector<int>{14, 8}));
  // Only a Z column; positions under "positions".
  v = read_string("2\nProperties=Z:I:1:positions:R:3\n14 0 0 0\n8 1 1 1\n");
  EXPECT_EQ(v[0].numbers, (std::vector<int>{14, 8}));
  EXPECT_EQ(v[0].positions(1, 0), 1.0);
  EXPECT_TRUE(v[0].extra_columns.empty());
  // Both: species wins, Z is dropped.
  v = read_string("2\nProperties=species:S:1:pos:R:3:Z:I:1\nSi 0 0 0 6\nO 1 1 1 8\n");
  EXPECT_EQ(v[0].numbers, (std::vector<int>{14, 8}));
  EXPECT_TRUE(v[0].extra_columns.empty());
}

TEST(ExtxyzRead, QuotingStyles) {
  auto v = read_string(
      "1\n"
      "Lattice={3 0 0 0 3 0 0 0 3} name=\"a \\\"quoted\\\" b\" path=\"C:\\\\x\" flag "
      "spaced = 7 braces={x y} virial=\"[[1, 2, 3], [2, 4, 5], [3, 5, 6]]\" empty=\"\" single='a b'\n"
      "H 0 0 0\n");
  ASSERT_EQ(v.size(), 1u);
  const Structure& s = v[0];
  EXPECT_EQ(s.cell(0, 0), 3.0);
  ASSERT_TRUE(find_info(s, "name"));
  EXPECT_EQ(*find_info(s, "name"), "a \"quoted\" b");
  EXPECT_EQ(*find_info(s, "path"), "C:\\x");
  ASSERT_TRUE(find_info(s, "flag"));
  EXPECT_EQ(*find_info(s, "flag"), "T");
  ASSERT_TRUE(find_info(s, "spaced"));
  EXPECT_EQ(*find_info(s, "spaced"), "7");
  EXPECT_EQ(*find_info(s, "braces"), "x y");
  ASSERT_TRUE(find_info(s, "empty"));
  EXPECT_EQ(*find_info(s, "empty"), "");
  EXPECT_EQ(*find_info(s, "single"), "a b");
  ASSERT_TRUE(s.virial);
  Eigen::Matrix3d w;
  w << 1, 2, 3, 2, 4, 5, 3, 5, 6;
  EXPECT_EQ(*s.virial, w);
  // Brackets without spaces need no quotes (as in ASE); commas separate numbers.
  auto v2 = read_string("1\nvirial=[[1,2,3],[2,4,5],[3,5,6]] energy=[2.5]\nH 0 0 0\n");
  EXPECT_EQ(*v2[0].virial, w);
  EXPECT_EQ(*v2[0].energy, 2.5);
  // Order of extra_info follows the file.
  ASSERT_GE(s.extra_info.size(), 2u);
  EXPECT_EQ(s.extra_info[0].first, "name");
  EXPECT_EQ(s.extra_info[1].first, "path");
}

TEST(ExtxyzRead, StressBecomesVirial) {
  const std::string lat = "Lattice=\"4 0 0 0.5 5 0 0.2 0.3 6\" ";
  const double vol = 4.0 * 5.0 * 6.0;
  auto v = read_string("1\n" + lat + "stress=\"1 2 3 4 5 6\"\nH 0 0 0\n");  // Voigt xx yy zz yz xz xy
  ASSERT_TRUE(v[0].virial);
  Eigen::Matrix3d st;
  st << 1, 6, 5, 6, 2, 4, 5, 4, 3;
  EXPECT_TRUE(v[0].virial->isApprox(-st * vol, 1e-14)) << *v[0].virial;
  EXPECT_FALSE(find_info(v[0], "stress"));
  v = read_string("1\n" + lat + "stress=\"1 6 5 6 2 4 5 4 3\"\nH 0 0 0\n");
  ASSERT_TRUE(v[0].virial);
  EXPECT_TRUE(v[0].virial->isApprox(-st * vol, 1e-14));
  // With both, the virial is used and the stress dropped.
  v = read_string("1\n" + lat + "stress=\"1 6 5 6 2 4 5 4 3\" virial=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\n");
  EXPECT_EQ(*v[0].virial, Eigen::Matrix3d::Identity());
  EXPECT_TRUE(v[0].extra_info.empty());
}

TEST(ExtxyzRead, SelectableKeys) {
  ExtxyzKeys keys;
  keys.energy = "DFT_energy";
  keys.forces = "DFT_forces";
  keys.virial = "DFT_virial";
  keys.config_type = "ctype";
  keys.sigma_energy = "esig";
  keys.stress = "";  // disabled: kept verbatim
  auto v = read_string(
      "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3:forces:R:3:DFT_forces:R:3 "
      "energy=1 DFT_energy=2 DFT_virial=\"1 0 0 0 2 0 0 0 3\" ctype=x esig=0.5 stress=\"1 2 3 4 5 6\"\n"
      "H 0 0 0 1 1 1 2 2 2\n",
      keys);
  const Structure& s = v[0];
  EXPECT_EQ(*s.energy, 2.0);
  EXPECT_EQ((*s.forces)(0, 0), 2.0);
  EXPECT_EQ((*s.virial)(2, 2), 3.0);
  EXPECT_EQ(s.config_type, "x");
  EXPECT_EQ(*s.sigma_energy, 0.5);
  EXPECT_EQ(*find_info(s, "energy"), "1");
  EXPECT_EQ(*find_info(s, "stress"), "1 2 3 4 5 6");
  ASSERT_TRUE(find_column(s, "forces"));
  EXPECT_EQ(find_column(s, "forces")->values, (std::vector<std::string>{"1", "1", "1"}));
}

TEST(ExtxyzRead, SigmaOverrides) {
  auto v = read_string("1\nenergy_sigma=0.001 force_sigma=0.1 virial_sigma=0.05\nH 0 0 0\n");
  EXPECT_EQ(*v[0].sigma_energy, 0.001);
  EXPECT_EQ(*v[0].sigma_force, 0.1);
  EXPECT_EQ(*v[0].sigma_virial, 0.05);
  EXPECT_TRUE(v[0].extra_info.empty());
}

TEST(ExtxyzRead, FramesSourcesLineEndings) {
  const std::string text =
      "1\r\nenergy=1\r\nH 0 0 0\r\n"
      "0\r\nenergy=0\r\n"
      "2\r\nProperties=species:S:1:pos:R:3\r\nH 0 0 0\r\nH 0 0 0.74\r\n"
      "\r\n\n   \n";
  auto v = read_string(text);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].source, "string.xyz:frame 0 (line 1)");
  EXPECT_EQ(v[1].source, "string.xyz:frame 1 (line 4)");
  EXPECT_EQ(v[2].source, "string.xyz:frame 2 (line 6)");
  EXPECT_EQ(v[1].size(), 0);
  EXPECT_EQ(*v[1].energy, 0.0);
  EXPECT_EQ(v[2].positions(1, 2), 0.74);
  EXPECT_TRUE(read_string("").empty());
  EXPECT_TRUE(read_string("\n\n").empty());
}

TEST(ExtxyzRead, ExtrasKeptVerbatim) {
  auto v = read_string(
      "2\nProperties=species:S:1:pos:R:3:tags:I:1:fixed:L:3:kind:S:1:m:R:2 note=\"hello world\" n=3 "
      "x=1.50 arr=\"1 2 3\" js=\"_JSON {\\\"a\\\": 1}\"\n"
      "H 0 0 0 7 T F T core 1.000 nan\n"
      "H 1 1 1 -2 F F F shell -2e5 inf\n");
  const Structure& s = v[0];
  ASSERT_EQ(s.extra_info.size(), 5u);
  EXPECT_EQ(s.extra_info[0], (std::pair<std::string, std::string>("note", "hello world")));
  EXPECT_EQ(*find_info(s, "x"), "1.50");
  EXPECT_EQ(*find_info(s, "arr"), "1 2 3");
  EXPECT_EQ(*find_info(s, "js"), "_JSON {\"a\": 1}");
  ASSERT_EQ(s.extra_columns.size(), 4u);
  EXPECT_EQ(s.extra_columns[0].name, "tags");
  EXPECT_EQ(s.extra_columns[0].type, 'I');
  EXPECT_EQ(s.extra_columns[0].values, (std::vector<std::string>{"7", "-2"}));
  EXPECT_EQ(s.extra_columns[1].type, 'L');
  EXPECT_EQ(s.extra_columns[1].ncols, 3);
  EXPECT_EQ(s.extra_columns[1].values, (std::vector<std::string>{"T", "F", "T", "F", "F", "F"}));
  EXPECT_EQ(s.extra_columns[2].values, (std::vector<std::string>{"core", "shell"}));
  // Reals soapgap does not use may be non-finite; they are kept as written.
  EXPECT_EQ(s.extra_columns[3].values, (std::vector<std::string>{"1.000", "nan", "-2e5", "inf"}));
}

// ----- files written by ASE -----

struct RefFrame {
  std::map<std::string, std::vector<std::string>> items;  // key -> tokens
  std::vector<std::vector<std::string>> columns;          // name type ncols values...
};

std::vector<RefFrame> read_reference(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::vector<RefFrame> frames;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, t;
    ls >> key;
    std::vector<std::string> tok;
    while (ls >> t) tok.push_back(t);
    if (key == "frame") {
      frames.emplace_back();
    } else if (key == "column") {
      frames.back().columns.push_back(tok);
    } else {
      frames.back().items[key] = tok;
    }
  }
  return frames;
}

std::vector<double> to_doubles(const std::vector<std::string>& t, size_t from = 0) {
  std::vector<double> v;
  for (size_t i = from; i < t.size(); ++i) v.push_back(std::strtod(t[i].c_str(), nullptr));
  return v;
}

TEST(ExtxyzAse, ReadsFilesWrittenByAse) {
  const std::string dir = std::string(SOAPGAP_TEST_DATA_DIR) + "/extxyz/";
  auto frames = read_extxyz(dir + "ase_frames.xyz");
  auto ref = read_reference(dir + "ase_frames_ref.txt");
  ASSERT_EQ(frames.size(), 5u);
  ASSERT_EQ(ref.size(), frames.size());
  for (size_t f = 0; f < frames.size(); ++f) {
    SCOPED_TRACE("frame " + std::to_string(f));
    const Structure& s = frames[f];
    auto& r = ref[f].items;
    const int n = std::stoi(r["natoms"][0]);
    ASSERT_EQ(s.size(), n);
    for (int d = 0; d < 3; ++d) EXPECT_EQ(s.pbc[d], r["pbc"][d] == "1");
    auto cell = to_doubles(r["cell"]);
    for (int k = 0; k < 9; ++k) EXPECT_EQ(s.cell(k / 3, k % 3), cell[k]);
    for (int i = 0; i < n; ++i) EXPECT_EQ(s.numbers[i], std::stoi(r["numbers"][i]));
    auto pos = to_doubles(r["positions"]);
    for (int k = 0; k < 3 * n; ++k) EXPECT_EQ(s.positions(k / 3, k % 3), pos[k]);
    EXPECT_EQ(s.energy.has_value(), r.count("energy") > 0);
    if (s.energy) {
      EXPECT_EQ(*s.energy, to_doubles(r["energy"])[0]);
    }
    EXPECT_EQ(s.forces.has_value(), r.count("forces") > 0);
    if (s.forces) {
      auto fr = to_doubles(r["forces"]);
      for (int k = 0; k < 3 * n; ++k) EXPECT_EQ((*s.forces)(k / 3, k % 3), fr[k]);
    }
    EXPECT_EQ(s.virial.has_value(), r.count("virial") > 0);
    if (s.virial) {
      auto w = to_doubles(r["virial"]);
      for (int k = 0; k < 9; ++k) EXPECT_NEAR((*s.virial)(k / 3, k % 3), w[k], 1e-13 * (1 + std::abs(w[k])));
    }
    EXPECT_EQ(s.extra_columns.size(), ref[f].columns.size());
    for (const auto& rc : ref[f].columns) {
      SCOPED_TRACE("column " + rc[0]);
      const ExtraColumn* c = find_column(s, rc[0]);
      ASSERT_TRUE(c);
      EXPECT_EQ(std::string(1, c->type), rc[1]);
      EXPECT_EQ(c->ncols, std::stoi(rc[2]));
      ASSERT_EQ(c->values.size() + 3, rc.size());
      for (size_t k = 0; k < c->values.size(); ++k) {
        if (c->type == 'R')
          EXPECT_EQ(std::strtod(c->values[k].c_str(), nullptr), std::strtod(rc[3 + k].c_str(), nullptr));
        else
          EXPECT_EQ(c->values[k], rc[3 + k]);
      }
    }
  }
  // Per-config items as ASE writes them.
  const Structure& a = frames[0];
  EXPECT_EQ(a.config_type, "bulk rattled");
  ASSERT_TRUE(find_info(a, "temperature"));
  EXPECT_EQ(*find_info(a, "temperature"), "300");
  EXPECT_EQ(*find_info(a, "smear"), "0.1");
  EXPECT_EQ(*find_info(a, "flag"), "T");
  EXPECT_EQ(*find_info(a, "kpts"), "4 4 2");
  EXPECT_EQ(*find_info(a, "weights"), "0.5 0.25");
  EXPECT_EQ(*find_info(a, "label"), "abc");
  EXPECT_EQ(a.extra_info.size(), 6u);
  EXPECT_EQ(frames[1].config_type, "prim");
  EXPECT_EQ(*frames[1].sigma_energy, 0.001);
  EXPECT_EQ(*frames[1].sigma_force, 0.05);
  EXPECT_EQ(*frames[1].sigma_virial, 0.02);
  EXPECT_EQ(frames[2].config_type, "isolated_atom");
  EXPECT_EQ(frames[2].cell, Eigen::Matrix3d::Zero());
  EXPECT_EQ(frames[4].numbers, (std::vector<int>{8, 1, 1}));
  EXPECT_EQ(frames[3].source, dir + "ase_frames.xyz:frame 3 (line 18)");
}

Structure example_structure() {
  Structure s;
  s.cell << 5.1, 0.1, -0.2, 0.3, 4.9, 0.05, -0.1, 0.2, 6.3;
  s.pbc = {true, true, true};
  s.numbers = {14, 8, 1};
  s.positions.resize(3, 3);
  s.positions << 0.1, 0.2, 0.3, 1.0 / 3.0, 2.5, -1.0 / 7.0, 4.0, 4.1, 5.9;
  s.energy = -123.456789012345678;
  MatrixX3 f(3, 3);
  f << 0.1, -0.2, 0.3, 1e-17, 2.0 / 3.0, -5.0, 0, 0.5, -0.25;
  s.forces = f;
  Eigen::Matrix3d w;
  w << 1.5, 0.2, -0.3, 0.2, -2.5, 0.7, -0.3, 0.7, 3.25;
  s.virial = w;
  s.config_type = "bulk";
  return s;
}

TEST(ExtxyzAse, AseReadsWhatWeWrite) {
  if (!have_python_ase()) GTEST_SKIP() << "/usr/bin/python3 with ase not available";
  Structure s = example_structure();
  s.config_type = "with space";
  s.extra_info = {{"note", "a \"b\" {c}"}, {"count", "3"}};
  Structure ref = s;
  ref.energy = -120.0;
  ref.forces = MatrixX3(*s.forces * 2.0);
  ref.virial = Eigen::Matrix3d(*s.virial * 0.5);
  ExtxyzExtras x = labels_as_extras(ref, "ref_");
  x.add_real("energy_variance", 1.0 / 3.0);
  x.add_column("local_energy", std::vector<double>{-1.0 / 3.0, -2.0, -3.5});
  x.add_column("local_variance", std::vector<double>{0.1, 0.2, 0.3});
  Structure mol;
  mol.numbers = {6};
  mol.positions = MatrixX3::Zero(1, 3);
  mol.energy = -1.25;
  const std::string path = (temp_dir() / "ours_for_ase.xyz").string();
  write_extxyz(path, {s, mol}, {}, {x, {}});

  const std::string script =
      "import ase.io, sys\n"
      "def p(*v): print(' '.join(repr(float(x)) for x in v))\n"
      "a, m = ase.io.read(sys.argv[1], ':')\n"
      "p(a.get_potential_energy())\n"
      "p(*a.get_forces().ravel())\n"
      "p(*a.get_stress(voigt=False).ravel())\n"
      "p(*a.cell[:].ravel())\n"
      "p(*a.positions.ravel())\n"
      "p(*a.pbc)\n"
      "p(*a.info['virial'].ravel())\n"
      "p(a.info['ref_energy'], a.info['energy_variance'], a.info['count'])\n"
      "p(*a.arrays['ref_forces'].ravel())\n"
      "p(*a.arrays['local_energy'])\n"
      "print(a.info['config_type'] + '|' + a.info['note'] + '|' + a.get_chemical_formula(mode='all'))\n"
      "p(m.get_potential_energy(), *m.pbc, *m.cell[:].ravel())\n";
  const std::string script_path = (temp_dir() / "read_ours.py").string();
  std::ofstream(script_path) << script;
  std::istringstream out(run_capture("/usr/bin/python3 " + script_path + " " + path));
  std::vector<std::vector<double>> rows;
  std::string line, text_line;
  while (std::getline(out, line)) {
    if (line.find('|') != std::string::npos) {
      text_line = line;
      continue;
    }
    std::istringstream ls(line);
    std::vector<double> r;
    std::string t;
    while (ls >> t) r.push_back(std::strtod(t.c_str(), nullptr));
    rows.push_back(r);
  }
  ASSERT_EQ(rows.size(), 11u);
  EXPECT_EQ(rows[0][0], *s.energy);
  Eigen::Matrix3d stress = -*s.virial / s.volume();
  ASSERT_EQ(rows[1].size(), 9u);
  ASSERT_EQ(rows[2].size(), 9u);
  for (int k = 0; k < 9; ++k) {
    EXPECT_EQ(rows[1][k], (*s.forces)(k / 3, k % 3));
    EXPECT_EQ(rows[2][k], stress(k / 3, k % 3));
    EXPECT_EQ(rows[3][k], s.cell(k / 3, k % 3));
    EXPECT_EQ(rows[4][k], s.positions(k / 3, k % 3));
    EXPECT_EQ(rows[6][k], (*s.virial)(k / 3, k % 3));
    EXPECT_EQ(rows[8][k], (*ref.forces)(k / 3, k % 3));
  }
  EXPECT_EQ(rows[5], (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(rows[7], (std::vector<double>{-120.0, 1.0 / 3.0, 3}));
  EXPECT_EQ(rows[9], (std::vector<double>{-1.0 / 3.0, -2.0, -3.5}));
  EXPECT_EQ(text_line, "with space|a \"b\" {c}|SiOH");
  EXPECT_EQ(rows[10], (std::vector<double>{-1.25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(ExtxyzAse, AseRewriteReadsBack) {
  if (!have_python_ase()) GTEST_SKIP() << "/usr/bin/python3 with ase not available";
  Structure s = example_structure();
  s.pbc = {true, false, true};
  s.extra_columns = {ExtraColumn{"tags", 'I', 1, {"1", "2", "3"}}};
  const std::string ours = (temp_dir() / "ours_rewrite.xyz").string();
  const std::string theirs = (temp_dir() / "ase_rewrite.xyz").string();
  write_extxyz(ours, {s});
  run_capture(
      "/usr/bin/python3 -W ignore -c 'import ase.io, sys; ase.io.write(sys.argv[2], ase.io.read(sys.argv[1], "
      "\":\"))' " +
      ours + " " + theirs);
  auto v = read_extxyz(theirs);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].numbers, s.numbers);
  EXPECT_EQ(v[0].pbc, s.pbc);
  EXPECT_TRUE(v[0].positions.isApprox(s.positions, 1e-8));
  EXPECT_EQ(*v[0].energy, *s.energy);
  EXPECT_TRUE(v[0].forces->isApprox(*s.forces, 1e-7));
  EXPECT_TRUE(v[0].virial->isApprox(*s.virial, 1e-14));
  ASSERT_TRUE(find_column(v[0], "tags"));
  EXPECT_EQ(find_column(v[0], "tags")->values, (std::vector<std::string>{"1", "2", "3"}));
}

// ----- C++ round trip -----

TEST(ExtxyzWrite, RoundTripBitIdentical) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  std::uniform_int_distribution<int> e(-300, 300);
  auto rnd = [&] { return u(rng) * std::pow(10.0, e(rng)); };
  std::vector<Structure> in;
  for (int f = 0; f < 4; ++f) {
    Structure s;
    const int n = 1 + f * 3;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) s.cell(i, j) = (i == j ? 5.0 : 0.0) + u(rng);
    s.pbc = {f != 1, true, f != 2};
    for (int i = 0; i < n; ++i) s.numbers.push_back(1 + (i * 37 + f) % 118);
    s.positions.resize(n, 3);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < 3; ++j) s.positions(i, j) = 10 * u(rng);
    if (f == 0) {
      s.positions(0, 0) = -0.0;
      s.positions(0, 1) = 5e-324;
      s.positions(0, 2) = 1.7976931348623157e308;
    }
    if (f != 3) {
      s.energy = rnd();
      MatrixX3 fo(n, 3);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < 3; ++j) fo(i, j) = rnd();
      s.forces = fo;
      Eigen::Matrix3d w;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) w(i, j) = u(rng);
      s.virial = Eigen::Matrix3d(w + w.transpose());
      s.sigma_energy = 0.001;
      s.sigma_force = 1.0 / 3.0;
      s.sigma_virial = 0.1;
    }
    s.config_type = f == 2 ? "two words" : "ct" + std::to_string(f);
    s.extra_info = {{"note", "quote \" backslash \\ braces {x} [y] eq=1 'z'"},
                    {"empty", ""},
                    {"num", "1.50"},
                    {"key with space", "v"}};
    ExtraColumn r{"q", 'R', 2, {}}, i{"tags", 'I', 1, {}}, l{"mask", 'L', 3, {}}, st{"kind", 'S', 1, {}};
    for (int a = 0; a < n; ++a) {
      r.values.push_back(std::to_string(u(rng)));
      r.values.push_back("1e-5");
      i.values.push_back(std::to_string(a - 2));
      for (int k = 0; k < 3; ++k) l.values.push_back((a + k) % 2 ? "T" : "F");
      st.values.push_back(a % 2 ? "core" : "sh\"ell");
    }
    s.extra_columns = {r, i, l, st};
    in.push_back(s);
  }
  const std::string path = (temp_dir() / "roundtrip.xyz").string();
  write_extxyz(path, in);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  auto out = read_extxyz(path);
  ASSERT_EQ(out.size(), in.size());
  for (size_t f = 0; f < in.size(); ++f) {
    SCOPED_TRACE("frame " + std::to_string(f));
    const Structure &a = in[f], &b = out[f];
    expect_same_bits(a.cell, b.cell, "cell");
    EXPECT_EQ(a.pbc, b.pbc);
    EXPECT_EQ(a.numbers, b.numbers);
    expect_same_bits(a.positions, b.positions, "positions");
    ASSERT_EQ(a.energy.has_value(), b.energy.has_value());
    if (a.energy) {
      EXPECT_TRUE(same_bits(*a.energy, *b.energy));
    }
    ASSERT_EQ(a.forces.has_value(), b.forces.has_value());
    if (a.forces) expect_same_bits(*a.forces, *b.forces, "forces");
    ASSERT_EQ(a.virial.has_value(), b.virial.has_value());
    if (a.virial) expect_same_bits(*a.virial, *b.virial, "virial");
    EXPECT_EQ(a.sigma_energy, b.sigma_energy);
    EXPECT_EQ(a.sigma_force, b.sigma_force);
    EXPECT_EQ(a.sigma_virial, b.sigma_virial);
    EXPECT_EQ(a.config_type, b.config_type);
    EXPECT_EQ(a.extra_info, b.extra_info);
    ASSERT_EQ(a.extra_columns.size(), b.extra_columns.size());
    for (size_t c = 0; c < a.extra_columns.size(); ++c) {
      EXPECT_EQ(a.extra_columns[c].name, b.extra_columns[c].name);
      EXPECT_EQ(a.extra_columns[c].type, b.extra_columns[c].type);
      EXPECT_EQ(a.extra_columns[c].ncols, b.extra_columns[c].ncols);
      EXPECT_EQ(a.extra_columns[c].values, b.extra_columns[c].values);
    }
  }
  // Writing the read structures again gives the same text.
  std::ostringstream t1, t2;
  for (const auto& s : in) write_extxyz(t1, s);
  for (const auto& s : out) write_extxyz(t2, s);
  EXPECT_EQ(t1.str(), t2.str());
}

TEST(ExtxyzWrite, StressOnlyForFullyPeriodicCells) {
  Structure s = example_structure();
  std::ostringstream o1;
  write_extxyz(o1, s);
  EXPECT_NE(o1.str().find(" stress=\""), std::string::npos) << o1.str();
  EXPECT_NE(o1.str().find(" virial=\""), std::string::npos);
  s.pbc = {true, true, false};
  std::ostringstream o2;
  write_extxyz(o2, s);
  EXPECT_EQ(o2.str().find("stress="), std::string::npos) << o2.str();
  ExtxyzWriteOptions opt;
  opt.write_labels = false;
  std::ostringstream o3;
  write_extxyz(o3, s, {}, opt);
  EXPECT_EQ(o3.str().find("energy="), std::string::npos) << o3.str();
  EXPECT_EQ(o3.str().find("forces"), std::string::npos) << o3.str();
  // An isolated molecule: no Lattice.
  Structure m;
  m.numbers = {1};
  m.positions = MatrixX3::Zero(1, 3);
  std::ostringstream o4;
  write_extxyz(o4, m);
  EXPECT_EQ(o4.str(), "1\nProperties=species:S:1:pos:R:3 pbc=\"F F F\"\nH 0 0 0\n");
}

TEST(ExtxyzWrite, PredictionOutputAndCollisions) {
  Structure ref = example_structure();
  ref.extra_info = {{"ref_energy", "old"}, {"keep", "1"}};
  ref.extra_columns = {ExtraColumn{"local_energy", 'R', 1, {"9", "9", "9"}}};
  Structure pred = ref;
  pred.energy = 1.0;
  ExtxyzExtras x = labels_as_extras(ref, "ref_");
  x.add_real("energy_variance", 0.25);
  x.add_column("local_energy", std::vector<double>{0.5, 0.25, 0.25});
  std::ostringstream os;
  write_extxyz(os, pred, x);
  auto v = read_string(os.str());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(*v[0].energy, 1.0);
  EXPECT_EQ(*find_info(v[0], "ref_energy"), "-123.45678901234568");
  EXPECT_EQ(*find_info(v[0], "energy_variance"), "0.25");
  EXPECT_EQ(*find_info(v[0], "keep"), "1");
  ASSERT_TRUE(find_column(v[0], "local_energy"));
  EXPECT_EQ(find_column(v[0], "local_energy")->values, (std::vector<std::string>{"0.5", "0.25", "0.25"}));
  ASSERT_TRUE(find_column(v[0], "ref_forces"));
  EXPECT_EQ(find_column(v[0], "ref_forces")->values.size(), 9u);
  ASSERT_TRUE(find_info(v[0], "ref_virial"));
  // Reading back with the ref_ keys gives the reference labels bit-identically.
  ExtxyzKeys keys;
  keys.energy = "ref_energy";
  keys.forces = "ref_forces";
  keys.virial = "ref_virial";
  keys.stress = "";
  auto r = read_string(os.str(), keys);
  EXPECT_TRUE(same_bits(*r[0].energy, *ref.energy));
  expect_same_bits(*r[0].forces, *ref.forces, "ref_forces");
  expect_same_bits(*r[0].virial, *ref.virial, "ref_virial");

  // Extras that collide with what the Structure's fields write are errors.
  for (const char* key : {"energy", "virial", "stress", "config_type", "lattice", "PBC"}) {
    ExtxyzExtras bad;
    bad.add_real(key, 1.0);
    std::ostringstream o;
    EXPECT_THROW(write_extxyz(o, pred, bad), std::invalid_argument) << key;
  }
  for (const char* name : {"forces", "species", "pos", "bad name", ""}) {
    ExtxyzExtras bad;
    bad.add_column(name, std::vector<double>{1, 2, 3});
    std::ostringstream o;
    EXPECT_THROW(write_extxyz(o, pred, bad), std::invalid_argument) << name;
  }
  ExtxyzExtras wrong_size;
  wrong_size.add_column("c", std::vector<double>{1, 2});
  std::ostringstream o;
  EXPECT_THROW(write_extxyz(o, pred, wrong_size), std::invalid_argument);
}

TEST(ExtxyzWrite, CannotWrite) {
  EXPECT_THROW(write_extxyz("/nonexistent_dir_soapgap/x.xyz", {example_structure()}), InputError);
}

// ----- errors -----

TEST(ExtxyzErrors, AtomLines) {
  const std::string head = "2\nProperties=species:S:1:pos:R:3:forces:R:3\n";
  expect_error(head + "Si 0 0 0 1 1 1\nSi 0 0 1\n", 4,
               "atom line has 4 columns; expected 7 (Properties=species:S:1:pos:R:3:forces:R:3)");
  expect_error(head + "Si 0 0 0 1 1 1 1\nSi 0 0 0 1 1 1\n", 3, "atom line has 8 columns");
  expect_error(head + "Si 0 0 0 1 1 1\nXx 0 0 0 1 1 1\n", 4, "unknown element \"Xx\"");
  expect_error(head + "Si 0 0 0 1 1 1\nSI 0 0 0 1 1 1\n", 4, "unknown element \"SI\"");
  expect_error(head + "Si 0 0 1.0a 1 1 1\nSi 0 0 0 1 1 1\n", 3, "pos has the non-numeric value \"1.0a\"");
  expect_error(head + "Si 0 nan 0 1 1 1\nSi 0 0 0 1 1 1\n", 3, "non-finite value \"nan\"");
  expect_error(head + "Si 0 0 0 1 1 1\nSi 0 0 0 1 -inf 1\n", 4, "forces has the non-finite value \"-inf\"");
  expect_error(head + "Si 0 0 0 1 1 1\nSi 0 0 0 1 1e999 1\n", 4, "forces has the non-finite value");
  expect_error("1\nProperties=species:S:1:pos:R:3:n:I:1\nH 0 0 0 1.5\n", 3, "n has the non-integer value");
  expect_error("1\nProperties=species:S:1:pos:R:3:m:L:1\nH 0 0 0 X\n", 3, "m has the non-logical value");
  expect_error("1\nProperties=species:S:1:pos:R:3:q:R:1\nH 0 0 0 x\n", 3, "q has the non-numeric value");
  expect_error("1\nProperties=Z:I:1:pos:R:3\n200 0 0 0\n", 3, "is not an atomic number");
}

TEST(ExtxyzErrors, CommentLine) {
  expect_error("1\nenergy=nan\nH 0 0 0\n", 2, "energy");
  expect_error("1\nenergy=abc\nH 0 0 0\n", 2, "non-numeric value \"abc\"");
  expect_error("1\nenergy=\"1 2\"\nH 0 0 0\n", 2, "energy=\"1 2\" has 2 numbers");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n", 2, "Lattice has 8 numbers");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 inf\"\nH 0 0 0\n", 2, "non-finite");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 0\"\nH 0 0 0\n", 2, "singular");
  expect_error("1\nLattice=\"1 0 0 2 0 0 0 0 1\" pbc=\"T T F\"\nH 0 0 0\n", 2, "singular");
  expect_error("1\npbc=\"T T T\"\nH 0 0 0\n", 2, "no Lattice");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T T\"\nH 0 0 0\n", 2, "pbc=\"T T\"");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\" virial=\"1 2 3 4 5 6 7 8\"\nH 0 0 0\n", 2, "virial has 8 numbers");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\" virial=\"1 2 3 4 5 6 7 8 nan\"\nH 0 0 0\n", 2, "non-finite");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\" stress=\"1 2 3 4 5 6 7\"\nH 0 0 0\n", 2, "stress has 7 numbers");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\" stress=\"1 2 3 4 5 inf\"\nH 0 0 0\n", 2, "non-finite");
  expect_error("1\nstress=\"1 2 3 4 5 6\"\nH 0 0 0\n", 2, "no volume");
  expect_error("1\nProperties=species:S:1\nH\n", 2, "no pos column");
  expect_error("1\nProperties=pos:R:3\n0 0 0\n", 2, "no species column");
  expect_error("1\nProperties=species:S:1:pos:R:2\nH 0 0\n", 2, "pos:R:2");
  expect_error("1\nProperties=species:S:1:pos:R:3:forces:R:1\nH 0 0 0 1\n", 2, "forces:R:1");
  expect_error("1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n", 2, "type \"X\"");
  expect_error("1\nProperties=species:S:1:pos:R\nH 0 0 0\n", 2, "not a multiple of 3");
  expect_error("1\nProperties=species:S:1:pos:R:x\nH 0 0 0\n", 2, "\"x\" columns");
  expect_error("1\nProperties=species:S:1:pos:R:3:pos:R:3\nH 0 0 0 0 0 0\n", 2, "twice");
  expect_error("1\nenergy=1 energy=2\nH 0 0 0\n", 2, "appears twice");
  expect_error("1\nenergy_sigma=-1\nH 0 0 0\n", 2, "not positive");
  expect_error("1\nconfig_type=\"unterminated\nH 0 0 0\n", 2, "unterminated");
  expect_error("1\nenergy=1 =3\nH 0 0 0\n", 2, "without a key");
}

TEST(ExtxyzErrors, CountsAndStructure) {
  expect_error("abc\n\nH 0 0 0\n", 1, "found \"abc\"");
  expect_error("2.5\n\nH 0 0 0\n", 1, "found \"2.5\"");
  expect_error("-1\n\n", 1, "negative");
  expect_error("1000000000000\n\nH 0 0 0\n", 1, "too large");
  // A count that fits but whose lines are not there: must not allocate from the count.
  expect_error("2000000000\n\nH 0 0 0\nH 0 0 1\n", 5, "file ends after 2 of the 2000000000 atom lines");
  expect_error("3\nenergy=1\nH 0 0 0\nH 0 0 0\n", 5, "file ends after 2 of the 3 atom lines");
  expect_error("3\n", 2, "file ends before the comment line");
  // Errors in a later frame give that frame's lines.
  expect_error("1\n\nH 0 0 0\n2\nenergy=1\nH 0 0 0\nH 0 0 x\n", 7, "non-numeric value \"x\"");
  expect_error("1\n\nH 0 0 0\n1\n\nH 0 0 0\nextra\n", 7, "found \"extra\"");
  // A blank line followed by more frames.
  expect_error("1\n\nH 0 0 0\n\n1\n\nH 0 0 0\n", 4, "blank line");
}

TEST(ExtxyzErrors, MissingFile) {
  const std::string path = (temp_dir() / "does_not_exist.xyz").string();
  try {
    read_extxyz(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open " + path + ": No such file or directory");
  }
  try {
    read_extxyz(temp_dir().string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open " + temp_dir().string() + ": Is a directory");
  }
}

// ----- inputs found by the fuzzer (tests/fuzz, fuzz_extxyz) -----

TEST(ExtxyzFuzzRegressions, NulBytesAndCarriageReturnsInsideLinesAreRefused) {
  // A key holding a NUL byte and carriage returns: read before, and written back with the
  // carriage returns turned into spaces (the round trip changed the key).
  static const char nul_key[] = "0\nepty\0\0\0stress\0 pbc=F\n";
  expect_error(std::string(nul_key, sizeof nul_key - 1), 2, "NUL byte at column 5");
  expect_error("0\n\"a\r\rb\"=1 pbc=F\n", 2, "carriage return at column 3");
  expect_error("1\n\nH 0\r0 0\n", 3, "carriage return at column 4");
  static const char nul_after_blank[] = "1\n\nH 0 0 0\n\n\0\n";
  expect_error(std::string(nul_after_blank, sizeof nul_after_blank - 1), 5, "NUL byte");
  // Windows line endings are still fine.
  EXPECT_EQ(read_string("1\r\nenergy=1\r\nH 0 0 0\r\n").size(), 1u);
}

TEST(ExtxyzFuzzRegressions, ColumnNamesThatCannotBeWrittenBackAreRefused) {
  // "forc]s" was read, then write_extxyz threw std::invalid_argument ("invalid column name")
  // when the frame was written (soapgap eval would have failed after the prediction).
  const std::string lattice = "Lattice=\"5.43 0 0 0 5.43 0 0 0 5.43\" ";
  expect_error("1\n" + lattice + "Properties=species:S:1:pos:R:3:forc]s:R:3\nSi 0 0 0 0.1 0.2 0.3\n", 2,
               "invalid column name \"forc]s\"");
  expect_error("1\nProperties=\"species:S:1:pos:R:3:a\\\"b:R:1\"\nSi 0 0 0 1\n", 2, "invalid column name \"a\"b\"");
  expect_error("1\nProperties=\"species:S:1:pos:R:3:a=b:R:1\"\nSi 0 0 0 1\n", 2, "invalid column name \"a=b\"");
  expect_error("1\nProperties={species:S:1:pos:R:3:a{b:R:1}\nSi 0 0 0 1\n", 2, "invalid column name");
  // What the reader accepts, the writer writes and the reader reads back.
  const auto v = read_string("1\nProperties=species:S:1:pos:R:3:q.x_1-y:R:1\nSi 0 0 0 1\n");
  std::ostringstream out;
  write_extxyz(out, v.at(0));
  const auto back = read_string(out.str());
  ASSERT_EQ(back.at(0).extra_columns.size(), 1u);
  EXPECT_EQ(back.at(0).extra_columns[0].name, "q.x_1-y");
}

TEST(ExtxyzFuzzRegressions, StressTimesVolumeMustBeFinite) {
  // virial = -stress * volume overflowed to infinity and was returned.
  expect_error("1\nLattice=\"1e100 0 0 0 1e100 0 0 0 1e100\" stress=\"1e10 0 0 0 1e10 0 0 0 1e10\"\nSi 0 0 0\n", 2,
               "stress times the cell volume 1e+300 overflows");
}

TEST(ExtxyzFuzzRegressions, LatticeSingularityTestDoesNotOverflow) {
  // The Gram determinant of very long or very short vectors overflowed or underflowed, and
  // regular cells were reported as "singular".
  for (const char* scale : {"1e-60", "1e100"}) {
    const std::string l = std::string(scale);
    const auto v = read_string("1\nLattice=\"" + l + " 0 0 0 " + l + " 0 0 0 " + l + "\"\nSi 0 0 0\n");
    ASSERT_EQ(v.size(), 1u) << scale;
    EXPECT_TRUE(v[0].fully_periodic()) << scale;
  }
  expect_error("1\nLattice=\"1e100 0 0 2e100 0 0 0 0 1e100\"\nH 0 0 0\n", 2, "singular");
  expect_error("1\nLattice=\"1e-60 0 0 0 0 0 0 0 1e-60\"\nH 0 0 0\n", 2, "singular");
  expect_error("1\nLattice=\"1.5e308 1.5e308 0 0 1 0 0 0 1\"\nH 0 0 0\n", 2, "too long");
}

TEST(ExtxyzFuzzRegressions, PropertiesWithTooManyColumnsInAll) {
  // Each column was limited to 10^6 numbers but not their sum, an int that could overflow.
  std::string props = "species:S:1:pos:R:3";
  for (int i = 0; i < 3; ++i) props += ":c" + std::to_string(i) + ":R:999999";
  expect_error("0\nProperties=" + props + "\n", 2, "more than 1000000 columns in all");
}

}  // namespace
}  // namespace soapgap
