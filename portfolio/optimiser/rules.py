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
| `pool_year` | per year y | Σ_i p_{i,y} x_i ≤ cap_y |
| `pool_total` | one | Σ_i p_i x_i ≤ cap |

The order of `KINDS` is the order of `active_rules`, which the explanations' deletion filter and
the repairs follow. Adding a rule kind: one class here (and its field in `Rules`, built from the
scenario in `build.scenario_rules`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar, Literal

from .. import fmt
from ..model import Risk

if TYPE_CHECKING:  # the instance builds on the rules: the types only
    from .instance import Instance, Rules

RISK_NAMES: tuple[str, ...] = tuple(r.value for r in sorted(Risk, key=lambda r: r.rank))
RISKY_FROM = Risk.MIDDEL.rank  # the risky-share rule counts proposals at this risk or above
INF = math.inf
_EPS = 1e-9
RuleKindName = Literal["pool_total", "pool_year", "max_risk", "max_payback", "risky_share", "force_in",
                       "force_out", "dependency", "pinned"]


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


class RuleKind:
    """A kind of rule. Subclasses set `kind` and override what applies to them."""

    kind: ClassVar[RuleKindName]
    pareto_exact: ClassVar[bool] = True  # the frontier's Pareto programme stays exact under it

    def groups(self, inst: Instance) -> list[Rule]:
        """The kind's active groups in `inst` (none when the rule is not set)."""
        raise NotImplementedError

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        """The items the group fixes to 0."""
        return frozenset()

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        """The group's linear rows."""
        return []

    def label(self, inst: Instance, rule: Rule) -> str:
        """The group named for a negotiator (Danish, lower case), e.g. "puljen i alt (5,0 mio. kr.)"."""
        raise NotImplementedError

    def without(self, rules: Rules, rule: Rule) -> Rules:
        """`rules` with the group removed (what releasing it in a repair or a relaxation means)."""
        raise NotImplementedError

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


class ForceIn(RuleKind):
    kind = "force_in"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("force_in", key=k) for k in inst.rules.force_in]

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        return [_row([(i, 1.0) for i in inst.by_key[rule.key]], 1.0, 1.0)]

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, force_in=tuple(k for k in rules.force_in if k != rule.key))

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"at {rule.key} er tvunget med"


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


class Dependency(RuleKind):
    kind = "dependency"

    def groups(self, inst: Instance) -> list[Rule]:
        if not inst.rules.dependencies:
            return []
        edges = sorted({(it.key, req) for it in inst.items for req in it.requires if req != it.key})
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

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, max_risky_share=None)

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"den højeste andel til forslag med middel eller høj risiko ({fmt.pct(inst.rules.max_risky_share)})"


class MaxPayback(RuleKind):
    kind = "max_payback"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("max_payback")] if inst.rules.max_payback is not None else []

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        limit = inst.rules.max_payback
        if limit is None:
            return frozenset()
        return frozenset(i for i, it in enumerate(inst.items) if it.payback is None or it.payback > limit)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, max_payback=None)

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"den længste tilladte tilbagebetalingstid ({fmt.years_text(inst.rules.max_payback)})"


class MaxRisk(RuleKind):
    kind = "max_risk"

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("max_risk")] if inst.rules.max_risk is not None else []

    def excluded(self, inst: Instance, rule: Rule) -> frozenset[int]:
        limit = inst.rules.max_risk
        if limit is None:
            return frozenset()
        return frozenset(i for i, it in enumerate(inst.items) if it.risk > limit)

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, max_risk=None)

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"den højeste tilladte risiko ({RISK_NAMES[inst.rules.max_risk or 0]})"


class PoolYear(RuleKind):
    kind = "pool_year"
    pareto_exact = False

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("pool_year", year=y) for y, _ in inst.rules.pool_per_year]

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        n = inst.years.index(rule.year)
        return [_row([(i, it.pool_investment[n]) for i, it in enumerate(inst.items)], -INF,
                     inst.pool_year_amount(rule.year))]

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, pool_per_year=tuple((y, v) for y, v in rules.pool_per_year if y != rule.year))

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"puljen i {rule.year} ({fmt.mio_exact(inst.pool_year_amount(rule.year))})"


class PoolTotal(RuleKind):
    kind = "pool_total"
    pareto_exact = True  # the frontier's own resource

    def groups(self, inst: Instance) -> list[Rule]:
        return [Rule("pool_total")] if inst.rules.pool_total is not None else []

    def rows(self, inst: Instance, rule: Rule) -> list[Row]:
        cap = inst.rules.pool_total
        if cap is None:
            return []
        return [_row([(i, it.pool_total) for i, it in enumerate(inst.items)], -INF, cap)]

    def without(self, rules: Rules, rule: Rule) -> Rules:
        return replace(rules, pool_total=None)

    def label(self, inst: Instance, rule: Rule) -> str:
        return f"puljen i alt ({fmt.mio_exact(inst.rules.pool_total or 0.0)})"


KINDS: tuple[RuleKind, ...] = (ForceIn(), Pinned(), Dependency(), ForceOut(), RiskyShare(), MaxPayback(), MaxRisk(),
                               PoolYear(), PoolTotal())
BY_KIND: dict[str, RuleKind] = {k.kind: k for k in KINDS}


def active_rules(inst: Instance) -> tuple[Rule, ...]:
    """Every active rule group of the instance, in the registry's order."""
    return tuple(rule for kind in KINDS for rule in kind.groups(inst))


def excluded_by(inst: Instance, rule: Rule) -> frozenset[int]:
    """Items a rule group fixes to 0 (empty for rules that are rows only)."""
    return BY_KIND[rule.kind].excluded(inst, rule)


def rows_of(inst: Instance, rule: Rule) -> list[Row]:
    return BY_KIND[rule.kind].rows(inst, rule)


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


def not_pareto_exact(inst: Instance) -> list[Rule]:
    """The active groups under which the frontier's Pareto programme is not exact by itself."""
    return [r for r in active_rules(inst) if not BY_KIND[r.kind].pareto_exact]
