// `soapgap kernel` run as a separate process on the files of tests/data/molecules: the .npy it
// writes against structure_kernel_matrix computed here, and its answers to bad input.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "descriptors/descriptor.h"
#include "io/molecule_files.h"
#include "io/npy_file.h"
#include "structure/structure_environments.h"
#include "structure/structure_kernel.h"
#include "test_paths.h"

using namespace soapgap;
using namespace soapgap::testing;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(SOAPGAP_TEST_DATA_DIR) + "/molecules/";
const char* kDesc = "soap n_max=4 l_max=3 cutoff=3.5 atom_sigma=0.5";

class CliKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "soapgap_cli_kernel_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr) << templ;
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  CliResult kernel(std::vector<std::string> args) {
    args.insert(args.begin(), {SOAPGAP_CLI, "kernel"});
    return run_program(args, dir_ + "/capture");
  }
  std::string dir_;
};

std::vector<Structure> structures(const std::vector<std::string>& paths) {
  std::vector<Structure> out;
  for (Molecule& m : read_molecules(paths)) out.push_back(std::move(m.structure));
  return out;
}

}  // namespace

TEST_F(CliKernelTest, WritesTheKernelOfAllFormats) {
  const std::vector<std::string> inputs = {kDir + "ligands.sdf", kDir + "ligands.mol2", kDir + "qm9_two.xyz"};
  const std::string out = dir_ + "/K.npy";
  const CliResult r = kernel({"--input", inputs[0], "--input", inputs[1], "--input", inputs[2], "--descriptor", kDesc,
                              "--kind", "rematch", "--gamma", "0.2", "--output", out, "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.command << "\n" << r.err;
  EXPECT_NE(r.out.find("kernel 6 x 6 (rematch, gamma 0.2, zeta 1) written to " + out), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("smallest eigenvalue: "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("read 6 structures"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("structure kernel: 15 pairs"), std::string::npos) << r.err;
  const Eigen::MatrixXd K = read_npy(out);
  const std::vector<Structure> s = structures(inputs);
  const auto desc = parse_descriptor(kDesc, elements_of({&s}));
  StructureKernelOptions options;
  options.kind = StructureKernelKind::REMatch;
  options.gamma = 0.2;
  const Eigen::MatrixXd expected = structure_kernel_matrix(structure_environments(s, *desc, "A"), nullptr, options);
  ASSERT_EQ(K.rows(), 6);
  ASSERT_EQ(K.cols(), 6);
  EXPECT_LE((K - expected).cwiseAbs().maxCoeff(), 1e-12);
  // Water of the SDF, water of the MOL2 and water of QM9 are the same molecule (to rounding).
  EXPECT_NEAR(K(0, 3), 1.0, 1e-6);
  EXPECT_NEAR(K(0, 5), 1.0, 1e-6);
  EXPECT_FALSE(fs::exists(out + ".tmp"));
}

TEST_F(CliKernelTest, RectangularKernelWithInputB) {
  const std::string out = dir_ + "/K.npy";
  const CliResult r = kernel({"--input", kDir, "--input-b", kDir + "benzene.mol", "--descriptor", kDesc, "--kind",
                              "match", "--zeta", "2", "--output", out, "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find("eigenvalue"), std::string::npos) << r.out;
  const Eigen::MatrixXd K = read_npy(out);
  ASSERT_EQ(K.rows(), 9);
  ASSERT_EQ(K.cols(), 1);
  EXPECT_NEAR(K(0, 0), 1.0, 1e-12);  // benzene.mol with itself
  EXPECT_NEAR(K(2, 0), 1.0, 1e-6);   // the benzene of ligands.mol2
}

TEST_F(CliKernelTest, BadInput) {
  const std::string out = dir_ + "/K.npy";
  CliResult r = kernel({"--input", kDir + "missing.sdf", "--output", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("soapgap kernel: error: cannot open " + kDir + "missing.sdf"), std::string::npos) << r.err;
  r = kernel({"--input", kDir + "ligands.sdf", "--kind", "best", "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--kind=best: expected average, match or rematch"), std::string::npos) << r.err;
  for (const char* gamma : {"0", "-1", "inf"}) {
    r = kernel({"--input", kDir + "ligands.sdf", "--kind", "rematch", "--gamma", gamma, "--output", out});
    EXPECT_EQ(r.exit_code, 2) << gamma;
    EXPECT_NE(r.err.find("--gamma"), std::string::npos) << r.err;
  }
  r = kernel({"--input", kDir + "ligands.sdf", "--zeta", "1.5", "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  r = kernel({"--input", kDir + "ligands.sdf", "--tolerance", "0", "--output", out});
  EXPECT_EQ(r.exit_code, 2);
  r = kernel({"--output", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing required option --input"), std::string::npos) << r.err;
  r = kernel({"--input", kDir + "ligands.sdf", "--descriptor", "distance_2b cutoff=3", "--output", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("one environment per atom"), std::string::npos) << r.err;
  r = kernel({"--input", kDir + "README.txt", "--output", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown file name extension"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}
