// Nothing lost (issue 21): every output of the command-line tool is complete or absent (the old
// file intact), inputs are never overwritten, output paths and options are checked before any
// work, and unbounded or empty inputs are errors, never a silent success.
#include "cli_fixture.h"

namespace {

class CliOutputTest : public CliTest {
 protected:
  // Runs `script` with /bin/sh; $SOAPGAP is the tool.
  CliResult shell(const std::string& script) {
    return run({"/bin/sh", "-c", "SOAPGAP='" + std::string(SOAPGAP_CLI) + "'; " + script});
  }
  std::vector<std::string> eval_args(const std::string& input, const std::string& output) const {
    return {"eval", "--potential", path("pot.xml"), "--input", input, "--output", output, "--quiet"};
  }
  std::string slurp(const std::string& name) const { return read_whole_file(path(name)); }
};

// An output that cannot be written completely (here: the file-size limit, as a full disk would)
// fails the command, leaves no partial file and no temporary, and keeps an older file intact.
TEST_F(CliOutputTest, WriteFailureExitsNonZeroAndKeepsTheOldFile) {
  write_sets();
  fit_quietly();
  write_text(path("out.xyz"), "old contents\n");
  const auto before = listing();
  // ulimit -f 1: files of at most 512 bytes; SIGXFSZ ignored, so write() fails with EFBIG.
  const CliResult r = shell("ulimit -f 1; trap '' XFSZ; exec \"$SOAPGAP\" eval --potential " + path("pot.xml") +
                            " --input " + path("test.xyz") + " --output " + path("out.xyz") + " --quiet");
  expect_failure(r, 1, "eval", {"cannot write " + path("out.xyz"), "File too large"}, before);
  EXPECT_EQ(slurp("out.xyz"), "old contents\n");
}

// The report goes through the same path: a report that cannot be written is an error. Its
// file linked to /dev/full (every write: No space left on device) used to give an empty file
// and exit 0, as on a full disk: the stream was checked before it was flushed.
TEST_F(CliOutputTest, ReportThatCannotBeWrittenFails) {
  write_sets();
  fit_quietly();
  ASSERT_EQ(::mkdir(path("report").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("/dev/full", path("report/errors.json").c_str()), 0);
  std::vector<std::string> args = eval_args(path("test.xyz"), path("out.xyz"));
  args.insert(args.end(), {"--report", path("report")});
  const auto before = listing();
  expect_failure(soapgap(args), 1, "eval", {"--report", path("report/errors.json")}, before);
  std::vector<std::string> fit = fit_args(path("pot2.xml"), {"--quiet", "--report", path("report")});
  expect_failure(soapgap(fit), 1, "fit", {"--report", path("report/errors.json")}, before);
  ASSERT_EQ(::unlink(path("report/errors.json").c_str()), 0);
  ASSERT_EQ(::mkdir(path("report/errors.json").c_str(), 0755), 0);  // a directory in the way
  expect_failure(soapgap(args), 1, "eval", {"--report", path("report/errors.json"), "is a directory"}, listing());
}

// Two evaluations into one output: each writes a temporary of its own, so the result is one
// complete file, and a user's file named like the old fixed temporary is not touched.
TEST_F(CliOutputTest, ConcurrentEvalsAndAUsersTmpFile) {
  write_sets();
  fit_quietly();
  write_text(path("out.xyz.tmp"), "the user's own file\n");
  const std::string cmd = "\"$SOAPGAP\" eval --potential " + path("pot.xml") + " --input " + path("test.xyz") +
                          " --output " + path("out.xyz") + " --quiet";
  const CliResult r = shell(cmd + " & " + cmd + " & " + cmd + " & wait");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(slurp("out.xyz.tmp"), "the user's own file\n");
  EXPECT_EQ(read_extxyz(path("out.xyz")).size(), test_.size());
  EXPECT_EQ(listing(), (std::set<std::string>{"pot.xml", "train.xyz", "test.xyz", "out.xyz", "out.xyz.tmp"}));
}

// An output that is one of the inputs (by name, through a link, or through a hard link) is
// refused before anything is read, and the input stays as it was.
TEST_F(CliOutputTest, OutputThatIsAnInputIsRefused) {
  write_sets();
  fit_quietly();
  ASSERT_EQ(::symlink(path("test.xyz").c_str(), path("link.xyz").c_str()), 0);
  ASSERT_EQ(::link(path("pot.xml").c_str(), path("hard.xml").c_str()), 0);
  const std::string test_text = slurp("test.xyz"), pot_text = slurp("pot.xml"), train_text = slurp("train.xyz");
  const auto before = listing();
  expect_failure(soapgap(eval_args(path("test.xyz"), path("test.xyz"))), 1, "eval",
                 {"--output " + path("test.xyz"), "is the input file"}, before);
  expect_failure(soapgap(eval_args(path("test.xyz"), path("link.xyz"))), 1, "eval", {"is the input file"}, before);
  expect_failure(soapgap(eval_args(path("test.xyz"), path("hard.xml"))), 1, "eval",
                 {"is the input file " + path("pot.xml")}, before);
  expect_failure(soapgap(fit_args(path("train.xyz"), {"--quiet"})), 1, "fit", {"is the input file"}, before);
  expect_failure(soapgap(fit_args(path("test.xyz"), {"--quiet", "--validate", path("test.xyz")})), 1, "fit",
                 {"is the input file " + path("test.xyz")}, before);
  expect_failure(soapgap({"convert", path("pot.xml"), path("hard.xml")}), 1, "convert", {"is the input file"}, before);
  EXPECT_EQ(slurp("test.xyz"), test_text);
  EXPECT_EQ(slurp("pot.xml"), pot_text);
  EXPECT_EQ(slurp("train.xyz"), train_text);
}

// Bad output paths and an --e0 for an element absent from the data are reported before the
// fit, with their own message (not "cannot write" after the whole fit).
TEST_F(CliOutputTest, BadOutputsAndOptionsFailBeforeAnyWork) {
  write_sets();
  const auto before = listing();
  expect_failure(soapgap(fit_args(path("no/such/dir/pot.xml"), {"--quiet"})), 1, "fit",
                 {"--output", "directory " + path("no/such/dir") + " does not exist"}, before);
  expect_failure(soapgap(fit_args(work_, {"--quiet"})), 1, "fit", {"--output " + work_, "is a directory"}, before);
  // A named pipe stands in for a device such as /dev/null (which an older version replaced
  // by a regular file: the test must not harm the machine when the check is missing).
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
  const auto with_pipe = listing();
  expect_failure(soapgap(fit_args(path("pipe"), {"--quiet"})), 1, "fit", {path("pipe"), "not a regular file"},
                 with_pipe);
  expect_failure(soapgap(fit_args(path("pot.xml"), {"--quiet", "--e0", "Ge=-100"})), 1, "fit",
                 {"--e0 Ge", "does not occur in " + path("train.xyz"), "Si"}, with_pipe);
  fit_quietly();
  const auto after_fit = listing();
  expect_failure(soapgap(eval_args(path("test.xyz"), path("missing/out.xyz"))), 1, "eval",
                 {"--output", "does not exist"}, after_fit);
}

// Binary input (/dev/zero) and a line without end stop at once with an error; an allocation
// failure is an error too, never "0 configurations".
TEST_F(CliOutputTest, UnboundedInputsAreErrors) {
  write_sets();
  fit_quietly();
  const auto before = listing();
  expect_failure(soapgap(eval_args("/dev/zero", path("out.xyz"))), 1, "eval", {"/dev/zero:1", "NUL byte"}, before);
  {
    std::ofstream f(path("long.xyz"), std::ios::binary);
    f << "2\n";
    const std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 17; ++i) f << chunk;
  }
  const auto with_long = listing();
  expect_failure(soapgap(eval_args(path("long.xyz"), path("out.xyz"))), 1, "eval",
                 {path("long.xyz") + ":2", "line longer than"}, with_long);
#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer reserves terabytes of address space
  // 1 GB of address space: the library, OpenBLAS and one buffer fit; reading /dev/zero must
  // still say NUL byte, and an allocation failure would say "out of memory" - never exit 0.
  const CliResult r = shell("ulimit -v 1000000; exec \"$SOAPGAP\" eval --potential " + path("pot.xml") +
                            " --input /dev/zero --output " + path("out.xyz") + " --quiet --threads 1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.err.find("NUL byte") != std::string::npos || r.err.find("out of memory") != std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("out.xyz")));
#endif
}

TEST_F(CliOutputTest, EmptyInputsAreErrors) {
  write_sets();
  fit_quietly();
  write_text(path("empty.xyz"), "");
  const auto before = listing();
  expect_failure(soapgap(eval_args(path("empty.xyz"), path("out.xyz"))), 1, "eval",
                 {path("empty.xyz"), "no configurations"}, before);
  expect_failure(soapgap(fit_args(path("pot2.xml"), {"--quiet", "--validate", path("empty.xyz")})), 1, "fit",
                 {path("empty.xyz"), "no configurations", "--validate"}, before);
}

TEST_F(CliOutputTest, ThreadsZeroAndKernelSettingsNameTheOption) {
  write_sets();
  const auto before = listing();
  std::vector<std::string> zero_threads = fit_args(path("pot.xml"), {"--quiet"});
  zero_threads[zero_threads.size() - 2] = "0";  // fit_args passes --threads 2 before the extras
  expect_failure(soapgap(zero_threads), 2, "fit", {"--threads=0", "between 1 and 4096"}, before);
  auto fit_with = [&](const std::string& second) {
    return soapgap({"fit", "--train", path("train.xyz"), "--output", path("pot.xml"), "--descriptor", kSoap,
                    "--descriptor", second, "--quiet"});
  };
  expect_failure(fit_with("soap n_max=4 l_max=3 cutoff=4 zeta=0 n_sparse=5"), 1, "fit", {"--descriptor #2", "zeta"},
                 before);
  expect_failure(fit_with("soap n_max=4 l_max=3 cutoff=4 delta=0 n_sparse=5"), 1, "fit", {"--descriptor #2", "delta"},
                 before);
  expect_failure(fit_with("distance_2b cutoff=4 theta=0 n_sparse=5"), 1, "fit", {"--descriptor #2", "theta"}, before);
}

TEST_F(CliOutputTest, EvalForceVarianceWritesTheCovarianceOfEachForce) {
  write_sets();
  fit_quietly();
  ASSERT_EQ(soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output", path("fv.xyz"),
                     "--force-variance", "--quiet"})
                .exit_code,
            0);
  const PotentialData data = read_potential(path("pot.xml"));
  const Potential pot(data);
  PredictOptions o;
  o.variance = true;
  o.force_variance = true;
  const std::vector<Structure> out = read_extxyz(path("fv.xyz"));
  ASSERT_EQ(out.size(), test_.size());
  for (size_t c = 0; c < out.size(); ++c) {
    const Prediction p = pot.predict(test_[c], o);
    const ExtraColumn* var = find_column(out[c], "force_variance");
    const ExtraColumn* cov = find_column(out[c], "force_covariance");
    ASSERT_TRUE(var && cov) << "configuration " << c;
    ASSERT_EQ(cov->values.size(), 9u * test_[c].size());
    EXPECT_EQ(find_info(out[c], "energy_variance"), nullptr) << "--force-variance alone wrote energy_variance";
    for (int i = 0; i < test_[c].size(); ++i) {
      const double trace = p.force_covariance(i, 0) + p.force_covariance(i, 4) + p.force_covariance(i, 8);
      EXPECT_NEAR(parse_double(var->values[i]), trace, 1e-10 * trace) << "atom " << i;
      for (int k = 0; k < 9; ++k)
        EXPECT_NEAR(parse_double(cov->values[9 * i + k]), p.force_covariance(i, k), 1e-10 * trace)
            << "atom " << i << " entry " << k;
    }
  }
}

}  // namespace
