"""The pure-number instance: one `Item` per selectable variant, the `Rules`, the objective."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from .. import fmt
from ..figures import npv
from ..model import variant_label
from ..scenario import MINIMISED_OBJECTIVES, OBJECTIVE_LABELS
from .rules import RISK_NAMES, PartySpec, PoolSpec, Rule, TargetSpec, active_rules, excluded_by

Status = Literal["optimal", "infeasible", "time_limit"]
ObjectiveKind = Literal["net", "permanent", "annual", "npv", "min_pool"]
_EPS = 1e-9
SOLVER_LABELS = {"highs": "HiGHS", "cbc": "CBC"}  # the solvers by their own names, for people


class OptimiserError(RuntimeError):
    """The solver failed in a way that is not infeasibility or a time limit."""




# --------------------------------------------------------------------------------------------
# The pure-number instance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One selectable variant, with its amounts per horizon year (documents' sign convention)."""

    key: str
    variant: str | None
    risk: int  # Risk.rank: 0 lav, 1 middel, 2 høj
    payback: int | None  # years, on the proposal's own table; None: never within the table
    pool_investment: tuple[float, ...]  # investments in the pool-covered styringsområder
    investment: tuple[float, ...]  # investments in every styringsområde
    permanent: tuple[float, ...]  # permanent changes (savings negative)
    savings: tuple[float, ...] = ()  # the negative part of the permanent lines (<= 0); () = none
    requires: tuple[str, ...] = ()  # keys of proposals this one requires
    title: str = ""
    # investments per pool category (a styringsområde, or INNOVATION_POOL for lines marked for the
    # innovation pool), and permanent changes per udvalg: Service lines (the måltal) and all lines;
    # each (name, amounts per horizon year), names in sorted order, all-zero entries left out
    invest_by: tuple[tuple[str, tuple[float, ...]], ...] = ()
    maaltal_by: tuple[tuple[str, tuple[float, ...]], ...] = ()
    permanent_by: tuple[tuple[str, tuple[float, ...]], ...] = ()

    @property
    def label(self) -> str:
        return variant_label(self.key, self.variant)

    @property
    def pool_total(self) -> float:
        return sum(self.pool_investment)

    @property
    def risk_name(self) -> str:
        return RISK_NAMES[self.risk]

    def invested_in(self, covers: Collection[str]) -> tuple[float, ...]:
        """Investments per horizon year in the pool categories `covers`."""
        return _summed([a for name, a in self.invest_by if name in covers], len(self.investment))

    def maaltal(self, udvalg: str | None = None) -> tuple[float, ...]:
        """Service permanent changes per horizon year (the måltal) of one udvalg, or of all."""
        return _summed([a for name, a in self.maaltal_by if udvalg is None or name == udvalg], len(self.investment))

    def permanent_of(self, udvalg: str | None = None) -> tuple[float, ...]:
        """Permanent changes per horizon year of one udvalg, or of all (= `permanent`)."""
        if udvalg is None:
            return self.permanent
        return _summed([a for name, a in self.permanent_by if name == udvalg], len(self.investment))


def _summed(rows: Sequence[tuple[float, ...]], n: int) -> tuple[float, ...]:
    if len(rows) == 1:
        return rows[0]
    return tuple(math.fsum(r[k] for r in rows) for k in range(n))


@dataclass(frozen=True)
class ObjectiveSpec:
    """What is maximised (savings positive). `haircut[rank]` is the share of each saving of a
    proposal at that risk that is not counted (expected value); it never affects the pool."""

    kind: ObjectiveKind = "net"
    discount_rate: float = 0.035
    npv_extra_years: int = 0
    haircut: tuple[float, float, float] = (0.0, 0.0, 0.0)
    pool_covers: tuple[str, ...] = ()  # min_pool: the pool categories whose investment is minimised

    @property
    def label(self) -> str:
        return OBJECTIVE_LABELS[self.kind]

    @property
    def minimised(self) -> bool:
        """The objective is an amount to make small (min_pool): the optimiser maximises its
        negative, and it is reported as the amount itself (`reported`)."""
        return self.kind in MINIMISED_OBJECTIVES

    def reported(self, value: float | None) -> float | None:
        """The maximised value as the objective is reported in JSON: savings positive for the
        savings objectives, the amount itself (positive) for min_pool."""
        return None if value is None else (-value if self.minimised else value)


def item_value(item: Item, spec: ObjectiveSpec) -> float:
    """The item's objective coefficient (savings positive), over the horizon years."""
    h = spec.haircut[item.risk]
    savings = item.savings or (0.0,) * len(item.permanent)
    # permanent = costs + savings; with the haircut the savings count (1 - h): permanent - h * savings
    perm = [p - h * s for p, s in zip(item.permanent, savings, strict=True)]
    if spec.kind == "net":
        return -(sum(perm) + sum(item.investment))
    if spec.kind == "permanent":
        return -sum(perm)
    if spec.kind == "annual":
        return -perm[-1]
    if spec.kind == "min_pool":
        return -sum(item.invested_in(spec.pool_covers))
    if spec.kind == "npv":
        net = {n: perm[n] + item.investment[n] for n in range(len(perm))}
        return npv(net, spec.discount_rate, spec.npv_extra_years, tail_amount=perm[-1])
    raise ValueError(f"unknown objective {spec.kind!r}")


@dataclass(frozen=True)
class Rules:
    """The constraints of a scenario, each optional. Amounts in the instance's p/l."""

    pool_total: float | None = None
    pool_per_year: tuple[tuple[int, float], ...] = ()
    max_risk: int | None = None  # highest allowed Risk.rank
    max_risky_share: float | None = None  # of the chosen pool-covered investment
    max_payback: int | None = None
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()
    pinned: tuple[tuple[str, str], ...] = ()  # (key, variant name)
    dependencies: bool = True
    pools: tuple[PoolSpec, ...] = ()  # more pools, each over its own categories
    savings_targets: tuple[TargetSpec, ...] = ()
    no_maaltal_increase: bool = False
    self_financing_by: int | None = None
    parties: tuple[PartySpec, ...] = ()  # the parties' demands at the negotiating table


@dataclass(frozen=True)
class Instance:
    """Everything the solver needs, as plain numbers."""

    years: tuple[int, ...]
    items: tuple[Item, ...]
    rules: Rules = field(default_factory=Rules)
    objective: ObjectiveSpec = field(default_factory=ObjectiveSpec)
    base_year: int = 2020

    def __post_init__(self) -> None:
        n = len(self.years)
        for it in self.items:
            for name in ("pool_investment", "investment", "permanent"):
                if len(getattr(it, name)) != n:
                    raise ValueError(f"{it.label}: {name} has {len(getattr(it, name))} years, expected {n}")
            if it.savings and len(it.savings) != n:
                raise ValueError(f"{it.label}: savings has {len(it.savings)} years, expected {n}")
            if not 0 <= it.risk < len(RISK_NAMES):
                raise ValueError(f"{it.label}: risk rank {it.risk}")
        seen: set[tuple[str, str | None]] = set()
        for it in self.items:
            if (it.key, it.variant) in seen:
                raise ValueError(f"{it.label} appears twice")
            seen.add((it.key, it.variant))
        for y, _ in self.rules.pool_per_year:
            if y not in self.years:
                raise ValueError(f"pool year {y} outside the horizon")
        for p in self.rules.pools:
            for y, _ in p.per_year:
                if y not in self.years:
                    raise ValueError(f"pool {p.name}: year {y} outside the horizon")
        for t in (*self.rules.savings_targets, *(t for p in self.rules.parties for t in p.savings_targets)):
            if t.year not in self.years:
                raise ValueError(f"savings target year {t.year} outside the horizon")
        if self.rules.self_financing_by is not None and self.rules.self_financing_by not in self.years:
            raise ValueError(f"self-financing year {self.rules.self_financing_by} outside the horizon")
        for key in (*self.rules.force_in, *self.rules.force_out, *(k for k, _ in self.rules.pinned)):
            if key not in self.by_key:
                raise ValueError(f"unknown proposal {key}")

    @cached_property
    def values(self) -> tuple[float, ...]:
        return tuple(item_value(it, self.objective) for it in self.items)

    @cached_property
    def by_key(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for i, it in enumerate(self.items):
            out.setdefault(it.key, []).append(i)
        return {k: tuple(v) for k, v in out.items()}

    @property
    def unit(self) -> str:
        return fmt.unit(self.base_year)

    def all_rules(self) -> tuple[Rule, ...]:
        """Every active rule group of the instance, in the registry's order (`rules.KINDS`)."""
        return active_rules(self)

    def excluded_by(self, rule: Rule) -> frozenset[int]:
        """Items a rule group fixes to 0 (empty for rules that are rows only)."""
        return excluded_by(self, rule)

    def pool_year_amount(self, year: int) -> float:
        return dict(self.rules.pool_per_year)[year]

    def named_pool(self, name: str) -> PoolSpec:
        return next(p for p in self.rules.pools if p.name == name)
