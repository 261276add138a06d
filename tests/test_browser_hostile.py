"""Real browser: a catalogue and a saved scenario full of Markdown, HTML and KaTeX payloads are shown
as plain text, and the page never asks any host but 127.0.0.1 for anything.

Playwright drives Debian's chromium against `streamlit run serve.py` (tests/browser.py). Every
request the page makes is recorded; requests to other hosts are also blocked (so a payload image
is never fetched from the outside, even if the test fails). The DOM is searched for elements made
FROM THE PAYLOADS: links or images pointing at evil.example, <style>/<script> with the payload's
markers, KaTeX output, coloured or badge spans, material icons, bold/code/heading/list elements
holding a payload marker, links inside Plotly's SVG; the app's own elements carry none of these
markers, so each count must be 0. The payload texts must at the same time be visible as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.browser import metric_value, streamlit_server
from tests.test_hostile_ui import CAT_NAME, NAME_PAYLOAD, NOTE_PAYLOAD, ZIP_NAME, hostile_zip

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1"}

FOREIGN = r"""() => {
    const all = (sel) => Array.from(document.querySelectorAll(sel));
    const evil = (v) => /evil\.example/i.test(v || '') || /EVIL/.test(v || '');
    const marked = (e) => /EVIL/.test(e.textContent || '');
    // Streamlit's Markdown (bodies, headings, labels) and captions: where payload markup would appear
    const MD = ['[data-testid="stMarkdownContainer"]', '[data-testid="stCaptionContainer"]'];
    return {
        links: all('a').filter(a => evil(a.getAttribute('href')) || evil(a.getAttribute('xlink:href'))).length,
        images: all('img, image, source, video, audio, iframe, object, embed').filter(
            e => evil(e.getAttribute('src')) || evil(e.getAttribute('href')) || evil(e.getAttribute('data'))).length,
        styles: all('style').filter(e => /EVILSTYLE/.test(e.textContent)).length,
        scripts: all('script').filter(e => /EVILSCRIPT/.test(e.textContent)).length,
        scriptRan: typeof window.EVILSCRIPT !== 'undefined',
        katex: all('.katex, .katex-display, .katex-mathml, math').length,
        colours: all('.stMarkdownColoredText, .stMarkdownColoredBackground, .stMarkdownBadge').filter(marked).length,
        styledSpans: all('span[style], font').filter(e => /EVIL/.test(e.innerHTML) && e.children.length === 0).length,
        icons: all('span[role="img"]').filter(e => e.textContent.trim() === 'home').length,
        markup: all(MD.map(c => ['strong', 'b', 'em', 'i', 'del', 's', 'code', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5',
                                  'h6', 'ol', 'ul', 'li', 'blockquote', 'table', 'hr', 'input'].map(t => c + ' ' + t))
                    .flat().join(', '))
            .filter(e => marked(e) && !(/^H[1-6]$/.test(e.tagName) && e.closest('[data-testid="stHeading"]'))).length,
        mermaid: all('[data-testid="stMarkdownContainer"] svg').filter(marked).length,
        svgLinks: all('svg a').length,
        svgStyled: all('svg tspan[style]').filter(marked).length,
    };
}"""
NOTHING = {"links": 0, "images": 0, "styles": 0, "scripts": 0, "scriptRan": False, "katex": 0, "colours": 0,
           "styledSpans": 0, "icons": 0, "markup": 0, "mermaid": 0, "svgLinks": 0, "svgStyled": 0}


def _idle(page: Page, timeout: int = 60000) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def _text(page: Page) -> str:
    """What the page shows, with the invisible word joiners the escaping inserts taken out."""
    return page.evaluate("() => document.body.innerText.replace(/\\u2060/g, '')")


def _view(page: Page, name: str) -> None:
    page.locator(".st-key-view").get_by_text(name, exact=True).click()
    _idle(page)


def _pick(page: Page, key: str, typed: str) -> None:
    """Choose an option of the selectbox or multiselect `key` by typing the start of its label."""
    page.locator(f".st-key-{key} input").click()
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _idle(page)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("db") / "scenarier.sqlite"
    with streamlit_server({"PORTFOLIO_DB_PATH": str(db), "PORTFOLIO_DB_URL": ""}) as url:
        yield url



class Watched:
    """A browser context whose requests to any host but 127.0.0.1 are recorded and blocked."""

    def __init__(self, browser: Browser) -> None:
        self.outside: list[str] = []
        self.context: BrowserContext = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="da-DK")
        self.context.on("request", self._seen)
        self.context.route("**/*", self._route)

    def _local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS

    def _seen(self, request) -> None:
        if not self._local(request.url):
            self.outside.append(request.url)

    def _route(self, route: Route) -> None:
        if self._local(route.request.url):
            route.continue_()
        else:
            route.abort()


def _foreign(page: Page) -> dict:
    return page.evaluate(FOREIGN)


def test_hostile_catalogue_and_scenario_are_plain_text_and_nothing_is_fetched_from_outside(server, browser):
    w = Watched(browser)
    page = w.context.new_page()
    page.goto(server)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60000)
    _idle(page)
    seen: dict[str, dict] = {}

    # upload the catalogue the way a user does it
    _view(page, "Del, gem, eksportér")
    page.locator('.st-key-upload_files input[type="file"]').set_input_files(
        files=[{"name": ZIP_NAME, "mimeType": "application/zip", "buffer": hostile_zip()}])
    page.locator(".st-key-upload_go button").click(timeout=30000)
    page.wait_for_selector("text=Uploadet katalog i brug", timeout=60000)
    _idle(page)
    assert ZIP_NAME in _text(page)  # the file name, as text
    seen["upload"] = _foreign(page)

    # choose it beside the built-in catalogue; the table now has its proposals
    _pick(page, "catalogues", "Ondt katalog")
    page.wait_for_function("() => document.body.innerText.includes('af 24')", timeout=60000)
    assert metric_value(page, "Forslag i porteføljen").endswith("af 24")
    _view(page, "Forslag")
    page.wait_for_selector(".st-key-quick_key input", timeout=30000)
    _pick(page, "quick_key", "EV01")
    page.locator(".st-key-quick_choice").get_by_text("Med", exact=True).click()
    _idle(page)
    seen["table"] = _foreign(page)

    # the proposal view: heading, description, notes, dependencies, catalogue name
    _view(page, "Forslagsvisning")
    _pick(page, "proposal_view", "EV01")
    page.wait_for_selector("h3:has-text('EV01')", timeout=30000)
    # the heading comes first; the description and the notes follow in the same run
    page.wait_for_function("() => ['EVILHEADING', 'EVILBOLD', 'EVILTEX'].every(t => document.body.innerText"
                           ".includes(t))", timeout=30000)
    _idle(page)
    text = _text(page)
    for shown in ("[lenke](http://evil.example/link)", "<img src=http://evil.example/tag.png>", ":red[EVILRED]",
                  "$EVILTEX\\sqrt{x}$", "<script>window.EVILSCRIPT=1</script>", "# EVILHEADING", "**EVILBOLD**",
                  "a -> b", CAT_NAME.split(" <")[0]):
        assert shown in text, shown
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-hostile-proposal.png"), full_page=True)
    seen["proposal"] = _foreign(page)

    # the map: hover every point; the hover box shows the title as text, no link or styled span
    _view(page, "Kort")
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=30000)
    hovered = []
    for point in page.locator(".js-plotly-plot .scatterlayer .point").all():
        box = point.bounding_box()
        if box is None:
            continue
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(150)
        hover = page.evaluate("() => Array.from(document.querySelectorAll('.hoverlayer')).map(e => e.textContent)"
                              ".join(' ')")
        if "EVIL" in hover:
            hovered.append(hover)
            seen[f"hover {len(hovered)}"] = _foreign(page)
            if len(hovered) == 1:
                page.screenshot(path=str(ARTIFACTS / "browser-hostile-map.png"), full_page=True)
    assert hovered, "the hover box of the uploaded proposals was not found"
    assert any("<a href='http://evil.example/a'>EVILA</a>" in h and "<span style='color:red'>" in h for h in hovered)

    # the udvalg chart: the uploaded udvalg's name is a legend entry, as text
    _view(page, "Måltal pr. udvalg")
    page.wait_for_function("() => Array.from(document.querySelectorAll('.js-plotly-plot .legendtext'))"
                           ".some(e => e.textContent.includes('<b>EVILB</b>'))", timeout=30000)
    seen["udvalg"] = _foreign(page)
    _view(page, "Afvigelser")
    page.wait_for_selector("text=steder", timeout=30000)
    seen["register"] = _foreign(page)

    # save a scenario whose name and note are payloads, then open it
    _view(page, "Del, gem, eksportér")
    page.locator(".st-key-save_name input").fill(NAME_PAYLOAD)
    page.locator(".st-key-save_note input").fill(NOTE_PAYLOAD)
    page.get_by_role("button", name="Gem scenariet").click()
    page.wait_for_selector("text=Gemt som", timeout=30000)
    _idle(page)
    assert f"Gemt som '{NAME_PAYLOAD}'." in _text(page)
    seen["saved"] = _foreign(page)
    page.locator(".st-key-saved_open button").click()
    page.wait_for_selector("text=er åbnet", timeout=30000)
    _idle(page)
    assert f"Scenariet '{NAME_PAYLOAD}' er åbnet." in _text(page)
    seen["opened"] = _foreign(page)

    assert page.locator('[data-testid="stException"]').count() == 0
    found = {where: {k: v for k, v in counts.items() if v != NOTHING[k]} for where, counts in seen.items()}
    assert not any(found.values()), found
    assert w.outside == []
    page.close()
    w.context.close()
