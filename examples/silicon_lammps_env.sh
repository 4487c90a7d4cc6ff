# Sourced by the silicon example drivers (silicon_surfaces/run_demo.sh,
# silicon_validation/run_validation.sh): finds LAMMPS, the soapgap plugin, the shipped Si
# potential and Debian's Python, and stops with a message naming what is missing.
# In: $root (the repository), $script (the caller's name, for messages).
# Out: build, plugin, potential, python, lmp (LAMMPS binary), src (LAMMPS source: potentials/).
# Environment: LAMMPS_BINARY + LAMMPS_SOURCE_DIR (use that LAMMPS as is, e.g. from ctest; else
# lammps-plugin/build-lammps.sh, cached), SOAPGAP_BUILD_DIR, SOAPGAP_SI_POTENTIAL, PYTHON.
build="${SOAPGAP_BUILD_DIR:-$root/build}"
plugin="$build/lammps-plugin/soapgapplugin.so"
potential="${SOAPGAP_SI_POTENTIAL:-$root/potentials/Si/Si-PBE-soapgap.xml}"
python="${PYTHON:-/usr/bin/python3}"

die() { echo "$script: $*" >&2; exit 1; }

if [ -n "${LAMMPS_BINARY:-}" ] && [ -n "${LAMMPS_SOURCE_DIR:-}" ]; then
  lmp="$LAMMPS_BINARY"   # given (e.g. by ctest): no build-lammps.sh
  src="$LAMMPS_SOURCE_DIR"
else
  if ! paths="$(bash "$root/lammps-plugin/build-lammps.sh")"; then
    die "lammps-plugin/build-lammps.sh failed: no LAMMPS (see lammps-plugin/BUILDING.md)"
  fi
  lmp="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_BINARY=//p')"
  src="$(printf '%s\n' "$paths" | sed -n 's/^LAMMPS_SOURCE_DIR=//p')"
fi
[ -n "$lmp" ] && [ -x "$lmp" ] || die "LAMMPS binary not found (build-lammps.sh printed LAMMPS_BINARY='$lmp')"
[ -f "$src/potentials/Si.sw" ] && [ -f "$src/potentials/Si.tersoff" ] \
  || die "Si.sw / Si.tersoff not found in '$src/potentials' (LAMMPS_SOURCE_DIR)"
[ -f "$plugin" ] || die "soapgap LAMMPS plugin not found: $plugin (build it: SOAPGAP_WITH_LAMMPS=1 bash scripts/build.sh)"
[ -f "$potential" ] || die "soapgap potential not found: $potential (set SOAPGAP_SI_POTENTIAL, or fit it: potentials/Si/fit.sh)"
"$python" -c 'import ase, numpy, scipy' 2>/dev/null || die "$python needs ase, numpy and scipy (Debian: python3-ase)"
