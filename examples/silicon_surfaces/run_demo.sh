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
build="${SOAPGAP_BUILD_DIR:-$root/build}"
plugin="$build/lammps-plugin/soapgapplugin.so"
potential="${SOAPGAP_SI_POTENTIAL:-$root/potentials/Si/Si-PBE-soapgap.xml}"
workdir="${SOAPGAP_DEMO_DIR:-$root/demo-output}/surfaces"
python="${PYTHON:-/usr/bin/python3}"
# a --workdir given on the command line wins (it is passed on to surfaces.py after ours)
prev=""
for arg in "$@"; do
  case "$arg" in --workdir=*) workdir="${arg#--workdir=}" ;; esac
  [ "$prev" = "--workdir" ] && workdir="$arg"
  prev="$arg"
done

die() { echo "run_demo.sh: $*" >&2; exit 1; }

if [ -n "${LAMMPS_BINARY:-}" ] && [ -n "${LAMMPS_SOURCE_DIR:-}" ]; then
  lmp="$LAMMPS_BINARY"   # given (e.g. by ctest): no build-lammps.sh
  src="$LAMMPS_SOURCE_DIR"
else
  if ! paths="$(bash "$root/lammps-plugin/build-lammps.sh")"; then
    die "lammps-plugin/build-lammps.sh failed: no LAMMPS (see lammps-plugin/BUILDING.md)"
  fi
  lmp="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_BINARY=//p')"
  src="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_SOURCE_DIR=//p')"
fi
[ -n "$lmp" ] && [ -x "$lmp" ] || die "LAMMPS binary not found (build-lammps.sh printed LAMMPS_BINARY='$lmp')"
[ -f "$src/potentials/Si.sw" ] && [ -f "$src/potentials/Si.tersoff" ] \
  || die "Si.sw / Si.tersoff not found in '$src/potentials' (LAMMPS_SOURCE_DIR)"
[ -f "$plugin" ] || die "soapgap LAMMPS plugin not found: $plugin (build it: SOAPGAP_WITH_LAMMPS=1 bash scripts/build.sh)"
[ -f "$potential" ] || die "soapgap potential not found: $potential (set SOAPGAP_SI_POTENTIAL, or fit it: potentials/Si/fit.sh)"
"$python" -c 'import ase, numpy, scipy' 2>/dev/null || die "$python needs ase, numpy and scipy (Debian: python3-ase)"

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
