// soapgapkkplugin.so: everything soapgapplugin.so registers (pair_style soapgap, compute
// soapgap/variance/atom) plus the Kokkos styles soapgap/kk and soapgap/kk/host (and
// soapgap/kk/device when Kokkos has a GPU backend), the registrations LAMMPS makes for its own
// Kokkos styles with PairStyle(). For a LAMMPS built with the KOKKOS package: load this plugin
// instead of soapgapplugin.so (`plugin load soapgapkkplugin.so`), then `-sf kk` or
// `pair_style soapgap/kk` selects the Kokkos version.
#include "compute_soapgap_variance_atom.h"
#include "core/version.h"
#include "pair_soapgap_kokkos.h"  // first of the soapgap headers (SOAPGAP_INLINE)
#include "plugin_abi.h"
#include "version.h"

using namespace LAMMPS_NS;

static Pair *soapgap_creator(LAMMPS *lmp) { return new PairSoapGap(lmp); }
static Pair *soapgap_kk_device_creator(LAMMPS *lmp) { return new PairSoapGapKokkos<LMPDeviceType>(lmp); }
static Pair *soapgap_kk_host_creator(LAMMPS *lmp) { return new PairSoapGapKokkos<LMPHostType>(lmp); }

static Compute *variance_creator(LAMMPS *lmp, int argc, char **argv) {
  return new ComputeSoapGapVarianceAtom(lmp, argc, argv);
}

static void register_pair(soapgap_plugin_record &plugin, soapgap_plugin_register reg, void *lmp, const char *name,
                          const char *info, soapgap_plugin_factory1 *creator) {
  plugin.style = "pair";
  plugin.name = name;
  plugin.info = info;
  plugin.creator.v1 = creator;
  (*reg)(&plugin, lmp);
}

extern "C" void lammpsplugin_init(void *lmp, void *handle, void *regfunc) {
  soapgap_plugin_record plugin;
  auto reg = (soapgap_plugin_register)regfunc;
  plugin.version = LAMMPS_VERSION;
  plugin.author = "soapgap developers";
  plugin.handle = handle;
  register_pair(plugin, reg, lmp, "soapgap", "SOAP-GAP machine-learned potential (soapgap " SOAPGAP_VERSION ")",
                (soapgap_plugin_factory1 *)&soapgap_creator);
  register_pair(plugin, reg, lmp, "soapgap/kk", "SOAP-GAP potential, Kokkos (soapgap " SOAPGAP_VERSION ")",
                (soapgap_plugin_factory1 *)&soapgap_kk_device_creator);
#ifdef LMP_KOKKOS_GPU
  register_pair(plugin, reg, lmp, "soapgap/kk/device",
                "SOAP-GAP potential, Kokkos device (soapgap " SOAPGAP_VERSION ")",
                (soapgap_plugin_factory1 *)&soapgap_kk_device_creator);
#endif
  register_pair(plugin, reg, lmp, "soapgap/kk/host", "SOAP-GAP potential, Kokkos host (soapgap " SOAPGAP_VERSION ")",
                (soapgap_plugin_factory1 *)&soapgap_kk_host_creator);

  plugin.style = "compute";
  plugin.name = "soapgap/variance/atom";
  plugin.info = "predicted variance of the local energy under pair_style soapgap (or soapgap/kk)";
  plugin.creator.v2 = (soapgap_plugin_factory2 *)&variance_creator;
  (*reg)(&plugin, lmp);
}
