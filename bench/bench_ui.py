"""Benchmark: how fast the dashboard answers a toggle. Prints figures; not a test.

1. Real browser (Playwright + Debian chromium): time from clicking a choice to the updated
   key figure being on screen, median of N toggles.
2. Server side: one script rerun after a toggle (streamlit.testing AppTest), median of N.

Run: .venv/bin/python bench/bench_ui.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    choose_quick,
    chromium_path,
    metric_value,
    open_app,
    streamlit_server,
    wait_metric_change,
)


def browser_toggles(n: int) -> list[float]:
    times = []
    with streamlit_server() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = open_app(b, url)
        choose_quick(page, "BU02", "Med")
        wait_metric_change(page, "Nettoeffekt", "-185,0")
        radio = page.locator(".st-key-quick_choice")
        for i in range(n):
            target = "Optimér" if i % 2 == 0 else "Med"
            old = metric_value(page, "Nettoeffekt")
            t0 = time.perf_counter()
            radio.get_by_text(target, exact=True).click()
            wait_metric_change(page, "Nettoeffekt", old)
            times.append(time.perf_counter() - t0)
        b.close()
    return times


def server_reruns(n: int) -> list[float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.selectbox(key="quick_key").set_value("BU02").run()
    times = []
    for i in range(n):
        at.radio(key="quick_choice").set_value("Med" if i % 2 == 0 else "Optimér")
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    b = browser_toggles(n)
    s = server_reruns(n)
    print(f"browser: toggle -> updated key figure, median {statistics.median(b) * 1000:.0f} ms "
          f"(min {min(b) * 1000:.0f}, max {max(b) * 1000:.0f}, n={n})")
    print(f"server:  script rerun after a toggle (AppTest), median {statistics.median(s) * 1000:.0f} ms "
          f"(min {min(s) * 1000:.0f}, max {max(s) * 1000:.0f}, n={n})")


if __name__ == "__main__":
    main()
