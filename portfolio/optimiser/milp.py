"""The 0/1 model and the solvers: HiGHS in-process, given the model as arrays in bulk; CBC through PuLP."""

from __future__ import annotations

import functools
import math
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulp

from .. import solverlog
from .instance import Instance, OptimiserError, Status
from .rules import Rule, rows_of, sparse_rows_of


@dataclass(frozen=True)
class RawSolution:
    status: Status
    chosen: tuple[int, ...] | None  # indices of chosen items; None when no solution is known
    solver: str
    seconds: float
    # the solver's proven bound on the objective, in the model's sense (an upper bound when
    # maximising); None when the solver gives none (no solution, or a solve that proves optimality
    # and states no bound)
    bound: float | None = None


def available_solvers() -> tuple[str, ...]:
    out = []
    if pulp.HiGHS().available():
        out.append("highs")
    if _cbc(1.0, msg=False).available():
        out.append("cbc")
    return tuple(out)


def _cbc(time_limit: float, msg: bool = False, gap: float = 0.0, log: str | None = None) -> pulp.LpSolver:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=msg, timeLimit=time_limit, gapRel=gap, logPath=log)
        if not solver.available():
            solver = pulp.COIN_CMD(msg=msg, timeLimit=time_limit, gapRel=gap, logPath=log)
    return solver


_CBC_BOUND = re.compile(r"^(?:Upper|Lower) bound:\s*(\S+)", re.MULTILINE)


def _cbc_bound(log: str) -> float | None:
    """The bound CBC states at the end of its log when it stops before proving optimality. The log
    goes on to the solver log when that is wanted (`solverlog.verbose`)."""
    try:
        text = Path(log).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if solverlog.verbose():
        sys.stderr.write(text)
        sys.stderr.flush()
    found = _CBC_BOUND.findall(text)
    try:
        return float(found[-1]) if found else None
    except ValueError:
        return None


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


@dataclass(frozen=True, eq=False)
class ModelArrays:
    """The 0/1 model of `_model` as arrays, in the same order: the columns (the items, then one
    fixed helper column per empty row that can never hold), then the rows (one per proposal with
    several variants, then every rule group's rows; an equality as one row, else a row for each
    finite side), row-wise. What `solve_model` hands to HiGHS in one call each."""

    cost: Any  # per column, in the model's sense
    upper: Any  # column upper bounds (0 for fixed items; lower bounds are all 0)
    n_items: int
    starts: Any
    index: Any
    value: Any
    row_lo: Any
    row_hi: Any

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)


def model_arrays(inst: Instance, rules: Iterable[Rule], coefs: Sequence[float]) -> ModelArrays:
    """The model of `inst` under `rules` with objective `coefs`, as arrays (see `ModelArrays`)."""
    import numpy as np  # noqa: PLC0415

    n = len(inst.items)
    rs = list(rules)
    upper = np.ones(n)
    for rule in rs:
        fixed = inst.excluded_by(rule)
        if fixed:
            upper[list(fixed)] = 0.0
    cost = np.asarray(coefs, dtype=float)
    inf = math.inf
    idx_parts: list[Any] = []
    val_parts: list[Any] = []
    lo: list[float] = []
    hi: list[float] = []
    empty = 0

    def add(index: Any, value: Any, a: float, b: float) -> None:
        idx_parts.append(index)
        val_parts.append(value)
        lo.append(a)
        hi.append(b)

    for idx in inst.by_key.values():
        if len(idx) > 1:
            add(np.array(idx, dtype=np.int32), np.ones(len(idx)), -inf, 1.0)
    for rule in rs:
        for r in sparse_rows_of(inst, rule):
            index, value = r.index, r.value
            if not len(index):
                if r.lo <= 0.0 <= r.hi:
                    continue  # an empty row holds whatever is chosen
                # ... or never: a helper column fixed at 0 carries it, so the solver proves infeasibility
                index, value = np.array([n + empty], dtype=np.int32), np.ones(1)
                empty += 1
            elif len(index) > 1 and not (index[1:] > index[:-1]).all() and len(np.unique(index)) != len(index):
                # PuLP sums a variable's terms; so do we
                order = dict.fromkeys(index.tolist())
                summed = dict.fromkeys(order, 0.0)
                for i, c in zip(index.tolist(), value.tolist(), strict=True):
                    summed[i] += c
                kept = [(i, c) for i, c in summed.items() if c != 0]
                index = np.array([i for i, _ in kept], dtype=np.int32)
                value = np.array([c for _, c in kept], dtype=float)
            if r.lo == r.hi:
                add(index, value, r.hi, r.hi)
                continue
            if math.isfinite(r.hi):
                add(index, value, -inf, r.hi)
            if math.isfinite(r.lo):
                add(index, value, r.lo, inf)
    sizes = np.array([len(i) for i in idx_parts], dtype=np.int64)
    starts = np.zeros(len(sizes), dtype=np.int32)
    if len(sizes):
        starts[1:] = np.cumsum(sizes)[:-1]
    index_all = np.concatenate(idx_parts).astype(np.int32) if idx_parts else np.zeros(0, np.int32)
    value_all = np.concatenate(val_parts).astype(float) if val_parts else np.zeros(0)
    keep = value_all != 0  # as PuLP's HiGHS interface: no zero coefficients
    if not keep.all():
        row_of = np.repeat(np.arange(len(sizes)), sizes)
        index_all, value_all = index_all[keep], value_all[keep]
        counts = np.bincount(row_of[keep], minlength=len(sizes))
        starts = np.zeros(len(sizes), dtype=np.int32)
        if len(sizes):
            starts[1:] = np.cumsum(counts)[:-1]
    return ModelArrays(cost=np.concatenate([cost, np.zeros(empty)]), upper=np.concatenate([upper, np.zeros(empty)]),
                       n_items=n, starts=starts, index=index_all, value=value_all, row_lo=np.array(lo, dtype=float),
                       row_hi=np.array(hi, dtype=float))


def solve_model(inst: Instance, rules: Iterable[Rule] | None = None, coefs: Sequence[float] | None = None,
                *, maximise: bool = True, solver: str = "highs", time_limit: float = 10.0,
                mip_gap: float = 0.0) -> RawSolution:
    """Solve the 0/1 model of `inst` with the given rule groups (default: all) and objective
    coefficients (default: the instance's values), to proven optimality or, with `mip_gap` > 0,
    until the solver has proven its portfolio within that relative gap of the optimum (the
    solution's `bound`). Low level: `solve` is the normal entry point.

    HiGHS gets the model as arrays in bulk (`model_arrays`: one call for the columns, one for the
    rows); CBC gets it through PuLP (`_model`), the same model."""
    t0 = time.perf_counter()
    name = _pick_solver(solver)
    rules = inst.all_rules() if rules is None else tuple(rules)
    if coefs is None:
        coefs = inst.value_array if name == "highs" else inst.values
    if not inst.items:
        return RawSolution("optimal", (), name, time.perf_counter() - t0, 0.0)
    if name == "highs":
        raw = _solve_highs(model_arrays(inst, rules, coefs), maximise, time_limit, mip_gap,
                           small=len(inst.items) < 500)
        return RawSolution(raw[0], raw[1], name, time.perf_counter() - t0, raw[2])
    lp, x = _model(inst, rules, coefs, pulp.LpMaximize if maximise else pulp.LpMinimize)
    with tempfile.TemporaryDirectory(prefix="portfolio-cbc-") as tmp:
        log = str(Path(tmp) / "cbc.log")
        try:
            with solverlog.maybe_solver_output():
                lp.solve(_cbc(time_limit, gap=mip_gap, log=log))  # its log is read for the bound
            status, has_solution = _cbc_status(lp)
        except pulp.PulpSolverError as e:
            raise OptimiserError(f"Optimeringen kunne ikke køre ({name}): {e}") from e
        bound = _cbc_bound(log)
        bound = bound if has_solution else None
    chosen = None
    if has_solution:
        # read values only when the solver reports a solution (never for an infeasible model)
        chosen = tuple(i for i, v in enumerate(x) if (v.varValue or 0.0) > 0.5)
    if bound is None and status == "optimal" and chosen is not None:
        bound = math.fsum(coefs[i] for i in chosen)  # proven optimal: the optimum is its own bound
    return RawSolution(status, chosen, name, time.perf_counter() - t0, bound)


@functools.lru_cache(maxsize=16)
def column_order(n_items: int, n_empty: int) -> Any:
    """The columns in the order PuLP hands them to a solver: sorted by name ("empty1", "empty10",
    "empty2", …, "x0", "x1", "x10", …), so HiGHS gets the model PuLP gave it, and breaks ties and
    stops at a gap exactly as before. Column k of the model is `order[k]` of `ModelArrays`."""
    import numpy as np  # noqa: PLC0415

    names = [f"x{i}" for i in range(n_items)] + [f"empty{j + 1}" for j in range(n_empty)]
    order = np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)
    order.setflags(write=False)
    return order


def _solve_highs(m: ModelArrays, maximise: bool, time_limit: float, mip_gap: float,
                 small: bool) -> tuple[Status, tuple[int, ...] | None, float | None]:
    """Solve the model with highspy, loaded in bulk (the columns, their integrality and the rows in
    one call each), the columns in PuLP's order (`column_order`), minimising the negated objective
    when maximising (as PuLP's HiGHS interface does): the model PuLP built, without PuLP."""
    import highspy  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    h = solverlog.new_highs()
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("time_limit", float(time_limit))
    if small:  # feasibility jump costs more than it saves on small models
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    inf = highspy.kHighsInf
    mult = -1.0 if maximise else 1.0
    n = m.n_cols
    k = m.n_items
    order = column_order(k, n - k)
    col_of = np.empty(n, dtype=np.int32)
    col_of[order] = np.arange(n, dtype=np.int32)
    h.addCols(n, mult * m.cost[order], np.zeros(n), m.upper[order], 0, np.zeros(n, np.int32), np.zeros(0, np.int32),
              np.zeros(0))
    if k:
        ints = np.sort(col_of[:k])
        h.changeColsIntegrality(k, ints, np.full(k, int(highspy.HighsVarType.kInteger), np.uint8))
    if m.n_rows:
        h.addRows(m.n_rows, np.where(np.isinf(m.row_lo), -inf, m.row_lo), np.where(np.isinf(m.row_hi), inf, m.row_hi),
                  len(m.index), m.starts, col_of[m.index], m.value)
    with solverlog.maybe_solver_output():
        h.run()
    ms = h.getModelStatus()
    st = highspy.HighsModelStatus
    info = h.getInfo()
    has = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if ms == st.kOptimal:
        status: Status = "optimal"
    elif ms in (st.kInfeasible, st.kUnboundedOrInfeasible):
        return "infeasible", None, None
    elif ms in {getattr(st, a) for a in ("kTimeLimit", "kInterrupt", "kIterationLimit", "kSolutionLimit")
                if hasattr(st, a)}:
        status = "time_limit"
    else:
        raise OptimiserError(f"HiGHS kunne ikke løse modellen (status {ms})")
    if not has:
        return status, None, None
    x = np.asarray(h.getSolution().col_value)[col_of[:k]]
    chosen = tuple(np.nonzero(x > 0.5)[0].tolist())
    dual = info.mip_dual_bound
    bound = None if not math.isfinite(dual) else mult * dual
    return status, chosen, bound


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
