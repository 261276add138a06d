#!/usr/bin/env bash
# Not for CI: the whole test suite against the newest versions pyproject.toml's ranges allow, in a
# separate environment (.venv-latest), so that an upgrade is tried deliberately before the lock is
# refreshed with `bash scripts/lock.sh`. The locked .venv is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORTFOLIO_VENV="${PORTFOLIO_VENV:-.venv-latest}" PORTFOLIO_LATEST=1
bash scripts/test.sh "$@"
echo "Tested against:"; "$PORTFOLIO_VENV/bin/python" -m pip list --format=freeze 2>/dev/null | grep -v '^investeringsportefolje'
