"""Dashboard: shareable links, what-if view, saved scenarios, export buttons (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portfolio import fmt
from portfolio.scenario import Scenario
from tests.test_app import APP, metrics, table

pytestmark = pytest.mark.usefixtures("own_db")  # a saved-scenario store of its own per test


def run_with(spec: dict | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if spec is not None:
        at.session_state["pending_scenario"] = Scenario.from_json(spec).to_json()
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_url_round_trip():
    spec = {"pool": {"total": 30000, "per_year": {"2019": 9000}}, "force_in": ["BU02"], "force_out": ["TV02"],
            "max_risk": "middel", "variants": {"SI05": "Model 2"}}
    at = run_with(spec)
    want = at.session_state["last_scenario"]
    params = {k: v for k, v in at.query_params.items()}
    assert params, "the page URL must carry the scenario"
    shared = run_with(query={k: (v[0] if isinstance(v, list) else v) for k, v in params.items()})
    assert shared.session_state["last_scenario"].to_json() == want.to_json()
    assert metrics(shared) == metrics(at)
    assert table(shared)["BU02"]["Status"] == "Tvunget med"


def test_tampered_url_falls_back_with_notice():
    at = run_with(query={"pool": "mange", "in": "BU02,XX99", "risk": "ekstrem"})
    warn = " ".join(w.value for w in at.warning)
    assert "Linket indeholdt indstillinger" in warn
    assert not at.error
    assert metrics(at)["Forslag i porteføljen"]


def test_toggle_prices_in_table():
    at = run_with()
    rows = table(at)
    texts = {k: r["Pris for at skifte"] for k, r in rows.items()}
    out = [k for k, r in rows.items() if r["Status"] == "Fravalgt af optimeringen"]
    inside = [k for k, r in rows.items() if r["Status"] == "Valgt af optimeringen"]
    assert all(("at tage med" in texts[k]) or ("Kan" in texts[k]) for k in out)
    assert all(("at tage fra" in texts[k]) or ("Kan" in texts[k]) for k in inside)
    # the product's sign: what a toggle costs is a positive change of the net effect (less saved),
    # each text equal to the independent price computation
    from portfolio.data import load_dataset
    from portfolio.optimiser import optimise
    from portfolio.toggles import toggle_prices
    from ui.whatif import price_text

    ds = load_dataset()
    sc = at.session_state["last_scenario"]
    prices = toggle_prices(ds, sc, optimise(ds, sc))
    assert texts == {k: price_text(prices[k]) for k in texts}
    costly = [k for k in out if prices[k].delta is not None and prices[k].delta < -0.5]
    assert costly and all(texts[k].startswith("+") and texts[k].endswith("mio. kr. at tage med (mindre besparelse)")
                          for k in costly)
    k = costly[0]
    assert texts[k] == f"+{fmt.tal(-prices[k].delta / 1000, 2)} mio. kr. at tage med (mindre besparelse)"


def test_whatif_view_and_simulation():
    at = run_with()
    at.radio(key="view").set_value("Hvad nu hvis").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Puljefront" in s.value for s in at.subheader)
    at.text_input(key="mc_n__text").input("100").run()
    at.button(key="mc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    assert any(lbl.startswith("Lige stor chance for at spare mere og mindre end") for lbl in labels)
    assert "Sandsynlighed for at tjene sig hjem" in labels
    # the core index also becomes a column of the proposal table
    at.radio(key="view").set_value("Forslag").run()
    rows = table(at)
    assert all(r["Kerneindeks"].endswith("%") for r in rows.values())
    chosen = [k for k, r in rows.items() if r["Status"] == "Valgt af optimeringen"]
    assert any(rows[k]["Kerneindeks"] != "0 %" for k in chosen)


def test_adopting_an_alternative_locks_it():
    at = run_with()
    at.radio(key="view").set_value("Hvad nu hvis").run()
    at.text_input(key="alt_tolerance__text").input("10").run()
    buttons = [b for b in at.button if b.key and b.key.startswith("adopt_")]
    assert buttons, "the default scenario has alternatives within 10 %"
    buttons[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="view").value == "Forslag"
    rows = table(at)
    assert any(r["Valg"] in ("Med", "Ikke med") for r in rows.values())


def test_save_open_and_compare_scenarios():
    at = run_with({"pool": {"total": 15000}})
    at.radio(key="view").set_value("Del, gem, eksportér").run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="save_name").input("Stram pulje")
    at.text_input(key="save_note").input("15 mio. kr.")
    at.button[[b.label for b in at.button].index("Gem scenariet")].click().run()
    assert any("Gemt som 'Stram pulje'" in s.value for s in at.success)
    # change the pool, save again, then open the first one
    at.text_input(key="pool_text").input("40").run()
    at.text_input(key="save_name").input("Stor pulje")
    at.button[[b.label for b in at.button].index("Gem scenariet")].click().run()
    pick = at.selectbox(key="saved_pick")
    first = next(o for o in pick.options if "Stram" in o)
    pick.set_value(pick.options.index(first) if isinstance(pick.value, int) else first)
    at.run()
    at.button(key="saved_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 15,0")


def _upload(at: AppTest, files) -> AppTest:
    at.radio(key="view").set_value("Del, gem, eksportér").run()
    at.file_uploader(key="upload_files").set_value(files).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_uploading_the_template_adds_a_selectable_catalogue():
    from portfolio.upload import template_xlsx

    at = _upload(run_with(), ("katalog.xlsx", template_xlsx(),
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    assert "NYT2025" in at.multiselect(key="catalogues").options or any(
        "nyt investeringskatalog" in o for o in at.multiselect(key="catalogues").options)
    at.multiselect(key="catalogues").set_value(["KK2020", "NYT2025"]).run()
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key="view").set_value("Forslag").run()
    assert "NY01" in table(at)
    assert metrics(at)["Forslag i porteføljen"].endswith("af 23")


def test_a_bad_upload_lists_its_errors_in_danish():
    bad = (["catalogues.csv", "proposals.csv", "cashflows.csv"])
    cats = "id,name,budget_round,price_level_year,source_document,note\nX1,Test,B,2020,,\n"
    props = ("key,document_id,title,catalogue,section,presenting_forvaltning,affected_forvaltninger,udvalg,"
             "price_level_year,first_year,last_year,risk,risk_explicit,risk_reason,pool_applied,"
             "stated_payback_service_years,stated_payback_total_years,variants,description\n"
             "BU01,,Kopi,X1,,,,Socialudvalget,2020,2019,2024,lav,ja,,,,,,\n")
    flows = ("proposal_key,line_id,variant,block,label,styringsomraade,styringsomraade_kilde,udvalg,"
             "bevilling_udvalg,year,amount,note\nBU01,V1,,varig,x,Drift,dokument,Socialudvalget,,2020,abc,\n")
    files = [(n, c.encode(), "text/csv") for n, c in zip(bad, (cats, props, flows), strict=True)]
    at = _upload(run_with(), files)
    errs = " ".join(e.value for e in at.error)
    assert "fejl" in errs
    frames = [d.value for d in at.dataframe if d.value is not None and "Fejl" in d.value.columns]
    assert frames, "the errors are listed per row and column"
    text = " ".join(frames[0]["Fejl"].astype(str))
    assert "BU01" in text
    assert set(frames[0]["Fil"]) >= {"proposals.csv"}
    assert "upload" not in at.session_state  # nothing was loaded; the built-in data are untouched
    assert metrics(at)["Forslag i porteføljen"].endswith("af 22")


def test_a_saved_scenario_with_a_vanished_proposal_opens_with_a_warning():
    from portfolio.storage import ScenarioStore

    ScenarioStore().save("Gammelt forslag", "fra sidste år", Scenario.from_json(
        {"pool": {"total": 15000}, "force_in": ["XX99", "BU09"]}))
    at = run_with()
    at.radio(key="view").set_value("Del, gem, eksportér").run()
    at.button(key="saved_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    warn = " ".join(w.value for w in at.warning)
    assert "Gammelt forslag" in warn and "XX99" in warn
    assert table(at)["BU09"]["Status"] == "Tvunget med"
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 15,0")


def test_an_unexpected_error_shows_danish_words_not_a_traceback():
    at = run_with()
    at.session_state["kf_hist"] = "ødelagt"  # breaks the script on purpose
    at.run()
    assert not at.exception
    assert any("Der opstod en uventet fejl" in e.value for e in at.error)


def _saved_two() -> AppTest:
    at = run_with({"pool": {"total": 15000}})
    at.radio(key="view").set_value("Del, gem, eksportér").run()
    for name, note, pool in (("Stram pulje", "15 mio. kr.", None), ("Stor pulje", "40 mio. kr.", "40")):
        if pool:
            at.text_input(key="pool_text").input(pool).run()
        at.text_input(key="save_name").input(name)
        at.text_input(key="save_note").input(note)
        at.button[[b.label for b in at.button].index("Gem scenariet")].click().run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def _names(at: AppTest) -> list[str]:
    return sorted(r["Navn"] for r in at.dataframe[0].value.to_dict("records")) if at.dataframe else []


def test_compare_never_shows_a_against_a_and_lists_the_settings_that_differ():
    at = _saved_two()
    a, b = at.selectbox(key="cmp_a").value, at.selectbox(key="cmp_b").value
    assert a != b  # right after the second save, B is the other scenario
    frames = [d.value for d in at.dataframe]
    diff = next(f for f in frames if list(f.columns) == ["Indstilling", "A", "B"])
    row = diff[diff["Indstilling"] == "Investeringspulje i alt"].iloc[0]
    assert {row["A"], row["B"]} == {"15,0 mio. kr.", "40,0 mio. kr."}  # the unit people read: mio. kr.
    assert len(diff) == 1  # the pool is the only difference


def test_delete_asks_first_acts_on_the_id_seen_and_can_be_undone():
    from portfolio.storage import ScenarioStore

    at = _saved_two()
    store = ScenarioStore()

    def pick(name: str) -> int:
        sid = next(s.id for s in store.list() if s.name == name)
        at.session_state["saved_pick"] = sid
        at.run()
        assert at.selectbox(key="saved_pick").value == sid
        return sid

    seen = pick("Stram pulje")
    at.button(key="saved_delete").click().run()
    assert any("Slet det gemte scenarie 'Stram pulje'" in w.value for w in at.warning)
    assert sorted(s.name for s in store.list()) == ["Stor pulje", "Stram pulje"]  # nothing deleted yet
    at.button(key="delete_no").click().run()
    assert sorted(s.name for s in store.list()) == ["Stor pulje", "Stram pulje"]
    at.button(key="saved_delete").click().run()
    at.button(key="delete_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.name for s in store.list()] == ["Stor pulje"]
    assert any("er slettet" in i.value for i in at.info)
    at.button(key="delete_undo").click().run()
    back = {s.name: s for s in store.list()}
    assert set(back) == {"Stor pulje", "Stram pulje"} and back["Stram pulje"].note == "15 mio. kr."
    assert back["Stram pulje"].id != seen  # saved again under a new id; the old id stays unused
    # another user deletes the scenario this user is looking at: the confirmed delete is refused
    pick("Stram pulje")
    at.button(key="saved_delete").click().run()
    store.delete(back["Stram pulje"].id)
    at.button(key="delete_yes").click().run()
    assert not at.exception
    assert [s.name for s in store.list()] == ["Stor pulje"]  # the other scenario is untouched
    assert any("intet gemt scenarie" in e.value for e in at.error)
    store.close()


def test_the_default_page_is_the_dashboard_default_scenario_and_has_a_bare_address():
    from ui.sidebar import DEFAULT_SCENARIO

    at = run_with()
    assert at.session_state["last_scenario"] == DEFAULT_SCENARIO
    assert dict(at.query_params) == {}


def test_a_link_with_the_pool_switched_off_shows_every_proposal():
    at = run_with()
    at.toggle(key="use_pool").set_value(False).run()
    assert metrics(at)["Forslag i porteføljen"] == "22 af 22"
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params.get("pool") == "none"  # not a bare address: the recipient starts with a 20 mio. kr. pool
    shared = run_with(query=params)
    assert shared.session_state["last_scenario"].pool is None
    assert metrics(shared) == metrics(at)


def test_a_bad_pool_in_a_link_uses_the_default_it_names():
    at = run_with(query={"pool": "tyve"})
    assert any("'pool'" in w.value and "standardværdien bruges" in w.value for w in at.warning)
    assert at.session_state["last_scenario"].pool.total == 20000  # the dashboard's default, as said
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 20,0")
