// Internals of the QUIP GAP import (private, not part of the public API), shared by the
// quip_potential*.cpp files: QUIP's attribute reader, the descriptor-string options, one
// <gpCoordinates> and the term builders.
#pragma once
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/text.h"
#include "io/xml_document.h"
#include "model/potential_data.h"

namespace soapgap::quip_detail {

// QUIP's attribute values on the shared reader: Fortran numbers (1.5d0), logicals (T, true,
// .true.), integers written as numbers, and QUIP's wording of a missing attribute.
class QuipReader : public xml::Reader {
 public:
  using xml::Reader::Reader;
  std::string value(const xmlNode* n, const char* a) const {
    const std::optional<std::string> v = attr(n, a);
    if (!v) fail(n, std::string("attribute ") + a + " is missing");
    return *v;
  }
  std::string value(const xmlNode* n, const char* a, const std::string& fallback) const {
    return attr(n, a).value_or(fallback);
  }
  double number(const xmlNode* n, const std::string& what, const std::string& written) const {
    std::string t(text::trim(written));
    for (char& ch : t)
      if (ch == 'd' || ch == 'D') ch = 'e';  // Fortran exponents
    double v = 0;
    if (!text::parse_double(t, v) || !std::isfinite(v))
      fail(n, what + "=\"" + written + "\": expected a finite number");
    return v;
  }
  double dattr(const xmlNode* n, const char* a) const { return number(n, a, value(n, a)); }
  double dattr(const xmlNode* n, const char* a, double fallback) const { return has(n, a) ? dattr(n, a) : fallback; }
  long iattr(const xmlNode* n, const char* a, long lo, long hi) const {
    const double v = dattr(n, a);
    if (v != std::floor(v) || v < lo || v > hi)
      fail(n, std::string(a) + "=\"" + value(n, a) + "\": expected an integer between " + std::to_string(lo) + " and " +
                  std::to_string(hi));
    return static_cast<long>(v);
  }
  bool battr(const xmlNode* n, const char* a, bool fallback) const {
    if (!has(n, a)) return fallback;
    const std::string v = value(n, a);
    if (v == "T" || v == "t" || v == "true" || v == ".true.") return true;
    if (v == "F" || v == "f" || v == "false" || v == ".false.") return false;
    fail(n, std::string(a) + "=\"" + v + "\": expected T or F");
  }
};

// ---------------------------------------------------------------------------------------------
// QUIP "key=value" descriptor strings (quip_potential_args.cpp): values may be quoted with {} or "".

// context: "file:line: <element>" for messages.
std::map<std::string, std::string> parse_quip_args(const std::string& s, std::string* type, const std::string& context);

struct QuipArgs {
  std::string type, context;
  std::map<std::string, std::string> v;
  std::set<std::string> used;
  bool has(const std::string& k) const { return v.count(k) > 0; }
  std::string str(const std::string& k, const std::string& fallback);
  double num(const std::string& k, double fallback, bool required = false);
  int integer(const std::string& k, int fallback, bool required = false);
  bool flag(const std::string& k, bool fallback);
  std::vector<int> ints(const std::string& k);
  // Refuses options that this importer does not implement (those that change predictions).
  void refuse(const std::string& k, const std::string& expected, const std::string& actual) const;
  void check_unknown() const;
};

std::string join(const std::vector<int>& v);

// ---------------------------------------------------------------------------------------------
// One <gpCoordinates>: its descriptor string, kernel and sparse data in QUIP's layout.
struct QuipCoordinate {
  const xmlNode* node = nullptr;
  std::string descriptor;
  int covariance_type = 0, dimension = 0;
  double delta = 0, zeta = 0;
  std::vector<double> theta;
  Eigen::MatrixXd x;      // n_sparse x dimension (QUIP order)
  Eigen::VectorXd alpha;  // alpha * sparseCutoff
};

// quip_potential_coordinates.cpp
QuipCoordinate read_coordinate(const QuipReader& R, const xmlNode* n);

// quip_potential_soap.cpp
// Refuses the soap options that change predictions but that soapgap does not implement (radial_basis
// other than EQUISPACED_GAUSS, cutoff_dexp, average, diagonal_radial, normalise=F, nu_R/nu_S != 2, ...).
void refuse_unsupported_soap_options(QuipArgs& a);
TermData soap_term(const QuipReader& R, const QuipCoordinate& c, long gap_version, const std::vector<int>& elements);

// quip_potential_2b_glue.cpp
TermData distance_2b_term(const QuipReader& R, const QuipCoordinate& c, const std::vector<int>& elements);
GlueData read_glue(const QuipReader& R, const xmlNode* g);

}  // namespace soapgap::quip_detail
