"""The settings sidebar's numbers and units through the real page (AppTest), issue 10 points 1, 2 and 4.

* Point 1: every number typed in the sidebar is read in Danish format ("3,5", "1.300", "1.300,5") and
  shown so ("3,5", "50", never "3.50"); "3.5" is refused with a Danish message, the value stays, and
  the page says it shows the last valid settings.
* Point 2: the pool is typed in mio. kr.; "1.300" is 1.300 mio. kr. and draws a warning naming all
  proposals' investments together; the only hard limit is the core's `pool_limit`, named in the
  refusal; the objective's names are the core's `OBJECTIVE_LABELS`.
* Point 4: a scenario put into the widgets (as a link, a saved scenario or an alternative does) comes
  back unchanged, and the widgets show it in Danish.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portfolio.data import load_dataset
from portfolio.scenario import OBJECTIVE_LABELS, Scenario, pool_limit
from portfolio.urlstate import from_query, to_query
from tests.test_app import APP, metrics
from ui.numbers import TEXT
from ui.sidebar import DEFAULT_SCENARIO

LAST_VALID = "Viser resultatet for de sidst gyldige indstillinger."
DANISH_FORMAT = "er ikke et tal i dansk format: brug komma som decimaltegn (fx 3,5)"
INDEX_YEARS = [str(y) for y in range(2015, 2031)]


def run(at: AppTest | None = None) -> AppTest:
    at = (at if at is not None else AppTest.from_file(APP, default_timeout=90)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def at() -> AppTest:
    return run()


def shown(at: AppTest) -> Scenario:
    """The scenario the page shows (the last valid one)."""
    return at.session_state["last_scenario"]


def field(at: AppTest, key: str):
    return at.text_input(key=key + TEXT)


def plain(texts) -> list[str]:
    """Texts with Streamlit's Markdown escapes removed (ui.text.md escapes ':', '(', '.')."""
    return [str(t.value).replace("\\", "").replace("\u2060", "") for t in texts]


def linked(at: AppTest) -> Scenario:
    """The scenario a recipient of the page's share link sees (the link is the page's query)."""
    query = {k: at.query_params[k] for k in at.query_params}
    s, notices = from_query(query, load_dataset(), defaults=DEFAULT_SCENARIO)
    assert notices == []
    return s


def editor(at: AppTest, prefix: str):
    eds = [d for d in at.dataframe if d.key and d.key.startswith(prefix)]
    assert len(eds) == 1, [d.key for d in at.dataframe]
    return eds[0]


def edit(at: AppTest, prefix: str, row: int, column: str, value: str) -> AppTest:
    ed = editor(at, prefix)
    at.session_state[ed.key] = {"edited_rows": {row: {column: value}}, "added_rows": [], "deleted_rows": []}
    return run(at)


# --- point 1: Danish numbers -----------------------------------------------------------------------


def test_the_fields_show_danish_numbers():
    at = run()
    texts = {t.key: t.value for t in at.sidebar.text_input}
    assert texts == {"discount__text": "3,5", "npv_extra__text": "0", "pool_text": "20,0",
                     "risky_share__text": "50", "haircut_lav__text": "0", "haircut_middel__text": "0",
                     "haircut_hoej__text": "0", "max_payback__text": "0", "time_limit__text": "10",
                     "mip_gap__text": "0"}
    assert not at.sidebar.number_input  # every typed number is a Danish text field
    index = editor(at, "price_index_editor_").value
    assert list(index["Indeks"])[INDEX_YEARS.index("2018")] == "97,642614"  # Danish, not 97.642614
    assert all("." not in v for v in index["Indeks"])


def test_a_danish_decimal_comma_in_the_discount_rate(at):
    at.radio(key="objective").set_value("npv").run()
    field(at, "discount").input("4,25").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert shown(at).discount_rate == 0.0425  # 4,25 %, not 425 % or 42,5 %
    assert field(at, "discount").value == "4,25"
    assert at.query_params["rate"] == "0.0425" and linked(at).discount_rate == 0.0425  # and in the share link
    field(at, "discount").input("3,5").run()
    assert shown(at).discount_rate == 0.035 and field(at, "discount").value == "3,5"


def test_an_english_decimal_point_is_refused_and_the_last_valid_settings_stay(at):
    at.radio(key="objective").set_value("npv").run()
    field(at, "discount").input("4,25").run()
    before = metrics(at)
    field(at, "discount").input("3.5").run()
    errors = plain(at.sidebar.error)
    assert errors == [f"Diskonteringsrente (%): '3.5' {DANISH_FORMAT} og punktum mellem tusinder (fx 1.300)."]
    assert any("Indstillingerne kan ikke bruges" in e for e in plain(at.main.error))
    assert LAST_VALID in plain(at.caption)
    assert shown(at).discount_rate == 0.0425  # not 0.035, not 0.35
    assert field(at, "discount").value == "3.5"  # the text stays as typed, to be corrected
    assert metrics(at) == before
    field(at, "discount").input("3,5").run()  # corrected: the error goes, the value is used
    assert not at.error and LAST_VALID not in plain(at.caption)
    assert shown(at).discount_rate == 0.035


@pytest.mark.parametrize("key,text,check,setup", [
    ("npv_extra", "5", lambda s: s.npv_extra_years == 5, {"objective": "npv"}),
    ("risky_share", "33,3", lambda s: s.max_risky_share == 0.333, {"use_share": True}),
    ("haircut_middel", "12,5", lambda s: s.risk_haircut.middel == 0.125, {}),
    ("max_payback", "4", lambda s: s.max_payback_years == 4, {}),
    ("time_limit", "2,5", lambda s: s.time_limit == 2.5, {}),
])
def test_every_number_field_reads_danish(key, text, check, setup):
    at = run()
    if "objective" in setup:
        at.radio(key="objective").set_value(setup["objective"]).run()
    if setup.get("use_share"):
        at.checkbox(key="use_share").check().run()
    field(at, key).input(text).run()
    assert not at.error, [e.value for e in at.error]
    assert check(shown(at)), shown(at)
    assert field(at, key).value == text
    assert check(linked(at))


@pytest.mark.parametrize("key,text,said", [
    ("max_payback", "2,5", "Maksimal tilbagebetalingstid (år, 0 = ingen grænse): '2,5' skal være et helt tal, fx 3."),
    ("time_limit", "1.5", f"Tidsgrænse for optimeringen (sekunder): '1.5' {DANISH_FORMAT}"),
    ("haircut_lav", "150", "Fradrag ved lav risiko (%): 150 er uden for det tilladte: mellem 0 og 100."),
    ("max_payback", "tre", "Maksimal tilbagebetalingstid (år, 0 = ingen grænse): 'tre' er ikke et tal."),
])
def test_a_bad_number_is_refused_in_danish(at, key, text, said):
    field(at, key).input(text).run()
    errors = plain(at.sidebar.error)
    assert len(errors) == 1 and errors[0].startswith(said), errors
    assert LAST_VALID in plain(at.caption)
    assert shown(at) == DEFAULT_SCENARIO  # nothing changed


# --- point 2: the pool in mio. kr., one limit --------------------------------------------------------


def test_a_pool_with_thousands_separator_is_1300_mio_and_draws_a_warning(at):
    field_ = at.text_input(key="pool_text")
    field_.input("1.300").run()
    assert not at.error, [e.value for e in at.error]
    assert shown(at).pool.total == 1_300_000  # 1.300 mio. kr. in 1.000 kr., not 1,3 mio. kr.
    assert at.text_input(key="pool_text").value == "1.300,0"
    assert metrics(at)["Brugt / pulje, mio. kr."].endswith("/ 1.300,0")
    warnings = plain(at.sidebar.warning)
    assert ("Puljen på 1.300 mio. kr. er større end alle forslagenes investeringer tilsammen (72,1 mio. kr.), "
            "så den kan aldrig bruges op. Er beløbet skrevet i mio. kr.?") in warnings, warnings
    from portfolio.scenario import all_investments

    assert all_investments(load_dataset(), Scenario()) == 72_145  # the 72,1 mio. kr. the warning names
    at.text_input(key="pool_text").input("72").run()  # within all investments: no warning
    assert shown(at).pool.total == 72_000 and not at.sidebar.warning


def test_an_english_decimal_point_or_a_negative_pool_is_refused(at):
    at.text_input(key="pool_text").input("12,5").run()
    assert shown(at).pool.total == 12_500
    at.text_input(key="pool_text").input("3.5").run()
    errors = plain(at.sidebar.error)
    assert errors == [f"Puljen i alt er ikke et beløb: '3.5' {DANISH_FORMAT} og punktum mellem tusinder "
                      "(fx 1.300)."], errors
    assert shown(at).pool.total == 12_500 and LAST_VALID in plain(at.caption)
    at.text_input(key="pool_text").input("-5").run()
    errors = plain(at.sidebar.error)
    assert errors == ["Puljen i alt kan ikke være negativ (-5 mio. kr.): skriv 0 eller et positivt beløb i mio. kr."]
    assert shown(at).pool.total == 12_500


def test_a_pool_over_the_core_limit_is_refused_naming_the_limit(at):
    assert pool_limit(load_dataset(), Scenario()) == 7_214_500
    at.text_input(key="pool_text").input("7.214,5").run()  # at the limit: allowed, with the warning
    assert shown(at).pool.total == 7_214_500 and not at.sidebar.error
    at.text_input(key="pool_text").input("7.214,6").run()
    errors = plain(at.sidebar.error)
    assert errors == ["Puljen på 7.214,6 mio. kr. er for stor. Puljen må højst være 7.214,5 mio. kr., dvs. 100 "
                      "gange alle forslagenes investeringer i de valgte kataloger tilsammen (72,1 mio. kr.)."]
    assert shown(at).pool.total == 7_214_500


def test_the_limit_follows_the_catalogues(at):
    at.multiselect(key="catalogues").set_value(["KK2020", "BC2017", "BC2018"]).run()
    at.text_input(key="pool_text").input("8.000").run()
    errors = plain(at.sidebar.error)
    assert len(errors) == 1 and "Puljen må højst være 7.586,7 mio. kr." in errors[0], errors
    assert "(75,9 mio. kr.)" in errors[0]


def test_per_year_pools_are_read_in_danish_mio_kr(at):
    at = edit(at, "pool_years_", 0, "Pulje (mio. kr.)", "2,5")
    assert shown(at).pool.per_year == {2019: 2500}
    at = edit(at, "pool_years_", 0, "Pulje (mio. kr.)", "1.300")
    assert shown(at).pool.per_year == {2019: 1_300_000}
    assert ("Puljen for 2019 på 1.300 mio. kr. er større end alle forslagenes investeringer tilsammen "
            "(72,1 mio. kr.), så den kan aldrig bruges op. Er beløbet skrevet i mio. kr.?") in plain(at.sidebar.warning)
    at = edit(at, "pool_years_", 0, "Pulje (mio. kr.)", "2.5")
    assert f"- Puljen for 2019 er ikke et beløb: '2.5' {DANISH_FORMAT}" in " ".join(plain(at.error)), plain(at.error)
    assert shown(at).pool.per_year == {2019: 1_300_000} and LAST_VALID in plain(at.caption)
    at = edit(at, "pool_years_", 0, "Pulje (mio. kr.)", "-1")
    assert "- Puljen for 2019 kan ikke være negativ (-1 mio. kr.)" in " ".join(plain(at.error)), plain(at.error)
    at = edit(at, "pool_years_", 0, "Pulje (mio. kr.)", "9.000")
    assert ("- Puljen for 2019 på 9.000 mio. kr. er for stor. Puljen må højst være 7.214,5 mio. kr."
            in " ".join(plain(at.error))), plain(at.error)


def test_the_price_index_accepts_a_danish_decimal_comma(at):
    row = INDEX_YEARS.index("2021")
    at = edit(at, "price_index_editor_", row, "Indeks", "101,5")
    assert not at.error, [e.value for e in at.error]
    assert shown(at).price_index == {2021: 101.5}
    assert linked(at).price_index == {2021: 101.5}
    at = edit(at, "price_index_editor_", row, "Indeks", "101.5")
    assert f"- Indekset for 2021: '101.5' {DANISH_FORMAT}" in " ".join(plain(at.error)), plain(at.error)
    assert shown(at).price_index == {2021: 101.5} and LAST_VALID in plain(at.caption)
    at = edit(at, "price_index_editor_", row, "Indeks", "0")
    assert "- Indekset for 2021 skal være et tal over 0 (ikke 0)." in " ".join(plain(at.error)), plain(at.error)


def test_the_objective_uses_the_core_names_and_amount_labels_carry_their_unit(at):
    radio = at.radio(key="objective")
    assert radio.options == [OBJECTIVE_LABELS[k] for k in ("net", "permanent", "annual", "npv", "min_pool")]
    labels = [w.label for w in (*at.sidebar.text_input, *at.sidebar.select_slider)]
    assert "Pulje i alt (mio. kr.)" in labels and "Præcist beløb (mio. kr.)" in labels
    assert list(editor(at, "pool_years_").value.columns) == ["År", "Pulje (mio. kr.)"]


# --- point 4: the sidebar reproduces a scenario ----------------------------------------------------

SCENARIOS = {
    "pool off": ({"pool": None}, {}),
    "12,5 mio. kr. with per-year pools": (
        {"pool": {"total": 12_500, "per_year": {"2019": 3_500, "2021": 4_250.5}}},
        {"pool_text": "12,5"}),
    "NPV at 3,5 %": ({"objective": "npv", "discount_rate": 0.035, "npv_extra_years": 5, "pool": {"total": 20_000}},
                     {"discount__text": "3,5", "npv_extra__text": "5"}),
    "risky share 33,3 %": ({"max_risky_share": 0.333, "risk_haircut": {"middel": 0.125}, "max_payback_years": 4,
                            "time_limit": 2.5, "pool": {"total": 20_000}, "price_index": {"2021": 101.5}},
                           {"risky_share__text": "33,3", "haircut_middel__text": "12,5", "max_payback__text": "4",
                            "time_limit__text": "2,5"}),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_sidebar_reproduces_a_scenario(name):
    spec, texts = SCENARIOS[name]
    want = Scenario.from_json(spec)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["pending_scenario"] = want.to_json()  # as a link, a saved scenario or an alternative does
    at = run(at)
    assert not at.error, [e.value for e in at.error]
    assert shown(at) == want  # apply_scenario -> widgets -> scenario_from
    for key, text in texts.items():
        assert at.text_input(key=key).value == text, key
    assert {k: at.query_params[k] for k in at.query_params} == to_query(want, DEFAULT_SCENARIO)
    assert linked(at) == want
    at = run(at)  # and it stays so on the next run
    assert shown(at) == want
    if spec["pool"] and spec["pool"].get("per_year"):
        years = editor(at, "pool_years_").value
        assert list(years["Pulje (mio. kr.)"])[:3] == ["3,5", "", "4,2505"]
    if name == "pool off":
        assert not at.toggle(key="use_pool").value
        assert metrics(at)["Forslag i porteføljen"] == "22 af 22"
