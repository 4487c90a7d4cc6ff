#!/usr/bin/env bash
# LAMMPS timing run: wall µs per atom-step of `pair_style soapgap` beside LAMMPS' own `sw`
# (Stillinger-Weber, potentials/Si.sw) and `snap` (W 2J=8, potentials/W_2940_2017_2.*) on the
# same diamond-Si atoms, in the same run, in two modes:
#   mpi  soapgap, sw, snap on 1 and 2 MPI ranks (OMP_NUM_THREADS=1);
#   kk   1 MPI rank, 1 and 2 OpenMP threads: the host `soapgap` (threads from OMP_NUM_THREADS)
#        beside the Kokkos styles `soapgap/kk`, `sw/kk`, `snap/kk` (`-k on t T -sf kk`).
# Prints one Markdown report (a table per mode) and saves it to $WORK_DIR/results.md (default
# build/benchmarks/lammps/results.md).
#
#   benchmarks/lammps/run_lammps_benchmark.sh
#   MODES=kk benchmarks/lammps/run_lammps_benchmark.sh
#   POTENTIAL=Si.xml CELLS=3 REPEATS=1 benchmarks/lammps/run_lammps_benchmark.sh
#
# Variables (defaults in brackets):
#   MODES          which parts to run, any of "mpi kk" [mpi kk; only mpi, with a warning, when LAMMPS
#                  has no KOKKOS and MODES is not set]
#   POTENTIAL      soapgap potential (XML) to time [fit one: SW-labelled Si, 2b + SOAP n8 l6 rc 4.5, M=300]
#   CELLS          N: N×N×N conventional diamond cells, 8·N³ atoms [4 = 512 atoms]
#   STEPS          if set, the number of MD steps of every style in both modes
#   STEPS_SOAPGAP, STEPS_SW, STEPS_SNAP   steps per style, mpi mode [100, 10000, 50]
#   STEPS_KK_SOAPGAP, STEPS_KK_SW, STEPS_KK_SNAP   steps per style (host and /kk), kk mode [50, 5000, 25]
#   RANKS          mpi mode: MPI rank counts [1 2]
#   STYLES         mpi mode: styles to run [soapgap sw snap] (sw required: the reference)
#   THREADS        kk mode: OpenMP thread counts on 1 MPI rank [1 2]
#   KK_STYLES      kk mode: styles to run [soapgap soapgap/kk sw/kk snap/kk]
#   KK_FLAGS       kk mode: extra LAMMPS flags for the /kk styles, e.g. "-pk kokkos neigh full" []
#   REPEATS        runs of each (style, ranks or threads), interleaved; the tables show the median [3]
#   MPIRUN         [mpirun]; MPIRUN_FLAGS (Open MPI) [--oversubscribe --allow-run-as-root --bind-to none
#                  --mca mpi_yield_when_idle 1]; kk runs are launched with `mpirun -np 1` and the same flags
#   SOAPGAP_BUILD_DIR  soapgap build directory with lammps-plugin/soapgapplugin.so (and, for
#                  soapgap/kk, soapgapkkplugin.so) [build]
#   WORK_DIR       decks, logs, model, results [$SOAPGAP_BUILD_DIR/benchmarks/lammps]
# Threads: mpi runs set OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1. A kk run with T threads sets
# OMP_NUM_THREADS=T OPENBLAS_NUM_THREADS=T for every style; LAMMPS gives the host soapgap (no -k)
# T OpenMP threads from OMP_NUM_THREADS (the library's SOAP loops), OpenBLAS its T threads (the
# kernel GEMMs); the /kk styles run with `-k on t T -sf kk` (Kokkos OpenMP backend, T threads;
# soapgap/kk's host kernel stage also calls the BLAS). OMP_PROC_BIND/OMP_PLACES are left unset
# (threads unbound) unless you set them.
# LAMMPS comes from lammps-plugin/build-lammps.sh (cached build, or your own LAMMPS via
# LAMMPS_SOURCE_DIR/LAMMPS_BUILD_DIR, see lammps-plugin/BUILDING.md); kk mode needs it with
# KOKKOS (OpenMP). The project is built with `SOAPGAP_WITH_LAMMPS=1 scripts/build.sh` only when a
# plugin that is needed (or, when fitting, the CLI) is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/benchmarks/lammps"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
work="${WORK_DIR:-$build/benchmarks/lammps}"
py=/usr/bin/python3
modes_given="${MODES:+yes}"
MODES="${MODES:-mpi kk}"
CELLS="${CELLS:-4}"
RANKS="${RANKS:-1 2}"
STYLES="${STYLES:-soapgap sw snap}"
THREADS="${THREADS:-1 2}"
KK_STYLES="${KK_STYLES:-soapgap soapgap/kk sw/kk snap/kk}"
KK_FLAGS="${KK_FLAGS:-}"
REPEATS="${REPEATS:-3}"
MPIRUN="${MPIRUN:-mpirun}"
MPIRUN_FLAGS="${MPIRUN_FLAGS:---oversubscribe --allow-run-as-root --bind-to none --mca mpi_yield_when_idle 1}"
declare -A steps=([soapgap]="${STEPS:-${STEPS_SOAPGAP:-100}}" [sw]="${STEPS:-${STEPS_SW:-10000}}"
                  [snap]="${STEPS:-${STEPS_SNAP:-50}}")
declare -A steps_kk=([soapgap]="${STEPS:-${STEPS_KK_SOAPGAP:-50}}" [sw]="${STEPS:-${STEPS_KK_SW:-5000}}"
                     [snap]="${STEPS:-${STEPS_KK_SNAP:-25}}")
SKIN=2.0
T0=$(date +%s)
say() { printf '[lammps-bench %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { printf '[lammps-bench] ERROR: %s\n' "$*" >&2; exit 1; }
has() { case " $1 " in *" $2 "*) return 0;; esac; return 1; }   # has "LIST" WORD
for m in $MODES; do case "$m" in mpi|kk) ;; *) die "unknown mode '$m' in MODES (mpi, kk)";; esac; done
[ -n "${MODES// /}" ] || die "MODES is empty (mpi, kk)"
do_mpi=0; do_kk=0; has "$MODES" mpi && do_mpi=1; has "$MODES" kk && do_kk=1
if [ $do_mpi = 1 ]; then
  for s in $STYLES; do [ -n "${steps[$s]:-}" ] || die "unknown style '$s' in STYLES (soapgap, sw, snap)"; done
  has "$STYLES" sw || die "STYLES must include sw (the reference of the ratios)"
fi
if [ $do_kk = 1 ]; then
  for s in $KK_STYLES; do
    case "$s" in soapgap|soapgap/kk|sw/kk|snap/kk) ;;
      *) die "unknown style '$s' in KK_STYLES (soapgap, soapgap/kk, sw/kk, snap/kk)";; esac
  done
fi
fname() { printf '%s' "${1//\//_}"; }   # soapgap/kk -> soapgap_kk
mkdir -p "$work/runs"
date_utc="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
host="$(hostname), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), nproc $(nproc --all)"

# 1. LAMMPS and the plugins
paths="$(bash "$root/lammps-plugin/build-lammps.sh" 2>"$work/build-lammps.log")" ||
  { cat "$work/build-lammps.log" >&2; die "lammps-plugin/build-lammps.sh failed"; }
lsrc="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_SOURCE_DIR=//p')"
lmp="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_BINARY=//p')"
[ -x "$lmp" ] || die "no LAMMPS binary ($lmp) from build-lammps.sh"
[ -f "$lsrc/potentials/Si.sw" ] || die "$lsrc/potentials/Si.sw not found"
lmp_packages="$("$lmp" -h 2>/dev/null | sed -n '/^Installed packages/,/^List of/p' || true)"
if [ $do_kk = 1 ] && ! grep -qw KOKKOS <<<"$lmp_packages"; then
  [ -z "$modes_given" ] ||
    die "kk mode: $lmp has no KOKKOS package (build-lammps.sh builds it with KOKKOS; or MODES=mpi)"
  say "WARNING: $lmp has no KOKKOS package: running the mpi mode only (MODES=mpi)"
  do_kk=0; MODES=mpi
fi
all_styles=""
for s in $([ $do_mpi = 0 ] || echo "$STYLES") $([ $do_kk = 0 ] || echo "$KK_STYLES"); do
  has "$all_styles" "$s" || all_styles+=" $s"
done
need_host=0; need_kk=0
for s in $all_styles; do case "$s" in soapgap) need_host=1;; soapgap/kk) need_kk=1;; esac; done
plugin="$build/lammps-plugin/soapgapplugin.so"
kkplugin="$build/lammps-plugin/soapgapkkplugin.so"
cli="$build/fitting/soapgap"
dataset="$build/soapgap_example_sw_dataset"
missing=""
[ $need_host = 1 ] && [ ! -f "$plugin" ] && missing+=" $plugin"
[ $need_kk = 1 ] && [ ! -f "$kkplugin" ] && missing+=" $kkplugin"
[ -z "${POTENTIAL:-}" ] && { [ ! -x "$cli" ] || [ ! -x "$dataset" ]; } && missing+=" $cli/$dataset"
if [ -n "$missing" ]; then
  say "building soapgap with the LAMMPS plugin in $build (missing:$missing)"
  SOAPGAP_BUILD_DIR="$build" SOAPGAP_WITH_LAMMPS=1 bash "$root/scripts/build.sh"
fi
[ $need_host = 0 ] || [ -f "$plugin" ] || die "$plugin still missing after the build"
[ $need_kk = 0 ] || [ -f "$kkplugin" ] ||
  die "$kkplugin still missing after the build (soapgap/kk needs a LAMMPS with KOKKOS and its Kokkos installation, lammps-plugin/BUILDING.md; or leave soapgap/kk out of KK_STYLES)"
command -v "$MPIRUN" >/dev/null || die "no $MPIRUN"
say "LAMMPS $lmp; plugins $plugin $([ $need_kk = 1 ] && printf '%s' "$kkplugin"); modes: $MODES; work dir $work"
stamp() { stat -c '%n %Y' "$plugin" "$kkplugin" "$lmp" "$@" 2>/dev/null || true; }
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

# 3. One deck per style: diamond Si, 300 K velocities, NVE; snap(/kk) with frozen atoms (see README).
#    The /kk decks name the Kokkos pair style explicitly; `-sf kk` at run time makes the atom
#    style and the fixes Kokkos ones too (atomic/kk, nve/kk, setforce/kk).
pair_lines() {
  case "$1" in
    soapgap) printf 'plugin load %s\npair_style soapgap\npair_coeff * * %s Si\n' "$plugin" "$pot" ;;
    soapgap/kk) printf 'plugin load %s\npair_style soapgap/kk\npair_coeff * * %s Si\n' "$kkplugin" "$pot" ;;
    sw|sw/kk) printf 'pair_style %s\npair_coeff * * %s/potentials/Si.sw Si\n' "$1" "$lsrc" ;;
    snap|snap/kk) printf 'pair_style %s\npair_coeff * * %s/potentials/W_2940_2017_2.snapcoeff %s/potentials/W_2940_2017_2.snapparam W\n' "$1" "$lsrc" "$lsrc" ;;
  esac
}
for s in $all_styles; do
  if [ "${s%/kk}" = snap ]; then
    motion='# W SNAP on Si positions collapses within ~70 fs (lost atoms): keep the atoms fixed; every
# step still computes all SNAP energies and forces from the full neighbour list.
velocity all set 0.0 0.0 0.0
fix 1 all nve
fix 2 all setforce 0.0 0.0 0.0'
  else
    motion='velocity all create 300.0 4928459 loop geom
fix 1 all nve'
  fi
  cat >"$work/in.$(fname "$s")" <<EOD
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
EOD
done

# 4. The runs, interleaved (repeat, then mode, ranks/threads, style) so that slow drifts of the
#    load hit all styles and both modes
runs="$work/runs.tsv"
printf 'mode\tstyle\tranks\tthreads\trepeat\tsteps\tlog\tdump\n' >"$runs"
rm -f "$work"/runs/*.log "$work"/runs/*.dump "$work"/runs/*.out
one_run() {  # MODE STYLE RANKS THREADS REPEAT STEPS [LAMMPS FLAGS...]
  local mode="$1" s="$2" np="$3" nt="$4" rep="$5" n="$6"; shift 6
  local tag log dump
  if [ "$mode" = mpi ]; then tag="$s.np$np.r$rep"; else tag="kk.$(fname "$s").t$nt.r$rep"; fi
  log="$work/runs/$tag.log"; dump="$work/runs/$tag.dump"
  # shellcheck disable=SC2086
  (cd "$work/runs" && OMP_NUM_THREADS="$nt" OPENBLAS_NUM_THREADS="$nt" "$MPIRUN" -np "$np" $MPIRUN_FLAGS \
    "$lmp" "$@" -in "$work/in.$(fname "$s")" -log "$log" -screen none -var cells "$CELLS" -var nsteps "$n" \
    -var thermo "$(( n >= 10 ? n / 10 : 1 ))" -var dump "$dump") >"$work/runs/$tag.out" 2>&1 ||
    { tail -20 "$work/runs/$tag.out" "$log" >&2; die "LAMMPS failed: $tag"; }
  say "$tag: $(grep -m1 '^Loop time' "$log")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$s" "$np" "$nt" "$rep" "$n" "$log" "$dump" >>"$runs"
}
for rep in $(seq 1 "$REPEATS"); do
  if [ $do_mpi = 1 ]; then
    for np in $RANKS; do
      for s in $STYLES; do one_run mpi "$s" "$np" 1 "$rep" "${steps[$s]}"; done
    done
  fi
  if [ $do_kk = 1 ]; then
    for nt in $THREADS; do
      for s in $KK_STYLES; do
        if [ "$s" = soapgap ]; then
          one_run kk "$s" 1 "$nt" "$rep" "${steps_kk[soapgap]}"
        else
          # shellcheck disable=SC2086
          one_run kk "$s" 1 "$nt" "$rep" "${steps_kk[${s%/kk}]}" -k on t "$nt" -sf kk $KK_FLAGS
        fi
      done
    done
  fi
done

# 5. The tables
"$py" "$here/lammps_benchmark_report.py" --runs "$runs" --skin "$SKIN" --cells "$CELLS" \
  --date "$date_utc" --host "$host" --load "$load_start" --load-end "$(cut -d' ' -f1-3 /proc/loadavg)" \
  --lmp "$lmp" --potential "$pot" \
  --potential-origin "$pot_origin" --potential-info "$work/potential-info.txt" \
  --mpirun "$MPIRUN $MPIRUN_FLAGS" --kk-flags "$KK_FLAGS" --output "$work/results.md" --json "$work/results.json"
if [ "$(stamp "$build"/src/libsoapgap.so*)" != "$stamp_start" ]; then
  msg="WARNING: a plugin, libsoapgap or lmp changed during the runs (a rebuild beside this run?): the soapgap numbers may mix two builds."
  say "$msg"; printf '%s\n' "$msg" >>"$work/results.md"
fi
say "done in $(( $(date +%s) - T0 )) s; tables in $work/results.md, logs in $work/runs/"
