"""Key figures of a chosen portfolio: what the selection costs and saves, against the pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .effects import UdvalgEffects, udvalg_effects
from .figures import payback_years
from .flows import Flows, FlowSettings, variant_flows
from .model import Block, DataSet, Risk, Styring, Variant
from .prices import Conversion
from .scenario import Scenario, flow_settings


@dataclass(frozen=True)
class PoolUse:
    total_limit: float | None
    total_used: float
    per_year_limit: dict[int, float]
    per_year_used: dict[int, float]

    @property
    def share_used(self) -> float | None:
        if self.total_limit is None or self.total_limit <= 0:
            return None
        return self.total_used / self.total_limit


@dataclass(frozen=True)
class Converted:
    """Proposals whose own p/l differs from the base, and how their amounts were converted."""

    conversion: Conversion
    keys: tuple[str, ...]


@dataclass(frozen=True)
class KeyFigures:
    years: tuple[int, ...]
    price_level_year: int
    n_proposals: int
    investment_by_year: dict[int, float]
    investment_by_styring: dict[str, dict[int, float]]
    permanent_by_year: dict[int, float]
    permanent_by_styring: dict[str, dict[int, float]]
    net_by_year: dict[int, float]
    cumulative_net: dict[int, float]
    net_total: float  # over the horizon, savings negative
    annual_effect: float  # permanent change in the last horizon year, savings negative
    payback: int | None  # of the portfolio on the horizon (year 1 = first horizon year)
    risk_mix: dict[str, int]  # number of chosen proposals per risk level
    risk_investment: dict[str, float]  # pool-covered investment per risk level
    pool: PoolUse
    effects: UdvalgEffects
    conversions: tuple[Converted, ...] = ()  # of every proposal in scope in another p/l, by its own p/l


def key_figures(variants: Sequence[Variant], settings: FlowSettings, years: Sequence[int],
                pool_covers: Sequence[Styring] = (Styring.SERVICE, Styring.ANLAEG),
                pool_total: float | None = None, pool_per_year: Mapping[int, float] | None = None,
                flows: Mapping[tuple[str, str | None], Flows] | None = None) -> KeyFigures:
    """Figures of the portfolio `variants` on the horizon `years` (amounts at settings' p/l).

    `flows` may carry precomputed flows per (key, variant name) to save work.
    """
    years = tuple(years)
    fls = [(flows or {}).get((v.key, v.name)) or variant_flows(v, settings) for v in variants]
    inv_st = {s.value: dict.fromkeys(years, 0.0) for s in Styring}
    perm_st = {s.value: dict.fromkeys(years, 0.0) for s in Styring}
    pool_by_year = dict.fromkeys(years, 0.0)
    risk_inv = {r.value: 0.0 for r in Risk}
    covers = set(pool_covers)
    for v, f in zip(variants, fls, strict=True):
        for fl in f.lines:
            target = inv_st if fl.line.block == Block.IMPL else perm_st
            row = target[fl.line.styring.value]
            for y in years:
                a = fl.amounts.get(y, 0.0)
                row[y] += a
                if fl.line.block == Block.IMPL and fl.line.styring in covers:
                    pool_by_year[y] += a
                    risk_inv[v.proposal.risk.value] += a
    inv = {y: sum(inv_st[s][y] for s in inv_st) for y in years}
    perm = {y: sum(perm_st[s][y] for s in perm_st) for y in years}
    nt = {y: inv[y] + perm[y] for y in years}
    cum, run = {}, 0.0
    for y in years:
        run += nt[y]
        cum[y] = run
    mix = {r.value: 0 for r in Risk}
    for v in variants:
        mix[v.proposal.risk.value] += 1
    ppy = {int(y): float(a) for y, a in (pool_per_year or {}).items()}
    return KeyFigures(
        years=years, price_level_year=settings.base_year or (fls[0].price_level_year if fls else 0),
        n_proposals=len(variants), investment_by_year=inv,
        investment_by_styring={k: v for k, v in inv_st.items() if any(v.values())},
        permanent_by_year=perm, permanent_by_styring={k: v for k, v in perm_st.items() if any(v.values())},
        net_by_year=nt, cumulative_net=cum, net_total=sum(nt.values()), annual_effect=perm[years[-1]] if years else 0.0,
        payback=payback_years(nt), risk_mix=mix, risk_investment=risk_inv,
        pool=PoolUse(pool_total, sum(pool_by_year.values()), ppy, pool_by_year),
        effects=udvalg_effects(fls, years))


def scenario_key_figures(ds: DataSet, scenario: Scenario, selected: Sequence[tuple[str, str | None]],
                         flows: Mapping[tuple[str, str | None], Flows] | None = None) -> KeyFigures:
    """Key figures of the selection (key, variant name) under the scenario's settings and pool."""
    variants = [next(v for v in ds.proposal(k).variants if v.name == name) for k, name in selected]
    pool = scenario.pool
    settings = flow_settings(ds, scenario)
    kf = key_figures(variants, settings, scenario.years, scenario.pool_covers,
                     None if pool is None else pool.total, None if pool is None else pool.per_year, flows)
    return replace(kf, conversions=scenario_conversions(ds, scenario))


def scenario_conversions(ds: DataSet, scenario: Scenario) -> tuple[Converted, ...]:
    """How the proposals of the scenario's catalogues that are in another p/l than the base were
    converted (index and years used), one entry per own p/l year, earliest first."""
    index = flow_settings(ds, scenario).index
    by_year: dict[int, list[str]] = {}
    for c in ds.catalogues:
        if c.id in scenario.catalogues:
            for p in c.proposals:
                if p.price_level_year != scenario.base_year:
                    by_year.setdefault(p.price_level_year, []).append(p.key)
    if index is None:
        return ()
    return tuple(Converted(index.conversion(y, scenario.base_year), tuple(keys)) for y, keys in sorted(by_year.items()))
