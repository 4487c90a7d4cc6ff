#!/usr/bin/env bash
# Installs the Debian 12 packages soapgap needs to build, test and run. Idempotent: does
# nothing (not even apt-get update) when everything is already installed. Run as root, or
# as a user with sudo.
set -euo pipefail

PACKAGES=(
  cmake make g++ pkg-config             # build
  ccache                                 # compiler cache: fresh clones and the sanitizer/fuzz builds reuse objects
  libeigen3-dev libopenblas-dev          # linear algebra (Eigen, with OpenBLAS for large products)
  libxml2-dev                            # potential files
  libgtest-dev libbenchmark-dev          # tests and benchmarks
  valgrind                               # the instruction-count check (callgrind) of the test suite
  python3 python3-numpy python3-ase      # ASE interoperability tests
  python3-yaml                           # the LAMMPS reference test (tests/lammps/reference/*.yaml)
  python3-scipy                          # the silicon surface demo (E(V) fits)
  python3-matplotlib                     # plots: soapgap learn report.png
  quantum-espresso quantum-espresso-data # DFT labels (pw.x): the silicon database, soapgap learn's default labeller
  libopenmpi-dev openmpi-bin             # the LAMMPS plugin (MPI) and its 2-rank tests
  pybind11-dev python3-dev python3-pytest  # Python bindings (module soapgap) and their tests
  python3-venv                           # test references from PyPI (quippy: QUIP itself)
  clang-format-14                        # the layout check of the test suite (.clang-format)
  clang-14 libclang-rt-14-dev libomp-14-dev  # fuzzing: libFuzzer + ASan/UBSan runtimes, OpenMP for clang (tests/fuzz)
)

# Other scripts pass their own list: install-dependencies.sh --packages LABEL PKG... installs
# those instead (e.g. scripts/install-molecule-labelling.sh).
label="soapgap"
if [ "${1:-}" = "--packages" ]; then
  label="$2"
  shift 2
  PACKAGES=("$@")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "$label: installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
