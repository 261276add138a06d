"""Benchmark: how long a user waits when opening the dashboard. Prints figures; not a test.

Each round starts a fresh `streamlit run app.py` server (a cold process, as after
`bash scripts/app.sh`), waits until it answers its health check, then opens the page in a fresh
Debian chromium context and measures, from the page request:

* the title on screen ("Investeringsportefølje" heading),
* the key figures on screen (the "Nettoeffekt" metric has a value),
* the page settled (Streamlit's running indicator gone).

It also reports how long the server takes from `streamlit run serve.py` to answering its health
check (the warm-up in `ui/warmup.py` runs in that time).

A second page request on the same (now warm) server gives the figure for every later visitor.
The anchor, measured in the same run, is chromium loading a static page of the same server
(`/_stcore/health`): the part of the wait no dashboard code can remove.

Run: .venv/bin/python bench/bench_startup.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server  # noqa: E402

TITLE = "h1"
KEY_FIGURE = """() => {
    for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
        const l = m.querySelector('[data-testid="stMetricLabel"]').innerText.replace(/\\u00ad/g, '');
        const v = m.querySelector('[data-testid="stMetricValue"]');
        if (l.startsWith('Nettoeffekt') && v && v.innerText.trim()) return true;
    }
    return false;
}"""
SETTLED = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def one_visit(browser, url: str) -> tuple[float, float, float]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="da-DK")
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(TITLE, timeout=120000)
    t_title = time.perf_counter() - t0
    page.wait_for_function(KEY_FIGURE, timeout=120000, polling=20)
    t_kf = time.perf_counter() - t0
    page.wait_for_function(SETTLED, timeout=120000, polling=20)
    t_done = time.perf_counter() - t0
    ctx.close()
    return t_title, t_kf, t_done


def anchor(browser, url: str) -> float:
    ctx = browser.new_context()
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url + "/_stcore/health")
    t = time.perf_counter() - t0
    ctx.close()
    return t


def main(rounds: int) -> None:
    cold: list[tuple[float, float, float]] = []
    warm: list[tuple[float, float, float]] = []
    anchors: list[float] = []
    server_start: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for _ in range(rounds):
            t0 = time.perf_counter()
            with streamlit_server() as url:
                server_start.append(time.perf_counter() - t0)
                anchors.append(anchor(browser, url))
                cold.append(one_visit(browser, url))
                warm.append(one_visit(browser, url))
        browser.close()

    def med(rows: list[tuple[float, float, float]], i: int) -> float:
        return statistics.median(r[i] for r in rows)

    a = statistics.median(anchors)
    print(f"Start-up, {rounds} fresh servers, Debian chromium 1366x768 (median; min-max)")
    print(f"  server start to health check (warm-up incl.) {statistics.median(server_start):7.2f} s")
    print(f"  anchor: static page of the same server       {a * 1000:7.0f} ms")
    for name, rows in (("first visitor (cold server)", cold), ("next visitor (warm server)", warm)):
        print(f"  {name}:")
        for i, what in enumerate(("title on screen", "key figures on screen", "page settled")):
            vals = [r[i] for r in rows]
            print(f"    {what:<24} {med(rows, i):6.2f} s  ({min(vals):.2f}-{max(vals):.2f})"
                  f"   {med(rows, i) / a:6.0f} x anchor")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
