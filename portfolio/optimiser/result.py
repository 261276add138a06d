"""Results: the status and Danish reason of every variant, conflicts, and the verifier."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .. import fmt
from ..model import variant_label
from ..scenario import MINIMISED_OBJECTIVES
from .instance import _EPS, Instance, Item, Status
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
    statuses: tuple[ItemStatus, ...]
    conflicts: tuple[Conflict, ...] = ()
    repairs: tuple[Repair, ...] = ()  # verified changes that admit a portfolio (see repairs.py)
    years: tuple[int, ...] = ()
    base_year: int = 0
    objective_kind: str = "net"
    rule_figures: tuple[RuleFigure, ...] = ()  # every active rule on an amount, with the portfolio's value

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
                repairs: tuple[Repair, ...] = ()) -> Result:
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
                  base_year=inst.base_year, objective_kind=inst.objective.kind,
                  rule_figures=rule_figures(inst, raw.chosen) if raw.chosen is not None else ())


def rule_figures(inst: Instance, chosen: Iterable[int]) -> tuple[RuleFigure, ...]:
    """Every active rule group that limits one amount (`RuleKind.bound`), with the selection's value."""
    sel = sorted(set(chosen))
    out = []
    for rule in inst.all_rules():
        b = BY_KIND[rule.kind].bound(inst, rule)
        if b is not None:
            out.append(RuleFigure(rule=rule, label=rule_label(inst, rule), value=math.fsum(b.coefs[i] for i in sel),
                                  limit=b.limit, upper=b.upper))
    return tuple(out)


def check_selection(inst: Instance, chosen: Iterable[int]) -> list[str]:
    """The rules a selection (item indices) breaks, as short texts; [] when it satisfies all.
    Each rule's meaning is its kind's bounds and rows (`rules.KINDS`)."""
    sel = sorted(set(chosen))
    keys = [inst.items[i].key for i in sel]
    problems = [f"{k}: mere end én variant" for k in sorted({k for k in keys if keys.count(k) > 1})]
    for rule in inst.all_rules():
        problems += violations(inst, rule, sel)
    return problems
