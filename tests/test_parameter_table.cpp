// The typed-settings tables (core/parameter_table.h): reading, validation, canonical printing,
// and the documentation generated from them (docs/cli.md must hold `soapgap keys` verbatim).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "descriptors/distance_2b.h"
#include "descriptors/soap.h"
#include "kernels/kernel.h"
#include "model/term.h"
#include "test_paths.h"

using namespace soapgap;

namespace {

struct Toy {
  int n = 3;
  double r = 2.0, w = 0.5;
  bool flag = false;
  std::string mode = "a";
  std::vector<int> species;
};

const ParameterTable<Toy>& toy_table() {
  using R = Parameter<Toy>;
  static const ParameterTable<Toy> t("toy",
                                     {R("n", &Toy::n, "count").need().between(1, 9), R("r", &Toy::r, "radius").above(0),
                                      R("w", &Toy::w, "width").at_least(0).not_above(&Toy::r, "r"),
                                      R("flag", &Toy::flag, "a flag").one_of({"F", "T"}).print_non_default(),
                                      R("mode", &Toy::mode, "a mode").one_of({"a", "b"}).print_non_default(),
                                      R("species", &Toy::species, "elements")});
  return t;
}

std::string error_of(const std::string& spec) {
  try {
    toy_table().read(KeyValueSpec::parse(spec, "ctx"), {14}, "ctx");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ParameterTable, ReadsDefaultsAndPrintsCanonically) {
  KeyValueSpec kv = KeyValueSpec::parse("toy n=4 flag=true species={14 8}", "ctx");
  const Toy p = toy_table().read(kv, {1}, "ctx");
  kv.check_all_used();
  EXPECT_EQ(p.n, 4);
  EXPECT_EQ(p.r, 2.0);
  EXPECT_TRUE(p.flag);
  EXPECT_EQ(p.species, (std::vector<int>{8, 14}));
  EXPECT_EQ(toy_table().print(p), "toy n=4 r=2 w=0.5 flag=T species={8 14}");
  // The default species are the model's; printing then reading gives the same struct.
  const Toy q = toy_table().read(KeyValueSpec::parse("toy n=1", "ctx"), {6}, "ctx");
  EXPECT_EQ(q.species, (std::vector<int>{6}));
  const Toy back = toy_table().read(KeyValueSpec::parse(toy_table().print(p), "ctx"), {}, "ctx");
  EXPECT_EQ(toy_table().print(back), toy_table().print(p));
}

TEST(ParameterTable, ErrorsNameTheKeyAndTheRule) {
  EXPECT_NE(error_of("toy r=1").find("missing required key \"n\""), std::string::npos);
  EXPECT_NE(error_of("toy n=0").find("ctx: n=0: must be between 1 and 9"), std::string::npos);
  EXPECT_NE(error_of("toy n=2 r=0").find("r=0: must be positive"), std::string::npos);
  EXPECT_NE(error_of("toy n=2 w=3").find("w=3: must be between 0 and r=2"), std::string::npos);
  EXPECT_NE(error_of("toy n=2 w=-1").find("w=-1: must be finite and non-negative"), std::string::npos);
  EXPECT_NE(error_of("toy n=2 flag=maybe").find("flag=maybe: expected T or F"), std::string::npos);
  EXPECT_NE(error_of("toy n=2 mode=c").find("mode=c: expected a or b"), std::string::npos);
  EXPECT_NE(error_of("toy n=2 species={14 14}").find("element 14 given twice"), std::string::npos);
  EXPECT_NE(error_of("toy n=2 species={0}").find("species={0}: expected atomic numbers"), std::string::npos);
  EXPECT_EQ(error_of("toy n=9 w=2"), "");
}

TEST(ParameterTable, ConditionalKeysExistOnlyWhereTheyApply) {
  // basis_error_exponent belongs to radial_basis=quip: with the first basis it is an unknown key.
  KeyValueSpec kv =
      KeyValueSpec::parse("soap n_max=4 l_max=2 cutoff=4 radial_basis=soapgap basis_error_exponent=8", "x");
  SoapParameters::from_spec(kv, {14});
  EXPECT_THROW(kv.check_all_used(), InputError);
  // The default basis with the default exponent prints neither key; another exponent prints both.
  SoapParameters p = SoapParameters::from_spec(KeyValueSpec::parse("soap n_max=4 l_max=2 cutoff=4", "x"), {14});
  EXPECT_EQ(SoapDescriptor(p).spec().find("radial_basis"), std::string::npos);
  p.basis_error_exponent = 8;
  EXPECT_NE(SoapDescriptor(p).spec().find(" radial_basis=quip basis_error_exponent=8"), std::string::npos);
  p.radial_basis = "soapgap";
  EXPECT_NE(SoapDescriptor(p).spec().find(" radial_basis=soapgap"), std::string::npos);
  EXPECT_EQ(SoapDescriptor(p).spec().find("basis_error_exponent"), std::string::npos);
}

TEST(ParameterTable, KernelsAndFitOptionsUseTheirTables) {
  EXPECT_EQ(DotProductKernel(0.5, 2).spec(), "zeta=2 delta=0.5");
  EXPECT_EQ(SquaredExponentialKernel(0.1, 0.25).spec(), "theta=0.25 delta=0.10000000000000001");
  EXPECT_THROW(DotProductKernel(1.0, 65), InputError);
  EXPECT_THROW(SquaredExponentialKernel(1.0, 0.0), InputError);
  TermFitOptions fit;
  Term::from_spec("distance_2b cutoff=4 theta=0.5 n_sparse=10", {14}, "t", &fit);
  EXPECT_EQ(fit.sparse_method, "fps");
  Term::from_spec("soap n_max=4 l_max=2 cutoff=4 n_sparse=10", {14}, "t", &fit);
  EXPECT_EQ(fit.sparse_method, "cur");
  EXPECT_THROW(Term::from_spec("soap n_max=4 l_max=2 cutoff=4 n_sparse=0", {14}, "t", &fit), InputError);
  EXPECT_THROW(Term::from_spec("soap n_max=4 l_max=2 cutoff=4 n_sparse=5 sparse_method=x", {14}, "t", &fit),
               InputError);
  EXPECT_THROW(Term::from_spec("distance_2b cutoff=4 delta=1", {14}, "t"), InputError);  // theta required
}

TEST(ParameterTable, DocsHoldTheGeneratedKeyTables) {
  const std::string path = std::string(SOAPGAP_TEST_DATA_DIR) + "/../../docs/cli.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find(term_keys_markdown()), std::string::npos)
      << "docs/cli.md does not hold the output of `soapgap keys`; paste it between the key-table markers";
}
