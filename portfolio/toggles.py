"""Toggle prices: what forcing one proposal in or out would cost, all else equal.

For every proposal of the scenario's catalogues, `toggle_prices` re-optimises with one change to
the rules and reports the new optimum against the current one:

* "force_in": the current optimum leaves the proposal out; the price of forcing it in
  (any of its variants, unless a variant is pinned);
* "force_out": the current optimum includes it; the price of forcing it out;
* "release": the user has already forced it in or out; the change from removing that force
  (never negative: a rule less can only help or leave the optimum unchanged).

`delta` = objective after - objective now (savings positive, so negative = the toggle costs).
It is None when either side has no portfolio; when the toggle makes the rules impossible the
status is "infeasible" and `explanation` says why in Danish (a minimal conflicting set of rules,
computed as for the optimiser). Each price is the exact difference of two optimisations (proven
optima):

* When the pool in total is the only resource rule, the Pareto programme of `frontier.py` runs
  once forwards and once backwards over the groups of proposals; the optimum with one
  proposal's options changed is then one pass over that proposal's group (best prefix + option +
  best suffix within the pool). Exact, and about 0,2 ms per proposal.
* With per-year pools or a risky-share cap that pass solves the relaxation without them; its
  optimum is used when it satisfies them (or when the relaxation has no portfolio at all), and
  otherwise one reusable HiGHS model (`optimiser.ReusableModel`, relative gap 0) is re-solved
  with only the toggled proposal's bounds changed (warm-started with the current optimum minus
  the proposal when that is allowed). Expect 3-10 ms per such proposal.

Explanations of infeasible toggles cost a few ms each (`explain=False` skips them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .frontier import (
    ParetoLayers,
    best_around,
    excluded_items,
    group_options,
    groups_of,
    satisfies_dropped,
)
from .model import DataSet
from .optimiser import (
    Instance,
    InstanceCache,
    RawSolution,
    Result,
    ReusableModel,
    Rules,
    build_instance,
    check_selection,
    explain_infeasible,
    explanation_text,
)
from .scenario import Scenario


@dataclass(frozen=True)
class TogglePrice:
    key: str
    action: str  # "force_in" (the proposal is now out), "force_out" (now in), "release" (the user forced it)
    objective_now: float | None
    objective_after: float | None
    delta: float | None  # after - now (negative = it costs); None if either side is infeasible
    status: str  # of the optimisation after the toggle: "optimal" | "infeasible" | "time_limit"
    explanation: str | None  # Danish explanation when the toggle makes the rules infeasible
    selected_after: tuple[tuple[str, str | None], ...]


def toggled_rules(rules: Rules, key: str, action: str) -> Rules:
    """The rules after one toggle of `key`."""
    if action == "release":
        return replace(rules, force_in=tuple(k for k in rules.force_in if k != key),
                       force_out=tuple(k for k in rules.force_out if k != key))
    if action == "force_in":
        return replace(rules, force_in=(*rules.force_in, key))
    if action == "force_out":
        return replace(rules, force_out=(*rules.force_out, key))
    raise ValueError(f"unknown action {action!r}")


def _clean(delta: float, scale: float) -> float:
    """Rounding noise of the two sums is reported as 0."""
    return 0.0 if abs(delta) <= 1e-9 * max(1.0, abs(scale)) else delta


class _Engine:
    """The Pareto programme with forward and backward layers over the groups of proposals: the
    best portfolio with one group's options changed costs one pass over that group's options
    (see `frontier.best_around`). Exact when `pareto_applies`; else it solves the relaxation
    without the per-year pools and the risky share."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.ok = False
        groups = groups_of(inst)
        if groups is None:
            return
        cap = inst.rules.pool_total
        self.fwd = ParetoLayers(groups, cap)
        self.bwd = ParetoLayers(groups[::-1], cap)
        self.ok = self.fwd.ok and self.bwd.ok
        self.group_of = {k: g for g, grp in enumerate(groups) for k in grp.keys}

    def best(self, new: Instance, key: str) -> tuple[bool, tuple[int, ...] | None]:
        """(proven, chosen): the optimum of `new` (the instance with rules changed for `key` only).
        proven False: the programme could not settle it (use the MILP)."""
        g = self.group_of[key]
        grp = group_options(new, self.fwd.groups[g].keys, excluded_items(new))
        if grp is None:
            return False, None
        chosen = best_around(self.fwd, self.bwd, g, grp, new.rules.pool_total)
        if chosen is None:  # the relaxation has no portfolio, so neither has the instance
            return True, None
        return satisfies_dropped(new, chosen), chosen


def prices_of(inst: Instance, now: RawSolution | None = None, *, time_limit: float = 10.0,
              explain: bool = True) -> dict[str, TogglePrice]:
    """The toggle price of every proposal of `inst`, against the current optimum `now`
    (computed when None)."""
    rules = inst.rules
    values = inst.values
    engine = _Engine(inst)
    model: ReusableModel | None = None

    def milp(r: Rules, start: tuple[int, ...] | None = None) -> RawSolution:
        nonlocal model
        if model is None:
            model = ReusableModel(inst, time_limit=time_limit)
        model.set_rules(r)
        return model.solve(start=start)

    if now is None:
        now = None
        if engine.ok:
            k = engine.fwd.best(rules.pool_total)
            if k is None:
                now = RawSolution("infeasible", None, "pareto", 0.0)
            else:
                chosen = tuple(sorted(engine.fwd.selection(engine.fwd.last, k)))
                if satisfies_dropped(inst, chosen):
                    now = RawSolution("optimal", chosen, "pareto", 0.0)
        if now is None:
            now = milp(rules)
    obj_now = math.fsum(values[i] for i in now.chosen) if now.chosen is not None else None
    chosen_keys = {inst.items[i].key for i in now.chosen} if now.chosen is not None else set()
    forced = set(rules.force_in) | set(rules.force_out)
    out: dict[str, TogglePrice] = {}
    for key in inst.by_key:
        if key in forced:
            action = "release"
        elif key in chosen_keys:
            action = "force_out"
        else:
            action = "force_in"
        new_rules = toggled_rules(rules, key, action)
        new = replace(inst, rules=new_rules)
        raw: RawSolution | None = None
        if engine.ok:
            proven, chosen = engine.best(new, key)
            if proven:
                raw = RawSolution("infeasible" if chosen is None else "optimal", chosen, "pareto", 0.0)
        if raw is None:
            start = None
            if action == "force_out" and now.chosen is not None:  # the current optimum without it, if allowed
                cand = tuple(i for i in now.chosen if inst.items[i].key != key)
                start = cand if not check_selection(new, cand) else None
            raw = milp(new_rules, start)
        after = math.fsum(values[i] for i in raw.chosen) if raw.chosen is not None else None
        delta = None if after is None or obj_now is None else _clean(after - obj_now, obj_now)
        text = None
        if raw.status == "infeasible" and explain:
            text = explanation_text(explain_infeasible(new, solver="highs", time_limit=time_limit))
        sel = tuple((inst.items[i].key, inst.items[i].variant) for i in sorted(raw.chosen or ()))
        out[key] = TogglePrice(key=key, action=action, objective_now=obj_now, objective_after=after,
                               delta=delta, status=raw.status, explanation=text, selected_after=sel)
    return out


def toggle_prices(ds: DataSet, scenario: Scenario, result: Result | None = None, *,
                  cache: InstanceCache | None = None, explain: bool = True) -> dict[str, TogglePrice]:
    """The price of toggling each proposal of the scenario's catalogues (keyed by proposal, in
    catalogue order). `result`: the scenario's current optimum (`optimise(ds, scenario)`), if the
    caller has it; otherwise it is computed. `explain=False` skips the Danish explanations of
    infeasible toggles. Raises ScenarioError when the scenario does not fit the dataset."""
    inst = build_instance(ds, scenario, cache)
    now = None
    if result is not None:
        index = {(it.key, it.variant): i for i, it in enumerate(inst.items)}
        missing = [k for k in result.selected if k not in index]
        if missing:
            raise ValueError(f"the result does not belong to this scenario: {missing}")
        chosen = tuple(sorted(index[k] for k in result.selected)) if result.objective is not None else None
        now = RawSolution(result.status, chosen, result.solver, result.solve_seconds)
    return prices_of(inst, now, time_limit=scenario.time_limit, explain=explain)
