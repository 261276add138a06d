"""Benchmark: how fast the dashboard answers a toggle. Prints figures; not a test.

1. Real browser (Playwright + Debian chromium): the time from clicking a choice in the quick toggle
   to the updated key figure on screen, median of N toggles (toggle prices on, as by default).
   Anchor, measured in the same run: the same click on `bench/anchor_app.py` (a Streamlit page
   with the same radio and six key figures, nothing computed): what Streamlit and the browser cost.
2. Server side: one full script rerun (streamlit.testing AppTest, which always reruns the whole
   script: the cost of a change in the sidebar; a toggle in the page reruns only the page below the
   title, `app._page`), median of N; anchor: the rerun of the anchor page.

Run: .venv/bin/python bench/bench_ui.py [--n N] [--json FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.common import Figure, add_json_option, report  # noqa: E402
from tests.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    choose_quick,
    chromium_path,
    metric_value,
    open_app,
    streamlit_server,
    wait_metric_change,
)

ANCHOR = ROOT / "bench" / "anchor_app.py"


def browser_toggles(n: int, script: Path | None = None) -> list[float]:
    """Click the quick toggle n times (Optimér / Med alternately) and time each until the key figure changed."""
    times = []
    with streamlit_server(script=script) as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = open_app(b, url)
        radio = page.locator(".st-key-quick_choice")
        if script is None:
            choose_quick(page, "BU02", "Med")
            wait_metric_change(page, "Nettoeffekt", "-185,0")
        else:
            radio.get_by_text("Med", exact=True).click()
            wait_metric_change(page, "Nettoeffekt", "-185,0")
        for i in range(n):
            target = "Optimér" if i % 2 == 0 else "Med"
            old = metric_value(page, "Nettoeffekt")
            t0 = time.perf_counter()
            radio.get_by_text(target, exact=True).click()
            wait_metric_change(page, "Nettoeffekt", old)
            times.append(time.perf_counter() - t0)
        b.close()
    return times


def server_reruns(n: int, script: Path) -> list[float]:
    at = AppTest.from_file(str(script), default_timeout=60).run()
    if script.name == "app.py":
        at.selectbox(key="quick_key").set_value("BU02").run()
    times = []
    for i in range(n):
        at.radio(key="quick_choice").set_value("Med" if i % 2 == 0 else "Optimér")
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return times


def spread(xs: list[float]) -> str:
    return f"min {min(xs) * 1000:.0f} ms, max {max(xs) * 1000:.0f} ms, n = {len(xs)}".replace(".", ",")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=30, help="toggles per measurement")
    add_json_option(ap)
    args = ap.parse_args()
    b = browser_toggles(args.n)
    ba = browser_toggles(args.n, ANCHOR)
    s = server_reruns(args.n, ROOT / "app.py")
    sa = server_reruns(args.n, ANCHOR)
    report([
        Figure("Skift i en rigtig browser → opdateret nøgletal", "hurtigvalget, priser for at skifte vist",
               statistics.median(b), "samme klik på ankersiden", statistics.median(ba), goal_s=0.4, note=spread(b)),
        Figure("Serverens fulde genkørsel (AppTest)", "hele scriptet, sidepanelet medregnet", statistics.median(s),
               "ankersidens genkørsel", statistics.median(sa), note=spread(s)),
    ], args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
