"""Data layer: the dataset against the documents, derived figures, p/l, effects, register."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from portfolio.data import default_data_dir, load_dataset
from portfolio.effects import udvalg_effects
from portfolio.figures import npv, payback_years, service_payback_years, variant_figures
from portfolio.flows import Alignment, FlowSettings, variant_flows
from portfolio.model import Block, Risk, Styring
from portfolio.prices import PriceIndex, PriceIndexError
from portfolio.register import (
    KIND_PAYBACK,
    compute_register,
    register_csv,
    stated_value,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.fixture(scope="module")
def register(ds):
    return compute_register(ds)


def test_all_24_proposals_with_unique_keys(ds):
    keys = [p.key for p in ds.proposals]
    assert len(keys) == 24
    assert len(set(keys)) == 24
    assert [len(c.proposals) for c in ds.catalogues] == [22, 1, 1]
    kk = {p.key for p in ds.catalogue("KK2020").proposals}
    assert kk == {"BU01", "BU02", "BU03", "BU04", "BU05", "BU06", "BU08", "BU09", "SI01", "SI02", "SI05",
                  "UD03", "HA01", "HA02", "HA03", "HA05", "HA06", "HA07", "HA08", "TV01", "TV02", "TV03"}
    # both documents call themselves BU06; our keys cannot be confused
    assert ds.proposal("BU06").document_id == "BU06"
    assert ds.proposal("BC17-FIT").document_id == "BU06"
    assert ds.proposal("BC17-FIT").price_level_year == 2017
    assert ds.proposal("BC18-FAM").price_level_year == 2018


def test_variants_and_dependencies(ds):
    si05 = ds.proposal("SI05")
    assert si05.variant_names == ("Model 1", "Model 2")
    m1, m2 = si05.variants
    # the model-2-only closing cost belongs to model 2 only
    assert "I4" not in {ln.line_id for ln in m1.lines}
    assert "I4" in {ln.line_id for ln in m2.lines}
    assert ds.required_by("HA08") == ("HA06",)
    assert all(len(p.variants) == 1 for p in ds.proposals if p.key != "SI05")


def test_risk_levels_from_documents(ds):
    assert ds.proposal("BU01").risk == Risk.MIDDEL
    assert ds.proposal("TV02").risk == Risk.LAV
    assert ds.proposal("BC17-FIT").risk == Risk.MIDDEL and ds.proposal("BC17-FIT").risk_explicit
    assert ds.proposal("BC18-FAM").risk == Risk.HOJ and not ds.proposal("BC18-FAM").risk_explicit
    counts = {r: sum(1 for p in ds.catalogue("KK2020").proposals if p.risk == r) for r in Risk}
    assert counts == {Risk.LAV: 13, Risk.MIDDEL: 9, Risk.HOJ: 0}


def test_every_tabel1_total_equals_rows_or_is_registered(ds, register):
    registered = {(d.proposal_key, d.variant, d.table, d.row, d.year) for d in register}
    checked = mismatched = 0
    for fig in ds.stated:
        if fig.table != "Tabel 1" or fig.year is None:
            continue
        prop = ds.proposal(fig.proposal_key)
        got = stated_value(prop, fig, (fig.year,))
        checked += 1
        if abs(got - fig.value) > 0.5:
            mismatched += 1
            assert (fig.proposal_key, fig.variant, fig.table, fig.row, str(fig.year)) in registered
    assert checked > 400
    assert mismatched == 17  # 15 in SI05's Tabel 1, 2 in BC17-FIT's 2017 column


def test_every_stated_figure_equals_rows_or_is_registered(ds, register):
    registered = {(d.proposal_key, d.variant, d.table, d.row, d.year) for d in register}
    for fig in ds.stated:
        prop = ds.proposal(fig.proposal_key)
        if fig.year is None:
            continue
        if abs(stated_value(prop, fig, (fig.year,)) - fig.value) > 0.5:
            assert (fig.proposal_key, fig.variant, fig.table, fig.row, str(fig.year)) in registered


def test_register_file_is_the_computed_register(ds, register):
    on_disk = (default_data_dir() / "discrepancies.csv").read_text(encoding="utf-8")
    assert on_disk == register_csv(register)


def test_register_contents(register):
    by_key: dict[str, int] = {}
    for d in register:
        by_key[d.proposal_key] = by_key.get(d.proposal_key, 0) + 1
    assert max(by_key, key=by_key.get) == "SI05"
    # BU06 of 2017: the 2017 investment total is 1.685 while its rows give 1.175 + 509 = 1.684
    fit = [d for d in register if d.proposal_key == "BC17-FIT"]
    assert {(d.table, d.year, d.stated, d.computed) for d in fit} == {
        ("Tabel 1", "2017", 1685, 1684), ("Tabel 3", "2017", 1685, 1684)}
    assert len(fit) == 3
    paybacks = {(d.proposal_key, d.stated, d.computed) for d in register if d.kind == KIND_PAYBACK}
    assert paybacks == {("HA02", 4, 3), ("TV01", 4, 3)}
    # SI05 model 2: Tabel 1 says -9.115 but the rows give -5.474 - 3.658 = -9.132
    assert any(d.proposal_key == "SI05" and d.row == "Samlet varig ændring model 2" and d.computed == -9132
               and d.stated == -9115 for d in register)
    # SI05 model 1: Tabel 2's total is printed without its minus sign
    assert any(d.proposal_key == "SI05" and d.stated == 9265 and d.computed == -9265 for d in register)
    assert any(d.proposal_key == "BU05" and d.row == "Istandsættelse" and (d.stated, d.computed) == (1550, 1540)
               for d in register)
    assert any(d.proposal_key == "TV02" and d.year == "2019" and (d.stated, d.computed) == (1400, 0)
               for d in register)
    inferred = {d.proposal_key for d in register if d.kind == "styringsområde"}
    assert inferred == {"UD03", "HA05"}


def test_stated_paybacks_reproduced_22_of_24(ds):
    reproduced = total = 0
    for p in ds.proposals:
        stated = p.stated_payback_service if p.stated_payback_service is not None else p.stated_payback_total
        assert stated is not None
        total += 1
        if all(variant_figures(v).payback == stated for v in p.variants):
            reproduced += 1
    assert (reproduced, total) == (22, 24)


def test_derived_figures_bu01_by_hand(ds):
    f = variant_figures(ds.proposal("BU01").variants[0])
    years = list(range(2019, 2025))
    assert [f.investment[y] for y in years] == [300, 900, 600, 0, 0, 0]
    assert [f.permanent[y] for y in years] == [0, -1000, -1000, -1000, -1000, -1000]
    # Tabel 1 'Samlet økonomisk påvirkning': 300, -100, -400, -1.000, -1.000, -1.000
    assert [f.net[y] for y in years] == [300, -100, -400, -1000, -1000, -1000]
    assert f.total_investment == 1800
    assert f.annual_effect == -1000
    assert f.payback == 3  # cumulative 300, 200, -200


def test_investment_by_styringsomraade(ds):
    f = variant_figures(ds.proposal("TV03").variants[0])
    assert (f.investment_anlaeg[2019], f.investment_anlaeg[2020]) == (2250, 1750)
    assert (f.investment_service[2019], f.investment_service[2020]) == (750, 0)


def test_payback_hand_worked():
    # SI02: cumulative 1.150, 0, -1.500 -> the sum reaches exactly zero in year 2, is negative in year 3
    assert payback_years({2019: 1150, 2020: -1150, 2021: -1500}) == 3
    # BU02: 540, 1.120, 1.700, 1.000, 300, -400 -> 6
    assert payback_years({2019: 540, 2020: 580, 2021: 580, 2022: -700, 2023: -700, 2024: -700}) == 6
    assert payback_years({2019: 100, 2020: 0}) is None


def test_service_payback_of_2018_case(ds):
    fl = variant_flows(ds.proposal("BC18-FAM").variants[0])
    # service permanent 0, -1.002, -1.127, 0 against investments 1.511, 87, 80, 0: 1.511, 596, -451 -> 3
    assert service_payback_years(fl) == 3


def test_npv_hand_worked(ds):
    f = variant_figures(ds.proposal("BU01").variants[0])
    r = 0.035
    by_hand = -300 + 100 / 1.035 + 400 / 1.035**2 + 1000 / 1.035**3 + 1000 / 1.035**4 + 1000 / 1.035**5
    assert npv(f.net, r) == pytest.approx(by_hand)
    # -300 + 96,62 + 373,41 + 901,94 + 871,44 + 841,97
    assert npv(f.net, r) == pytest.approx(2785.38, abs=0.01)
    # two extra years of the last year's effect
    by_hand2 = by_hand + 1000 / 1.035**6 + 1000 / 1.035**7
    assert npv(f.net, r, extra_years=2) == pytest.approx(by_hand2)
    assert npv(f.net, 0.0) == pytest.approx(-sum(f.net.values()))


def test_price_conversion(ds):
    idx = PriceIndex.from_entries(ds.price_index)
    assert idx.index(2020) == 100.0
    # Økonomistyrelsen's generel pris- og lønstigning 2018, 2019, 2020: 1,9 %, 1,3 %, 1,1 %
    by_hand = 1.019 * 1.013 * 1.011
    assert idx.factor(2017, 2020) == pytest.approx(by_hand, rel=1e-8)
    fl = variant_flows(ds.proposal("BC17-FIT").variants[0],
                       FlowSettings(base_year=2020, index=idx))
    saving_2018 = fl.sum(block=Block.VARIG)[2018]
    assert saving_2018 == pytest.approx(-3526 * by_hand, abs=0.001)  # to the krone: -3.679,74 (1.000 kr.)
    assert round(saving_2018, 2) == -3679.74
    assert fl.price_level_year == 2020
    assert not idx.uses_assumption(2017, 2020)  # published figures only
    assert idx.uses_assumption(2020, 2025)  # 2025 has no published figure
    own = idx.with_overrides({2017: 95.0})
    assert own.convert(-1763, 2017, 2020) == pytest.approx(-1763 * 100 / 95)
    with pytest.raises(PriceIndexError):
        idx.index(1990)
    with pytest.raises(PriceIndexError):
        idx.with_overrides({2019: 0})


def test_year_alignment_and_extension(ds):
    v = ds.proposal("BC17-FIT").variants[0]
    shifted = variant_flows(v, FlowSettings(horizon=(2019, 2024), alignment=Alignment.SHIFTED))
    inv, perm = shifted.sum(block=Block.IMPL), shifted.sum(block=Block.VARIG)
    assert (inv[2019], inv[2020], inv[2021]) == (1684, 118, 118)
    assert [perm[y] for y in range(2019, 2025)] == [0, -3526, -3526, -3526, -3526, -3526]
    no_ext = variant_flows(v, FlowSettings(horizon=(2019, 2024), extend_permanent=False))
    assert no_ext.sum(block=Block.VARIG)[2024] == 0
    cal = variant_flows(v, FlowSettings(horizon=(2019, 2024), alignment=Alignment.CALENDAR))
    inv_c, perm_c = cal.sum(block=Block.IMPL), cal.sum(block=Block.VARIG)
    assert inv_c[2019] == 118 and inv_c[2020] == 0  # the 2017 investment lies before the horizon
    assert perm_c[2024] == -3526


def test_udvalg_effects_of_2018_case_match_its_tables(ds):
    fl = variant_flows(ds.proposal("BC18-FAM").variants[0])
    eff = udvalg_effects([fl])
    soc, bif = "Socialudvalget", "Beskæftigelses- og Integrationsudvalget"
    buu, suu = "Børne- og Ungdomsudvalget", "Sundheds- og Omsorgsudvalget"
    years = (2018, 2019, 2020, 2021)
    assert [eff.table("maaltal")[soc][y] for y in years] == [0, -1002, -1127, 0]
    assert set(eff.table("maaltal")) == {soc}
    bev = eff.table("bevilling_service")
    assert [bev[soc][y] for y in years] == [-720, -1947, -2057, 0]
    assert [bev[bif][y] for y in years] == [720, 860, 850, 0]
    assert [bev[buu][y] for y in years] == [0, 63, 60, 0]
    assert [bev[suu][y] for y in years] == [0, 22, 20, 0]
    inv = eff.table("investering")
    assert (inv[buu][2018], inv[suu][2018], inv[soc][2018], inv[bif][2018]) == (89, 61, 1151, 210)
    assert [eff.table("overfoersler")[bif][y] for y in years] == [0, -215, -504, -504]
    # totals reconcile with the proposal's own totals
    assert eff.total("maaltal") == eff.total("bevilling_service")
    f = variant_figures(ds.proposal("BC18-FAM").variants[0])
    assert eff.total("investering") == f.investment
    assert {y: eff.total("maaltal")[y] + eff.total("overfoersler")[y] + eff.total("efterspoergsel")[y]
            for y in years} == f.permanent


def test_catalogue_effects_all_on_socialudvalget(ds):
    flows = [variant_flows(p.variants[0]) for p in ds.catalogue("KK2020").proposals]
    eff = udvalg_effects(flows)
    assert set(eff.udvalg()) == {"Socialudvalget"}
    service_perm = sum(sum(f.sum(block=Block.VARIG, styring=[Styring.SERVICE]).values()) for f in flows)
    assert sum(eff.total("maaltal").values()) == pytest.approx(service_perm)


def test_cli_proposals_json():
    out = subprocess.run([sys.executable, "-m", "portfolio", "proposals", "--json"], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    data = json.loads(out.stdout)
    assert data["n_proposals"] == 24
    si05 = next(p for p in data["proposals"] if p["key"] == "SI05")
    assert [v["variant"] for v in si05["variants"]] == ["Model 1", "Model 2"]
    m2 = si05["variants"][1]
    assert m2["permanent_by_year"]["2020"] == -9132
    assert m2["investment_by_year"] == {"2019": 200, "2020": 2300, "2021": 600, "2022": 0, "2023": 0, "2024": 0}
    assert si05["variants"][0]["investment_by_year"]["2020"] == 1700
    ha02 = next(p for p in data["proposals"] if p["key"] == "HA02")
    assert (ha02["variants"][0]["payback_years"], ha02["stated_payback_service_years"]) == (3, 4)
    bu01 = next(p for p in data["proposals"] if p["key"] == "BU01")
    assert bu01["variants"][0]["net_by_year"] == {"2019": 300, "2020": -100, "2021": -400, "2022": -1000,
                                                  "2023": -1000, "2024": -1000}
    assert bu01["price_level_year"] == 2020 and bu01["risk"] == "middel"


def test_cli_proposals_table():
    out = subprocess.run([sys.executable, "-m", "portfolio", "proposals"], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert "SI05       Model 2" in out.stdout
    assert "-19.450" in out.stdout  # TV01's permanent annual effect, Danish format


def test_core_has_no_streamlit_import():
    for f in (ROOT / "portfolio").rglob("*.py"):
        text = f.read_text(encoding="utf-8")
        assert "import streamlit" not in text and "from streamlit" not in text, f
