"""Portfolio optimisation: choose the proposal variants that maximise the scenario's objective
within the pool and the rules.

Two layers:

* `build_instance(ds, scenario)` turns a dataset and a scenario into a pure-number `Instance`: one
  `Item` per variant (amounts per horizon year, in 1.000 kr. at the scenario's base p/l) and the
  `Rules`. Instances can also be built directly (tests, synthetic benchmarks).
* `solve(instance)` builds a 0/1 model with PuLP and solves it with HiGHS in-process (CBC as
  fallback). The `Result` carries an honest status ("optimal", "infeasible", "time_limit"), the
  yearly figures of the chosen portfolio, a status with a Danish reason for every variant and,
  when no portfolio satisfies the rules, a computed explanation (see `explain.py`).

`optimise(ds, scenario)` does both. Sign conventions: yearly amounts as in the documents (savings
negative); the objective counts savings positive and is maximised.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

import pulp

from . import fmt, solverlog
from .figures import npv, variant_figures
from .flows import variant_flows
from .model import Block, DataSet, Risk, Styring, variant_label
from .prices import PriceIndexError
from .scenario import OBJECTIVE_LABELS, Scenario, ScenarioError, flow_settings

RISK_NAMES: tuple[str, ...] = tuple(r.value for r in sorted(Risk, key=lambda r: r.rank))
RISKY_FROM = Risk.MIDDEL.rank  # the risky-share rule counts proposals at this risk or above
Status = Literal["optimal", "infeasible", "time_limit"]
ObjectiveKind = Literal["net", "permanent", "annual", "npv"]
_EPS = 1e-9
SOLVER_LABELS = {"highs": "HiGHS", "cbc": "CBC"}  # the solvers by their own names, for people


class OptimiserError(RuntimeError):
    """The solver failed in a way that is not infeasibility or a time limit."""


# --------------------------------------------------------------------------------------------
# The pure-number instance
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One selectable variant, with its amounts per horizon year (documents' sign convention)."""

    key: str
    variant: str | None
    risk: int  # Risk.rank: 0 lav, 1 middel, 2 høj
    payback: int | None  # years, on the proposal's own table; None: never within the table
    pool_investment: tuple[float, ...]  # investments in the pool-covered styringsområder
    investment: tuple[float, ...]  # investments in every styringsområde
    permanent: tuple[float, ...]  # permanent changes (savings negative)
    savings: tuple[float, ...] = ()  # the negative part of the permanent lines (<= 0); () = none
    requires: tuple[str, ...] = ()  # keys of proposals this one requires
    title: str = ""

    @property
    def label(self) -> str:
        return variant_label(self.key, self.variant)

    @property
    def pool_total(self) -> float:
        return sum(self.pool_investment)

    @property
    def risk_name(self) -> str:
        return RISK_NAMES[self.risk]


@dataclass(frozen=True)
class ObjectiveSpec:
    """What is maximised (savings positive). `haircut[rank]` is the share of each saving of a
    proposal at that risk that is not counted (expected value); it never affects the pool."""

    kind: ObjectiveKind = "net"
    discount_rate: float = 0.035
    npv_extra_years: int = 0
    haircut: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def label(self) -> str:
        return OBJECTIVE_LABELS[self.kind]


def item_value(item: Item, spec: ObjectiveSpec) -> float:
    """The item's objective coefficient (savings positive), over the horizon years."""
    h = spec.haircut[item.risk]
    savings = item.savings or (0.0,) * len(item.permanent)
    # permanent = costs + savings; with the haircut the savings count (1 - h): permanent - h * savings
    perm = [p - h * s for p, s in zip(item.permanent, savings, strict=True)]
    if spec.kind == "net":
        return -(sum(perm) + sum(item.investment))
    if spec.kind == "permanent":
        return -sum(perm)
    if spec.kind == "annual":
        return -perm[-1]
    if spec.kind == "npv":
        net = {n: perm[n] + item.investment[n] for n in range(len(perm))}
        return npv(net, spec.discount_rate, spec.npv_extra_years, tail_amount=perm[-1])
    raise ValueError(f"unknown objective {spec.kind!r}")


@dataclass(frozen=True)
class Rules:
    """The constraints of a scenario, each optional. Amounts in the instance's p/l."""

    pool_total: float | None = None
    pool_per_year: tuple[tuple[int, float], ...] = ()
    max_risk: int | None = None  # highest allowed Risk.rank
    max_risky_share: float | None = None  # of the chosen pool-covered investment
    max_payback: int | None = None
    force_in: tuple[str, ...] = ()
    force_out: tuple[str, ...] = ()
    pinned: tuple[tuple[str, str], ...] = ()  # (key, variant name)
    dependencies: bool = True


@dataclass(frozen=True)
class Rule:
    """One removable group of constraints (the unit of infeasibility explanations)."""

    kind: Literal["pool_total", "pool_year", "max_risk", "max_payback", "risky_share", "force_in",
                  "force_out", "dependency", "pinned"]
    key: str = ""  # force_in/force_out/pinned: the proposal; dependency: the requiring proposal
    other: str = ""  # dependency: the required proposal; pinned: the variant
    year: int = 0  # pool_year


@dataclass(frozen=True)
class Instance:
    """Everything the solver needs, as plain numbers."""

    years: tuple[int, ...]
    items: tuple[Item, ...]
    rules: Rules = field(default_factory=Rules)
    objective: ObjectiveSpec = field(default_factory=ObjectiveSpec)
    base_year: int = 2020

    def __post_init__(self) -> None:
        n = len(self.years)
        for it in self.items:
            for name in ("pool_investment", "investment", "permanent"):
                if len(getattr(it, name)) != n:
                    raise ValueError(f"{it.label}: {name} has {len(getattr(it, name))} years, expected {n}")
            if it.savings and len(it.savings) != n:
                raise ValueError(f"{it.label}: savings has {len(it.savings)} years, expected {n}")
            if not 0 <= it.risk < len(RISK_NAMES):
                raise ValueError(f"{it.label}: risk rank {it.risk}")
        seen: set[tuple[str, str | None]] = set()
        for it in self.items:
            if (it.key, it.variant) in seen:
                raise ValueError(f"{it.label} appears twice")
            seen.add((it.key, it.variant))
        for y, _ in self.rules.pool_per_year:
            if y not in self.years:
                raise ValueError(f"pool year {y} outside the horizon")
        for key in (*self.rules.force_in, *self.rules.force_out, *(k for k, _ in self.rules.pinned)):
            if key not in self.by_key:
                raise ValueError(f"unknown proposal {key}")

    @cached_property
    def values(self) -> tuple[float, ...]:
        return tuple(item_value(it, self.objective) for it in self.items)

    @cached_property
    def by_key(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for i, it in enumerate(self.items):
            out.setdefault(it.key, []).append(i)
        return {k: tuple(v) for k, v in out.items()}

    @property
    def unit(self) -> str:
        return fmt.unit(self.base_year)

    def all_rules(self) -> tuple[Rule, ...]:
        """Every active rule group of the instance."""
        r = self.rules
        out: list[Rule] = [Rule("force_in", key=k) for k in r.force_in]
        out += [Rule("pinned", key=k, other=v) for k, v in r.pinned]
        if r.dependencies:
            edges = sorted({(it.key, req) for it in self.items for req in it.requires if req != it.key})
            out += [Rule("dependency", key=a, other=b) for a, b in edges]
        out += [Rule("force_out", key=k) for k in r.force_out]
        if r.max_risky_share is not None:
            out.append(Rule("risky_share"))
        if r.max_payback is not None:
            out.append(Rule("max_payback"))
        if r.max_risk is not None:
            out.append(Rule("max_risk"))
        out += [Rule("pool_year", year=y) for y, _ in r.pool_per_year]
        if r.pool_total is not None:
            out.append(Rule("pool_total"))
        return tuple(out)

    # --- rule semantics shared by the model, the statuses and the explanations ---------------

    def excluded_by(self, rule: Rule) -> frozenset[int]:
        """Items a rule fixes to 0 (empty for rules that are rows, not bounds)."""
        r = self.rules
        if rule.kind == "max_risk" and r.max_risk is not None:
            return frozenset(i for i, it in enumerate(self.items) if it.risk > r.max_risk)
        if rule.kind == "max_payback" and r.max_payback is not None:
            return frozenset(i for i, it in enumerate(self.items)
                             if it.payback is None or it.payback > r.max_payback)
        if rule.kind == "force_out":
            return frozenset(self.by_key.get(rule.key, ()))
        if rule.kind == "pinned":
            return frozenset(i for i in self.by_key.get(rule.key, ()) if self.items[i].variant != rule.other)
        if rule.kind == "dependency" and rule.other not in self.by_key:
            return frozenset(self.by_key.get(rule.key, ()))
        return frozenset()

    def pool_year_amount(self, year: int) -> float:
        return dict(self.rules.pool_per_year)[year]


# --------------------------------------------------------------------------------------------
# Building an instance from a dataset and a scenario
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ItemKey:
    flow: tuple[Any, ...]
    pool_covers: tuple[Styring, ...]
    catalogues: tuple[str, ...]


class InstanceCache:
    """Caches the per-variant yearly amounts (the slow part of `build_instance`) for one dataset.

    Keep one per dataset (the dashboard can hold it in its session); the rules and the objective
    are applied on every build, so only the flow settings, pool coverage and catalogues are keys.
    """

    def __init__(self, ds: DataSet, max_entries: int = 32) -> None:
        self.ds = ds
        self.max_entries = max_entries
        self._items: OrderedDict[_ItemKey, tuple[Item, ...]] = OrderedDict()
        self._lock = threading.Lock()  # the dashboard may solve from several sessions at once

    def items(self, scenario: Scenario) -> tuple[Item, ...]:
        key = _ItemKey(flow=(scenario.base_year, scenario.horizon, scenario.alignment, scenario.extend_permanent,
                             tuple(sorted(scenario.price_index.items()))),
                       pool_covers=tuple(scenario.pool_covers), catalogues=tuple(scenario.catalogues))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        items = _build_items(self.ds, scenario)
        with self._lock:
            self._items[key] = items
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return items


def _build_items(ds: DataSet, scenario: Scenario) -> tuple[Item, ...]:
    settings = flow_settings(ds, scenario)
    years = scenario.years
    covers = set(scenario.pool_covers)
    items: list[Item] = []
    for cat in ds.catalogues:
        if cat.id not in scenario.catalogues:
            continue
        for p in cat.proposals:
            requires = ds.required_by(p.key)
            for v in p.variants:
                try:
                    fl = variant_flows(v, settings)
                except PriceIndexError as e:
                    raise ScenarioError(str(e)) from None
                pool = dict.fromkeys(years, 0.0)
                inv = dict.fromkeys(years, 0.0)
                perm = dict.fromkeys(years, 0.0)
                sav = dict.fromkeys(years, 0.0)
                for line in fl.lines:
                    ln = line.line
                    for y, a in line.amounts.items():
                        if ln.block == Block.IMPL:
                            inv[y] += a
                            if ln.styring in covers:
                                pool[y] += a
                        else:
                            perm[y] += a
                            if a < 0:
                                sav[y] += a
                items.append(Item(
                    key=p.key, variant=v.name, risk=p.risk.rank, payback=variant_figures(v).payback,
                    pool_investment=tuple(pool[y] for y in years), investment=tuple(inv[y] for y in years),
                    permanent=tuple(perm[y] for y in years), savings=tuple(sav[y] for y in years),
                    requires=requires, title=p.title))
    return tuple(items)


def scenario_rules(scenario: Scenario) -> Rules:
    pool = scenario.pool
    return Rules(
        pool_total=None if pool is None else pool.total,
        pool_per_year=() if pool is None else tuple(sorted(pool.per_year.items())),
        max_risk=scenario.max_risk_rank,
        max_risky_share=scenario.max_risky_share,
        max_payback=scenario.max_payback_years,
        force_in=tuple(dict.fromkeys(scenario.force_in)),
        force_out=tuple(dict.fromkeys(scenario.force_out)),
        pinned=tuple(sorted(scenario.variants.items())),
        dependencies=scenario.dependencies,
    )


def scenario_objective(scenario: Scenario) -> ObjectiveSpec:
    return ObjectiveSpec(kind=scenario.objective, discount_rate=scenario.discount_rate,
                         npv_extra_years=scenario.npv_extra_years, haircut=scenario.risk_haircut.by_rank())


def build_instance(ds: DataSet, scenario: Scenario, cache: InstanceCache | None = None) -> Instance:
    """The instance of a scenario. Validates the scenario against the dataset (ScenarioError)."""
    scenario.validate_for(ds)
    items = cache.items(scenario) if cache is not None and cache.ds is ds else _build_items(ds, scenario)
    return Instance(years=scenario.years, items=items, rules=scenario_rules(scenario),
                    objective=scenario_objective(scenario), base_year=scenario.base_year)


# --------------------------------------------------------------------------------------------
# The 0/1 model and the solvers
# --------------------------------------------------------------------------------------------


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
    r = inst.rules
    for rule in rs:
        if rule.kind == "force_in":
            row([(x[i], 1.0) for i in inst.by_key[rule.key]], pulp.LpConstraintEQ, 1.0)
        elif rule.kind == "dependency" and rule.other in inst.by_key:
            need = [(x[j], -1.0) for j in inst.by_key[rule.other]]
            for i in inst.by_key.get(rule.key, ()):
                row([(x[i], 1.0), *need], pulp.LpConstraintLE, 0.0)
        elif rule.kind == "pool_total" and r.pool_total is not None:
            terms = [(x[i], it.pool_total) for i, it in enumerate(items) if abs(it.pool_total) > _EPS]
            if terms:
                row(terms, pulp.LpConstraintLE, r.pool_total)
        elif rule.kind == "pool_year":
            n = inst.years.index(rule.year)
            terms = [(x[i], it.pool_investment[n]) for i, it in enumerate(items)
                     if abs(it.pool_investment[n]) > _EPS]
            if terms:
                row(terms, pulp.LpConstraintLE, inst.pool_year_amount(rule.year))
        elif rule.kind == "risky_share" and r.max_risky_share is not None:
            s = r.max_risky_share
            terms = [(x[i], ((1.0 if it.risk >= RISKY_FROM else 0.0) - s) * it.pool_total)
                     for i, it in enumerate(items)]
            terms = [(v, c) for v, c in terms if abs(c) > _EPS]
            if terms:
                row(terms, pulp.LpConstraintLE, 0.0)
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


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


class Code(StrEnum):
    """Why a variant is or is not in the portfolio."""

    CHOSEN = "valgt"
    FORCED_IN = "tvunget_med"
    LEFT_OUT = "fravalgt"
    TOO_BIG = "stoerre_end_puljen"
    FORCED_OUT = "tvunget_fra"
    RISK = "udelukket_risiko"
    PAYBACK = "udelukket_tilbagebetaling"
    DEPENDENCY = "mangler_krav"
    OTHER_VARIANT = "anden_variant"
    NO_SOLUTION = "ingen_loesning"


CODE_LABELS: dict[Code, str] = {
    Code.CHOSEN: "Valgt af optimeringen",
    Code.FORCED_IN: "Tvunget med",
    Code.LEFT_OUT: "Fravalgt af optimeringen",
    Code.TOO_BIG: "Større end puljen",
    Code.FORCED_OUT: "Tvunget fra",
    Code.RISK: "Udelukket af risikoreglen",
    Code.PAYBACK: "Udelukket af tilbagebetalingsreglen",
    Code.DEPENDENCY: "Kræver et forslag, der ikke er valgt",
    Code.OTHER_VARIANT: "Anden variant valgt",
    Code.NO_SOLUTION: "Ingen løsning",
}


@dataclass(frozen=True)
class ItemStatus:
    key: str
    variant: str | None
    code: Code
    reason: str  # Danish, for the dashboard

    @property
    def chosen(self) -> bool:
        return self.code in (Code.CHOSEN, Code.FORCED_IN)

    @property
    def label(self) -> str:
        return variant_label(self.key, self.variant)


@dataclass(frozen=True)
class Conflict:
    """A minimal set of rules that cannot hold together, in plain Danish."""

    rules: tuple[Rule, ...]
    sentences: tuple[str, ...]
    relax: tuple[str, ...]  # the rules, named for the user: relaxing any one resolves this conflict

    @property
    def text(self) -> str:
        return (" ".join(self.sentences) + " Denne konflikt forsvinder, hvis mindst én af disse regler lempes: "
                + "; ".join(self.relax) + ".")


@dataclass(frozen=True)
class Result:
    status: Status
    objective: float | None  # savings positive; None when no solution is known
    selected: tuple[tuple[str, str | None], ...]
    investment_by_year: dict[int, float]  # all styringsområder
    permanent_by_year: dict[int, float]
    net_by_year: dict[int, float]
    pool_use_by_year: dict[int, float]  # pool-covered investment
    pool_use_total: float
    explanation: str | None  # None unless infeasible
    solver: str
    solve_seconds: float  # model build and solve (and the explanation, if any)
    statuses: tuple[ItemStatus, ...]
    conflicts: tuple[Conflict, ...] = ()
    repairs: tuple[Any, ...] = ()  # repairs.Repair: verified changes that admit a portfolio
    years: tuple[int, ...] = ()
    base_year: int = 0
    objective_kind: str = "net"

    @property
    def unit(self) -> str:
        return fmt.unit(self.base_year)

    @property
    def solved(self) -> bool:
        return self.objective is not None

    def status_of(self, key: str, variant: str | None = None) -> ItemStatus:
        for s in self.statuses:
            if s.key == key and (variant is None or s.variant == variant):
                if variant is None and not s.chosen and any(o.key == key and o.chosen for o in self.statuses):
                    continue
                return s
        raise KeyError(key)

    def proposal_statuses(self) -> dict[str, ItemStatus]:
        """One status per proposal: the chosen variant's, else the most informative variant's."""
        out: dict[str, ItemStatus] = {}
        for s in self.statuses:
            cur = out.get(s.key)
            if cur is None or (s.chosen and not cur.chosen) or (
                    cur.code == Code.OTHER_VARIANT and s.code != Code.OTHER_VARIANT and not cur.chosen):
                out[s.key] = s
        return out

    def to_json(self) -> dict[str, Any]:
        """The CLI's --json document: the fixed fields first, then extras."""
        return {
            "status": self.status,
            "objective": fmt.json_number(self.objective),
            "selected": [{"key": k, "variant": v} for k, v in self.selected],
            "investment_by_year": fmt.json_by_year(self.investment_by_year),
            "net_by_year": fmt.json_by_year(self.net_by_year),
            "explanation": self.explanation,
            "permanent_by_year": fmt.json_by_year(self.permanent_by_year),
            "pool_use_by_year": fmt.json_by_year(self.pool_use_by_year),
            "pool_use_total": fmt.json_number(self.pool_use_total) if self.solved else None,
            "objective_kind": self.objective_kind,
            "unit": self.unit,
            "solver": self.solver,
            "solve_seconds": round(self.solve_seconds, 6),
            "statuses": [{"key": s.key, "variant": s.variant, "code": s.code.value, "reason": s.reason}
                         for s in self.statuses],
            "conflicts": [{"rules": [_rule_json(r) for r in c.rules], "sentences": list(c.sentences),
                           "relax": list(c.relax)} for c in self.conflicts],
            "repairs": [r.to_json() for r in self.repairs],
        }


def _rule_json(r: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": r.kind}
    if r.key:
        out["key"] = r.key
    if r.other:
        out["other"] = r.other
    if r.year:
        out["year"] = r.year
    return out


def _statuses(inst: Instance, chosen: frozenset[int] | None, status: Status) -> tuple[ItemStatus, ...]:
    r = inst.rules
    forced_in, forced_out = set(r.force_in), set(r.force_out)
    pinned = dict(r.pinned)
    chosen_keys = {inst.items[i].key: inst.items[i] for i in chosen} if chosen is not None else {}
    risk_rule = Rule("max_risk")
    payback_rule = Rule("max_payback")
    risk_out = inst.excluded_by(risk_rule)
    payback_out = inst.excluded_by(payback_rule)
    out = []
    for i, it in enumerate(inst.items):
        def st(code: Code, reason: str, it: Item = it) -> ItemStatus:
            return ItemStatus(it.key, it.variant, code, reason)

        if chosen is not None and i in chosen:
            if it.key in forced_in:
                out.append(st(Code.FORCED_IN, "Tvunget med"))
            else:
                out.append(st(Code.CHOSEN, "Valgt af optimeringen"))
            continue
        if it.key in forced_out:
            out.append(st(Code.FORCED_OUT, "Tvunget fra"))
        elif it.key in pinned and it.variant != pinned[it.key]:
            out.append(st(Code.OTHER_VARIANT, f"{it.key} er låst til varianten {pinned[it.key]}"))
        elif i in risk_out:
            out.append(st(Code.RISK, f"Udelukket af risikoreglen: risiko {it.risk_name} er over den højeste "
                                     f"tilladte ({RISK_NAMES[r.max_risk or 0]})"))
        elif i in payback_out:
            if it.payback is None:
                why = "tilbagebetaler ikke investeringen inden for forslagets tabel"
            else:
                why = f"tilbagebetalingstid {fmt.years_text(it.payback)} er over grænsen på {fmt.years_text(r.max_payback)}"
            out.append(st(Code.PAYBACK, f"Udelukket af tilbagebetalingsreglen: {why}"))
        elif chosen is not None and r.dependencies and (miss := [k for k in it.requires if k not in chosen_keys]):
            parts = []
            for k in miss:
                if k not in inst.by_key:
                    parts.append(f"{k}, som ikke er med i de valgte kataloger")
                elif k in forced_out:
                    parts.append(f"{k}, som er tvunget fra")
                else:
                    parts.append(f"{k}, som ikke er valgt")
            out.append(st(Code.DEPENDENCY, "Kræver " + " og ".join(parts)))
        elif chosen is not None and it.key in chosen_keys:
            other = chosen_keys[it.key]
            out.append(st(Code.OTHER_VARIANT, f"Varianten {other.variant} er valgt i stedet"))
        elif chosen is not None and (why := _never_fits(inst, it)):
            out.append(st(Code.TOO_BIG, why))
        elif chosen is not None:
            if inst.values[i] <= _EPS:
                out.append(st(Code.LEFT_OUT, "Fravalgt af optimeringen: forbedrer ikke målet (bidrag til "
                                             f"nettoeffekten {fmt.mio(fmt.shown_objective(inst.values[i]), 2)}, "
                                             f"{inst.base_year} p/l)"))
            else:
                out.append(st(Code.LEFT_OUT, "Fravalgt af optimeringen: puljen og reglerne giver mere ved "
                                             "andre forslag"))
        elif status == "infeasible":
            why = "Tvunget med, men" if it.key in forced_in else "Ingen løsning:"
            out.append(st(Code.NO_SOLUTION, f"{why} reglerne kan ikke overholdes samtidig"))
        else:
            out.append(st(Code.NO_SOLUTION, "Tidsgrænsen blev nået, før en løsning blev fundet"))
    return tuple(out)


def _never_fits(inst: Instance, it: Item) -> str | None:
    """Why `it` can never be in a portfolio under the pool: its own pool-covered investment is
    larger than the pool in total or in a year. None when it could fit."""
    r = inst.rules
    if r.pool_total is not None and it.pool_total > r.pool_total + _EPS:
        return (f"Kan ikke komme med: investeringen, som puljen skal dække ({fmt.mio_at_least(it.pool_total)}, "
                f"{inst.base_year} p/l), er større end hele puljen ({fmt.mio_exact(r.pool_total)})")
    for y, cap in r.pool_per_year:
        use = it.pool_investment[inst.years.index(y)]
        if use > cap + _EPS:
            return (f"Kan ikke komme med: investeringen i {y} ({fmt.mio_at_least(use)}, {inst.base_year} p/l) "
                    f"er større end puljen i {y} ({fmt.mio_exact(cap)})")
    return None


def result_from(inst: Instance, raw: RawSolution, explanation: str | None = None,
                conflicts: tuple[Conflict, ...] = (), seconds: float | None = None,
                repairs: tuple[Any, ...] = ()) -> Result:
    """Turn a raw solution into a Result (figures per year, statuses)."""
    years = inst.years
    chosen = None if raw.chosen is None else frozenset(raw.chosen)
    if chosen is not None:
        sel = sorted(chosen)
        inv = {y: math.fsum(inst.items[i].investment[n] for i in sel) for n, y in enumerate(years)}
        perm = {y: math.fsum(inst.items[i].permanent[n] for i in sel) for n, y in enumerate(years)}
        pool = {y: math.fsum(inst.items[i].pool_investment[n] for i in sel) for n, y in enumerate(years)}
        net = {y: perm[y] + inv[y] for y in years}
        objective: float | None = math.fsum(inst.values[i] for i in sel)
        selected = tuple((inst.items[i].key, inst.items[i].variant) for i in sel)
        pool_total = math.fsum(pool.values())
    else:
        inv, perm, pool, net = {}, {}, {}, {}
        objective, selected, pool_total = None, (), 0.0
    return Result(status=raw.status, objective=objective, selected=selected, investment_by_year=inv,
                  permanent_by_year=perm, net_by_year=net, pool_use_by_year=pool, pool_use_total=pool_total,
                  explanation=explanation, solver=raw.solver,
                  solve_seconds=raw.seconds if seconds is None else seconds,
                  statuses=_statuses(inst, chosen, raw.status), conflicts=conflicts, repairs=repairs, years=years,
                  base_year=inst.base_year, objective_kind=inst.objective.kind)


def solve(inst: Instance, *, solver: str = "highs", time_limit: float = 10.0, explain: bool = True) -> Result:
    """Solve an instance to proven optimality (or the time limit). When no portfolio satisfies
    the rules, the result explains why (a minimal conflicting set of rules, in Danish)."""
    t0 = time.perf_counter()
    raw = solve_model(inst, solver=solver, time_limit=time_limit)
    if raw.status == "infeasible" and explain:
        from .explain import explain_infeasible  # noqa: PLC0415 - explain builds on this module
        from .repairs import find_repairs  # noqa: PLC0415 - so do the repairs

        conflicts = explain_infeasible(inst, solver=raw.solver, time_limit=time_limit)
        repairs = find_repairs(inst, solver=raw.solver, time_limit=time_limit)
        text = explanation_text(conflicts, repairs)
        return result_from(inst, raw, text, conflicts, seconds=time.perf_counter() - t0, repairs=repairs)
    return result_from(inst, raw, seconds=time.perf_counter() - t0)


def explanation_text(conflicts: Sequence[Conflict], repairs: Sequence[Any] = ()) -> str:
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
    """Build the scenario's instance and solve it with the scenario's solver and time limit.
    Raises ScenarioError when the scenario does not fit the dataset."""
    t0 = time.perf_counter()
    inst = build_instance(ds, scenario, cache)
    res = solve(inst, solver=scenario.solver, time_limit=scenario.time_limit, explain=explain)
    return _with_seconds(res, time.perf_counter() - t0)


def _with_seconds(res: Result, seconds: float) -> Result:
    return replace(res, solve_seconds=seconds)


def check_selection(inst: Instance, chosen: Iterable[int]) -> list[str]:
    """The rules a selection (item indices) breaks, as short texts; [] when it satisfies all."""
    sel = sorted(set(chosen))
    items = inst.items
    problems: list[str] = []
    keys = [items[i].key for i in sel]
    for k in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"{k}: mere end én variant")
    r = inst.rules
    for rule in inst.all_rules():
        bad = sorted(inst.excluded_by(rule) & set(sel))
        if bad:
            problems.append(f"{rule.kind}: {', '.join(items[i].label for i in bad)}")
        if rule.kind == "force_in" and rule.key not in keys:
            problems.append(f"force_in: {rule.key} mangler")
        if rule.kind == "dependency" and rule.key in keys and rule.other not in keys:
            problems.append(f"dependency: {rule.key} kræver {rule.other}")
        if rule.kind == "pool_total" and r.pool_total is not None:
            use = math.fsum(items[i].pool_total for i in sel)
            if use > r.pool_total + 1e-6 * max(1.0, abs(r.pool_total)):
                problems.append(f"pool_total: {use} > {r.pool_total}")
        if rule.kind == "pool_year":
            n = inst.years.index(rule.year)
            cap = inst.pool_year_amount(rule.year)
            use = math.fsum(items[i].pool_investment[n] for i in sel)
            if use > cap + 1e-6 * max(1.0, abs(cap)):
                problems.append(f"pool_year {rule.year}: {use} > {cap}")
        if rule.kind == "risky_share" and r.max_risky_share is not None:
            risky = math.fsum(items[i].pool_total for i in sel if items[i].risk >= RISKY_FROM)
            total = math.fsum(items[i].pool_total for i in sel)
            if risky > r.max_risky_share * total + 1e-6 * max(1.0, abs(total)):
                problems.append(f"risky_share: {risky} > {r.max_risky_share} * {total}")
    return problems


# --------------------------------------------------------------------------------------------
# A reusable in-process HiGHS model (for analyses that solve many variations of one instance)
# --------------------------------------------------------------------------------------------


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
