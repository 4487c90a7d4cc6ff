#!/usr/bin/env bash
# CUDA compile check of pair_style soapgap/kk: builds soapgapkkplugin_cuda.so (compile + link,
# nothing is run) with the nvcc_wrapper of the CUDA Kokkos that `build-lammps.sh --cuda
# --kokkos-only` installs, against the LAMMPS source headers and the style headers of the 2022
# (OpenMP) LAMMPS build (same packages), linked with the host-built libsoapgap of SOAPGAP_BUILD_DIR.
#
#   lammps-plugin/cuda-compile-check.sh        # prints the result; exit 0 when it compiled and linked
#
# Variables: SOAPGAP_BUILD_DIR [build], SOAPGAP_CACHE [~/.cache/soapgap], CUDA_HOME [/usr/local/cuda],
# WORK_DIR [$SOAPGAP_BUILD_DIR/cuda-compile-check], JOBS [2]. The compiler output goes to
# $WORK_DIR/build.log (its end is shown when the compile fails).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${SOAPGAP_BUILD_DIR:-$root/build}" && pwd)"
cache="${SOAPGAP_CACHE:-$HOME/.cache/soapgap}"
cuda_prefix="$cache/lammps-20220106-kokkos-3.4.01-cuda-sm80"
work="${WORK_DIR:-$build/cuda-compile-check}"
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
die() { printf '[cuda-check] %s\n' "$*" >&2; exit 1; }
[ -x "$cuda_home/bin/nvcc" ] || die "no nvcc in $cuda_home/bin"
[ -f "$cuda_prefix/kokkos/lib/cmake/Kokkos/KokkosConfig.cmake" ] ||
  die "no CUDA Kokkos in $cuda_prefix (run lammps-plugin/build-lammps.sh --lammps 2022 --cuda --kokkos-only)"
[ -f "$build/src/libsoapgap.so" ] || die "no $build/src/libsoapgap.so (build soapgap first)"
paths="$(bash "$root/lammps-plugin/build-lammps.sh" --lammps 2022 2>/dev/null)" || die "build-lammps.sh --lammps 2022 failed"
lsrc="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_SOURCE_DIR=//p')"
lbuild="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_BUILD_DIR=//p')"
mkdir -p "$work"
export PATH="$cuda_home/bin:$PATH"
t0=$(date +%s)
if cmake -S "$root/lammps-plugin/cuda" -B "$work" -DCMAKE_BUILD_TYPE=Release \
     -DCMAKE_CXX_COMPILER="$cuda_prefix/kokkos/bin/nvcc_wrapper" \
     -DKokkos_DIR="$cuda_prefix/kokkos/lib/cmake/Kokkos" -DLAMMPS_SOURCE_DIR="$lsrc" \
     -DLAMMPS_BUILD_DIR="$lbuild" -DSOAPGAP_BUILD_DIR="$build" >"$work/configure.log" 2>&1 &&
   nice -n 10 cmake --build "$work" -j "${JOBS:-2}" >"$work/build.log" 2>&1; then
  printf '[cuda-check] soapgapkkplugin_cuda.so compiled and linked with %s (nvcc %s) in %ss: %s\n' \
    "$cuda_prefix/kokkos/bin/nvcc_wrapper" "$(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')" \
    "$(( $(date +%s) - t0 ))" "$work/soapgapkkplugin_cuda.so"
else
  tail -n 60 "$work/configure.log" "$work/build.log" 2>/dev/null >&2 || true
  die "FAILED after $(( $(date +%s) - t0 ))s (logs: $work/configure.log, $work/build.log)"
fi
