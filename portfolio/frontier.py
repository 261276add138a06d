"""The pool frontier: the best objective as a function of the investment pool in total.

`pool_frontier(ds, scenario, points)` evaluates the scenario's optimum at `points` evenly spaced
totals of the pool, from 0 to `pool_max` (the pool that admits every eligible proposal), with every
other setting of the scenario unchanged (per-year pools, risk, payback, forced and pinned
proposals, dependencies, objective). Every point is a proven optimum, or labelled honestly
("infeasible": no portfolio satisfies the rules at that pool; "time_limit": not proven).

Two exact methods:

* **pareto** (when the only resource rule is the pool in total, i.e. no per-year pool and no
  risky-share cap): a Nemhauser-Ullmann dynamic programme over the proposals. Each proposal (or,
  with dependencies, each connected group of proposals) offers its admissible options (left out
  unless forced in, or one of its allowed variants; combinations that break a dependency are
  dropped); the programme keeps every portfolio that is not dominated in (pool use, objective).
  The best objective at pool P is then the best kept portfolio with pool use <= P, for every P at
  once. Items ruled out by risk, payback, force-out, pinned variants or missing dependencies are
  simply not offered. It falls back to the MILP when a dependency group has too many
  combinations or the number of kept portfolios explodes.
* **milp** (otherwise): one reusable HiGHS model (`optimiser.ReusableModel`); only the pool row's
  bound changes between solves (relative gap 0). The pools are visited from the largest down and
  the optimum is monotone in the pool: a portfolio that is optimal at pool P and uses u <= P is
  also optimal at every pool in [u, P] (the feasible set only shrinks, and it stays feasible), so
  those points need no solve; and a pool below an infeasible one is infeasible too.
  Before that ("pareto+milp"), the programme solves the relaxation without the per-year pools and
  the risky share: where the relaxation has no portfolio neither has the scenario, and where its
  optimum happens to satisfy the dropped rules it is the scenario's optimum (an upper bound that
  is attained); only the other points go to the MILP.

* **enumeration** (otherwise, when the portfolios the other rules admit without the pool in total
  fit `optimiser.enumeration`'s bound): they are listed once and sorted by pool use; the optimum
  at pool P is the prefix maximum of the objective over the uses up to P (the least-use portfolio
  reaching it), exact at every pool, and the breakpoints are the positions where the prefix
  maximum rises. Tried before the MILP.

`Frontier.method` says which was used: "pareto", "enumeration", "pareto+milp" or "milp".

The pools can also be chosen: `pool_frontier(..., step=5000)` evaluates exactly 0, step, 2·step, …
up to the upper end (`upper`, default `pool_max`; the upper end itself too when it is not a
multiple of the step), and `pools=[…]` any list.

**Breakpoints** (`frontier_breakpoints`, `pool_frontier(..., breakpoints=True)`): the exact pools
in (0, upper] at which the optimum changes. The best objective f(P) is a non-decreasing step
function of the pool P, constant between breakpoints and attained at them (a portfolio that uses
u fits every pool >= u): b is a breakpoint when f(b) > f(P) for every P < b (or no portfolio fits
below b). Each is the pool use of an optimal portfolio, the least pool use among the portfolios
that reach f(b).

* With the programme (pool in total the only resource rule) they are read off its last layer:
  the non-dominated portfolios, sorted by pool use, have strictly increasing objectives, so the
  breakpoints are exactly their pool uses in (0, upper].
* With the listed portfolios (the "enumeration" method) they are where the prefix maximum rises.
* Otherwise a walk down from the upper end with the reusable model: at pool P the optimum S
  (value v, pool use u) is optimal on [u, P]; re-solving at u - δ (δ = `BREAK_RESOLUTION`,
  1 kr.) either finds a portfolio as good with a smaller use (the same level: continue from it)
  or a worse one, which proves that no portfolio reaches v with a use of u - δ or less, so u is
  the breakpoint to within δ (exactly, when the pool amounts are whole kroner), and the worse
  portfolio starts the next level. About one solve per breakpoint. A solve that is not proven
  (time limit) stops the walk: `Frontier.breakpoints_complete` is then False.

Optimal sets are not nested: a proposal can leave the portfolio when the pool grows (a bigger
proposal replaces several small ones). `entered` and `left` compare each point's portfolio with
the previous (smaller) pool's; the first point is compared with the empty portfolio.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from .model import DataSet
from .optimiser import (
    Instance,
    InstanceCache,
    ReusableModel,
    Status,
    build_instance,
)
from .optimiser.rules import forced_in, not_pareto_exact, release, violations
from .scenario import Scenario

if TYPE_CHECKING:  # the engines are imported when the frontier lists portfolios
    from .optimiser.enumeration import Admissible

Method = Literal["auto", "pareto", "enumeration", "milp"]

MAX_GROUP_COMBINATIONS = 4096  # options of one dependency group before the MILP takes over
MAX_STATES = 200_000  # non-dominated portfolios kept by the dynamic programme before the MILP takes over
BREAK_RESOLUTION = 1e-3  # 1.000 kr.: the breakpoint walk's step below a portfolio's pool use (1 kr.)
MAX_STEP_POINTS = 2001  # pools of a stepped frontier


@dataclass(frozen=True)
class FrontierPoint:
    pool: float
    objective: float | None  # savings positive; None when no portfolio is known
    status: str  # "optimal" | "infeasible" | "time_limit"
    selected: tuple[tuple[str, str | None], ...]
    entered: tuple[str, ...]  # labels ("SI05 (Model 1)", "BU01") not in the previous point's portfolio
    left: tuple[str, ...]  # labels of the previous point's portfolio that are not in this one


@dataclass(frozen=True)
class Frontier:
    points: tuple[FrontierPoint, ...]  # ascending pool: evenly spaced from 0 to pool_max, or the pools asked for
    pool_max: float
    current_pool: float | None  # the scenario's own pool in total (None: no total pool)
    unit: str
    seconds: float
    method: str = "milp"  # "pareto", "enumeration", "pareto+milp" or "milp" (which exact method produced the points)
    # the exact pools in (0, upper] where the optimum changes (only when asked for; see the module
    # docstring); entered/left compare with the previous breakpoint's portfolio (the first with
    # the optimum at pool 0, or the empty portfolio when no portfolio fits at pool 0)
    breakpoints: tuple[FrontierPoint, ...] = ()
    upper: float | None = None  # the largest pool considered (None: pool_max)
    breakpoints_complete: bool = True  # False when a solve of the breakpoint walk was not proven
    breakpoint_method: str = ""  # "pareto", "enumeration" or "milp" ("" when no breakpoints were asked for)

    def changes(self) -> tuple[FrontierPoint, ...]:
        """The points where the optimal portfolio changed (some proposal entered or left)."""
        return tuple(p for p in self.points if p.entered or p.left)


def excluded_items(inst: Instance) -> set[int]:
    """Items some rule fixes to 0 (risk, payback, force-out, pinned variant, missing dependency)."""
    out: set[int] = set()
    for rule in inst.all_rules():
        out |= inst.excluded_by(rule)
    return out


def pool_max_of(inst: Instance) -> float:
    """The pool that admits every eligible proposal: over proposals, the largest pool-covered
    investment (in total over the horizon) among the variants the other rules allow (risk,
    payback, force-out, pinned variant, missing dependency), summed; negative amounts count 0."""
    excluded = excluded_items(inst)
    total = 0.0
    for idx in inst.by_key.values():
        allowed = [inst.items[i].pool_total for i in idx if i not in excluded]
        if allowed:
            total += max(0.0, max(allowed))
    return total


def _tol(pool: float) -> float:
    return 1e-9 * max(1.0, abs(pool))


# --------------------------------------------------------------------------------------------
# Exact method 1: the Pareto (Nemhauser-Ullmann) dynamic programme
# --------------------------------------------------------------------------------------------


def pareto_applies(inst: Instance) -> bool:
    """Whether the programme alone is exact: every active rule is one it holds (`RuleKind.pareto_exact`:
    the pool in total, and the rules that only fix items or tie a proposal's variants together).
    Otherwise it solves a relaxation."""
    return not not_pareto_exact(inst)


def relaxed(inst: Instance) -> Instance:
    """The instance without the rules the programme cannot hold (today the per-year pools and the
    risky share): its optimum bounds the instance's, and is the instance's when it satisfies them."""
    return replace(inst, rules=release(inst.rules, not_pareto_exact(inst)))


def satisfies_dropped(inst: Instance, chosen: Sequence[int]) -> bool:
    """Whether a selection satisfies the rules `relaxed` drops (to 1e-9 of their scale)."""
    return not any(violations(inst, rule, chosen, 1e-9) for rule in not_pareto_exact(inst))


def components(inst: Instance) -> list[tuple[str, ...]]:
    """The proposals in independent groups: linked by dependencies (when they apply), else alone."""
    from .optimiser.enumeration import Partition  # noqa: PLC0415

    part = Partition(list(inst.by_key))
    for a, b in _edges(inst):  # none when the dependencies do not apply
        part.join(a, b)
    return [tuple(m) for m in part.groups()]


def _edges(inst: Instance) -> list[tuple[str, str]]:
    if not inst.rules.dependencies:
        return []
    return sorted({(it.key, req) for it in inst.items for req in it.requires
                   if req != it.key and req in inst.by_key})


@dataclass(frozen=True, eq=False)
class Group:
    """The admissible options of one group of proposals: each a tuple of item indices (at most one
    variant per proposal, none of them ruled out, every forced proposal present, every
    dependency inside the group met), with its pool use and objective."""

    keys: tuple[str, ...]
    options: tuple[tuple[int, ...], ...]
    cost: np.ndarray
    value: np.ndarray


def group_options(inst: Instance, keys: Sequence[str], excluded: set[int]) -> Group | None:
    """The options of a group under the instance's rules (None: too many combinations)."""
    forced = forced_in(inst)
    per_key: list[list[int | None]] = []
    combos = 1
    for k in keys:
        opts: list[int | None] = [] if k in forced else [None]
        opts += [i for i in inst.by_key[k] if i not in excluded]
        per_key.append(opts)
        combos *= len(opts)
        if combos > MAX_GROUP_COMBINATIONS:
            return None
    inside = set(keys)
    edges = [(a, b) for a, b in _edges(inst) if a in inside]
    options: list[tuple[int, ...]] = [()]
    for opts in per_key:
        options = [t + ((o,) if o is not None else ()) for t in options for o in opts]
    if edges:
        item_key = [it.key for it in inst.items]
        kept = []
        for o in options:
            chosen = {item_key[i] for i in o}
            if all(b in chosen for a, b in edges if a in chosen):
                kept.append(o)
        options = kept
    pool_of = [it.pool_total for it in inst.items]
    values = inst.values
    return Group(keys=tuple(keys), options=tuple(options),
                 cost=np.array([math.fsum(pool_of[i] for i in o) for o in options], dtype=float),
                 value=np.array([math.fsum(values[i] for i in o) for o in options], dtype=float))


def groups_of(inst: Instance) -> list[Group] | None:
    """Every group's options under the instance's rules (None: a group has too many)."""
    excluded = excluded_items(inst)
    out = []
    for keys in components(inst):
        g = group_options(inst, keys, excluded)
        if g is None:
            return None
        out.append(g)
    return out


class ParetoLayers:
    """The dynamic programme over a sequence of groups: after each group (a layer) the
    portfolios of the groups so far that no other beats in both pool use and objective, sorted
    by pool use (so the objective strictly increases along a layer), with back-pointers.

    Layer 0 is the empty portfolio; layer j covers groups[:j]. When every pool use is
    non-negative, portfolios over `cap` are dropped. `ok` is False when a layer grew beyond
    MAX_STATES (the caller then uses the MILP)."""

    def __init__(self, groups: Sequence[Group], cap: float | None = None) -> None:
        self.groups = list(groups)
        self.costs: list[np.ndarray] = [np.zeros(1)]
        self.values: list[np.ndarray] = [np.zeros(1)]
        self.trail: list[tuple[np.ndarray, np.ndarray]] = []
        self.ok = True
        prune = cap is not None and all(len(g.cost) == 0 or float(g.cost.min()) >= 0.0 for g in self.groups)
        cost, val = self.costs[0], self.values[0]
        for g in self.groups:
            m, q = len(cost), len(g.cost)
            c = (cost[:, None] + g.cost[None, :]).ravel()
            v = (val[:, None] + g.value[None, :]).ravel()
            par = np.repeat(np.arange(m), q)
            opt = np.tile(np.arange(q), m)
            if prune and cap is not None:
                keep = c <= cap + _tol(cap)
                c, v, par, opt = c[keep], v[keep], par[keep], opt[keep]
            order = np.lexsort((-v, c))  # by pool use; the best objective first among equal uses
            c, v, par, opt = c[order], v[order], par[order], opt[order]
            keep = np.ones(len(v), dtype=bool)
            if len(v) > 1:
                keep[1:] = v[1:] > np.maximum.accumulate(v)[:-1]  # strictly better than every cheaper one
            cost, val = c[keep], v[keep]
            self.costs.append(cost)
            self.values.append(val)
            self.trail.append((par[keep], opt[keep]))
            if len(cost) > MAX_STATES:
                self.ok = False
                return

    @property
    def last(self) -> int:
        return len(self.costs) - 1

    def best(self, cap: float | None, layer: int | None = None) -> int | None:
        """The best portfolio of a layer within the pool (index into the layer), None if none fits."""
        costs = self.costs[self.last if layer is None else layer]
        if not len(costs):
            return None
        if cap is None:
            return len(costs) - 1
        k = int(np.searchsorted(costs, cap + _tol(cap), side="right")) - 1
        return k if k >= 0 else None

    def selection(self, layer: int, k: int) -> list[int]:
        """The items of portfolio k of a layer."""
        chosen: list[int] = []
        for g in range(layer - 1, -1, -1):
            par, opt = self.trail[g]
            chosen.extend(self.groups[g].options[int(opt[k])])
            k = int(par[k])
        return chosen


def best_around(fwd: ParetoLayers, bwd: ParetoLayers, g: int, group: Group,
                cap: float | None) -> tuple[int, ...] | None:
    """The best portfolio within `cap` when group g (of G) has the options `group` and every other
    group its own: the forward layer before g, the group, and the backward layer after it
    (`bwd` runs over the groups in reverse). None when no portfolio fits."""
    n_groups = len(fwd.groups)
    ca, va = fwd.costs[g], fwd.values[g]
    lb = n_groups - g - 1
    cb, vb = bwd.costs[lb], bwd.values[lb]
    if not len(ca) or not len(cb) or not len(group.cost):
        return None
    limit = np.inf if cap is None else cap + _tol(cap)
    best_val = -np.inf
    best: tuple[int, int, int] | None = None
    for o in range(len(group.cost)):
        rem = limit - ca - group.cost[o]
        idx = np.searchsorted(cb, rem, side="right") - 1
        ok = idx >= 0
        if not ok.any():
            continue
        tot = np.where(ok, va + group.value[o] + vb[np.maximum(idx, 0)], -np.inf)
        a = int(np.argmax(tot))
        if tot[a] > best_val:
            best_val = float(tot[a])
            best = (a, o, int(idx[a]))
    if best is None:
        return None
    a, o, b = best
    return tuple(sorted([*fwd.selection(g, a), *group.options[o], *bwd.selection(lb, b)]))


def _pareto_points(inst: Instance, pools: Sequence[float]) -> list[tuple[Status, tuple[int, ...] | None]] | None:
    """(status, chosen items) at each pool by the programme on `inst` (exact only when
    `pareto_applies`; otherwise on its relaxation); None when the programme gives up."""
    groups = groups_of(inst)
    if groups is None:
        return None
    layers = ParetoLayers(groups, max(pools) if pools else 0.0)
    if not layers.ok:
        return None
    out: list[tuple[Status, tuple[int, ...] | None]] = []
    for pool in pools:
        k = layers.best(pool)
        out.append(("infeasible", None) if k is None else ("optimal", tuple(sorted(layers.selection(layers.last, k)))))
    return out


# --------------------------------------------------------------------------------------------
# Exact method 2: one reusable MILP, largest pool first
# --------------------------------------------------------------------------------------------


def _milp_points(inst: Instance, pools: Sequence[float], time_limit: float,
                 known: Sequence[tuple[Status, tuple[int, ...] | None] | None] | None = None,
                 ) -> list[tuple[Status, tuple[int, ...] | None]]:
    """Solve the points not already `known` (proven) with one reusable model, largest pool first."""
    pool_of = [it.pool_total for it in inst.items]
    out: list[tuple[Status, tuple[int, ...] | None] | None] = list(known) if known is not None else [None] * len(pools)
    order = sorted(range(len(pools)), key=lambda j: -pools[j])
    model: ReusableModel | None = None

    def spread(pos: int, chosen: tuple[int, ...]) -> None:
        # optimal at pools[order[pos]] and using `use`: optimal at every pool in [use, pools[order[pos]]]
        use = math.fsum(pool_of[i] for i in chosen)
        for jj in order[pos + 1:]:
            if out[jj] is None and pools[jj] + _tol(pools[jj]) >= use:
                out[jj] = ("optimal", chosen)

    for pos, j in enumerate(order):
        cur = out[j]
        if cur is not None:
            if cur[0] == "optimal" and cur[1] is not None:
                spread(pos, cur[1])
            continue
        if model is None:
            model = ReusableModel(inst, time_limit=time_limit)
        model.set_pool_total(pools[j])
        raw = model.solve()
        if raw.status == "infeasible":  # and so is every smaller pool
            for jj in order[pos:]:
                if out[jj] is None:
                    out[jj] = ("infeasible", None)
            break
        out[j] = (raw.status, raw.chosen)
        if raw.status == "optimal" and raw.chosen is not None:
            spread(pos, raw.chosen)
    return [x if x is not None else ("time_limit", None) for x in out]


def _relaxation_points(inst: Instance, pools: Sequence[float]) -> list[tuple[Status, tuple[int, ...] | None] | None] | None:
    """Points proven by the programme on the relaxation without the per-year pools and the risky
    share: where the relaxation is infeasible, so is the instance; where its optimum satisfies
    the dropped rules too, it is optimal. None for the other points."""
    pre = _pareto_points(relaxed(inst), pools)
    if pre is None:
        return None
    return [(status, chosen) if chosen is None or satisfies_dropped(inst, chosen) else None
            for status, chosen in pre]


# --------------------------------------------------------------------------------------------
# Exact method 3: the admissible portfolios listed, by pool use
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _ByCost:
    """The portfolios the rules admit without the pool in total (`optimiser.enumeration`), sorted by
    pool use (the best objective first among equal uses), with the prefix maximum of the objective
    and, at each position, the first (least pool use) portfolio reaching it. The optimum at pool P is
    the prefix maximum at the last position with a use of at most P: exact at every pool."""

    cost: np.ndarray
    best: np.ndarray  # prefix maximum of the objective
    arg: np.ndarray  # the position (in `cost`'s order) of the portfolio reaching it first
    order: np.ndarray  # position -> the portfolio's index in `adm`
    adm: Admissible

    @classmethod
    def of(cls, inst: Instance) -> _ByCost | None:
        """The instance's listing, made once per instance (kept in `Instance.memo`: the frontier's
        points and its breakpoints both read it); None when it does not fit the engines' bound."""
        key = ("frontier", "by_cost")
        if key not in inst.memo:
            inst.memo[key] = cls._make(inst)
        return inst.memo[key]  # type: ignore[return-value]

    @classmethod
    def _make(cls, inst: Instance) -> _ByCost | None:
        from .optimiser import enumeration as en  # noqa: PLC0415

        if len(inst.items) > en.MAX_ITEMS:
            return None
        free = replace(inst, rules=replace(inst.rules, pool_total=None))
        setup = en.Setup.of(free)
        eng = en.engine_for(free, en.DEFAULT_LIMIT, setup)  # counts first where the structure allows
        if eng is None or eng.count > en.DEFAULT_LIMIT:
            return None
        adm = eng.adm if isinstance(eng, en.Listed) else en.admissible(free, en.DEFAULT_LIMIT, setup)
        if adm is None:
            return None
        cost = adm.values(inst.arrays.pool_total)
        value = adm.values(inst.values)
        order = np.lexsort((-value, cost))
        cost, value = cost[order], value[order]
        best = np.maximum.accumulate(value) if len(value) else value
        before = np.concatenate([[-np.inf], best[:-1]]) if len(value) else value
        arg = np.maximum.accumulate(np.where(value > before, np.arange(len(value)), 0)) if len(value) else \
            np.zeros(0, dtype=np.int64)
        return cls(cost, best, arg, order, adm)

    def at(self, pool: float) -> tuple[int, ...] | None:
        k = int(np.searchsorted(self.cost, pool + _tol(pool), side="right")) - 1
        return None if k < 0 else self.items(int(self.arg[k]))

    def items(self, k: int) -> tuple[int, ...]:
        """The items of the portfolio at position k."""
        return self.adm.items_of(int(self.order[k]))


def _listed_points(inst: Instance, pools: Sequence[float]) -> list[tuple[Status, tuple[int, ...] | None]] | None:
    by = _ByCost.of(inst)
    if by is None:
        return None
    out: list[tuple[Status, tuple[int, ...] | None]] = []
    for pool in pools:
        chosen = by.at(pool)
        out.append(("infeasible", None) if chosen is None else ("optimal", chosen))
    return out


def _listed_breakpoints(inst: Instance, upper: float
                        ) -> tuple[list[tuple[float, tuple[int, ...]]], tuple[int, ...] | None] | None:
    """(breakpoints ascending, optimum at pool 0) from the listed portfolios: the positions where
    the prefix maximum rises (beyond rounding noise), at the least pool use reaching it."""
    by = _ByCost.of(inst)
    if by is None:
        return None
    base = by.at(0.0)
    k0 = int(np.searchsorted(by.cost, _tol(0.0), side="right")) - 1
    level = -math.inf if k0 < 0 else float(by.best[k0])
    found: list[tuple[float, tuple[int, ...]]] = []
    for k in np.flatnonzero(by.arg == np.arange(len(by.arg))):
        k = int(k)
        c, v = float(by.cost[k]), float(by.best[k])
        if c > upper + _tol(upper):
            break
        if c <= _tol(0.0) or v <= level + _value_tol(level if math.isfinite(level) else v):
            continue
        found.append((c, by.items(k)))
        level = v
    return found, base


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def frontier_points(inst: Instance, pools: Sequence[float], *, time_limit: float = 10.0,
                    method: Method = "auto") -> tuple[tuple[FrontierPoint, ...], str]:
    """The optimum of `inst` at each pool in total (the instance's other rules unchanged), in the
    order given, and the method used. `method="pareto"` raises ValueError when it does not apply."""
    if method == "pareto" and not pareto_applies(inst):
        raise ValueError("the Pareto method alone does not apply to per-year pools or a risky share")
    result = None
    used = "milp"
    if method in ("auto", "pareto") and pareto_applies(inst):
        result = _pareto_points(inst, pools)
        if result is None and method == "pareto":
            raise ValueError("the Pareto method does not apply to this instance")
        used = "pareto"
    if result is None and method in ("auto", "enumeration"):
        result = _listed_points(inst, pools)
        if result is None and method == "enumeration":
            raise ValueError("too many admissible portfolios to enumerate")
        used = "enumeration"
    if result is None:
        known = _relaxation_points(inst, pools) if method == "auto" else None
        used = "milp" if known is None else "pareto+milp"
        result = _milp_points(inst, pools, time_limit, known)
    values = inst.values
    points: list[FrontierPoint] = []
    prev: tuple[str, ...] = ()
    for pool, (status, chosen) in zip(pools, result, strict=True):
        sel = tuple(sorted(chosen)) if chosen is not None else ()
        labels = tuple(inst.items[i].label for i in sel)
        points.append(FrontierPoint(
            pool=float(pool),
            objective=math.fsum(values[i] for i in sel) if chosen is not None else None,
            status=status,
            selected=inst.selection(sel),
            entered=tuple(x for x in labels if x not in prev),
            left=tuple(x for x in prev if x not in labels)))
        prev = labels
    return tuple(points), used


def _value_tol(v: float) -> float:
    """Objectives this close count as equal: HiGHS proves optima to an absolute gap of 1e-6."""
    return 2e-6 + 1e-9 * abs(v)


def _as_points(inst: Instance, found: Sequence[tuple[float, tuple[int, ...]]],
               base: tuple[int, ...] | None) -> tuple[FrontierPoint, ...]:
    """Breakpoints (pool, chosen items) ascending as frontier points, each compared with the one before
    (the first with `base`, the optimum at pool 0, or nothing)."""
    values = inst.values
    prev = tuple(inst.items[i].label for i in sorted(base or ()))
    out: list[FrontierPoint] = []
    for pool, chosen in found:
        sel = tuple(sorted(chosen))
        labels = tuple(inst.items[i].label for i in sel)
        out.append(FrontierPoint(
            pool=float(pool), objective=math.fsum(values[i] for i in sel), status="optimal",
            selected=inst.selection(sel),
            entered=tuple(x for x in labels if x not in prev), left=tuple(x for x in prev if x not in labels)))
        prev = labels
    return tuple(out)


def _pareto_breakpoints(inst: Instance, upper: float
                        ) -> tuple[list[tuple[float, tuple[int, ...]]], tuple[int, ...] | None] | None:
    """(breakpoints ascending, optimum at pool 0) read off the programme's last layer (exact when
    `pareto_applies`); None when the programme gives up."""
    groups = groups_of(inst)
    if groups is None:
        return None
    layers = ParetoLayers(groups, upper)
    if not layers.ok:
        return None
    costs, vals = layers.costs[layers.last], layers.values[layers.last]
    k0 = layers.best(0.0)
    base = tuple(sorted(layers.selection(layers.last, k0))) if k0 is not None else None
    found: list[tuple[float, tuple[int, ...]]] = []
    level = -math.inf if k0 is None else float(vals[k0])
    for k in range(0 if k0 is None else k0 + 1, len(costs)):
        c, v = float(costs[k]), float(vals[k])
        if c > upper + _tol(upper):
            break
        if c <= 0.0 or v <= level + _value_tol(level if math.isfinite(level) else v):
            continue  # rounding noise of the sums: not a better portfolio
        found.append((c, tuple(sorted(layers.selection(layers.last, k)))))
        level = v
    return found, base


def _milp_breakpoints(inst: Instance, upper: float, time_limit: float
                      ) -> tuple[list[tuple[float, tuple[int, ...]]], tuple[int, ...] | None, bool]:
    """(breakpoints ascending, optimum at pool 0, complete) by the walk down from `upper` (module docstring)."""
    pool_of = [it.pool_total for it in inst.items]
    values = inst.values
    model = ReusableModel(inst, time_limit=time_limit)
    model.set_pool_total(upper)
    raw = model.solve()
    if raw.status != "optimal" or raw.chosen is None:
        return [], None, raw.status == "infeasible"
    found: list[tuple[float, tuple[int, ...]]] = []
    cur = raw.chosen
    v = math.fsum(values[i] for i in cur)
    base: tuple[int, ...] | None = None
    complete = True
    while True:
        u = math.fsum(pool_of[i] for i in cur)
        if u <= _tol(u):  # fits at pool 0: the optimum is the same on [0, u]
            base = cur
            break
        model.set_pool_total(max(0.0, u - BREAK_RESOLUTION))
        raw = model.solve()
        if raw.status == "infeasible":  # nothing fits below u
            found.append((u, cur))
            break
        if raw.status != "optimal" or raw.chosen is None:
            complete = False
            break
        w = math.fsum(values[i] for i in raw.chosen)
        if w < v - _value_tol(v):  # no portfolio as good uses less than u
            found.append((u, cur))
            v = w
        cur = raw.chosen
    found.reverse()
    return found, base, complete


def frontier_breakpoints(inst: Instance, upper: float | None = None, *, time_limit: float = 10.0,
                         method: Method = "auto") -> tuple[tuple[FrontierPoint, ...], str, bool]:
    """The exact pools in (0, upper] (default `pool_max_of(inst)`) where the optimum of `inst`
    changes, ascending, as frontier points at those pools; the method used ("pareto", "enumeration" or "milp");
    and whether every solve was proven (always True for "pareto"). `method="pareto"` raises
    ValueError when it does not apply. Every rule of `inst` but its pool in total applies."""
    top = pool_max_of(inst) if upper is None else float(upper)
    if top < 0:
        raise ValueError("upper must not be negative")
    if method == "pareto" and not pareto_applies(inst):
        raise ValueError("the Pareto method alone does not apply to per-year pools or a risky share")
    if method in ("auto", "pareto") and pareto_applies(inst):
        got = _pareto_breakpoints(inst, top)
        if got is not None:
            return _as_points(inst, got[0], got[1]), "pareto", True
        if method == "pareto":
            raise ValueError("the Pareto method does not apply to this instance")
    if method in ("auto", "enumeration"):
        listed = _listed_breakpoints(inst, top)
        if listed is not None:
            return _as_points(inst, listed[0], listed[1]), "enumeration", True
        if method == "enumeration":
            raise ValueError("too many admissible portfolios to enumerate")
    found, base, complete = _milp_breakpoints(inst, top, time_limit)
    return _as_points(inst, found, base), "milp", complete


def step_pools(step: float, upper: float) -> list[float]:
    """0, step, 2·step, … up to `upper`, and `upper` itself when it is not a multiple of the step.
    Raises ValueError for a step that is not positive or gives more than MAX_STEP_POINTS pools."""
    if not (step > 0) or not math.isfinite(step):
        raise ValueError("step must be positive")
    if upper < 0 or not math.isfinite(upper):
        raise ValueError("upper must not be negative")
    n = int(math.floor(upper / step + 1e-9))
    if n + 2 > MAX_STEP_POINTS:
        raise ValueError(f"step {step} gives more than {MAX_STEP_POINTS} pools up to {upper}")
    pools = [round(k * step, 9) for k in range(n + 1)]
    if upper - pools[-1] > _tol(upper):
        pools.append(float(upper))
    return pools


def pool_frontier(ds: DataSet, scenario: Scenario, points: int = 50, *,
                  cache: InstanceCache | None = None, step: float | None = None, upper: float | None = None,
                  pools: Sequence[float] | None = None, breakpoints: bool = False) -> Frontier:
    """The best objective at `points` evenly spaced totals of the pool from 0 to `pool_max`
    (both included), every other setting as in the scenario.

    `upper` replaces `pool_max` as the upper end; `step` evaluates 0, step, 2·step, … instead
    (`step_pools`); `pools` gives the pools outright (sorted ascending; negative ones are rejected).
    `breakpoints=True` also computes the exact pools in (0, upper] where the optimum changes
    (`Frontier.breakpoints`). Raises ScenarioError when the scenario does not fit the dataset,
    ValueError when points < 2 or for a bad step, upper or pool."""
    if points < 2 and step is None and pools is None:
        raise ValueError("points must be at least 2")
    if upper is not None and (not math.isfinite(upper) or upper < 0):
        raise ValueError("upper must not be negative")
    t0 = time.perf_counter()
    inst = build_instance(ds, scenario, cache)
    top = pool_max_of(inst)
    end = top if upper is None else float(upper)
    if pools is not None:
        grid = sorted(float(x) for x in pools)
        if any(not math.isfinite(x) or x < 0 for x in grid):
            raise ValueError("pools must be non-negative numbers")
    elif step is not None:
        grid = step_pools(step, end)
    else:
        grid = [float(x) for x in np.linspace(0.0, end, points)]
        grid[-1] = end
    pts, used = frontier_points(inst, grid, time_limit=scenario.time_limit) if grid else ((), "pareto")
    bps: tuple[FrontierPoint, ...] = ()
    complete, bp_method = True, ""
    if breakpoints:
        bps, bp_method, complete = frontier_breakpoints(inst, end, time_limit=scenario.time_limit)
    return Frontier(points=pts, pool_max=top,
                    current_pool=None if scenario.pool is None else scenario.pool.total,
                    unit=inst.unit, seconds=time.perf_counter() - t0, method=used,
                    breakpoints=bps, upper=None if upper is None else end, breakpoints_complete=complete,
                    breakpoint_method=bp_method)
