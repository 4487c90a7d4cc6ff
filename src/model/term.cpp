#include "model/term.h"

#include "core/error.h"
#include "descriptors/distance_2b.h"
#include "descriptors/soap.h"

namespace soapgap {

std::unique_ptr<Descriptor> make_descriptor(const KeyValueSpec& spec, const std::vector<int>& species) {
  if (spec.type() == "soap") return std::make_unique<SoapDescriptor>(SoapParameters::from_spec(spec, species));
  if (spec.type() == "distance_2b")
    return std::make_unique<Distance2bDescriptor>(Distance2bParameters::from_spec(spec, species));
  throw InputError(spec.context() + ": unknown descriptor type \"" + spec.type() +
                   "\"; supported: soap, distance_2b");
}

std::unique_ptr<Descriptor> parse_descriptor(const std::string& text, const std::vector<int>& species) {
  KeyValueSpec spec = KeyValueSpec::parse(text, "descriptor");
  auto d = make_descriptor(spec, species);
  spec.check_all_used();
  return d;
}

Term Term::from_spec(const std::string& text, const std::vector<int>& species, const std::string& context,
                     TermFitOptions* fit) {
  KeyValueSpec spec = KeyValueSpec::parse(text, context);
  Term t;
  t.descriptor_ = make_descriptor(spec, species);
  const double delta = spec.get_double("delta", 1.0);
  try {  // the kernel's own message, prefixed with the term it belongs to (e.g. --descriptor #2)
    if (spec.type() == "soap") {
      t.kernel_ = std::make_shared<DotProductKernel>(delta, spec.get_int("zeta", 4));
    } else {
      if (!spec.has("theta")) throw InputError(spec.type() + " needs theta=<length scale in Angstrom>");
      t.kernel_ = std::make_shared<SquaredExponentialKernel>(delta, spec.get_double("theta"));
    }
  } catch (const InputError& e) {
    const std::string msg = e.what();
    if (msg.rfind(context, 0) == 0) throw;
    throw InputError(context + ": " + msg);
  }
  if (fit) {
    fit->n_sparse = spec.get_int("n_sparse");
    fit->sparse_method = spec.get_string("sparse_method", spec.type() == "soap" ? "cur" : "fps");
    if (fit->n_sparse < 1) throw InputError(context + ": n_sparse must be at least 1");
    const std::string& m = fit->sparse_method;
    if (m != "cur" && m != "fps" && m != "random" && m != "all")
      throw InputError(context + ": sparse_method=" + m + ": expected cur, fps, random or all");
  }
  spec.check_all_used();
  t.group_keys_ = t.descriptor_->group_keys();
  return t;
}

std::string Term::spec() const { return descriptor_->spec() + " " + kernel_->spec(); }

}  // namespace soapgap
