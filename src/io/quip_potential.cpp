// QUIP GAP import, top level: the XML file, <Potential init_args>, <GAP_params> and <GAP_data>
// into PotentialData; the QUIP init strings of pair_style quip.
#include "io/quip_potential.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/text.h"
#include "io/quip_potential_detail.h"
#include "io/xml_document.h"

namespace soapgap {

namespace {

using quip_detail::distance_2b_term;
using quip_detail::parse_quip_args;
using quip_detail::QuipArgs;
using quip_detail::QuipCoordinate;
using quip_detail::QuipReader;
using quip_detail::read_coordinate;
using quip_detail::read_glue;
using quip_detail::soap_term;

// QUIP files older than this do not scale the SOAP l-blocks by 1/sqrt(2l+1).
constexpr long kTwoLPlusOneVersion = 1423143769;

// The first element named `name` below n, depth first (with label="label" where one is given).
const xmlNode* find_descendant(const xmlNode* n, const std::string& name, const std::string& label = "") {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (xml::Reader::name(c) == name && (label.empty() || xml::Reader::attr(c, "label").value_or("") == label))
      return c;
    if (const xmlNode* d = find_descendant(c, name, label)) return d;
  }
  return nullptr;
}

// init_args is scanned by hand: std::regex (libstdc++) recurses once per character and
// overflows the stack on long attribute values.

// The names X of "IP X" (IP, whitespace, then [A-Za-z_0-9]+), in order; with each, the
// position just after the name.
std::vector<std::pair<std::string, size_t>> ip_names(const std::string& init) {
  std::vector<std::pair<std::string, size_t>> out;
  const size_t n = init.size();
  size_t i = 0;
  while ((i = init.find("IP", i)) != std::string::npos) {
    size_t j = i + 2;
    while (j < n && text::is_space(init[j])) ++j;
    const size_t b = j;
    while (j < n && (std::isalnum(static_cast<unsigned char>(init[j])) || init[j] == '_')) ++j;
    if (b > i + 2 && j > b) {
      out.emplace_back(init.substr(b, j - b), j);
      i = j;
    } else {
      i += 1;
    }
  }
  return out;
}

// The label of the first "IP GAP ... label=X" (X before the next '}'), or "": what the pattern
// IP\s+GAP[^}]*?label\s*=\s*([^\s}]+) finds.
std::string label_in_init_args(const std::string& init) {
  const size_t n = init.size();
  for (size_t i = 0; (i = init.find("IP", i)) != std::string::npos; ++i) {
    size_t start = i + 2;
    while (start < n && text::is_space(init[start])) ++start;
    if (start == i + 2 || init.compare(start, 3, "GAP") != 0) continue;
    start += 3;
    const size_t end = std::min(n, init.find('}', start));
    for (size_t k = start; (k = init.find("label", k)) != std::string::npos && k < end; ++k) {
      size_t j = k + 5;
      while (j < n && text::is_space(init[j])) ++j;
      if (j >= n || init[j] != '=') continue;
      ++j;
      while (j < n && text::is_space(init[j])) ++j;
      const size_t b = j;
      while (j < n && !text::is_space(init[j]) && init[j] != '}') ++j;
      if (j > b) return init.substr(b, j - b);
    }
    // A later "IP GAP" before `end` would search a part of the same range: skip them (linear time).
    if (end > i) i = end - 1;
  }
  return std::string();
}

// The parsed file; InputError naming the file (and libxml2's line) otherwise.
xml::Doc parse_quip_file(const std::string& path) {
  // By name (libxml2 also reads compressed files); libxml2's messages are not printed.
  xml::Parsed p = xml::parse_file(path, XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR | XML_PARSE_NOWARNING,
                                  xml::OpenBy::libxml2);
  if (p.doctype) throw InputError(path + ": DOCTYPE declarations are not allowed in QUIP GAP files");
  if (!p.doc) {
    // libxml2's messages end with a newline; ours are one line.
    std::string msg = p.last_error_message;
    for (char& ch : msg)
      if (ch == '\n' || ch == '\r') ch = ' ';
    while (!msg.empty() && msg.back() == ' ') msg.pop_back();
    if (!p.has_last_error) throw InputError(path + ": cannot read or parse");
    throw InputError(path + ":" + std::to_string(p.last_error_line) + ": not well-formed XML: " + msg);
  }
  return std::move(p.doc);
}

}  // namespace

bool is_quip_potential(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string head(1 << 16, '\0');
  in.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.find("<GAP_params") != std::string::npos && head.find("<soapgap_potential") == std::string::npos;
}

// read_quip_potential without its message clean-up.
static PotentialData read_quip(const std::string& path, const std::string& label) {
  const xml::Doc doc = parse_quip_file(path);
  const QuipReader R(path);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  std::string init;
  if (const xmlNode* p = find_descendant(root, "Potential")) init = R.value(p, "init_args", "");
  std::string use_label = label.empty() ? label_in_init_args(init) : label;
  const xmlNode* gap = find_descendant(root, "GAP_params", use_label);
  if (!gap) {
    if (!use_label.empty()) throw InputError(path + ": no <GAP_params label=\"" + use_label + "\">");
    throw InputError(path + ": no <GAP_params>: not a QUIP GAP potential file");
  }
  // Which potentials the file sums: "IP GAP" and optionally "IP Glue".
  bool glue = false;
  if (!init.empty()) {
    for (const auto& ip : ip_names(init)) {
      const std::string& name = ip.first;
      if (name == "Glue")
        glue = true;
      else if (name != "GAP")
        throw InputError(path + ": <Potential init_args=\"" + init + "\">: IP " + name +
                         " is not supported (soapgap reads IP GAP and IP Glue)");
    }
    if (init.find("IP") == std::string::npos || (init.find("Sum") == std::string::npos && glue))
      throw InputError(path + ": <Potential init_args=\"" + init +
                       "\">: expected \"IP GAP ...\" or a Sum of IP GAP and IP Glue");
  }
  const long version = R.has(gap, "gap_version") ? R.iattr(gap, "gap_version", 0, 99999999999L) : 0;
  if (version < kTwoLPlusOneVersion)
    R.fail(gap, "gap_version=" + std::to_string(version) + ": files older than " + std::to_string(kTwoLPlusOneVersion) +
                    " (SOAP without the 1/sqrt(2l+1) scaling) are not supported");
  const auto gap_data = xml::child_elements(gap, "GAP_data");
  if (gap_data.size() != 1) R.fail(gap, "expected one <GAP_data>");
  if (R.battr(gap_data[0], "do_core", false)) glue = true;
  if (R.battr(gap_data[0], "do_pca", false)) R.fail(gap_data[0], "do_pca=T is not supported");

  PotentialData d;
  d.provenance["imported_from"] = path;
  d.provenance["quip_label"] = R.value(gap, "label", "");
  d.provenance["quip_gap_version"] = std::to_string(version);
  for (const xmlNode* c : xml::child_elements(gap, "command_line")) {
    xmlChar* text = xmlNodeGetContent(c);
    if (text) d.provenance["quip_command_line"] = std::string(text::trim(reinterpret_cast<const char*>(text)));
    xmlFree(text);
  }
  std::set<int> elements;
  if (glue) {
    const xmlNode* g = find_descendant(root, "Glue_params");
    if (!g)
      throw InputError(path + ": the potential uses the Glue core (init_args or do_core=T) but has no <Glue_params>");
    d.core = read_glue(R, g);
    for (const GlueElementData& e : d.core->elements) elements.insert(e.Z);
  }
  std::vector<QuipCoordinate> coords;
  for (const xmlNode* sp : xml::child_elements(gap, "gpSparse"))
    for (const xmlNode* c : xml::child_elements(sp, "gpCoordinates")) coords.push_back(read_coordinate(R, c));
  if (coords.empty()) R.fail(gap, "no <gpSparse>/<gpCoordinates>");
  // Elements named by the descriptors.
  for (const QuipCoordinate& c : coords) {
    QuipArgs a;
    a.context = R.where(c.node) + " <descriptor>";
    a.v = parse_quip_args(c.descriptor, &a.type, a.context);
    for (const char* k : {"species_z", "z", "z1", "z2"})
      for (const int z : a.ints(k)) {
        if (z < 0 || z > 118)
          throw InputError(a.context + ": " + k + "={" + a.v[k] + "}: expected atomic numbers 1..118 (0: any element)");
        if (z > 0) elements.insert(z);
      }
  }
  if (elements.empty())
    throw InputError(path +
                     ": every descriptor is a wildcard (species_Z=0, Z=0) and there is no Glue core: the "
                     "elements of the potential cannot be told; add species_Z/Z to the descriptor string");
  d.elements.assign(elements.begin(), elements.end());
  const auto e0s = xml::child_elements(gap_data[0], "e0");
  const double e0_all = R.dattr(gap_data[0], "e0", 0.0);
  for (int z : d.elements) d.e0[z] = e0_all;
  for (const xmlNode* e : e0s) {
    const int z = static_cast<int>(R.iattr(e, "Z", 1, 200));
    if (elements.count(z)) d.e0[z] = R.dattr(e, "value");
  }
  for (const QuipCoordinate& c : coords) {
    std::string type;
    parse_quip_args(c.descriptor, &type, R.where(c.node) + " <descriptor>");
    if (type == "soap")
      d.terms.push_back(soap_term(R, c, version, d.elements));
    else if (type == "distance_2b")
      d.terms.push_back(distance_2b_term(R, c, d.elements));
    else
      throw InputError(R.where(c.node) + ": descriptor type \"" + type +
                       "\" is not supported (soapgap reads soap and distance_2b)");
  }
  return d;
}

PotentialData read_quip_potential(const std::string& path, const std::string& label) {
  // Messages quote attribute values and descriptor strings, which may hold line breaks.
  return with_one_line_errors([&] { return read_quip(path, label); });
}

bool is_quip_init_string(const std::string& arg) {
  return arg.empty() || arg.rfind("Potential", 0) == 0 || arg.rfind("IP ", 0) == 0 ||
         arg.find_first_of(" \t=") != std::string::npos;
}

std::string quip_init_label(const std::string& init) {
  const std::vector<std::string> words = text::split(init, " \t");
  const auto refuse = [&](const std::string& why) {
    throw InputError("QUIP init string \"" + init + "\": " + why +
                     "; expected \"Potential\", \"Potential xml_label=LABEL\", \"IP GAP\", \"IP GAP label=LABEL\" "
                     "(LABEL: a GAP_params label of the file; empty or none: the file's GAP) or no init string");
  };
  if (words.empty()) return "";  // "" : the file's GAP, as without an init string
  size_t first = 1;              // the first key=value word
  std::string key = "xml_label";
  if (words[0] == "IP") {
    if (words.size() < 2 || words[1] != "GAP")
      refuse("\"IP " + (words.size() > 1 ? words[1] : std::string()) +
             "\" is not a GAP (soapgap reads GAP potentials only)");
    first = 2;
    key = "label";
  } else if (words[0] != "Potential") {
    refuse("it does not start with the word Potential or IP GAP (soapgap reads GAP potentials only)");
  }
  std::string label;
  bool given = false;
  for (size_t w = first; w < words.size(); w++) {
    const size_t eq = words[w].find('=');
    const std::string name = eq == std::string::npos ? words[w] : words[w].substr(0, eq);
    if (eq == std::string::npos || (name != key && name != "xml_label"))
      refuse("\"" + words[w] + "\" is not understood");
    if (given) refuse(name + " given twice");
    given = true;
    label = words[w].substr(eq + 1);
  }
  return label;
}

}  // namespace soapgap
