"""Retake the README's screenshot (docs/screenshot.png) from the running dashboard.

Starts the app on a free port, opens it in Debian's chromium at 1366×1150 with the default
scenario, waits for the key figures and saves the visible page. Run with
`.venv/bin/python scripts/screenshot.py` after a change to what the first screen shows.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import CHROMIUM_ARGS, chromium_path, open_app, streamlit_server  # noqa: E402


def main() -> None:
    out = ROOT / "docs" / "screenshot.png"
    with streamlit_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = open_app(browser, url, 1366, 1150)
        page.wait_for_timeout(1500)  # let the table's canvas settle
        page.screenshot(path=str(out))
        browser.close()
    print(f"Skrevet: {out}")


if __name__ == "__main__":
    main()
