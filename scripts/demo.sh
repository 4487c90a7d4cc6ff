#!/usr/bin/env bash
# The main job: installs what it needs, builds soapgap and LAMMPS (with the pair_style soapgap
# plugin; LAMMPS is cached in ~/.cache/soapgap after the first build), then runs the silicon
# surface demo in LAMMPS with the shipped potential (potentials/Si/Si-PBE-soapgap.xml) beside
# LAMMPS' sw and tersoff, and prints its table: bulk a0, cohesive energy and bulk modulus,
# the Si(100) p(2x1) dimer bond and tilt, Si(100) and Si(111) surface energies, and where the
# predicted standard deviation on the relaxed (100) slab is highest.
# Outputs go to ${SOAPGAP_DEMO_DIR:-demo-output}/surfaces (see examples/silicon_surfaces/README.md).
# The fitting walk-through (data, soapgap fit, eval --variance) is examples/silicon_sw/run_fit_demo.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-dependencies.sh"
# Only what the demo runs (the plugin, the CLI); scripts/test.sh builds the rest.
SOAPGAP_WITH_LAMMPS=1 SOAPGAP_BUILD_TARGETS="${SOAPGAP_BUILD_TARGETS-soapgapplugin soapgap_cli}" \
  bash "$root/scripts/build.sh"
bash "$root/examples/silicon_surfaces/run_demo.sh" "$@"
