"""Hostile input and faults in the dashboard (AppTest): foreign markup from uploads, saved scenarios
and links is shown as plain text; a huge pool answers at once; a broken scenario database only
costs the save section.

The browser counterpart is tests/test_browser_hostile.py (it imports the payload catalogue from here).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from portfolio import storage
from portfolio.data import FILES
from portfolio.scenario import Scenario
from portfolio.upload import read_upload, template_csv_zip
from tests.hostile import FAST_S, bounded
from tests.test_app import APP, metrics, table
from ui.text import WORD_JOINER, md, plotly_text

# --- the payloads -------------------------------------------------------------------------------

EVIL_HOST = "evil.example"
PAYLOADS = (
    "[lenke](http://evil.example/link)", "![billede](http://evil.example/img.png)",
    "<img src=http://evil.example/tag.png>", "<a href='http://evil.example/a'>EVILA</a>",
    ":red[EVILRED]", ":blue-background[EVILBG]", ":green-badge[EVILBADGE]", "$EVILTEX\\sqrt{x}$", "$$y^2$$",
    "<style>.EVILSTYLE{color:red}</style>", "<script>window.EVILSCRIPT=1</script>",
    ":material/home:", ":smile:", "**EVILBOLD**", "`EVILCODE`", "<b>EVILB</b>",
    "<span style='color:red'>EVILSPAN</span>", "www.evil.example", "x@evil.example", "http://evil.example/u",
    "a -> b",
)
PAYLOAD = " ".join(PAYLOADS)
BLOCK_PAYLOAD = ("Beskrivelse\n# EVILHEADING\n1. EVILLIST\n    EVILINDENT\n```mermaid\ngraph TD; EVILMERMAID-->B\n```\n"
                 "> EVILQUOTE\n| a | b |\n|---|---|\n| EVILTABLE | x |\n\n" + PAYLOAD)
# Raw markup that must never reach Streamlit's Markdown unescaped (checked as "not preceded by \").
FRAGMENTS = ("](http", "![", "<img", "<a ", "<style", "<script", ":red[", ":blue-background[", ":green-badge[",
             "$EVILTEX", "$$", ":material/home:", ":smile:", "**EVILBOLD", "`EVILCODE", "<b>", "<span", "www.evil",
             "x@evil", "http://evil", "# EVILHEADING", "1. EVILLIST", "```", "> EVILQUOTE", "| EVILTABLE", "->")
CAT_ID = "ONDT2025"
CAT_NAME = f"Ondt katalog {PAYLOAD}"
UDVALG = f"Udvalg {PAYLOAD}"
KEYS = ("EV01", "EV02")
ZIP_NAME = "ondt :red[EVILFILE] <b>EVILFILE</b> $x$ [f](http:evil.example).zip"
# a saved scenario's name is at most 200 characters
NAME_PAYLOAD = ("Navn [x](http://evil.example/n) ![i](http://evil.example/n.png) <img src=http://evil.example/m.png> "
                ":red[EVILRED] $EVILTEX$ **EVILBOLD** :material/home:")
NOTE_PAYLOAD = f"Note {PAYLOAD}"


def hostile_tables() -> dict[str, list[dict[str, str]]]:
    """The template's example catalogue, twice, with payloads in every free-text field."""
    t = read_upload([("skabelon.zip", template_csv_zip())])
    cat = t["catalogues.csv"][0] | {"id": CAT_ID, "name": CAT_NAME, "budget_round": f"Runde {PAYLOAD}",
                                   "source_document": f"Kilde {PAYLOAD}", "note": f"Katalognote {PAYLOAD}"}
    props, flows, stated = [], [], []
    for key in KEYS:
        props.append(t["proposals.csv"][0] | {
            "key": key, "document_id": key, "catalogue": CAT_ID, "title": f"Titel {key} {PAYLOAD}",
            "description": BLOCK_PAYLOAD, "section": f"Afsnit {PAYLOAD}", "udvalg": UDVALG,
            "presenting_forvaltning": f"Forvaltning {PAYLOAD}", "affected_forvaltninger": f"Berørt {PAYLOAD}",
            "risk_reason": f"Risiko {PAYLOAD}", "pool_applied": f"Pulje {PAYLOAD}"})
        flows += [r | {"proposal_key": key, "label": f"Linje {PAYLOAD}", "note": f"Linjenote {PAYLOAD}",
                       "udvalg": UDVALG} for r in t["cashflows.csv"]]
        stated += [r | {"proposal_key": key, "row": f"Række {PAYLOAD}", "note": f"Tallnote {PAYLOAD}"}
                   for r in t["stated_figures.csv"]]
    return {
        "catalogues.csv": [cat], "proposals.csv": props, "cashflows.csv": flows, "stated_figures.csv": stated,
        "dependencies.csv": [{"proposal_key": "EV02", "other_key": "EV01", "kind": "relateret",
                              "note": f"Afhængighed {PAYLOAD}"}],
        "document_notes.csv": [{"proposal_key": "EV01", "table": f"Tabel {PAYLOAD}", "note": BLOCK_PAYLOAD}],
    }


def hostile_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, rows in hostile_tables().items():
            text = io.StringIO()
            w = csv.DictWriter(text, fieldnames=list(FILES[name]), lineterminator="\r\n")
            w.writeheader()
            w.writerows({c: r.get(c, "") for c in FILES[name]} for r in rows)
            z.writestr(name, text.getvalue().encode("utf-8"))
    return buf.getvalue()


# --- what an AppTest run shows as Markdown ------------------------------------------------------

BODIES = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader", "toast")
LABELLED = ("text_input", "text_area", "selectbox", "multiselect", "radio", "button", "checkbox", "toggle",
            "number_input", "select_slider", "slider", "metric", "expander", "download_button", "file_uploader")


def markdown_texts(at: AppTest) -> list[str]:
    """Every text of the page that Streamlit renders as Markdown: bodies, headings, labels of widgets,
    metrics and expanders, and the options of radios and select sliders."""
    texts = [str(e.value) for kind in BODIES for e in getattr(at, kind)]
    texts += [str(e.label) for kind in LABELLED for e in getattr(at, kind) if getattr(e, "label", None)]
    texts += [str(o) for kind in ("radio", "select_slider") for e in getattr(at, kind) for o in e.options]
    return texts


def raw_markup(texts: list[str]) -> list[tuple[str, str]]:
    """(fragment, text) for every payload fragment that appears in a text without a backslash before it."""
    return [(f, t[:120]) for t in texts for f in FRAGMENTS if re.search(r"(?<!\\)" + re.escape(f), t)]


def plotly_strings(at: AppTest) -> list[str]:
    """The strings of the traces of every Plotly chart on the page (text, customdata, names, x)."""
    out: list[str] = []

    def walk(v: object) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            for field in ("text", "customdata", "name", "x", "hovertext"):
                walk(trace.get(field))
    return out


def assert_plain(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    texts = markdown_texts(at)
    assert not raw_markup(texts), raw_markup(texts)
    for s in plotly_strings(at):
        if "EVIL" in s or EVIL_HOST in s:
            assert "<" not in s and ">" not in s, s
    return texts


# --- fixtures ------------------------------------------------------------------------------------


pytestmark = pytest.mark.usefixtures("own_db")  # a saved-scenario store of its own per test


def run(query: dict[str, str | list[str]] | None = None, timeout: float = 90) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def view(at: AppTest, name: str) -> AppTest:
    at.radio(key="view").set_value(name).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def hostile() -> AppTest:
    """The dashboard with the hostile catalogue uploaded (as the user does it) and chosen."""
    at = view(run(), "Del, gem, eksportér")
    at.file_uploader(key="upload_files").set_value((ZIP_NAME, hostile_zip(), "application/zip")).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "upload" in at.session_state, [e.value for e in at.error]
    at.multiselect(key="catalogues").set_value(["KK2020", CAT_ID]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- 1. no foreign markup -------------------------------------------------------------------------


def test_the_helpers_escape_everything_streamlit_and_plotly_interpret():
    escaped = md(BLOCK_PAYLOAD, lines=True)
    assert not raw_markup([escaped])
    assert escaped.replace("\\\n", "\n").replace(WORD_JOINER, "").replace("\\", "") == "\n".join(
        line.strip() for line in BLOCK_PAYLOAD.replace("\\", "").splitlines()).rstrip()
    assert "\n" not in md("a\nb") and md("a\nb") == "a b"
    assert md("27.050 kr. (1.000 kr.)") == "27.050 kr. \\(1.000 kr.\\)"  # numbers stay readable
    assert md("1. punkt") == "1\\. punkt" and md("    kode") == "kode"
    assert plotly_text("<a href='x'>&</a>") == "&lt;a href='x'&gt;&amp;&lt;/a&gt;"


def test_an_uploaded_catalogue_shows_its_texts_as_plain_text_in_every_view(hostile):
    at = hostile
    texts = assert_plain(at)
    assert any(md(ZIP_NAME) in t for t in texts)  # the upload's file name, in the notice
    assert CAT_NAME in at.multiselect(key="catalogues").options  # options of a multiselect are plain
    at = view(at, "Forslag")
    at.selectbox(key="quick_key").set_value("EV01").run()
    at.radio(key="quick_choice").set_value("Med").run()
    assert {"EV01", "EV02"} <= set(table(at))
    assert table(at)["EV01"]["Titel"] == f"Titel EV01 {PAYLOAD}"  # the table shows the title as it is
    assert_plain(at)
    at = view(at, "Forslagsvisning")
    at.selectbox(key="proposal_view").set_value("EV01").run()
    texts = assert_plain(at)
    assert f"EV01: {md(f'Titel EV01 {PAYLOAD}')}" in [h.value for h in at.subheader]
    assert md(BLOCK_PAYLOAD, lines=True) in texts
    assert any(md(f"Afhængighed {PAYLOAD}") in t for t in texts)
    assert any(md(CAT_NAME) in t and md(UDVALG) in t for t in texts)
    assert any(md(f"Tabel {PAYLOAD}: {BLOCK_PAYLOAD}", lines=True) == t for t in texts)
    for name in ("Kort", "Måltal pr. udvalg", "Økonomi pr. år", "Afvigelser", "Hvad nu hvis"):
        at = view(at, name)
        assert_plain(at)
    at = view(at, "Kort")
    strings = plotly_strings(at)
    assert plotly_text(f"Titel EV01 {PAYLOAD}") in strings
    at = view(at, "Måltal pr. udvalg")
    assert plotly_text(UDVALG) in plotly_strings(at)


def test_saved_scenario_names_and_notes_are_plain_text(hostile):
    at = view(hostile, "Del, gem, eksportér")
    at.text_input(key="save_name").input(NAME_PAYLOAD)
    at.text_input(key="save_note").input(NOTE_PAYLOAD)
    at.button[[b.label for b in at.button].index("Gem scenariet")].click().run()
    texts = assert_plain(at)
    assert f"Gemt som '{md(NAME_PAYLOAD)}'." in texts
    # the same name again: the store's message quotes it
    at.text_input(key="save_name").input(NAME_PAYLOAD)
    at.button[[b.label for b in at.button].index("Gem scenariet")].click().run()
    assert any(md(NAME_PAYLOAD) in e.value for e in at.error), [e.value for e in at.error]
    assert_plain(at)
    at.button(key="saved_open").click().run()
    texts = assert_plain(at)
    assert any(f"Scenariet '{md(NAME_PAYLOAD)}' er åbnet." in t for t in texts), texts
    assert metrics(at)["Forslag i porteføljen"].endswith("af 24")
    at = view(at, "Del, gem, eksportér")
    assert any(md(f"fra scenariet '{NAME_PAYLOAD}'") in i.value for i in at.info)
    assert_plain(at)


def test_url_parameters_echoed_in_notices_are_plain_text():
    at = run({"[x](http://evil.example/p)": "1", "risk": "<img src=http://evil.example/r.png>",
              "in": ":red[EVILRED],BU02", "pool": "$EVILTEX$"})
    warn = " ".join(w.value for w in at.warning)
    assert "Linket indeholdt indstillinger" in warn and "EVILRED" in warn
    assert_plain(at)
    assert metrics(at)["Forslag i porteføljen"]


def test_errors_that_quote_typed_text_are_plain_text():
    at = run()
    at.text_input(key="pool_text").input("[x](http://evil.example/t) :red[EVILRED]").run()
    assert any("er ikke et beløb" in e.value for e in at.sidebar.error)
    assert_plain(at)
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 20,0")


# --- 2. a huge pool answers at once ---------------------------------------------------------------


@pytest.fixture(scope="module")
def warm() -> None:
    """Load the data and solve once in this process, so the bounded runs below time the page alone."""
    AppTest.from_file(APP, default_timeout=90).run()


def _huge_pool(query: dict[str, str], typed: str | None, spec: dict | None) -> dict:
    at = AppTest.from_file(APP, default_timeout=FAST_S)
    for k, v in query.items():
        at.query_params[k] = v
    if spec is not None:  # as opening a saved scenario or adopting an alternative does
        at.session_state["pending_scenario"] = Scenario.from_json(spec).to_json()
    at.run()
    if typed is not None:
        at.text_input(key="pool_text").input(typed).run()
    return {"exception": [e.value for e in at.exception], "sidebar": [e.value for e in at.sidebar.error],
            "sidebar_warnings": [w.value for w in at.sidebar.warning],
            "errors": [e.value for e in at.error], "warnings": [w.value for w in at.warning],
            "metrics": metrics(at), "rows": len(table(at)),
            "slider": [len(s.options) for s in at.select_slider if s.key == "pool_slider"]}


# the one hard limit on the pool: the core's pool_limit (100 times all proposals' investments, KK2020)
LIMIT_TEXT = "højst være 7.214,5 mio. kr., dvs. 100 gange alle forslagenes investeringer"


def test_the_sidebar_states_the_core_pool_limit():
    from portfolio.data import load_dataset
    from portfolio.scenario import pool_limit

    assert pool_limit(load_dataset(), Scenario()) == 7_214_500  # 1.000 kr.: 7.214,5 mio. kr.


HUGE = {"link": ({"pool": "1000000000000"}, None, None),
        "link-per-year": ({"pool_year": "2019:1000000000000000"}, None, None),
        "typed": ({}, "1000000000000", None),
        "typed-danish": ({}, "1.000.000.000,5", None),
        "saved": ({}, None, {"pool": {"total": 1e12}}),
        "saved-per-year": ({}, None, {"pool": {"total": 20000, "per_year": {"2020": 1e15}}})}


@pytest.mark.parametrize("case", list(HUGE))
def test_a_huge_pool_answers_within_seconds_with_a_danish_message(warm, case):
    """Whichever layer refuses the pool (the link's reader, the sidebar), the page answers at once,
    says in Danish what the limit is, and shows a portfolio."""
    out = bounded(_huge_pool, *HUGE[case])
    assert not out.timed_out and not out.out_of_memory and not out.raised, out.detail
    assert out.seconds < 3 * FAST_S
    got = out.value
    assert not got["exception"], got["exception"]
    said = " ".join(got["sidebar"] + got["errors"] + got["warnings"])
    assert "højst" in said, said
    assert got["metrics"]["Forslag i porteføljen"] and got["rows"] == 22
    assert all(n <= 201 for n in got["slider"]), got["slider"]
    if case in ("typed", "typed-danish"):  # the sidebar refuses the typed amount, naming the core's limit
        assert any(LIMIT_TEXT in e for e in got["sidebar"]), got["sidebar"]
    if case in ("saved", "saved-per-year"):  # the sidebar drops the applied amount, and says so
        assert any(LIMIT_TEXT in w and "bruges ikke" in w for w in got["sidebar_warnings"]), got["sidebar_warnings"]
    if case in ("typed", "typed-danish", "saved", "saved-per-year"):
        assert got["metrics"]["Brugt / pulje, mio. kr."].endswith("/ 20,0")


def test_the_pool_slider_depends_on_the_catalogues_only():
    at = run()
    before = at.select_slider(key="pool_slider").options
    at.text_input(key="pool_text").input("5000").run()
    assert at.select_slider(key="pool_slider").options == before
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 5.000,0")
    at.text_input(key="pool_text").input("7.214,6").run()  # just over the core's limit
    assert any(LIMIT_TEXT in e.value for e in at.sidebar.error), [e.value for e in at.sidebar.error]
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 5.000,0")  # the last valid pool stays
    assert at.select_slider(key="pool_slider").options == before


# --- 3. repeated URL parameters reach the core ----------------------------------------------------


def test_repeated_url_parameters_are_passed_to_the_core_as_lists(monkeypatch):
    import portfolio.urlstate as urlstate

    seen: list[dict] = []
    real = urlstate.from_query

    def spy(params, ds, **kw):
        seen.append({k: v for k, v in params.items()})
        return real(params, ds, **kw)

    monkeypatch.setattr(urlstate, "from_query", spy)
    at = run({"in": ["BU02", "BU09"], "pool": "30000"})
    assert seen == [{"in": ["BU02", "BU09"], "pool": ["30000"]}]
    assert metrics(at)["Forslag i porteføljen"]


# --- 4. faults of the scenario database -----------------------------------------------------------


def _saved_db(path: Path) -> None:
    s = storage.ScenarioStore(f"sqlite:///{path}")
    s.save("Gemt før fejlen", "", Scenario())
    s.close()


def _danish_store_error(errors: list[str]) -> bool:
    return any("scenarie" in e.lower() or "database" in e.lower() for e in errors)


def _save_view_survives(at: AppTest, *, readable: bool = False) -> list[str]:
    """The save section says what is wrong in Danish (at once, or when saving if the database can
    still be read); the rest of the view and the dashboard work. Returns the error texts shown."""
    at = view(at, "Del, gem, eksportér")
    errors = [e.value for e in at.error]
    assert readable or _danish_store_error(errors), errors
    assert not any("uventet fejl" in e for e in errors), errors
    heads = [s.value for s in at.subheader]
    assert {"Eksportér porteføljen", "Del et link", "Gemte scenarier", "Upload et katalog"} <= set(heads), heads
    assert metrics(at)["Forslag i porteføljen"]
    # saving says so too, in Danish, and nothing else breaks
    at.text_input(key="save_name").input("Nyt")
    at.button[[b.label for b in at.button].index("Gem scenariet")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors += [e.value for e in at.error]
    assert _danish_store_error(errors) and not any("uventet fejl" in e for e in errors), errors
    assert not at.success
    at = view(at, "Forslag")
    assert len(table(at)) == 22 and not at.error
    assert metrics(at)["Forslag i porteføljen"]
    return errors


@pytest.fixture()
def corrupted(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "scenarier.sqlite"
    path.write_bytes(b"this is not an SQLite database \x00\xff" * 200)
    monkeypatch.setenv("PORTFOLIO_DB_PATH", str(path))
    return path


@pytest.fixture()
def truncated(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "scenarier.sqlite"
    _saved_db(path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])
    monkeypatch.setenv("PORTFOLIO_DB_PATH", str(path))
    return path


@pytest.fixture()
def read_only(tmp_path, monkeypatch) -> Iterator[Path]:
    """A database in a folder nobody may write to. Root ignores the folder's permissions, so the file
    is also opened read-only (SQLite's mode=ro), which is what the folder means for everybody else."""
    folder = tmp_path / "skrivebeskyttet"
    folder.mkdir()
    path = folder / "scenarier.sqlite"
    _saved_db(path)
    path.chmod(0o444)
    folder.chmod(0o555)
    if os.geteuid() == 0:
        monkeypatch.setenv("PORTFOLIO_DB_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        monkeypatch.setenv("PORTFOLIO_DB_PATH", str(path))
    yield path
    folder.chmod(0o755)
    path.chmod(0o644)


@pytest.fixture()
def locked(tmp_path, monkeypatch) -> Iterator[Path]:
    """Another process holds the database's write lock for the whole test. The store's own waiting
    is shortened (its constants as they are today), so the test measures the page, not the wait."""
    path = tmp_path / "scenarier.sqlite"
    _saved_db(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys\n"
         f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); c.execute(\"UPDATE scenarios SET note = 'låst'\")\n"
         "print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(storage, "MAX_ATTEMPTS", 2)
    monkeypatch.setenv("PORTFOLIO_DB_PATH", str(path))
    try:
        yield path
    finally:
        holder.communicate(input="", timeout=10)


@pytest.mark.parametrize("fault", ["corrupted", "truncated", "read_only", "locked"])
def test_a_broken_scenario_database_only_costs_the_save_section(fault, request):
    request.getfixturevalue(fault)
    _save_view_survives(run(), readable=fault == "read_only")


def test_an_unreachable_database_server_only_costs_the_save_section(monkeypatch):
    monkeypatch.setenv("PORTFOLIO_DB_URL", "postgresql://x@127.0.0.1:1/x?connect_timeout=2")
    _save_view_survives(run())


def test_a_store_that_fails_unexpectedly_gets_danish_words(monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("disk I/O error in some driver")

    monkeypatch.setattr(storage.ScenarioStore, "list", broken)
    monkeypatch.setattr(storage.ScenarioStore, "save", broken)
    errors = _save_view_survives(run())
    assert any("Databasen med gemte scenarier" in e for e in errors), errors
    assert not any("RuntimeError" in e or "disk I/O" in e for e in errors), errors


def test_opening_a_scenario_when_the_database_breaks_says_so_in_danish(tmp_path, monkeypatch):
    _saved_db(tmp_path / "scenarier.sqlite")
    at = view(run(), "Del, gem, eksportér")
    assert at.selectbox(key="saved_pick").options

    def broken(*_a, **_k):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(storage.ScenarioStore, "get", broken)
    at.button(key="saved_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert any("Databasen med gemte scenarier" in e for e in errors), errors
    assert not any("malformed" in e or "DatabaseError" in e for e in errors), errors
    assert metrics(at)["Forslag i porteføljen"]


# --- 5. Danish words, not English ------------------------------------------------------------------


def test_a_file_that_breaks_the_reader_gets_danish_words(monkeypatch):
    from ui import share

    def broken(_files):
        raise KeyError("There is no item named 'xl/workbook.xml' in the archive")

    monkeypatch.setattr(share, "read_upload", broken)
    at = view(run(), "Del, gem, eksportér")
    at.file_uploader(key="upload_files").set_value(("katalog.xlsx", b"PK\x03\x04", "application/zip")).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert any("Filen kunne ikke læses" in e for e in errors), errors
    assert not any("KeyError" in e or "archive" in e or "uventet" in e for e in errors), errors
    assert metrics(at)["Forslag i porteføljen"].endswith("af 22")


def test_the_solver_status_is_in_danish(monkeypatch):
    from ui import state

    real = state.optimise_cached
    monkeypatch.setattr(state, "optimise_cached", lambda *a: replace(real(*a), status="time_limit"))
    at = run()
    captions = " ".join(c.value for c in at.caption)
    assert "stoppet ved tidsgrænsen" in captions and "time_limit" not in captions, captions


def test_a_saved_catalogue_that_no_longer_loads_is_dropped_with_a_message():
    at = run()
    at.session_state["upload"] = {"token": "broken", "tables": {"catalogues.csv": [{"id": "KK2020"}]},
                                  "name": ":red[EVILRED]"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("uploadede katalog" in e.value for e in at.error), [e.value for e in at.error]
    assert_plain(at)
    assert metrics(at)["Forslag i porteføljen"].endswith("af 22") and "upload" not in at.session_state



@pytest.mark.parametrize("horizon", ["1990-2100", "2010-2024", "2019-2040"])
def test_a_linked_horizon_outside_the_slider_falls_back_with_a_notice(horizon):
    at = run({"horizon": horizon, "pool": "20000"})
    assert not at.exception
    assert at.session_state["last_scenario"].horizon == (2019, 2024)  # the default horizon
    notices = " ".join(w.value for w in at.warning)
    assert "Horisont" in notices or "horisont" in notices, notices
    assert at.slider(key="horizon").value == (2019, 2024)
    assert any(m.label.startswith("Nettoeffekt") for m in at.metric)  # the dashboard keeps working
