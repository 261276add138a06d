#!/usr/bin/env bash
# Start the dashboard on http://localhost:8501 (set-up included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${PORTFOLIO_VENV:-.venv}/bin/streamlit" run serve.py "$@"
