"""Real browser: Playwright drives Debian's chromium against `streamlit run` on 127.0.0.1.

These tests are never skipped: a missing chromium is an error (scripts/test.sh installs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import (
    choose_quick,
    metric_value,
    open_app,
    wait_key_figures,
    wait_metric_change,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_load_change_pool_force_in_and_screenshot(server, browser):
    page = open_app(browser, server)
    assert metric_value(page, "Brugt / pulje").endswith("/ 20,0")
    net0 = metric_value(page, "Nettoeffekt")
    # change the pool to 30 mio. kr. with the exact-amount field
    field = page.locator(".st-key-pool_text input")
    field.fill("30")
    field.press("Enter")
    pool = wait_metric_change(page, "Brugt / pulje", metric_value(page, "Brugt / pulje"))
    assert pool.endswith("/ 30,0")
    net1 = metric_value(page, "Nettoeffekt")
    assert net1 != net0
    # force a left-out proposal in: BU02 is never chosen by the default optimiser (6 years' payback)
    choose_quick(page, "BU02", "Med")
    net2 = wait_metric_change(page, "Nettoeffekt", net1)
    assert float(net2.replace(".", "").replace(",", ".")) > float(net1.replace(".", "").replace(",", "."))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-forced-in.png"), full_page=True)
    assert (ARTIFACTS / "browser-forced-in.png").stat().st_size > 10_000
    page.close()


def test_wide_screen_and_tabs(server, browser):
    page = open_app(browser, server, 1920, 1080)
    page.locator(".st-key-view").get_by_text("Måltal pr. udvalg", exact=True).click()
    page.wait_for_selector("text=Måltalseffekt (service) pr. udvalg", timeout=20000)
    page.locator(".st-key-view").get_by_text("Afvigelser", exact=True).click()
    page.wait_for_selector("text=steder", timeout=20000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_shared_url_opens_the_same_portfolio_in_a_fresh_browser(server, browser):
    page = open_app(browser, server)
    field = page.locator(".st-key-pool_text input")
    field.fill("25")
    field.press("Enter")
    wait_metric_change(page, "Brugt / pulje", metric_value(page, "Brugt / pulje"))
    net1 = metric_value(page, "Nettoeffekt")
    choose_quick(page, "BU02", "Med")
    wait_metric_change(page, "Nettoeffekt", net1)
    page.wait_for_function("() => location.search.includes('BU02')", timeout=20000)
    shared = page.url
    want = {lbl: metric_value(page, lbl) for lbl in ("Nettoeffekt", "Varig effekt", "Brugt / pulje", "Forslag")}
    page.close()
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})  # no cookies, no session
    other = ctx.new_page()
    other.goto(shared)
    wait_key_figures(other)
    got = {lbl: metric_value(other, lbl) for lbl in want}
    assert got == want
    assert got["Brugt / pulje"].endswith("/ 25,0")
    ctx.close()
