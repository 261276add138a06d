"""Near-optimal alternatives: is the optimum unique, and which other portfolios come close?

`alternatives(ds, scenario, k, tolerance)` finds the optimum and the k best other portfolios. When
an exact engine of `optimiser.enumeration` applies (the usual case on a real catalogue), the
admissible portfolios with an objective of at least the tolerance's floor are listed at once
(partial portfolios that cannot reach the floor are pruned), and the alternatives are the best of
them, by value. Otherwise, one solve at a time, the best portfolio that differs from every one
found so far: a no-good cut on the 0/1 variables
(at least one variant must change) is added to one reusable HiGHS model after each solve, so the
portfolios come out best first, all different and all satisfying the scenario's rules. The search
stops after k alternatives or at the first portfolio below optimum - tolerance * |optimum|.

The optimum is unique when the best other portfolio is worse by more than 1e-6 (or there is none).

Each alternative carries the scenario fields `force_in`, `force_out` and `variants` that make it
the only optimum: the scenario's own forces and pinned variants plus the ones needed. Setting
them on the scenario (`adopt(scenario, alternative)`, or `scenario.replace(force_in=...,
force_out=..., variants=...)` with these values: the same scenario) and optimising gives exactly
the alternative. They are computed: start by forcing the proposals where the alternative differs
from the optimum; while some other portfolio still beats the alternative or comes within
1e-6 * max(1, |objective|) of it under those forces (the best portfolio other than the
alternative, found with a no-good cut), also force the proposals where that portfolio differs.
The forces added are few (usually the added and removed proposals). With the listed portfolios,
the best other portfolio under the forces is read off the same list (every portfolio that could
beat or tie an alternative is in it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .model import DataSet
from .optimiser import Instance, InstanceCache, ReusableModel, Rules, build_instance
from .scenario import Scenario

if TYPE_CHECKING:  # numpy and the engines are imported when the alternatives are listed
    import numpy as np

    from .optimiser.enumeration import Admissible

UNIQUE_TOL = 1e-6  # another portfolio within this of the optimum makes it non-unique


@dataclass(frozen=True)
class Alternative:
    rank: int  # 1 = the best alternative
    objective: float
    gap: float  # optimum - objective (>= 0)
    gap_share: float  # gap / |optimum| (0 when the optimum is 0)
    selected: tuple[tuple[str, str | None], ...]
    added: tuple[str, ...]  # labels in this portfolio but not in the optimum
    removed: tuple[str, ...]  # labels in the optimum but not in this portfolio
    # the scenario's force_in / force_out / variants (its own plus those needed) under which this
    # portfolio is the only optimum; see adopt
    force_in: tuple[str, ...]
    force_out: tuple[str, ...]
    variants: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Alternatives:
    optimum: float | None  # None when no portfolio satisfies the rules
    unique: bool  # no other portfolio within 1e-6 of the optimum (False when there is no optimum)
    items: tuple[Alternative, ...]  # best first
    tolerance: float
    status: str = "optimal"  # "optimal" (every solve proven), "infeasible", "time_limit" (some solve was not)
    selected: tuple[tuple[str, str | None], ...] = ()  # the optimum's portfolio
    seconds: float = 0.0


def adopt(scenario: Scenario, alt: Alternative) -> Scenario:
    """The scenario with the alternative's forces and variants (merged with its own, which they
    already contain when the alternative was computed for this scenario): optimising it gives
    exactly the alternative's portfolio."""
    return scenario.replace(
        force_in=list(dict.fromkeys([*scenario.force_in, *alt.force_in])),
        force_out=list(dict.fromkeys([*scenario.force_out, *alt.force_out])),
        variants={**scenario.variants, **alt.variants})


def _labels(inst: Instance, chosen: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(inst.items[i].label for i in chosen)


def _separate(inst: Instance, want: dict[str, int], other: tuple[int, ...], f_in: list[str], f_out: list[str],
              pins: dict[str, str]) -> None:
    """Add to the forces (f_in, f_out, pins) what rules out portfolio `other` against the target
    (`want`: key -> item): force in a target proposal it lacks (pinning its variant when the
    proposal has several and none is pinned), force out one it has that the target has not."""
    rules = inst.rules
    pinned = dict(rules.pinned)
    have = {inst.items[i].key: i for i in other}
    for key in inst.by_key:
        a, b = want.get(key), have.get(key)
        if a == b:
            continue
        if a is not None:
            if key not in rules.force_in and key not in f_in:
                f_in.append(key)
            variant = inst.items[a].variant
            if len(inst.by_key[key]) > 1 and variant is not None and key not in pinned:
                pins[key] = variant
        elif key not in rules.force_out and key not in f_out:
            f_out.append(key)


class _Delta:
    """Finds the forces that make one portfolio the only optimum."""

    def __init__(self, inst: Instance, time_limit: float) -> None:
        self.inst = inst
        self.model = ReusableModel(inst, time_limit=time_limit)

    def forces(self, target: tuple[int, ...], start: tuple[int, ...]) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
        inst = self.inst
        rules = inst.rules
        want = {inst.items[i].key: i for i in target}
        value = math.fsum(inst.values[i] for i in target)
        margin = UNIQUE_TOL * max(1.0, abs(value))
        f_in: list[str] = []
        f_out: list[str] = []
        pins: dict[str, str] = {}

        def separate(other: tuple[int, ...]) -> None:
            _separate(inst, want, other, f_in, f_out, pins)

        separate(start)
        m = self.model
        m.clear_cuts()
        m.exclude(target)
        for _ in range(len(inst.items) + 1):
            m.set_rules(_with_forces(rules, f_in, f_out, pins))
            raw = m.solve()
            if raw.chosen is None:
                break  # no other portfolio satisfies the forces
            if math.fsum(inst.values[i] for i in raw.chosen) < value - margin:
                break  # every other portfolio is clearly worse
            separate(raw.chosen)
        return ((*rules.force_in, *f_in), (*rules.force_out, *f_out),
                {**dict(rules.pinned), **pins})


def _with_forces(rules: Rules, f_in: list[str], f_out: list[str], pins: dict[str, str]) -> Rules:
    return replace(rules, force_in=(*rules.force_in, *f_in), force_out=(*rules.force_out, *f_out),
                   pinned=tuple(sorted({**dict(rules.pinned), **pins}.items())))


def alternatives_of(inst: Instance, k: int = 5, tolerance: float = 0.02, *,
                    time_limit: float = 10.0, engine: str = "auto") -> Alternatives:
    """The optimum of `inst` and up to k different portfolios within the tolerance, best first.
    `engine`: "enumeration" (the admissible portfolios within the tolerance listed by
    `optimiser.enumeration`, exact), "milp" (no-good cuts on one reusable HiGHS model) or "auto"
    (the enumeration when it fits its bound, else the MILP)."""
    if k < 0 or not (tolerance >= 0):
        raise ValueError("k and tolerance must be non-negative")
    if engine not in ("auto", "enumeration", "milp"):
        raise ValueError(f"unknown engine {engine!r}")
    if engine != "milp":
        found = _by_enumeration(inst, k, tolerance)
        if found is not None:
            return found
        if engine == "enumeration":
            raise ValueError("too many admissible portfolios to enumerate")
    t0 = time.perf_counter()
    values = inst.values
    model = ReusableModel(inst, time_limit=time_limit)
    raw = model.solve()
    if raw.chosen is None:
        return Alternatives(optimum=None, unique=False, items=(), tolerance=tolerance, status=raw.status,
                            seconds=time.perf_counter() - t0)
    status = raw.status
    best = raw.chosen
    opt = math.fsum(values[i] for i in best)
    floor = opt - tolerance * abs(opt) - 1e-9 * max(1.0, abs(opt))
    found: list[tuple[float, tuple[int, ...]]] = []
    unique = True
    last = best
    while True:
        model.exclude(last)
        raw = model.solve()
        if raw.status == "time_limit":
            status = "time_limit"
        if raw.chosen is None:
            break
        obj = math.fsum(values[i] for i in raw.chosen)
        if not found and obj >= opt - UNIQUE_TOL:
            unique = False
        if obj < floor or len(found) >= k:
            break
        found.append((obj, raw.chosen))
        last = raw.chosen
        if len(found) >= k:
            break
    found.sort(key=lambda x: -x[0])  # solves are best first up to HiGHS's 1e-6 absolute gap
    opt_labels = _labels(inst, best)
    items = []
    delta = _Delta(inst, time_limit)
    for rank, (obj, chosen) in enumerate(found, start=1):
        labels = _labels(inst, chosen)
        f_in, f_out, pins = delta.forces(chosen, best)
        gap = max(0.0, opt - obj)
        items.append(Alternative(
            rank=rank, objective=obj, gap=gap, gap_share=gap / abs(opt) if opt else 0.0,
            selected=inst.selection(chosen),
            added=tuple(x for x in labels if x not in opt_labels),
            removed=tuple(x for x in opt_labels if x not in labels),
            force_in=f_in, force_out=f_out, variants=pins))
    return Alternatives(optimum=opt, unique=unique, items=tuple(items), tolerance=tolerance, status=status,
                        selected=inst.selection(best),
                        seconds=time.perf_counter() - t0)


def _by_enumeration(inst: Instance, k: int, tolerance: float) -> Alternatives | None:
    """The alternatives from the admissible portfolios with an objective of at least the floor
    (`enumeration.admissible` with a floor): the optimum, the k best others, and each one's forces
    by the same rule as `_Delta.forces`, the best other portfolio under the forces read off the same
    list (every portfolio that could beat or tie an alternative is in it). None: too many."""
    import numpy as np  # noqa: PLC0415

    from .optimiser import enumeration as en  # noqa: PLC0415

    t0 = time.perf_counter()
    setup = en.Setup.of(inst)
    if not setup.ok:
        return None
    values = inst.values
    eng = en.engine_for(inst, en.DEFAULT_LIMIT, setup)
    if eng is None:
        return None
    top = eng.best(values)
    if top is None:
        return Alternatives(optimum=None, unique=False, items=(), tolerance=tolerance, status="infeasible",
                            seconds=time.perf_counter() - t0)
    opt = math.fsum(values[i] for i in top[1])
    floor = opt - tolerance * abs(opt) - 1e-9 * max(1.0, abs(opt))
    margin = 2 * UNIQUE_TOL * max(1.0, abs(opt), abs(floor))  # every tie of the uniqueness and the forces
    low = min(floor, opt - UNIQUE_TOL) - margin
    if isinstance(eng, en.Listed):  # every admissible portfolio is listed already
        every = eng.adm
        keep = every.values(values) >= low
        near = en.Admissible(masks=every.masks[keep], n=every.n, key_masks=every.key_masks)
    else:
        near = en.admissible(inst, en.DEFAULT_LIMIT, setup, coefs=values, floor=low)
    if near is None:
        return None
    vals = near.values(values)
    best_mask = sum(1 << i for i in top[1])
    order = [int(p) for p in np.argsort(-vals, kind="stable") if int(near.masks[p]) != best_mask]
    unique = bool(not order or vals[order[0]] < opt - UNIQUE_TOL)
    picked = [p for p in order if vals[p] >= floor][:k]
    vals[picked] = [math.fsum(values[i] for i in near.items_of(p)) for p in picked]
    best = tuple(sorted(top[1]))
    opt_labels = _labels(inst, best)
    items = []
    for rank, p in enumerate(picked, start=1):
        chosen = near.items_of(p)
        labels = _labels(inst, chosen)
        f_in, f_out, pins = _forces_listed(inst, near, vals, order, p, best)
        gap = max(0.0, opt - float(vals[p]))
        items.append(Alternative(
            rank=rank, objective=float(vals[p]), gap=gap, gap_share=gap / abs(opt) if opt else 0.0,
            selected=inst.selection(chosen),
            added=tuple(x for x in labels if x not in opt_labels),
            removed=tuple(x for x in opt_labels if x not in labels),
            force_in=f_in, force_out=f_out, variants=pins))
    return Alternatives(optimum=opt, unique=unique, items=tuple(items), tolerance=tolerance, status="optimal",
                        selected=inst.selection(best),
                        seconds=time.perf_counter() - t0)


def _forces_listed(inst: Instance, near: Admissible, vals: np.ndarray, order: list[int], target_p: int,
                   start: tuple[int, ...]) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """`_Delta.forces` on the listed portfolios: the best other portfolio satisfying the forces is
    the first in `order` (all portfolios but the optimum, best first; the optimum itself is
    checked too) that holds them."""
    import numpy as np  # noqa: PLC0415

    rules = inst.rules
    masks = near.masks
    target = near.items_of(target_p)
    value = float(vals[target_p])
    margin = UNIQUE_TOL * max(1.0, abs(value))
    want = {inst.items[i].key: i for i in target}
    f_in: list[str] = []
    f_out: list[str] = []
    pins: dict[str, str] = {}
    key_mask = near.key_masks
    start_mask = sum(1 << i for i in start)
    candidates = np.array([p for p in order if p != target_p], dtype=np.int64)
    cand_masks = masks[candidates] if len(candidates) else np.zeros(0, dtype=np.int64)

    def separate(other: tuple[int, ...]) -> None:
        _separate(inst, want, other, f_in, f_out, pins)

    def holds(m: np.ndarray) -> np.ndarray:
        ok = np.ones(np.shape(m), dtype=bool)
        for key in f_in:
            ok &= (m & np.int64(key_mask[key])) != 0
        for key in f_out:
            ok &= (m & np.int64(key_mask[key])) == 0
        for key, variant in pins.items():
            i = next(i for i in inst.by_key[key] if inst.items[i].variant == variant)
            ok &= (m & np.int64(1 << i)) != 0
        return ok

    separate(start)
    for _ in range(len(inst.items) + 1):
        # the best portfolio other than the target under the forces: the optimum when it holds them
        # (it is the best of all), else the first of the others in order
        if start_mask != sum(1 << i for i in target) and bool(holds(np.array([start_mask], dtype=np.int64))[0]):
            other = start
        else:
            ok = holds(cand_masks)
            if not ok.any():
                break
            p = int(candidates[int(np.argmax(ok))])
            if float(vals[p]) < value - margin:
                break
            other = near.items_of(p)
        separate(other)
    return ((*rules.force_in, *f_in), (*rules.force_out, *f_out), {**dict(rules.pinned), **pins})


def alternatives(ds: DataSet, scenario: Scenario, k: int = 5, tolerance: float = 0.02, *,
                 cache: InstanceCache | None = None) -> Alternatives:
    """Whether the scenario's optimum is unique, and the best k other portfolios with an objective
    of at least optimum - tolerance * |optimum|, best first. Raises ScenarioError when the
    scenario does not fit the dataset, ValueError for a negative k or tolerance."""
    inst = build_instance(ds, scenario, cache)
    return alternatives_of(inst, k, tolerance, time_limit=scenario.time_limit)
