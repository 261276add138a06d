"""Real browser: a savings target typed into "Besparelseskrav" changes the key figures (issue 12).

In `streamlit run serve.py` with Debian's chromium: open "Investeringsmodellens regler", add a row to
the savings-target editor with the mouse and the keyboard (year 2020 from the list, "31" mio. kr.),
and the key figures become the core's optimum under that target (31 mio. kr. of måltal savings in
2020 is more than the default portfolio's, so the optimiser picks another one).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from portfolio import fmt
from portfolio.data import load_dataset
from portfolio.optimiser import optimise
from portfolio.scenario import Scenario
from tests.browser import metric_value, open_app, wait_key_figures, wait_metric_change

pytestmark = pytest.mark.browser
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
ROW_HEIGHT = 35  # the grid's header and rows


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def cell_texts(page, grid) -> dict[str, str]:
    """The grid's cells by their accessible id (glide-cell-COLUMN-ROW; column 0 is the row marker)."""
    return page.evaluate("(g) => Object.fromEntries([...g.querySelectorAll('td[id^=\"glide-cell-\"]')]"
                         ".map(td => [td.id, td.innerText.trim()]))", grid.element_handle())


def test_a_typed_savings_target_changes_the_key_figures(server, browser):
    page = open_app(browser, server, height=1000)
    net0 = metric_value(page, "Nettoeffekt")
    assert net0 == "-185,0"
    page.locator('[data-testid="stSidebar"]').get_by_text("Investeringsmodellens regler", exact=True).click()
    grid = page.locator('[class*="st-key-targets_editor_"] [data-testid="stDataFrame"]')
    grid.wait_for(timeout=30000)
    grid.scroll_into_view_if_needed()
    page.wait_for_function(IDLE, timeout=30000)
    # the empty editor has only its trailing "add a row" line: click it in the year column, and when
    # the list is open type 2020 and Enter (the list filters to it)
    for _attempt in range(8):
        page.wait_for_function(IDLE, timeout=30000)
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 60, box["y"] + ROW_HEIGHT + ROW_HEIGHT / 2)
        try:
            page.locator(".glide-select input").wait_for(timeout=5000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_function(IDLE, timeout=30000)
            continue
        page.keyboard.type("2020")
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        page.wait_for_function(IDLE, timeout=30000)
        if cell_texts(page, grid).get("glide-cell-1-0") == "2020":
            break
        page.keyboard.press("Escape")
    assert cell_texts(page, grid).get("glide-cell-1-0") == "2020"
    # then the amount, with the grid's keyboard: Enter moved the selection to the new trailing line,
    # so up and right is the row's "Mindst (mio. kr.)" cell; Enter opens its editor; type 31 and Enter.
    # Should the selection have been lost, a double-click on the cell opens the editor instead.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    editor = page.locator("textarea.gdg-input")
    for _attempt in range(5):
        try:
            editor.wait_for(timeout=3000)
        except PlaywrightTimeout:
            page.wait_for_function(IDLE, timeout=30000)
            box = grid.bounding_box()
            assert box is not None
            page.mouse.dblclick(box["x"] + 150, box["y"] + ROW_HEIGHT + ROW_HEIGHT / 2)
            continue
        editor.fill("31")
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("() => decodeURIComponent(location.search).includes('target=2020:31000')",
                                   timeout=15000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    assert query(page)["target"] == ["2020:31000:maaltal:"], query(page)
    page.wait_for_function(IDLE, timeout=30000)
    net1 = wait_metric_change(page, "Nettoeffekt", net0)
    wait_key_figures(page)
    want = Scenario.from_json({"pool": {"total": 20_000}, "savings_targets": [{"year": 2020, "min": 31_000}]})
    res = optimise(load_dataset(), want)
    assert res.solved
    assert net1 == fmt.tal(sum(res.net_by_year.values()) / 1000, 1) == "-173,1"
    assert metric_value(page, "Forslag i porteføljen") == f"{len(res.selected)} af 22" == "13 af 22"
    assert cell_texts(page, grid).get("glide-cell-2-0") == "31"
    page.close()
