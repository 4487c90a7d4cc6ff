#!/usr/bin/env bash
# Configures and builds soapgap (library, CLI, tests, benchmarks, examples, Python module) in
# ${SOAPGAP_BUILD_DIR:-build}. Idempotent: an existing build directory is reused.
# By default it also builds (or reuses, from ~/.cache/soapgap) LAMMPS via
# lammps-plugin/build-lammps.sh: LAMMPS 20260704 with PLUGIN (about 6 min the first time on 2
# cores, seconds when cached), or with SOAPGAP_LAMMPS_RELEASE=2022 LAMMPS 20220106 with Kokkos
# 3.4 (about 7 min); then the pair_style soapgap plugins (soapgapplugin.so; soapgapkkplugin.so
# with soapgap/kk when that LAMMPS has Kokkos) and their integration tests against that LAMMPS.
# SOAPGAP_BUILD_TARGETS="a b" builds only those targets (scripts/demo.sh: the plugin and the CLI).
# SOAPGAP_WITH_LAMMPS=0 skips LAMMPS (library, CLI, Python module and their tests only).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SOAPGAP_BUILD_DIR:-$root/build}"
jobs="${SOAPGAP_JOBS:-$(nproc)}"
extra=()
if [ "${SOAPGAP_WITH_LAMMPS:-1}" = "1" ]; then
  paths="$(bash "$root/lammps-plugin/build-lammps.sh")"
  src="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_SOURCE_DIR=//p')"
  lmp="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_BINARY=//p')"
  lbuild="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_BUILD_DIR=//p')"
  kokkos="$(printf '%s\n' "$paths" | sed -n 's/^KOKKOS_DIR=//p')"
  extra+=("-DLAMMPS_SOURCE_DIR=$src" "-DLAMMPS_BINARY=$lmp" "-DLAMMPS_BUILD_DIR=$lbuild")
  # The Kokkos of that LAMMPS, for soapgapkkplugin.so (pair_style soapgap/kk); empty: no Kokkos.
  if [ -n "$kokkos" ]; then extra+=("-DKokkos_DIR=$kokkos"); fi
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-Release}" "${extra[@]}" >/dev/null
# SOAPGAP_BUILD_TARGETS: only these targets (the main job builds what it runs: the plugin and the CLI).
targets=()
for t in ${SOAPGAP_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j "$jobs" "${targets[@]}"
