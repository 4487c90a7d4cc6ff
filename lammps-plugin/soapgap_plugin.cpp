// Registers pair_style soapgap and compute soapgap/variance/atom with LAMMPS' plugin loader
// (`plugin load soapgapplugin.so`).
#include "compute_soapgap_variance_atom.h"
#include "core/version.h"
#include "lammpsplugin.h"
#include "pair_soapgap.h"
#include "version.h"

using namespace LAMMPS_NS;

static Pair *soapgap_creator(LAMMPS *lmp) { return new PairSoapGap(lmp); }

static Compute *variance_creator(LAMMPS *lmp, int argc, char **argv) {
  return new ComputeSoapGapVarianceAtom(lmp, argc, argv);
}

extern "C" void lammpsplugin_init(void *lmp, void *handle, void *regfunc) {
  lammpsplugin_t plugin;
  auto register_plugin = (lammpsplugin_regfunc)regfunc;
  plugin.version = LAMMPS_VERSION;
  plugin.style = "pair";
  plugin.name = "soapgap";
  plugin.info = "SOAP-GAP machine-learned potential (soapgap " SOAPGAP_VERSION ")";
  plugin.author = "soapgap developers";
  plugin.creator.v1 = (lammpsplugin_factory1 *)&soapgap_creator;
  plugin.handle = handle;
  (*register_plugin)(&plugin, lmp);

  plugin.style = "compute";
  plugin.name = "soapgap/variance/atom";
  plugin.info = "predicted variance of the local energy under pair_style soapgap";
  plugin.creator.v2 = (lammpsplugin_factory2 *)&variance_creator;
  (*register_plugin)(&plugin, lmp);
}
