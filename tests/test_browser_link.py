"""Real browser: a share link reproduces the sender's screen (issue 10, point 4).

The sender sets non-default settings in the sidebar, opens "Del, gem, eksportér", reads the link
shown under "Del et link", and the link is opened in a FRESH browser context (no cookies, no
session): the recipient sees the same key figures. Two cases: the pool switched off (the issue's
own example: 22 of 22 proposals, where the recipient used to get the default 20 mio. kr. pool and
11 of 22), and a pool typed as "12,5" (Danish decimal comma) with the NPV objective.
"""

from __future__ import annotations

import pytest

from portfolio.scenario import OBJECTIVE_LABELS
from tests.browser import metric_value, open_app

pytestmark = pytest.mark.browser
SHARE_VIEW = "Del, gem, eksportér"
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def key_figures(page) -> dict[str, str]:
    """Every key figure on the page, label -> value (the labels without soft hyphens)."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-testid="stMetric"]')]
        .map(m => [m.querySelector('[data-testid="stMetricLabel"]').innerText.replace(/\\u00ad/g, '').trim(),
                   m.querySelector('[data-testid="stMetricValue"]').innerText.trim()]))""")


def wait_search(page, part: str) -> None:
    """Wait until the page's address holds `part` (the settings are applied) and the run is over."""
    page.wait_for_function("(p) => decodeURIComponent(location.search).includes(p)", arg=part, timeout=30000)
    page.wait_for_function(IDLE, timeout=30000)


def shared_link(page) -> str:
    """Open the share view and read the link shown under "Del et link" (pressing its button if it has one)."""
    page.locator(".st-key-view").get_by_text(SHARE_VIEW, exact=True).click()
    page.get_by_text("Del et link", exact=True).first.wait_for(timeout=30000)
    button = page.get_by_role("button", name="Del et link")
    if button.count():
        button.first.click()
    code = page.locator('[data-testid="stCode"]').filter(has_text="http://").first
    code.wait_for(timeout=30000)
    page.wait_for_function(IDLE, timeout=30000)
    return code.inner_text().strip()


def open_fresh(browser, link: str) -> tuple[object, object]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="da-DK")  # no cookies, no session
    page = ctx.new_page()
    page.goto(link)
    page.wait_for_function("""() => {
        const ms = [...document.querySelectorAll('[data-testid="stMetric"]')];
        return ms.length >= 6 && ms.every(m => m.querySelector('[data-testid="stMetricValue"]').innerText.trim())
            && !document.querySelector('[data-testid="stStatusWidget"]');
    }""", timeout=60000)
    return ctx, page


def test_a_link_with_the_pool_switched_off_shows_22_of_22(server, browser):
    page = open_app(browser, server)
    assert metric_value(page, "Forslag i porteføljen") == "11 af 22"  # the default 20 mio. kr. pool
    page.locator(".st-key-use_pool").get_by_text("Begræns med en pulje").click()
    wait_search(page, "pool=none")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                           ".some(v => v.innerText.trim() === '22 af 22')", timeout=30000)
    want = key_figures(page)
    assert want["Forslag i porteføljen"] == "22 af 22"
    link = shared_link(page)
    assert link.startswith(server) and "pool=none" in link, link
    page.close()
    ctx, other = open_fresh(browser, link)
    assert key_figures(other) == want
    assert other.locator(".st-key-use_pool input").is_checked() is False
    assert not other.get_by_text("Linket indeholdt indstillinger").count()  # no notice: nothing was dropped
    ctx.close()


def test_a_link_with_a_typed_decimal_pool_and_the_npv_objective(server, browser):
    page = open_app(browser, server)
    field = page.locator(".st-key-pool_text input")
    field.fill("12,5")
    field.press("Enter")
    wait_search(page, "pool=12500")
    page.locator(".st-key-objective").get_by_text(OBJECTIVE_LABELS["npv"], exact=True).click()
    wait_search(page, "objective=npv")
    want = key_figures(page)
    assert want["Brugt / pulje, mio. kr."].endswith("/ 12,5"), want
    npv_caption = page.get_by_text(OBJECTIVE_LABELS["npv"].lower() + " = ").first.inner_text()
    link = shared_link(page)
    assert "pool=12500" in link and "objective=npv" in link, link
    page.close()
    ctx, other = open_fresh(browser, link)
    assert key_figures(other) == want
    assert other.get_by_text(OBJECTIVE_LABELS["npv"].lower() + " = ").first.inner_text() == npv_caption
    assert other.locator(".st-key-pool_text input").input_value() == "12,5"
    ctx.close()
