"""The dashboard through streamlit.testing (AppTest): real script runs, real widgets."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from portfolio import fmt

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def num(text: str) -> float:
    """Parse a Danish number ('-1.300', '-185,0')."""
    return float(text.replace(".", "").replace(",", ".").replace("\u2212", "-"))


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label.replace("\xad", ""): m.value for m in at.metric}


def editor(at: AppTest):
    eds = [d for d in at.dataframe if d.key and d.key.startswith("proposals_editor_")]
    assert len(eds) == 1
    return eds[0]


def table(at: AppTest) -> dict[str, dict]:
    df = editor(at).value
    return {r["Nøgle"]: r for r in df.to_dict("records")}


def fresh() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def at() -> AppTest:
    return fresh()


def test_default_page_renders(at):
    m = metrics(at)
    assert set(m) == {"Nettoeffekt 2019-2024, mio. kr.", "Varig effekt 2024, mio. kr. (besparelse negativ)",
                      "Brugt / pulje, mio. kr.",
                      "Forslag i porteføljen", "Tilbagebetalingstid", "Risiko: lav · middel · høj"}
    assert m["Brugt / pulje, mio. kr."].endswith("/ 20,0")
    assert m["Forslag i porteføljen"].endswith("af 22")
    assert not at.error
    rows = table(at)
    assert len(rows) == 22
    assert all(r["Valg"] == "Optimér" for r in rows.values())
    assert rows["SI05"]["Variant"] == "(optimér)" and rows["BU01"]["Variant"] == "–"
    assert {r["Status"] for r in rows.values()} <= {"Valgt af optimeringen", "Fravalgt af optimeringen",
                                                   "Anden variant valgt", "Større end puljen"}
    assert rows["TV01"]["Status"] == "Større end puljen"  # 27.050 can never fit the default 20 mio. kr.
    assert rows["TV01"]["Begrundelse"].startswith("Kan ikke komme med")


def _choose_in_table(at: AppTest, key: str, value: str) -> AppTest:
    ed = editor(at)
    idx = list(ed.value["Nøgle"]).index(key)
    at.session_state[ed.key] = {"edited_rows": {idx: {"Valg": value}}, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_forcing_in_changes_selection_and_key_figures(at):
    before = metrics(at)
    rows = table(at)
    out = next(k for k, r in rows.items() if r["Status"] == "Fravalgt af optimeringen")
    at = _choose_in_table(at, out, "Med")
    assert not at.exception
    after = metrics(at)
    rows2 = table(at)
    assert rows2[out]["Status"] == "Tvunget med"
    assert rows2[out]["Valg"] == "Med"
    assert after["Nettoeffekt 2019-2024, mio. kr."] != before["Nettoeffekt 2019-2024, mio. kr."]
    # the negotiator sees what the toggle costs: the net effect can only get worse (less negative)
    assert num(after["Nettoeffekt 2019-2024, mio. kr."]) >= num(before["Nettoeffekt 2019-2024, mio. kr."])
    chosen = {k for k, r in rows2.items() if r["Status"] in ("Valgt af optimeringen", "Tvunget med")}
    assert out in chosen


def test_forcing_out_does_the_reverse(at):
    before = metrics(at)
    rows = table(at)
    inside = next(k for k, r in rows.items() if r["Status"] == "Valgt af optimeringen")
    at = _choose_in_table(at, inside, "Ikke med")
    rows2 = table(at)
    assert rows2[inside]["Status"] == "Tvunget fra"
    assert num(metrics(at)["Nettoeffekt 2019-2024, mio. kr."]) >= num(before["Nettoeffekt 2019-2024, mio. kr."])


def test_quick_toggle_forces_in(at):
    at.selectbox(key="quick_key").set_value("BU02").run()
    at.radio(key="quick_choice").set_value("Med").run()
    assert not at.exception
    assert table(at)["BU02"]["Status"] == "Tvunget med"
    assert table(at)["BU02"]["Valg"] == "Med"


def test_pool_too_small_for_forced_set_shows_explanation(at):
    at.selectbox(key="quick_key").set_value("TV01").run()
    at.radio(key="quick_choice").set_value("Med").run()
    at.text_input(key="pool_text").input("10").run()
    assert not at.exception
    errs = " ".join(e.value for e in at.error)
    assert "Ingen portefølje opfylder alle regler" in errs
    assert "TV01" in errs
    # the amounts in the unit people read, mio. kr.
    assert "27,05 mio. kr." in errs and "10,0 mio. kr." in errs
    # the last valid portfolio stays on screen
    assert metrics(at)["Forslag i porteføljen"]


def test_changing_the_pool_changes_the_result(at):
    before = metrics(at)
    at.text_input(key="pool_text").input("40").run()
    after = metrics(at)
    assert after["Brugt / pulje, mio. kr."].endswith("/ 40,0")
    assert num(after["Nettoeffekt 2019-2024, mio. kr."]) < num(before["Nettoeffekt 2019-2024, mio. kr."])
    at.select_slider(key="pool_slider").set_value(5.0).run()
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 5,0")
    assert at.text_input(key="pool_text").value == "5,0"


def test_bad_pool_text_gets_a_danish_message(at):
    at.text_input(key="pool_text").input("tyve").run()
    assert not at.exception
    assert any("er ikke et beløb" in e.value for e in at.error)
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 20,0")  # nothing lost


def test_udvalg_table_reconciles_with_key_figures(at):
    m = metrics(at)
    at.radio(key="view").set_value("Måltal pr. udvalg").run()
    frames = [d.value for d in at.dataframe if d.value is not None and "Udvalg" in d.value.columns]
    maal, inv = frames[0], next(f for f in frames[1:] if len(f) == 2)
    maal_total = num(maal[maal["Udvalg"] == "I alt"]["I alt"].iloc[0])
    inv_total = num(inv[inv["Udvalg"] == "I alt"]["I alt"].iloc[0])
    # the tables are in mio. kr. (2 decimals), like the key figures (1 decimal)
    assert abs((maal_total + inv_total) - num(m["Nettoeffekt 2019-2024, mio. kr."])) <= 0.06
    maal_2024 = num(maal[maal["Udvalg"] == "I alt"]["2024"].iloc[0])
    assert abs(maal_2024 - num(m["Varig effekt 2024, mio. kr. (besparelse negativ)"])) <= 0.06
    assert abs(inv_total - num(m["Brugt / pulje, mio. kr."].split("/")[0])) <= 0.06


def test_older_cases_can_be_added(at):
    at.multiselect(key="catalogues").set_value(["KK2020", "BC2017", "BC2018"]).run()
    assert not at.exception
    rows = table(at)
    assert len(rows) == 24 and "BC17-FIT" in rows and "BC18-FAM" in rows
    assert at.radio(key="alignment").value == "forskudt"


def test_risk_rule_excludes_and_says_why(at):
    at.selectbox(key="max_risk").set_value("lav").run()
    rows = table(at)
    assert rows["BU01"]["Status"] == "Udelukket af risikoreglen"
    assert metrics(at)["Risiko: lav · middel · høj"].split(" · ")[1:] == ["0", "0"]


ROUND_TRIP = [
    {"pool": {"total": 12345.678, "per_year": {"2019": 3500, "2021": 4250.5}}, "max_risky_share": 0.333,
     "risk_haircut": {"lav": 0.05, "middel": 0.25, "høj": 0.5}, "force_in": ["BU09"], "force_out": ["TV01"],
     "variants": {"SI05": "Model 2"}, "max_payback_years": 4, "max_risk": "middel", "solver": "cbc",
     "time_limit": 5.0, "price_index": {"2019": 98.5}},
    {"catalogues": ["KK2020", "BC2017", "BC2018"], "alignment": "kalender", "extend_permanent": False,
     "objective": "npv", "discount_rate": 0.05, "npv_extra_years": 10, "horizon": [2019, 2026], "base_year": 2021,
     "pool": {"total": None, "per_year": {"2019": 8000}}, "pool_covers": ["Service"], "dependencies": False},
    {"pool": None, "objective": "annual"},
]


@pytest.mark.parametrize("spec", ROUND_TRIP)
def test_a_scenario_put_into_the_widgets_comes_back_unchanged(spec):
    from portfolio.scenario import Scenario

    want = Scenario.from_json(spec)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["pending_scenario"] = want.to_json()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    got = at.session_state["last_scenario"]
    assert got.to_json() == want.to_json()
    at.run()  # and it stays so on the next rerun
    assert at.session_state["last_scenario"].to_json() == want.to_json()


@pytest.mark.parametrize("objective", ["net", "permanent", "annual", "npv"])
def test_the_objective_value_is_shown_for_every_objective(objective):
    from portfolio.data import load_dataset
    from portfolio.optimiser import optimise
    from portfolio.scenario import OBJECTIVE_LABELS, Scenario

    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.radio(key="objective").set_value(objective).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.session_state["last_scenario"]
    assert shown.objective == objective
    res = optimise(load_dataset(), Scenario.from_json(shown.to_json()))
    want = f"{OBJECTIVE_LABELS[objective].lower()} = {fmt.tal(-res.objective / 1000, 1)} mio. kr."
    assert any(want in c.value for c in at.caption), [c.value for c in at.caption][:3]
