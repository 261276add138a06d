"""The vectorised instance build (issue 13) gives the same items, to the last bit, as the
per-line derivation it replaced: `flows.variant_flows` per variant, `figures.own_figures` for the
payback, sums line by line. The reference below is that derivation, kept here as the oracle; the
objective values and the arrays are checked against `item_value` and the items' own tuples."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

from portfolio.data import load_dataset
from portfolio.figures import own_figures
from portfolio.flows import variant_flows
from portfolio.model import (
    INNOVATION_POOL,
    Block,
    CashFlowLine,
    Catalogue,
    DataSet,
    Proposal,
    Risk,
    Styring,
)
from portfolio.optimiser import InstanceCache, build_instance, item_value, solve
from portfolio.optimiser.instance import Arrays, Item, ItemRows
from portfolio.optimiser.result import StatusRows
from portfolio.prices import PriceIndexError
from portfolio.scenario import Scenario, ScenarioError, all_investments, flow_settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_optimiser import synthetic_dataset, synthetic_scenario  # noqa: E402

DS = load_dataset()


def reference_items(ds: DataSet, scenario: Scenario) -> tuple[Item, ...]:
    """The items as the builder derived them before issue 13, line by line."""
    settings = flow_settings(ds, scenario)
    years = scenario.years
    covers = set(scenario.pool_covers)
    items = []
    for cat in ds.catalogues:
        if cat.id not in scenario.catalogues:
            continue
        for p in cat.proposals:
            for v in p.variants:
                try:
                    fl = variant_flows(v, settings)
                except PriceIndexError as e:
                    raise ScenarioError(str(e)) from None
                pool, inv, perm, sav = ({y: 0.0 for y in years} for _ in range(4))
                by_cat: dict[str, dict[int, float]] = {}
                maal: dict[str, dict[int, float]] = {}
                perm_by: dict[str, dict[int, float]] = {}
                for line in fl.lines:
                    ln = line.line
                    c = INNOVATION_POOL if ln.innovation else ln.styring.value
                    for y, a in line.amounts.items():
                        if ln.block == Block.IMPL:
                            inv[y] += a
                            by_cat.setdefault(c, dict.fromkeys(years, 0.0))[y] += a
                            if ln.styring in covers and not ln.innovation:
                                pool[y] += a
                        else:
                            perm[y] += a
                            perm_by.setdefault(ln.udvalg, dict.fromkeys(years, 0.0))[y] += a
                            if ln.styring == Styring.SERVICE:
                                maal.setdefault(ln.udvalg, dict.fromkeys(years, 0.0))[y] += a
                            if a < 0:
                                sav[y] += a

                def named(d: dict[str, dict[int, float]]) -> tuple[tuple[str, tuple[float, ...]], ...]:
                    return tuple((k, tuple(a[y] for y in years)) for k, a in sorted(d.items())
                                 if any(abs(a[y]) > 1e-12 for y in years))

                items.append(Item(
                    key=p.key, variant=v.name, risk=p.risk.rank, payback=own_figures(ds, v).payback,
                    pool_investment=tuple(pool[y] for y in years), investment=tuple(inv[y] for y in years),
                    permanent=tuple(perm[y] for y in years), savings=tuple(sav[y] for y in years),
                    invest_by=named(by_cat), maaltal_by=named(maal), permanent_by=named(perm_by),
                    requires=ds.required_by(p.key), title=p.title))
    return tuple(items)


def bits(values: tuple[float, ...]) -> list[str]:
    return [float(v).hex() for v in values]


def assert_same(ds: DataSet, scenario: Scenario) -> None:
    ref = reference_items(ds, scenario)
    # the items made one at a time, from the last (negative indices) to the first, then by slices
    lazy = build_instance(ds, scenario)
    n = len(ref)
    assert [lazy.items[-k] for k in range(1, n + 1)] == list(reversed(ref))
    assert lazy.items[1::2] == ref[1::2] and lazy.items[:3] == ref[:3]
    inst = build_instance(ds, scenario)
    assert inst.key_of == tuple(it.key for it in ref) and inst.variant_of == tuple(it.variant for it in ref)
    assert inst.requires_of == tuple(it.requires for it in ref)
    assert len(inst.items) == len(ref)
    for got, want in zip(inst.items, ref, strict=True):
        assert type(got) is Item and got == want, want.label
        for name in ("pool_investment", "investment", "permanent", "savings"):
            assert bits(getattr(got, name)) == bits(getattr(want, name)), (want.label, name)
        for name in ("invest_by", "maaltal_by", "permanent_by"):
            assert [(k, bits(a)) for k, a in getattr(got, name)] == [(k, bits(a)) for k, a in getattr(want, name)]
    assert bits(inst.values) == bits(tuple(item_value(it, inst.objective) for it in ref))
    derived = Arrays.of(ref, len(scenario.years))
    for name in ("pool_investment", "investment", "permanent", "savings", "risk", "pool_total"):
        assert np.array_equal(getattr(inst.arrays, name), getattr(derived, name)), name
    assert np.array_equal(inst.arrays.payback, derived.payback, equal_nan=True)
    by_key: dict[str, list[int]] = {}
    for i, it in enumerate(ref):
        by_key.setdefault(it.key, []).append(i)
    assert inst.by_key == {k: tuple(v) for k, v in by_key.items()}
    assert list(inst.by_key) == list(by_key)


SCENARIOS = [
    {},
    {"catalogues": ["KK2020", "BC2017", "BC2018"]},
    {"catalogues": ["KK2020", "BC2017", "BC2018"], "alignment": "kalender", "extend_permanent": False,
     "base_year": 2021, "horizon": [2018, 2026]},
    {"catalogues": ["BC2018", "KK2020"], "horizon": [2020, 2030], "price_index": {"2018": 98.5}},
    {"objective": "npv", "npv_extra_years": 3, "risk_haircut": {"middel": 0.25, "høj": 0.5}},
    {"objective": "annual", "risk_haircut": {"lav": 0.1, "høj": 0.5}},
    {"objective": "permanent", "pool_covers": ["Service"]},
    {"objective": "min_pool", "pool": {"total": 30000}, "pool_covers": ["Anlæg", "Overførsler"]},
]


@pytest.mark.parametrize("fields", SCENARIOS)
def test_the_2020_catalogue_and_the_business_cases_build_as_line_by_line(fields):
    assert_same(DS, Scenario.from_json(fields))


def _odd_dataset() -> DataSet:
    """Lines the built-in data lack: the innovation pool, several udvalg, amounts only in some
    years, a p/l of its own, mixed signs, variants with their own lines."""
    years = (2018, 2019, 2020, 2021)
    lines = (
        CashFlowLine("X1", "I1", None, Block.IMPL, "Inv", Styring.SERVICE, False, "Socialudvalget", None,
                     {2018: 100.0, 2019: 50.5}),
        CashFlowLine("X1", "I2", None, Block.IMPL, "Inno", Styring.SERVICE, False, "Socialudvalget", None,
                     {2018: 30.0}, innovation=True),
        CashFlowLine("X1", "V1", "A", Block.VARIG, "Bes", Styring.SERVICE, False, "Socialudvalget", None,
                     {2019: -40.25, 2020: -80.0, 2021: -80.0}),
        CashFlowLine("X1", "V2", "B", Block.VARIG, "Bes", Styring.OVERFORSLER, False, "Beskæftigelsesudvalget",
                     None, {2019: -20.0, 2020: 15.0, 2021: -90.0}),
        CashFlowLine("X1", "V3", None, Block.VARIG, "Udg", Styring.SERVICE, False, "Børne- og Ungdomsudvalget",
                     None, {2018: 0.1, 2019: 0.2, 2020: 0.3, 2021: 0.1}),
        CashFlowLine("X1", "I3", "B", Block.IMPL, "Anl", Styring.ANLAEG, False, "Teknik- og Miljøudvalget",
                     None, {2020: 12.0}),
    )
    p = Proposal(key="X1", document_id="X1", title="Skæv", catalogue="ODD", section="", presenting_forvaltning="",
                 affected_forvaltninger=(), udvalg=("Socialudvalget",), price_level_year=2018, years=years,
                 risk=Risk.HOJ, risk_explicit=True, risk_reason="", pool_applied="", stated_payback_service=None,
                 stated_payback_total=None, variant_names=("A", "B"), description="", lines=lines)
    q = Proposal(key="X2", document_id="X2", title="Ingen", catalogue="ODD", section="", presenting_forvaltning="",
                 affected_forvaltninger=(), udvalg=(), price_level_year=2020, years=(2020, 2021), risk=Risk.LAV,
                 risk_explicit=False, risk_reason="", pool_applied="", stated_payback_service=None,
                 stated_payback_total=None, variant_names=(), description="", lines=())
    cat = Catalogue("ODD", "Skævt katalog", "", 2018, "", "", (p, q))
    return DataSet(catalogues=(*DS.catalogues, cat), dependencies=DS.dependencies, stated=(), udvalg_tables=(),
                   notes=(), price_index=DS.price_index)


@pytest.mark.parametrize("fields", [
    {"catalogues": ["ODD", "KK2020"]},
    {"catalogues": ["ODD"], "horizon": [2019, 2026], "pool_covers": ["Service", "Anlæg", "Overførsler"]},
    {"catalogues": ["ODD"], "alignment": "kalender", "horizon": [2017, 2022], "extend_permanent": False},
    {"catalogues": ["ODD"], "objective": "min_pool", "pools": [{"name": "inno", "covers": ["Innovationspulje"],
                                                                "total": 100}]},
])
def test_lines_of_every_kind_build_as_line_by_line(fields):
    assert_same(_odd_dataset(), Scenario.from_json(fields))


def test_a_synthetic_catalogue_builds_as_line_by_line_and_the_cache_gives_the_same():
    syn = synthetic_dataset(400, seed=3)
    sc = synthetic_scenario(syn)
    assert_same(syn, sc)
    cache = InstanceCache(syn)
    first = build_instance(syn, sc, cache)
    again = build_instance(syn, sc.replace(max_risky_share=0.2), cache)
    assert again.items is first.items and again.items == build_instance(syn, sc).items


def test_the_items_read_as_the_tuple_they_stand_for_and_optimising_makes_none():
    syn = synthetic_dataset(300, seed=5)
    sc = synthetic_scenario(syn, mip_gap=0.01)
    inst = build_instance(syn, sc, cache=None)
    items = inst.items
    assert isinstance(items, ItemRows) and items._made.count(None) == len(items)
    res = solve(inst, mip_gap=0.01)
    # the model, the solve, the result and its statuses read only arrays, keys and variants; the
    # statuses' objects are made when read
    statuses = res.statuses
    assert isinstance(statuses, StatusRows) and statuses._made.count(None) == len(items)
    assert res.selected and len(statuses) == len(items) and items._made.count(None) == len(items)
    assert [(s.key, s.variant) for s in statuses] == list(zip(inst.key_of, inst.variant_of, strict=True))
    assert {(s.key, s.variant) for s in statuses if s.chosen} == set(res.selected)
    assert statuses[3] is statuses[3] and statuses[-1] == tuple(statuses)[-1]
    assert pickle.loads(pickle.dumps(res)) == res and res.to_json() == pickle.loads(pickle.dumps(res)).to_json()
    ref = reference_items(syn, sc)
    assert len(items) == len(ref) > 300
    with pytest.raises(IndexError):
        items[len(ref)]
    with pytest.raises(IndexError):
        items[-len(ref) - 1]
    assert items[7] is items[7] and items[-1] == ref[-1] and ref[5] in items and items.index(ref[9]) == 9
    assert items == ref and ref == items and hash(items) == hash(ref) and items != ref[:-1]
    assert pickle.loads(pickle.dumps(items)) == ref
    assert pickle.loads(pickle.dumps(inst)).items == ref


def test_all_investments_is_the_own_figures_sum():
    for fields in SCENARIOS[:4]:
        sc = Scenario.from_json(fields)
        want = 0.0
        for c in DS.catalogues:
            if c.id in sc.catalogues:
                for p in c.proposals:
                    largest = max(own_figures(DS, v).total_investment for v in p.variants)
                    factor = flow_settings(DS, sc).index.factor(p.price_level_year, sc.base_year)
                    want += max(largest, 0.0) * factor
        assert all_investments(DS, sc) == want


def test_a_missing_price_index_year_is_still_a_scenario_error():
    ds = _odd_dataset()
    broken = DataSet(catalogues=ds.catalogues, dependencies=ds.dependencies, stated=(), udvalg_tables=(), notes=(),
                     price_index=tuple(e for e in ds.price_index if e.year != 2018))
    with pytest.raises(ScenarioError):
        build_instance(broken, Scenario.from_json({"catalogues": ["ODD"]}))
