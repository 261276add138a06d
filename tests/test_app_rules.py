"""The investeringsmodel's rules in the sidebar through the real page (AppTest), issue 12 part 2.

"Investeringsmodellens regler" holds "Flere puljer" (named pools, a data editor of Danish amounts in
mio. kr.), "Besparelseskrav" (savings targets), "Intet udvalgs måltal må stige" and "Selvfinansierende
senest". Each is set through its widget, and the test checks the scenario the page uses and that the
figures it shows are the core's (`portfolio.optimiser.optimise` of the same scenario); each survives
the share link, undo/redo and a repair; bad cells get a Danish message naming row and column, and the
last valid scenario stays.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portfolio import fmt
from portfolio.data import load_dataset
from portfolio.optimiser import optimise
from portfolio.scenario import OBJECTIVE_LABELS, Scenario
from tests.test_app import APP, metrics
from tests.test_app_inputs import LAST_VALID, linked, plain, run, shown
from ui.model_rules import MIN_POOL_WITHOUT_TARGET, SUGGEST_MIN_POOL

DS = load_dataset()
NET = "Nettoeffekt 2019-2024, mio. kr."
DANISH_FORMAT = "er ikke et tal i dansk format: brug komma som decimaltegn (fx 3,5)"
SECTION = "Investeringsmodellens regler"


@pytest.fixture()
def at() -> AppTest:
    return run()


def editor(at: AppTest, prefix: str):
    eds = [d for d in at.dataframe if d.key and d.key.startswith(prefix)]
    assert len(eds) == 1, [d.key for d in at.dataframe]
    return eds[0]


def add_rows(at: AppTest, prefix: str, rows: list[dict[str, str]]) -> AppTest:
    """Type rows into an empty dynamic editor (as a person adds rows with '+')."""
    ed = editor(at, prefix)
    at.session_state[ed.key] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
    return run(at)


def edit(at: AppTest, prefix: str, row: int, column: str, value: str) -> AppTest:
    ed = editor(at, prefix)
    at.session_state[ed.key] = {"edited_rows": {row: {column: value}}, "added_rows": [], "deleted_rows": []}
    return run(at)


def target(year: str, amount: str, measure: str = "Måltal (service)", udvalg: str = "Alle udvalg") -> dict:
    return {"År": year, "Mindst (mio. kr.)": amount, "Mål": measure, "Udvalg": udvalg}


def pool_row(name: str, covers: str, total: str = "", **years: str) -> dict:
    return {"Navn": name, "Dækker": covers, "I alt (mio. kr.)": total} | {f"{y[1:]} (mio. kr.)": v
                                                                          for y, v in years.items()}


def errors_text(at: AppTest) -> str:
    return " ".join(plain(at.error))


def objective_caption(at: AppTest) -> str:
    said = [c for c in plain(at.caption) if c.startswith("Optimeringens mål:")]
    assert len(said) == 1, plain(at.caption)
    return said[0]


def assert_core_figures(at: AppTest) -> None:
    """The key figures and the objective on screen are the core's for the scenario the page uses."""
    s = shown(at)
    res = optimise(DS, Scenario.from_json(s.to_json()))
    assert res.solved
    m = metrics(at)
    assert m["Forslag i porteføljen"] == f"{len(res.selected)} af 22"
    assert m[NET] == fmt.tal(sum(res.net_by_year.values()) / 1000, 1)
    assert f"{OBJECTIVE_LABELS[s.objective].lower()} = {fmt.tal(fmt.shown_objective(res.objective) / 1000, 1)} " \
           "mio. kr." in objective_caption(at)


def section_expanded(at: AppTest) -> bool:
    (ex,) = [e for e in at.sidebar.expander if e.label == SECTION]
    return ex.proto.expanded


# --- savings targets -----------------------------------------------------------------------------


def test_a_savings_target_and_the_cheapest_way_to_it(at):
    assert not section_expanded(at)
    assert SUGGEST_MIN_POOL not in plain(at.sidebar.caption)
    at = add_rows(at, "targets_editor_", [target("2021", "20", udvalg="Socialudvalget")])
    assert not at.error, errors_text(at)
    assert shown(at).to_json()["savings_targets"] == [
        {"year": 2021, "min": 20_000, "measure": "maaltal", "udvalg": "Socialudvalget"}]
    assert SUGGEST_MIN_POOL in plain(at.sidebar.caption)  # the objective for it is suggested
    assert_core_figures(at)
    at.radio(key="objective").set_value("min_pool")
    at = run(at)
    assert shown(at).objective == "min_pool"
    assert SUGGEST_MIN_POOL not in plain(at.sidebar.caption)
    res = optimise(DS, shown(at))
    assert res.selected == (("SI05", "Model 1"), ("TV02", None))
    # the least investment from the pools that meets the target: 7,0 mio. kr.
    assert ("Optimeringens mål: mindst mulig investering fra puljerne = "
            f"{fmt.tal(fmt.shown_objective(res.objective) / 1000, 1)} mio. kr.") in objective_caption(at)
    assert fmt.tal(fmt.shown_objective(res.objective) / 1000, 1) == "7,0"
    assert metrics(at)["Forslag i porteføljen"] == "2 af 22"
    assert_core_figures(at)
    assert linked(at) == shown(at)  # the share link carries the target and the objective


def test_min_pool_without_a_target_says_the_empty_portfolio_is_cheapest(at):
    at.radio(key="objective").set_value("min_pool")
    at = run(at)
    assert MIN_POOL_WITHOUT_TARGET in plain(at.sidebar.caption)
    assert metrics(at)["Forslag i porteføljen"] == "0 af 22"
    assert_core_figures(at)


def test_an_impossible_target_is_explained_and_repaired(at):
    at = add_rows(at, "targets_editor_", [target("2020", "400")])
    said = errors_text(at)
    assert "Ingen portefølje opfylder alle regler" in said
    assert "Kravet til alle udvalg tilsammen på 400,0 mio. kr. i besparelse på måltallet i 2020" in said, said
    res = optimise(DS, shown(at))
    assert not res.solved and res.repairs
    texts = [plain([m])[0] for m in at.markdown if "Sænk kravet" in str(m.value)]
    assert any(res.repairs[0].text in t for t in texts), texts
    at.button(key="repair_1").click()
    at = run(at)
    assert not at.error, errors_text(at)
    want = res.repairs[0].scenario_patch["savings_targets"]
    assert shown(at).to_json()["savings_targets"] == want
    assert want[0]["min"] == 31_715
    assert list(editor(at, "targets_editor_").value["Mindst (mio. kr.)"]) == ["31,715"]
    assert_core_figures(at)


def test_bad_target_cells_are_refused_in_danish_and_the_last_valid_target_stays(at):
    at = add_rows(at, "targets_editor_", [target("2021", "20,5")])
    assert shown(at).to_json()["savings_targets"] == [{"year": 2021, "min": 20_500, "measure": "maaltal",
                                                       "udvalg": None}]
    before = metrics(at)
    for row, said in [
        (target("2021", "20.5"), f"Besparelseskrav, række 1, kolonnen 'Mindst (mio. kr.)' er ikke et beløb: '20.5' "
                                 f"{DANISH_FORMAT}"),
        (target("2021", "tyve"), "Besparelseskrav, række 1, kolonnen 'Mindst (mio. kr.)' er ikke et beløb"),
        (target("2021", "-3"), "Besparelseskrav, række 1, kolonnen 'Mindst (mio. kr.)' kan ikke være negativ"),
        (target("", "20"), "Besparelseskrav, række 1, kolonnen 'År': vælg året, kravet gælder."),
    ]:
        at = add_rows(at, "targets_editor_", [row])
        assert said in errors_text(at), errors_text(at)
        assert said in " ".join(plain(at.sidebar.error))  # next to the editor, too
        assert LAST_VALID in plain(at.caption)
        assert shown(at).to_json()["savings_targets"][0]["min"] == 20_500
        assert metrics(at) == before
    at = add_rows(at, "targets_editor_", [target("2021", "20"), target("2021", "5")])
    assert ("Besparelseskrav, række 2: samme år, mål og udvalg som række 1; slå kravene sammen til ét."
            in errors_text(at)), errors_text(at)


def test_a_target_on_all_permanent_changes(at):
    at = add_rows(at, "targets_editor_", [target("2024", "45", measure="Alle varige ændringer")])
    assert not at.error, errors_text(at)
    assert shown(at).to_json()["savings_targets"] == [{"year": 2024, "min": 45_000, "measure": "varig",
                                                       "udvalg": None}]
    assert_core_figures(at)


# --- named pools ---------------------------------------------------------------------------------


def test_named_pools_are_read_in_mio_kr_and_bind(at):
    before = metrics(at)
    at = add_rows(at, "pools_editor_", [pool_row("drift", "service", "10", y2019="2"),
                                        pool_row("innovation", "Innovationspulje", "1")])
    assert not at.error, errors_text(at)
    assert shown(at).to_json()["pools"] == [
        {"name": "drift", "covers": ["Service"], "total": 10_000, "per_year": {"2019": 2_000}},
        {"name": "innovation", "covers": ["Innovationspulje"], "total": 1_000, "per_year": {}}]
    assert_core_figures(at)
    # the drift pool binds: 133,8 mio. kr. of savings instead of 185,0
    assert before[NET] == "-185,0" and metrics(at)[NET] != before[NET]
    assert optimise(DS, shown(at)).objective == 133_825
    assert linked(at) == shown(at)


def test_several_styringsomraader_in_one_pool(at):
    at = add_rows(at, "pools_editor_", [pool_row("drift og anlæg", "Service, ANLÆG", "", y2020="4,5")])
    assert not at.error, errors_text(at)
    assert shown(at).to_json()["pools"] == [
        {"name": "drift og anlæg", "covers": ["Service", "Anlæg"], "total": None, "per_year": {"2020": 4_500}}]
    assert_core_figures(at)


def test_bad_pool_cells_are_refused_in_danish_and_the_last_valid_pools_stay(at):
    at = add_rows(at, "pools_editor_", [pool_row("drift", "Service", "10")])
    good = shown(at).to_json()["pools"]
    before = metrics(at)
    for row, said in [
        (pool_row("drift", "Drift", "10"),
         "Flere puljer, række 1, kolonnen 'Dækker': 'Drift' kendes ikke; brug Service, Overførsler, "
         "Efterspørgselsstyret, Anlæg eller Innovationspulje, adskilt med komma."),
        (pool_row("drift", "Service", "3.5"),
         f"Flere puljer, række 1, kolonnen 'I alt (mio. kr.)' er ikke et beløb: '3.5' {DANISH_FORMAT}"),
        (pool_row("drift", "Service", "10", y2021="fem"),
         "Flere puljer, række 1, kolonnen '2021 (mio. kr.)' er ikke et beløb"),
        (pool_row("", "Service", "10"), "Flere puljer, række 1, kolonnen 'Navn': skriv puljens navn, fx drift."),
        (pool_row("drift", "", "10"), "Flere puljer, række 1, kolonnen 'Dækker': skriv, hvad puljen dækker"),
        (pool_row("drift", "Service"), "Flere puljer, række 1: puljen 'drift' har intet beløb"),
        (pool_row("drift", "Service", "9.000,0"),
         "Puljen 'drift' i alt på 9.000 mio. kr. er for stor. Puljen må højst være 7.214,5 mio. kr."),
    ]:
        at = add_rows(at, "pools_editor_", [row])
        assert said in errors_text(at), errors_text(at)
        assert LAST_VALID in plain(at.caption)
        assert shown(at).to_json()["pools"] == good
        assert metrics(at) == before
    at = add_rows(at, "pools_editor_", [pool_row("drift", "Service", "10"), pool_row("drift", "Anlæg", "2")])
    assert ("Flere puljer, række 2, kolonnen 'Navn': navnet 'drift' står også i række 1; giv puljerne hver sit "
            "navn.") in errors_text(at)


def test_the_pools_follow_a_change_of_horizon(at):
    at = add_rows(at, "pools_editor_", [pool_row("drift", "Service", "10", y2019="2", y2021="3")])
    at.slider(key="horizon").set_value((2020, 2024))
    at = run(at)
    assert not at.error, errors_text(at)
    assert shown(at).to_json()["pools"] == [
        {"name": "drift", "covers": ["Service"], "total": 10_000, "per_year": {"2021": 3_000}}]
    cols = list(editor(at, "pools_editor_").value.columns)
    assert cols == ["Navn", "Dækker", "I alt (mio. kr.)", *(f"{y} (mio. kr.)" for y in range(2020, 2025))]


# --- no rising måltal, self-financing ------------------------------------------------------------


def test_no_rising_maaltal(at):
    at.checkbox(key="no_maaltal").check()
    at = run(at)
    assert shown(at).no_maaltal_increase is True
    assert section_expanded(at)
    assert_core_figures(at)
    assert linked(at) == shown(at)


def test_self_financing(at):
    at.text_input(key="pool_text").input("80")
    at = run(at)
    before = metrics(at)
    at.selectbox(key="self_financing").set_value(2020)
    at = run(at)
    assert shown(at).self_financing_by == 2020
    assert at.selectbox(key="self_financing").options[:2] == ["Intet krav", "2019"]
    assert_core_figures(at)
    assert optimise(DS, shown(at)).objective == 274_480  # 279,8 mio. kr. without the rule
    assert metrics(at)[NET] != before[NET]
    assert linked(at) == shown(at)
    at.selectbox(key="self_financing").set_value(2019)
    at = run(at)
    assert metrics(at)["Forslag i porteføljen"] == "0 af 22"  # nothing pays for itself in its first year
    assert_core_figures(at)


# --- every rule through undo/redo, links and saved scenarios -------------------------------------

EVERY_RULE = {"pool": {"total": 20_000}, "objective": "min_pool",
              "pools": [{"name": "drift", "covers": ["Service"], "total": 12_000, "per_year": {"2020": 5_000}},
                        {"name": "innovation", "covers": ["Innovationspulje"], "total": 1_000.5}],
              "savings_targets": [{"year": 2021, "min": 20_000, "measure": "maaltal", "udvalg": "Socialudvalget"},
                                  {"year": 2022, "min": 1_500.5, "measure": "varig"}],
              "no_maaltal_increase": True, "self_financing_by": 2022}


def test_every_rule_put_into_the_widgets_comes_back_unchanged():
    want = Scenario.from_json(EVERY_RULE)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["pending_scenario"] = want.to_json()  # as a link, a saved scenario or a repair does
    at = run(at)
    assert not at.error, errors_text(at)
    assert shown(at) == want
    assert section_expanded(at)
    pools = editor(at, "pools_editor_").value
    assert list(pools["Navn"]) == ["drift", "innovation"]
    assert list(pools["Dækker"]) == ["Service", "Innovationspulje"]
    assert list(pools["I alt (mio. kr.)"]) == ["12,0", "1,0005"]
    assert list(pools["2020 (mio. kr.)"]) == ["5,0", ""]
    targets = editor(at, "targets_editor_").value
    assert targets.to_dict("records") == [target("2021", "20,0", udvalg="Socialudvalget"),
                                          target("2022", "1,5005", measure="Alle varige ændringer")]
    assert at.checkbox(key="no_maaltal").value is True
    assert at.selectbox(key="self_financing").value == 2022
    assert_core_figures(at)
    assert linked(at) == want
    at = run(at)  # and it stays so on the next run
    assert shown(at) == want


def test_undo_and_redo_restore_the_rules(at):
    plain_scenario = shown(at)
    at = add_rows(at, "targets_editor_", [target("2021", "20", udvalg="Socialudvalget")])
    at = add_rows(at, "pools_editor_", [pool_row("drift", "Service", "10")])
    at.checkbox(key="no_maaltal").check()
    at = run(at)
    at.selectbox(key="self_financing").set_value(2021)
    at = run(at)
    full = shown(at)
    assert full.savings_targets and full.pools and full.no_maaltal_increase and full.self_financing_by == 2021
    for _ in range(4):
        at.button(key="undo").click()
        at = run(at)
    assert shown(at) == plain_scenario
    assert editor(at, "targets_editor_").value.empty and editor(at, "pools_editor_").value.empty
    assert at.checkbox(key="no_maaltal").value is False
    for _ in range(4):
        at.button(key="redo").click()
        at = run(at)
    assert shown(at) == full
    assert list(editor(at, "pools_editor_").value["Navn"]) == ["drift"]
    assert list(editor(at, "targets_editor_").value["Udvalg"]) == ["Socialudvalget"]
    assert at.selectbox(key="self_financing").value == 2021
    assert_core_figures(at)


def test_a_link_with_every_rule_opens_with_them():
    from portfolio.urlstate import to_query
    from ui.sidebar import DEFAULT_SCENARIO

    want = Scenario.from_json(EVERY_RULE)
    query = to_query(want, DEFAULT_SCENARIO)
    assert {"pools", "target", "no_maaltal", "selffin"} <= set(query)
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at = run(at)
    assert not at.error, errors_text(at)
    assert shown(at) == want
    assert list(editor(at, "targets_editor_").value["Mindst (mio. kr.)"]) == ["20,0", "1,5005"]
    assert_core_figures(at)


def test_self_financing_outside_a_new_horizon_is_dropped_with_a_notice(at):
    at.selectbox(key="self_financing").set_value(2019)
    at = run(at)
    assert shown(at).self_financing_by == 2019
    at.slider(key="horizon").set_value((2020, 2024))
    at = run(at)
    assert shown(at).self_financing_by is None
    assert ("Kravet om selvfinansiering senest 2019 ligger uden for horisonten 2020-2024 og er fjernet."
            in plain(at.sidebar.warning)), plain(at.sidebar.warning)
