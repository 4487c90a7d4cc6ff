// Readers of molecular files (QM9 xyz, SDF/MOL V2000, MOL2, the dispatcher) and the .npy writer,
// on the hand-written files of tests/data/molecules and on garbled variants of them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/molecule_files.h"
#include "io/molecule_mol2.h"
#include "io/molecule_qm9.h"
#include "io/molecule_sdf.h"
#include "io/npy_file.h"
#include "test_paths.h"

using namespace soapgap;

namespace {

const std::string kDir = std::string(SOAPGAP_TEST_DATA_DIR) + "/molecules/";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The message of the InputError that reading `text` with `read` throws ("" when none).
template <class Read>
std::string error_of(Read read, const std::string& text) {
  std::istringstream in(text);
  try {
    read(in, "in.txt");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

// The first n lines of text.
std::string head(const std::string& text, int n) {
  std::istringstream in(text);
  std::string line, out;
  for (int i = 0; i < n && std::getline(in, line); ++i) out += line + "\n";
  return out;
}

const double a = 1.09 / std::sqrt(3.0);

}  // namespace

// ----- QM9 -----

TEST(Qm9, ReadsGeometryPropertiesChargesFrequenciesAndIdentifiers) {
  const std::vector<Molecule> mols = read_qm9(kDir + "qm9_methane.xyz");
  ASSERT_EQ(mols.size(), 1u);
  const Molecule& m = mols[0];
  EXPECT_EQ(m.name, "gdb 1");
  EXPECT_EQ(m.structure.numbers, (std::vector<int>{6, 1, 1, 1, 1}));
  EXPECT_EQ(m.structure.source, kDir + "qm9_methane.xyz:record 0 (line 1)");
  EXPECT_FALSE(m.structure.pbc[0] || m.structure.pbc[1] || m.structure.pbc[2]);
  EXPECT_TRUE(m.structure.cell.isZero());
  EXPECT_NEAR(m.structure.positions(1, 0), a, 1e-10);
  EXPECT_NEAR(m.structure.positions(4, 1), -a, 1e-10);
  EXPECT_DOUBLE_EQ(m.structure.positions(0, 2), 0.0);
  ASSERT_NE(m.number("index"), nullptr);
  EXPECT_EQ(*m.number("index"), 1);
  EXPECT_EQ(*m.number("A"), 150.25);
  EXPECT_EQ(*m.number("mu"), 2.5e-05);  // written 2.5*^-05
  EXPECT_EQ(*m.number("alpha"), 13.5);
  EXPECT_EQ(*m.number("gap"), 0.5104);
  EXPECT_EQ(*m.number("U0"), -40.5012);
  EXPECT_EQ(*m.number("Cv"), 6.512);
  EXPECT_DOUBLE_EQ(*m.number("U0_eV"), -40.5012 * 27.211386245988);
  // The 15 properties in file order after the index, then U0_eV.
  ASSERT_EQ(m.numbers.size(), 17u);
  for (size_t p = 0; p < qm9_properties().size(); ++p) EXPECT_EQ(m.numbers[1 + p].first, qm9_properties()[p].name);
  const std::vector<double>* q = m.atom_values("mulliken_charges");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(*q, (std::vector<double>{-0.5204, 0.1301, 0.1301, 0.1301, 0.13}));  // the last as 1.3*^-01
  const std::vector<double>* f = m.list("frequencies");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->size(), 9u);
  EXPECT_EQ(f->front(), 1300.5);
  EXPECT_EQ(f->back(), 3141.0);
  EXPECT_EQ(*m.string("smiles_gdb"), "C");
  EXPECT_EQ(*m.string("smiles_relaxed"), "C");
  EXPECT_EQ(*m.string("inchi_relaxed"), "InChI=1S/CH4/h1H4");
}

TEST(Qm9, ReadsConcatenatedRecords) {
  const std::vector<Molecule> mols = read_qm9(kDir + "qm9_two.xyz");
  ASSERT_EQ(mols.size(), 2u);
  EXPECT_EQ(mols[1].name, "gdb 3");
  EXPECT_EQ(mols[1].structure.numbers, (std::vector<int>{8, 1, 1}));
  EXPECT_EQ(mols[1].structure.source, kDir + "qm9_two.xyz:record 1 (line 11)");
  EXPECT_NEAR(mols[1].structure.positions(1, 1), 0.7572, 1e-12);
  EXPECT_EQ(*mols[1].number("mu"), 1.9015);
  EXPECT_EQ(mols[1].list("frequencies")->size(), 3u);
  EXPECT_EQ(*mols[1].string("inchi_gdb"), "InChI=1S/H2O/h1H2");
  // Blank lines between records are skipped.
  const std::string text = read_text(kDir + "qm9_methane.xyz");
  std::istringstream in(text + "\n\n" + text + "\n");
  EXPECT_EQ(read_qm9_stream(in, "x").size(), 2u);
}

TEST(Qm9, ErrorsNameFileLineAndWhatWasExpected) {
  const std::string good = read_text(kDir + "qm9_methane.xyz");
  auto read = [](std::istream& in, const std::string& name) { return read_qm9_stream(in, name); };
  // Truncated after three atoms: the end of the file where atom 4 was expected.
  EXPECT_EQ(error_of(read, head(good, 5)), "in.txt:6: end of file; expected atom 4 of 5: element x y z charge");
  // Truncated before the InChI line.
  EXPECT_NE(error_of(read, head(good, 9)).find("in.txt:10: end of file; expected the line with the InChI"),
            std::string::npos);
  // A garbled number.
  std::string msg = error_of(read, replace(good, "\t13.5\t", "\t13.x5\t"));
  EXPECT_EQ(msg, "in.txt:2: alpha = \"13.x5\"; expected a number (bohr^3)");
  // A bad atom count, a missing property, an unknown element, a bad coordinate.
  EXPECT_EQ(error_of(read, replace(good, "5\n", "five\n")).rfind("in.txt:1: atom count \"five\"; expected", 0), 0u);
  EXPECT_EQ(error_of(read, replace(good, "\t6.512", "")).rfind("in.txt:2: 16 fields; expected 17 fields", 0), 0u);
  EXPECT_EQ(error_of(read, replace(good, "gdb 1", "qm9 1")).rfind("in.txt:2: comment line", 0), 0u);
  msg = error_of(read, replace(good, "H\t-0.6293117934\t 0.6293117934", "Xx\t-0.6293117934\t 0.6293117934"));
  EXPECT_EQ(msg.rfind("in.txt:6: element \"Xx\"; expected a chemical symbol", 0), 0u) << msg;
  msg = error_of(read, replace(good, "\t 0.0000000000\t-0.5204", "\t 0.0000000000 7\t-0.5204"));
  EXPECT_EQ(msg.rfind("in.txt:3: 6 fields in", 0), 0u) << msg;
  msg = error_of(read, replace(good, "1550.1", "15a0.1"));
  EXPECT_EQ(msg, "in.txt:8: frequency \"15a0.1\"; expected the line of harmonic frequencies (numbers, cm^-1)");
  msg = error_of(read, replace(good, "InChI=1S/CH4/h1H4\tInChI", "CH4\tInChI"));
  EXPECT_EQ(msg.rfind("in.txt:10: InChI line", 0), 0u) << msg;
  // A NUL byte.
  EXPECT_EQ(error_of(read, replace(good, "150.25", std::string("150\0", 4))).rfind("in.txt:2: NUL byte", 0), 0u);
  // A missing file.
  try {
    read_qm9(kDir + "no_such_file.xyz");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot open " + kDir + "no_such_file.xyz: ", 0), 0u) << e.what();
  }
}

// ----- SDF / MOL -----

TEST(Sdf, ReadsRecordsCoordinatesAndDataItems) {
  const std::vector<Molecule> mols = read_sdf(kDir + "ligands.sdf");
  ASSERT_EQ(mols.size(), 2u);
  EXPECT_EQ(mols[0].name, "water");
  EXPECT_EQ(mols[0].structure.numbers, (std::vector<int>{8, 1, 1}));
  EXPECT_EQ(mols[0].structure.positions(0, 2), 0.1173);
  EXPECT_EQ(mols[0].structure.positions(2, 1), -0.7572);
  EXPECT_EQ(mols[0].structure.source, kDir + "ligands.sdf:record 0 (line 1)");
  ASSERT_EQ(mols[0].strings.size(), 2u);
  EXPECT_EQ(*mols[0].string("activity"), "1");
  EXPECT_EQ(*mols[0].string("id"), "mol-0001");  // "> <id>  (1)": the name only
  EXPECT_EQ(mols[1].name, "methane");
  EXPECT_EQ(mols[1].structure.numbers, (std::vector<int>{6, 1, 1, 1, 1}));
  EXPECT_NEAR(mols[1].structure.positions(3, 0), -a, 1e-4);
  EXPECT_EQ(*mols[1].string("activity"), "0");
  EXPECT_EQ(*mols[1].string("comment"), "first line\nsecond line");
  EXPECT_EQ(mols[1].structure.source, kDir + "ligands.sdf:record 1 (line 18)");

  const std::vector<Molecule> benzene = read_sdf(kDir + "benzene.mol");
  ASSERT_EQ(benzene.size(), 1u);
  EXPECT_EQ(benzene[0].name, "benzene");
  ASSERT_EQ(benzene[0].size(), 12);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(benzene[0].structure.numbers[i], i < 6 ? 6 : 1);
    EXPECT_NEAR(benzene[0].structure.positions.row(i).norm(), i < 6 ? 1.39 : 2.47, 1e-4);
  }
  EXPECT_TRUE(benzene[0].strings.empty());
}

TEST(Sdf, AcceptsVariants) {
  const std::string text = read_text(kDir + "ligands.sdf");
  // No "$$$$" after the last record, no blank line before "$$$$", trailing blank lines,
  // whitespace-separated atom lines.
  std::string t = text.substr(0, text.rfind("$$$$"));
  std::istringstream in1(t);
  EXPECT_EQ(read_sdf_stream(in1, "x").size(), 2u);
  std::istringstream in2(replace(text, "mol-0001\n\n$$$$", "mol-0001\n$$$$") + "\n\n");
  const std::vector<Molecule> m2 = read_sdf_stream(in2, "x");
  ASSERT_EQ(m2.size(), 2u);
  EXPECT_EQ(*m2[0].string("id"), "mol-0001");
  std::istringstream in3(replace(text, "    0.0000   -0.7572   -0.4692 H   0", "0 -0.7572 -0.4692 H 0"));
  const std::vector<Molecule> m3 = read_sdf_stream(in3, "x");
  EXPECT_EQ(m3[0].structure.positions(2, 1), -0.7572);
  EXPECT_EQ(m3[0].structure.numbers[2], 1);
  // CRLF line endings.
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  std::istringstream in4(crlf);
  const std::vector<Molecule> m4 = read_sdf_stream(in4, "x");
  ASSERT_EQ(m4.size(), 2u);
  EXPECT_EQ(*m4[1].string("comment"), "first line\nsecond line");
}

TEST(Sdf, ErrorsNameFileLineAndWhatWasExpected) {
  const std::string good = read_text(kDir + "ligands.sdf");
  auto read = [](std::istream& in, const std::string& name) { return read_sdf_stream(in, name); };
  // Truncated in the atom block.
  EXPECT_EQ(error_of(read, head(good, 5)),
            "in.txt:6: end of file; expected atom 2 of 3: x y z (Angstrom) and the element symbol");
  // Truncated before M  END.
  EXPECT_EQ(error_of(read, head(good, 9)), "in.txt:10: end of file; expected \"M  END\" after the bond block");
  // A record that ends before its M  END.
  std::string msg = error_of(read, replace(good, "M  END\n> <activity>\n1", "$$$$\n> <activity>\n1"));
  EXPECT_EQ(msg, "in.txt:10: \"$$$$\" before \"M  END\"; expected \"M  END\" after the bond block");
  // Fewer atoms than the counts line says: the bond line is read as an atom.
  msg = error_of(read, replace(good, "  3  2  0", "  4  2  0"));
  EXPECT_EQ(msg.rfind("in.txt:8: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("atom 4"), std::string::npos) << msg;
  // A bond to an atom that does not exist.
  msg = error_of(read, replace(good, "  1  3  1  0", "  1  9  1  0"));
  EXPECT_EQ(msg.rfind("in.txt:9: atom numbers 1 and 9; expected bond 2 of 2", 0), 0u) << msg;
  // A garbled coordinate, an unknown element, a garbled counts line.
  msg = error_of(read, replace(good, "    0.7572   -0.4692 H", "    0.75x2   -0.4692 H"));
  EXPECT_EQ(msg.rfind("in.txt:6: coordinate y = \"0.75x2\"", 0), 0u) << msg;
  msg = error_of(read, replace(good, "0.1173 O ", "0.1173 Qq"));
  EXPECT_EQ(msg, "in.txt:5: element \"Qq\"; expected an element symbol for atom 1");
  msg = error_of(read, replace(good, "  3  2  0  0  0  0  0  0  0  0999 V2000", "garbage"));
  EXPECT_EQ(msg.rfind("in.txt:4: counts line \"garbage\"", 0), 0u) << msg;
  // V3000.
  msg = error_of(read, replace(good, "0999 V2000", "0999 V3000"));
  EXPECT_EQ(msg,
            "in.txt:4: a V3000 molfile record; expected a V2000 record (V3000 is not supported; convert the "
            "file to V2000 first)");
  // Something that is not a data item after M  END.
  msg = error_of(read, replace(good, "> <activity>\n1", "activity 1"));
  EXPECT_EQ(msg.rfind("in.txt:11: \"activity 1\"; expected a data item header", 0), 0u) << msg;
  // The second record's errors count lines from the start of the file.
  msg = error_of(read, replace(good, "methane\n", "methane\n") + "x\n");
  EXPECT_EQ(msg.rfind("in.txt:", 0), 0u);
  EXPECT_NE(msg.find("end of file"), std::string::npos) << msg;
}

// ----- MOL2 -----

TEST(Mol2, ReadsMoleculesElementsAndCharges) {
  const std::vector<Molecule> mols = read_mol2(kDir + "ligands.mol2");
  ASSERT_EQ(mols.size(), 2u);
  EXPECT_EQ(mols[0].name, "benzene");
  ASSERT_EQ(mols[0].size(), 12);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(mols[0].structure.numbers[i], i < 6 ? 6 : 1);
    EXPECT_NEAR(mols[0].structure.positions.row(i).norm(), i < 6 ? 1.39 : 2.47, 1e-4);
  }
  EXPECT_EQ(mols[0].structure.positions(7, 1), 2.1391);
  EXPECT_EQ(*mols[0].string("mol_type"), "SMALL");
  EXPECT_EQ(*mols[0].string("charge_type"), "USER_CHARGES");
  ASSERT_NE(mols[0].atom_values("partial_charges"), nullptr);
  EXPECT_EQ(mols[0].atom_values("partial_charges")->at(0), -0.115);
  EXPECT_EQ(mols[0].structure.source, kDir + "ligands.mol2:record 0 (line 2)");
  EXPECT_EQ(mols[1].name, "water");
  EXPECT_EQ(mols[1].structure.numbers, (std::vector<int>{8, 1, 1}));
  EXPECT_EQ(*mols[1].atom_values("partial_charges"), (std::vector<double>{-0.834, 0.417, 0.417}));
}

TEST(Mol2, ElementOfSybylTypes) {
  EXPECT_EQ(mol2_element("C.ar"), 6);
  EXPECT_EQ(mol2_element("C.3"), 6);
  EXPECT_EQ(mol2_element("N.pl3"), 7);
  EXPECT_EQ(mol2_element("N.am"), 7);
  EXPECT_EQ(mol2_element("O.co2"), 8);
  EXPECT_EQ(mol2_element("S.O2"), 16);
  EXPECT_EQ(mol2_element("Cl"), 17);
  EXPECT_EQ(mol2_element("CL"), 17);
  EXPECT_EQ(mol2_element("Br"), 35);
  EXPECT_EQ(mol2_element("H"), 1);
  EXPECT_EQ(mol2_element("Co.oh"), 27);
  EXPECT_THROW(mol2_element("Du"), InputError);
  EXPECT_THROW(mol2_element("LP"), InputError);
  EXPECT_THROW(mol2_element("Any"), InputError);
  EXPECT_THROW(mol2_element("Xx.1"), InputError);
}

TEST(Mol2, ErrorsNameFileLineAndWhatWasExpected) {
  const std::string good = read_text(kDir + "ligands.mol2");
  auto read = [](std::istream& in, const std::string& name) { return read_mol2_stream(in, name); };
  // Truncated in the atom block of the first molecule.
  std::string msg = error_of(read, head(good, 12));
  EXPECT_EQ(msg.rfind("in.txt:13: end of file; expected atom 5 of 12", 0), 0u) << msg;
  // A molecule without an ATOM section.
  msg = error_of(read, "@<TRIPOS>MOLECULE\nx\n3 2\nSMALL\nNO_CHARGES\n");
  EXPECT_EQ(msg.rfind("in.txt:6: end of file; expected an @<TRIPOS>ATOM section for molecule \"x\" (line 1)", 0), 0u)
      << msg;
  // Not a MOL2 file.
  EXPECT_EQ(error_of(read, "3\nwater\n"), "in.txt:1: \"3\"; expected \"@<TRIPOS>MOLECULE\" (a MOL2 file)");
  // A garbled coordinate, a type without element, too few fields, a bad counts line.
  msg = error_of(read, replace(good, "2.1391", "2.1x91"));
  EXPECT_EQ(msg.rfind("in.txt:16: coordinate y = \"2.1x91\"", 0), 0u) << msg;
  msg = error_of(read, replace(good, "O.3", "Du "));
  EXPECT_NE(msg.find("names no element; expected a SYBYL atom type of an element"), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("in.txt:", 0), 0u) << msg;
  msg = error_of(read, replace(good, " 12 12 1 0 0", " twelve"));
  EXPECT_EQ(msg.rfind("in.txt:4: counts line \"twelve\"", 0), 0u) << msg;
  // NO_CHARGES: no partial charges.
  std::istringstream in(replace(good, "USER_CHARGES", "NO_CHARGES"));
  const std::vector<Molecule> m = read_mol2_stream(in, "x");
  EXPECT_EQ(m[0].atom_values("partial_charges"), nullptr);
  EXPECT_NE(m[1].atom_values("partial_charges"), nullptr);
}

// ----- dispatcher -----

TEST(MoleculeFiles, DispatchesByExtensionAndContent) {
  EXPECT_EQ(detect_molecule_format(kDir + "qm9_two.xyz"), MoleculeFormat::Qm9);
  EXPECT_EQ(detect_molecule_format(kDir + "co2.extxyz"), MoleculeFormat::Extxyz);
  EXPECT_EQ(detect_molecule_format(kDir + "ligands.sdf"), MoleculeFormat::Sdf);
  EXPECT_EQ(detect_molecule_format(kDir + "benzene.mol"), MoleculeFormat::Sdf);
  EXPECT_EQ(detect_molecule_format(kDir + "ligands.mol2"), MoleculeFormat::Mol2);
  EXPECT_EQ(read_molecules(kDir + "qm9_two.xyz").size(), 2u);
  EXPECT_EQ(read_molecules(kDir + "ligands.mol2").size(), 2u);
  const std::vector<Molecule> co2 = read_molecules(kDir + "co2.extxyz");
  ASSERT_EQ(co2.size(), 1u);
  EXPECT_EQ(co2[0].structure.numbers, (std::vector<int>{6, 8, 8}));
  EXPECT_EQ(*co2[0].number("energy"), -22.5);
  EXPECT_EQ(*co2[0].string("config_type"), "molecule");
  EXPECT_EQ(*co2[0].string("label"), "linear");
  // A directory: its molecule files sorted by name.
  const std::vector<Molecule> all = read_molecules(kDir);
  ASSERT_EQ(all.size(), 1u + 1u + 2u + 2u + 1u + 2u);  // benzene co2 ligands.mol2 ligands.sdf qm9_methane qm9_two
  EXPECT_EQ(all[0].name, "benzene");
  EXPECT_EQ(all[2].name, "benzene");  // ligands.mol2
  EXPECT_EQ(all[4].name, "water");    // ligands.sdf
  EXPECT_EQ(all.back().name, "gdb 3");
  // A list of paths, in order; a forced format.
  const std::vector<Molecule> two =
      read_molecules(std::vector<std::string>{kDir + "ligands.sdf", kDir + "benzene.mol"});
  ASSERT_EQ(two.size(), 3u);
  EXPECT_EQ(two[2].name, "benzene");
  EXPECT_EQ(read_molecules(kDir + "qm9_two.xyz", parse_molecule_format("qm9")).size(), 2u);
  EXPECT_THROW(read_molecules(kDir + "qm9_two.xyz", MoleculeFormat::Sdf), InputError);
}

TEST(MoleculeFiles, RefusesUnknownAndCompressedFiles) {
  auto message = [](const std::string& path) -> std::string {
    try {
      read_molecules(path);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message("a.pdb"),
            "a.pdb: unknown file name extension \".pdb\"; expected .xyz, .extxyz, .sdf, .sd, .mol or .mol2");
  EXPECT_EQ(message("actives_final.sdf.gz").rfind("actives_final.sdf.gz: compressed files are not read", 0), 0u);
  EXPECT_EQ(message(kDir + "missing.sdf").rfind("cannot open " + kDir + "missing.sdf", 0), 0u);
  EXPECT_THROW(parse_molecule_format("pdb"), InputError);
  // A directory without molecule files.
  const std::string empty = ::testing::TempDir() + "soapgap_empty_molecule_dir";
  std::filesystem::create_directories(empty);
  EXPECT_NE(message(empty).find("a directory without molecule files"), std::string::npos);
  std::filesystem::remove_all(empty);
}

// ----- .npy -----

TEST(NpyFile, HeaderLayoutAndRoundTrip) {
  Eigen::MatrixXd m(2, 3);
  m << 1, -2.5, 3e-300, 0.1, 1e300, -0.0;
  std::ostringstream out;
  write_npy(out, m);
  const std::string bytes = out.str();
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  const size_t header_len = static_cast<unsigned char>(bytes[8]) + 256 * static_cast<unsigned char>(bytes[9]);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes.size(), 10 + header_len + 6 * 8);
  const std::string header = bytes.substr(10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  // C order, little-endian: the second double is m(0, 1) = -2.5 (0xC004000000000000).
  const unsigned char* d = reinterpret_cast<const unsigned char*>(bytes.data()) + 10 + header_len + 8;
  EXPECT_EQ(d[7], 0xC0);
  EXPECT_EQ(d[6], 0x04);
  std::istringstream in(bytes);
  const Eigen::MatrixXd back = read_npy_stream(in, "x");
  ASSERT_EQ(back.rows(), 2);
  ASSERT_EQ(back.cols(), 3);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(std::memcmp(&back(i, j), &m(i, j), 8), 0);
  // Through a file.
  const std::string path = ::testing::TempDir() + "soapgap_npy_test.npy";
  write_npy(path, m);
  EXPECT_TRUE(read_npy(path).isApprox(m));
  std::remove(path.c_str());
  std::istringstream bad("not numpy");
  EXPECT_THROW(read_npy_stream(bad, "x"), InputError);
}
