"""The negotiation in the dashboard through the real page (AppTest), issue 14.

The sidebar's "Forhandling: partiernes krav" holds one row per party (name, colour, the proposals it
requires and rejects, a pool cap and a savings demand, amounts in mio. kr.); the parties go into the
scenario's ``parties``, so the page's optimisation is the common ground. The view "Forhandling"
shows the positions (parties as columns, proposals as rows), the price of each demand and party,
and, when the demands conflict, the clashing parties and the verified concessions, each with a
button that applies it. Every figure is checked against the core (`portfolio.negotiation.negotiate`,
`portfolio.optimiser.optimise` of the same scenario).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portfolio import fmt
from portfolio.data import load_dataset
from portfolio.negotiation import negotiate
from portfolio.optimiser import optimise
from portfolio.scenario import Scenario
from tests.test_app import APP, metrics
from tests.test_app_inputs import LAST_VALID, linked, plain, run, shown
from ui.positions import SECTION, merged_parties, price_text

DS = load_dataset()
NET = "Nettoeffekt 2019-2024, mio. kr."
CAP = "Puljeloft (mio. kr.)"
DANISH_FORMAT = "er ikke et tal i dansk format: brug komma som decimaltegn (fx 3,5)"
PRICE = "Pris: ændring uden kravet (mio. kr.)"
PARTY_PRICE = "Pris: ændring uden partiets krav (mio. kr.)"


def party(name: str, must: str = "", never: str = "", cap: str = "", colour: str = "", year: str = "",
          at_least: str = "") -> dict[str, str]:
    return {"Navn": name, "Farve": colour, "Kræver": must, "Afviser": never, CAP: cap, "Besparelseskrav år": year,
            "Mindst (mio. kr.)": at_least}


CONFLICT = [party("A", must="BU09, TV01", never="HA02", colour="Rød"), party("B", must="HA02", never="TV01", cap="20")]
FEASIBLE = [party("A", must="BU09", never="HA03", colour="Blå"),
            party("B", must="HA02", cap="15", year="2021", at_least="20")]


@pytest.fixture()
def at() -> AppTest:
    return run()


def editor(at: AppTest):
    eds = [d for d in at.dataframe if d.key and d.key.startswith("parties_editor")]
    assert len(eds) == 1, [d.key for d in at.dataframe]
    return eds[0]


def enter(at: AppTest, rows: list[dict[str, str]]) -> AppTest:
    """Type rows into the (empty) parties editor, as a person adds rows with '+'."""
    at.session_state[editor(at).key] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
    return run(at)


def view(at: AppTest) -> AppTest:
    at.radio(key="view").set_value("Forhandling")
    return run(at)


def table(at: AppTest, column: str):
    """The view's table that has `column`."""
    found = [d.value for d in at.dataframe if column in getattr(d.value, "columns", ())]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def errors_text(at: AppTest) -> str:
    return " ".join(plain(at.error))


def texts(at: AppTest) -> str:
    return " ".join(plain(at.markdown))


def assert_core_figures(at: AppTest) -> None:
    """The key figures on screen are the core's optimum of the scenario the page uses."""
    res = optimise(DS, shown(at))
    assert res.solved
    m = metrics(at)
    assert m["Forslag i porteføljen"] == f"{len(res.selected)} af 22"
    assert m[NET] == fmt.tal(sum(res.net_by_year.values()) / 1000, 1)


def section_expanded(at: AppTest) -> bool:
    (ex,) = [e for e in at.sidebar.expander if e.label == SECTION]
    return ex.proto.expanded


# --- the parties' positions in the sidebar ---------------------------------------------------------


def test_two_parties_entered_become_the_scenarios_parties(at):
    assert not section_expanded(at)
    at = enter(at, FEASIBLE)
    assert not at.error, errors_text(at)
    assert shown(at).to_json()["parties"] == [
        {"name": "A", "colour": "#1f5fa8", "must": ["BU09"], "never": ["HA03"], "max_pool": None,
         "savings_targets": []},
        {"name": "B", "colour": None, "must": ["HA02"], "never": [], "max_pool": 15_000,
         "savings_targets": [{"year": 2021, "min": 20_000, "measure": "maaltal", "udvalg": None}]}]
    assert section_expanded(at)
    # the common ground is the scenario's optimum: 154,1 mio. kr. of savings instead of 185,0
    assert_core_figures(at)
    assert metrics(at)[NET] == "-154,1"


def test_the_conflict_the_clashing_parties_and_the_concessions(at):
    at = enter(at, CONFLICT)
    neg = negotiate(DS, shown(at))
    assert neg.result.status == "infeasible"
    at = view(at)
    said = errors_text(at)
    assert "Partiernes krav kan ikke opfyldes samtidig." in said
    assert neg.clashing == (("A",), ("A", "B"))
    assert "Parti A og parti B: deres krav kan ikke opfyldes samtidig." in said, said
    assert "Parti A: kravene kan ikke opfyldes sammen med de øvrige regler." in said
    body = texts(at)
    assert neg.summary == ("Hvis parti A opgiver TV01 og parti B opgiver HA02 eller parti A opgiver TV01 og parti A "
                           "accepterer HA02, findes der en aftale; den bedste sparer 185,0 mio. kr.")
    assert neg.summary in body
    assert [c.text for c in neg.concessions] == ["Parti A opgiver TV01 og parti B opgiver HA02",
                                                 "Parti A opgiver TV01 og parti A accepterer HA02"]
    lines = [t for t in plain(at.markdown) if "Indrømmer:" in t]
    assert len(lines) == 2
    assert lines[0].startswith("1. **Parti A opgiver TV01 og parti B opgiver HA02**")
    assert "Indrømmer: Parti A og Parti B · mål (samlet nettoeffekt over horisonten): -185,0 mio. kr." in lines[0]
    assert lines[1].startswith("2. **Parti A opgiver TV01 og parti A accepterer HA02**")
    assert "Indrømmer: Parti A · mål (samlet nettoeffekt over horisonten): -184,5 mio. kr." in lines[1]
    assert [b.label for b in at.button if b.key and b.key.startswith("concession_")] == ["Brug denne indrømmelse"] * 2
    # the positions table: parties as columns, proposals as rows; no agreement yet
    pos = {r["Nøgle"]: r for r in table(at, "Fælles grundlag").to_dict("records")}
    assert len(pos) == 22
    assert (pos["TV01"]["Parti A"], pos["TV01"]["Parti B"]) == ("Kræver", "Afviser")
    assert (pos["HA02"]["Parti A"], pos["HA02"]["Parti B"]) == ("Afviser", "Kræver")
    assert (pos["BU09"]["Parti A"], pos["BU09"]["Parti B"]) == ("Kræver", "Åben")
    assert pos["BU01"]["Parti A"] == "Åben"
    assert {r["Fælles grundlag"] for r in pos.values()} == {"Ingen aftale endnu"}


def test_one_click_on_a_concession_gives_the_agreement(at):
    at = view(enter(at, CONFLICT))
    before = shown(at)
    want = Scenario.from_json(merged_parties(before.to_json(), negotiate(DS, before).concessions[0].positions_patch))
    at.button(key="concession_1").click()
    at = run(at)
    assert not at.error, errors_text(at)
    assert shown(at) == want
    assert shown(at).to_json()["parties"] == [
        {"name": "A", "colour": "#c0392b", "must": ["BU09"], "never": ["HA02"], "max_pool": None,
         "savings_targets": []},  # the colour stays
        {"name": "B", "colour": None, "must": [], "never": ["TV01"], "max_pool": 20_000, "savings_targets": []}]
    res = optimise(DS, want)
    assert res.solved
    assert_core_figures(at)
    assert metrics(at)[NET] == "-185,0"
    assert any(t.startswith("**Anbefalet portefølje**") for t in plain(at.markdown))  # not the last valid one
    assert at.radio(key="view").value == "Forhandling"
    ok = " ".join(plain(at.success))
    assert "Fælles grundlag: den bedste portefølje, der opfylder alle 2 partiers krav, har 11 forslag" in ok, ok
    # the editor shows the new positions
    rows = editor(at).value.to_dict("records")
    assert [(r["Navn"], r["Kræver"], r["Afviser"], r["Farve"]) for r in rows] == [
        ("A", "BU09", "HA02", "Rød"), ("B", "", "TV01", "")]
    pos = {r["Nøgle"]: r for r in table(at, "Fælles grundlag").to_dict("records")}
    chosen = dict(res.selected)
    for key, row in pos.items():
        assert row["Fælles grundlag"] == (("Med" + (f" ({chosen[key]})" if chosen[key] else "")) if key in chosen
                                          else "Ikke med"), key


def test_the_other_concession_changes_the_key_figures(at):
    at = view(enter(at, CONFLICT))
    assert metrics(at)[NET] == "-185,0"  # the last valid portfolio (the default settings')
    at.button(key="concession_2").click()
    at = run(at)
    assert not at.error, errors_text(at)
    assert shown(at).to_json()["parties"][0]["never"] == [] and shown(at).to_json()["parties"][0]["must"] == ["BU09"]
    assert_core_figures(at)
    assert metrics(at)[NET] == "-184,5"
    at.button(key="undo").click()  # a concession can be undone
    at = run(at)
    assert shown(at).to_json()["parties"][0]["never"] == ["HA02"]


def test_the_prices_of_each_demand_and_party_are_the_cores(at):
    at = view(enter(at, FEASIBLE))
    neg = negotiate(DS, shown(at))
    assert neg.result.solved
    prices = table(at, PRICE).to_dict("records")
    assert [r["Krav"] for r in prices] == [d.label[:1].upper() + d.label[1:] for d in neg.price_of_demand]
    assert [r[PRICE] for r in prices] == [price_text(d.delta, False) for d in neg.price_of_demand]
    by_label = {r["Krav"]: r for r in prices}
    assert by_label["At parti A ikke vil have HA03"][PRICE] == "-3,78 mio. kr. (større besparelse uden kravet)"
    assert by_label["At parti A ikke vil have HA03"]["Mål uden kravet (mio. kr.)"] == "-157,9 mio. kr."
    assert by_label["Parti B's puljeloft (15,0 mio. kr.)"][PRICE] == "-23,92 mio. kr. (større besparelse uden kravet)"
    assert by_label["At parti B kræver HA02 med"][PRICE] == "-7,60 mio. kr. (større besparelse uden kravet)"
    assert by_label["At parti A kræver BU09 med"][PRICE] == "Koster intet (samme mål uden kravet)"
    parties = {r["Parti"]: r[PARTY_PRICE] for r in table(at, PARTY_PRICE).to_dict("records")}
    assert neg.price_of_party == {"A": 3_780, "B": 23_920}
    assert parties == {"Parti A": "-3,78 mio. kr. (større besparelse uden partiets krav)",
                       "Parti B": "-23,92 mio. kr. (større besparelse uden partiets krav)"}
    ok = " ".join(plain(at.success))
    assert (f"har {len(neg.result.selected)} forslag; mål (samlet nettoeffekt over horisonten) -154,1 mio. kr."
            in ok), ok
    rows = table(at, "Fælles grundlag").to_dict("records")
    assert {r["Nøgle"] for r in rows[:3]} == {"BU09", "HA02", "HA03"}  # the proposals with demands first
    pos = {r["Nøgle"]: r for r in rows}
    assert pos["HA03"]["Parti A"] == "Afviser" and pos["HA03"]["Fælles grundlag"] == "Ikke med"
    assert pos["HA02"]["Parti B"] == "Kræver" and pos["HA02"]["Fælles grundlag"] == "Med"
    assert [b.proto.label for b in at.get("download_button")] == ["Aftale til udskrift (HTML)"]


def test_prices_under_min_pool_are_the_pool_investment(at):
    at = enter(at, FEASIBLE)
    at.radio(key="objective").set_value("min_pool")
    at = view(run(at))
    neg = negotiate(DS, shown(at))
    prices = {r["Krav"]: r[PRICE] for r in table(at, PRICE).to_dict("records")}
    assert {d.demand: d.delta for d in neg.price_of_demand}["must:HA02"] == -1_550
    assert prices["At parti B kræver HA02 med"] == "-1,55 mio. kr. (mindre investering fra puljerne uden kravet)"
    ok = " ".join(plain(at.success))
    assert "mål (mindst mulig investering fra puljerne) 10,7 mio. kr." in ok, ok


def test_without_parties_the_view_says_where_to_enter_them(at):
    at = view(at)
    assert any("Ingen partier endnu" in t for t in plain(at.info))


# --- links, undo/redo, scenarios put into the widgets -----------------------------------------------

EVERY_FIELD = {"pool": {"total": 20_000}, "parties": [
    {"name": "Socialdemokratiet", "colour": "#123456", "must": ["BU09", "TV02"], "never": ["HA03"],
     "max_pool": 15_000.5, "savings_targets": [
         {"year": 2021, "min": 20_000, "measure": "maaltal", "udvalg": "Socialudvalget"},
         {"year": 2022, "min": 1_500.5, "measure": "varig", "udvalg": None}]},
    {"name": "B", "colour": "#c0392b", "must": ["HA02"]}]}


def test_positions_put_into_the_widgets_come_back_unchanged():
    want = Scenario.from_json(EVERY_FIELD)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["pending_scenario"] = want.to_json()  # as a link, a saved scenario or a repair does
    at = run(at)
    assert not at.error, errors_text(at)
    assert shown(at) == want
    assert section_expanded(at)
    rows = editor(at).value.to_dict("records")
    assert [(r["Navn"], r["Farve"], r["Kræver"], r["Afviser"], r[CAP], r["Besparelseskrav år"], r["Mindst (mio. kr.)"],
             r["Mål"], r["Udvalg"]) for r in rows] == [
        ("Socialdemokratiet", "#123456", "BU09, TV02", "HA03", "15,0005", "2021", "20,0", "Måltal (service)",
         "Socialudvalget"),
        ("Socialdemokratiet", "", "", "", "", "2022", "1,5005", "Alle varige ændringer", "Alle udvalg"),
        ("B", "Rød", "HA02", "", "", "", "", "Måltal (service)", "Alle udvalg")]
    assert_core_figures(at)
    at = run(at)  # and it stays so on the next run
    assert shown(at) == want


def test_the_positions_survive_the_share_link(at):
    at = enter(at, CONFLICT)
    assert shown(at).parties
    assert linked(at) == shown(at)
    query = {k: at.query_params[k] for k in at.query_params}
    assert "parties" in query
    opened = AppTest.from_file(APP, default_timeout=90)
    for k, v in query.items():
        opened.query_params[k] = v
    opened = view(run(opened))
    assert shown(opened) == shown(at)
    assert [c.text for c in negotiate(DS, shown(opened)).concessions][0] in texts(opened)
    rows = editor(opened).value.to_dict("records")
    assert [(r["Navn"], r["Kræver"], r["Afviser"], r[CAP]) for r in rows] == [
        ("A", "BU09, TV01", "HA02", ""), ("B", "HA02", "TV01", "20,0")]


def test_undo_and_redo_restore_the_positions(at):
    plain_scenario = shown(at)
    at = enter(at, FEASIBLE)
    full = shown(at)
    assert len(full.parties) == 2
    at.button(key="undo").click()
    at = run(at)
    assert shown(at) == plain_scenario
    assert editor(at).value.empty
    at.button(key="redo").click()
    at = run(at)
    assert shown(at) == full
    assert [r["Navn"] for r in editor(at).value.to_dict("records")] == ["A", "B"]
    assert_core_figures(at)


def test_a_repair_keeps_the_parties_colours(at):
    at = enter(at, CONFLICT)
    res = optimise(DS, shown(at))
    assert res.repairs[0].text == "Parti A opgiver TV01 og parti B opgiver HA02"
    at.button(key="repair_1").click()
    at = run(at)
    assert not at.error, errors_text(at)
    assert [p.colour for p in shown(at).parties] == ["#c0392b", None]
    assert shown(at).parties[0].must == ("BU09",)
    assert_core_figures(at)


def test_several_rows_of_one_party_are_its_savings_demands(at):
    at = enter(at, [party("A", must="BU09", year="2021", at_least="10"), party("A", year="2022", at_least="5,5")])
    assert not at.error, errors_text(at)
    (p,) = shown(at).to_json()["parties"]
    assert p["must"] == ["BU09"]
    assert p["savings_targets"] == [{"year": 2021, "min": 10_000, "measure": "maaltal", "udvalg": None},
                                    {"year": 2022, "min": 5_500, "measure": "maaltal", "udvalg": None}]


# --- bad input ----------------------------------------------------------------------------------------


def test_bad_cells_are_refused_in_danish_and_the_last_valid_positions_stay(at):
    at = enter(at, FEASIBLE)
    good = shown(at).to_json()["parties"]
    before = metrics(at)
    for rows, said in [
        ([party("A", must="BU09, XX99")],
         "Forhandling, række 1, kolonnen 'Kræver': 'XX99' er ikke et forslag i de valgte kataloger; skriv "
         "forslagenes nøgler adskilt med komma, fx BU01, BU02, BU03."),
        ([party("A"), party("B", never="HA2")],
         "Forhandling, række 2, kolonnen 'Afviser': 'HA2' er ikke et forslag i de valgte kataloger"),
        ([party("A", must="HA02, BU09", never="HA02")],
         "Forhandling, række 1: parti A både kræver og afviser HA02; et parti kan ikke begge dele."),
        ([party("A", must="HA02"), party("A", never="HA02")],
         "Forhandling, række 2: parti A både kræver og afviser HA02"),
        ([party("A", cap="20.5")], f"Forhandling, række 1, kolonnen '{CAP}' er ikke et beløb: '20.5' {DANISH_FORMAT}"),
        ([party("A", cap="-3")], f"Forhandling, række 1, kolonnen '{CAP}' kan ikke være negativ"),
        ([party("A", at_least="20")],
         "Forhandling, række 1, kolonnen 'Besparelseskrav år': vælg året, besparelseskravet gælder."),
        ([party("A", year="2021", at_least="tyve")],
         "Forhandling, række 1, kolonnen 'Mindst (mio. kr.)' er ikke et beløb"),
        ([party("", must="BU09")], "Forhandling, række 1, kolonnen 'Navn': skriv partiets navn, fx A."),
        ([party("A", colour="lyserød")], "Forhandling, række 1, kolonnen 'Farve': 'lyserød' er ikke en farve"),
        ([party("A", cap="20"), party("A", cap="30")],
         f"Forhandling, række 2, kolonnen '{CAP}': parti A har også et puljeloft i række 1; giv partiet ét "
         "puljeloft."),
        ([party("A", cap="9.000,0")],
         f"Forhandling, række 1, kolonnen '{CAP}': puljeloftet på 9.000 mio. kr. er for stort. Puljen må højst være "
         "7.214,5 mio. kr."),
    ]:
        at = enter(at, rows)
        assert said in errors_text(at), errors_text(at)
        assert said in " ".join(plain(at.sidebar.error))  # next to the editor, too
        assert LAST_VALID in plain(at.caption)
        assert shown(at).to_json()["parties"] == good
        assert metrics(at) == before


def test_keys_are_read_in_any_case(at):
    at = enter(at, [party("A", must="bu09 , tv02")])
    assert not at.error, errors_text(at)
    assert shown(at).parties[0].must == ("BU09", "TV02")


def test_party_names_are_plain_text_and_their_columns_distinct(at):
    at = view(enter(at, [party("**A** <i>x</i> :smile:", must="BU09"), party("A", never="HA03"),
                         party("Parti A", never="HA05")]))
    assert not at.error, errors_text(at)
    cols = list(table(at, "Fælles grundlag").columns)
    assert cols == ["Nøgle", "Titel", "Parti **A** <i>x</i> :smile:", "Parti A", "Parti A (2)", "Fælles grundlag"]
    prices = table(at, PRICE).to_dict("records")
    assert prices[0]["Krav"] == "At parti **A** <i>x</i> :smile: kræver BU09 med"
    # the names reach Markdown only escaped: no bold, no emoji
    assert all("**A**" not in str(m.value) for m in [*at.markdown, *at.success])
