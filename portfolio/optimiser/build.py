"""Building an `Instance` from a dataset and a scenario (amounts at the scenario's p/l).

The items are assembled with array operations over the dataset's line table
(`portfolio.linetable`): every variant's yearly amounts on the horizon (price conversion, year
alignment, permanent changes carried on) and its sums per pool category and udvalg, the same
numbers as `flows.variant_flows` gives line by line, without a Python loop per line.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import linetable
from ..flows import Alignment
from ..linetable import added_in_order
from ..model import DataSet, Styring
from ..prices import PriceIndexError
from ..scenario import Scenario, ScenarioError, flow_settings
from .instance import Arrays, Instance, Item, ItemRows, NamedAmounts, ObjectiveSpec, Rules, row_sums
from .rules import PartySpec, PoolSpec, TargetSpec

_ZERO_TOL = 1e-12  # a per-name row whose amounts are all within this of 0 is left out (`Item.invest_by`)


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
        self._items: OrderedDict[_ItemKey, _Built] = OrderedDict()
        self._lock = threading.Lock()  # the dashboard may solve from several sessions at once

    def clear(self) -> None:
        """Forget every build (the next scenario builds its items again)."""
        with self._lock:
            self._items.clear()

    def items(self, scenario: Scenario) -> Sequence[Item]:
        return self.items_and_arrays(scenario)[0]

    def items_and_arrays(self, scenario: Scenario) -> _Built:
        key = _ItemKey(flow=(scenario.base_year, scenario.horizon, scenario.alignment, scenario.extend_permanent,
                             tuple(sorted(scenario.price_index.items()))),
                       pool_covers=tuple(scenario.pool_covers), catalogues=tuple(scenario.catalogues))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        built = _build_items(self.ds, scenario)
        with self._lock:
            self._items[key] = built
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return built


def _factors(tab: linetable.LineTable, props: np.ndarray, ds: DataSet, scenario: Scenario) -> np.ndarray:
    """The p/l factor of each proposal in `props` (1.0 at the base p/l); a missing index year raises
    ScenarioError for the first proposal that needs it."""
    settings = flow_settings(ds, scenario)
    index = settings.index
    assert index is not None
    base = scenario.base_year
    by_pl: dict[int, float] = {}
    for pl in dict.fromkeys(tab.prop_pl[props].tolist()):
        if pl == base:
            by_pl[pl] = 1.0
            continue
        try:
            by_pl[pl] = index.factor(pl, base)
        except PriceIndexError as e:
            raise ScenarioError(str(e)) from None
    out = np.ones(len(tab.props))
    for pl, f in by_pl.items():
        out[tab.prop_pl == pl] = f
    return out


_Built = tuple[Sequence[Item], Arrays, dict[str, tuple[int, ...]]]  # the items, their arrays, `Instance.by_key`


def default_cache(ds: DataSet) -> InstanceCache:
    """The dataset's own instance cache (kept with the dataset), for callers that bring none: a
    scenario solved again with other rules on the same catalogues and flow settings reuses its items."""
    found = ds.memo.get(_CACHE_KEY)
    if found is None:
        found = ds.memo.setdefault(_CACHE_KEY, InstanceCache(ds, max_entries=4))
    return found  # type: ignore[return-value]


_CACHE_KEY = ("instance_cache",)


def _build_items(ds: DataSet, scenario: Scenario) -> _Built:
    tab = linetable.table(ds)
    years = scenario.years
    n_years = len(years)
    chosen_cats = [k for k, c in enumerate(tab.cat_ids) if c in scenario.catalogues]
    prop_on = np.isin(tab.prop_cat, chosen_cats)
    items_on = np.nonzero(prop_on[tab.item_prop])[0]
    n = len(items_on)
    if not n:
        return (), Arrays.empty(n_years), {}
    props = np.nonzero(prop_on)[0]
    factor = _factors(tab, props, ds, scenario)
    if scenario.alignment == Alignment.SHIFTED.value:
        shift = scenario.horizon[0] - tab.prop_first
    else:
        shift = np.zeros(len(tab.props), dtype=np.int64)
    # every line of the chosen proposals on the horizon (flows.variant_flows, vectorised)
    lines = np.nonzero(prop_on[tab.line_prop])[0]
    lp = tab.line_prop[lines]
    yr = np.array(years, dtype=np.int64)
    col = yr[None, :] - shift[lp][:, None] - tab.y0
    span = tab.amounts.shape[1]
    inside = (col >= 0) & (col < span)
    colc = np.clip(col, 0, span - 1)
    rows = lines[:, None]
    stated = inside & tab.present[rows, colc]
    f = factor[lp][:, None]
    last = tab.amounts[lines, tab.prop_last[lp] - tab.y0][:, None]
    varig = ~tab.line_impl[lines]
    carried = (~stated & varig[:, None] & bool(scenario.extend_permanent)
               & (yr[None, :] > (tab.prop_last[lp] + shift[lp])[:, None]))
    flows = np.where(stated, tab.amounts[rows, colc] * f, np.where(carried, last * f, 0.0))
    # the memberships of the chosen variants, renumbered
    new_item = np.full(len(tab.item_prop), -1, dtype=np.int64)
    new_item[items_on] = np.arange(n)
    pos = np.full(len(tab.line_prop), -1, dtype=np.int64)
    pos[lines] = np.arange(len(lines))
    keep = new_item[tab.pair_item] >= 0
    pi = new_item[tab.pair_item[keep]]
    pl_ = tab.pair_line[keep]
    a = flows[pos[pl_]]
    impl = tab.line_impl[pl_]
    styr = tab.line_styring[pl_]
    innov = tab.line_innovation[pl_]
    covers = np.array([linetable.STYRINGS.index(s) for s in scenario.pool_covers], dtype=np.int64)
    covered = impl & np.isin(styr, covers) & ~innov

    inv = added_in_order(n, pi[impl], a[impl])
    pool = added_in_order(n, pi[covered], a[covered])
    perm = added_in_order(n, pi[~impl], a[~impl])
    sav = added_in_order(n, pi[~impl], np.where(a < 0, a, 0.0)[~impl])
    n_cat = len(linetable.CATEGORIES)
    by_cat = added_in_order(n * n_cat, pi[impl] * n_cat + tab.line_category[pl_][impl], a[impl]).reshape(n, n_cat, n_years)
    udv = tab.line_udvalg[pl_]
    used = np.unique(udv)
    u_names = tuple(tab.udvalg[u] for u in used.tolist())
    u_col = np.searchsorted(used, udv)
    n_u = len(used)
    by_perm = added_in_order(n * n_u, pi[~impl] * n_u + u_col[~impl], a[~impl]).reshape(n, n_u, n_years)
    service = ~impl & (styr == linetable.SERVICE)
    by_maal = added_in_order(n * n_u, pi[service] * n_u + u_col[service], a[service]).reshape(n, n_u, n_years)

    ia = tab.item_prop[items_on]  # each item's proposal
    iprop = ia.tolist()
    on = items_on.tolist()
    keys = tuple(map(tab.prop_keys.__getitem__, iprop))
    payback = tuple(map(tab.item_payback.__getitem__, on))
    risk = tab.prop_risk[ia]
    items = ItemRows(
        keys=keys, variants=tuple(map(tab.item_variant.__getitem__, on)),
        requires=tuple(map(tab.prop_requires.__getitem__, iprop)), titles=tuple(map(tab.prop_titles.__getitem__, iprop)),
        payback=payback, risk=risk, pool_investment=pool, investment=inv, permanent=perm, savings=sav,
        invest_by=_named(by_cat, linetable.CATEGORIES), maaltal_by=_named(by_maal, u_names),
        permanent_by=_named(by_perm, u_names))
    arrays = Arrays(pool_investment=pool, investment=inv, permanent=perm, savings=sav, risk=risk,
                    payback=np.array([np.nan if b is None else b for b in payback], dtype=float),
                    pool_total=row_sums(pool))
    # Instance.by_key: a proposal's variants are consecutive items (a key twice: its last
    # proposal's items, where the key first came)
    first = np.flatnonzero(np.r_[True, ia[1:] != ia[:-1]]).tolist()
    by_key = {keys[lo]: tuple(range(lo, hi)) for lo, hi in zip(first, [*first[1:], n], strict=True)}
    return items, arrays, by_key


def _named(by: np.ndarray, names: tuple[str, ...]) -> NamedAmounts:
    """Per item the names with an amount (beyond `_ZERO_TOL`) and their amounts (`Item.invest_by`)."""
    return NamedAmounts(names=names, by=by, has=np.any(np.abs(by) > _ZERO_TOL, axis=2))


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
    items, arrays, by_key = (cache.items_and_arrays(scenario) if cache is not None and cache.ds is ds
                             else _build_items(ds, scenario))
    inst = Instance(years=scenario.years, items=items, rules=scenario_rules(scenario),
                    objective=scenario_objective(scenario), base_year=scenario.base_year,
                    trusted=linetable.table(ds).unique_keys)
    inst.__dict__["arrays"] = arrays  # the items' numbers as arrays, already built (`Instance.arrays`)
    inst.__dict__["by_key"] = by_key  # `Instance.by_key`, already built
    return inst
