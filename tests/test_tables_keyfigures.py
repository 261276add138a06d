"""Tabel 1 view of a proposal and key figures of a portfolio, against the documents."""

from __future__ import annotations

import pytest

from portfolio.data import load_dataset
from portfolio.figures import variant_figures
from portfolio.flows import FlowSettings
from portfolio.keyfigures import key_figures
from portfolio.model import Styring
from portfolio.prices import PriceIndex
from portfolio.tables import tabel1
from ui.charts import MapPoint, economy_chart, map_chart, udvalg_chart


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def test_tabel1_of_bu01_matches_the_document(ds):
    t = tabel1(ds, ds.proposal("BU01").variants[0])
    totals = {r.label: r for r in t.rows if r.kind == "total"}
    net = totals["Samlet økonomisk påvirkning"]
    assert [net.values[y] for y in t.years] == [300, -100, -400, -1000, -1000, -1000]
    assert net.stated == {2019: 300, 2020: -100, 2021: -400, 2022: -1000, 2023: -1000, 2024: -1000}
    assert not any(r.differs(y) for r in t.rows for y in t.years)
    pb = [r for r in t.rows if r.kind == "payback"]
    assert (pb[0].number, pb[0].stated_number) == (3, 3)
    assert [r.label for r in t.rows if r.kind == "line"] == [
        "Kortere behandlingsperiode i et familiebehandlingsforløb",
        "Administration forbundet med rekruttering og match af familier til Peer-to-Peer",
        "Udvikling af nyt familiebehandlingsforløb og målgruppeanalyse",
        "Evaluering, optimering og konsolidering af det nye familiebehandlingsforløb"]


def test_tabel1_of_si05_model1_shows_the_documents_errors(ds):
    t = tabel1(ds, ds.proposal("SI05").variants[0])
    totals = {r.label: r for r in t.rows if r.kind == "total"}
    impl = totals["Samlede implementeringsomkostninger"]
    # our model-1 rows exclude the model-2-only cost of 600 in 2020; the document's total includes it
    assert impl.values[2020] == 1700 and impl.stated[2020] == 2300 and impl.differs(2020)
    net = totals["Samlet økonomisk påvirkning"]
    assert net.values[2022] == -9265 and net.stated[2022] == -6965
    assert [y for y in t.years if net.differs(y)] == [2020, 2021, 2022, 2023, 2024]


def test_tabel1_marks_inferred_styring(ds):
    t = tabel1(ds, ds.proposal("UD03").variants[0])
    assert any(r.styring == "Service (udledt)" for r in t.rows)


def test_key_figures_whole_catalogue_at_own_pl(ds):
    variants = [p.variants[0] for p in ds.catalogue("KK2020").proposals]
    years = tuple(range(2019, 2025))
    kf = key_figures(variants, FlowSettings(horizon=(2019, 2024)), years, pool_total=50_000)
    expected_net = sum(variant_figures(v).total_net for v in variants)
    assert kf.net_total == pytest.approx(expected_net)
    expected_inv = sum(variant_figures(v).total_investment for v in variants)
    assert kf.pool.total_used == pytest.approx(expected_inv)
    assert kf.pool.share_used == pytest.approx(expected_inv / 50_000)
    assert kf.n_proposals == 22
    assert kf.risk_mix == {"lav": 13, "middel": 9, "høj": 0}
    # the per-udvalg måltal table reconciles with the key figures: all catalogue lines are Service
    assert sum(kf.effects.total("maaltal").values()) == pytest.approx(sum(kf.permanent_by_year.values()))
    assert sum(kf.effects.total("investering").values()) == pytest.approx(kf.pool.total_used)
    assert kf.annual_effect == pytest.approx(sum(variant_figures(v).annual_effect for v in variants))


def test_key_figures_pool_covers_only_service(ds):
    v = ds.proposal("TV03").variants[0]
    kf = key_figures([v], FlowSettings(horizon=(2019, 2024)), range(2019, 2025), pool_covers=(Styring.SERVICE,))
    assert kf.pool.total_used == 750
    assert sum(kf.investment_by_year.values()) == 4750


def test_key_figures_with_older_cases_converted(ds):
    idx = PriceIndex.from_entries(ds.price_index)
    v = ds.proposal("BC17-FIT").variants[0]
    kf = key_figures([v], FlowSettings(base_year=2020, index=idx, horizon=(2019, 2024)), range(2019, 2025))
    assert kf.investment_by_year[2019] == pytest.approx(1684 * 1.019 * 1.013 * 1.011)
    assert kf.annual_effect == pytest.approx(-3526 * 1.019 * 1.013 * 1.011)
    assert kf.payback == 2


def test_charts_build(ds):
    variants = [p.variants[0] for p in ds.catalogue("KK2020").proposals][:5]
    kf = key_figures(variants, FlowSettings(horizon=(2019, 2024)), range(2019, 2025), pool_per_year={2019: 3000})
    fig = economy_chart(kf)
    names = [t.name for t in fig.data]
    assert "Akkumuleret nettoeffekt" in names and "Pulje pr. år" in names
    cum = next(t for t in fig.data if t.name == "Akkumuleret nettoeffekt")
    assert list(cum.y)[-1] == pytest.approx(kf.net_total / 1000)  # mio. kr.
    u = udvalg_chart(kf.effects, "maaltal", "Måltal", 2020)
    assert [t.name for t in u.data] == ["Socialudvalget"]
    m = map_chart([MapPoint("BU01", "x", "middel", 1800, -1000, True, 3)], 2020)
    assert m.data[0].x[0] == pytest.approx(1.8)  # mio. kr.
    assert m.data[0].y[0] == pytest.approx(-1.0)  # the permanent change, savings negative
