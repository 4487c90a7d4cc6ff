#include "io/molecule_files.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "core/text.h"
#include "io/extxyz.h"
#include "io/molecule_mol2.h"
#include "io/molecule_qm9.h"
#include "io/molecule_sdf.h"

namespace soapgap {

using namespace molecule_detail;
namespace fs = std::filesystem;

namespace {

using text::lower;

const char* kKnownExtensions = ".xyz, .extxyz, .sdf, .sd, .mol or .mol2";

// The format of an extension (".xyz"), Auto for an unknown one.
MoleculeFormat format_of_extension(const std::string& ext) {
  const std::string e = lower(ext);
  if (e == ".xyz" || e == ".extxyz") return MoleculeFormat::Extxyz;
  if (e == ".sdf" || e == ".sd" || e == ".mol") return MoleculeFormat::Sdf;
  if (e == ".mol2") return MoleculeFormat::Mol2;
  return MoleculeFormat::Auto;
}

std::vector<Molecule> read_file(const std::string& path, MoleculeFormat format) {
  if (format == MoleculeFormat::Auto) format = detect_molecule_format(path);
  switch (format) {
    case MoleculeFormat::Qm9:
      return read_qm9(path);
    case MoleculeFormat::Sdf:
      return read_sdf(path);
    case MoleculeFormat::Mol2:
      return read_mol2(path);
    default: {
      std::vector<Structure> frames = read_extxyz(path);
      std::vector<Molecule> out;
      out.reserve(frames.size());
      for (Structure& s : frames) out.push_back(molecule_from_structure(std::move(s)));
      return out;
    }
  }
}

}  // namespace

MoleculeFormat parse_molecule_format(const std::string& name) {
  const std::string n = lower(name);
  if (n == "auto") return MoleculeFormat::Auto;
  if (n == "extxyz" || n == "xyz") return MoleculeFormat::Extxyz;
  if (n == "qm9") return MoleculeFormat::Qm9;
  if (n == "sdf" || n == "mol") return MoleculeFormat::Sdf;
  if (n == "mol2") return MoleculeFormat::Mol2;
  throw InputError("unknown molecule file format " + quoted(name) + "; expected auto, extxyz, qm9, sdf or mol2");
}

MoleculeFormat detect_molecule_format(const std::string& path) {
  const std::string ext = lower(fs::path(path).extension().string());
  if (ext == ".gz" || ext == ".bz2" || ext == ".xz" || ext == ".zip")
    throw InputError(path + ": compressed files are not read; expected an uncompressed " + kKnownExtensions +
                     " file (decompress it first, e.g. gunzip)");
  const MoleculeFormat f = format_of_extension(ext);
  if (f == MoleculeFormat::Auto)
    throw InputError(path + ": unknown file name extension " + quoted(ext) + "; expected " + kKnownExtensions);
  if (f != MoleculeFormat::Extxyz) return f;
  std::ifstream in;
  open_input(in, path);
  LineReader r(in, path);
  std::string line;
  if (r.next(line) && r.next(line) && is_qm9_comment_line(line)) return MoleculeFormat::Qm9;
  return MoleculeFormat::Extxyz;
}

Molecule molecule_from_structure(Structure s) {
  Molecule m;
  if (s.energy) m.numbers.emplace_back("energy", *s.energy);
  if (!s.config_type.empty()) m.strings.emplace_back("config_type", s.config_type);
  for (const auto& kv : s.extra_info) {
    double x = 0;
    if (parse_number(kv.second, x))
      m.numbers.emplace_back(kv.first, x);
    else
      m.strings.emplace_back(kv.first, kv.second);
  }
  m.structure = std::move(s);
  return m;
}

std::vector<Molecule> read_molecules(const std::string& path, MoleculeFormat format) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return read_file(path, format);
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
    if (!e.is_regular_file(ec)) continue;
    if (format_of_extension(e.path().extension().string()) != MoleculeFormat::Auto) files.push_back(e.path().string());
  }
  if (ec) throw InputError("cannot read directory " + path + ": " + ec.message());
  if (files.empty())
    throw InputError(path + ": a directory without molecule files; expected " + kKnownExtensions + " files in it");
  std::sort(files.begin(), files.end());
  std::vector<Molecule> out;
  for (const std::string& f : files) {
    std::vector<Molecule> part = read_file(f, format);
    for (Molecule& m : part) out.push_back(std::move(m));
  }
  return out;
}

std::vector<Molecule> read_molecules(const std::vector<std::string>& paths, MoleculeFormat format) {
  std::vector<Molecule> out;
  for (const std::string& p : paths) {
    std::vector<Molecule> part = read_molecules(p, format);
    for (Molecule& m : part) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace soapgap
