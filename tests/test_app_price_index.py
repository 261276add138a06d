"""The p/l index on screen (issue 12): which index and which years converted a figure, next to
the figures (key-figures caption, Forslagsvisning), and which source each year uses (sidebar)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

BC17 = ("omregnet fra 2017 p/l til 2020 p/l med Økonomistyrelsens generelle pris- og lønstigning "
        "(2018–2020: 1,9 %, 1,3 %, 1,1 %; faktor 1,0436)")
BC18 = ("omregnet fra 2018 p/l til 2020 p/l med Økonomistyrelsens generelle pris- og lønstigning "
        "(2019–2020: 1,3 %, 1,1 %; faktor 1,0241)")
STATE = ("Økonomistyrelsens tal er statens indeks, ikke KL's kommunale service-PL; KL's tal kan indtastes under "
         "'Pris- og lønindeks' og bruges så i stedet.")


def plain(texts) -> list[str]:
    """Texts with ui.text.md's Markdown escapes removed."""
    return [str(t.value).replace("\\", "").replace("\u2060", "") for t in texts]


def run(at: AppTest | None = None) -> AppTest:
    at = (at or AppTest.from_file(APP, default_timeout=60)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def with_catalogues(*cats: str) -> AppTest:
    at = run()
    at.multiselect(key="catalogues").set_value(list(cats))
    return run(at)


def index_editor(at: AppTest):
    eds = [d for d in at.dataframe if d.key and d.key.startswith("price_index_editor_")]
    assert len(eds) == 1
    return eds[0]


def test_the_key_figures_say_which_index_and_years_converted_the_business_cases():
    at = with_catalogues("KK2020", "BC2017", "BC2018")
    captions = plain(at.main.caption)
    assert f"BC17-FIT: {BC17}. BC18-FAM: {BC18}. {STATE}" in captions, captions
    at = with_catalogues("KK2020")  # nothing converted: nothing said
    assert not any("omregnet fra" in c for c in plain(at.main.caption))


def test_the_proposal_view_of_bc2017_says_how_it_is_converted():
    at = with_catalogues("KK2020", "BC2017")
    at.radio(key="view").set_value("Forslagsvisning")
    at = run(at)
    at.selectbox(key="proposal_view").set_value("BC17-FIT")
    at = run(at)
    captions = plain(at.main.caption)
    assert ("Tabellen står i dokumentets eget 2017 p/l. I porteføljen, nøgletallene og de øvrige visninger er "
            f"beløbene {BC17}.") in captions, captions
    at.selectbox(key="proposal_view").set_value("BU01")  # in 2020 p/l: no conversion
    at = run(at)
    assert not any(c.startswith("Tabellen står i dokumentets eget") for c in plain(at.main.caption))


def test_the_sidebar_names_the_index_and_each_years_source():
    at = run()
    ed = index_editor(at)
    assert list(ed.value.columns) == ["År", "Indeks", "Antagelse"]
    rows = dict(zip(ed.value["År"], zip(ed.value["Indeks"], ed.value["Antagelse"], strict=True), strict=True))
    assert rows["2017"] == ("95,821996", "nej")  # Økonomistyrelsen's 2020 = 100 chained back with 1,2/1,9/1,3/1,1 %
    assert rows["2020"] == ("100", "nej")
    assert rows["2025"] == ("114,768366", "ja")
    side = plain(at.sidebar.caption)
    assert ("Standard er Økonomistyrelsens generelle pris- og lønstigning (oes.dk, Fastprisberegninger): statens "
            "indeks, ikke KL's kommunale service-PL. Skriv KL's pris- og lønskøn for serviceudgifter (service-PL, "
            "2020 = 100) for de år, du har dem: de indtastede tal bruges i stedet for standarden.") in side
    assert "Kilde i brug pr. år: 2015–2024: Økonomistyrelsen · 2025–2030: antagelse." in side
    assert ("Antagelse: 2,0 % om året i 2025–2030 (ingen offentliggjorte tal); erstat dem med KL's tal, når de "
            "kendes.") in side


def test_an_entered_kl_figure_takes_precedence_and_is_named_next_to_the_figures():
    at = with_catalogues("KK2020", "BC2017")
    ed = index_editor(at)
    row = list(ed.value["År"]).index("2017")
    at.session_state[ed.key] = {"edited_rows": {row: {"Indeks": "95,5"}}, "added_rows": [], "deleted_rows": []}
    at = run(at)
    assert "Kilde i brug pr. år: 2015–2016: Økonomistyrelsen · 2017: KL (indtastet) · 2018–2024: Økonomistyrelsen · " \
           "2025–2030: antagelse." in plain(at.sidebar.caption)
    captions = plain(at.main.caption)
    assert ("BC17-FIT: omregnet fra 2017 p/l til 2020 p/l med pris- og lønstigningen (2018 KL (indtastet): 2,24 %; "
            f"2019–2020 Økonomistyrelsen: 1,3 %, 1,1 %; faktor 1,0471). {STATE}") in captions, captions
    assert at.query_params["pl"] == "2017:95.5"
