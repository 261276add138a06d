"""Portfolio optimisation: choose the proposal variants that maximise the scenario's objective
within the pool and the rules.

Two layers:

* `build_instance(ds, scenario)` turns a dataset and a scenario into a pure-number `Instance`: one
  `Item` per variant (amounts per horizon year, in 1.000 kr. at the scenario's base p/l) and the
  `Rules`. Instances can also be built directly (tests, synthetic benchmarks).
* `solve(instance)` builds the 0/1 model and solves it with HiGHS in-process (handed over as arrays
  in bulk) or CBC through PuLP, to proven optimality or, with `mip_gap` > 0, to a proven relative
  gap. The `Result` carries an honest status ("optimal" = proven, "within_gap", "infeasible",
  "time_limit"), the proven bound and the remaining gap, the
  yearly figures of the chosen portfolio, a status with a Danish reason for every variant and,
  when no portfolio satisfies the rules, a computed explanation (`explain.py`) and verified repairs
  (`repairs.py`).

`optimise(ds, scenario)` does both. Sign conventions: yearly amounts as in the documents (savings
negative); the objective counts savings positive and is maximised (min_pool: the pool investment's
negative is maximised, and it is reported as the amount itself, `ObjectiveSpec.reported`).

The package, one module per concept, each importing only the ones before it (no cycle):
`instance` (the numbers), `build` (dataset + scenario -> instance), `milp` (the PuLP model and the
solvers), `result` (statuses, conflicts, the verifier), `reusable` (one highspy model re-solved for
the analyses), `explain` (why nothing is feasible), `repairs` (what would make it feasible) and
`solve` (all of it together). This front door re-exports the public names.
"""

from __future__ import annotations

from .build import InstanceCache, build_instance, scenario_objective, scenario_rules
from .explain import explain_infeasible
from .instance import (
    SOLVER_LABELS,
    Instance,
    Item,
    ObjectiveKind,
    ObjectiveSpec,
    OptimiserError,
    Rules,
    Status,
    item_value,
)
from .milp import RawSolution, available_solvers, solve_model
from .repairs import Repair, apply_patch, find_repairs
from .result import (
    CODE_LABELS,
    Code,
    Conflict,
    ItemStatus,
    Result,
    RuleFigure,
    check_selection,
    result_from,
)
from .reusable import ReusableModel
from .rules import (
    KINDS,
    RISK_NAMES,
    RISKY_FROM,
    Bound,
    PartySpec,
    PoolSpec,
    Row,
    Rule,
    RuleKind,
    TargetSpec,
    rule_label,
)
from .solve import explanation_text, optimise, solve

__all__ = [
    "RISK_NAMES",
    "RISKY_FROM",
    "Status",
    "ObjectiveKind",
    "SOLVER_LABELS",
    "OptimiserError",
    "Item",
    "ObjectiveSpec",
    "item_value",
    "Rules",
    "Rule",
    "Row",
    "Bound",
    "PoolSpec",
    "PartySpec",
    "TargetSpec",
    "RuleKind",
    "KINDS",
    "rule_label",
    "Instance",
    "InstanceCache",
    "scenario_rules",
    "scenario_objective",
    "build_instance",
    "RawSolution",
    "available_solvers",
    "solve_model",
    "Code",
    "CODE_LABELS",
    "ItemStatus",
    "Conflict",
    "Result",
    "RuleFigure",
    "result_from",
    "check_selection",
    "ReusableModel",
    "explain_infeasible",
    "Repair",
    "find_repairs",
    "apply_patch",
    "solve",
    "explanation_text",
    "optimise",
]
