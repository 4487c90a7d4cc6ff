// Registers pair_style soapgap and compute soapgap/variance/atom with LAMMPS' plugin loader
// (`plugin load soapgapplugin.so`).
#include "compute_soapgap_variance_atom.h"
#include "core/version.h"
#include "lammps.h"
#include "pair_soapgap.h"
#include "plugin_abi.h"
#if __has_include("version.h")  // source trees; installed LAMMPS builds do not ship it
#include "version.h"
#endif

using namespace LAMMPS_NS;

static Pair *soapgap_creator(LAMMPS *lmp) { return new PairSoapGap(lmp); }

static Compute *variance_creator(LAMMPS *lmp, int argc, char **argv) {
  return new ComputeSoapGapVarianceAtom(lmp, argc, argv);
}

extern "C" void lammpsplugin_init(void *lmp, void *handle, void *regfunc) {
  soapgap_plugin_record plugin;
  auto register_plugin = (soapgap_plugin_register)regfunc;
#ifdef LAMMPS_VERSION
  plugin.version = LAMMPS_VERSION;
#else  // compiled against an installed LAMMPS: its headers carry no version string
  plugin.version = static_cast<LAMMPS *>(lmp)->version;
#endif
  plugin.style = "pair";
  plugin.name = "soapgap";
  plugin.info = "SOAP-GAP machine-learned potential (soapgap " SOAPGAP_VERSION ")";
  plugin.author = "soapgap developers";
  plugin.creator.v1 = (soapgap_plugin_factory1 *)&soapgap_creator;
  plugin.handle = handle;
  (*register_plugin)(&plugin, lmp);

  plugin.style = "compute";
  plugin.name = "soapgap/variance/atom";
  plugin.info = "predicted variance of the local energy under pair_style soapgap";
  plugin.creator.v2 = (soapgap_plugin_factory2 *)&variance_creator;
  (*register_plugin)(&plugin, lmp);
}
