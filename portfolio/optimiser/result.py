"""Results: the status and Danish reason of every variant, conflicts, and the verifier."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import fmt
from ..model import variant_label
from ..scenario import MINIMISED_OBJECTIVES
from .instance import _EPS, Instance, Item, Status, gc_paused
from .madewhenread import MadeWhenRead
from .milp import RawSolution
from .rules import BY_KIND, RISK_NAMES, Rule, rule_label, violations

if TYPE_CHECKING:  # repairs builds on results (through explain): the type only
    from .repairs import Repair


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


class StatusRows(MadeWhenRead[ItemStatus]):
    """Every variant's status, in the instance's order: its code and reason are decided with the
    result (`result_from`), its `ItemStatus` is made when read (`madewhenread.MadeWhenRead`)."""

    def __init__(self, keys: Sequence[str], variants: Sequence[str | None], codes: Sequence[Code],
                 reasons: Sequence[str]) -> None:
        self._columns = (keys, variants, codes, reasons)
        self._made: list[ItemStatus | None] = [None] * len(codes)

    def _make(self, lo: int, hi: int) -> list[ItemStatus]:
        new, put = object.__new__, object.__setattr__
        out = []
        with gc_paused():
            for key, variant, code, reason in zip(*(c[lo:hi] for c in self._columns), strict=True):
                st = new(ItemStatus)  # as ItemStatus(...), without a frozen dataclass's per-field checks
                put(st, "__dict__", {"key": key, "variant": variant, "code": code, "reason": reason})
                out.append(st)
        return out


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
class RuleFigure:
    """A rule that limits an amount, with the chosen portfolio's value of it: for a negotiator,
    how much room is left ("puljen 'drift' i alt: 9,4 af 12,0 mio. kr.")."""

    rule: Rule
    label: str  # the rule named (`rules.rule_label`)
    value: float  # the chosen portfolio's amount (1.000 kr.; savings positive for a savings target)
    limit: float
    upper: bool  # True: the amount is at most `limit`; False: at least

    @property
    def slack(self) -> float:
        """How far the amount is from the limit (>= 0 when the rule holds)."""
        return self.limit - self.value if self.upper else self.value - self.limit

    @property
    def shown(self) -> tuple[str, float]:
        """The amount as people read it, in the product's sign: (what, amount). A savings target's
        amount is a saving, so negative: ("besparelse", -30.725); a pool's ("brugt", 9.400); the
        self-financing and måltal rules' ("nettoeffekt", …)."""
        if not self.upper:
            return "besparelse", -self.value
        if self.rule.kind in ("self_financing", "no_maaltal_increase"):
            return "nettoeffekt", self.value
        return "brugt", self.value

    def to_json(self) -> dict[str, Any]:
        return {**_rule_json(self.rule), "label": self.label, "value": fmt.json_number(self.value),
                "limit": fmt.json_number(self.limit), "bound": "max" if self.upper else "min"}


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
    statuses: Sequence[ItemStatus]  # a tuple, or `StatusRows`
    conflicts: tuple[Conflict, ...] = ()
    repairs: tuple[Repair, ...] = ()  # verified changes that admit a portfolio (see repairs.py)
    years: tuple[int, ...] = ()
    base_year: int = 0
    objective_kind: str = "net"
    rule_figures: tuple[RuleFigure, ...] = ()  # every active rule on an amount, with the portfolio's value
    # the proven bound on the objective, in the sense of `objective` (maximised: bound >= objective;
    # the best portfolio there is lies between the two), and the remaining relative gap
    # (bound - objective) / max(|objective|, |bound|): 0 when proven optimal; None when unknown
    bound: float | None = None
    gap: float | None = None
    mip_gap: float = 0.0  # the relative gap the solve was allowed to stop at (`Scenario.mip_gap`)

    @property
    def unit(self) -> str:
        return fmt.unit(self.base_year)

    @property
    def reported_objective(self) -> float | None:
        """The objective as `--json` reports it: the maximised value (savings positive), and for
        min_pool the pool investment itself (positive)."""
        if self.objective is None:
            return None
        return -self.objective if self.objective_kind in MINIMISED_OBJECTIVES else self.objective

    @property
    def reported_bound(self) -> float | None:
        """`bound` as `--json` reports it, in the sign of `reported_objective` (for min_pool a
        lower bound on the pool needed, else an upper bound on the savings)."""
        if self.bound is None:
            return None
        return -self.bound if self.objective_kind in MINIMISED_OBJECTIVES else self.bound

    @property
    def solved(self) -> bool:
        return self.objective is not None

    @property
    def proven_optimal(self) -> bool:
        return self.status == "optimal"

    def gap_text(self) -> str | None:
        """In Danish, how far the portfolio may be from the best one when it is not proven optimal
        (None when it is, or when nothing is known): the dashboard shows it beside the key figures,
        the CLI under its status."""
        if not self.solved or self.status == "optimal" or self.gap is None or self.bound is None:
            return None
        limit = f"grænse for målværdien: {fmt.mio(fmt.shown_objective(self.bound), 1)}"
        if self.status == "within_gap":
            return (f"Ikke bevist optimal: optimeringen stoppede ved den tilladte afstand til optimum "
                    f"({fmt.tal_exact(100 * self.mip_gap)} %). Den bedst mulige portefølje er højst {fmt.pct(self.gap, 2)} "
                    f"bedre end denne ({limit}).")
        return (f"Ikke bevist optimal: tidsgrænsen blev nået. Den bedst mulige portefølje er højst "
                f"{fmt.pct(self.gap, 2)} bedre end denne ({limit}).")

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
            "objective": fmt.json_number(self.reported_objective),
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
            "rules": [f.to_json() for f in self.rule_figures],
            "bound": fmt.json_number(self.reported_bound),
            "gap": None if self.gap is None else round(self.gap, 9),
            "mip_gap": self.mip_gap,
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


_CHOSEN_TEXT = CODE_LABELS[Code.CHOSEN]  # "Valgt af optimeringen"
_LEFT_OUT_TEXT = "Fravalgt af optimeringen: puljen og reglerne giver mere ved andre forslag"


def _statuses(inst: Instance, chosen: frozenset[int] | None, status: Status) -> StatusRows:
    r = inst.rules
    n = len(inst.items)
    keys, variants, requires = inst.key_of, inst.variant_of, inst.requires_of
    forced_in, forced_out = set(r.force_in), set(r.force_out)
    pinned = dict(r.pinned)
    chosen_keys = {keys[i]: variants[i] for i in chosen} if chosen is not None else {}
    risk_out = inst.excluded_by(Rule("max_risk"))
    payback_out = inst.excluded_by(Rule("max_payback"))
    too_big = _never_fits_mask(inst)
    values = inst.value_array
    in_portfolio = np.zeros(n, dtype=bool)
    in_portfolio[list(chosen or ())] = True
    # the items no rule names (not forced, pinned, excluded, requiring another or one of several
    # variants) that are chosen, or left out while they would add to the objective and could fit:
    # said at once, without the questions below
    named = forced_in | forced_out | set(pinned)
    plain = np.array([not req and key not in named for key, req in zip(keys, requires, strict=True)], dtype=bool)
    for idx in inst.by_key.values():
        if len(idx) > 1:
            plain[list(idx)] = False
    plain[list(risk_out | payback_out)] = False
    said = (plain & (in_portfolio | ((values > _EPS) & ~too_big)) if chosen is not None
            else np.zeros(n, dtype=bool))
    flags = in_portfolio.tolist()
    codes: list[Code] = [Code.CHOSEN if c else Code.LEFT_OUT for c in flags]
    reasons: list[str] = [_CHOSEN_TEXT if c else _LEFT_OUT_TEXT for c in flags]
    for i in np.flatnonzero(~said).tolist():
        codes[i], reasons[i] = _status_of(inst, i, chosen, status, chosen_keys, risk_out, payback_out,
                                          bool(too_big[i]), float(values[i]))
    return StatusRows(keys, variants, codes, reasons)


def _status_of(inst: Instance, i: int, chosen: frozenset[int] | None, status: Status, chosen_keys: dict[str, str | None],
               risk_out: frozenset[int], payback_out: frozenset[int], too_big: bool, value: float) -> tuple[Code, str]:
    """Item i's code and reason, when a rule names it or the plain words do not fit (`_statuses`)."""
    r = inst.rules
    key, variant, requires = inst.key_of[i], inst.variant_of[i], inst.requires_of[i]
    pinned = dict(r.pinned) if r.pinned else {}
    if chosen is not None and i in chosen:
        return (Code.FORCED_IN, "Tvunget med") if key in r.force_in else (Code.CHOSEN, _CHOSEN_TEXT)
    if key in r.force_out:
        return Code.FORCED_OUT, "Tvunget fra"
    if key in pinned and variant != pinned[key]:
        return Code.OTHER_VARIANT, f"{key} er låst til varianten {pinned[key]}"
    if i in risk_out:
        return Code.RISK, (f"Udelukket af risikoreglen: risiko {_risk_name(inst, i)} er over den "
                           f"højeste tilladte ({RISK_NAMES[r.max_risk or 0]})")
    if i in payback_out:
        payback = inst.items[i].payback
        if payback is None:
            why = "tilbagebetaler ikke investeringen inden for forslagets tabel"
        else:
            why = f"tilbagebetalingstid {fmt.years_text(payback)} er over grænsen på {fmt.years_text(r.max_payback)}"
        return Code.PAYBACK, f"Udelukket af tilbagebetalingsreglen: {why}"
    if chosen is not None and r.dependencies and (miss := [k for k in requires if k not in chosen_keys]):
        parts = []
        for k in miss:
            if k not in inst.by_key:
                parts.append(f"{k}, som ikke er med i de valgte kataloger")
            elif k in r.force_out:
                parts.append(f"{k}, som er tvunget fra")
            else:
                parts.append(f"{k}, som ikke er valgt")
        return Code.DEPENDENCY, "Kræver " + " og ".join(parts)
    if chosen is not None and key in chosen_keys:
        return Code.OTHER_VARIANT, f"Varianten {chosen_keys[key]} er valgt i stedet"
    if chosen is not None and too_big and (why := _never_fits(inst, inst.items[i])):
        return Code.TOO_BIG, why
    if chosen is not None:
        if value <= _EPS:
            return Code.LEFT_OUT, ("Fravalgt af optimeringen: forbedrer ikke målet (bidrag til nettoeffekten "
                                   f"{fmt.mio(fmt.shown_objective(value), 2)}, {inst.base_year} p/l)")
        return Code.LEFT_OUT, _LEFT_OUT_TEXT
    if status == "infeasible":
        why = "Tvunget med, men" if key in r.force_in else "Ingen løsning:"
        return Code.NO_SOLUTION, f"{why} reglerne kan ikke overholdes samtidig"
    return Code.NO_SOLUTION, "Tidsgrænsen blev nået, før en løsning blev fundet"


def _risk_name(inst: Instance, i: int) -> str:
    return RISK_NAMES[int(inst.arrays.risk[i])]


def _never_fits_mask(inst: Instance) -> np.ndarray:
    """The items `_never_fits` may find too big for the pool (in total or in a year), at once."""
    r = inst.rules
    a = inst.arrays
    out = np.zeros(len(inst.items), dtype=bool)
    if r.pool_total is not None:
        out |= a.pool_total > r.pool_total + _EPS
    for y, cap in r.pool_per_year:
        out |= a.pool_investment[:, inst.years.index(y)] > cap + _EPS
    return out


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


_PROVEN_ABS = 1e-6  # HiGHS's absolute gap (mip_abs_gap): closer than this, the optimum is proven


def result_from(inst: Instance, raw: RawSolution, explanation: str | None = None,
                conflicts: tuple[Conflict, ...] = (), seconds: float | None = None,
                repairs: tuple[Repair, ...] = (), mip_gap: float = 0.0) -> Result:
    """Turn a raw solution into a Result (figures per year, statuses, the bound and the gap).

    With `mip_gap` > 0 a solve the solver calls optimal may have stopped at that relative gap:
    unless its bound equals its objective, its status is "within_gap" (not proven optimal)."""
    years = inst.years
    chosen = None if raw.chosen is None else frozenset(raw.chosen)
    status = raw.status
    bound = gap = None
    if chosen is not None:
        a = inst.arrays
        sel = np.array(sorted(chosen), dtype=np.int64)

        def total(m: np.ndarray, n: int) -> float:
            return math.fsum(m[sel, n].tolist())

        inv = {y: total(a.investment, n) for n, y in enumerate(years)}
        perm = {y: total(a.permanent, n) for n, y in enumerate(years)}
        pool = {y: total(a.pool_investment, n) for n, y in enumerate(years)}
        net = {y: perm[y] + inv[y] for y in years}
        objective: float | None = math.fsum(inst.value_array[sel].tolist())
        selected = inst.selection(sel.tolist())
        pool_total = math.fsum(pool.values())
        bound, gap, status = _bound_and_gap(objective, raw, mip_gap)
    else:
        inv, perm, pool, net = {}, {}, {}, {}
        objective, selected, pool_total = None, (), 0.0
    statuses = _statuses(inst, chosen, raw.status)
    return Result(status=status, objective=objective, selected=selected, investment_by_year=inv,
                  permanent_by_year=perm, net_by_year=net, pool_use_by_year=pool, pool_use_total=pool_total,
                  explanation=explanation, solver=raw.solver,
                  solve_seconds=raw.seconds if seconds is None else seconds,
                  statuses=statuses, conflicts=conflicts, repairs=repairs, years=years,
                  base_year=inst.base_year, objective_kind=inst.objective.kind,
                  rule_figures=rule_figures(inst, raw.chosen) if raw.chosen is not None else (),
                  bound=bound, gap=gap, mip_gap=mip_gap)


def _bound_and_gap(objective: float, raw: RawSolution, mip_gap: float) -> tuple[float | None, float | None, Status]:
    """The proven bound (never below the objective), the relative gap and the status."""
    if raw.status == "optimal" and (mip_gap <= 0 or raw.bound is None
                                    or raw.bound - objective <= max(_PROVEN_ABS, 1e-9 * abs(objective))):
        return objective, 0.0, "optimal"
    if raw.bound is None or not math.isfinite(raw.bound):
        return None, None, raw.status
    bound = max(raw.bound, objective)
    scale = max(abs(objective), abs(bound))
    gap = (bound - objective) / scale if scale > 0 else 0.0
    return bound, gap, "within_gap" if raw.status == "optimal" else raw.status


def rule_figures(inst: Instance, chosen: Iterable[int]) -> tuple[RuleFigure, ...]:
    """Every active rule group that limits one amount (`RuleKind.bound`), with the selection's value."""
    sel = np.array(sorted(set(chosen)), dtype=np.int64)
    out = []
    for rule in inst.all_rules():
        kind = BY_KIND[rule.kind]
        lim = kind.limit(inst, rule)
        if lim is not None:
            coefs = kind.coefs(inst, rule)
            assert coefs is not None
            out.append(RuleFigure(rule=rule, label=rule_label(inst, rule), value=math.fsum(coefs[sel].tolist()),
                                  limit=lim[0], upper=lim[1]))
    return tuple(out)


def check_selection(inst: Instance, chosen: Iterable[int]) -> list[str]:
    """The rules a selection (item indices) breaks, as short texts; [] when it satisfies all.
    Each rule's meaning is its kind's bounds and rows (`rules.KINDS`)."""
    sel = sorted(set(chosen))
    keys = [inst.key_of[i] for i in sel]
    problems = [f"{k}: mere end én variant" for k in sorted({k for k in keys if keys.count(k) > 1})]
    for rule in inst.all_rules():
        problems += violations(inst, rule, sel)
    return problems
