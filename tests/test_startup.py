"""Start-up: the warm-up that `serve.py` runs before the server takes page requests does its whole
job (a failure would only be logged, so the test looks at the log and at the caches it fills)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_warm_up_completes_without_error():
    code = ("import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stderr)\n"
            "from ui.warmup import warm\n"
            "s = warm()\n"
            "mods = ['pandas', 'pyarrow', 'pulp', 'highspy', 'ui.views', 'ui.share', 'portfolio.optimiser']\n"
            "print('SECONDS', s, 'MISSING', [m for m in mods if m not in sys.modules])\n"
            "from ui import state\n"
            "print('DATASET', len(state.dataset().proposals))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Warm-up at start failed" not in run.stderr, run.stderr
    assert "MISSING []" in run.stdout, run.stdout
    assert "DATASET 24" in run.stdout  # the 22 catalogue proposals and the two business cases
    assert "HiGHS" not in run.stdout  # the first solve's banner went to the solver log


def test_warm_up_failure_is_logged_not_raised(monkeypatch, caplog):
    from ui import state, warmup

    def broken():
        raise OSError("disk gone")

    monkeypatch.setattr(state, "dataset", broken)
    with caplog.at_level(logging.ERROR, logger="investeringsportefolje"):
        seconds = warmup.warm()
    assert seconds >= 0
    assert any("Warm-up at start failed" in r.getMessage() for r in caplog.records)
