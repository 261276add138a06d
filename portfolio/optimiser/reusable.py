"""A reusable in-process HiGHS model, for analyses that solve many variations of one instance."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .. import solverlog
from .instance import _EPS, Instance, OptimiserError, Rules, Status
from .milp import RawSolution
from .rules import RISKY_FROM


class ReusableModel:
    """The 0/1 model of an instance, held in one `highspy.Highs` object and re-solved after
    small changes instead of being rebuilt: the rules' bounds (`set_rules`, `set_pool_total`),
    the objective coefficients (`set_objective`) and no-good cuts (`exclude`, `clear_cuts`).

    The rows and bounds are those of `solve_model` (same rule semantics, see `Instance`): one
    row per proposal with several variants (at most one; at least one when forced in), one per
    dependency edge and requiring variant, the pool in total and per horizon year, and the risky
    share. Rules that only fix items to 0 (risk, payback, force-out, pinned variants) are column
    bounds. Every solve is to proven optimality (relative gap 0) or the time limit, with HiGHS in
    process, whatever solver the scenario names. Not thread-safe: one model per caller.
    """

    def __init__(self, inst: Instance, coefs: Sequence[float] | None = None, *,
                 time_limit: float = 10.0) -> None:
        import highspy  # noqa: PLC0415
        import numpy as np  # noqa: PLC0415

        self._np = np
        self._hs = highspy
        self.inst = inst
        self.time_limit = time_limit
        items = inst.items
        n = len(items)
        self.n = n
        self._idx = np.arange(n, dtype=np.int32)
        h = solverlog.new_highs()
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("time_limit", float(time_limit))
        if n < 500:  # feasibility jump and restarts cost more than they save on small models
            h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
            h.setOptionValue("mip_allow_restart", False)
        self.h = h
        inf = highspy.kHighsInf
        self._inf = inf
        cost = np.array(inst.values if coefs is None else coefs, dtype=float)
        if len(cost) != n:
            raise ValueError(f"{len(cost)} coefficients for {n} items")
        if n:
            h.addCols(n, cost, np.zeros(n), np.ones(n), 0, np.zeros(n, np.int32), np.zeros(0, np.int32),
                      np.zeros(0))
            h.changeColsIntegrality(n, self._idx, np.full(n, int(highspy.HighsVarType.kInteger), np.uint8))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self._rows = 0

        def add_row(coefs_by_col: Sequence[tuple[int, float]], lo: float, hi: float) -> int:
            terms = [(j, c) for j, c in coefs_by_col if c != 0]
            h.addRow(lo, hi, len(terms), np.array([j for j, _ in terms], np.int32),
                     np.array([c for _, c in terms], dtype=float))
            self._rows += 1
            return self._rows - 1

        self._add_row = add_row
        self._group_rows = {k: add_row([(i, 1.0) for i in idx], 0.0, 1.0)
                            for k, idx in inst.by_key.items() if len(idx) > 1}
        self._dep_rows: list[int] = []
        edges = sorted({(it.key, req) for it in items for req in it.requires if req != it.key})
        for a, b in edges:
            if b not in inst.by_key:
                continue  # handled as bounds (the requiring proposal cannot be chosen)
            need = [(j, -1.0) for j in inst.by_key[b]]
            for i in inst.by_key.get(a, ()):
                self._dep_rows.append(add_row([(i, 1.0), *need], -inf, inf))
        self._pool_row = add_row([(i, it.pool_total) for i, it in enumerate(items)
                                  if abs(it.pool_total) > _EPS], -inf, inf)
        self._year_rows = {y: add_row([(i, it.pool_investment[k]) for i, it in enumerate(items)
                                       if abs(it.pool_investment[k]) > _EPS], -inf, inf)
                           for k, y in enumerate(inst.years)}
        self._risky_row: int | None = None
        self._share: float | None = None
        self._base_rows = self._rows
        self._trivially_infeasible = False
        self.rules = inst.rules
        self.set_rules(inst.rules)

    # --- changes ------------------------------------------------------------------------------

    def set_rules(self, rules: Rules) -> None:
        """Apply another set of rules to the same items (every field of `Rules` may change)."""
        np = self._np
        inf = self._inf
        h = self.h
        tmp = replace(self.inst, rules=rules)  # validates the keys
        excluded: set[int] = set()
        for rule in tmp.all_rules():
            excluded |= tmp.excluded_by(rule)
        lb = np.zeros(self.n)
        ub = np.array([0.0 if i in excluded else 1.0 for i in range(self.n)])
        self._trivially_infeasible = False
        forced = set(rules.force_in)
        for key, row in self._group_rows.items():
            h.changeRowBounds(row, 1.0 if key in forced else 0.0, 1.0)
        for key in forced:
            idx = self.inst.by_key[key]
            if all(ub[i] == 0.0 for i in idx):
                self._trivially_infeasible = True  # every variant of a forced proposal is ruled out
            elif len(idx) == 1:
                lb[idx[0]] = 1.0
        if self.n:
            h.changeColsBounds(self.n, self._idx, lb, ub)
        for row in self._dep_rows:
            h.changeRowBounds(row, -inf, 0.0 if rules.dependencies else inf)
        self._set_pool(rules.pool_total)
        caps = dict(rules.pool_per_year)
        for y, row in self._year_rows.items():
            h.changeRowBounds(row, -inf, caps.get(y, inf))
        self._set_share(rules.max_risky_share)
        self.rules = rules

    def set_pool_total(self, cap: float | None) -> None:
        """Change only the pool in total (None: no total pool)."""
        self._set_pool(cap)
        self.rules = replace(self.rules, pool_total=cap)

    def _set_pool(self, cap: float | None) -> None:
        self.h.changeRowBounds(self._pool_row, -self._inf, self._inf if cap is None else float(cap))

    def _set_share(self, share: float | None) -> None:
        if share == self._share:
            return
        if share is None:
            if self._risky_row is not None:
                self.h.changeRowBounds(self._risky_row, -self._inf, self._inf)
            self._share = None
            return
        coefs = [((1.0 if it.risk >= RISKY_FROM else 0.0) - share) * it.pool_total for it in self.inst.items]
        if self._risky_row is None:
            if self._rows != self._base_rows:
                raise ValueError("set the risky share before adding cuts")
            self._risky_row = self._add_row([(j, 0.0) for j in range(self.n)], -self._inf, 0.0)
            self._base_rows = self._rows
        for j, c in enumerate(coefs):
            self.h.changeCoeff(self._risky_row, j, c if abs(c) > _EPS else 0.0)
        self.h.changeRowBounds(self._risky_row, -self._inf, 0.0)
        self._share = share

    def set_objective(self, coefs: Sequence[float]) -> None:
        """New objective coefficients (maximised), one per item."""
        c = self._np.asarray(coefs, dtype=float)
        if len(c) != self.n:
            raise ValueError(f"{len(c)} coefficients for {self.n} items")
        if self.n:
            self.h.changeColsCost(self.n, self._idx, c)

    def exclude(self, chosen: Iterable[int]) -> None:
        """A no-good cut: the selection `chosen` (item indices) is no longer allowed; every other
        selection still is (at least one item must change)."""
        sel = set(chosen)
        terms = [(j, -1.0 if j in sel else 1.0) for j in range(self.n)]
        self._add_row(terms, 1.0 - len(sel), self._inf)

    def clear_cuts(self) -> None:
        """Remove every no-good cut."""
        extra = self._rows - self._base_rows
        if extra:
            self.h.deleteRows(extra, self._np.arange(self._base_rows, self._rows, dtype=self._np.int32))
            self._rows = self._base_rows

    # --- solving ------------------------------------------------------------------------------

    def solve(self, start: Iterable[int] | None = None) -> RawSolution:
        """Solve with the current rules, objective and cuts. `start`: a selection known to satisfy
        them (a warm start; HiGHS checks it)."""
        t0 = time.perf_counter()
        if self._trivially_infeasible:
            return RawSolution("infeasible", None, "highs", time.perf_counter() - t0)
        if not self.n:
            return RawSolution("optimal", (), "highs", time.perf_counter() - t0)
        np = self._np
        h = self.h
        if start is not None:
            vals = np.zeros(self.n)
            vals[list(start)] = 1.0
            h.setSolution(self.n, self._idx, vals)
        with solverlog.maybe_solver_output():
            h.run()
        st = self._hs.HighsModelStatus
        ms = h.getModelStatus()
        has = h.getInfo().primal_solution_status == self._hs.SolutionStatus.kSolutionStatusFeasible
        if ms == st.kOptimal:
            status: Status = "optimal"
        elif ms in (st.kInfeasible, st.kUnboundedOrInfeasible):
            status, has = "infeasible", False
        elif ms in {getattr(st, a) for a in ("kTimeLimit", "kInterrupt", "kIterationLimit", "kSolutionLimit")
                    if hasattr(st, a)}:
            status = "time_limit"
        else:
            raise OptimiserError(f"HiGHS kunne ikke løse modellen (status {ms})")
        chosen = None
        if has:
            x = h.getSolution().col_value
            chosen = tuple(i for i in range(self.n) if x[i] > 0.5)
        return RawSolution(status, chosen, "highs", time.perf_counter() - t0)
