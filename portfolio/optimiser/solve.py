"""Solving: `solve` an instance (with the explanation and repairs when nothing is feasible) and `optimise` a scenario."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from .. import fmt
from ..model import DataSet
from ..scenario import Scenario
from .build import InstanceCache, build_instance, default_cache
from .explain import explain_infeasible
from .instance import Instance
from .milp import solve_model
from .repairs import Repair, find_repairs
from .result import Conflict, Result, result_from


def solve(inst: Instance, *, solver: str = "highs", time_limit: float = 10.0, explain: bool = True,
          mip_gap: float = 0.0) -> Result:
    """Solve an instance to proven optimality (or the time limit), or with `mip_gap` > 0 until the
    portfolio is proven within that relative gap of the optimum (status "within_gap" unless it is
    proven optimal; the result carries the bound and the gap). When no portfolio satisfies the
    rules, the result explains why (a minimal conflicting set of rules, in Danish)."""
    t0 = time.perf_counter()
    raw = solve_model(inst, solver=solver, time_limit=time_limit, mip_gap=mip_gap)
    if raw.status == "infeasible" and explain:
        conflicts = explain_infeasible(inst, solver=raw.solver, time_limit=time_limit)
        repairs = find_repairs(inst, solver=raw.solver, time_limit=time_limit)
        text = explanation_text(conflicts, repairs)
        return result_from(inst, raw, text, conflicts, seconds=time.perf_counter() - t0, repairs=repairs,
                           mip_gap=mip_gap)
    return result_from(inst, raw, seconds=time.perf_counter() - t0, mip_gap=mip_gap)


def explanation_text(conflicts: Sequence[Conflict], repairs: Sequence[Repair] = ()) -> str:
    """The whole explanation: the conflicts, then the verified repairs (`repairs.Repair`)."""
    head = "Der findes ingen portefølje, som overholder alle reglerne."
    if not conflicts:
        text = head + " Konflikten kunne ikke indkredses inden for tidsgrænsen."
    elif len(conflicts) == 1:
        text = f"{head} {conflicts[0].text}"
    else:
        text = "\n".join([head] + [f"Konflikt {n}: {c.text}" for n, c in enumerate(conflicts, start=1)])
    if repairs:
        text += "\nÆndringer, der er afprøvet og giver en løsning: " + "; ".join(
            f"{n}) {r.text} (målværdi {fmt.mio(fmt.shown_objective(r.objective), 1)})" for n, r in enumerate(repairs, start=1)) + "."
    return text


def optimise(ds: DataSet, scenario: Scenario, *, cache: InstanceCache | None = None,
             explain: bool = True) -> Result:
    """Build the scenario's instance and solve it with the scenario's solver, time limit and gap.
    Raises ScenarioError when the scenario does not fit the dataset. Without a `cache`, the
    dataset's own (`build.default_cache`) keeps the items of its last few flow settings."""
    t0 = time.perf_counter()
    inst = build_instance(ds, scenario, cache if cache is not None else default_cache(ds))
    res = solve(inst, solver=scenario.solver, time_limit=scenario.time_limit, explain=explain,
                mip_gap=scenario.mip_gap)
    return _with_seconds(res, time.perf_counter() - t0)


def _with_seconds(res: Result, seconds: float) -> Result:
    return replace(res, solve_seconds=seconds)
