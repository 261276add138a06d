#!/usr/bin/env bash
# Shared set-up for the README's two commands: a virtual environment installed exactly from the
# committed lock (requirements.lock, pip --require-hashes). Works on a fresh Debian machine with only
# Python 3.11 (installs python3-venv if needed). The environment is rebuilt from scratch whenever
# the lock or pyproject.toml changes, so it never holds a package the lock does not name.
#
# PORTFOLIO_VENV   where the environment lives (default .venv)
# PORTFOLIO_LATEST=1  ignore the lock and install the newest versions pyproject's ranges allow
#                     (scripts/test-latest.sh; never in CI)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${PORTFOLIO_VENV:-.venv}"
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
PY="${PYTHON:-python3}"

apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
  else
    echo "Installér venligst: $*" >&2
    return 1
  fi
}

if [ "${PORTFOLIO_LATEST:-0}" = "1" ]; then
  key="latest-$(date +%Y%m%d)"
else
  key="lock-$(cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)"
fi
stamp="$VENV/.installed-$key"
[ -f "$stamp" ] && exit 0

rm -rf "$VENV"
if ! "$PY" -m venv "$VENV" 2>/dev/null; then
  rm -rf "$VENV"
  ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  apt_install "python${ver}-venv" || apt_install python3-venv
  "$PY" -m venv "$VENV"
fi

if [ "${PORTFOLIO_LATEST:-0}" = "1" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip setuptools wheel
  "$VENV/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e '.[dev]'
else
  "$VENV/bin/python" -m pip install -q --require-hashes --no-deps -r requirements.lock
  # The project itself, from the locked build requirements (no download).
  "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
  "$VENV/bin/python" -m pip check >/dev/null
fi
touch "$stamp"
