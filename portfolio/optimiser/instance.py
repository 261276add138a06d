"""The pure-number instance: one `Item` per selectable variant, the `Rules`, the objective."""

from __future__ import annotations

import gc
import math
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from .. import fmt
from ..figures import npv
from ..model import variant_label
from ..scenario import MINIMISED_OBJECTIVES, OBJECTIVE_LABELS
from .madewhenread import MadeWhenRead
from .rules import RISK_NAMES, PartySpec, PoolSpec, Rule, TargetSpec, active_rules, excluded_by

# "within_gap": stopped at the scenario's allowed relative gap (`Scenario.mip_gap`), not proven optimal
Status = Literal["optimal", "within_gap", "infeasible", "time_limit"]
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


@dataclass(frozen=True, eq=False)
class NamedAmounts:
    """Amounts per item, per name and per horizon year, as `Item.invest_by` lists them: `by`
    (items, names, years); `has` (items, names) marks the names an item lists (an amount beyond
    the builder's zero tolerance), names in order."""

    names: tuple[str, ...]
    by: np.ndarray
    has: np.ndarray


class ItemRows(MadeWhenRead[Item]):
    """The items of a built instance (`build.build_instance`), each made from its rows of the
    arrays the first time it is read.

    The optimiser, the model and the result read only the arrays (`Instance.arrays`) and the
    items' keys, variants and dependencies (`Instance.key_of`, `variant_of`, `requires_of`), so a
    large catalogue makes no `Item` object it does not show. It reads as the tuple of the items it
    stands for, and a read item is kept (`madewhenread.MadeWhenRead`).

    Examples
    --------
    >>> from portfolio.data import load_dataset
    >>> from portfolio.optimiser import build_instance
    >>> from portfolio.scenario import Scenario
    >>> inst = build_instance(load_dataset(), Scenario())
    >>> inst.items[0].key == inst.key_of[0] and inst.items == tuple(inst.items)
    True
    """

    def __init__(self, keys: tuple[str, ...], variants: tuple[str | None, ...], requires: tuple[tuple[str, ...], ...],
                 titles: tuple[str, ...], payback: tuple[int | None, ...], risk: np.ndarray, pool_investment: np.ndarray,
                 investment: np.ndarray, permanent: np.ndarray, savings: np.ndarray, invest_by: NamedAmounts,
                 maaltal_by: NamedAmounts, permanent_by: NamedAmounts) -> None:
        self.keys, self.variants, self.requires, self.titles, self.payback = keys, variants, requires, titles, payback
        self._risk = risk
        self._yearly = (pool_investment, investment, permanent, savings)
        self._named = (invest_by, maaltal_by, permanent_by)
        self._made: list[Item | None] = [None] * len(keys)

    def _make(self, lo: int, hi: int) -> list[Item]:
        """Items lo..hi-1, made as `Item(...)` makes them (every field set, in its order, without
        the per-field checks of a frozen dataclass)."""
        pool, inv, perm, sav = (m[lo:hi].tolist() for m in self._yearly)
        named = [(nm.names, nm.by[lo:hi].tolist(), nm.has[lo:hi].tolist()) for nm in self._named]
        risk = self._risk[lo:hi].tolist()
        new, put = object.__new__, object.__setattr__
        out = []
        with gc_paused():
            for k, i in enumerate(range(lo, hi)):
                invest_by, maaltal_by, permanent_by = (
                    tuple((names[c], tuple(by[k][c])) for c, on in enumerate(has[k]) if on) for names, by, has in named)
                it = new(Item)
                put(it, "__dict__", {
                    "key": self.keys[i], "variant": self.variants[i], "risk": risk[k], "payback": self.payback[i],
                    "pool_investment": tuple(pool[k]), "investment": tuple(inv[k]), "permanent": tuple(perm[k]),
                    "savings": tuple(sav[k]), "requires": self.requires[i], "title": self.titles[i],
                    "invest_by": invest_by, "maaltal_by": maaltal_by, "permanent_by": permanent_by})
                out.append(it)
        return out


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


@dataclass(frozen=True, eq=False)
class Arrays:
    """The items' numbers as arrays, one row per item (the same floats as the items' tuples)."""

    pool_investment: np.ndarray  # (items, years)
    investment: np.ndarray
    permanent: np.ndarray
    savings: np.ndarray  # zeros where an item has no savings
    risk: np.ndarray  # (items,) Risk.rank
    payback: np.ndarray  # (items,) years, nan: never within the table
    pool_total: np.ndarray  # (items,) `Item.pool_total`

    @staticmethod
    def empty(n_years: int) -> Arrays:
        z = np.zeros((0, n_years))
        return Arrays(z, z, z, z, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))

    @staticmethod
    def of(items: Sequence[Item], n_years: int) -> Arrays:
        if not items:
            return Arrays.empty(n_years)
        zero = (0.0,) * n_years
        return Arrays(
            pool_investment=np.array([it.pool_investment for it in items], dtype=float),
            investment=np.array([it.investment for it in items], dtype=float),
            permanent=np.array([it.permanent for it in items], dtype=float),
            savings=np.array([it.savings or zero for it in items], dtype=float),
            risk=np.array([it.risk for it in items], dtype=np.int64),
            payback=np.array([np.nan if it.payback is None else it.payback for it in items], dtype=float),
            pool_total=np.array([it.pool_total for it in items], dtype=float))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Collect no garbage while a block makes many small objects that all stay alive (the items,
    the statuses): the collector would only walk them again and again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def row_sums(m: np.ndarray) -> np.ndarray:
    """Python's `sum` of each row, as an array: one addition at a time from 0.0 (Python 3.11's
    `sum` of floats), or by `sum` itself where it is compensated (3.12 and later)."""
    if sys.version_info >= (3, 12):
        return np.array(list(map(sum, m.tolist())), dtype=float)
    out = np.zeros(m.shape[0])
    for k in range(m.shape[1]):
        out += m[:, k]
    return out


def _values(inst: Instance) -> np.ndarray:
    """`item_value` of every item, with array operations in the same order (elementwise products
    and differences as in `item_value`, totals over years by Python's `sum`, the NPV's discounting
    one year at a time as `figures.npv`), so each value is the same float."""
    spec = inst.objective
    n = len(inst.items)
    if not n:
        return np.zeros(0)
    if spec.kind not in ("net", "permanent", "annual", "npv"):
        return np.array([item_value(it, spec) for it in inst.items], dtype=float)
    a = inst.arrays
    h = np.array(spec.haircut, dtype=float)[a.risk]
    perm = a.permanent - h[:, None] * a.savings
    if spec.kind == "net":
        return -(row_sums(perm) + row_sums(a.investment))
    if spec.kind == "permanent":
        return -row_sums(perm)
    if spec.kind == "annual":
        return -perm[:, -1]
    net = perm + a.investment
    value = np.zeros(n)
    for k in range(net.shape[1]):
        value += -net[:, k] / (1 + spec.discount_rate) ** k
    tail = perm[:, -1]
    for k in range(spec.npv_extra_years):
        value += -tail / (1 + spec.discount_rate) ** (net.shape[1] + k)
    return value


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
    items: Sequence[Item]  # a tuple, or the builder's `ItemRows`
    rules: Rules = field(default_factory=Rules)
    objective: ObjectiveSpec = field(default_factory=ObjectiveSpec)
    base_year: int = 2020
    # the builder's items are checked by construction (`build.build_instance`); not a field
    trusted: InitVar[bool] = False
    # what the analyses derive from the (immutable) instance, made once (e.g. the frontier's listed
    # portfolios); not an argument, so `dataclasses.replace` starts a new one
    memo: dict[object, object] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self, trusted: bool = False) -> None:
        n = len(self.years)
        ranks = range(len(RISK_NAMES))
        for it in () if trusted else self.items:
            if (len(it.pool_investment) == n and len(it.investment) == n and len(it.permanent) == n
                    and (not it.savings or len(it.savings) == n) and it.risk in ranks):
                continue
            for name in ("pool_investment", "investment", "permanent"):
                if len(getattr(it, name)) != n:
                    raise ValueError(f"{it.label}: {name} has {len(getattr(it, name))} years, expected {n}")
            if it.savings and len(it.savings) != n:
                raise ValueError(f"{it.label}: savings has {len(it.savings)} years, expected {n}")
            raise ValueError(f"{it.label}: risk rank {it.risk}")
        if not trusted and len({(it.key, it.variant) for it in self.items}) != len(self.items):
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
        """Each item's objective coefficient (`item_value`)."""
        return tuple(self.value_array.tolist())

    @cached_property
    def value_array(self) -> np.ndarray:
        """`values` as an array, computed for every item at once (the same numbers as `item_value`)."""
        return _values(self)

    @cached_property
    def arrays(self) -> Arrays:
        """The items' amounts as arrays (the builder sets it; else derived from the items)."""
        return Arrays.of(self.items, len(self.years))

    @cached_property
    def key_of(self) -> tuple[str, ...]:
        """Each item's proposal key (`Item.key`), without making the items."""
        items = self.items
        return items.keys if isinstance(items, ItemRows) else tuple(it.key for it in items)

    @cached_property
    def variant_of(self) -> tuple[str | None, ...]:
        """Each item's variant name (`Item.variant`), without making the items."""
        items = self.items
        return items.variants if isinstance(items, ItemRows) else tuple(it.variant for it in items)

    @cached_property
    def requires_of(self) -> tuple[tuple[str, ...], ...]:
        """The keys each item requires (`Item.requires`), without making the items."""
        items = self.items
        return items.requires if isinstance(items, ItemRows) else tuple(it.requires for it in items)

    def selection(self, chosen: Iterable[int]) -> tuple[tuple[str, str | None], ...]:
        """The (key, variant) of the items `chosen`, in that order (as `Result.selected`), without
        making the items."""
        keys, variants = self.key_of, self.variant_of
        return tuple((keys[i], variants[i]) for i in chosen)

    @cached_property
    def index_of(self) -> dict[tuple[str, str | None], int]:
        """Each item's index by its (key, variant)."""
        return {kv: i for i, kv in enumerate(zip(self.key_of, self.variant_of, strict=True))}

    @cached_property
    def by_key(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for i, key in enumerate(self.key_of):
            out.setdefault(key, []).append(i)
        return {k: tuple(v) for k, v in out.items()}

    @property
    def unit(self) -> str:
        return fmt.unit(self.base_year)

    def all_rules(self) -> tuple[Rule, ...]:
        """Every active rule group of the instance, in the registry's order (`rules.KINDS`)."""
        return self._active_rules

    @cached_property
    def _active_rules(self) -> tuple[Rule, ...]:
        return active_rules(self)  # the instance is immutable: its rule groups are found once

    def excluded_by(self, rule: Rule) -> frozenset[int]:
        """Items a rule group fixes to 0 (empty for rules that are rows only)."""
        return excluded_by(self, rule)

    def pool_year_amount(self, year: int) -> float:
        return dict(self.rules.pool_per_year)[year]

    def named_pool(self, name: str) -> PoolSpec:
        return next(p for p in self.rules.pools if p.name == name)
