"""The rules of a scenario, one class per kind, in one registry (`KINDS`).

The model: one 0/1 variable x_i per item (variant); at most one variant per proposal (structural,
not a rule). A rule kind contributes, for each of its active groups (a `Rule`, the unit the
explanations and repairs add and remove):

* **bounds**: items it fixes to 0 (`excluded`), and
* **rows**: linear constraints lo ≤ Σ_i a_i x_i ≤ hi over the items (`rows`).

Every consumer derives the rule's meaning from these two: the PuLP model (`milp`), the verifier
(`result.check_selection`), the statuses, the explanations (`label`) and the frontier (whether
its exact Pareto programme stays exact: `pareto_exact`, true for a rule that only fixes items or
ties a proposal's variants together, false for a row over amounts other than the total pool).

| kind | group | meaning |
| --- | --- | --- |
| `force_in` | per proposal k | Σ_{i ∈ k} x_i = 1 |
| `pinned` | per proposal k, variant v | x_i = 0 for the variants i of k other than v |
| `dependency` | per edge a → b | x_i ≤ Σ_{j ∈ b} x_j for every variant i of a (x_i = 0 when b is absent) |
| `force_out` | per proposal k | x_i = 0 for the variants of k |
| `risky_share` | one | Σ_i (r_i − s) p_i x_i ≤ 0, r_i = 1 at middel or høj risk, p_i the pool-covered investment |
| `max_payback` | one | x_i = 0 when the payback is over the limit or never within the table |
| `max_risk` | one | x_i = 0 when the risk is above the limit |
| `self_financing` | one (year Y) | Σ_i Σ_{y ≤ Y} (perm_{i,y} + inv_{i,y}) x_i ≤ 0 |
| `no_maaltal_increase` | per udvalg u, year y (where some item raises it) | Σ_i m_{i,u,y} x_i ≤ 0, m the Service permanent changes |
| `savings_target` | per target (year, measure, udvalg) | Σ_i −(m or perm)_{i,u,y} x_i ≥ min |
| `named_pool_year` | per named pool P, year y | Σ_i q^P_{i,y} x_i ≤ cap^P_y, q^P the investment in P's categories |
| `named_pool_total` | per named pool P | Σ_i Σ_y q^P_{i,y} x_i ≤ cap^P |
| `pool_year` | per year y | Σ_i p_{i,y} x_i ≤ cap_y |
| `pool_total` | one | Σ_i p_i x_i ≤ cap |

A kind whose group is one movable limit on one amount gives it as a `Bound` (its row follows), and
the repairs relax it to the least sufficient value (`RuleKind.relax`); every kind says its repair
in Danish (`change_text`), the scenario fields it owns (`patch`) and, for kinds the explanations
do not word themselves, its sentence in a conflict (`conflict_text`).

The order of `KINDS` is the order of `active_rules`, which the explanations' deletion filter and
the repairs follow (the repairs relax the rules that exclude proposals first). Adding a rule kind:
one class here (and its field in `Rules`, built from the scenario in `build.scenario_rules`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

import numpy as np

from .. import fmt
from ..model import Risk

if TYPE_CHECKING:  # the instance builds on the rules: the types only
    from .instance import Instance, Rules

RISK_NAMES: tuple[str, ...] = tuple(r.value for r in sorted(Risk, key=lambda r: r.rank))
RISKY_FROM = Risk.MIDDEL.rank  # the risky-share rule counts proposals at this risk or above
INF = math.inf
_EPS = 1e-9
RuleKindName = Literal["pool_total", "pool_year", "max_risk", "max_payback", "risky_share", "force_in",
                       "force_out", "dependency", "pinned", "named_pool_total", "named_pool_year", "savings_target",
                       "no_maaltal_increase", "self_financing", "party_must", "party_never", "party_max_pool",
                       "party_target"]
PARTY_KINDS = ("party_must", "party_never", "party_max_pool", "party_target")  # a party's demands
MEASURE_TEXT = {"maaltal": "besparelse på måltallet", "varig": "varig besparelse"}


@dataclass(frozen=True)
class PoolSpec:
    """A named pool: the investments in its categories (`covers`: styringsområder, or
    `INNOVATION_POOL`) at most `total` over the horizon and `per_year` in a year (1.000 kr.)."""

    name: str
    covers: tuple[str, ...]
    total: float | None = None
    per_year: tuple[tuple[int, float], ...] = ()

    def year_amount(self, year: int) -> float:
        return dict(self.per_year)[year]


@dataclass(frozen=True)
class TargetSpec:
    """At least `min` of savings (1.000 kr., positive) in `year`: the måltal ("maaltal", Service
    permanent changes) or all permanent changes ("varig"), of `udvalg` or all udvalg (None)."""

    year: int
    min: float
    measure: Literal["maaltal", "varig"] = "maaltal"
    udvalg: str | None = None

    @property
    def rule(self) -> Rule:
        return Rule("savings_target", key=self.udvalg or "", other=self.measure, year=self.year)

    def who(self) -> str:
        """'Socialudvalgets krav' or 'kravet til alle udvalg tilsammen'."""
        return f"{genitive(self.udvalg)} krav" if self.udvalg else "kravet til alle udvalg tilsammen"


@dataclass(frozen=True)
class PartySpec:
    """A party's demands (see `scenario.Party`): proposals it must have and will not accept, a pool
    it will not exceed (pool-covered investment over the horizon), savings it insists on."""

    name: str
    must: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    max_pool: float | None = None
    savings_targets: tuple[TargetSpec, ...] = ()
    colour: str | None = None  # not a rule: carried so a repair's patch keeps the party's colour


def party_name(name: str) -> str:
    """A party as named in a sentence: 'parti A', or the name itself when it says so ('Parti B')."""
    return name if name.lower().startswith("parti") else f"parti {name}"


def genitive(name: str) -> str:
    """Danish genitive: 'Socialudvalget' -> 'Socialudvalgets', 'Økonomiudvalg' -> 'Økonomiudvalgs';
    after a capital letter or a digit with an apostrophe: 'parti A' -> "parti A's"."""
    if name.endswith(("s", "x", "z")):
        return name
    return name + ("'s" if name[-1:].isupper() or name[-1:].isdigit() else "s")


@dataclass(frozen=True)
class Rule:
    """One removable group of constraints (the unit of infeasibility explanations)."""

    kind: RuleKindName
    key: str = ""  # force_in/force_out/pinned: the proposal; dependency: the requiring proposal
    other: str = ""  # dependency: the required proposal; pinned: the variant
    year: int = 0  # pool_year


@dataclass(frozen=True)
class Row:
    """lo ≤ Σ coef · x_item ≤ hi (terms with a zero coefficient left out)."""

    terms: tuple[tuple[int, float], ...]
    lo: float
    hi: float

    def holds(self, chosen: Sequence[int], tol: float = 1e-6) -> bool:
        chosen_set = set(chosen)
        value = math.fsum(c for i, c in self.terms if i in chosen_set)
        scale = max(1.0, abs(self.hi) if math.isfinite(self.hi) else 0.0, abs(self.lo) if math.isfinite(self.lo)
                    else 0.0, math.fsum(abs(c) for _, c in self.terms))
        return self.lo - tol * scale <= value <= self.hi + tol * scale


def _row(terms: Sequence[tuple[int, float]], lo: float, hi: float) -> Row:
    return Row(tuple((i, c) for i, c in terms if abs(c) > _EPS), lo, hi)


@dataclass(frozen=True, eq=False)
class SparseRow:
    """A `Row` as arrays: lo ≤ Σ value[k] · x_index[k] ≤ hi, in the row's term order."""

    index: np.ndarray  # int32
    value: np.ndarray  # float
    lo: float
    hi: float

    @staticmethod
    def of(row: Row) -> SparseRow:
        return SparseRow(np.array([i for i, _ in row.terms], dtype=np.int32),
                         np.array([c for _, c in row.terms], dtype=float), row.lo, row.hi)

    @staticmethod
    def of_coefs(coefs: np.ndarray, lo: float, hi: float) -> SparseRow:
        """The row of per-item coefficients, without the terms `_row` leaves out (|c| ≤ 1e-9)."""
        index = np.nonzero(np.abs(coefs) > _EPS)[0].astype(np.int32)
        return SparseRow(index, coefs[index], lo, hi)


@dataclass(frozen=True)
class Bound:
    """A group that is one movable limit on one amount: Σ coefs·x ≤ limit (`upper`) or ≥ limit."""

    coefs: tuple[float, ...]  # per item
    limit: float
    upper: bool

    @property
    def row(self) -> Row:
        terms = list(enumerate(self.coefs))
        return _row(terms, -INF, self.limit) if self.upper else _row(terms, self.limit, INF)


class Relaxer(Protocol):
    """What a rule kind may ask while a repair puts its bound back at the least sufficient value:
    answers under the rules given (the repair's other rules), proven by solving."""

    def feasible(self, rules: Rules) -> bool: ...

    def least(self, rules: Rules, coefs: Sequence[float]) -> float | None: ...

    def least_risky_share(self, rules: Rules) -> float | None: ...


class Phrasing(Protocol):
    """What a rule kind may use while it words its part of a conflict (`conflict_sentences`): the
    conflict (`core`), the proposals it forces in (`forced`) and requires through its dependencies
    (`via`: required key -> the key requiring it), the keys already named (`mentioned`, which a kind
    adds to), and computations under the conflict's other rules."""

    inst: Instance
    core: Sequence[Rule]
    forced: list[str]
    via: dict[str, str]
    mentioned: set[str]

    def least(self, rule: Rule, coefs: Sequence[float]) -> tuple[float, tuple[int, ...], set[str]] | None: ...

    def subject(self, chosen: Sequence[int], use: Sequence[float], forced: set[str]) -> str: ...

    def blocked(self, rule: Rule, bad: Callable[[Any], bool], say: Callable[[Any], str], generic: str) -> list[str]: ...

    def least_risky_share(self, rule: Rule) -> tuple[float, float, float, tuple[int, ...]] | None: ...


def _up(amount: float) -> float:
    """An amount (1.000 kr.) rounded up to whole kroner, so it is never below what is needed."""
    return math.ceil(amount * 1000 - 1e-6) / 1000


def _down(amount: float) -> float:
    """An amount (1.000 kr.) rounded down to whole kroner, so it is never above what can be reached."""
    return math.floor(amount * 1000 + 1e-6) / 1000


class RuleKind:
    """A kind of rule. Subclasses set `kind` and override what applies to them.

    Besides its bounds and rows a kind says what a repair does with it: `relax` puts a released
    group back at its least sufficient value (None: it stays released), `change_text` says the
    change in Danish, and `patch` gives the scenario fields the kind owns (JSON), so a repair's
    scenario patch is the fields whose value changed. A kind with `together` is released as one
    unit (the scenario switches its groups off together)."""

    kind: ClassVar[RuleKindName]
    pareto_exact: ClassVar[bool] = True  # the frontier's Pareto programme stays exact under it
    together: ClassVar[bool] = False  # its groups are released together (one switch in the scenario)
    forces_key: ClassVar[bool] = False  # a group forces its proposal (`Rule.key`) in: exactly one variant

    def groups(self, inst: Instance) -> list[Rule]:
        """The kind's active groups in `inst` (none when the rule is not set)."""
        raise NotImplementedError

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        """The items the group fixes to 0."""
        return frozenset()

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        """The group as one movable limit on one amount (None for other kinds)."""
        return None

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        """The group's linear rows (a bound's one row by default)."""
        b = self.bound(inst, rule)
        return [] if b is None else [b.row]

    def coefs(self, inst: Instance, rule: Rule) -> np.ndarray | None:
        """The bound's coefficients as an array, one per item (None for a kind without a bound);
        an `ArrayBound` kind reads them from the instance's arrays."""
        b = self.bound(inst, rule)
        return None if b is None else np.asarray(b.coefs, dtype=float)

    def sparse_rows(self, inst: Instance, rule: Rule) -> list[SparseRow]:
        """The group's rows as arrays: the same rows as `rows`."""
        return [SparseRow.of(r) for r in self.rows(inst, rule)]

    def limit(self, inst: Instance, rule: Rule) -> tuple[float, bool] | None:
        """The bound's (limit, upper) without its coefficients (None for a kind without a bound)."""
        b = self.bound(inst, rule)
        return None if b is None else (b.limit, b.upper)

    def label(self, inst: Instance, rule: Rule) -> str:
        """The group named for a negotiator (Danish, lower case), e.g. "puljen i alt (5,0 mio. kr.)"."""
        raise NotImplementedError

    def without(self, rules: Rules, rule: Rule) -> Rules:
        """`rules` with the group removed (what releasing it in a repair or a relaxation means)."""
        raise NotImplementedError

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        """`rules` (the group released) with the group of `inst` put back with its bound at `limit`."""
        raise NotImplementedError

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        """`rules` (the group released) with the group put back at its least sufficient value, or
        None to leave it released. A bound: the least (upper) or largest (lower) value of its amount
        that a portfolio satisfying `rules` reaches, rounded to whole kroner the safe way."""
        b = self.bound(inst, rule)
        if b is None:
            return None
        if b.upper:
            need = ask.least(rules, b.coefs)
            return None if need is None else self.with_limit(inst, rules, rule, _up(need))
        most = ask.least(rules, [-c for c in b.coefs])
        return None if most is None else self.with_limit(inst, rules, rule, _down(-most))

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        """The repair's change of `group` (this kind's rules in it), in Danish, lower case."""
        return [f"fjern {self.label(inst, r)}" for r in group]

    def patch(self, rules: Rules) -> dict[str, Any]:
        """The scenario JSON fields this kind owns, with their values under `rules`."""
        return {}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        """A bound's sentence in a conflict: `extreme` is the least (upper bound) or largest (lower
        bound) value of its amount under the conflict's other rules (None: no portfolio at all),
        `who` names the proposals that need it."""
        return f"{capitalised(self.label(inst, rule))} kan ikke overholdes sammen med de andre regler."

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        """The kind's sentences in a conflict (`group`: its rules in the conflict). A bound: its
        `conflict_text` with the least (upper) or largest (lower) value of its amount under the
        conflict's other rules, the proposals that need it named (and `mentioned`)."""
        out = []
        for rule in group:
            b = self.bound(ph.inst, rule)
            if b is None:
                out.append(self.conflict_text(ph.inst, rule, None, ""))
                continue
            found = ph.least(rule, list(b.coefs) if b.upper else [-c for c in b.coefs])
            if found is None:
                out.append(self.conflict_text(ph.inst, rule, None, ""))
                ph.mentioned.update(ph.forced)
                continue
            value, chosen, fset = found
            who = ph.subject(chosen, b.coefs, fset) if b.upper else ""
            if b.upper:
                ph.mentioned.update(ph.inst.items[i].key for i in chosen if b.coefs[i] > _EPS)
            out.append(self.conflict_text(ph.inst, rule, value if b.upper else -value, who))
        return out

    def violations(self, inst: Instance, rule: Rule, chosen: Sequence[int], tol: float = 1e-6) -> list[str]:
        """What a selection breaks of the group, as short texts ([] when it holds); rows are
        checked to `tol` relative to their scale."""
        bad = sorted(self.excluded(inst, rule) & set(chosen))
        out = [f"{rule.kind}: {', '.join(inst.items[i].label for i in bad)}"] if bad else []
        for row in self.rows(inst, rule):
            if not row.holds(chosen, tol):
                out.append(f"{rule.kind}{' ' + rule.key if rule.key else ''}"
                           f"{' ' + str(rule.year) if rule.year else ''}: række brudt")
        return out


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_names(names: Sequence[str]) -> str:
    """'A', 'A og B', 'A, B og C' (each name once, in order)."""
    names = list(dict.fromkeys(names))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " og " + names[-1]


class ArrayBound(RuleKind):
    """A kind that is one limit on an amount the instance keeps as an array (the pool's): its
    `coefs` and `limit` are read without making the items, and its bound, rows and sparse rows
    follow from them."""

    def coefs(self, inst: Instance, rule: Rule) -> np.ndarray:
        raise NotImplementedError

    def limit(self, inst: Instance, rule: Rule) -> tuple[float, bool]:
        raise NotImplementedError

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        limit, upper = self.limit(inst, rule)
        return Bound(tuple(self.coefs(inst, rule).tolist()), limit, upper)

    def sparse_rows(self, inst: Instance, rule: Rule) -> list[SparseRow]:
        limit, upper = self.limit(inst, rule)
        lo, hi = (-INF, limit) if upper else (limit, INF)
        return [SparseRow.of_coefs(self.coefs(inst, rule), lo, hi)]


class ForceIn(RuleKind):
    kind = "force_in"
    forces_key = True

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("force_in", key=k) for k in inst.rules.force_in]

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        return [_row([(i, 1.0) for i in inst.by_key[rule.key]], 1.0, 1.0)]

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, force_in=tuple(k for k in rules.force_in if k != rule.key))

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {rule.key} er tvunget med"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"frigiv {join_names([r.key for r in group])} (lad optimeringen vælge)"]

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        loose = [r.key for r in group if r.key not in ph.mentioned]  # the forced ones no other sentence named
        return [f"{join_names(loose)} {'er' if len(loose) == 1 else 'er alle'} tvunget med."] if loose else []

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"force_in": list(rules.force_in)}


class Pinned(RuleKind):
    kind = "pinned"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("pinned", key=k, other=v) for k, v in inst.rules.pinned]

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        return frozenset(i for i in inst.by_key.get(rule.key, ()) if inst.items[i].variant != rule.other)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, pinned=tuple((k, v) for k, v in rules.pinned if k != rule.key))

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {rule.key} er låst til varianten {rule.other}"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"lås ikke varianten for {join_names([r.key for r in group])}"]

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        ph.mentioned.update(r.key for r in group)
        return [f"{r.key} er låst til varianten {r.other}." for r in group]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"variants": dict(rules.pinned)}


class Dependency(RuleKind):
    kind = "dependency"
    together = True

    def groups(self, inst: Instance) -> list[Rule]:
        if not inst.rules.dependencies:
            return []
        edges = sorted({(key, req) for key, reqs in zip(inst.key_of, inst.requires_of, strict=True)
                        for req in reqs if req != key})
        return [Rule("dependency", key=a, other=b) for a, b in edges]

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        if rule.other not in inst.by_key:
            return frozenset(inst.by_key.get(rule.key, ()))
        return frozenset()

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        if rule.other not in inst.by_key:
            return []
        need = [(j, -1.0) for j in inst.by_key[rule.other]]
        return [_row([(i, 1.0), *need], -INF, 0.0) for i in inst.by_key.get(rule.key, ())]

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, dependencies=False)  # a scenario switches the edges off together

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {rule.key} kræver {rule.other} (afhængigheder)"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"slå afhængighederne fra ({join_names([f'{r.key} kræver {r.other}' for r in group])})"]

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        out = []
        for rule in group:
            a, b = rule.key, rule.other
            who = f"{a} er tvunget med og kræver" if a in ph.forced else f"{a} kræver"
            if b not in ph.inst.by_key:
                out.append(f"{who} {b}, som ikke er med i de valgte kataloger.")
            elif Rule("force_out", key=b) in ph.core:
                out.append(f"{who} {b}, som er valgt fra.")
            elif b in ph.mentioned:
                continue
            else:
                out.append(f"{who} {b}.")
            ph.mentioned.update({a, b})
        return out

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"dependencies": rules.dependencies}


class ForceOut(RuleKind):
    kind = "force_out"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("force_out", key=k) for k in inst.rules.force_out]

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        return frozenset(inst.by_key.get(rule.key, ()))

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, force_out=tuple(k for k in rules.force_out if k != rule.key))

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {rule.key} er tvunget fra"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"tillad {join_names([r.key for r in group])} igen"]

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        out = []
        for rule in group:
            if rule.key not in ph.mentioned:
                out.append(f"{rule.key} er tvunget fra.")
                ph.mentioned.add(rule.key)
        return out

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"force_out": list(rules.force_out)}


class RiskyShare(RuleKind):
    kind = "risky_share"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("risky_share")] if inst.rules.max_risky_share is not None else []

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        s = inst.rules.max_risky_share
        if s is None:
            return []
        return [_row([(i, ((1.0 if it.risk >= RISKY_FROM else 0.0) - s) * it.pool_total)
                      for i, it in enumerate(inst.items)], -INF, 0.0)]

    def sparse_rows(self, inst: Instance, rule: Rule) -> list[SparseRow]:
        s = inst.rules.max_risky_share
        if s is None:
            return []
        a = inst.arrays
        return [SparseRow.of_coefs((np.where(a.risk >= RISKY_FROM, 1.0, 0.0) - s) * a.pool_total, -INF, 0.0)]

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, max_risky_share=None)

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        share = ask.least_risky_share(rules)
        if share is None or share >= 1.0 - _EPS:
            return None
        s = min(1.0, math.ceil(share * 10_000 - 1e-6) / 10_000)  # in 0,01 %-points, rounded up
        trial = replace(rules, max_risky_share=s)
        return trial if ask.feasible(trial) else None

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"den højeste andel til forslag med middel eller høj risiko ({fmt.pct(inst.rules.max_risky_share)})"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"hæv loftet over andelen til middel/høj risiko til {fmt.pct(new.max_risky_share, 2)}"
                if new.max_risky_share is not None else "fjern loftet over andelen til middel/høj risiko"]

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        inst = ph.inst
        head = (f"Højst {fmt.pct(inst.rules.max_risky_share or 0.0)} af puljens investeringer må gå til forslag "
                "med middel eller høj risiko")
        best = ph.least_risky_share(group[0])
        if best is None:
            ph.mentioned.update(ph.forced)
            return [head + ", og det kan de tvungne forslag ikke overholde."]
        ratio, rr, tt, chosen = best
        names = [f"{inst.items[i].key} ({inst.items[i].risk_name})" for i in chosen
                 if inst.items[i].risk >= RISKY_FROM and inst.items[i].pool_total > _EPS]
        ph.mentioned.update(inst.items[i].key for i in chosen)
        return [f"{head}, men med de tvungne forslag bliver andelen mindst {fmt.pct(ratio)} "
                f"({fmt.mio(rr, 2)} af {fmt.mio(tt, 2)}, {inst.base_year} p/l); forslag med middel eller høj "
                f"risiko: {join_names(names)}."]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"max_risky_share": rules.max_risky_share}


class MaxPayback(RuleKind):
    kind = "max_payback"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("max_payback")] if inst.rules.max_payback is not None else []

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        limit = inst.rules.max_payback
        if limit is None:
            return frozenset()
        p = inst.arrays.payback
        return frozenset(np.nonzero(np.isnan(p) | (p > limit))[0].tolist())

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, max_payback=None)

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        limits = sorted({it.payback for it in inst.items if it.payback is not None
                         and it.payback > (inst.rules.max_payback or 0)})
        for limit in limits:  # the shortest limit that admits a portfolio
            trial = replace(rules, max_payback=limit)
            if ask.feasible(trial):
                return trial
        return None

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"den længste tilladte tilbagebetalingstid ({fmt.years_text(inst.rules.max_payback)})"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"tillad tilbagebetalingstid op til {fmt.years_text(new.max_payback)}"
                if new.max_payback is not None else "fjern grænsen for tilbagebetalingstid"]

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        limit = ph.inst.rules.max_payback or 0
        lim = fmt.years_text(limit)

        def say(it: Any) -> str:
            if it.payback is None:
                return f"tilbagebetaler ikke investeringen inden for sin tabel (grænsen er {lim})"
            return f"har en tilbagebetalingstid på {fmt.years_text(it.payback)}, over grænsen på {lim}"

        return ph.blocked(group[0], lambda it: it.payback is None or it.payback > limit, say,
                          f"Tilbagebetalingsreglen ({lim}) udelukker forslag, som de andre regler kræver.")

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"max_payback_years": rules.max_payback}


class MaxRisk(RuleKind):
    kind = "max_risk"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("max_risk")] if inst.rules.max_risk is not None else []

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        limit = inst.rules.max_risk
        if limit is None:
            return frozenset()
        return frozenset(np.nonzero(inst.arrays.risk > limit)[0].tolist())

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, max_risk=None)

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        for rank in range((inst.rules.max_risk or 0) + 1, len(RISK_NAMES)):  # the lowest level that admits one
            trial = replace(rules, max_risk=rank)
            if ask.feasible(trial):
                return trial
        return None

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"den højeste tilladte risiko ({RISK_NAMES[inst.rules.max_risk or 0]})"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"tillad risiko op til {RISK_NAMES[new.max_risk]}" if new.max_risk is not None
                else "fjern risikogrænsen"]

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        limit = ph.inst.rules.max_risk or 0
        mx = RISK_NAMES[limit]
        return ph.blocked(group[0], lambda it: it.risk > limit,
                          lambda it: f"har risiko {it.risk_name} over den højeste tilladte ({mx})",
                          f"Den højeste tilladte risiko er {mx}, og den udelukker forslag, som de andre regler "
                          "kræver.")

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"max_risk": None if rules.max_risk is None else RISK_NAMES[rules.max_risk]}


def _horizon_text(inst: Instance, last: int) -> str:
    first = inst.years[0]
    return str(first) if first == last else f"{first}–{last}"


class SelfFinancing(RuleKind):
    """Σ_i Σ_{y ≤ Y} (permanent_{i,y} + investment_{i,y}) x_i ≤ 0: the cumulative net effect from
    the horizon's first year through Y, all styringsområder."""

    kind = "self_financing"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        y = inst.rules.self_financing_by
        return [] if y is None else [Rule("self_financing", year=y)]

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        n = inst.years.index(rule.year) + 1
        return Bound(tuple(math.fsum(it.permanent[:n]) + math.fsum(it.investment[:n]) for it in inst.items), 0.0, True)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, self_financing_by=None)

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        for year in inst.years[inst.years.index(rule.year) + 1:]:  # the earliest later year that admits one
            trial = replace(rules, self_financing_by=year)
            if ask.feasible(trial):
                return trial
        return None

    def label(self, inst: Instance, rule: Rule) -> str:
        return (f"kravet om selvfinansiering senest {rule.year} (nettoeffekten "
                f"{_horizon_text(inst, rule.year)} højst 0 kr.)")

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"udskyd selvfinansieringen fra {group[0].year} til {new.self_financing_by}"
                if new.self_financing_by is not None else "fjern kravet om selvfinansiering"]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"self_financing_by": rules.self_financing_by}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        span = _horizon_text(inst, rule.year)
        if extreme is None:
            return f"Porteføljen skal være selvfinansierende senest {rule.year}, og det kan de andre regler ikke give."
        return (f"Porteføljen skal være selvfinansierende senest {rule.year} (nettoeffekten {span} højst 0 kr.), "
                f"men med {who} bliver nettoeffekten {span} mindst {fmt.mio_at_least(extreme)} "
                f"({inst.base_year} p/l).")


class NoMaaltalIncrease(RuleKind):
    """For every udvalg u and horizon year y: Σ_i m_{i,u,y} x_i ≤ 0, m the Service permanent
    changes (the måltal). Groups only where some item raises the måltal (else the row always holds)."""

    kind = "no_maaltal_increase"
    pareto_exact = False
    together = True

    def groups(self, inst: Instance) -> list[Rule]:
        if not inst.rules.no_maaltal_increase:
            return []
        rising = {(u, inst.years[n]) for it in inst.items for u, a in it.maaltal_by
                  for n, v in enumerate(a) if v > _EPS}
        return [Rule("no_maaltal_increase", key=u, year=y) for u, y in sorted(rising)]

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        n = inst.years.index(rule.year)
        return Bound(tuple(it.maaltal(rule.key)[n] for it in inst.items), 0.0, True)

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        return None  # one switch for every udvalg: released

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, no_maaltal_increase=False)

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {genitive(rule.key)} måltal ikke må stige ({rule.year})"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"tillad, at måltallet stiger ({join_names(sorted({genitive(r.key) for r in group}))})"]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"no_maaltal_increase": rules.no_maaltal_increase}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        if extreme is None:
            return f"{capitalised(genitive(rule.key))} måltal må ikke stige i {rule.year}."
        return (f"{capitalised(who)} hæver {genitive(rule.key)} måltal i {rule.year} med mindst "
                f"{fmt.mio_at_least(extreme)} ({inst.base_year} p/l), men intet udvalgs måltal må stige.")


def _target_of(rules: Rules, rule: Rule) -> TargetSpec:
    return next(t for t in rules.savings_targets if t.rule == rule)


def _target_saving(it: Any, t: TargetSpec, n: int) -> float:
    """An item's saving toward a target in horizon year n (positive = saving)."""
    return -(it.maaltal(t.udvalg)[n] if t.measure == "maaltal" else it.permanent_of(t.udvalg)[n])


class SavingsTarget(RuleKind):
    """Σ_i s_{i,y} x_i ≥ min, s the saving (minus the permanent change) in year y: Service lines
    (måltal) or all lines (varig), of one udvalg or all."""

    kind = "savings_target"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [t.rule for t in inst.rules.savings_targets]

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        t = _target_of(inst.rules, rule)
        n = inst.years.index(t.year)
        return Bound(tuple(_target_saving(it, t, n) for it in inst.items), t.min, False)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, savings_targets=tuple(t for t in rules.savings_targets if t.rule != rule))

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        # a target is at least 0: when the other rules force a net cost in its measure, it is released
        b = self.bound(inst, rule)
        most = None if b is None else ask.least(rules, [-c for c in b.coefs])
        if most is None or -most < 0:
            return None
        return self.with_limit(inst, rules, rule, _down(-most))

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        t = replace(_target_of(inst.rules, rule), min=max(limit, 0.0))
        return replace(rules, savings_targets=tuple(sorted((*rules.savings_targets, t), key=_target_order)))

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        out = []
        for rule in group:
            old = _target_of(inst.rules, rule)
            now = next((t for t in new.savings_targets if t.rule == rule), None)
            out.append(f"sænk {old.who()} i {old.year} fra {fmt.mio_exact(old.min)} til {fmt.mio_at_most(now.min)}"
                       if now is not None else f"fjern {self.label(inst, rule)}")
        return out

    def label(self, inst: Instance, rule: Rule) -> str:
        t = _target_of(inst.rules, rule)
        return f"{t.who()} om mindst {fmt.mio_exact(t.min)} i {MEASURE_TEXT[t.measure]} i {t.year}"

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"savings_targets": [{"year": t.year, "min": fmt.json_number(t.min), "measure": t.measure,
                                     "udvalg": t.udvalg} for t in rules.savings_targets]}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        t = _target_of(inst.rules, rule)
        head = f"{capitalised(t.who())} på {fmt.mio_exact(t.min)} i {MEASURE_TEXT[t.measure]} i {t.year}"
        if extreme is None:
            return f"{head} kan ikke nås sammen med de andre regler."
        return (f"{head} kan højst nås med {fmt.mio_at_most(extreme)} ({inst.base_year} p/l) sammen med de "
                f"andre regler i konflikten; sænk kravet eller løsn en af de andre regler.")


def _target_order(t: TargetSpec) -> tuple[int, str, str]:
    return (t.year, t.measure, t.udvalg or "")


def _pool_label(name: str | None, year: int | None, amount: float) -> str:
    where = "i alt" if year is None else f"i {year}"
    return f"puljen {where} ({fmt.mio_exact(amount)})" if name is None else (
        f"puljen '{name}' {where} ({fmt.mio_exact(amount)})")


def _pool_change(name: str | None, year: int | None, old: float, new: float | None) -> str:
    what = "puljen" if name is None else f"puljen '{name}'"
    where = "i alt" if year is None else f"i {year}"
    if new is None:
        return f"fjern {what} {where}" if name is not None or year is not None else "fjern den samlede pulje"
    return f"hæv {what} {where} fra {fmt.mio_exact(old)} til {fmt.mio_at_least(new)}"


def _pool_conflict(inst: Instance, name: str | None, year: int | None, cap: float, extreme: float | None,
                   who: str) -> str:
    what = "puljen" if name is None else f"puljen '{name}'"
    where = "i alt" if year is None else f"i {year}"
    pl = f"{inst.base_year} p/l"
    if extreme is None:
        return f"{capitalised(what)} {where} ({fmt.mio_exact(cap)}) rækker ikke til de tvungne forslag."
    if year is None:  # the sentence ends with the unit's own full stop ("... 5,0 mio. kr.")
        return (f"{capitalised(who)} kræver mindst {fmt.mio_at_least(extreme)} ({pl}) af {what}, men "
                f"{'puljen' if name is None else 'den'} er {fmt.mio_exact(cap)}")
    return (f"{capitalised(what)} i {year} er {fmt.mio_exact(cap)}, men {who} kræver mindst "
            f"{fmt.mio_at_least(extreme)} ({pl}) i {year}.")


def _named_pool_coefs(inst: Instance, pool: PoolSpec) -> list[tuple[float, ...]]:
    return [it.invested_in(pool.covers) for it in inst.items]


def _replace_pool(rules: Rules, name: str, **changes: Any) -> Rules:
    pools = []
    for p in rules.pools:
        if p.name == name:
            p = replace(p, **changes)
        pools.append(p)
    return replace(rules, pools=tuple(pools))


def _named_pools_json(rules: Rules) -> list[dict[str, Any]]:
    return [{"name": p.name, "covers": list(p.covers), "total": fmt.json_number(p.total),
             "per_year": {str(y): fmt.json_number(a) for y, a in p.per_year}} for p in rules.pools]


class NamedPoolYear(RuleKind):
    """Σ_i p_{i,y} x_i ≤ cap_y for a named pool, p the investments in the pool's categories."""

    kind = "named_pool_year"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("named_pool_year", key=p.name, year=y) for p in inst.rules.pools for y, _ in p.per_year]

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        pool = inst.named_pool(rule.key)
        n = inst.years.index(rule.year)
        return Bound(tuple(c[n] for c in _named_pool_coefs(inst, pool)), pool.year_amount(rule.year), True)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        pool = next(p for p in rules.pools if p.name == rule.key)
        return _replace_pool(rules, rule.key, per_year=tuple((y, a) for y, a in pool.per_year if y != rule.year))

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        pool = next(p for p in rules.pools if p.name == rule.key)
        return _replace_pool(rules, rule.key, per_year=tuple(sorted((*pool.per_year, (rule.year, limit)))))

    def label(self, inst: Instance, rule: Rule) -> str:
        return _pool_label(rule.key, rule.year, inst.named_pool(rule.key).year_amount(rule.year))

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        out = []
        for r in sorted(group, key=lambda r: (r.key, r.year)):
            now = dict(next(p for p in new.pools if p.name == r.key).per_year).get(r.year)
            out.append(_pool_change(r.key, r.year, inst.named_pool(r.key).year_amount(r.year), now))
        return out

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"pools": _named_pools_json(rules)}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        return _pool_conflict(inst, rule.key, rule.year, inst.named_pool(rule.key).year_amount(rule.year),
                              extreme, who)


class NamedPoolTotal(RuleKind):
    """Σ_i Σ_y p_{i,y} x_i ≤ cap for a named pool."""

    kind = "named_pool_total"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("named_pool_total", key=p.name) for p in inst.rules.pools if p.total is not None]

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        pool = inst.named_pool(rule.key)
        return Bound(tuple(math.fsum(c) for c in _named_pool_coefs(inst, pool)), pool.total or 0.0, True)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return _replace_pool(rules, rule.key, total=None)

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        return _replace_pool(rules, rule.key, total=limit)

    def label(self, inst: Instance, rule: Rule) -> str:
        return _pool_label(rule.key, None, inst.named_pool(rule.key).total or 0.0)

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [_pool_change(r.key, None, inst.named_pool(r.key).total or 0.0,
                             next(p for p in new.pools if p.name == r.key).total) for r in group]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"pools": _named_pools_json(rules)}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        return _pool_conflict(inst, rule.key, None, inst.named_pool(rule.key).total or 0.0, extreme, who)


def _pool_json(rules: Rules) -> dict[str, Any]:
    if rules.pool_total is None and not rules.pool_per_year:
        return {"pool": None}
    return {"pool": {"total": fmt.json_number(rules.pool_total),
                     "per_year": {str(y): fmt.json_number(v) for y, v in rules.pool_per_year}}}


class PoolYear(ArrayBound):
    kind = "pool_year"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("pool_year", year=y) for y, _ in inst.rules.pool_per_year]

    def coefs(self, inst: Instance, rule: Rule) -> np.ndarray:
        return inst.arrays.pool_investment[:, inst.years.index(rule.year)]

    def limit(self, inst: Instance, rule: Rule) -> tuple[float, bool]:
        return inst.pool_year_amount(rule.year), True

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, pool_per_year=tuple((y, v) for y, v in rules.pool_per_year if y != rule.year))

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        return replace(rules, pool_per_year=tuple(sorted((*rules.pool_per_year, (rule.year, limit)))))

    def label(self, inst: Instance, rule: Rule) -> str:
        return _pool_label(None, rule.year, inst.pool_year_amount(rule.year))

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        years = dict(new.pool_per_year)
        return [_pool_change(None, r.year, inst.pool_year_amount(r.year), years.get(r.year))
                for r in sorted(group, key=lambda r: r.year)]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return _pool_json(rules)

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        return _pool_conflict(inst, None, rule.year, inst.pool_year_amount(rule.year), extreme, who)


class PoolTotal(ArrayBound):
    kind = "pool_total"
    pareto_exact = True  # the frontier's own resource

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("pool_total")] if inst.rules.pool_total is not None else []

    def coefs(self, inst: Instance, rule: Rule) -> np.ndarray:
        return inst.arrays.pool_total

    def limit(self, inst: Instance, rule: Rule) -> tuple[float, bool]:
        return inst.rules.pool_total or 0.0, True

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, pool_total=None)

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        return replace(rules, pool_total=limit)

    def label(self, inst: Instance, rule: Rule) -> str:
        return _pool_label(None, None, inst.rules.pool_total or 0.0)

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [_pool_change(None, None, inst.rules.pool_total or 0.0, new.pool_total)]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return _pool_json(rules)

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        return _pool_conflict(inst, None, None, inst.rules.pool_total or 0.0, extreme, who)


# --------------------------------------------------------------------------------------------
# The parties' demands: each a rule of the common ground, named by its party (a group's `other`)
# --------------------------------------------------------------------------------------------


def _party(rules: Rules, name: str) -> PartySpec:
    return next(p for p in rules.parties if p.name == name)


def _replace_party(rules: Rules, name: str, **changes: Any) -> Rules:
    return replace(rules, parties=tuple(replace(p, **changes) if p.name == name else p for p in rules.parties))


def parties_json(rules: Rules) -> list[dict[str, Any]]:
    """The parties' positions as the scenario's ``parties`` JSON."""
    return [{"name": p.name, "colour": p.colour, "must": list(p.must), "never": list(p.never), "max_pool": fmt.json_number(p.max_pool),
             "savings_targets": [{"year": t.year, "min": fmt.json_number(t.min), "measure": t.measure,
                                  "udvalg": t.udvalg} for t in p.savings_targets]} for p in rules.parties]


def _by_party(group: Sequence[Rule]) -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {}
    for r in group:
        out.setdefault(r.other, []).append(r)
    return out


class _PartyKeys(RuleKind):
    """A party's proposals by key (`field`: "must" or "never"), one group per party and proposal;
    subclasses give the words."""

    field: ClassVar[str]
    concedes: ClassVar[str]  # the repair's verb: "opgiver", "accepterer"
    says: ClassVar[str]  # the conflict's words: "kræver {keys} med", "vil ikke have {keys}"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule(self.kind, key=k, other=p.name) for p in inst.rules.parties for k in getattr(p, self.field)]

    def without(self, rules: Rules, rule: Rule) -> Rules:
        keys = getattr(_party(rules, rule.other), self.field)
        return _replace_party(rules, rule.other, **{self.field: tuple(k for k in keys if k != rule.key)})

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        return [f"{party_name(p)} {self.concedes} {join_names([r.key for r in rs])}"
                for p, rs in _by_party(group).items()]

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"parties": parties_json(rules)}

    def conflict_sentences(self, ph: Phrasing, group: Sequence[Rule]) -> list[str]:
        out = []
        for p, rs in _by_party(group).items():
            keys = [r.key for r in rs]
            ph.mentioned.update(keys)
            out.append(f"{capitalised(party_name(p))} {self.says.format(keys=join_names(keys))}.")
        return out


class PartyMust(_PartyKeys):
    """A party must have proposal k: Σ_{i ∈ k} x_i = 1 (group: proposal k, party)."""

    kind = "party_must"
    forces_key = True
    field, concedes, says = "must", "opgiver", "kræver {keys} med"

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:  # empty (never holds) for a proposal not in the data
        return [_row([(i, 1.0) for i in inst.by_key.get(rule.key, ())], 1.0, 1.0)]

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {party_name(rule.other)} kræver {rule.key} med"


class PartyNever(_PartyKeys):
    """A party will not accept proposal k: its variants fixed to 0 (group: proposal k, party)."""

    kind = "party_never"
    field, concedes, says = "never", "accepterer", "vil ikke have {keys}"

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        return frozenset(inst.by_key.get(rule.key, ()))

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {party_name(rule.other)} ikke vil have {rule.key}"


class PartyMaxPool(ArrayBound):
    """A party will not exceed a pool: Σ_i p_i x_i ≤ its max_pool, p the pool-covered investment
    over the horizon (group: party)."""

    kind = "party_max_pool"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("party_max_pool", other=p.name) for p in inst.rules.parties if p.max_pool is not None]

    def coefs(self, inst: Instance, rule: Rule) -> np.ndarray:
        return inst.arrays.pool_total

    def limit(self, inst: Instance, rule: Rule) -> tuple[float, bool]:
        return _party(inst.rules, rule.other).max_pool or 0.0, True

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return _replace_party(rules, rule.other, max_pool=None)

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        return _replace_party(rules, rule.other, max_pool=limit)

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"{genitive(party_name(rule.other))} puljeloft ({fmt.mio_exact(_party(inst.rules, rule.other).max_pool or 0)})"

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        out = []
        for r in group:
            old, now = _party(inst.rules, r.other).max_pool or 0.0, _party(new, r.other).max_pool
            out.append(f"{party_name(r.other)} hæver sit puljeloft fra {fmt.mio_exact(old)} til "
                       f"{fmt.mio_at_least(now)}" if now is not None else f"{party_name(r.other)} opgiver sit puljeloft")
        return out

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"parties": parties_json(rules)}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        cap = fmt.mio_exact(_party(inst.rules, rule.other).max_pool or 0.0)
        name = capitalised(party_name(rule.other))
        if extreme is None:
            return f"{name} vil højst bruge {cap} af puljen, og det rækker ikke til de andre krav."
        return (f"{name} vil højst bruge {cap} af puljen, men {who} kræver mindst {fmt.mio_at_least(extreme)} "
                f"({inst.base_year} p/l).")


def _party_target(rules: Rules, rule: Rule) -> TargetSpec:
    return next(t for t in _party(rules, rule.other).savings_targets if _party_target_key(t) == (rule.key, rule.year))


def _party_target_key(t: TargetSpec) -> tuple[str, int]:
    return f"{t.measure}:{t.udvalg or ''}", t.year


class PartyTarget(RuleKind):
    """A party insists on a saving: as `SavingsTarget` (group: measure and udvalg, year, party)."""

    kind = "party_target"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("party_target", key=_party_target_key(t)[0], other=p.name, year=t.year)
                for p in inst.rules.parties for t in p.savings_targets]

    def bound(self, inst: Instance, rule: Rule) -> Bound | None:
        t = _party_target(inst.rules, rule)
        n = inst.years.index(t.year)
        return Bound(tuple(_target_saving(it, t, n) for it in inst.items), t.min, False)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        p = _party(rules, rule.other)
        return _replace_party(rules, rule.other, savings_targets=tuple(
            t for t in p.savings_targets if _party_target_key(t) != (rule.key, rule.year)))

    def relax(self, inst: Instance, rules: Rules, rule: Rule, ask: Relaxer) -> Rules | None:
        return SavingsTarget.relax(self, inst, rules, rule, ask)  # type: ignore[arg-type]

    def with_limit(self, inst: Instance, rules: Rules, rule: Rule, limit: float) -> Rules:
        t = replace(_party_target(inst.rules, rule), min=max(limit, 0.0))
        p = _party(rules, rule.other)
        return _replace_party(rules, rule.other, savings_targets=tuple(sorted((*p.savings_targets, t),
                                                                              key=_target_order)))

    def label(self, inst: Instance, rule: Rule) -> str:
        t = _party_target(inst.rules, rule)
        where = f" for {t.udvalg}" if t.udvalg else ""
        return (f"{genitive(party_name(rule.other))} krav om mindst {fmt.mio_exact(t.min)} i "
                f"{MEASURE_TEXT[t.measure]} i {t.year}{where}")

    def change_text(self, inst: Instance, group: Sequence[Rule], new: Rules) -> list[str]:
        out = []
        for rule in group:
            old = _party_target(inst.rules, rule)
            now = next((t for t in _party(new, rule.other).savings_targets
                        if _party_target_key(t) == (rule.key, rule.year)), None)
            name = party_name(rule.other)
            out.append(f"{name} sænker sit krav i {old.year} fra {fmt.mio_exact(old.min)} til "
                       f"{fmt.mio_at_most(now.min)}" if now is not None else f"{name} opgiver sit krav i {old.year}")
        return out

    def patch(self, rules: Rules) -> dict[str, Any]:
        return {"parties": parties_json(rules)}

    def conflict_text(self, inst: Instance, rule: Rule, extreme: float | None, who: str) -> str:
        head = capitalised(self.label(inst, rule))
        if extreme is None:
            return f"{head} kan ikke nås sammen med de andre krav."
        return (f"{head} kan højst nås med {fmt.mio_at_most(extreme)} ({inst.base_year} p/l) sammen med de andre "
                "krav i konflikten.")


KINDS: tuple[RuleKind, ...] = (ForceIn(), Pinned(), Dependency(), ForceOut(), RiskyShare(), MaxPayback(), MaxRisk(),
                               SelfFinancing(), NoMaaltalIncrease(), SavingsTarget(), NamedPoolYear(),
                               NamedPoolTotal(), PartyMust(), PartyNever(), PartyTarget(), PartyMaxPool(), PoolYear(),
                               PoolTotal())
BY_KIND: dict[str, RuleKind] = {k.kind: k for k in KINDS}
# the order in which a conflict's sentences are said: the rules on an amount (in the conflict's own
# order), then the rules that exclude proposals, the dependencies and the user's positions, last the
# forced-in proposals no other sentence named
PHRASE_ORDER: tuple[str, ...] = ("max_risk", "max_payback", "risky_share", "dependency", "pinned", "force_out",
                                 "party_must", "party_never", "force_in")


def active_rules(inst: Instance) -> tuple[Rule, ...]:
    """Every active rule group of the instance, in the registry's order."""
    return tuple(rule for kind in KINDS for rule in kind.groups(inst))


def excluded_by(inst: Instance, rule: Rule) -> frozenset[int]:
    """Items a rule group fixes to 0 (empty for rules that are rows only)."""
    return BY_KIND[rule.kind].excluded(inst, rule)


def rows_of(inst: Instance, rule: Rule) -> list[Row]:
    return BY_KIND[rule.kind].rows(inst, rule)


def sparse_rows_of(inst: Instance, rule: Rule) -> list[SparseRow]:
    """`rows_of` as arrays (the same rows, terms and bounds)."""
    return BY_KIND[rule.kind].sparse_rows(inst, rule)


def rule_label(inst: Instance, rule: Rule) -> str:
    """A rule group named for a negotiator (Danish)."""
    return BY_KIND[rule.kind].label(inst, rule)


def violations(inst: Instance, rule: Rule, chosen: Sequence[int], tol: float = 1e-6) -> list[str]:
    return BY_KIND[rule.kind].violations(inst, rule, chosen, tol)


def release(rules: Rules, groups: Sequence[Rule]) -> Rules:
    """`rules` with every group in `groups` removed."""
    for rule in groups:
        rules = BY_KIND[rule.kind].without(rules, rule)
    return rules


def forced_in(inst: Instance) -> set[str]:
    """The proposals some rule forces in (a forced-in proposal, a party's must-have)."""
    return {r.key for r in active_rules(inst) if BY_KIND[r.kind].forces_key}


def not_pareto_exact(inst: Instance) -> list[Rule]:
    """The active groups under which the frontier's Pareto programme is not exact by itself."""
    return [r for r in active_rules(inst) if not BY_KIND[r.kind].pareto_exact]
