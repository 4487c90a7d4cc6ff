#!/usr/bin/env bash
# LAMMPS timing run: wall µs per atom-step of `pair_style soapgap` beside LAMMPS' own `sw`
# (Stillinger-Weber, potentials/Si.sw) and `snap` (W 2J=8, potentials/W_2940_2017_2.*) on the
# same diamond-Si atoms, in the same run, on 1 and 2 MPI ranks. Prints one Markdown table and
# saves it to $WORK_DIR/results.md (default build/benchmarks/lammps/results.md).
#
#   benchmarks/lammps/run_lammps_benchmark.sh
#   POTENTIAL=Si.xml CELLS=3 REPEATS=1 benchmarks/lammps/run_lammps_benchmark.sh
#
# Variables (defaults in brackets):
#   POTENTIAL      soapgap potential (XML) to time [fit one: SW-labelled Si, 2b + SOAP n8 l6 rc 4.5, M=300]
#   CELLS          N: N×N×N conventional diamond cells, 8·N³ atoms [4 = 512 atoms]
#   STEPS          if set, the number of MD steps of every style
#   STEPS_SOAPGAP, STEPS_SW, STEPS_SNAP   steps per style [100, 10000, 50]
#   RANKS          MPI rank counts [1 2]
#   STYLES         styles to run [soapgap sw snap]
#   REPEATS        runs of each (style, ranks), interleaved; the table shows the median [3]
#   MPIRUN         [mpirun]; MPIRUN_FLAGS (Open MPI) [--oversubscribe --allow-run-as-root --bind-to none
#                  --mca mpi_yield_when_idle 1]
#   SOAPGAP_BUILD_DIR  soapgap build directory with lammps-plugin/soapgapplugin.so [build]
#   WORK_DIR       decks, logs, model, results [$SOAPGAP_BUILD_DIR/benchmarks/lammps]
# LAMMPS comes from lammps-plugin/build-lammps.sh (cached build, or your own LAMMPS via
# LAMMPS_SOURCE_DIR/LAMMPS_BUILD_DIR, see lammps-plugin/BUILDING.md). The project is built with
# `SOAPGAP_WITH_LAMMPS=1 scripts/build.sh` only when the plugin (or, when fitting, the CLI) is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/benchmarks/lammps"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
work="${WORK_DIR:-$build/benchmarks/lammps}"
py=/usr/bin/python3
CELLS="${CELLS:-4}"
RANKS="${RANKS:-1 2}"
STYLES="${STYLES:-soapgap sw snap}"
REPEATS="${REPEATS:-3}"
MPIRUN="${MPIRUN:-mpirun}"
MPIRUN_FLAGS="${MPIRUN_FLAGS:---oversubscribe --allow-run-as-root --bind-to none --mca mpi_yield_when_idle 1}"
declare -A steps=([soapgap]="${STEPS:-${STEPS_SOAPGAP:-100}}" [sw]="${STEPS:-${STEPS_SW:-10000}}"
                  [snap]="${STEPS:-${STEPS_SNAP:-50}}")
SKIN=2.0
T0=$(date +%s)
say() { printf '[lammps-bench %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { printf '[lammps-bench] ERROR: %s\n' "$*" >&2; exit 1; }
for s in $STYLES; do [ -n "${steps[$s]:-}" ] || die "unknown style '$s' (soapgap, sw, snap)"; done
case " $STYLES " in *" sw "*) ;; *) die "STYLES must include sw (the reference of the ratios)";; esac
mkdir -p "$work/runs"
date_utc="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
host="$(hostname), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), nproc $(nproc --all)"

# 1. LAMMPS and the plugin
paths="$(bash "$root/lammps-plugin/build-lammps.sh" 2>"$work/build-lammps.log")" ||
  { cat "$work/build-lammps.log" >&2; die "lammps-plugin/build-lammps.sh failed"; }
lsrc="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_SOURCE_DIR=//p')"
lmp="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_BINARY=//p')"
[ -x "$lmp" ] || die "no LAMMPS binary ($lmp) from build-lammps.sh"
[ -f "$lsrc/potentials/Si.sw" ] || die "$lsrc/potentials/Si.sw not found"
plugin="$build/lammps-plugin/soapgapplugin.so"
cli="$build/fitting/soapgap"
dataset="$build/soapgap_example_sw_dataset"
if [ ! -f "$plugin" ] || { [ -z "${POTENTIAL:-}" ] && { [ ! -x "$cli" ] || [ ! -x "$dataset" ]; }; }; then
  say "building soapgap with the LAMMPS plugin in $build (missing $plugin or the CLI)"
  SOAPGAP_BUILD_DIR="$build" SOAPGAP_WITH_LAMMPS=1 bash "$root/scripts/build.sh"
fi
[ -f "$plugin" ] || die "$plugin still missing after the build"
command -v "$MPIRUN" >/dev/null || die "no $MPIRUN"
say "LAMMPS $lmp; plugin $plugin; work dir $work"
stamp() { stat -c '%n %Y' "$plugin" "$lmp" "$@" 2>/dev/null || true; }
stamp_start="$(stamp "$build"/src/libsoapgap.so*)"

# 2. The soapgap potential: POTENTIAL, or a fit to Stillinger-Weber-labelled Si (fixed seed)
if [ -n "${POTENTIAL:-}" ]; then
  pot="$(cd "$(dirname "$POTENTIAL")" && pwd)/$(basename "$POTENTIAL")"
  [ -f "$pot" ] || die "POTENTIAL=$POTENTIAL not found"
  pot_origin="POTENTIAL=$POTENTIAL"
else
  model="$work/model"
  rm -rf "$model"; mkdir -p "$model"
  pot="$model/Si_sw_bench.xml"
  say "fitting the soapgap model (SW-labelled Si, as scripts/demo.sh) -> $pot"
  "$dataset" "$model" 10 1 >"$model/fit.log" 2>&1
  "$cli" fit --train "$model/train.xyz" --output "$pot" \
    --descriptor "distance_2b cutoff=4.5 cutoff_transition_width=1.0 theta=0.4 delta=1.0 n_sparse=15" \
    --descriptor "soap n_max=8 l_max=6 cutoff=4.5 cutoff_transition_width=1.0 atom_sigma=0.5 zeta=4 delta=0.5 n_sparse=300" \
    --sigma-energy 0.001 --sigma-force 0.02 --sigma-virial 0.01 \
    --validate "$model/test.xyz" --report "$model/report" --seed 1 >>"$model/fit.log" 2>&1 ||
    { tail -20 "$model/fit.log" >&2; die "soapgap fit failed (log $model/fit.log)"; }
  pot_origin="fitted by this script: soapgap_example_sw_dataset 10 1, fit as scripts/demo.sh, seed 1"
fi
if [ -x "$cli" ]; then "$cli" info "$pot" >"$work/potential-info.txt" 2>&1 || true; else : >"$work/potential-info.txt"; fi

# 3. One deck per style: diamond Si, 300 K velocities, NVE; snap with frozen atoms (see README)
pair_lines() {
  case "$1" in
    soapgap) printf 'plugin load %s\npair_style soapgap\npair_coeff * * %s Si\n' "$plugin" "$pot" ;;
    sw) printf 'pair_style sw\npair_coeff * * %s/potentials/Si.sw Si\n' "$lsrc" ;;
    snap) printf 'pair_style snap\npair_coeff * * %s/potentials/W_2940_2017_2.snapcoeff %s/potentials/W_2940_2017_2.snapparam W\n' "$lsrc" "$lsrc" ;;
  esac
}
for s in $STYLES; do
  if [ "$s" = snap ]; then
    motion='# W SNAP on Si positions collapses within ~70 fs (lost atoms): keep the atoms fixed; every
# step still computes all SNAP energies and forces from the full neighbour list.
velocity all set 0.0 0.0 0.0
fix 1 all nve
fix 2 all setforce 0.0 0.0 0.0'
  else
    motion='velocity all create 300.0 4928459 loop geom
fix 1 all nve'
  fi
  cat >"$work/in.$s" <<EOF
# soapgap LAMMPS timing benchmark, pair_style $s (written by benchmarks/lammps/run_lammps_benchmark.sh)
units metal
atom_style atomic
boundary p p p
lattice diamond 5.431
region box block 0 \${cells} 0 \${cells} 0 \${cells}
create_box 1 box
create_atoms 1 box
mass 1 28.0855
$(pair_lines "$s")
neighbor $SKIN bin
neigh_modify every 1 delay 0 check yes
$motion
timestep 0.001
thermo \${thermo}
run \${nsteps}
write_dump all custom \${dump} id type x y z modify sort id
EOF
done

# 4. The runs, interleaved (repeat, ranks, style) so that slow drifts of the load hit all styles
runs="$work/runs.tsv"
printf 'style\tranks\trepeat\tsteps\tlog\tdump\n' >"$runs"
rm -f "$work"/runs/*.log "$work"/runs/*.dump
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
for rep in $(seq 1 "$REPEATS"); do
  for np in $RANKS; do
    for s in $STYLES; do
      n="${steps[$s]}"
      tag="$s.np$np.r$rep"
      log="$work/runs/$tag.log"; dump="$work/runs/$tag.dump"
      # shellcheck disable=SC2086
      (cd "$work/runs" && "$MPIRUN" -np "$np" $MPIRUN_FLAGS \
        "$lmp" -in "$work/in.$s" -log "$log" -screen none -var cells "$CELLS" -var nsteps "$n" \
        -var thermo "$(( n >= 10 ? n / 10 : 1 ))" -var dump "$dump") >"$work/runs/$tag.out" 2>&1 ||
        { tail -20 "$work/runs/$tag.out" "$log" >&2; die "LAMMPS failed: $tag"; }
      say "$tag: $(grep -m1 '^Loop time' "$log")"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$np" "$rep" "$n" "$log" "$dump" >>"$runs"
    done
  done
done

# 5. The table
"$py" "$here/lammps_benchmark_report.py" --runs "$runs" --skin "$SKIN" --cells "$CELLS" \
  --date "$date_utc" --host "$host" --load "$load_start" --lmp "$lmp" --potential "$pot" \
  --potential-origin "$pot_origin" --potential-info "$work/potential-info.txt" \
  --mpirun "$MPIRUN $MPIRUN_FLAGS" --output "$work/results.md" --json "$work/results.json"
if [ "$(stamp "$build"/src/libsoapgap.so*)" != "$stamp_start" ]; then
  msg="WARNING: the plugin, libsoapgap or lmp changed during the runs (a rebuild beside this run?): the soapgap numbers may mix two builds."
  say "$msg"; printf '%s\n' "$msg" >>"$work/results.md"
fi
say "done; table in $work/results.md, logs in $work/runs/"
