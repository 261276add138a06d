#!/usr/bin/env bash
# The whole test suite: set-up, lint, data register check, unit/property/UI tests and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Browser tests drive Debian's chromium through Playwright; install it when it is missing.
if [ -z "${PLAYWRIGHT_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

.venv/bin/ruff check .
.venv/bin/python -m portfolio register --check
.venv/bin/python -m pytest -q "$@"
