"""Building an `Instance` from a dataset and a scenario (amounts at the scenario's p/l)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..figures import own_figures
from ..flows import variant_flows
from ..model import INNOVATION_POOL, Block, DataSet, Styring
from ..prices import PriceIndexError
from ..scenario import Scenario, ScenarioError, flow_settings
from .instance import Instance, Item, ObjectiveSpec, Rules
from .rules import PartySpec, PoolSpec, TargetSpec


@dataclass(frozen=True)
class _ItemKey:
    flow: tuple[Any, ...]
    pool_covers: tuple[Styring, ...]
    catalogues: tuple[str, ...]


class InstanceCache:
    """Caches the per-variant yearly amounts (the slow part of `build_instance`) for one dataset.

    Keep one per dataset (the dashboard can hold it in its session); the rules and the objective
    are applied on every build, so only the flow settings, pool coverage and catalogues are keys.
    """

    def __init__(self, ds: DataSet, max_entries: int = 32) -> None:
        self.ds = ds
        self.max_entries = max_entries
        self._items: OrderedDict[_ItemKey, tuple[Item, ...]] = OrderedDict()
        self._lock = threading.Lock()  # the dashboard may solve from several sessions at once

    def items(self, scenario: Scenario) -> tuple[Item, ...]:
        key = _ItemKey(flow=(scenario.base_year, scenario.horizon, scenario.alignment, scenario.extend_permanent,
                             tuple(sorted(scenario.price_index.items()))),
                       pool_covers=tuple(scenario.pool_covers), catalogues=tuple(scenario.catalogues))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        items = _build_items(self.ds, scenario)
        with self._lock:
            self._items[key] = items
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return items


def _build_items(ds: DataSet, scenario: Scenario) -> tuple[Item, ...]:
    settings = flow_settings(ds, scenario)
    years = scenario.years
    covers = set(scenario.pool_covers)
    items: list[Item] = []
    for cat in ds.catalogues:
        if cat.id not in scenario.catalogues:
            continue
        for p in cat.proposals:
            requires = ds.required_by(p.key)
            for v in p.variants:
                try:
                    fl = variant_flows(v, settings)
                except PriceIndexError as e:
                    raise ScenarioError(str(e)) from None
                pool = dict.fromkeys(years, 0.0)
                inv = dict.fromkeys(years, 0.0)
                perm = dict.fromkeys(years, 0.0)
                sav = dict.fromkeys(years, 0.0)
                by_cat: dict[str, dict[int, float]] = {}
                maal: dict[str, dict[int, float]] = {}
                perm_by: dict[str, dict[int, float]] = {}
                for line in fl.lines:
                    ln = line.line
                    cat = INNOVATION_POOL if ln.innovation else ln.styring.value
                    for y, a in line.amounts.items():
                        if ln.block == Block.IMPL:
                            inv[y] += a
                            by_cat.setdefault(cat, dict.fromkeys(years, 0.0))[y] += a
                            if ln.styring in covers and not ln.innovation:
                                pool[y] += a
                        else:
                            perm[y] += a
                            perm_by.setdefault(ln.udvalg, dict.fromkeys(years, 0.0))[y] += a
                            if ln.styring == Styring.SERVICE:
                                maal.setdefault(ln.udvalg, dict.fromkeys(years, 0.0))[y] += a
                            if a < 0:
                                sav[y] += a
                items.append(Item(
                    key=p.key, variant=v.name, risk=p.risk.rank, payback=own_figures(ds, v).payback,
                    pool_investment=tuple(pool[y] for y in years), investment=tuple(inv[y] for y in years),
                    permanent=tuple(perm[y] for y in years), savings=tuple(sav[y] for y in years),
                    invest_by=_by_name(by_cat, years), maaltal_by=_by_name(maal, years),
                    permanent_by=_by_name(perm_by, years),
                    requires=requires, title=p.title))
    return tuple(items)


def _by_name(amounts: dict[str, dict[int, float]], years: tuple[int, ...]) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """(name, amounts per year) in name order, without the names whose amounts are all zero."""
    return tuple((name, tuple(a[y] for y in years)) for name, a in sorted(amounts.items())
                 if any(abs(a[y]) > 1e-12 for y in years))


def scenario_rules(scenario: Scenario) -> Rules:
    pool = scenario.pool
    return Rules(
        pool_total=None if pool is None else pool.total,
        pool_per_year=() if pool is None else tuple(sorted(pool.per_year.items())),
        max_risk=scenario.max_risk_rank,
        max_risky_share=scenario.max_risky_share,
        max_payback=scenario.max_payback_years,
        force_in=tuple(dict.fromkeys(scenario.force_in)),
        force_out=tuple(dict.fromkeys(scenario.force_out)),
        pinned=tuple(sorted(scenario.variants.items())),
        dependencies=scenario.dependencies,
        pools=tuple(PoolSpec(name=p.name, covers=tuple(p.covers), total=p.total,
                             per_year=tuple(sorted(p.per_year.items()))) for p in scenario.pools),
        savings_targets=tuple(TargetSpec(year=t.year, min=t.min, measure=t.measure, udvalg=t.udvalg)
                              for t in scenario.savings_targets),
        no_maaltal_increase=scenario.no_maaltal_increase,
        self_financing_by=scenario.self_financing_by,
        parties=tuple(PartySpec(name=p.name, colour=p.colour, must=tuple(p.must), never=tuple(p.never),
                                max_pool=p.max_pool,
                                savings_targets=tuple(TargetSpec(year=t.year, min=t.min, measure=t.measure,
                                                                 udvalg=t.udvalg) for t in p.savings_targets))
                      for p in scenario.parties),
    )


def minimised_pool_covers(scenario: Scenario) -> tuple[str, ...]:
    """The pool categories whose investment the min_pool objective minimises: those of every pool
    of the scenario (the pool's `pool_covers` when it has a pool, each named pool's `covers`), or
    Service and Anlæg when there is no pool."""
    covers: list[str] = [c.value for c in scenario.pool_covers] if scenario.pool is not None else []
    for p in scenario.pools:
        covers += p.covers
    return tuple(dict.fromkeys(covers)) or (Styring.SERVICE.value, Styring.ANLAEG.value)


def scenario_objective(scenario: Scenario) -> ObjectiveSpec:
    return ObjectiveSpec(kind=scenario.objective, discount_rate=scenario.discount_rate,
                         npv_extra_years=scenario.npv_extra_years, haircut=scenario.risk_haircut.by_rank(),
                         pool_covers=minimised_pool_covers(scenario) if scenario.objective == "min_pool" else ())


def build_instance(ds: DataSet, scenario: Scenario, cache: InstanceCache | None = None) -> Instance:
    """The instance of a scenario. Validates the scenario against the dataset (ScenarioError)."""
    scenario.validate_for(ds)
    items = cache.items(scenario) if cache is not None and cache.ds is ds else _build_items(ds, scenario)
    return Instance(years=scenario.years, items=items, rules=scenario_rules(scenario),
                    objective=scenario_objective(scenario), base_year=scenario.base_year)
