"""Real browser: the negotiator's flow. The browser's Back and Forward buttons step through earlier
states (history entries, not replaced URLs), the undo button does the same inside the page, and a
repair of an impossible combination is applied with one click.

Never skipped: a missing chromium is an error (scripts/test.sh installs it).
"""

from __future__ import annotations

import pytest

from tests.browser import (
    choose_quick,
    metric_value,
    open_app,
    wait_metric_change,
)

pytestmark = pytest.mark.browser
FIGURES = ("Nettoeffekt", "Varig effekt", "Brugt / pulje", "Forslag")


def figures(page) -> dict[str, str]:
    return {f: metric_value(page, f) for f in FIGURES}


def idle(page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30000)


def set_pool(page, mio: str) -> None:
    field = page.locator(".st-key-pool_text input")
    field.fill(mio)
    field.press("Enter")
    wait_metric_change(page, "Brugt / pulje", metric_value(page, "Brugt / pulje"))
    idle(page)


def test_back_and_forward_step_through_earlier_states(server, browser):
    page = open_app(browser, server)
    s0 = figures(page)
    set_pool(page, "30")
    s1 = figures(page)
    assert s1["Brugt / pulje"].endswith("/ 30,0")
    choose_quick(page, "BU02", "Med")
    wait_metric_change(page, "Nettoeffekt", s1["Nettoeffekt"])
    idle(page)
    s2 = figures(page)
    assert s2 != s1 and "in=BU02" in page.url
    page.go_back()
    wait_metric_change(page, "Nettoeffekt", s2["Nettoeffekt"])
    idle(page)
    assert figures(page) == s1
    assert page.locator(".st-key-pool_text input").input_value() == "30,0"
    assert "BU02" not in page.url
    page.go_back()
    wait_metric_change(page, "Nettoeffekt", s1["Nettoeffekt"])
    idle(page)
    assert figures(page) == s0
    assert page.locator(".st-key-pool_text input").input_value() == "20,0"
    page.go_forward()
    wait_metric_change(page, "Nettoeffekt", s0["Nettoeffekt"])
    idle(page)
    assert figures(page) == s1
    # and the page keeps working from there: the change of the last step is what the page says
    choose_quick(page, "BU02", "Med")
    wait_metric_change(page, "Nettoeffekt", s1["Nettoeffekt"])
    idle(page)
    assert figures(page) == s2
    page.get_by_text("Ind: BU02").first.wait_for(timeout=20000)
    page.close()


def test_repair_button_then_undo(server, browser):
    page = open_app(browser, server + "/?pool=5000&in=TV01,TV02,TV03")  # 5 mio. kr., TV01-TV03 forced in
    page.get_by_text("Ingen portefølje opfylder alle regler").first.wait_for(timeout=30000)
    # the three verified repairs (stale elements of the previous run may linger a moment)
    page.wait_for_function("""() => {
        const r = document.querySelector('.st-key-repairs');
        return r && [...r.querySelectorAll('button')].filter(b => b.getClientRects().length).length === 3
            && r.innerText.includes('36,3 mio. kr.');
    }""", timeout=30000)
    repairs = page.locator(".st-key-repairs")
    assert [b.inner_text().strip() for b in repairs.locator("button:visible").all()] == ["Brug denne løsning"] * 3
    text = repairs.inner_text()
    assert "Frigiv TV01 og TV03" in text and "Frigiv TV01 og TV02" in text and "-134,4 mio. kr." in text
    before = figures(page)
    page.locator(".st-key-repair_1 button:visible").click()
    wait_metric_change(page, "Brugt / pulje", before["Brugt / pulje"])
    idle(page)
    assert metric_value(page, "Brugt / pulje") == "36,3 / 36,3"
    assert metric_value(page, "Forslag") == "3 af 22"
    assert page.locator(".st-key-repairs").count() == 0
    assert page.locator(".st-key-pool_text input").input_value() == "36,3"
    # undo: back to the impossible combination, with its repairs again
    page.locator(".st-key-undo button:visible").click()
    page.get_by_text("Ingen portefølje opfylder alle regler").first.wait_for(timeout=30000)
    idle(page)
    assert page.locator(".st-key-pool_text input").input_value() == "5,0"
    assert page.locator(".st-key-undo button:visible").is_disabled()
    page.locator(".st-key-redo button:visible").click()
    wait_metric_change(page, "Brugt / pulje", before["Brugt / pulje"])
    idle(page)
    assert metric_value(page, "Brugt / pulje") == "36,3 / 36,3"
    page.close()
