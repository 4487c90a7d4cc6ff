// soapgap fit with a QUIP gap_fit command line: the same data fitted with a gap_fit line and with
// the native options written out by hand gives the same file (provenance aside); config_file; the
// keys soapgap cannot honour are refused by name, with nothing written.
#include <regex>

#include "cli_fixture.h"
#include "core/error.h"
#include "io/gap_fit_command_line.h"

namespace {

// The file without its <provenance .../> element (command lines and date differ by design).
std::string without_provenance(const std::string& xml) {
  return std::regex_replace(xml, std::regex("<provenance[^>]*>"), "");
}

std::string read_text(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class GapFitCli : public CliTest {
 protected:
  // A gap_fit line over train.xyz, split into words as a shell would split it unquoted.
  std::vector<std::string> gap_fit_words(const std::string& output, const std::string& extra = "") const {
    const std::string line = "at_file=" + path("train.xyz") +
                             " gap={soap l_max=3 n_max=4 atom_sigma=0.5 zeta=2 cutoff=4.0 delta=1.0"
                             " covariance_type=dot_product n_sparse=20 sparse_method=cur_points :"
                             " distance_2b cutoff=4 covariance_type=ard_se theta_uniform=0.5 delta=0.5 n_sparse=5"
                             " sparse_method=uniform} default_sigma={0.002 0.1 0.05 0.0} e0_method=average"
                             " sparse_jitter=1.0e-8 rnd_seed=3 force_parameter_name=forces do_copy_at_file=F"
                             " sparse_separate_file=T gp_file=" +
                             output + (extra.empty() ? "" : " " + extra);
    std::vector<std::string> words{"fit"};
    std::istringstream in(line);
    std::string w;
    while (in >> w) words.push_back(w);
    return words;
  }
};

TEST_F(GapFitCli, SameFileAsTheNativeOptions) {
  write_sets();
  const CliResult g = soapgap(gap_fit_words(path("gap.xml")));
  ASSERT_EQ(g.exit_code, 0) << g.command << "\n" << g.err;
  EXPECT_NE(g.err.find("gap_fit command line, as soapgap fit options:"), std::string::npos) << g.err;
  EXPECT_NE(g.err.find("note: do_copy_at_file=F"), std::string::npos) << g.err;
  // The mapping of docs/gap_fit.md, written out independently of the translator.
  const CliResult n = soapgap({"fit",
                               "--train",
                               path("train.xyz"),
                               "--output",
                               path("native.xml"),
                               "--descriptor",
                               "soap n_max=4 l_max=3 cutoff=4 cutoff_transition_width=0.5 atom_sigma=0.5 zeta=2 "
                               "delta=1 n_sparse=20 sparse_method=cur",
                               "--descriptor",
                               "distance_2b cutoff=4 cutoff_transition_width=0.5 theta=0.5 delta=0.5 n_sparse=5 "
                               "sparse_method=uniform",
                               "--sigma-energy",
                               "0.002",
                               "--sigma-force",
                               "0.1",
                               "--sigma-virial",
                               "0.05",
                               "--e0-method",
                               "average",
                               "--sparse-jitter",
                               "1e-8",
                               "--jitter",
                               "0",
                               "--seed",
                               "3",
                               "--quiet"});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  expect_same_model(read_potential(path("gap.xml")), read_potential(path("native.xml")));
  EXPECT_EQ(without_provenance(read_text(path("gap.xml"))), without_provenance(read_text(path("native.xml"))));
  const PotentialData d = read_potential(path("gap.xml"));
  EXPECT_NE(d.provenance.at("gap_fit_command_line").find("gap={soap"), std::string::npos);
  EXPECT_EQ(d.provenance.at("sparse_jitter"), "1e-08");
  // e0_method=average: the mean energy per atom over the configurations.
  double mean = 0;
  for (const Structure& s : train_) mean += *s.energy / s.size();
  EXPECT_NEAR(d.e0.at(14), mean / train_.size(), 1e-12 * std::abs(mean));
}

TEST_F(GapFitCli, ConfigFileHoldsTheSameLine) {
  write_sets();
  std::vector<std::string> words = gap_fit_words(path("a.xml"));
  ASSERT_EQ(soapgap(words).exit_code, 0);
  // a native option that a gap_fit line may not take
  expect_failure(soapgap(gap_fit_words(path("c.xml"), "--seed 4")), 2, "fit", {"--seed", "--validate"}, listing());
  std::ofstream cfg(path("gap_fit.cfg"));
  for (size_t i = 1; i < words.size(); ++i)
    cfg << (words[i].rfind("gp_file=", 0) == 0 ? "gp_file=" + path("b.xml") : words[i]) << "\n";
  cfg.close();
  const CliResult r = soapgap({"fit", "config_file=" + path("gap_fit.cfg")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_model(read_potential(path("a.xml")), read_potential(path("b.xml")));
}

TEST_F(GapFitCli, RefusesWhatItCannotHonourByName) {
  write_sets();
  const std::set<std::string> before = listing();
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"core_ip_args={IP SW}", {"core_ip_args"}},
      {"sigma_per_atom=F", {"sigma_per_atom", "F"}},
      {"e0_offset=1.5", {"e0_offset"}},
      {"bogus_key=1", {"bogus_key", "not supported"}},
      {"config_type_sigma={rattled:0.001:0.1}", {"config_type_sigma", "five fields"}},
  };
  for (const auto& [extra, mentions] : cases)
    expect_failure(soapgap(gap_fit_words(path("x.xml"), extra + " --quiet")), 1, "fit", mentions, before);
  // Descriptor keys and types.
  auto with_term = [&](const std::string& term) {
    return std::vector<std::string>{"fit",
                                    "at_file=" + path("train.xyz"),
                                    "gap={" + term + "}",
                                    "default_sigma={0.002 0.1 0.05 0}",
                                    "gp_file=" + path("x.xml"),
                                    "--quiet"};
  };
  expect_failure(soapgap(with_term("angle_3b cutoff=3 delta=1 covariance_type=ard_se n_sparse=5")), 1, "fit",
                 {"angle_3b", "soap, distance_2b"}, before);
  expect_failure(soapgap(with_term("soap l_max=3 n_max=4 atom_sigma=0.5 cutoff=4 delta=1 covariance_type=dot_product "
                                   "n_sparse=5 sparse_method=kmeans")),
                 1, "fit", {"sparse_method", "kmeans", "gap term 1 (soap)"}, before);
  expect_failure(soapgap(with_term("soap l_max=3 n_max=4 atom_sigma=0.5 cutoff=4 delta=1 covariance_type=dot_product "
                                   "n_sparse=5 zeta=2.5")),
                 1, "fit", {"zeta", "2.5"}, before);
  expect_failure(soapgap(with_term("soap l_max=3 n_max=4 atom_sigma=0.5 cutoff=4 delta=1 covariance_type=dot_product "
                                   "n_sparse=5 nu_R=1")),
                 1, "fit", {"nu_R"}, before);
  expect_failure(soapgap(with_term("distance_2b cutoff=4 delta=1 covariance_type=ard_se theta_uniform=0.5 "
                                   "n_sparse=5 add_species=F")),
                 1, "fit", {"add_species", "F"}, before);
  // gap_fit's default e0_method=isolated needs an isolated atom of each element.
  std::vector<std::string> isolated = gap_fit_words(path("x.xml"), "--quiet");
  std::replace(isolated.begin(), isolated.end(), std::string("e0_method=average"), std::string("e0_method=isolated"));
  expect_failure(soapgap(isolated), 1, "fit", {"e0_method=isolated", "Si"}, before);
}

TEST(GapFitCommandLine, SplitsNestedBracesAndQuotes) {
  const auto kv = split_gap_fit_line(
      "at_file=a.xyz gap={soap species_Z={8 14} n_max=2 : distance_2b Z1=8} Default_Sigma=\"0.1 0.2 0.3 0\" "
      "e0={O:-1:H:-2}");
  ASSERT_EQ(kv.size(), 4u);
  EXPECT_EQ(kv[1].first, "gap");
  EXPECT_EQ(kv[1].second, "soap species_Z={8 14} n_max=2 : distance_2b Z1=8");
  EXPECT_EQ(kv[2].first, "default_sigma");
  EXPECT_EQ(kv[2].second, "0.1 0.2 0.3 0");
  EXPECT_EQ(kv[3].second, "O:-1:H:-2");
  EXPECT_THROW(split_gap_fit_line("gap={soap n_max=2"), InputError);
}

TEST(GapFitCommandLine, MapsSigmasE0AndAliases) {
  const GapFitTranslation t = translate_gap_fit(
      {"atoms_filename=t.xyz", "gap={distance_2b", "cutoff=4", "covariance_type=gaussian", "lengthscale_uniform=0.5",
       "energy_scale=2", "n_sparse=7}", "default_kernel_regularisation={0.01", "0.2", "0", "0}",
       "config_type_sigma={liquid:0.02:0.3:0.4:0:default:0.005:0.15:0.1:0}", "e0={Si:-158.5}", "gap_file=o.xml",
       "parameter_name_prefix=REF_"});
  auto has = [&](const std::vector<std::string>& seq) {
    return std::search(t.arguments.begin(), t.arguments.end(), seq.begin(), seq.end()) != t.arguments.end();
  };
  EXPECT_TRUE(has({"--train", "t.xyz", "--output", "o.xml"}));
  EXPECT_TRUE(
      has({"--descriptor",
           "distance_2b cutoff=4 cutoff_transition_width=0.5 theta=0.5 delta=2 n_sparse=7 sparse_method=random"}));
  EXPECT_TRUE(has({"--config-type-sigma", "liquid:0.02:0.3:0.4"}));
  // the config_type "default" replaces default_sigma (whose zero virial sigma is then not used)
  EXPECT_TRUE(has({"--sigma-energy", "0.005", "--sigma-force", "0.15", "--sigma-virial", "0.1"}));
  EXPECT_TRUE(has({"--e0", "Si=-158.5"}));
  EXPECT_TRUE(has({"--e0-method", "isolated"}));
  EXPECT_TRUE(has({"--sparse-jitter", "1e-10", "--jitter", "0"}));
  EXPECT_TRUE(has({"--energy-key", "REF_energy", "--forces-key", "REF_force"}));
  const GapFitTranslation zero = translate_gap_fit(
      {"at_file=t.xyz", "gap={distance_2b cutoff=4 covariance_type=ard_se theta_uniform=0.5 delta=2 n_sparse=7}",
       "default_sigma={0.01 0.2 0 0}", "e0=-3.5"});
  EXPECT_NE(std::find(zero.arguments.begin(), zero.arguments.end(), "--no-virials"), zero.arguments.end());
  EXPECT_NE(std::find(zero.arguments.begin(), zero.arguments.end(), "-3.5"), zero.arguments.end());
  EXPECT_TRUE(is_gap_fit_command_line({"at_file=x"}));
  EXPECT_FALSE(is_gap_fit_command_line({"--train", "x"}));
}

}  // namespace
