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
The anchor, measured in the same rounds, is the same visit to `bench/anchor_app.py` (a Streamlit
page with the same title, radio and six key figures, nothing computed, served the same way): the
part of the wait that Streamlit and the browser cost and no dashboard code can remove. A static
page of the same server (`/_stcore/health`) is printed beside it.

Run: .venv/bin/python bench/bench_startup.py [--rounds N] [--json FILE]
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

from bench.common import Figure, add_json_option, report  # noqa: E402
from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server  # noqa: E402

ANCHOR = ROOT / "bench" / "anchor_app.py"

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


def visits(browser, rounds: int, script: Path | None) -> dict[str, list]:
    out: dict[str, list] = {"start": [], "static": [], "cold": [], "warm": []}
    for _ in range(rounds):
        t0 = time.perf_counter()
        with streamlit_server(script=script) as url:
            out["start"].append(time.perf_counter() - t0)
            out["static"].append(anchor(browser, url))
            out["cold"].append(one_visit(browser, url))
            out["warm"].append(one_visit(browser, url))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5, help="fresh servers per measurement")
    add_json_option(ap)
    args = ap.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        app, anc = {}, {}
        for _ in range(args.rounds):  # interleaved, so that both see the same machine
            for out, script in ((app, None), (anc, ANCHOR)):
                for k, v in visits(browser, 1, script).items():
                    out.setdefault(k, []).extend(v)
        browser.close()

    def med(rows: list, i: int | None = None) -> float:
        return statistics.median(r if i is None else r[i] for r in rows)

    def span(rows: list, i: int) -> str:
        return f"{min(r[i] for r in rows):.2f}–{max(r[i] for r in rows):.2f} s, {len(rows)} servere".replace(".", ",")

    static = med(app["static"])
    report([
        Figure("Sideforespørgsel → nøgletal på skærmen", "første besøgende efter serverstart", med(app["cold"], 1),
               "ankersiden, samme besøg", med(anc["cold"], 1), goal_s=3.0,
               note=f"{span(app['cold'], 1)}; titel efter {med(app['cold'], 0):.2f} s; statisk side "
                    f"{static * 1000:.0f} ms".replace(".", ",")),
        Figure("Sideforespørgsel → nøgletal på skærmen", "næste besøgende", med(app["warm"], 1),
               "ankersiden, samme besøg", med(anc["warm"], 1), goal_s=3.0, note=span(app["warm"], 1)),
        Figure("Serverstart → svar på sundhedstjek", "streamlit run serve.py (opvarmning medregnet)",
               med(app["start"]), "streamlit run anchor_app.py", med(anc["start"])),
    ], args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
