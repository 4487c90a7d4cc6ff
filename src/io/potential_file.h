// Reading and writing soapgap potential files (XML, format_version 2).
//
// FORMAT
// ------
//   <?xml version="1.0" encoding="UTF-8"?>
//   <soapgap_potential format_version="1" soapgap_version="0.1.0">
//     <provenance date="..." command_line="..." training_file="..." training_sha256="..."/>
//     <units energy="eV" length="Angstrom" force="eV/Angstrom" virial="eV"/>
//     <elements jitter="1e-08">
//       <element Z="14" e0="-158.54496821"/>
//       <element Z="8"/>
//     </elements>
//     <term spec="soap n_max=8 l_max=6 cutoff=5 ... zeta=4 delta=1">
//       <group key="14" n_sparse="1000" dimension="2048">
//         <sparse_points rows="1000" cols="2048" encoding="base64-float64-le">...</sparse_points>
//         <alpha size="1000" encoding="base64-float64-le">...</alpha>
//       </group>
//     </term>
//     <core type="glue">                       (optional: QUIP's Glue, model/glue_data.h)
//       <glue_element Z="14" density_spline="F">
//         <density points="14" yp1="-0.41" ypn="0" encoding="base64-float64-le">...</density>
//         <embedding points="12" yp1="..." ypn="..." encoding="...">...</embedding>
//       </glue_element>
//       <glue_pair Z1="14" Z2="14"><potential points="11" yp1="0" ypn="0" ...>...</potential></glue_pair>
//     </core>
//     <variance size="1000" [kind="sparse"]><u ...>...</u><r ...>...</r></variance>
//     <checksum algorithm="sha256">64 hex digits</checksum>
//   </soapgap_potential>
//
// Children of the root, in this order: <provenance> (optional: one attribute per
// provenance entry, written in key order; not covered by the checksum), <units> (required,
// exactly these values), <elements> (required; one <element> per covered species, in the
// order of PotentialData::elements, Z in 1..118 without duplicates; e0 is absent for an
// element without an isolated-atom energy), zero or more <term> (each with zero or more
// <group>), an optional <core> (spline arrays: 2 x points values, the x row then the y row),
// an optional <variance> (the upper-triangular factors <u> and <r> over all M sparse points in
// file order: terms, then groups, then points; with kind="sparse", <u> alone:
// model/potential_data.h, VarianceFactors), and <checksum> (required). Comments and
// whitespace are allowed between elements; anything else is rejected, as are unknown
// attributes (except in <provenance>).
//
// Numbers in attributes are decimal, written with "%.17g" (they read back bit-identically);
// NaN and infinities are not allowed anywhere. Arrays ("base64-float64-le") are the
// base64 encoding (RFC 4648, standard alphabet, '=' padding, whitespace ignored; written as
// lines of 76 characters) of IEEE-754 binary64 values in little-endian byte order, matrices
// row-major: rows x cols values for <sparse_points> (rows = n_sparse, cols = dimension),
// size values for <alpha> (size = n_sparse), size x size values for <variance>. Each
// declared array may hold at most 2^31 values.
//
// CHECKSUM
// --------
// <checksum> is the lowercase hex SHA-256 (FIPS 180-4) of this byte stream, where
//   u8  = one byte, u64 = 8-byte unsigned little-endian integer,
//   i64 = 8-byte two's-complement little-endian integer,
//   f64 = 8-byte IEEE-754 binary64, little-endian (the same bytes as in the arrays),
//   str = u64 byte length, then the bytes (UTF-8, no terminator):
//
//   str  "soapgap_potential checksum v1"        (domain tag)
//   i64  format_version
//   u64  number of elements
//   per element, in file order:  i64 Z, u8 has_e0 (0 or 1), [f64 e0 if has_e0 = 1]
//   f64  jitter
//   u64  number of terms
//   per term, in file order:
//     str  spec
//     u64  number of groups
//     per group, in file order:
//       str  key
//       u64  rows (n_sparse), u64 cols (dimension), rows*cols f64 (sparse points, row-major)
//       u64  alpha size, then that many f64
//   u8   has_variance (0, 1, or 2 for kind="sparse")
//   [if 1: u64 size M, then the upper triangles of U and of R, each row by row from the
//    diagonal: M(M+1)/2 f64 each (model/potential_data.h, VarianceFactors); if 2: the same
//    with U alone]
//   only if there is a core: str "glue core", u64 number of elements, per element i64 Z,
//    u8 density_spline, spline density, spline embedding; u64 number of pairs, per pair
//    i64 Z1, i64 Z2, spline potential; spline = u64 n, n f64 x, n f64 y, f64 yp1, f64 ypn
//
// Provenance, soapgap_version, units and the layout of the XML are not covered, so that the
// checksum depends only on the model. read_potential() recomputes it from the decoded data
// and refuses the file on a mismatch.
#pragma once
#include <string>

#include "model/potential_data.h"

namespace soapgap {

// Writes `data` to path + ".tmp.<pid>", flushes it to disk and renames it onto `path`
// (atomic on POSIX file systems: readers see either the old or the new file, never a
// half-written one; the temporary is removed on failure). SIGINT, SIGTERM and SIGHUP that
// arrive while the temporary exists take effect only after the rename (or after the temporary
// was removed on failure), so an interrupted program leaves the complete new file or the old
// one, and no temporary (signals the program handles itself or ignores are left alone).
// Throws InputError naming the file if it cannot be written, and std::invalid_argument if
// `data` cannot be stored (NaN/Inf values, inconsistent sizes, duplicate elements, e0 for an
// element not in `elements`, strings that XML cannot hold). Provenance values are written
// with invalid UTF-8 and XML-forbidden control characters replaced by U+FFFD.
void write_potential(const std::string& path, const PotentialData& data);

// Reads and verifies a potential file. Throws InputError naming the file, the element and
// its line for anything malformed, and on a checksum mismatch.
PotentialData read_potential(const std::string& path);

// Whether the file's root element is <soapgap_potential> (reads only the beginning of
// the file; false for unreadable files or other formats). Does not throw.
bool is_soapgap_potential(const std::string& path);

// Hex SHA-256 of the canonical byte stream described above (io/potential_checksum.h computes
// it).
std::string potential_checksum(const PotentialData& data);

}  // namespace soapgap
