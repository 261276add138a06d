"""Real browser at phone width (390 x 844) and from the keyboard: the sidebar starts closed, the key
figures are compact (two a row), nothing is wider than the screen, and the main controls are a few
Tab stops from the top of the page.

Never skipped: a missing chromium is an error (scripts/test.sh installs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import open_app

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

FOCUSED = """() => {
    let e = document.activeElement, key = '';
    for (let k = e; k && k !== document.body; k = k.parentElement) {
        const c = [...(k.classList || [])].find(c => c.startsWith('st-key-'));
        if (c) { key = c.slice('st-key-'.length); break; }
    }
    const grid = !!(e && e.closest && e.closest('[data-testid="stDataFrame"]'));
    return {tag: e ? e.tagName : '', text: e ? (e.innerText || e.getAttribute('aria-label') || '').trim() : '',
            key, grid};
}"""


def _sidebar_width(page) -> float:
    return page.evaluate("""() => {
        const sb = document.querySelector('[data-testid="stSidebar"]');
        if (!sb) return 0;
        const r = sb.getBoundingClientRect();
        return Math.max(0, Math.min(r.right, window.innerWidth) - Math.max(r.left, 0));
    }""")


def test_phone_width_sidebar_closed_key_figures_compact_nothing_wider_than_the_screen(server, browser):
    page = open_app(browser, server, 390, 844)
    assert _sidebar_width(page) == 0  # closed: the page is the content
    boxes = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => {
        const r = m.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top), Math.round(r.width),
                                                     Math.round(r.height)]; })""")
    assert len(boxes) == 6
    rows = sorted({round(top / 20) for _, top, _, _ in boxes})
    assert len(rows) == 3, boxes  # two key figures a row, not six stacked
    assert all(w < 390 / 2 for _, _, w, _ in boxes), boxes
    assert all(h <= 110 for *_, h in boxes), boxes
    bottom = max(top + h for _, top, _, h in boxes)
    assert bottom < 844, boxes  # all six key figures on the first screen
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                         "'[data-testid=\"stMetricValue\"]')).fontSize)")
    assert size <= 18
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(widths) <= 390, widths
    # the recommended portfolio is readable on the phone too
    assert page.get_by_text("Anbefalet portefølje").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-phone.png"))
    page.close()


def test_wide_screen_keeps_the_sidebar_open(server, browser):
    page = open_app(browser, server, 1366, 768)
    assert _sidebar_width(page) >= 250
    page.close()


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_main_controls_are_a_few_tab_stops_from_the_top(server, browser, width, height):
    page = open_app(browser, server, width, height)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["tag"] == "A"  # the page's skip link, past the settings
    page.keyboard.press("Enter")
    stops = []
    for _ in range(20):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        if stops[-1]["key"] == "view":
            break
    assert stops[-1]["key"] == "view", stops
    assert len(stops) <= 6, [s["text"] or s["key"] for s in stops]  # the five key figures' help, then the views
    # from the view selector, on to the proposal table (the quick toggle first)
    more = []
    for _ in range(12):
        page.keyboard.press("Tab")
        more.append(page.evaluate(FOCUSED))
        if more[-1]["grid"]:
            break
    assert any(s["key"] == "quick_key" for s in more[:2]), more
    assert more[-1]["grid"], more
    assert len(stops) + len(more) <= 14, len(stops) + len(more)
    # the view selector works from the keyboard: the arrow key moves to the next view
    page.keyboard.press("Shift+Tab")
    page.locator(".st-key-view input").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("text=Måltalseffekt (service) pr. udvalg", timeout=20000)
    page.close()
