#!/usr/bin/env bash
# Silicon surfaces relaxed in LAMMPS: soapgap (the shipped Si potential) against LAMMPS' sw and
# tersoff. Resolves LAMMPS with lammps-plugin/build-lammps.sh (cached: seconds; builds it the
# first time, 15-40 min), checks that the plugin and the potentials exist, runs surfaces.py and
# prints its Markdown table. Outputs (decks, logs, dumps, surfaces.md, surfaces.json, the
# soapgap variance extxyz) go to ${SOAPGAP_DEMO_DIR:-<repo>/demo-output}/surfaces.
#
# Usage: examples/silicon_surfaces/run_demo.sh [--quick] [--workdir DIR] [other surfaces.py options]
# Environment: LAMMPS_BINARY + LAMMPS_SOURCE_DIR (use that LAMMPS as is), SOAPGAP_DEMO_DIR, SOAPGAP_BUILD_DIR (plugin: $SOAPGAP_BUILD_DIR/lammps-plugin/
#              soapgapplugin.so), SOAPGAP_SI_POTENTIAL (default potentials/Si/Si-PBE-soapgap.xml),
#              PYTHON (default /usr/bin/python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
workdir="${SOAPGAP_DEMO_DIR:-$root/demo-output}/surfaces"
# a --workdir given on the command line wins (it is passed on to surfaces.py after ours)
prev=""
for arg in "$@"; do
  case "$arg" in --workdir=*) workdir="${arg#--workdir=}" ;; esac
  [ "$prev" = "--workdir" ] && workdir="$arg"
  prev="$arg"
done

script=run_demo.sh
. "$root/examples/silicon_lammps_env.sh"   # lmp, src, plugin, potential, python; die()

mkdir -p "$workdir"
echo "LAMMPS: $lmp"
echo "plugin: $plugin"
echo "potential: $potential"
echo "work directory: $workdir"
start=$(date +%s)
"$python" "$here/surfaces.py" --lmp "$lmp" --plugin "$plugin" --potential "$potential" \
  --lammps-potentials "$src/potentials" --workdir "$workdir" "$@" \
  || die "surfaces.py failed (decks and logs in $workdir)"
echo
echo "Done in $(( $(date +%s) - start )) s. Table: $workdir/surfaces.md; all numbers: $workdir/surfaces.json"
if [ -f "$workdir/soapgap_100_2x1_variance.extxyz" ]; then
  echo "soapgap per-atom variance of the relaxed (100) slab: $workdir/soapgap_100_2x1_variance.extxyz"
fi
