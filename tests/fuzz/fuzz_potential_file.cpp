// libFuzzer target: soapgap's potential-file reader (io/potential_file.h, read_potential and
// is_soapgap_potential). Accepted outcomes: the data, or InputError. The data must then be
// finite and consistent, Potential is built from it (InputError accepted) and makes one
// small prediction. In this build (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) read_potential
// does not refuse a checksum mismatch, so that mutated files reach everything after it.
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "io/potential_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = soapgap_fuzz::write_input(data, size, "potential.xml");
  soapgap_fuzz::accepted("is_soapgap_potential", [&] { (void)soapgap::is_soapgap_potential(path); });
  soapgap::PotentialData d;
  if (!soapgap_fuzz::accepted("read_potential", [&] { d = soapgap::read_potential(path); })) return 0;
  soapgap_fuzz::exercise_potential(d);
  return 0;
}
