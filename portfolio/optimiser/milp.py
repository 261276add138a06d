"""The 0/1 model (PuLP) and the solvers: HiGHS in-process, CBC as fallback."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pulp

from .. import solverlog
from .instance import Instance, OptimiserError, Status
from .rules import Rule, rows_of


@dataclass(frozen=True)
class RawSolution:
    status: Status
    chosen: tuple[int, ...] | None  # indices of chosen items; None when no solution is known
    solver: str
    seconds: float


def available_solvers() -> tuple[str, ...]:
    out = []
    if pulp.HiGHS().available():
        out.append("highs")
    if _cbc(1.0, msg=False).available():
        out.append("cbc")
    return tuple(out)


def _cbc(time_limit: float, msg: bool = False) -> pulp.LpSolver:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=msg, timeLimit=time_limit, gapRel=0.0)
        if not solver.available():
            solver = pulp.COIN_CMD(msg=msg, timeLimit=time_limit, gapRel=0.0)
    return solver


def _highs(time_limit: float, small: bool) -> pulp.LpSolver:
    """PuLP's HiGHS interface, loading the model in bulk (PuLP adds columns and sets their
    integrality one call at a time, which dominates the time on small models)."""
    import highspy  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    class BulkHiGHS(pulp.HiGHS):  # type: ignore[misc, valid-type]
        def createAndConfigureSolver(self, lp: pulp.LpProblem) -> None:
            with solverlog.solver_output():  # the banner HiGHS prints on construction
                super().createAndConfigureSolver(lp)

        def buildSolverModel(self, lp: pulp.LpProblem) -> None:
            h = lp.solverModel
            inf = highspy.kHighsInf
            mult = -1.0 if lp.sense == pulp.LpMaximize else 1.0
            variables = lp.variables()
            n = len(variables)
            cost, lo, hi = np.zeros(n), np.zeros(n), np.zeros(n)
            ints = []
            for i, v in enumerate(variables):
                v.index = i
                cost[i] = mult * lp.objective.get(v, 0.0)
                lo[i] = -inf if v.lowBound is None else v.lowBound
                hi[i] = inf if v.upBound is None else v.upBound
                if v.cat == pulp.LpInteger and self.mip:
                    ints.append(i)
            h.addCols(n, cost, lo, hi, 0, np.zeros(n, np.int32), np.zeros(0, np.int32), np.zeros(0))
            if ints:
                h.changeColsIntegrality(len(ints), np.array(ints, np.int32),
                                        np.full(len(ints), int(highspy.HighsVarType.kInteger), np.uint8))
            starts: list[int] = []
            index: list[int] = []
            value: list[float] = []
            rlo: list[float] = []
            rhi: list[float] = []
            for j, c in enumerate(lp._constraints.values()):
                c.index = j
                starts.append(len(index))
                for var, coef in c.items():
                    if coef != 0:
                        index.append(var.index)
                        value.append(coef)
                lb, ub = c.getLb(), c.getUb()
                rlo.append(-inf if lb is None else lb)
                rhi.append(inf if ub is None else ub)
            if starts:
                h.addRows(len(starts), np.array(rlo), np.array(rhi), len(index), np.array(starts, np.int32),
                          np.array(index, np.int32), np.array(value, dtype=float))

    opts: dict[str, Any] = {"mip_heuristic_run_feasibility_jump": False} if small else {}
    return BulkHiGHS(msg=solverlog.verbose(), gapRel=0.0, timeLimit=time_limit, **opts)


def _pick_solver(name: str) -> str:
    if name not in ("highs", "cbc"):
        raise ValueError(f"unknown solver {name!r} (use 'highs' or 'cbc')")
    if name == "highs" and not pulp.HiGHS().available():
        return "cbc"
    return name


def _model(inst: Instance, rules: Iterable[Rule], coefs: Sequence[float],
           sense: int) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    items = inst.items
    rs = list(rules)
    fixed: set[int] = set()
    for rule in rs:
        fixed |= inst.excluded_by(rule)
    lp = pulp.LpProblem("portefolje", sense)
    x = [lp.add_variable(f"x{i}", 0, 0 if i in fixed else 1, cat=pulp.LpInteger) for i in range(len(items))]
    lp.setObjective(pulp.LpAffineExpression([(x[i], c) for i, c in enumerate(coefs)]))

    def row(terms: list[tuple[pulp.LpVariable, float]], op: int, rhs: float) -> None:
        lp.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), op, rhs=rhs))

    for idx in inst.by_key.values():
        if len(idx) > 1:
            row([(x[i], 1.0) for i in idx], pulp.LpConstraintLE, 1.0)
    empty = 0
    for rule in rs:
        for r in rows_of(inst, rule):
            terms = [(x[i], c) for i, c in r.terms]
            if not terms:
                if r.lo <= 0.0 <= r.hi:
                    continue  # an empty row holds whatever is chosen
                # ... or never (a savings target no proposal contributes to): a variable fixed at 0
                # carries the row, so the solver proves the model infeasible
                empty += 1
                terms = [(lp.add_variable(f"empty{empty}", 0, 0), 1.0)]
            if r.lo == r.hi:
                row(terms, pulp.LpConstraintEQ, r.hi)
                continue
            if math.isfinite(r.hi):
                row(terms, pulp.LpConstraintLE, r.hi)
            if math.isfinite(r.lo):
                row(terms, pulp.LpConstraintGE, r.lo)
    return lp, x


def solve_model(inst: Instance, rules: Iterable[Rule] | None = None, coefs: Sequence[float] | None = None,
                *, maximise: bool = True, solver: str = "highs", time_limit: float = 10.0) -> RawSolution:
    """Solve the 0/1 model of `inst` with the given rule groups (default: all) and objective
    coefficients (default: the instance's values). Low level: `solve` is the normal entry point."""
    t0 = time.perf_counter()
    name = _pick_solver(solver)
    rules = inst.all_rules() if rules is None else tuple(rules)
    coefs = inst.values if coefs is None else coefs
    if not inst.items:
        return RawSolution("optimal", (), name, time.perf_counter() - t0)
    lp, x = _model(inst, rules, coefs, pulp.LpMaximize if maximise else pulp.LpMinimize)
    try:
        with solverlog.maybe_solver_output():
            if name == "highs":
                lp.solve(_highs(time_limit, small=len(inst.items) < 500))
            else:
                lp.solve(_cbc(time_limit, msg=solverlog.verbose()))
        status, has_solution = _highs_status(lp) if name == "highs" else _cbc_status(lp)
    except pulp.PulpSolverError as e:
        raise OptimiserError(f"Optimeringen kunne ikke køre ({name}): {e}") from e
    chosen = None
    if has_solution:
        # read values only when the solver reports a solution (never for an infeasible model)
        chosen = tuple(i for i, v in enumerate(x) if (v.varValue or 0.0) > 0.5)
    return RawSolution(status, chosen, name, time.perf_counter() - t0)


def _highs_status(lp: pulp.LpProblem) -> tuple[Status, bool]:
    import highspy  # noqa: PLC0415

    ms = lp.solverModel.getModelStatus()
    st = highspy.HighsModelStatus
    if ms == st.kOptimal:
        return "optimal", True
    if ms in (st.kInfeasible, st.kUnboundedOrInfeasible):
        return "infeasible", False
    limits = {getattr(st, n) for n in ("kTimeLimit", "kInterrupt", "kIterationLimit", "kSolutionLimit")
              if hasattr(st, n)}
    if ms in limits:
        return "time_limit", lp.sol_status == pulp.LpSolutionIntegerFeasible
    raise OptimiserError(f"HiGHS kunne ikke løse modellen (status {ms})")


def _cbc_status(lp: pulp.LpProblem) -> tuple[Status, bool]:
    if lp.status == pulp.LpStatusOptimal and lp.sol_status == pulp.LpSolutionOptimal:
        return "optimal", True
    if lp.status == pulp.LpStatusInfeasible:
        return "infeasible", False
    if lp.status == pulp.LpStatusOptimal and lp.sol_status == pulp.LpSolutionIntegerFeasible:
        return "time_limit", True
    if lp.status == pulp.LpStatusNotSolved:
        return "time_limit", False
    raise OptimiserError(f"CBC kunne ikke løse modellen (status {pulp.LpStatus.get(lp.status, lp.status)})")
