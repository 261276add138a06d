"""Real browser: two parties typed into "Forhandling: partiernes krav", their conflict, and one click
on a concession that gives an agreement (issue 14).

In `streamlit run serve.py` with Debian's chromium: open the sidebar section, type two parties into
the editor with the mouse and the keyboard (A requires BU09 and TV01 and rejects HA02; B requires
HA02, rejects TV01 and will use at most 20 mio. kr. of the pool), open the view "Forhandling", see
that the demands clash and the core's concessions, click "Brug denne indrømmelse" on the second
(A gives up TV01 and accepts HA02), and the key figures become the core's optimum of that agreement.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from portfolio import fmt
from portfolio.data import load_dataset
from portfolio.negotiation import negotiate
from portfolio.optimiser import optimise
from portfolio.scenario import Scenario
from portfolio.urlstate import from_query
from tests.browser import metric_value, open_app, wait_key_figures, wait_metric_change
from ui.positions import merged_parties
from ui.sidebar import DEFAULT_SCENARIO

pytestmark = pytest.mark.browser
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
ROW_HEIGHT = 35  # the grid's header and rows
PARTIES = {"pool": {"total": 20_000}, "parties": [
    {"name": "A", "must": ["BU09", "TV01"], "never": ["HA02"]},
    {"name": "B", "must": ["HA02"], "never": ["TV01"], "max_pool": 20_000}]}


def idle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=30000)


def type_row(page, grid, row: int, cells: list[str | None]) -> None:
    """Add row `row` (0-based) with the grid's trailing "add a row" line, then type its cells from
    the first column on, moving right with Tab (None: leave the cell as it is). Each typed cell is
    committed (a rerun) before the next is typed."""
    for _attempt in range(5):  # the sidebar may still be moving (the expander opening): retry the click
        grid.scroll_into_view_if_needed()
        idle(page)
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 40, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2)
        page.wait_for_timeout(500)
        if page.locator("textarea.gdg-input").count():
            break
    else:
        raise AssertionError(f"could not add row {row + 1} to the parties editor")
    page.keyboard.press("Escape")  # the new row's cell opens for editing: close it, keep it selected
    idle(page)
    for _ in range(10):  # back to the first column, whatever column the click landed in
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(50)
    page.wait_for_timeout(200)
    for text in cells:
        if text:
            page.keyboard.type(text, delay=40)
            page.wait_for_timeout(200)
        page.keyboard.press("Tab")
        idle(page)
    page.keyboard.press("Escape")
    idle(page)


def linked_parties(page) -> list[dict]:
    """The parties of the scenario in the page's URL, as the core reads a link."""
    query = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
    scenario, notices = from_query(query, load_dataset(), defaults=DEFAULT_SCENARIO)
    assert notices == []
    return [{k: p[k] for k in ("name", "must", "never", "max_pool")} for p in scenario.to_json()["parties"]]


def test_two_parties_their_conflict_and_a_concession(server, browser):
    page = open_app(browser, server, height=1000)
    net0 = metric_value(page, "Nettoeffekt")
    assert net0 == "-185,0"
    page.locator('[data-testid="stSidebar"]').get_by_text("Forhandling: partiernes krav", exact=True).click()
    grid = page.locator('[class*="st-key-parties_editor_"] [data-testid="stDataFrame"]')
    grid.wait_for(timeout=30000)
    grid.scroll_into_view_if_needed()
    idle(page)
    type_row(page, grid, 0, ["A", None, "BU09, TV01", "HA02"])
    type_row(page, grid, 1, ["B", None, "HA02", "TV01", "20"])
    page.wait_for_function("() => location.search.includes('HA02')", timeout=30000)
    want = Scenario.from_json(PARTIES)
    assert linked_parties(page) == [{k: p.get(k) for k in ("name", "must", "never", "max_pool")}
                                    for p in want.to_json()["parties"]]  # the share link holds both
    neg = negotiate(load_dataset(), want)
    assert neg.result.status == "infeasible"
    # the demands clash: the page says so (the key figures keep the last valid portfolio)
    page.get_by_text("Ingen portefølje opfylder alle regler.").first.wait_for(timeout=30000)
    page.locator('[data-testid="stMainBlockContainer"]').get_by_text("Forhandling", exact=True).click()
    page.get_by_text("Partiernes krav kan ikke opfyldes samtidig.").wait_for(timeout=30000)
    page.get_by_text("Parti A og parti B: deres krav kan ikke opfyldes samtidig.").wait_for(timeout=30000)
    assert neg.summary is not None
    page.get_by_text(neg.summary).wait_for(timeout=30000)
    assert [c.text for c in neg.concessions][:2] == ["Parti A opgiver TV01 og parti B opgiver HA02",
                                                     "Parti A opgiver TV01 og parti A accepterer HA02"]
    concessions = page.locator(".st-key-concessions")
    for c in neg.concessions:
        concessions.get_by_text(c.text, exact=True).wait_for(timeout=30000)
    assert metric_value(page, "Nettoeffekt") == net0
    # one click on the second concession: the agreement's key figures
    idle(page)
    page.locator(".st-key-concession_2 button:visible").click()
    net1 = wait_metric_change(page, "Nettoeffekt", net0)
    wait_key_figures(page)
    agreed = Scenario.from_json(merged_parties(want.to_json(), neg.concessions[1].positions_patch))
    res = optimise(load_dataset(), agreed)
    assert res.solved
    assert net1 == fmt.tal(sum(res.net_by_year.values()) / 1000, 1) == "-184,5"
    assert metric_value(page, "Forslag i porteføljen") == f"{len(res.selected)} af 22" == "9 af 22"
    page.get_by_text("Fælles grundlag: den bedste portefølje, der opfylder alle 2 partiers krav, har 9 forslag",
                     exact=False).wait_for(timeout=30000)
    assert page.get_by_text("Partiernes krav kan ikke opfyldes samtidig.").count() == 0
    page.close()
