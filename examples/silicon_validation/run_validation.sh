#!/usr/bin/env bash
# Silicon validation table in LAMMPS: soapgap (the shipped Si potential) against LAMMPS' sw and
# tersoff and the literature (DFT PW91, GAP-18): a0, B, C11/C12/C44, vacancy, (100) p(2x1),
# (111) 1x1 / 2x1 Pandey and the Si(111) DAS 3x3..9x9 surface energies, plus the soapgap
# predicted sigma on the relaxed 7x7. Resolves LAMMPS with lammps-plugin/build-lammps.sh (cached:
# seconds; builds it the first time, 15-40 min), checks that the plugin, the potentials and the
# DAS folder exist (no DAS folder: the DAS part is skipped with a message), runs validate.py and
# prints its Markdown table. Outputs go to ${SOAPGAP_DEMO_DIR:-<repo>/demo-output}/validation.
#
# Usage: examples/silicon_validation/run_validation.sh [--quick] [--workdir DIR] [other validate.py options]
# Environment: LAMMPS_BINARY + LAMMPS_SOURCE_DIR (use that LAMMPS as is), SOAPGAP_DEMO_DIR,
#              SOAPGAP_BUILD_DIR (plugin: $SOAPGAP_BUILD_DIR/lammps-plugin/soapgapplugin.so),
#              SOAPGAP_SI_POTENTIAL (default potentials/Si/Si-PBE-soapgap.xml),
#              SOAPGAP_SI_DAS_DIR (unset: the DAS slabs are built by si_structures.das111; set, e.g. to
#              <repo>/../shared/data/silicon/das: the silicon testing framework's slabs, read, never copied),
#              SOAPGAP_VALIDATION_NP (MPI ranks for the soapgap DAS relaxations, default 2),
#              PYTHON (default /usr/bin/python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
workdir="${SOAPGAP_DEMO_DIR:-$root/demo-output}/validation"
dasdir="${SOAPGAP_SI_DAS_DIR:-}"
# --workdir / --das-dir given on the command line win (passed on to validate.py after ours)
prev=""
for arg in "$@"; do
  case "$arg" in --workdir=*) workdir="${arg#--workdir=}" ;; --das-dir=*) dasdir="${arg#--das-dir=}" ;; esac
  [ "$prev" = "--workdir" ] && workdir="$arg"
  [ "$prev" = "--das-dir" ] && dasdir="$arg"
  prev="$arg"
done

script=run_validation.sh
. "$root/examples/silicon_lammps_env.sh"   # lmp, src, plugin, potential, python; die()
"$python" -c 'import matplotlib' 2>/dev/null || echo "run_validation.sh: no matplotlib for $python: no sigma picture (the extxyz is still written)"
if [ -n "$dasdir" ] && [ ! -d "$dasdir" ]; then
  echo "run_validation.sh: DAS folder $dasdir not found: the Si(111) DAS surface energies and the 7x7 sigma are skipped (everything else runs)"
fi
np="${SOAPGAP_VALIDATION_NP:-2}"
if [ "$np" -gt 1 ] && ! command -v mpirun >/dev/null; then
  echo "run_validation.sh: no mpirun: the soapgap DAS relaxations run serially"
  np=1
fi

mkdir -p "$workdir"
echo "LAMMPS: $lmp"
echo "plugin: $plugin"
echo "potential: $potential"
echo "DAS slabs: ${dasdir:-built (examples/silicon_surfaces/si_structures.py das111)}"
echo "work directory: $workdir"
start=$(date +%s)
"$python" "$here/validate.py" --lmp "$lmp" --plugin "$plugin" --potential "$potential" \
  --lammps-potentials "$src/potentials" --workdir "$workdir" ${dasdir:+--das-dir "$dasdir"} --np "$np" "$@" \
  || die "validate.py failed (decks and logs in $workdir)"
echo
echo "Done in $(( $(date +%s) - start )) s. Table: $workdir/validation.md; all numbers: $workdir/validation.json"
ls "$workdir"/soapgap_das_*_sigma.* 2>/dev/null | sed 's/^/soapgap sigma on the relaxed DAS: /' || true
