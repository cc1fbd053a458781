#!/bin/sh
# Print the newest Python that the newest ansible-core supports (3.12 to 3.14), or, with --floor, the
# Python of the tested floor (3.11). Plain names on PATH first, then pyenv's versions (whose shims can
# exist but refuse to run a version that is not selected).
set -eu
if [ "${1:-}" = "--floor" ]; then candidates="3.11"; else candidates="3.14 3.13 3.12"; fi
for version in $candidates; do
  for python in "python$version" $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version"*/bin/python"$version" 2>/dev/null | sort -rV); do
    if "$python" -c 'import sys, venv' >/dev/null 2>&1; then
      command -v "$python" 2>/dev/null || echo "$python"
      exit 0
    fi
  done
done
echo "no Python $candidates found: install one (python.org, your package manager or pyenv)" >&2
exit 1
