"""Shared helpers for real-browser tests and benchmarks: the dashboard server as `bash scripts/app.sh`
starts it (`streamlit run serve.py`), and Debian's chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str:
    path = os.environ.get("PLAYWRIGHT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Debian's chromium is not installed (apt-get install chromium); "
                           "scripts/test.sh installs it")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (browser and PostgreSQL servers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(extra_env: dict[str, str] | None = None, script: Path | None = None) -> Iterator[str]:
    """A real `streamlit run` server of the dashboard (`serve.py`, or another script) on a free port."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script or ROOT / "serve.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    env = os.environ | (extra_env or {})
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("streamlit did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def metric_value(page, label_start: str, timeout: int = 30000) -> str:
    """The text of the metric whose label starts with `label_start`, once the page shows it (a
    rerun redraws the metrics one by one: wait for this one rather than read a half-drawn page)."""
    handle = page.wait_for_function(
        """(start) => {
            for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
                const l = m.querySelector('[data-testid="stMetricLabel"]').innerText.replace(/\\u00ad/g, '');
                const v = m.querySelector('[data-testid="stMetricValue"]');
                if (l.startsWith(start) && v && v.innerText.trim() !== '') return v.innerText;
            }
            return null;
        }""", arg=label_start, timeout=timeout)
    return handle.json_value()


def wait_metric_change(page, label_start: str, old: str, timeout_ms: int = 20000) -> str:
    page.wait_for_function(
        """([start, old]) => {
            if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
            for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
                const l = m.querySelector('[data-testid="stMetricLabel"]').innerText.replace(/\\u00ad/g, '');
                if (l.startsWith(start)) return m.querySelector('[data-testid="stMetricValue"]').innerText !== old;
            }
            return false;
        }""", arg=[label_start, old], timeout=timeout_ms)
    return metric_value(page, label_start)


def open_app(browser, url: str, width: int = 1366, height: int = 768):
    page = browser.new_page(viewport={"width": width, "height": height}, locale="da-DK")
    page.goto(url)
    wait_key_figures(page)
    return page


def wait_key_figures(page) -> None:
    """Wait until the page shows all six key figures with values and the script run has finished."""
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60000)
    # all six key figures drawn with values, and the script run finished (the running indicator can
    # appear a moment after the first elements, so wait for the full set, not the first metric)
    page.wait_for_function(
        """() => {
            const ms = [...document.querySelectorAll('[data-testid="stMetric"]')];
            return ms.length >= 6 && ms.every(m => {
                const v = m.querySelector('[data-testid="stMetricValue"]');
                return v && v.innerText.trim() !== '';
            }) && !document.querySelector('[data-testid="stStatusWidget"]');
        }""", timeout=60000)


def choose_quick(page, key: str, choice: str) -> None:
    """Use the quick toggle: pick proposal `key` and set its choice."""
    box = page.locator(".st-key-quick_key")
    box.locator("input").click()
    page.keyboard.type(key)
    page.keyboard.press("Enter")
    page.wait_for_function("(k) => document.querySelector('.st-key-quick_key input').value.startsWith(k + ' ')",
                           arg=key, timeout=20000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=20000)
    # The rerun that follows picking the proposal re-seeds the radio with its current choice and
    # can swallow a click that lands before it: click until the radio holds the choice.
    checked = ("(c) => [...document.querySelectorAll('.st-key-quick_choice label')]"
               ".some(l => l.querySelector('input:checked') && l.innerText.trim() === c)")
    idle = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    for _ in range(4):
        page.locator(".st-key-quick_choice").get_by_text(choice, exact=True).click()
        page.wait_for_timeout(300)
        page.wait_for_function(idle, timeout=20000)
        if page.evaluate(checked, choice):
            return
    raise AssertionError(f"the quick toggle did not take the choice {choice!r} for {key}")
