// QUIP GAP XML import (io/quip_potential.h) on small files written here: layout mapping,
// Glue core, round trip through soapgap's format, derivatives and error messages. The
// comparison with QUIP itself is tests/lammps/test_quip_import.py (needs quippy).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "descriptors/soap.h"
#include "finite_differences.h"
#include "io/load_potential.h"
#include "io/potential_file.h"
#include "io/quip_potential.h"
#include "model/potential.h"
#include "model/sparse_gp_fit.h"
#include "model/variance_factors.h"
#include "test_structures.h"

using namespace soapgap;
using namespace soapgap::testing;

namespace {

class QuipImport : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "soapgap_quip_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  std::string dir_;
};

// SOAP n_max=3 l_max=1, one species: K = 3, 6 (ia, jb) pairs x 2 l + 1 constant = 13 numbers.
// Sparse point s has QUIP element j equal to 0.01 * (j + 1) + 0.1 s (positive, so the kernel is
// well defined); the constant element is 0.
std::string quip_file(const std::string& descriptor_extra = "", const std::string& gp_extra = "", bool glue = true,
                      const std::string& init = "") {
  std::ostringstream x;
  x << "<GAP_TEST>\n";
  x << "<Potential label=\"GAP_TEST\" init_args=\""
    << (init.empty()
            ? (glue ? "Sum init_args_pot1={IP Glue} init_args_pot2={IP GAP label=GAP_TEST}" : "IP GAP label=GAP_TEST")
            : init)
    << "\"/>\n";
  if (glue)
    x << "<Glue_params n_types=\"1\"><per_type_data atomic_num=\"14\" type=\"1\">\n"
         " <density num_points=\"3\" density_y1=\"-0.4\" density_yn=\"0.0\">"
         "<point a=\"1.0\" rho=\"0.3\"/><point a=\"2.0\" rho=\"0.1\"/><point a=\"3.0\" rho=\"0.0\"/></density>\n"
         " <potential_density num_points=\"3\"><point rho=\"0.0\" E=\"0.0\"/><point rho=\"0.5\" E=\"-0.2\"/>"
         "<point rho=\"1.5\" E=\"-0.3\"/></potential_density></per_type_data>\n"
         "<per_pair_data type1=\"1\" type2=\"1\"><potential_pair num_points=\"3\">"
         "<point r=\"1.5\" E=\"2.0\"/><point r=\"2.5\" E=\"0.1\"/><point r=\"3.2\" E=\"0.0\"/></potential_pair>"
         "</per_pair_data></Glue_params>\n";
  x << "<GAP_params label=\"GAP_TEST\" gap_version=\"1600000000\"><GAP_data do_core=\"" << (glue ? "T" : "F")
    << "\"><e0 Z=\"14\" value=\"-158.5\"/></GAP_data>\n";
  x << "<gpSparse label=\"GAP_TEST\" n_coordinate=\"1\"><gpCoordinates label=\"GAP_TEST1\" dimensions=\"13\" "
       "signal_variance=\"0.5\" signal_mean=\"0.0\" sparsified=\"T\" n_permutations=\"1\" covariance_type=\"2\" "
       "zeta=\"2.0\" n_sparseX=\"2\" "
    << gp_extra << ">\n<descriptor>soap cutoff=3.5 cutoff_transition_width=0.5 l_max=1 n_max=3 atom_sigma=0.5 "
    << "central_weight=1.0 n_species=1 species_Z={14} Z=14 n_sparseX=2 delta=0.5 covariance_type=dot_product "
       "sparse_method=cur_points"
    << descriptor_extra << "</descriptor>\n<permutation i=\"1\">1</permutation>\n";
  for (int s = 0; s < 2; ++s) {
    x << "<sparseX i=\"" << s + 1 << "\" alpha=\"" << (s ? -0.7 : 1.3) << "\" sparseCutoff=\"" << (s ? 1.0 : 0.5)
      << "\">";
    for (int j = 0; j < 12; ++j) x << " " << 0.01 * (j + 1) + 0.1 * s;
    x << " 0.0</sparseX>\n";
  }
  x << "</gpCoordinates></gpSparse></GAP_params>\n</GAP_TEST>\n";
  return x.str();
}

}  // namespace

TEST_F(QuipImport, MapsQuipLayoutOntoSoapgapsPowerSpectrum) {
  const std::string p = write("gap.xml", quip_file());
  EXPECT_TRUE(is_quip_potential(p));
  const PotentialData d = load_potential(p);
  ASSERT_EQ(d.elements, std::vector<int>({14}));
  EXPECT_DOUBLE_EQ(d.e0.at(14), -158.5);
  ASSERT_EQ(d.terms.size(), 1u);
  // QUIP's radial basis (the default, so the canonical spec names it only with another exponent).
  const SoapParameters sp = SoapParameters::from_spec(KeyValueSpec::parse(d.terms[0].spec, "t"), {14});
  EXPECT_EQ(sp.radial_basis, "quip");
  EXPECT_EQ(sp.basis_error_exponent, 10.0);
  EXPECT_NE(d.terms[0].spec.find("central_reference_all_species=T"), std::string::npos);  // n_species=1 default
  EXPECT_NE(d.terms[0].spec.find("zeta=2 delta=0.5"), std::string::npos);
  ASSERT_EQ(d.terms[0].groups.size(), 1u);
  const SparseGroupData& g = d.terms[0].groups[0];
  EXPECT_EQ(g.key, "14");
  ASSERT_EQ(g.sparse_points.cols(), 12);  // QUIP's constant element dropped
  // QUIP pairs (ia, jb), jb <= ia: (0,0) (1,0) (1,1) (2,0) (2,1) (2,2); soapgap (n, n'), n' >= n:
  // (0,0) (0,1) (0,2) (1,1) (1,2) (2,2); l fastest in both.
  const int quip_pair_of_ours[6] = {0, 1, 3, 2, 4, 5};
  for (int s = 0; s < 2; ++s)
    for (int p2 = 0; p2 < 6; ++p2)
      for (int l = 0; l < 2; ++l)
        EXPECT_DOUBLE_EQ(g.sparse_points(s, 2 * p2 + l), 0.01 * (2 * quip_pair_of_ours[p2] + l + 1) + 0.1 * s);
  EXPECT_DOUBLE_EQ(g.alpha[0], 1.3 * 0.5);  // alpha x sparseCutoff
  EXPECT_DOUBLE_EQ(g.alpha[1], -0.7);
  ASSERT_TRUE(d.core.has_value());
  ASSERT_EQ(d.core->elements.size(), 1u);
  EXPECT_FALSE(d.core->elements[0].density_spline);
  EXPECT_GT(d.core->elements[0].embedding.yp1, 0.99e30);  // natural ends by default
  ASSERT_EQ(d.core->pairs.size(), 1u);
  EXPECT_EQ(d.core->pairs[0].potential.yp1, 0.0);  // QUIP's default for pair splines
}

TEST_F(QuipImport, ForcesAndVirialAreDerivativesOfTheEnergy) {
  const Potential pot(load_potential(write("gap.xml", quip_file())));
  ASSERT_NE(pot.core(), nullptr);
  EXPECT_DOUBLE_EQ(pot.cutoff(), 3.5);
  Structure s = diamond(5.43, 1);
  rattle(s, 0.15, 4);
  const Prediction p = pot.predict(s);
  auto energy = [&](const Structure& t) { return pot.predict(t, PredictOptions{false}).energy; };
  const MatrixX3 fd = finite_difference_forces(energy, s);
  EXPECT_LT((p.forces - fd).cwiseAbs().maxCoeff(), 1e-6);
  const Eigen::Matrix3d vd = finite_difference_virial(energy, s);
  EXPECT_LT((p.virial - vd).cwiseAbs().maxCoeff(), 1e-6);
  // The Glue core is part of it: without it the energy differs.
  const Potential gap_only(load_potential(write("gap_only.xml", quip_file("", "", false))));
  EXPECT_GT(std::abs(gap_only.predict(s).energy - p.energy), 1e-3);
}

TEST_F(QuipImport, ConvertedFileGivesIdenticalPredictions) {
  const PotentialData d = load_potential(write("gap.xml", quip_file()));
  const std::string out = dir_ + "/converted.xml";
  write_potential(out, d);
  EXPECT_FALSE(is_quip_potential(out));
  const PotentialData back = load_potential(out);
  ASSERT_TRUE(back.core.has_value());
  EXPECT_EQ(back.core->pairs[0].potential.y, d.core->pairs[0].potential.y);
  EXPECT_EQ(back.core->elements[0].embedding.yp1, d.core->elements[0].embedding.yp1);
  EXPECT_EQ(potential_checksum(back), potential_checksum(d));
  Structure s = diamond(5.43, 1);
  rattle(s, 0.1, 9);
  const Prediction a = Potential(d).predict(s), b = Potential(back).predict(s);
  EXPECT_EQ(a.energy, b.energy);
  EXPECT_EQ((a.forces - b.forces).cwiseAbs().maxCoeff(), 0.0);
  // Editing the core changes the checksum: the file is refused.
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t k = text.find("density_spline=\"F\"");
  ASSERT_NE(k, std::string::npos);
  text.replace(k, 18, "density_spline=\"T\"");
  const std::string edited = write("edited.xml", text);
  try {
    load_potential(edited);
    FAIL() << "edited core accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
  }
}

TEST_F(QuipImport, SparseOnlyVarianceIsThePriorTheSparsePointsCannotRepresent) {
  std::string text = quip_file("", "", false);
  text.replace(text.find("</GAP_params>"), 0,
               "<command_line>at_file=train.xyz gap={soap ...} default_sigma={0.001 0.1 0.1 0} sparse_jitter=1.0e-6 "
               "gp_file=gap.xml</command_line>\n");
  PotentialData d = load_potential(write("gap.xml", text));
  ASSERT_FALSE(d.variance.has_value());
  const double jitter = 1e-6;
  EXPECT_NE(d.provenance.at("quip_command_line").find("sparse_jitter=1.0e-6"), std::string::npos);
  double used = 0;
  d.variance = sparse_variance_factors(Potential(d), jitter, &used);
  EXPECT_EQ(used, jitter);
  EXPECT_TRUE(d.variance->sparse_only());
  // round trip: kind="sparse", U alone, checksum
  const std::string out = dir_ + "/with_variance.xml";
  write_potential(out, d);
  const PotentialData back = load_potential(out);
  ASSERT_TRUE(back.variance && back.variance->sparse_only());
  EXPECT_EQ(back.variance->r.size(), 0);
  EXPECT_TRUE(back.variance->u == d.variance->u);
  // sigma^2_i = k(q_i, q_i) - k_i^T (K_MM + jitter)^-1 k_i, written out directly
  const Potential pot(back);
  Structure s = diamond(5.43, 1);
  rattle(s, 0.1, 4);
  PredictOptions o;
  o.variance = true;
  o.total_variance = false;
  const Prediction p = pot.predict(s, o);
  const Term& term = pot.terms()[0];
  const Environments env = term.descriptor().compute(s, NeighbourList(s, pot.cutoff()));
  const Eigen::MatrixXd& X = term.groups[0].sparse_points;
  Eigen::MatrixXd K, k, kk;
  term.kernel().matrix(X, X, K);
  K.diagonal().array() += jitter;
  term.kernel().matrix(env.q, X, k);
  term.kernel().matrix(env.q, env.q.cast<double>(), kk);
  const Eigen::MatrixXd Kinv_k = K.ldlt().solve(k.transpose());
  for (int i = 0; i < s.size(); ++i) {
    const double want = kk(i, i) - k.row(i).dot(Kinv_k.col(i));
    EXPECT_NEAR(p.local_variance[env.atom[i]], want, 1e-9 * kk(i, i)) << "atom " << i;
  }
  // far from the two sparse points the variance approaches the prior
  EXPECT_GT(p.local_variance.maxCoeff(), 0.0);
}

TEST_F(QuipImport, VarianceOfTheFitFromTheTrainingSetAddsToTheSparseOnlyOne) {
  PotentialData d = load_potential(write("gap.xml", quip_file("", "", false)));
  std::vector<Structure> train;
  for (int c = 0; c < 3; ++c) {
    Structure s = diamond(5.43, 1);
    rattle(s, 0.1, 40 + c);
    s.energy = -1270.0;
    s.forces = MatrixX3::Zero(s.size(), 3);
    train.push_back(s);
  }
  FitSettings settings;
  settings.terms = {"unused"};
  settings.jitter = 0;
  settings.sparse_jitter = 1e-6;
  settings.use_virial = false;
  PotentialData full = d, sparse = d;
  full.variance = refit_variance_factors(d, train, settings);
  sparse.variance = sparse_variance_factors(Potential(d), 1e-6);
  EXPECT_FALSE(full.variance->sparse_only());
  EXPECT_TRUE(full.variance->u == sparse.variance->u);  // the same K_MM + jitter
  Structure s = diamond(5.43, 1);
  rattle(s, 0.1, 5);
  PredictOptions o;
  o.variance = true;
  o.total_variance = false;
  const Eigen::VectorXd vf = Potential(full).predict(s, o).local_variance;
  const Eigen::VectorXd vs = Potential(sparse).predict(s, o).local_variance;
  // the fit's variance adds k^T Sigma k > 0, the uncertainty the data leave in the sparse points' values
  for (int i = 0; i < s.size(); ++i) {
    EXPECT_GT(vf[i], vs[i]) << "atom " << i;
    EXPECT_GT(vs[i], 0.0) << "atom " << i;
  }
}

TEST_F(QuipImport, RefusesWhatItDoesNotImplementNamingFileLineAndOption) {
  auto message = [&](const std::string& text) {
    try {
      load_potential(write("bad.xml", text));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  std::string m = message(quip_file(" Z_mix=T"));
  EXPECT_NE(m.find("bad.xml:"), std::string::npos) << m;
  EXPECT_NE(m.find("Z_mix=T is not supported"), std::string::npos) << m;
  m = message(quip_file(" radial_basis=GTO"));
  EXPECT_NE(m.find("radial_basis=GTO is not supported"), std::string::npos) << m;
  m = message(quip_file(" covariance_sigma0=0.1"));
  EXPECT_NE(m.find("covariance_sigma0=0.1"), std::string::npos) << m;
  m = message(quip_file(" some_new_option=3"));
  EXPECT_NE(m.find("some_new_option=3 is not supported"), std::string::npos) << m;
  std::string t = quip_file();
  t.replace(t.find("zeta=\"2.0\""), 10, "zeta=\"2.5\"");
  m = message(t);
  EXPECT_NE(m.find("positive integer zeta"), std::string::npos) << m;
  t = quip_file();
  t.replace(t.find("signal_mean=\"0.0\""), 17, "signal_mean=\"1.0\"");
  m = message(t);
  EXPECT_NE(m.find("signal_mean=1.0"), std::string::npos) << m;
  t = quip_file();
  t.replace(t.find("n_sparseX=\"2\""), 13, "n_sparseX=\"3\"");
  m = message(t);
  EXPECT_NE(m.find("n_sparseX=3 but 2 <sparseX> elements"), std::string::npos) << m;
  EXPECT_NE(m.find(":8: <gpCoordinates>"), std::string::npos) << m;  // file:line of the element
  t = quip_file();
  t.replace(t.find(" 0.0</sparseX>"), 14, "</sparseX>");
  m = message(t);
  EXPECT_NE(m.find("12 numbers, expected dimensions=13"), std::string::npos) << m;
  m = message(quip_file("", "", true, "Sum init_args_pot1={IP SW} init_args_pot2={IP GAP label=GAP_TEST}"));
  EXPECT_NE(m.find("IP SW is not supported"), std::string::npos) << m;
  m = message(quip_file("", "sparseX_filename=\"missing.dat\""));
  EXPECT_NE(m.find("cannot open"), std::string::npos) << m;
  m = message("<not_quip/>");
  EXPECT_NE(m.find("bad.xml"), std::string::npos) << m;
}

// ----- inputs found by fuzzing read_quip_potential (tests/fuzz, fuzz_quip_potential) -----

namespace {

// The InputError message of read_quip_potential(path), or "(accepted)".
std::string quip_error(const std::string& path) {
  try {
    read_quip_potential(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t k = s.find(from);
  EXPECT_NE(k, std::string::npos) << from;
  if (k != std::string::npos) s.replace(k, from.size(), to);
  return s;
}

}  // namespace

TEST_F(QuipImport, FuzzMessagesAreOneLineAndNameTheFile) {
  // An empty file: libxml2's message ends with a newline, which was passed on.
  std::string m = quip_error(write("empty.xml", ""));
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find("empty.xml:1: not well-formed XML: Document is empty"), std::string::npos) << m;
  // An unterminated {: the message named neither file nor line and quoted the whole
  // descriptor string, line breaks included.
  m = quip_error(write("brace.xml", replaced(quip_file(), "species_Z={14}", "species_Z={14\n")));
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find("brace.xml:8: <gpCoordinates> <descriptor>: species_Z={...: unterminated value (no closing })"),
            std::string::npos)
      << m;
  // Values quoted in messages may hold line breaks.
  m = quip_error(write("newline.xml", quip_file(" K={1\n2}")));
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find("newline.xml:8:"), std::string::npos) << m;
}

TEST_F(QuipImport, FuzzDoctypeIsRefused) {
  // Nested entities expanded by xmlGetProp ("billion laughs"): the fuzzer's 10 s timeout.
  std::string laughs = "<!DOCTYPE GAP_TEST [\n<!ENTITY a \"aaaaaaaaaa\">\n";
  for (char c = 'b'; c <= 'i'; ++c)
    laughs += std::string("<!ENTITY ") + c + " \"" + [&] {
      std::string r;
      for (int k = 0; k < 10; ++k) r += std::string("&") + static_cast<char>(c - 1) + ";";
      return r;
    }() + "\">\n";
  laughs += "]>\n";
  const std::string m = quip_error(
      write("laughs.xml", laughs + replaced(quip_file(), "<Potential label=\"GAP_TEST\"", "<Potential label=\"&i;\"")));
  EXPECT_NE(m.find("laughs.xml: DOCTYPE declarations are not allowed in QUIP GAP files"), std::string::npos) << m;
}

TEST_F(QuipImport, FuzzLongInitArgsDoNotOverflowTheStack) {
  // std::regex recursed once per character of init_args: a stack overflow at ~100 kB.
  // (read_quip_potential: load_potential looks for <GAP_params> in the first 64 kB only)
  const PotentialData d = read_quip_potential(
      write("long.xml", quip_file("", "", false, "IP GAP " + std::string(200000, ' ') + "label=GAP_TEST")));
  EXPECT_EQ(d.terms.size(), 1u);
  EXPECT_EQ(read_quip_potential(write("long2.xml", quip_file("", "", false, "IP GAP " + std::string(200000, 'x'))))
                .terms.size(),
            1u);
  // The label is still found as before: spaces around '=', other options first, inside a Sum.
  EXPECT_EQ(
      read_quip_potential(write("label.xml", quip_file("", "", false, "IP GAP do_e0=T label = GAP_TEST"))).terms.size(),
      1u);
  std::string m = quip_error(write("label2.xml", quip_file("", "", false, "IP GAP label=OTHER")));
  EXPECT_NE(m.find("no <GAP_params label=\"OTHER\">"), std::string::npos) << m;
  m = quip_error(
      write("label3.xml", quip_file("", "", true, "Sum init_args_pot1={IP Glue} init_args_pot2={IP GAP label=OTHER}")));
  EXPECT_NE(m.find("no <GAP_params label=\"OTHER\">"), std::string::npos) << m;
}

TEST_F(QuipImport, FuzzAlphaTimesSparseCutoffMustBeFinite) {
  // The product overflowed to infinity and was returned as alpha.
  const std::string m = quip_error(write("alpha.xml", replaced(quip_file(), "alpha=\"1.3\" sparseCutoff=\"0.5\"",
                                                               "alpha=\"1e300\" sparseCutoff=\"1e300\"")));
  EXPECT_NE(m.find("alpha.xml:11: <sparseX>: alpha=1e300 times sparseCutoff=1e300 overflows"), std::string::npos) << m;
}

TEST_F(QuipImport, FuzzSparsePointsAreNotAllocatedFromDimensions) {
  // n_sparseX x dimensions doubles were allocated before any number was read (1.6 GB here).
  std::string t = replaced(quip_file(), "dimensions=\"13\"", "dimensions=\"100000000\"");
  std::string m = quip_error(write("dim.xml", t));
  EXPECT_NE(m.find("13 numbers, expected dimensions=100000000"), std::string::npos) << m;
  // The same with the numbers in a sparseX file.
  std::ofstream(dir_ + "/sparse.dat") << "0.5 0.25\n0.125\n";
  t = replaced(quip_file("", "sparseX_filename=\"sparse.dat\""), "dimensions=\"13\"", "dimensions=\"100000000\"");
  m = quip_error(write("dim_file.xml", t));
  EXPECT_NE(m.find("sparse.dat: ends after 3 numbers; expected n_sparseX x dimensions = 2 x 100000000"),
            std::string::npos)
      << m;
  // A FIFO or device (/dev/zero) named as the sparseX file: the read never ended.
  m = quip_error(write("dev.xml", quip_file("", "sparseX_filename=\"/dev/zero\"")));
  EXPECT_NE(m.find("sparseX_filename=\"/dev/zero\": /dev/zero is not a regular file"), std::string::npos) << m;
}

TEST_F(QuipImport, FuzzIntegerOptionsOutOfRange) {
  // Undefined behaviour (UBSan): a double outside int converted to int, and n_max, l_max
  // large enough to overflow the power-spectrum size.
  std::string m = quip_error(write("l.xml", replaced(quip_file(), "l_max=1 ", "l_max=1e30 ")));
  EXPECT_NE(m.find("l.xml:8: <gpCoordinates> <descriptor>: l_max=1e30: expected an integer"), std::string::npos) << m;
  m = quip_error(write("z.xml", replaced(quip_file(), " Z=14 ", " Z=1e30 ")));
  EXPECT_NE(m.find("z={1e30}: expected integers"), std::string::npos) << m;
  m = quip_error(write("n.xml", replaced(quip_file(), "n_max=3 ", "n_max=100000 ")));
  EXPECT_NE(m.find("n_max=100000 l_max=1: expected n_max in 1..32 and l_max in 0..20"), std::string::npos) << m;
  m = quip_error(write("l2.xml", replaced(quip_file(), "l_max=1 ", "l_max=2000000 ")));
  EXPECT_NE(m.find("expected n_max in 1..32 and l_max in 0..20"), std::string::npos) << m;
  // Atomic numbers above 118 became elements of the potential.
  m = quip_error(
      write("big_z.xml", replaced(quip_file("", "", false), "species_Z={14}", "species_Z={14 500} n_species=2")));
  EXPECT_NE(m.find("species_z={14 500}: expected atomic numbers 1..118"), std::string::npos) << m;
}

TEST_F(QuipImport, FuzzCentreListedTwiceIsOneGroup) {
  // Z={14 14} gave two groups with the key "14"; Potential kept the last and counted both.
  const PotentialData d = load_potential(write("dup.xml", replaced(quip_file(), " Z=14 ", " Z={14 14} n_Z=2 ")));
  ASSERT_EQ(d.terms.size(), 1u);
  ASSERT_EQ(d.terms[0].groups.size(), 1u);
  const Potential once(load_potential(write("once.xml", quip_file())));
  const Potential twice(d);
  EXPECT_EQ(twice.n_sparse_total(), once.n_sparse_total());
  Structure s = diamond(5.43, 1);
  rattle(s, 0.1, 3);
  EXPECT_EQ(twice.predict(s).energy, once.predict(s).energy);
}

TEST(QuipInitString, LabelAndRefusals) {
  EXPECT_TRUE(is_quip_init_string("Potential"));
  EXPECT_TRUE(is_quip_init_string("IP SW"));
  EXPECT_TRUE(is_quip_init_string("a=b"));
  EXPECT_FALSE(is_quip_init_string("Si"));
  EXPECT_FALSE(is_quip_init_string("14"));
  EXPECT_TRUE(is_quip_init_string("IP GAP"));
  EXPECT_TRUE(is_quip_init_string(""));
  EXPECT_EQ(quip_init_label("Potential"), "");
  EXPECT_EQ(quip_init_label("  Potential   xml_label=GAP_2017 "), "GAP_2017");
  // The forms of pair_style quip decks and quippy: an empty label or none means the file's GAP.
  EXPECT_EQ(quip_init_label("Potential xml_label="), "");
  EXPECT_EQ(quip_init_label(""), "");
  EXPECT_EQ(quip_init_label("IP GAP"), "");
  EXPECT_EQ(quip_init_label("IP GAP label=GAP_2017"), "GAP_2017");
  EXPECT_EQ(quip_init_label("IP GAP xml_label=GAP_2017"), "GAP_2017");
  for (const auto& [init, why] :
       std::vector<std::pair<std::string, std::string>>{{"IP SW", "\"IP SW\" is not a GAP"},
                                                        {"Glue", "does not start with the word Potential or IP GAP"},
                                                        {"Potential calc=1", "\"calc=1\" is not understood"},
                                                        {"Potential label=A", "\"label=A\" is not understood"},
                                                        {"IP GAP calc=1", "\"calc=1\" is not understood"},
                                                        {"Potential xml_label=A xml_label=B", "xml_label given twice"},
                                                        {"IP GAP label=A label=B", "label given twice"}}) {
    try {
      quip_init_label(init);
      ADD_FAILURE() << init << " accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("QUIP init string \"" + init + "\""), std::string::npos) << e.what();
    }
  }
}
