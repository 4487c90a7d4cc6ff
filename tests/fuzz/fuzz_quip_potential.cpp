// libFuzzer target: the QUIP GAP XML reader (io/quip_potential.h, read_quip_potential and
// is_quip_potential). Accepted outcomes: the data, or InputError. The data must then be
// finite and consistent, Potential is built from it (InputError accepted) and makes one
// small prediction. sparseX_filename is resolved beside the input (the per-process temporary
// directory), so only inline sparse points are normally exercised.
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "io/quip_potential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = soapgap_fuzz::write_input(data, size, "gap.xml");
  soapgap_fuzz::accepted("is_quip_potential", [&] { (void)soapgap::is_quip_potential(path); });
  soapgap::PotentialData d;
  if (!soapgap_fuzz::accepted("read_quip_potential", [&] { d = soapgap::read_quip_potential(path); })) return 0;
  soapgap_fuzz::exercise_potential(d);
  return 0;
}
