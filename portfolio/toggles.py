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
* Under any other rules (per-year pools, a risky share, savings targets, the parties' demands,
  ...) one exact engine of `optimiser.enumeration` for the rules without the user's forces answers
  every toggle as "the best portfolio holding these proposals and none of those"
  (`Engine.best_where`): separable or two lists when the structure allows, else the admissible
  portfolios listed; with the optimum known, first only those within 10 % of it (a toggle whose
  best portfolio is among them is settled, since every better one is too), and the toggles below
  that from their own portfolios. About 10-30 ms for all 22 proposals.
* Above the engines' bound, the Pareto pass on the relaxation without the rules it cannot hold;
  its optimum is used when it satisfies them (or when the relaxation has no portfolio at all), and
  otherwise one reusable HiGHS model (`optimiser.ReusableModel`, relative gap 0) is re-solved
  with only the toggled proposal's bounds changed (warm-started with the current optimum minus
  the proposal when that is allowed). Expect 3-10 ms per such proposal.

An infeasible toggle's explanation (the MILP's deletion filter, a few to 40 ms each) is computed
the first time `TogglePrice.explanation` is read; `explain=False` leaves it out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .frontier import (
    ParetoLayers,
    best_around,
    excluded_items,
    group_options,
    groups_of,
    pareto_applies,
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


class _Lazy:
    """An infeasible toggle's explanation, computed the first time it is read (the MILP's deletion
    filter, `optimiser.explain_infeasible`, on the toggled instance). Picklable (the dashboard
    caches the prices): it carries the instance, not a function."""

    def __init__(self, inst: Instance, time_limit: float) -> None:
        self._inst = inst
        self._time_limit = time_limit
        self._text: str | None = None

    def get(self) -> str:
        if self._text is None:
            self._text = explanation_text(explain_infeasible(self._inst, solver="highs", time_limit=self._time_limit))
        return self._text


@dataclass(frozen=True)
class TogglePrice:
    key: str
    action: str  # "force_in" (the proposal is now out), "force_out" (now in), "release" (the user forced it)
    objective_now: float | None
    objective_after: float | None
    delta: float | None  # after - now (negative = it costs); None if either side is infeasible
    status: str  # of the optimisation after the toggle: "optimal" | "infeasible" | "time_limit"
    # the Danish explanation when the toggle makes the rules infeasible (`explanation`), computed
    # when first read: a text, or a `_Lazy` that computes it
    _explanation: str | _Lazy | None
    selected_after: tuple[tuple[str, str | None], ...]

    @property
    def explanation(self) -> str | None:
        e = self._explanation
        return e.get() if isinstance(e, _Lazy) else e


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


# above this many (partial) portfolios the toggles go to the per-toggle MILP (bench/bench_analysis.py:
# 304.096 portfolios are listed in about 35 ms, the 22 MILP solves take about 250 ms)
ENUMERATION_LIMIT = 1_000_000


def _price(inst: Instance, key: str, action: str, obj_now: float | None, chosen: Sequence[int] | None, status: str,
           new: Instance | None, explain: bool, time_limit: float) -> TogglePrice:
    """The price of one toggle, from the portfolio after it (`chosen`, None: no portfolio); `new`,
    the toggled instance, is made here when an infeasible toggle is to be explained."""
    after = math.fsum(inst.values[i] for i in chosen) if chosen is not None else None
    delta = None if after is None or obj_now is None else _clean(after - obj_now, obj_now)
    text = None
    if status == "infeasible" and explain:
        text = _Lazy(new if new is not None else replace(inst, rules=toggled_rules(inst.rules, key, action)),
                     time_limit)
    return TogglePrice(key=key, action=action, objective_now=obj_now, objective_after=after, delta=delta,
                       status=status, _explanation=text, selected_after=inst.selection(sorted(chosen or ())))


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


class _TooMany(Exception):
    """A toggle's own portfolios exceed the enumeration's bound: the MILP answers every toggle."""


def _by_enumeration(inst: Instance, now: RawSolution | None, time_limit: float,
                    explain: bool) -> dict[str, TogglePrice] | None:
    """Every toggle price from one exact engine (`optimiser.enumeration.engine_for`) of the rules
    without the user's forced proposals: the optimum after a toggle is the best portfolio that
    holds the forced-in ones and none of the forced-out ones, with the toggle applied (`best_where`);
    None when no engine applies within its bound."""
    from .optimiser import enumeration as en  # noqa: PLC0415

    rules = inst.rules
    if len(inst.items) > en.MAX_ITEMS:
        return None
    setup = en.Setup.of(replace(inst, rules=replace(rules, force_in=(), force_out=())))
    if not setup.ok:
        return None
    values = inst.values
    f_in, f_out = list(rules.force_in), list(rules.force_out)
    eng: en.Engine | None = en.engine_for(setup.inst, ENUMERATION_LIMIT, setup) if now is None else None
    if eng is None and now is not None:
        eng = en.structured_engine(setup)
        if eng is None and now.chosen is not None:
            # the portfolios within 10 % of the current optimum first: a toggle whose best portfolio
            # is among them is settled (every better portfolio is among them too)
            v = math.fsum(values[i] for i in now.chosen)
            near = en.admissible(setup.inst, ENUMERATION_LIMIT, setup, coefs=values, floor=v - 0.1 * max(1.0, abs(v)))
            eng = None if near is None else en.Listed(near)
        if eng is None:
            eng = en.engine_for(setup.inst, ENUMERATION_LIMIT, setup)
    if eng is None:
        return None
    near_only = isinstance(eng, en.Listed) and now is not None and now.chosen is not None

    def best(must: list[str], must_not: list[str]) -> tuple[int, ...] | None:
        found = eng.best_where(values, must, must_not)
        if found is None and near_only:  # below the near ones: the toggle's own portfolios, all
            adm = en.admissible(setup.inst, ENUMERATION_LIMIT, setup.restricted(must, must_not))
            if adm is None:
                raise _TooMany
            found = en.Listed(adm).best_where(values, must, must_not)
        return None if found is None else found[1]

    try:
        return _prices_from(inst, now, best, f_in, f_out, time_limit, explain)
    except _TooMany:
        return None


def _prices_from(inst: Instance, now: RawSolution | None, best: Any, f_in: list[str], f_out: list[str],
                 time_limit: float, explain: bool) -> dict[str, TogglePrice]:
    rules = inst.rules
    values = inst.values
    if now is None:
        chosen = best(f_in, f_out)
        now = RawSolution("infeasible" if chosen is None else "optimal", chosen, "enumeration", 0.0)
    obj_now = math.fsum(values[i] for i in now.chosen) if now.chosen is not None else None
    chosen_keys = {inst.items[i].key for i in now.chosen} if now.chosen is not None else set()
    out: dict[str, TogglePrice] = {}
    for key in inst.by_key:
        if key in rules.force_in or key in rules.force_out:
            action = "release"
            after_chosen = best([k for k in f_in if k != key], [k for k in f_out if k != key])
        elif key in chosen_keys:
            action, after_chosen = "force_out", best(f_in, [*f_out, key])
        else:
            action, after_chosen = "force_in", best([*f_in, key], f_out)
        out[key] = _price(inst, key, action, obj_now, after_chosen, "infeasible" if after_chosen is None else "optimal",
                          None, explain, time_limit)
    return out


def prices_of(inst: Instance, now: RawSolution | None = None, *, time_limit: float = 10.0,
              explain: bool = True, engine: str = "auto") -> dict[str, TogglePrice]:
    """The toggle price of every proposal of `inst`, against the current optimum `now`
    (computed when None). `engine`: "enumeration" (the exact engines of `optimiser.enumeration`;
    ValueError when none applies), "solve" (the Pareto programme and the reusable MILP) or "auto"
    (the Pareto programme when it is exact by itself, else the enumeration engines within
    `ENUMERATION_LIMIT` portfolios, else the MILP; measured by bench/bench_analysis.py)."""
    if engine == "enumeration" or (engine == "auto" and not pareto_applies(inst)):
        found = _by_enumeration(inst, now, time_limit, explain)
        if found is not None:
            return found
        if engine == "enumeration":
            raise ValueError("too many admissible portfolios to enumerate")
    rules = inst.rules
    values = inst.values
    engine_ = _Engine(inst)
    model: ReusableModel | None = None

    def milp(r: Rules, start: tuple[int, ...] | None = None) -> RawSolution:
        nonlocal model
        if model is None:
            model = ReusableModel(inst, time_limit=time_limit)
        model.set_rules(r)
        return model.solve(start=start)

    if now is None:
        now = None
        if engine_.ok:
            k = engine_.fwd.best(rules.pool_total)
            if k is None:
                now = RawSolution("infeasible", None, "pareto", 0.0)
            else:
                chosen = tuple(sorted(engine_.fwd.selection(engine_.fwd.last, k)))
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
        if engine_.ok:
            proven, chosen = engine_.best(new, key)
            if proven:
                raw = RawSolution("infeasible" if chosen is None else "optimal", chosen, "pareto", 0.0)
        if raw is None:
            start = None
            if action == "force_out" and now.chosen is not None:  # the current optimum without it, if allowed
                cand = tuple(i for i in now.chosen if inst.items[i].key != key)
                start = cand if not check_selection(new, cand) else None
            raw = milp(new_rules, start)
        out[key] = _price(inst, key, action, obj_now, raw.chosen, raw.status, new, explain, time_limit)
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
        index = inst.index_of
        missing = [k for k in result.selected if k not in index]
        if missing:
            raise ValueError(f"the result does not belong to this scenario: {missing}")
        chosen = tuple(sorted(index[k] for k in result.selected)) if result.objective is not None else None
        now = RawSolution(result.status, chosen, result.solver, result.solve_seconds)
    return prices_of(inst, now, time_limit=scenario.time_limit, explain=explain)
