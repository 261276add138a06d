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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import fmt
from .explain import Oracle, least_risky_share
from .instance import Instance, Rules
from .milp import solve_model
from .rules import BY_KIND, KINDS, Rule, capitalised, join_names, release

_EPS = 1e-7
_RELAX_FIRST = ("max_risk", "max_payback", "risky_share")
# the order in which a repair relaxes its rules and names its changes: the rules that exclude
# proposals first, then the registry's order
_ORDER = tuple(sorted(KINDS, key=lambda k: _RELAX_FIRST.index(k.kind) if k.kind in _RELAX_FIRST else len(_RELAX_FIRST)))
# the kinds a repair changes last (their bound is relaxed rather than the rule released)
BOUNDED = ("pool_total", "pool_year", "max_risk", "max_payback", "risky_share", "named_pool_total",
           "named_pool_year", "savings_target", "self_financing", "party_max_pool", "party_target")


@dataclass(frozen=True)
class Repair:
    """A verified change of the rules that admits a portfolio."""

    rules: tuple[Rule, ...]  # the minimal correction set it changes
    text: str  # Danish, for the negotiator ("Frigiv TV01 og TV02", "Hæv puljen i alt fra 5,0 mio. kr. til 36,3 mio. kr.")
    scenario_patch: dict[str, Any]  # scenario JSON fields to replace
    objective: float  # the optimum after the change (savings positive)
    selected: tuple[tuple[str, str | None], ...]  # the optimal portfolio after the change
    minimised: bool = False  # the objective is min_pool: JSON reports the pool investment (positive)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "scenario_patch": self.scenario_patch,
                "objective": fmt.json_number(-self.objective if self.minimised else self.objective),
                "selected": [{"key": k, "variant": v} for k, v in self.selected],
                "rules": [r.kind if not (r.key or r.year) else f"{r.kind}:{r.key or r.year}" for r in self.rules]}


def _groups(every: Sequence[Rule]) -> list[tuple[Rule, ...]]:
    """The units a repair can change: each rule on its own, except the groups of a kind the
    scenario can only switch off together (`RuleKind.together`: the dependency edges, the
    måltal rule), which form one unit per kind."""
    together = {k.kind for k in KINDS if k.together}
    units: list[tuple[Rule, ...]] = [(r,) for r in every if r.kind not in together]
    for kind in together:
        joint = tuple(r for r in every if r.kind == kind)
        if joint:
            units.append(joint)
    return units


def _flat(groups: Sequence[tuple[Rule, ...]]) -> list[Rule]:
    return [r for g in groups for r in g]


def find_repairs(inst: Instance, *, k: int = 3, solver: str = "highs", time_limit: float = 10.0,
                 budget: float = 3.0, max_candidates: int = 8,
                 only: Callable[[Rule], bool] | None = None) -> tuple[Repair, ...]:
    """Up to `k` verified repairs of an infeasible instance (see the module docstring); () when
    the instance is feasible or nothing could be verified within the budget. With `only`, a repair
    changes only the rules it admits (e.g. the parties' demands: a concession); the others are
    kept as they are."""
    oracle = Oracle(inst, solver, time_limit, budget=budget)
    every = list(inst.all_rules())
    hard = [r for r in every if only is not None and not only(r)]
    soft = [r for r in every if r not in set(hard)]
    if not soft or oracle.infeasible(every) is not True or oracle.infeasible(hard) is not False:
        return ()
    # Keep the user's positions first, the bounds last: the first MCS then relaxes bounds.
    order = sorted(_groups(soft), key=lambda g: g[0].kind in BOUNDED)
    found: list[frozenset[Rule]] = []
    seeds: list[tuple[tuple[Rule, ...], ...]] = [()]
    tried: set[tuple[tuple[Rule, ...], ...]] = set()
    while seeds and len(found) < max_candidates and not oracle.out_of_time:
        seed = seeds.pop(0)
        if seed in tried:
            continue
        tried.add(seed)
        kept = _grow(oracle, seed, order, hard)
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


def _grow(oracle: Oracle, seed: Sequence[tuple[Rule, ...]], order: Sequence[tuple[Rule, ...]],
          hard: Sequence[Rule] = ()) -> list[tuple[Rule, ...]] | None:
    """A maximal satisfiable set of groups containing `seed` (with the `hard` rules always kept);
    None when the seed is infeasible or time ran out."""
    kept = list(seed)
    if oracle.infeasible([*hard, *_flat(kept)]) is not False:
        return None
    for g in order:
        if g in kept:
            continue
        res = oracle.infeasible([*hard, *_flat([*kept, g])])
        if res is None:
            return None
        if res is False:
            kept.append(g)
    return kept


# --------------------------------------------------------------------------------------------
# From a correction set to a verified repair
# --------------------------------------------------------------------------------------------


class _Ask:
    """The answers a rule kind's `relax` asks for (`rules.Relaxer`), by solving on `inst`."""

    def __init__(self, inst: Instance, oracle: Oracle) -> None:
        self.inst = inst
        self.oracle = oracle

    def feasible(self, rules: Rules) -> bool:
        trial = replace(self.inst, rules=rules)
        return self.oracle.infeasible(trial.all_rules(), trial) is False

    def least(self, rules: Rules, coefs: Sequence[float]) -> float | None:
        return self.oracle.least(replace(self.inst, rules=rules), coefs)

    def least_risky_share(self, rules: Rules) -> float | None:
        return least_risky_share(replace(self.inst, rules=rules), self.oracle)


def _relax(inst: Instance, oracle: Oracle, mcs: frozenset[Rule]) -> Rules:
    """The released rules with each group of the correction set put back at its least sufficient
    value where its kind has one (`RuleKind.relax`): the rules that exclude proposals first
    (`_RELAX_FIRST`), then in the registry's order and, within a kind, in the groups' order (so
    pools per year before the pool in total)."""
    rules = release(inst.rules, sorted(mcs, key=repr))
    ask = _Ask(inst, oracle)
    order = {kind.kind: n for n, kind in enumerate(_ORDER)}
    for rule in sorted(mcs, key=lambda r: (order[r.kind], r.key, r.year, r.other)):
        relaxed = BY_KIND[rule.kind].relax(inst, rules, rule, ask)
        if relaxed is not None:
            rules = relaxed
    return rules


def _repair(inst: Instance, oracle: Oracle, every: Sequence[Rule], mcs: frozenset[Rule], solver: str,
            time_limit: float) -> Repair | None:
    rules = _relax(inst, oracle, mcs)
    trial = replace(inst, rules=rules)
    raw = solve_model(trial, solver=solver, time_limit=time_limit)
    if raw.status != "optimal" or raw.chosen is None:
        return None  # not verified: never reported
    objective = math.fsum(trial.values[i] for i in raw.chosen)
    selected = trial.selection(sorted(raw.chosen))
    ordered = tuple(r for r in every if r in mcs)
    return Repair(rules=ordered, text=_text(inst, ordered, rules), scenario_patch=_patch(inst.rules, rules),
                  objective=objective, selected=selected, minimised=inst.objective.minimised)


# --------------------------------------------------------------------------------------------
# Words and the scenario patch
# --------------------------------------------------------------------------------------------


def _text(inst: Instance, mcs: Sequence[Rule], new: Rules) -> str:
    """The repair in Danish: each kind's change (`RuleKind.change_text`), in the repair's order."""
    parts: list[str] = []
    for kind in _ORDER:
        group = [r for r in mcs if r.kind == kind.kind]
        if group:
            parts += kind.change_text(inst, group, new)
    return capitalised(join_names(parts))


def _patch(old: Rules, new: Rules) -> dict[str, Any]:
    """The scenario JSON fields whose value the repair changes, with their new values (each kind
    gives the fields it owns, `RuleKind.patch`)."""
    patch: dict[str, Any] = {}
    for kind in KINDS:
        before, after = kind.patch(old), kind.patch(new)
        patch |= {k: v for k, v in after.items() if before.get(k) != v}
    return patch


def apply_patch(scenario_json: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The scenario JSON with the patch's fields replaced (what the dashboard's button does)."""
    return {**scenario_json, **patch}
