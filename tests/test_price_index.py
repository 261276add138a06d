"""The p/l index (issue 12): Økonomistyrelsen's published series, its sources, the conversions of
the older business cases, and which index and years a conversion used (in the core and in Excel)."""

from __future__ import annotations

import csv
import io
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portfolio.data import DataError, load_dataset
from portfolio.export import workbook_bytes
from portfolio.flows import FlowSettings, variant_flows
from portfolio.keyfigures import scenario_conversions, scenario_key_figures
from portfolio.model import Block
from portfolio.optimiser import optimise
from portfolio.prices import (
    KIND_ASSUMED,
    KIND_KL,
    KIND_OES,
    KL_SOURCE,
    OES_SOURCE,
    PriceIndex,
)
from portfolio.scenario import Scenario, flow_settings

DATA = Path(__file__).resolve().parent.parent / "data"
# Økonomistyrelsen, "generel pris- og lønstigning" (oes.dk, Fastprisberegninger), percent on the year before
PUBLISHED = {2016: "0.5", 2017: "1.2", 2018: "1.9", 2019: "1.3", 2020: "1.1", 2021: "1.2", 2022: "4.3",
             2023: "2.5", 2024: "4.0"}
ASSUMED = "2.0"


def exact_chain() -> dict[int, Fraction]:
    """The index by hand: 2020 = 100, index[y] = index[y-1] x (1 + g_y/100), both ways from 2020."""
    g = {y: Fraction(PUBLISHED.get(y, ASSUMED)) for y in range(2016, 2031)}
    idx = {2020: Fraction(100)}
    for y in range(2021, 2031):
        idx[y] = idx[y - 1] * (1 + g[y] / 100)
    for y in range(2019, 2014, -1):
        idx[y] = idx[y + 1] / (1 + g[y + 1] / 100)
    return idx


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.fixture(scope="module")
def index(ds):
    return PriceIndex.from_entries(ds.price_index)


def test_the_index_is_the_published_growth_chained_from_2020(ds):
    exact = exact_chain()
    got = {e.year: e.index for e in ds.price_index}
    assert sorted(got) == list(range(2015, 2031))
    assert got[2020] == 100.0 and got[2021] == 101.2 and got[2022] == 105.5516 and got[2023] == 108.19039
    for y, v in got.items():
        assert abs(v - float(exact[y])) <= 5e-7, y  # stored with 6 decimals
    assert got[2019] == 98.911968 and got[2018] == 97.642614 and got[2017] == 95.821996
    assert got[2016] == 94.685767 and got[2015] == 94.214694  # 2015 from 2016's 0,5 %


def test_the_file_keeps_the_published_growth_beside_each_index():
    rows = list(csv.DictReader(io.StringIO((DATA / "price_index.csv").read_text(encoding="utf-8"))))
    growth = {int(r["year"]): r["growth"] for r in rows}
    assert {y: growth[y] for y in PUBLISHED} == PUBLISHED
    assert growth[2015] == ""  # 2014 -> 2015 is not needed
    assert all(growth[y] == ASSUMED for y in range(2025, 2031))


def test_each_year_carries_its_source_labelled_as_the_states_index(ds, index):
    by_year = {e.year: e for e in ds.price_index}
    for y in range(2015, 2025):
        e = by_year[y]
        assert not e.assumption
        assert e.source == OES_SOURCE == ("Økonomistyrelsen, generel pris- og lønstigning, oes.dk, "
                                          "Fastprisberegninger (statens indeks, ikke KL's kommunale service-PL)")
        assert index.kind(y) == KIND_OES == "Økonomistyrelsen"
    for y in range(2025, 2031):
        e = by_year[y]
        assert e.assumption and e.source.startswith("Antagelse: 2,0 % årlig stigning")
        assert index.kind(y) == KIND_ASSUMED == "antagelse"
    assert index.kinds_text(range(2015, 2031)) == "2015–2024: Økonomistyrelsen · 2025–2030: antagelse"


def test_the_growth_computed_from_the_index_is_the_published_one(index):
    for y, g in PUBLISHED.items():
        assert index.growth(y) == pytest.approx(float(g), abs=1e-5), y
    assert index.growth(2015) is None  # no 2014


def test_bc2017_and_bc2018_convert_with_the_hand_chained_factor(ds, index):
    f17 = 1.019 * 1.013 * 1.011  # 2018, 2019, 2020
    f18 = 1.013 * 1.011  # 2019, 2020
    assert index.factor(2017, 2020) == pytest.approx(f17, rel=1e-8)
    assert index.factor(2018, 2020) == pytest.approx(f18, rel=1e-8)
    settings = FlowSettings(base_year=2020, index=index)
    bc17 = variant_flows(ds.proposal("BC17-FIT").variants[0], settings)
    assert bc17.sum(block=Block.IMPL)[2017] == pytest.approx(1684 * f17, abs=1e-3)  # to the krone
    assert round(bc17.sum(block=Block.IMPL)[2017], 3) == 1757.425
    assert round(bc17.sum(block=Block.VARIG)[2018], 3) == -3679.740
    bc18 = ds.proposal("BC18-FAM").variants[0]
    own = variant_flows(bc18)
    conv = variant_flows(bc18, settings)
    for ln_own, ln_conv in zip(own.lines, conv.lines, strict=True):
        for y, a in ln_own.line.amounts.items():
            assert ln_conv.amounts[y] == pytest.approx(a * f18, abs=1e-3), (ln_own.line.label, y)
    # the scenario's key figures (horizon 2019-2024, forskudt) carry the same factor
    s = Scenario.from_json({"catalogues": ["BC2017"], "pool": None})
    kf = scenario_key_figures(ds, s, [("BC17-FIT", None)])
    assert kf.investment_by_year[2019] == pytest.approx(1684 * f17, abs=1e-3)
    assert kf.annual_effect == pytest.approx(-3526 * f17, abs=1e-3)


def test_the_conversion_says_which_index_and_years(index):
    c = index.conversion(2017, 2020)
    assert c.years == (2018, 2019, 2020)
    assert c.text() == ("Omregnet fra 2017 p/l til 2020 p/l med Økonomistyrelsens generelle pris- og lønstigning "
                        "(2018–2020: 1,9 %, 1,3 %, 1,1 %; faktor 1,0436)")
    assert index.conversion(2018, 2020).text() == (
        "Omregnet fra 2018 p/l til 2020 p/l med Økonomistyrelsens generelle pris- og lønstigning "
        "(2019–2020: 1,3 %, 1,1 %; faktor 1,0241)")
    back = index.conversion(2020, 2017)
    assert back.years == (2018, 2019, 2020) and back.factor == pytest.approx(1 / (1.019 * 1.013 * 1.011))
    assert back.text().startswith("Omregnet fra 2020 p/l til 2017 p/l med Økonomistyrelsens")
    assert index.conversion(2024, 2026).text() == (
        "Omregnet fra 2024 p/l til 2026 p/l med en antaget pris- og lønstigning (2025–2026: 2,0 %, 2,0 %; "
        "faktor 1,0404)")
    mixed = index.conversion(2023, 2026)
    assert mixed.uses_assumption
    assert mixed.phrase().endswith("(2024 Økonomistyrelsen: 4,0 %; 2025–2026 antagelse: 2,0 %, 2,0 %; faktor 1,0820)")


def test_entered_kl_figures_take_precedence_and_are_named(index):
    kl = index.with_overrides({2017: 95.5, 2018: 97.2})
    assert kl.index(2017) == 95.5 and kl.factor(2017, 2020) == pytest.approx(100 / 95.5)
    assert kl.entries[2017].source == KL_SOURCE and not kl.entries[2017].assumption
    assert kl.kind(2017) == KIND_KL == "KL (indtastet)" and kl.kind(2019) == KIND_OES
    assert kl.kinds_text(range(2015, 2031)) == ("2015–2016: Økonomistyrelsen · 2017–2018: KL (indtastet) · "
                                                "2019–2024: Økonomistyrelsen · 2025–2030: antagelse")
    # the growth into 2018 and 2019 uses an entered figure; into 2020 only Økonomistyrelsen's
    assert kl.conversion(2017, 2020).text() == (
        "Omregnet fra 2017 p/l til 2020 p/l med pris- og lønstigningen (2018–2019 KL (indtastet): 1,78 %, "
        "1,76 %; 2020 Økonomistyrelsen: 1,1 %; faktor 1,0471)")


def test_scenario_conversions_name_the_converted_proposals(ds):
    s = Scenario.from_json({"catalogues": ["KK2020", "BC2017", "BC2018"]})
    conv = scenario_conversions(ds, s)
    assert [(c.keys, c.conversion.from_year, c.conversion.to_year) for c in conv] == [
        (("BC17-FIT",), 2017, 2020), (("BC18-FAM",), 2018, 2020)]
    assert scenario_conversions(ds, Scenario.from_json({"catalogues": ["KK2020"]})) == ()
    at_2019 = scenario_conversions(ds, Scenario.from_json({"catalogues": ["KK2020", "BC2017"], "base_year": 2019}))
    assert [(len(c.keys), c.conversion.from_year) for c in at_2019] == [(1, 2017), (22, 2020)]
    kf = scenario_key_figures(ds, s, [])
    assert kf.conversions == conv


def test_the_loader_checks_the_chain(tmp_path):
    for f in DATA.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    path = tmp_path / "price_index.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("2018,97.642614,1.9,", "2018,97.7,1.9,"), encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_dataset(tmp_path)
    msgs = [str(p) for p in e.value.problems]
    assert msgs == ["price_index.csv, række 5, kolonne 'index': indekset 97,7 passer ikke med stigningen 1,9 % fra "
                    "2017 (95,821996 × (1 + 1,9/100) = 97,642614); ret indekset eller stigningen",
                    "price_index.csv, række 6, kolonne 'index': indekset 98,911968 passer ikke med stigningen 1,3 % "
                    "fra 2018 (97,7 × (1 + 1,3/100) = 98,9701); ret indekset eller stigningen"]
    path.write_text(text.replace("2018,97.642614,1.9,", "2018,97.642614,150,"), encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_dataset(tmp_path)
    assert "stigningen skal ligge mellem -50 og 100 % om året" in str(e.value.problems[0])
    # without the growth column (an index as uploaded), the index is taken as it is
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["year", "index", "source", "assumption"], extrasaction="ignore",
                       lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    assert {e.year: e.index for e in load_dataset(tmp_path).price_index}[2018] == 97.642614


def find_row(ws, first):
    return next(r for r in ws.iter_rows() if r[0].value == first)


def test_the_assumptions_sheet_lists_every_year_used_with_its_source(ds):
    s = Scenario.from_json({"catalogues": ["KK2020", "BC2017", "BC2018"], "price_index": {"2030": 130}})
    wb = load_workbook(io.BytesIO(workbook_bytes(ds, s, optimise(ds, s))))
    ws = wb["Forudsætninger"]
    head = next(r for r in ws.iter_rows() if r[0].value == "År" and r[1].value == "Indeks")
    assert [c.value for c in head[:6]] == ["År", "Indeks", "Kilde", "Antagelse", "Stigning fra året før (%)",
                                           "Bruges til"]
    start = head[0].row
    years = []
    for r in ws.iter_rows(min_row=start + 1):
        if not isinstance(r[0].value, int):
            break
        years.append(r[0].value)
    assert years == [2017, 2018, 2019, 2020, 2030]
    r17, r18, r19, r20, r30 = (find_row(ws, y) for y in years)
    assert r17[1].value == 95.821996 and r17[2].value == OES_SOURCE and r17[4].value == 1.2
    assert r17[5].value == "indekset for forslag i 2017 p/l (BC17-FIT)"
    assert r18[4].value == 1.9 and r18[5].value == ("stigningen indgår i omregningen fra 2017 p/l; indekset for forslag i "
                                                    "2018 p/l (BC18-FAM)")
    assert r19[4].value == 1.3 and r19[5].value == ("stigningen indgår i omregningen fra 2017 p/l; stigningen indgår "
                                                    "i omregningen fra 2018 p/l")
    assert r20[1].value == 100 and r20[4].value == 1.1 and r20[5].value.startswith("basisår; stigningen indgår")
    assert r30[1].value == 130 and r30[2].value == KL_SOURCE and r30[5].value == "angivet i scenariet, ikke brugt"
    assert r17[1].number_format == "0.00####"  # the stored index, every decimal
    assert find_row(ws, "Omregning af BC17-FIT")[1].value == (
        "Omregnet fra 2017 p/l til 2020 p/l med Økonomistyrelsens generelle pris- og lønstigning "
        "(2018–2020: 1,9 %, 1,3 %, 1,1 %; faktor 1,0436)")
    assert find_row(ws, "Omregning af BC18-FAM")[1].value.startswith("Omregnet fra 2018 p/l til 2020 p/l med "
                                                                    "Økonomistyrelsens")
    assert flow_settings(ds, s).index.kind(2030) == KIND_KL
