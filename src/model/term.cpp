#include "model/term.h"

#include "core/error.h"
#include "descriptors/distance_2b.h"
#include "descriptors/soap.h"

namespace soapgap {

std::unique_ptr<Descriptor> make_descriptor(const KeyValueSpec& spec, const std::vector<int>& species) {
  if (spec.type() == "soap") return std::make_unique<SoapDescriptor>(SoapParameters::from_spec(spec, species));
  if (spec.type() == "distance_2b")
    return std::make_unique<Distance2bDescriptor>(Distance2bParameters::from_spec(spec, species));
  throw InputError(spec.context() + ": unknown descriptor type \"" + spec.type() + "\"; supported: soap, distance_2b");
}

std::unique_ptr<Descriptor> parse_descriptor(const std::string& text, const std::vector<int>& species) {
  KeyValueSpec spec = KeyValueSpec::parse(text, "descriptor");
  auto d = make_descriptor(spec, species);
  spec.check_all_used();
  return d;
}

const ParameterTable<TermFitOptions>& TermFitOptions::table() {
  using P = TermFitOptions;
  using R = Parameter<P>;
  static const ParameterTable<P> t(
      "fit", {R("n_sparse", &P::n_sparse,
                "sparse points per kernel group (per centre element for SOAP, per element pair for 2-body)")
                  .need()
                  .at_least(1),
              R("sparse_method", &P::sparse_method,
                "`cur` (leverage scores), `fps` (farthest point), `random`, `all`, `uniform` (1-D descriptors: the "
                "nearest to an even grid between the smallest and largest value, as gap_fit's UNIFORM)")
                  .one_of({"cur", "fps", "random", "all", "uniform"})
                  .default_doc("`cur` (soap), `fps` (distance_2b)")});
  return t;
}

Term Term::from_spec(const std::string& text, const std::vector<int>& species, const std::string& context,
                     TermFitOptions* fit) {
  KeyValueSpec spec = KeyValueSpec::parse(text, context);
  Term t;
  t.descriptor_ = make_descriptor(spec, species);
  if (spec.type() == "soap")
    t.kernel_ = std::make_shared<DotProductKernel>(DotProductParameters::table().read(spec, {}, context));
  else
    t.kernel_ =
        std::make_shared<SquaredExponentialKernel>(SquaredExponentialParameters::table().read(spec, {}, context));
  if (fit) {
    const std::string default_method = spec.type() == "soap" ? "cur" : "fps";
    *fit = TermFitOptions::table().read(spec, {}, context);
    if (!spec.has("sparse_method")) fit->sparse_method = default_method;
  }
  spec.check_all_used();
  t.group_keys_ = t.descriptor_->group_keys();
  return t;
}

std::string term_keys_markdown() {
  return "#### `soap` descriptor (kernel: `dot_product`)\n\n" + SoapParameters::table().markdown() +
         "\n#### `distance_2b` descriptor (kernel: `squared_exponential`)\n\n" +
         Distance2bParameters::table().markdown() + "\n#### `dot_product` kernel δ²(q·x)^ζ (soap terms)\n\n" +
         DotProductParameters::table().markdown() +
         "\n#### `squared_exponential` kernel δ² exp(−(r−r')²/2θ²) (distance_2b terms)\n\n" +
         SquaredExponentialParameters::table().markdown() + "\n#### fit keys (`soapgap fit` only)\n\n" +
         TermFitOptions::table().markdown();
}

std::string Term::spec() const { return descriptor_->spec() + " " + kernel_->spec(); }

}  // namespace soapgap
