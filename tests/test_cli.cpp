// Command-line integration tests of the soapgap binary (fit, eval, info): training and test
// sets labelled by an analytic pair potential are written with soapgap's extxyz writer, the
// CLI is run as a separate process (stdout/stderr captured, exit status and signals checked)
// in a fresh temporary directory per test, and its outputs are read back with soapgap's
// readers (and ASE where available) and compared with in-process predictions.
#include "cli_fixture.h"

namespace {

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
                               path("out.xyz"), "--variance=total", "--threads", "2", "--report", path("eval_report")});
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

TEST_F(CliTest, EvalVarianceIsLocalUnlessTotalIsAsked) {
  write_sets();
  fit_quietly();
  ASSERT_EQ(soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output", path("local.xyz"),
                     "--variance", "--quiet"})
                .exit_code,
            0);
  ASSERT_EQ(soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output", path("total.xyz"),
                     "--variance=total", "--quiet"})
                .exit_code,
            0);
  const std::vector<Structure> local = read_extxyz(path("local.xyz")), total = read_extxyz(path("total.xyz"));
  ASSERT_EQ(local.size(), total.size());
  for (size_t c = 0; c < local.size(); ++c) {
    EXPECT_EQ(find_info(local[c], "energy_variance"), nullptr) << "--variance alone wrote energy_variance";
    ASSERT_NE(find_info(total[c], "energy_variance"), nullptr) << "--variance=total wrote no energy_variance";
    const ExtraColumn* a = find_column(local[c], "local_variance");
    const ExtraColumn* b = find_column(total[c], "local_variance");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->values, b->values);  // the same per-atom variances, bit for bit
  }
  // --variance=local is the default spelled out; anything else is a usage error (exit 2).
  EXPECT_EQ(soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output", path("l2.xyz"),
                     "--variance=local", "--quiet"})
                .exit_code,
            0);
  const CliResult bad = soapgap({"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output",
                                 path("bad.xyz"), "--variance=all", "--quiet"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--variance=all"), std::string::npos) << bad.err;
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
    expect_failure(soapgap({"eval", "--potential", path(name), "--input", path("test.xyz"), "--output", path("out.xyz"),
                            "--quiet"}),
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
    return soapgap({"fit", "--train", path("train.xyz"), "--output", path("pot.xml"), "--descriptor", spec, "--quiet"});
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
  expect_failure(soapgap(fit_args(path("pot.xml"), {"--quiet", "--e0", "Xx=-1.5"})), 2, "fit", {"--e0", "Xx"}, before);
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
  const CliResult ok = soapgap(
      {"eval", "--potential", path("pot.xml"), "--input", path("test.xyz"), "--output", path("out.xyz"), "--quiet"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(fs::exists(path("out.xyz")));
}

}  // namespace
