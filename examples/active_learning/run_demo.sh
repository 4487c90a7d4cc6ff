#!/usr/bin/env bash
# Active-learning demo: silicon from a bulk-only potential, with a Si(100) surface MD task, the
# labels from LAMMPS' Stillinger-Weber (a cheap stand-in for DFT: the "truth" of this demo is SW).
# make_inputs.py writes the inputs (seed bulk configurations, the slab, an independent held-out set
# from SW MD of the slab, learn.toml), then `python3 -m soapgap.learn learn.toml` runs the loop and
# the report table is printed. Resumable: running it again continues (or changes nothing).
#
# Usage: examples/active_learning/run_demo.sh [--quick] [--fresh]
#   --quick   the small problem of the test suite (~30 s); default ~2 min on 2 cores
#   --fresh   delete the previous run's outputs first
# Outputs: ${SOAPGAP_DEMO_DIR:-<repo>/demo-output}/active_learning[_quick]/ (run/report.md, report.png,
# labelled.xyz, learn.log, iter-NNN/). Environment: as examples/silicon_lammps_env.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
quick=""; fresh=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick="--quick" ;;
    --fresh) fresh=1 ;;
    *) echo "run_demo.sh: unknown option $arg (expected --quick, --fresh)" >&2; exit 2 ;;
  esac
done
workdir="${SOAPGAP_DEMO_DIR:-$root/demo-output}/active_learning${quick:+_quick}"
script=run_demo.sh
. "$root/examples/silicon_lammps_env.sh"   # lmp, src, plugin, python; die()
[ -d "$build/python/soapgap" ] || die "the Python module was not built ($build/python/soapgap; scripts/build.sh)"
export PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}"
[ "$fresh" = 1 ] && rm -rf "$workdir"
mkdir -p "$workdir"
start=$(date +%s)
if [ ! -f "$workdir/learn.toml" ]; then
  "$python" "$here/make_inputs.py" --out "$workdir" --lmp "$lmp" --plugin "$plugin" --sw "$src/potentials/Si.sw" $quick \
    || die "make_inputs.py failed"
fi
OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$python" -m soapgap.learn "$workdir/learn.toml" \
  || die "soapgap learn failed (log: $workdir/run/learn.log)"
echo
cat "$workdir/run/report.md"
echo
echo "Done in $(( $(date +%s) - start )) s. Report: $workdir/run/report.md, plot: $workdir/run/report.png"
