"""The negotiator's flow on the main page (issue 10), through streamlit.testing (AppTest): units and
signs of every table, the repairs of an infeasible scenario and their button, the recommended
portfolio always above the views, what the last change did, undo/redo/reset, and Danish words only."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import editor, fresh, metrics, num, table

NET = "Nettoeffekt 2019-2024, mio. kr."
ANNUAL = "Varig effekt 2024, mio. kr. (besparelse negativ)"
POOL = "Brugt / pulje, mio. kr."
COUNT = "Forslag i porteføljen"
VIEWS = ("Forslag", "Måltal pr. udvalg", "Økonomi pr. år", "Kort", "Hvad nu hvis", "Forhandling", "Forslagsvisning",
         "Afvigelser", "Del, gem, eksportér")


@pytest.fixture()
def at() -> AppTest:
    return fresh()


def frames(at: AppTest, first_column: str) -> list:
    return [d.value for d in at.dataframe if d.value is not None and first_column in d.value.columns]


def force(at: AppTest, key: str, choice: str = "Med") -> AppTest:
    at.selectbox(key="quick_key").set_value(key).run()
    at.radio(key="quick_choice").set_value(choice).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def set_pool(at: AppTest, mio: str) -> AppTest:
    at.text_input(key="pool_text").input(mio).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdowns(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def plain(text: str) -> str:
    """Markdown-escaped text as read on screen."""
    return re.sub(r"\\(.)", r"\1", text)


# --- 1. units and signs --------------------------------------------------------------------------

def test_proposal_table_amounts_are_in_mio_kr_with_the_unit_and_sign_in_the_header(at):
    rows = table(at)
    tv01, bu01 = rows["TV01"], rows["BU01"]
    # TV01 invests 27.050 (1.000 kr.) and saves 19.450 a year in 2024: shown as 27,05 and -19,45 mio. kr.
    assert tv01["Investering (mio. kr.)"] == "27,05"
    assert tv01["Varig effekt/år (mio. kr.; besparelse negativ)"] == "-19,45"
    assert bu01["Investering (mio. kr.)"] == "1,80" and bu01["Varig effekt/år (mio. kr.; besparelse negativ)"] == "-1,00"
    assert "Investering" not in rows["TV01"] and "Varig effekt/år" not in rows["TV01"]
    assert any("i mio. kr., 2020 p/l; besparelser er negative" in c.value for c in at.caption)


def test_udvalg_and_economy_tables_are_in_mio_kr_and_reconcile(at):
    m = metrics(at)
    at.radio(key="view").set_value("Måltal pr. udvalg").run()
    assert any("**Måltalseffekt (service) pr. udvalg**, mio. kr., 2020 p/l" in t for t in markdowns(at))
    maal = frames(at, "Udvalg")[0]
    total = maal[maal["Udvalg"] == "I alt"]
    assert re.fullmatch(r"-?[\d.]+,\d\d", total["I alt"].iloc[0])  # two decimals
    assert abs(num(total["2024"].iloc[0]) - num(m[ANNUAL])) <= 0.06
    rec = next(c.value for c in at.caption if c.value.startswith("Afstemning"))
    assert re.search(r"= -\d+,\d\d mio\. kr\., som er porteføljens varige ændring over horisonten \(-\d+,\d\d mio\. kr\.",
                     rec), rec
    at.radio(key="view").set_value("Økonomi pr. år").run()
    assert any("**Økonomi pr. år**, mio. kr., 2020 p/l; besparelser er negative" in t for t in markdowns(at))
    eco = frames(at, "Post")[0]
    net_row = eco[eco["Post"] == "Nettoeffekt"].iloc[0]
    assert abs(sum(num(net_row[str(y)]) for y in range(2019, 2025)) - num(m[NET])) <= 0.06
    assert any("(besparelse negativ)" in p for p in eco["Post"])
    cum = eco[eco["Post"] == "Akkumuleret nettoeffekt"].iloc[0]
    assert abs(num(cum["2024"]) - num(m[NET])) <= 0.06


def test_tabel1_and_register_show_the_documents_exact_thousands_in_mio_kr(at):
    at.radio(key="view").set_value("Forslagsvisning").run()
    at.selectbox(key="proposal_view").set_value("BU01").run()
    assert any("mio. kr., 2020 p/l" in t and "Tre decimaler" in t for t in markdowns(at))
    t1 = frames(at, "Styringsområde")[0]
    net = t1[t1["Post"] == "Samlet økonomisk påvirkning"].iloc[0]
    assert [net[str(y)] for y in range(2019, 2025)] == ["0,300", "-0,100", "-0,400", "-1,000", "-1,000", "-1,000"]
    at.radio(key="view").set_value("Afvigelser").run()
    assert any("mio. kr. med tre decimaler" in c.value for c in at.caption)
    reg = frames(at, "Angivet")[0]
    bu05 = reg[(reg["Forslag"] == "BU05") & (reg["Række"] == "Istandsættelse")].iloc[0]
    assert (bu05["Angivet"], bu05["Beregnet af rækkerne"], bu05["Forskel"]) == ("1,550", "1,540", "0,010")
    payback = reg[reg["Type"] == "tilbagebetalingstid"]
    assert len(payback) and all(v.endswith("år") or v.startswith("ikke") for v in payback["Angivet"])


# --- 2. repairs of an infeasible scenario ----------------------------------------------------------

def _infeasible(at: AppTest) -> AppTest:
    set_pool(at, "5")
    for key in ("TV01", "TV02", "TV03"):
        force(at, key)
    return at


def test_repairs_are_listed_with_portfolio_and_objective_and_only_the_causes_are_highlighted(at):
    _infeasible(at)
    assert any("Ingen portefølje opfylder alle regler" in e.value for e in at.error)
    texts = [plain(t) for t in markdowns(at)]
    reps = [t for t in texts if re.match(r"\d\. \*\*", t)]
    assert len(reps) == 3, texts
    assert re.match(r"1\. \*\*Hæv puljen i alt fra 5(,0)? mio\. kr\. til 36,3 mio\. kr\.\*\*", reps[0]), reps[0]
    assert "-134,4 mio. kr. (besparelse negativ)" in reps[0] and "portefølje med 3 forslag: TV01" in reps[0]
    assert any(r.startswith("2. **Frigiv TV01 og TV03") and "-76,5 mio. kr." in r and "UD03" in r for r in reps)
    assert any(r.startswith("3. **Frigiv TV01 og TV02") and "-6,0 mio. kr." in r for r in reps)
    assert [b.label for b in at.button if b.key and b.key.startswith("repair_")] == ["Brug denne løsning"] * 3
    rows = table(at)
    culprits = sorted(k for k, r in rows.items() if r["Status"] == "Årsag til konflikten")
    assert culprits == ["TV01", "TV02", "TV03"]
    assert all(r["Status"] == "Ikke berørt af konflikten" for k, r in rows.items() if k not in culprits)
    # exactly three rows are drawn red (the Styler's CSS that the browser receives)
    styles = editor(at).proto.arrow_data.styler.styles
    red_rows = {row for sel, css in re.findall(r"([^{}]+)\{([^}]*)\}", styles) if "#fbe3e3" in css
                for row in re.findall(r"_row(\d+)_col", sel)}
    assert len(red_rows) == 3, styles[:500]


def test_pressing_a_repair_gives_an_optimal_portfolio_and_the_choices_follow(at):
    _infeasible(at)
    at.button(key="repair_2").click().run()  # "Frigiv TV01 og TV03"
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Ingen portefølje" in e.value for e in at.error)
    rows = table(at)
    assert rows["TV02"]["Valg"] == "Med" and rows["TV01"]["Valg"] == "Optimér" and rows["TV03"]["Valg"] == "Optimér"
    assert rows["TV02"]["Status"] == "Tvunget med" and rows["UD03"]["Status"] == "Valgt af optimeringen"
    assert metrics(at)[COUNT] == "2 af 22" and metrics(at)[NET] == "-76,5"
    assert at.session_state["last_scenario"].force_in == ("TV02",)
    # the pool repair puts the least sufficient pool into the sidebar
    at2 = _infeasible(fresh())
    at2.button(key="repair_1").click().run()
    assert at2.text_input(key="pool_text").value == "36,3"
    assert metrics(at2)[POOL] == "36,3 / 36,3" and metrics(at2)[COUNT] == "3 af 22"


# --- 3. the recommended portfolio above every view ----------------------------------------------

def test_the_recommended_portfolio_is_one_line_above_every_view(at):
    selected = [k for k, _ in at.session_state["last_ok"][1].selected]
    m = metrics(at)
    for view in VIEWS:
        at.radio(key="view").set_value(view).run()
        assert not at.exception, (view, [e.value for e in at.exception])
        line = next((plain(t) for t in markdowns(at) if t.startswith("**Anbefalet portefølje**")), None)
        assert line is not None, view
        assert f"{len(selected)} forslag" in line and f"nettoeffekt 2019-2024 {m[NET]} mio. kr." in line
        assert "investering fra puljen 20,0 mio. kr. af 20,0 mio. kr." in line
        assert all(f"{k} " in line for k in selected)
        assert "BU05 Samling af børnefamilieenhederne BBU Bispebjerg …" in line  # short title
        assert "TV01" not in line


# --- 4. what the last change did ----------------------------------------------------------------

def test_after_a_change_the_page_says_what_entered_and_left_and_every_key_figure_its_change(at):
    before = set(k for k, _ in at.session_state["last_ok"][1].selected)
    assert not any(c.value.startswith("Seneste ændring") for c in at.caption)
    force(at, "BU02")
    after = set(k for k, _ in at.session_state["last_ok"][1].selected)
    entered, left = sorted(after - before), sorted(before - after)
    assert entered == ["BU02"] and left
    line = plain(next(c.value for c in at.caption if c.value.startswith("Seneste ændring")))
    assert line == f"Seneste ændring: Ind: BU02 · Ud: {', '.join(k for k in before if k in left)}" or (
        line.startswith("Seneste ændring: Ind: BU02 · Ud: ") and sorted(line.split("Ud: ")[1].split(", ")) == left)
    deltas = {m.label.replace("\xad", ""): m.delta for m in at.metric}
    assert all(deltas.values()), deltas
    assert deltas[NET].endswith(" mio. kr.") and deltas[NET].startswith("+")
    assert deltas[ANNUAL].endswith(" mio. kr.")
    assert " mio. kr. (" in deltas[POOL] and deltas[POOL].endswith("% brugt)")
    assert deltas[COUNT].endswith(" forslag")
    assert deltas["Tilbagebetalingstid"].endswith("år")
    assert re.fullmatch(r"(lav|middel|høj) [+-]\d+( · (lav|middel|høj) [+-]\d+)*|±0 forslag",
                        deltas["Risiko: lav · middel · høj"])


# --- 5. undo, redo, reset -----------------------------------------------------------------------

def test_undo_redo_and_reset_all_choices(at):
    m0 = metrics(at)
    assert at.button(key="undo").disabled and at.button(key="redo").disabled
    assert at.button(key="reset_choices").disabled
    set_pool(at, "30")
    m1 = metrics(at)
    force(at, "BU02")
    m2 = metrics(at)
    assert m1[POOL].endswith("/ 30,0") and m2[NET] != m1[NET]
    at.button(key="undo").click().run()
    assert metrics(at) == m1 and table(at)["BU02"]["Valg"] == "Optimér"
    assert at.text_input(key="pool_text").value == "30,0"
    at.button(key="undo").click().run()
    assert metrics(at) == m0 and at.text_input(key="pool_text").value == "20,0"
    assert at.button(key="undo").disabled and not at.button(key="redo").disabled
    at.button(key="redo").click().run()
    at.button(key="redo").click().run()
    assert metrics(at) == m2 and table(at)["BU02"]["Valg"] == "Med" and at.button(key="redo").disabled
    force(at, "BU05", "Ikke med")
    assert table(at)["BU05"]["Valg"] == "Ikke med"
    at.button(key="reset_choices").click().run()
    rows = table(at)
    assert all(r["Valg"] == "Optimér" for r in rows.values())
    assert metrics(at) == m1  # pool 30, no choices
    at.button(key="undo").click().run()
    assert table(at)["BU05"]["Valg"] == "Ikke med" and table(at)["BU02"]["Valg"] == "Med"


def test_the_history_is_bounded():
    from ui.history import MAX_STATES, History

    h = History()
    for i in range(MAX_STATES + 20):
        h.record(f"s{i}")
    assert len(h.states) == MAX_STATES and h.states[-1] == f"s{MAX_STATES + 19}" and h.index == MAX_STATES - 1
    h.index -= 2
    h.record("new")  # a change after undo drops what could be redone
    assert h.states[-1] == "new" and not h.can_redo and len(h.states) == MAX_STATES - 1


def test_a_changed_url_on_a_history_navigation_loads_that_scenario(at, monkeypatch):
    """The browser's Back reruns the script with the earlier entry's URL (and Streamlit's flag
    `is_history_navigation`); the app loads that scenario, choices included."""
    set_pool(at, "30")
    force(at, "BU02")
    assert at.query_params == {"pool": "30000", "in": "BU02"}
    m2 = metrics(at)
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    reset = ScriptRunContext.reset

    def as_history_navigation(self, *args, **kwargs):
        return reset(self, *args, **(kwargs | {"is_history_navigation": True}))

    monkeypatch.setattr(ScriptRunContext, "reset", as_history_navigation)
    at.query_params = {"pool": "30000"}  # the entry before forcing BU02 in
    at.run()
    assert table(at)["BU02"]["Valg"] == "Optimér" and metrics(at) != m2
    assert metrics(at)[POOL].endswith("/ 30,0")
    at.query_params = {}
    at.run()
    assert metrics(at)[POOL].endswith("/ 20,0") and at.text_input(key="pool_text").value == "20,0"


def test_a_changed_url_without_history_navigation_is_not_a_scenario_to_load(at):
    """A rerun whose URL is older than the one the app just wrote (a click that overtook the
    update) keeps what is on screen."""
    set_pool(at, "30")
    at.query_params = {}
    at.run()
    assert metrics(at)[POOL].endswith("/ 30,0")


# --- 7. Danish only -----------------------------------------------------------------------------

def test_solver_and_status_are_named_in_danish(at):
    cap = next(c.value for c in at.caption if c.value.startswith("Optimeret på"))
    assert "med HiGHS (bevist optimalt)" in cap and "HIGHS" not in cap
    at.radio(key="solver").set_value("cbc").run()
    cap = next(c.value for c in at.caption if c.value.startswith("Optimeret på"))
    assert "med CBC (bevist optimalt)" in cap
    _infeasible(at)
    cap = next(c.value for c in at.caption if c.value.startswith("Optimeret på"))
    assert cap.endswith("(ingen løsning).") and "infeasible" not in cap
    codes = {"tvunget_med", "valgt", "fravalgt", "ingen_loesning", "infeasible", "optimal", "highs", "time_limit"}
    shown = " ".join([c.value for c in at.caption] + [e.value for e in at.error] + markdowns(at))
    assert not any(re.search(rf"\b{c}\b", shown) for c in codes)
    assert {r["Status"] for r in table(at).values()} <= {"Årsag til konflikten", "Ikke berørt af konflikten"}
