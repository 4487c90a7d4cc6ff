// One additive term of a potential: a descriptor, its kernel and the sparse points and
// weights of each kernel group. Spec strings combine all three, e.g.
//   "soap n_max=8 l_max=6 cutoff=5 ... zeta=4 delta=1"    (dot-product kernel)
//   "distance_2b cutoff=5 ... theta=0.5 delta=0.5"         (squared-exponential kernel)
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/key_value.h"
#include "descriptors/descriptor.h"
#include "kernels/kernel.h"
#include "model/potential_data.h"

namespace soapgap {

// Options of a term that only matter when fitting (not stored in the potential file).
struct TermFitOptions {
  int n_sparse = 0;                   // per kernel group
  std::string sparse_method = "cur";  // cur | fps | random | all | uniform (default fps for distance_2b)
  static const ParameterTable<TermFitOptions>& table();
};

class Term {
 public:
  // Parses a term spec. If fit is non-null, the fit keys n_sparse and sparse_method are read
  // into it (n_sparse required); otherwise they are rejected as unknown keys.
  static Term from_spec(const std::string& spec, const std::vector<int>& species, const std::string& context,
                        TermFitOptions* fit = nullptr);

  std::string spec() const;  // canonical: descriptor spec + kernel spec
  const Descriptor& descriptor() const { return *descriptor_; }
  const Kernel& kernel() const { return *kernel_; }
  int n_groups() const { return static_cast<int>(group_keys_.size()); }
  const std::vector<std::string>& group_keys() const { return group_keys_; }

  // Sparse points and alpha of each group (same order as group_keys()).
  std::vector<SparseGroupData> groups;

 private:
  std::shared_ptr<Descriptor> descriptor_;
  std::shared_ptr<Kernel> kernel_;
  std::vector<std::string> group_keys_;
};

// The key tables of every descriptor, kernel and the fit keys, as Markdown (`soapgap keys`;
// docs/cli.md holds a copy that a test keeps equal).
std::string term_keys_markdown();

// Factory used by Term: the descriptor named by spec.type(); reads its keys from spec.
std::unique_ptr<Descriptor> make_descriptor(const KeyValueSpec& spec, const std::vector<int>& species);

}  // namespace soapgap
