"""The pure-number instance: one `Item` per selectable variant, the `Rules`, the objective."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from .. import fmt
from ..figures import npv
from ..model import Risk, variant_label
from ..scenario import OBJECTIVE_LABELS

RISK_NAMES: tuple[str, ...] = tuple(r.value for r in sorted(Risk, key=lambda r: r.rank))
RISKY_FROM = Risk.MIDDEL.rank  # the risky-share rule counts proposals at this risk or above
Status = Literal["optimal", "infeasible", "time_limit"]
ObjectiveKind = Literal["net", "permanent", "annual", "npv"]
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

    @property
    def label(self) -> str:
        return variant_label(self.key, self.variant)

    @property
    def pool_total(self) -> float:
        return sum(self.pool_investment)

    @property
    def risk_name(self) -> str:
        return RISK_NAMES[self.risk]


@dataclass(frozen=True)
class ObjectiveSpec:
    """What is maximised (savings positive). `haircut[rank]` is the share of each saving of a
    proposal at that risk that is not counted (expected value); it never affects the pool."""

    kind: ObjectiveKind = "net"
    discount_rate: float = 0.035
    npv_extra_years: int = 0
    haircut: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def label(self) -> str:
        return OBJECTIVE_LABELS[self.kind]


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


@dataclass(frozen=True)
class Rule:
    """One removable group of constraints (the unit of infeasibility explanations)."""

    kind: Literal["pool_total", "pool_year", "max_risk", "max_payback", "risky_share", "force_in",
                  "force_out", "dependency", "pinned"]
    key: str = ""  # force_in/force_out/pinned: the proposal; dependency: the requiring proposal
    other: str = ""  # dependency: the required proposal; pinned: the variant
    year: int = 0  # pool_year


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
        """Every active rule group of the instance."""
        r = self.rules
        out: list[Rule] = [Rule("force_in", key=k) for k in r.force_in]
        out += [Rule("pinned", key=k, other=v) for k, v in r.pinned]
        if r.dependencies:
            edges = sorted({(it.key, req) for it in self.items for req in it.requires if req != it.key})
            out += [Rule("dependency", key=a, other=b) for a, b in edges]
        out += [Rule("force_out", key=k) for k in r.force_out]
        if r.max_risky_share is not None:
            out.append(Rule("risky_share"))
        if r.max_payback is not None:
            out.append(Rule("max_payback"))
        if r.max_risk is not None:
            out.append(Rule("max_risk"))
        out += [Rule("pool_year", year=y) for y, _ in r.pool_per_year]
        if r.pool_total is not None:
            out.append(Rule("pool_total"))
        return tuple(out)

    # --- rule semantics shared by the model, the statuses and the explanations ---------------

    def excluded_by(self, rule: Rule) -> frozenset[int]:
        """Items a rule fixes to 0 (empty for rules that are rows, not bounds)."""
        r = self.rules
        if rule.kind == "max_risk" and r.max_risk is not None:
            return frozenset(i for i, it in enumerate(self.items) if it.risk > r.max_risk)
        if rule.kind == "max_payback" and r.max_payback is not None:
            return frozenset(i for i, it in enumerate(self.items)
                             if it.payback is None or it.payback > r.max_payback)
        if rule.kind == "force_out":
            return frozenset(self.by_key.get(rule.key, ()))
        if rule.kind == "pinned":
            return frozenset(i for i in self.by_key.get(rule.key, ()) if self.items[i].variant != rule.other)
        if rule.kind == "dependency" and rule.other not in self.by_key:
            return frozenset(self.by_key.get(rule.key, ()))
        return frozenset()

    def pool_year_amount(self, year: int) -> float:
        return dict(self.rules.pool_per_year)[year]
