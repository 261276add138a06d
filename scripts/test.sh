#!/usr/bin/env bash
# The whole test suite: set-up from the lock, lint, data register check, unit/property/UI tests,
# browser tests (Debian's chromium) and PostgreSQL tests (a throwaway server the tests start
# themselves from Debian's postgresql). Nothing is skipped: a missing tool is installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV="${PORTFOLIO_VENV:-.venv}"

SUDO=""; if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then $SUDO apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# Browser tests drive Debian's chromium through Playwright.
if [ -z "${PLAYWRIGHT_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi
# PostgreSQL tests run initdb/postgres from Debian's postgresql package.
if [ -z "${PORTFOLIO_PG_BIN:-}" ] && ! command -v initdb >/dev/null 2>&1 \
   && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql
fi

"$VENV/bin/ruff" check .
"$VENV/bin/python" -m portfolio register --check
# The browser and PostgreSQL fixtures fail (never skip) when their tool cannot be started.
"$VENV/bin/python" -m pytest -q "$@"
