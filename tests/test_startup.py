"""Start-up: the warm-up that `serve.py` runs before the server takes page requests does its whole
job (a failure would only be logged, so the test looks at the log and at the caches it fills)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# what only the view "Del, gem, eksportér" (and the agreement's download) needs: Excel, the store, the upload
LAZY = ["portfolio.export", "portfolio.storage", "portfolio.upload", "ui.share", "sqlalchemy", "openpyxl"]


def test_warm_up_completes_without_error():
    code = ("import logging, sys; logging.basicConfig(level=logging.INFO, stream=sys.stderr)\n"
            "from ui.warmup import warm\n"
            "s = warm()\n"
            "mods = ['pandas', 'pyarrow', 'pulp', 'highspy', 'ui.views', 'ui.positions', 'portfolio.optimiser']\n"
            "print('SECONDS', s, 'MISSING', [m for m in mods if m not in sys.modules])\n"
            f"print('LOADED', [m for m in {LAZY!r} if m in sys.modules])\n"
            "from ui import state\n"
            "print('DATASET', len(state.dataset().proposals))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Warm-up at start failed" not in run.stderr, run.stderr
    assert "MISSING []" in run.stdout, run.stdout
    assert "LOADED []" in run.stdout, run.stdout  # what the first screen does not need is not warmed up either
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


def test_the_first_screen_does_not_import_export_storage_or_upload():
    """The dashboard's first screen, run in a fresh interpreter: none of the lazy modules is loaded;
    opening "Del, gem, eksportér" loads them (and the view works)."""
    code = ("import sys\n"
            "from streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file('app.py', default_timeout=120).run()\n"
            "assert not at.exception, at.exception\n"
            "print('METRICS', [m.value for m in at.metric][:1])\n"
            f"print('FIRST', [m for m in {LAZY!r} if m in sys.modules])\n"
            "at.radio(key='view').set_value('Del, gem, eksportér').run()\n"
            "assert not at.exception, at.exception\n"
            "print('BUTTONS', len(at.get('download_button')))\n"
            f"print('LATER', [m for m in {LAZY!r} if m not in sys.modules])\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "METRICS ['-185,0']" in run.stdout, run.stdout
    assert "FIRST []" in run.stdout, run.stdout
    assert "LATER []" in run.stdout, run.stdout
    assert "BUTTONS 0" not in run.stdout, run.stdout
