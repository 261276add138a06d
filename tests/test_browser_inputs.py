"""Real browser: the sidebar's numbers in Danish format and the pool in mio. kr. (issue 10, points 1-2).

Typed with the keyboard into the real fields of `streamlit run serve.py` in Debian's chromium with a
Danish locale: "3,5" in the discount rate is 3,5 % (the browser's number input used to read it as
35 and show "3.50"), "3.5" is refused in Danish and the last valid settings stay, "1.300" as the
pool is 1.300 mio. kr. with a warning, a pool over the core's limit is refused naming the limit,
and the p/l index accepts "101,5".
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from portfolio.scenario import OBJECTIVE_LABELS
from tests.browser import metric_value, open_app, wait_key_figures

pytestmark = pytest.mark.browser
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
LAST_VALID = "Viser resultatet for de sidst gyldige indstillinger."


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def wait_search(page, part: str, timeout: int = 30000) -> None:
    page.wait_for_function("(p) => decodeURIComponent(location.search).includes(p)", arg=part, timeout=timeout)
    page.wait_for_function(IDLE, timeout=30000)


def type_into(page, key: str, text: str) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(text)
    field.press("Enter")


def sidebar_texts(page, testid: str) -> list[str]:
    return page.evaluate("""(id) => [...document.querySelectorAll(
        `[data-testid="stSidebar"] [data-testid="${id}"]`)].map(e => e.innerText.trim())""", testid)


def test_a_decimal_comma_in_the_discount_rate_and_an_english_point_refused(server, browser):
    page = open_app(browser, server)
    page.locator(".st-key-objective").get_by_text(OBJECTIVE_LABELS["npv"], exact=True).click()
    wait_search(page, "objective=npv")
    field = page.locator(".st-key-discount__text input")
    assert field.input_value() == "3,5"  # Danish, not "3.50"
    type_into(page, "discount__text", "4,25")
    wait_search(page, "rate=0.0425")  # 4,25 %: the share link carries 0.0425, not 0.425 or 4.25
    assert query(page)["rate"] == ["0.0425"]
    assert field.input_value() == "4,25"
    before = metric_value(page, "Nettoeffekt")
    type_into(page, "discount__text", "3.5")
    page.get_by_text(LAST_VALID).wait_for(timeout=30000)
    page.wait_for_function(IDLE, timeout=30000)
    errors = " ".join(sidebar_texts(page, "stAlertContentError"))
    assert "'3.5' er ikke et tal i dansk format: brug komma som decimaltegn (fx 3,5)" in errors, errors
    assert field.input_value() == "3.5"  # kept as typed, to be corrected
    assert query(page)["rate"] == ["0.0425"]  # the last valid settings stay
    wait_key_figures(page)
    assert metric_value(page, "Nettoeffekt") == before
    type_into(page, "discount__text", "3,5")
    wait_search(page, "objective=npv")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('rate')", timeout=30000)
    page.get_by_text(LAST_VALID).wait_for(state="detached", timeout=30000)
    assert not sidebar_texts(page, "stAlertContentError")
    page.close()


def test_the_pool_in_mio_kr_with_a_warning_and_the_core_limit(server, browser):
    page = open_app(browser, server)
    type_into(page, "pool_text", "1.300")
    wait_search(page, "pool=1300000")  # 1.300 mio. kr. = 1.300.000 (1.000 kr.), not 1,3 mio. kr.
    wait_key_figures(page)
    assert metric_value(page, "Brugt / pulje").endswith("/ 1.300,0")
    assert page.locator(".st-key-pool_text input").input_value() == "1.300,0"
    warnings = " ".join(sidebar_texts(page, "stAlertContentWarning"))
    assert ("Puljen på 1.300 mio. kr. er større end alle forslagenes investeringer tilsammen (72,1 mio. kr.)"
            in warnings), warnings
    type_into(page, "pool_text", "7.214,6")
    page.get_by_text(LAST_VALID).wait_for(timeout=30000)
    errors = " ".join(sidebar_texts(page, "stAlertContentError"))
    assert "Puljen på 7.214,6 mio. kr. er for stor. Puljen må højst være 7.214,5 mio. kr." in errors, errors
    assert query(page)["pool"] == ["1300000"]
    wait_key_figures(page)
    assert metric_value(page, "Brugt / pulje").endswith("/ 1.300,0")
    page.close()


def test_the_price_index_accepts_a_danish_decimal_comma(server, browser):
    page = open_app(browser, server)
    page.locator('[data-testid="stSidebar"]').get_by_text("Pris- og lønindeks", exact=True).click()
    grid = page.locator('[data-testid="stSidebar"] [data-testid="stDataFrame"]').last
    grid.wait_for(timeout=30000)
    grid.scroll_into_view_if_needed()
    page.wait_for_function(IDLE, timeout=30000)
    # The grid is a canvas; its accessible twin (td#glide-cell-COL-ROW) says which row holds 2021
    # and what its index reads. Double-click that row's "Indeks" cell (a header row, then 35 px
    # rows), check that the editor opened on 2021's value, type over it and confirm with Enter.
    cells = grid.locator("td")
    cells.first.wait_for(state="attached", timeout=30000)
    row = page.evaluate("""(g) => { for (const td of g.querySelectorAll('td[id^="glide-cell-0-"]'))
        if (td.innerText.trim() === '2021') return Number(td.id.split('-').pop()); return null; }""",
                        grid.element_handle())
    assert row is not None
    shown = grid.locator(f"td#glide-cell-1-{row}").inner_text().strip()
    for _attempt in range(5):
        page.wait_for_function(IDLE, timeout=30000)
        box = grid.bounding_box()
        assert box is not None
        page.mouse.dblclick(box["x"] + box["width"] * 0.5, box["y"] + 35 * (row + 1) + 17)
        editor = page.locator("textarea.gdg-input")
        try:
            editor.wait_for(timeout=3000)
        except PlaywrightTimeout:
            continue
        if editor.input_value().strip() != shown:  # not 2021's cell: close and try again
            page.keyboard.press("Escape")
            continue
        editor.fill("101,5")
        page.keyboard.press("Enter")
        try:
            wait_search(page, "pl=2021:101.5", timeout=15000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    assert query(page)["pl"] == ["2021:101.5"]
    assert not sidebar_texts(page, "stAlertContentError")
    page.close()
