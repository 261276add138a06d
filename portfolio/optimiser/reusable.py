"""A reusable in-process HiGHS model, for analyses that solve many variations of one instance."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from .. import solverlog
from .instance import _EPS, Instance, OptimiserError, Rules, Status
from .milp import RawSolution
from .rules import INF, Row, Rule, rows_of


class ReusableModel:
    """The 0/1 model of an instance, held in one `highspy.Highs` object and re-solved after
    small changes instead of being rebuilt: the rules' bounds (`set_rules`, `set_pool_total`),
    the objective coefficients (`set_objective`) and no-good cuts (`exclude`, `clear_cuts`).

    The rows and bounds are those of `solve_model`, from the same rule registry
    (`rules.KINDS`): one row per proposal with several variants (at most one), and every active
    rule group's rows (`rules.rows_of`), each kept under a tag so that a later `set_rules` changes
    its bounds or coefficients in place; a group no longer active is relaxed to a free row. Rules
    that only fix items to 0 (risk, payback, force-out, pinned variants) and one-term equality
    rows (a forced proposal with one variant) are column bounds. Every solve is to proven
    optimality (relative gap 0) or the time limit, with HiGHS in
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
        # HiGHS rows in order, each with a tag: ("group", key) for a proposal's variants (at most
        # one), (Rule, n) for a rule group's n-th row (`rules.rows_of`), ("cut", n) for a no-good cut.
        self._tags: list[object] = []
        self._row_of: dict[object, int] = {}
        self._terms: dict[object, tuple[tuple[int, float], ...]] = {}
        self._cuts = 0
        for key, idx in inst.by_key.items():
            if len(idx) > 1:
                self._add_row(("group", key), tuple((i, 1.0) for i in idx), 0.0, 1.0)
        self._trivially_infeasible = False
        self.rules = inst.rules
        self.set_rules(inst.rules)

    # --- rows -----------------------------------------------------------------------------------

    def _add_row(self, tag: object, terms: tuple[tuple[int, float], ...], lo: float, hi: float) -> None:
        np = self._np
        self.h.addRow(lo, hi, len(terms), np.array([j for j, _ in terms], np.int32),
                      np.array([c for _, c in terms], dtype=float))
        self._row_of[tag] = len(self._tags)
        self._tags.append(tag)
        self._terms[tag] = terms

    def _put_row(self, tag: object, row: Row) -> None:
        """Make the row tagged `tag` hold `row`: new, or the same row with new bounds (and, when the
        coefficients changed, new coefficients), so a rule's value can change without a rebuild."""
        lo = -self._inf if row.lo == -INF else row.lo
        hi = self._inf if row.hi == INF else row.hi
        old = self._terms.get(tag)
        if old is None:
            self._add_row(tag, row.terms, lo, hi)
            return
        k = self._row_of[tag]
        if old != row.terms:
            new = dict(row.terms)
            for j in {j for j, _ in old} | set(new):
                self.h.changeCoeff(k, j, new.get(j, 0.0))
            self._terms[tag] = row.terms
        self.h.changeRowBounds(k, lo, hi)

    def _put_rules(self, tmp: Instance, groups: Sequence[Rule], lb: Any, ub: Any, only: str | None = None) -> bool:
        """Put the rows of `groups` (rules of `tmp`) into the model; relax the rows of those groups'
        kinds that are no longer wanted (every rule row, or with `only` the rows of that kind). A
        one-term equality row becomes column bounds. Returns False when the rows cannot hold
        whatever is chosen (a forced item fixed to 0)."""
        wanted: dict[object, Row] = {}
        feasible = True
        for g in groups:
            for n, row in enumerate(rows_of(tmp, g)):
                if len(row.terms) == 1 and row.lo == row.hi:
                    (j, c), = row.terms
                    v = row.lo / c
                    if ub[j] < v - _EPS or lb[j] > v + _EPS or not 0.0 <= v <= 1.0:
                        feasible = False
                    lb[j] = ub[j] = v
                    continue
                if not row.terms and not row.lo <= 0.0 <= row.hi:
                    feasible = False
                wanted[(g, n)] = row
        for tag, row in wanted.items():
            self._put_row(tag, row)
        for tag in self._terms:
            if isinstance(tag, tuple) and isinstance(tag[0], Rule) and tag not in wanted and (
                    only is None or tag[0].kind == only):
                self.h.changeRowBounds(self._row_of[tag], -self._inf, self._inf)
        return feasible

    # --- changes ------------------------------------------------------------------------------

    def set_rules(self, rules: Rules) -> None:
        """Apply another set of rules to the same items (every field of `Rules` may change)."""
        np = self._np
        tmp = replace(self.inst, rules=rules)  # validates the keys
        groups = tmp.all_rules()
        excluded: set[int] = set()
        for rule in groups:
            excluded |= tmp.excluded_by(rule)
        lb = np.zeros(self.n)
        ub = np.array([0.0 if i in excluded else 1.0 for i in range(self.n)])
        feasible = self._put_rules(tmp, groups, lb, ub)
        self._trivially_infeasible = not feasible
        if self.n:
            self.h.changeColsBounds(self.n, self._idx, np.minimum(lb, ub), ub)
        self.rules = rules

    def set_pool_total(self, cap: float | None) -> None:
        """Change only the pool in total (None: no total pool)."""
        rules = replace(self.rules, pool_total=cap)
        tmp = replace(self.inst, rules=rules)
        groups = [r for r in tmp.all_rules() if r.kind == "pool_total"]
        self._put_rules(tmp, groups, self._np.zeros(self.n), self._np.ones(self.n), only="pool_total")
        self.rules = rules

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
        self._cuts += 1
        self._add_row(("cut", self._cuts), tuple((j, -1.0 if j in sel else 1.0) for j in range(self.n)),
                      1.0 - len(sel), self._inf)

    def clear_cuts(self) -> None:
        """Remove every no-good cut."""
        cuts = [k for k, tag in enumerate(self._tags) if isinstance(tag, tuple) and tag[0] == "cut"]
        if not cuts:
            return
        self.h.deleteRows(len(cuts), self._np.array(cuts, dtype=self._np.int32))
        for k in cuts:
            del self._terms[self._tags[k]]
        self._tags = [t for k, t in enumerate(self._tags) if k not in set(cuts)]
        self._row_of = {t: k for k, t in enumerate(self._tags)}

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
