#!/usr/bin/env bash
# install-pypi-reference.sh VENV PACKAGE MODULE PURPOSE: a PyPI package in a virtual environment
# outside the clone, for the tests and benchmarks to compare against (never a runtime dependency
# of soapgap). Idempotent: does nothing when MODULE already imports in VENV. Needs python3-venv
# (installed by install-dependencies.sh) and access to PyPI the first time.
set -euo pipefail
venv="$1" package="$2" module="$3" purpose="$4"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $module" 2>/dev/null; then
  exit 0
fi
echo "soapgap: installing $package from PyPI into $venv ($purpose)"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
/usr/bin/python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "$package"; then
  echo "soapgap: could not install $package from PyPI into $venv ($purpose needs it)" >&2
  exit 1
fi
"$venv/bin/python" -c "import $module" || { echo "soapgap: $module does not import in $venv" >&2; exit 1; }
