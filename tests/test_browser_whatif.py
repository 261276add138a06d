"""Real browser (Playwright + Debian's chromium against `streamlit run`): the what-if view's Danish
tolerance field and the frontier's hover, as a negotiator sees them."""

from __future__ import annotations

import pytest

from portfolio import fmt
from portfolio.data import load_dataset
from portfolio.optimiser import optimise
from portfolio.scenario import OBJECTIVE_LABELS, Scenario
from tests.browser import open_app
from tests.test_frontier import with_pool

pytestmark = pytest.mark.browser
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def open_whatif(browser, server):
    page = open_app(browser, server)
    page.locator(".st-key-view").get_by_text("Hvad nu hvis", exact=True).click()
    page.wait_for_selector("text=Puljefront: det bedste mål for hver puljestørrelse", timeout=30000)
    page.wait_for_selector(".st-key-frontier_chart .scatterlayer", timeout=60000)
    page.wait_for_function(IDLE, timeout=60000)
    return page


def test_tolerance_field_takes_a_decimal_comma(server, browser):
    page = open_whatif(browser, server)
    page.wait_for_selector("text=Nr. 1", timeout=60000)
    field = page.locator(".st-key-alt_tolerance__text input")
    assert field.input_value() == "2"
    field.fill("0,5")
    field.press("Enter")
    page.wait_for_selector("text=inden for 0,5 % af det optimale mål", timeout=60000)
    page.wait_for_function(IDLE, timeout=60000)
    assert field.input_value() == "0,5"  # shown the Danish way, and read as 0,5 % (not 5 %)
    shares = page.locator("text=/mod det optimale \\(\\d+,\\d %/").all_inner_texts()
    assert shares and all(float(t.split("(")[1].split(" %")[0].replace(",", ".")) <= 0.5 for t in shares)
    # an English decimal is refused in Danish and computes nothing
    field.fill("2.5")
    field.press("Enter")
    page.wait_for_selector("text=ikke et tal i dansk format", timeout=30000)
    page.wait_for_function(IDLE, timeout=60000)
    assert page.locator("text=Alternativerne beregnes, når felterne ovenfor er rettet.").count() == 1
    assert page.locator("text=Nr. 1").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_frontier_hover_shows_pool_objective_and_change(server, browser):
    page = open_whatif(browser, server)
    chart = page.locator(".st-key-frontier_chart")
    chart.scroll_into_view_if_needed()
    # the round steps' trace: one point per 5 mio. kr.; 15 mio. kr. is the fourth
    points = chart.locator(".scatterlayer .trace").nth(1).locator(".points path")
    assert points.count() == 16
    box = points.nth(3).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".st-key-frontier_chart .hoverlayer .hovertext", timeout=10000)
    text = chart.locator(".hoverlayer .hovertext").first.evaluate(
        "el => { const ls = [...el.querySelectorAll('tspan.line')].map(t => t.textContent);"
        " return ls.length ? ls.join('\\n') : el.textContent; }")
    ds = load_dataset()
    res = optimise(ds, with_pool(Scenario(), 15000))
    want = f"Pulje 15,0 mio. kr. · {OBJECTIVE_LABELS['net']} {fmt.tal(-res.objective / 1000, 1)} mio. kr."
    assert want in text.replace("\n", " ")
    assert "Ind: " in text and "Ud: " in text and "Portefølje: " in text
    assert fmt.tal(-res.objective / 1000, 1).startswith("-")
    page.close()
