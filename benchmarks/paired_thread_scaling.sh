#!/usr/bin/env bash
# Paired 1- and 2-thread timings of the gap18 model on 512 atoms of diamond Si, alternating
# rounds so that the shared machine's drift hits both: soapgap's library predict (Python
# binding) and LAMMPS pair_style soapgap (host). Prints one line per round and thread count:
# seconds per evaluation (library, best of 3, with the process CPU seconds of that evaluation)
# and per MD step (LAMMPS, 4 steps). With OMP_WAIT_POLICY=passive idle threads sleep, so the
# library's CPU seconds are the work done: equal on 1 and 2 threads means no added work.
# Needs the benchmarks/run build (build/benchmarks/run/gap18.xml, the plugin) and LAMMPS from
# lammps-plugin/build-lammps.sh. Usage: bash benchmarks/paired_thread_scaling.sh [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
pot="$build/benchmarks/run/gap18.xml"
[ -f "$pot" ] || { echo "no $pot: run benchmarks/run first" >&2; exit 1; }
lmp="$(bash "$root/lammps-plugin/build-lammps.sh" | sed -n 's/^LAMMPS_BINARY=//p')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/in.sg" <<DECK
units metal
atom_style atomic
boundary p p p
lattice diamond 5.431
region box block 0 4 0 4 0 4
create_box 1 box
create_atoms 1 box
mass 1 28.0855
plugin load $build/lammps-plugin/soapgapplugin.so
pair_style soapgap
pair_coeff * * $pot Si
neighbor 2.0 bin
velocity all create 300.0 4928459 loop geom
fix 1 all nve
timestep 0.001
run 4
DECK
cat > "$work/lib.py" <<PY
import os, sys, time
sys.path.insert(0, "$build/python")
import soapgap
from ase.build import bulk
pot = soapgap.Potential("$pot")
a = bulk("Si", "diamond", a=5.431, cubic=True).repeat(4)
a.rattle(0.05, seed=1)
pot.predict(a)
best = (1e9, 0.0)
for _ in range(3):
    c = os.times(); t = time.perf_counter(); pot.predict(a); w = time.perf_counter() - t; c2 = os.times()
    best = min(best, (w, c2.user + c2.system - c.user - c.system))
print("%.4f %.2f" % best)
PY
for round in $(seq 1 "${1:-4}"); do
  for t in 1 2; do
    lib=$(OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t /usr/bin/python3 "$work/lib.py")  # set -e: stops on failure
    read -r l lcpu <<<"$lib"
    m=$(cd "$work" && OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "$lmp" -in in.sg -log none 2>&1 |
        awk '/Loop time/{print $4/$9}')
    echo "round $round threads $t library_s_per_eval $l library_cpu_s $lcpu lammps_s_per_step $m"
  done
done
