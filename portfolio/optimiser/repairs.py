"""Repairs of an infeasible scenario: the smallest changes of the rules that make a portfolio
possible, each verified by solving, with the portfolio and objective it gives.

Mathematics
-----------
Let R be the scenario's rule groups (`Instance.all_rules`: each forced-in or forced-out proposal,
each pinned variant, each dependency, the highest risk, the payback limit, the risky share, the
pool in each year and in total). A set C ⊆ R is a *correction set* when R \\ C is feasible, and
a *minimal correction set* (MCS) when no proper subset of C is one. The MCSes are exactly the
complements of the maximal satisfiable subsets (MSS). One MSS is grown from a seed S₀ by taking
the rules in a fixed order and keeping r whenever S ∪ {r} is feasible; C = R \\ S is then an MCS
(each r ∈ C is infeasible together with S, so no rule of C can be kept). The dependency edges
count as one rule here, because a scenario can only switch them off together. Different MCSes come
from different seeds, searched breadth first: when seed S₀ gave the MCS C, every feasible
S₀ ∪ {c} with c ∈ C is a new seed, and its MCS leaves c (and S₀) alone. The search stops after
`max_candidates` MCSes or when its time budget is spent.

A correction set becomes a repair by changing each of its rules as little as possible:

* a bound is relaxed to its least sufficient value, computed exactly given the rules kept (S)
  and the other changes: the least pool use in total or in a year (one minimisation of the pool
  use), the lowest risk level and the shortest payback limit that admit a portfolio (the next
  levels tried in order), the least risky share (Dinkelbach's method, as in `explain`);
* any other rule is released: a forced proposal (in or out) is left to the optimiser, a pinned
  variant is unpinned, dependencies are switched off.

Every repair is verified by solving the changed rules to proven optimality; only verified
repairs are returned, sorted by the number of changes and then by the objective they reach.
Keeping fewer of C's changes is infeasible by construction (C is an MCS), and a relaxed bound
below its value is infeasible by the minimisation, so each repair is minimal.

`scenario_patch` holds the scenario JSON fields to replace (``{"force_in": ["TV03"]}``,
``{"pool": {"total": 36300, "per_year": {}}}``); applying it to the scenario reproduces the
repair, and is what `python -m portfolio optimise --json` prints under ``repairs``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import fmt
from ..fmt import mio_at_least, mio_exact
from .explain import Oracle, capitalised, join_names, least_risky_share
from .instance import Instance, Rules
from .milp import solve_model
from .rules import RISK_NAMES, Rule, release

_EPS = 1e-7
BOUNDED = ("pool_total", "pool_year", "max_risk", "max_payback", "risky_share")


@dataclass(frozen=True)
class Repair:
    """A verified change of the rules that admits a portfolio."""

    rules: tuple[Rule, ...]  # the minimal correction set it changes
    text: str  # Danish, for the negotiator ("Frigiv TV01 og TV02", "Hæv puljen i alt fra 5,0 mio. kr. til 36,3 mio. kr.")
    scenario_patch: dict[str, Any]  # scenario JSON fields to replace
    objective: float  # the optimum after the change (savings positive)
    selected: tuple[tuple[str, str | None], ...]  # the optimal portfolio after the change

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "scenario_patch": self.scenario_patch,
                "objective": fmt.json_number(self.objective),
                "selected": [{"key": k, "variant": v} for k, v in self.selected],
                "rules": [r.kind if not (r.key or r.year) else f"{r.kind}:{r.key or r.year}" for r in self.rules]}


def _groups(every: Sequence[Rule]) -> list[tuple[Rule, ...]]:
    """The units a repair can change: each rule on its own, except the dependency edges, which
    the scenario can only switch off together (`dependencies`), so they form one group."""
    deps = tuple(r for r in every if r.kind == "dependency")
    return [(r,) for r in every if r.kind != "dependency"] + ([deps] if deps else [])


def _flat(groups: Sequence[tuple[Rule, ...]]) -> list[Rule]:
    return [r for g in groups for r in g]


def find_repairs(inst: Instance, *, k: int = 3, solver: str = "highs", time_limit: float = 10.0,
                 budget: float = 3.0, max_candidates: int = 8) -> tuple[Repair, ...]:
    """Up to `k` verified repairs of an infeasible instance (see the module docstring); () when
    the instance is feasible or nothing could be verified within the budget."""
    oracle = Oracle(inst, solver, time_limit, budget=budget)
    every = list(inst.all_rules())
    if not every or oracle.infeasible(every) is not True:
        return ()
    # Keep the user's positions first, the bounds last: the first MCS then relaxes bounds.
    order = sorted(_groups(every), key=lambda g: g[0].kind in BOUNDED)
    found: list[frozenset[Rule]] = []
    seeds: list[tuple[tuple[Rule, ...], ...]] = [()]
    tried: set[tuple[tuple[Rule, ...], ...]] = set()
    while seeds and len(found) < max_candidates and not oracle.out_of_time:
        seed = seeds.pop(0)
        if seed in tried:
            continue
        tried.add(seed)
        kept = _grow(oracle, seed, order)
        if kept is None:
            continue
        dropped = [g for g in order if g not in kept]
        mcs = frozenset(_flat(dropped))
        if not mcs or mcs in found:
            continue
        found.append(mcs)
        seeds += [(*seed, g) for g in dropped]
    repairs: list[Repair] = []
    for mcs in found:
        if oracle.out_of_time:
            break
        rep = _repair(inst, oracle, every, mcs, solver, time_limit)
        if rep is not None and all(rep.scenario_patch != r.scenario_patch for r in repairs):
            repairs.append(rep)
    repairs.sort(key=lambda r: (len(r.scenario_patch), len(r.rules), -r.objective, r.text))
    return tuple(repairs[:k])


def _grow(oracle: Oracle, seed: Sequence[tuple[Rule, ...]],
          order: Sequence[tuple[Rule, ...]]) -> list[tuple[Rule, ...]] | None:
    """A maximal satisfiable set of groups containing `seed`; None when the seed is infeasible
    or time ran out."""
    kept = list(seed)
    if oracle.infeasible(_flat(kept)) is not False:
        return None
    for g in order:
        if g in kept:
            continue
        res = oracle.infeasible(_flat([*kept, g]))
        if res is None:
            return None
        if res is False:
            kept.append(g)
    return kept


# --------------------------------------------------------------------------------------------
# From a correction set to a verified repair
# --------------------------------------------------------------------------------------------


def _feasible(inst: Instance, rules: Rules, oracle: Oracle) -> bool:
    trial = replace(inst, rules=rules)
    return oracle.infeasible(trial.all_rules(), trial) is False


def _relax(inst: Instance, oracle: Oracle, mcs: frozenset[Rule]) -> Rules:
    """The released rules with each bound of the correction set put back at its least
    sufficient value (in a fixed order: risk, payback, risky share, pools per year, pool total)."""
    base = inst.rules
    rules = release(base, sorted(mcs, key=repr))
    kinds = {r.kind for r in mcs}
    if "max_risk" in kinds:
        for rank in range((base.max_risk or 0) + 1, len(RISK_NAMES)):
            if _feasible(inst, replace(rules, max_risk=rank), oracle):
                rules = replace(rules, max_risk=rank)
                break
    if "max_payback" in kinds:
        limits = sorted({it.payback for it in inst.items if it.payback is not None
                         and it.payback > (base.max_payback or 0)})
        for limit in limits:
            if _feasible(inst, replace(rules, max_payback=limit), oracle):
                rules = replace(rules, max_payback=limit)
                break
    if "risky_share" in kinds:
        share = least_risky_share(replace(inst, rules=rules), oracle)
        if share is not None and share < 1.0 - _EPS:
            s = min(1.0, math.ceil(share * 10_000 - 1e-6) / 10_000)  # in 0,01 %-points, rounded up
            if _feasible(inst, replace(rules, max_risky_share=s), oracle):
                rules = replace(rules, max_risky_share=s)
    for r in sorted((r for r in mcs if r.kind == "pool_year"), key=lambda r: r.year):
        n = inst.years.index(r.year)
        need = oracle.least(replace(inst, rules=rules), [it.pool_investment[n] for it in inst.items])
        if need is not None:
            rules = replace(rules, pool_per_year=tuple(sorted((*rules.pool_per_year, (r.year, _up(need))))))
    if "pool_total" in kinds:
        need = oracle.least(replace(inst, rules=rules), [it.pool_total for it in inst.items])
        if need is not None:
            rules = replace(rules, pool_total=_up(need))
    return rules


def _up(amount: float) -> float:
    """An amount (1.000 kr.) rounded up to whole kroner, so it is never below what is needed."""
    return math.ceil(amount * 1000 - 1e-6) / 1000


def _repair(inst: Instance, oracle: Oracle, every: Sequence[Rule], mcs: frozenset[Rule], solver: str,
            time_limit: float) -> Repair | None:
    rules = _relax(inst, oracle, mcs)
    trial = replace(inst, rules=rules)
    raw = solve_model(trial, solver=solver, time_limit=time_limit)
    if raw.status != "optimal" or raw.chosen is None:
        return None  # not verified: never reported
    objective = math.fsum(trial.values[i] for i in raw.chosen)
    selected = tuple((trial.items[i].key, trial.items[i].variant) for i in sorted(raw.chosen))
    ordered = tuple(r for r in every if r in mcs)
    return Repair(rules=ordered, text=_text(inst, ordered, rules), scenario_patch=_patch(inst.rules, rules),
                  objective=objective, selected=selected)


# --------------------------------------------------------------------------------------------
# Words and the scenario patch
# --------------------------------------------------------------------------------------------


def _text(inst: Instance, mcs: Sequence[Rule], new: Rules) -> str:
    base = inst.rules
    parts: list[str] = []
    released_in = [r.key for r in mcs if r.kind == "force_in"]
    if released_in:
        parts.append(f"frigiv {join_names(released_in)} (lad optimeringen vælge)")
    released_out = [r.key for r in mcs if r.kind == "force_out"]
    if released_out:
        parts.append(f"tillad {join_names(released_out)} igen")
    unpinned = [r.key for r in mcs if r.kind == "pinned"]
    if unpinned:
        parts.append(f"lås ikke varianten for {join_names(unpinned)}")
    deps = [f"{r.key} kræver {r.other}" for r in mcs if r.kind == "dependency"]
    if deps:
        parts.append(f"slå afhængighederne fra ({join_names(deps)})")
    if any(r.kind == "max_risk" for r in mcs):
        parts.append(f"tillad risiko op til {RISK_NAMES[new.max_risk]}" if new.max_risk is not None
                     else "fjern risikogrænsen")
    if any(r.kind == "max_payback" for r in mcs):
        parts.append(f"tillad tilbagebetalingstid op til {fmt.years_text(new.max_payback)}"
                     if new.max_payback is not None else "fjern grænsen for tilbagebetalingstid")
    if any(r.kind == "risky_share" for r in mcs):
        parts.append(f"hæv loftet over andelen til middel/høj risiko til {fmt.pct(new.max_risky_share, 2)}"
                     if new.max_risky_share is not None else "fjern loftet over andelen til middel/høj risiko")
    years = dict(new.pool_per_year)
    for r in sorted((r for r in mcs if r.kind == "pool_year"), key=lambda r: r.year):
        parts.append(f"hæv puljen i {r.year} fra {mio_exact(dict(base.pool_per_year)[r.year])} til "
                     f"{mio_at_least(years[r.year])}" if r.year in years
                     else f"fjern puljen i {r.year}")
    if any(r.kind == "pool_total" for r in mcs):
        parts.append(f"hæv puljen i alt fra {mio_exact(base.pool_total or 0.0)} til {mio_at_least(new.pool_total)}"
                     if new.pool_total is not None else "fjern den samlede pulje")
    return capitalised(join_names(parts))


def _patch(old: Rules, new: Rules) -> dict[str, Any]:
    """The scenario JSON fields whose value the repair changes, with their new values."""
    patch: dict[str, Any] = {}
    if new.force_in != old.force_in:
        patch["force_in"] = list(new.force_in)
    if new.force_out != old.force_out:
        patch["force_out"] = list(new.force_out)
    if new.pinned != old.pinned:
        patch["variants"] = dict(new.pinned)
    if new.dependencies != old.dependencies:
        patch["dependencies"] = new.dependencies
    if new.max_risk != old.max_risk:
        patch["max_risk"] = None if new.max_risk is None else RISK_NAMES[new.max_risk]
    if new.max_payback != old.max_payback:
        patch["max_payback_years"] = new.max_payback
    if new.max_risky_share != old.max_risky_share:
        patch["max_risky_share"] = new.max_risky_share
    if new.pool_total != old.pool_total or new.pool_per_year != old.pool_per_year:
        if new.pool_total is None and not new.pool_per_year:
            patch["pool"] = None
        else:
            patch["pool"] = {"total": fmt.json_number(new.pool_total),
                             "per_year": {str(y): fmt.json_number(v) for y, v in new.pool_per_year}}
    return patch


def apply_patch(scenario_json: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The scenario JSON with the patch's fields replaced (what the dashboard's button does)."""
    return {**scenario_json, **patch}
