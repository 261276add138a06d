"""Why no portfolio satisfies the rules, found by computation and told in plain Danish.

Every rule of a scenario is a removable group (the pool in total, the pool in each year, the
highest risk, the payback limit, the risky share, each forced-in or forced-out proposal, each
dependency, each pinned variant). A deletion filter finds a minimal conflicting set: a group is
dropped when the others are still infeasible, so every group left is needed for the conflict.
After one conflict is found its rules (not the forced-in proposals) are set aside and the search
repeats, so independent conflicts are reported too.

Each conflict is then phrased with its numbers, computed by solving small auxiliary models
(e.g. the least pool the forced proposals need, given the conflict's other rules). Amounts are
said as people say them, in mio. kr. with the unit: an amount the user set with every decimal it
has ("puljen i alt (5,0 mio. kr.)", `mio_exact`), an amount that is needed rounded up, never
below what is needed ("kræver mindst 29,15 mio. kr.", `mio_at_least`), other computed amounts to
2 decimals. Internally and in JSON numbers amounts stay in 1.000 kr.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from .instance import Instance, Item
from .milp import solve_model
from .result import Conflict
from .rules import BY_KIND, PHRASE_ORDER, RISKY_FROM, Rule, join_names, rule_label

_EPS = 1e-7


def pl_text(inst: Instance) -> str:
    return f"{inst.base_year} p/l"


class Oracle:
    """Feasibility checks and minimisations on one instance (or a variant of it with other
    rules, `inst=`), within a time budget."""

    def __init__(self, inst: Instance, solver: str, time_limit: float, budget: float) -> None:
        self.inst = inst
        self.solver = solver
        self.time_limit = time_limit
        self.deadline = time.perf_counter() + budget
        self.zero = (0.0,) * len(inst.items)

    def _limit(self) -> float:
        return max(0.05, min(self.time_limit, self.deadline - time.perf_counter()))

    @property
    def out_of_time(self) -> bool:
        return time.perf_counter() > self.deadline

    def infeasible(self, rules: Sequence[Rule], inst: Instance | None = None) -> bool | None:
        """True / False, or None when the solver ran out of time."""
        raw = solve_model(inst or self.inst, rules, self.zero, solver=self.solver, time_limit=self._limit())
        if raw.status == "infeasible":
            return True
        if raw.chosen is not None:
            return False
        return None

    def minimum(self, rules: Sequence[Rule], coefs: Sequence[float],
                inst: Instance | None = None) -> tuple[float, tuple[int, ...]] | None:
        """The least value of Σ coefs·x under `rules` (proven optimal) and a minimiser, or None."""
        raw = solve_model(inst or self.inst, rules, coefs, maximise=False, solver=self.solver,
                          time_limit=self._limit())
        if raw.status != "optimal" or raw.chosen is None:
            return None
        return sum(coefs[i] for i in raw.chosen), raw.chosen

    def least(self, inst: Instance, coefs: Sequence[float]) -> float | None:
        """The least value of Σ coefs·x under all of `inst`'s rules, or None."""
        found = self.minimum(inst.all_rules(), coefs, inst)
        return None if found is None else found[0]


def minimal_conflict(rules: Sequence[Rule], infeasible: Callable[[Sequence[Rule]], bool | None]) -> list[Rule]:
    """A deletion filter (in shrinking chunks): the rules left are infeasible together, and
    removing any one of them makes the rest feasible. `rules` must be infeasible."""
    s = list(rules)
    chunk = max(1, len(s) // 2)
    while True:
        i = 0
        while i < len(s):
            trial = s[:i] + s[i + chunk:]
            if infeasible(trial) is True:
                s = trial
            else:
                i += chunk
        if chunk == 1:
            return s
        chunk = max(1, chunk // 2)


def explain_infeasible(inst: Instance, *, solver: str = "highs", time_limit: float = 10.0,
                       max_conflicts: int = 3) -> tuple[Conflict, ...]:
    """Minimal conflicting sets of rules of an infeasible instance, each phrased in Danish."""
    oracle = Oracle(inst, solver, time_limit, budget=max(2.0, 2 * time_limit))
    every = list(inst.all_rules())
    working = list(every)
    conflicts: list[Conflict] = []
    while len(conflicts) < max_conflicts and not oracle.out_of_time:
        if conflicts and oracle.infeasible(working) is not True:
            break
        core = minimal_conflict(working, oracle.infeasible)
        if oracle.infeasible(core) is not True:  # out of time: no proven conflict
            break
        conflicts.append(_phrase(inst, core, every, oracle))
        relaxable = [r for r in core if r.kind != "force_in"]
        if not relaxable:
            break
        working = [r for r in working if r not in relaxable]
    return tuple(conflicts)


# --------------------------------------------------------------------------------------------
# Phrasing
# --------------------------------------------------------------------------------------------


def _must(core: Sequence[Rule]) -> tuple[list[str], dict[str, str]]:
    """The forced-in keys of a conflict and the keys they require through its dependencies
    (required key -> the key requiring it)."""
    forced = [r.key for r in core if r.kind == "force_in"]
    deps = [(r.key, r.other) for r in core if r.kind == "dependency"]
    via: dict[str, str] = {}
    must = set(forced)
    changed = True
    while changed:
        changed = False
        for a, b in deps:
            if a in must and b not in must:
                must.add(b)
                via[b] = a
                changed = True
    return forced, via


def _subject(inst: Instance, chosen: Sequence[int], use: Sequence[float], forced: set[str]) -> str:
    """'de tvungne forslag BU09 og TV01 sammen med HA06 (som HA08 kræver)' for the chosen items
    that use the resource."""
    users = [inst.items[i] for i in chosen if use[i] > _EPS]
    chosen_keys = {inst.items[i].key for i in chosen}
    f = [it for it in users if it.key in forced]
    others = [it for it in users if it.key not in forced]

    def name(it: Item) -> str:
        multi = len(inst.by_key[it.key]) > 1
        return it.label if multi else it.key

    if f:
        head = ("det tvungne forslag " if len(f) == 1 else "de tvungne forslag ") + join_names([name(it) for it in f])
    else:
        head = "de forslag, som reglerne kræver"
    required = []
    needed = []
    for it in others:
        by = [k for k in chosen_keys if it.key in _requires(inst, k)]
        if by:
            required.append(f"{name(it)} (som {join_names(sorted(by))} kræver)")
        else:
            needed.append(name(it))
    if required:
        head += " sammen med " + join_names(required)
    if needed:
        head += (" og " if required else " sammen med ") + join_names(needed) + (
            ", som skal med for at overholde de andre regler,")
    return head


def _requires(inst: Instance, key: str) -> tuple[str, ...]:
    idx = inst.by_key.get(key, ())
    return inst.items[idx[0]].requires if idx and inst.rules.dependencies else ()


class _Phrasing:
    """The conflict being worded, as the rule kinds' `conflict_sentences` use it (`rules.Phrasing`)."""

    def __init__(self, inst: Instance, core: list[Rule], every: list[Rule], oracle: Oracle) -> None:
        self.inst = inst
        self.core = core
        self.every = every
        self.oracle = oracle
        self.forced, self.via = _must(core)
        self.mentioned: set[str] = set()

    def context(self, rule: Rule) -> tuple[list[Rule], set[str]]:
        """The context for "the least X needed": the conflict's other rules, widened with every
        forced-in proposal, dependency and pinned variant when that stays feasible, so the amount
        covers all the proposals the user forced in (and the forced keys of that context)."""
        ctx = [x for x in self.core if x != rule]
        wide = ctx + [x for x in self.every if x.kind in ("force_in", "dependency", "pinned") and x not in ctx]
        if len(wide) > len(ctx) and self.oracle.infeasible(wide) is False:
            return wide, {x.key for x in wide if x.kind == "force_in"}
        return ctx, set(self.forced)

    def least(self, rule: Rule, coefs: Sequence[float]) -> tuple[float, tuple[int, ...], set[str]] | None:
        ctx, fset = self.context(rule)
        found = self.oracle.minimum(ctx, coefs)
        return None if found is None else (found[0], found[1], fset)

    def subject(self, chosen: Sequence[int], use: Sequence[float], forced: set[str]) -> str:
        return _subject(self.inst, chosen, use, forced)

    def _allowed(self, key: str, rule: Rule) -> list[int]:
        """Items of `key` that the conflict's other rules leave selectable."""
        out = set(self.inst.by_key.get(key, ()))
        for x in self.core:
            if x != rule:
                out -= self.inst.excluded_by(x)
        return sorted(out)

    def blocked(self, rule: Rule, bad: Callable[[Item], bool], say: Callable[[Item], str], generic: str) -> list[str]:
        """A sentence for each forced (or required) proposal that `rule` excludes whatever variant:
        "TV01 er tvunget med, men har risiko høj over …"; else `generic`."""
        out = []
        inst, forced = self.inst, set(self.forced)
        for key in [*self.forced, *self.via]:
            idx = self._allowed(key, rule) or list(inst.by_key.get(key, ()))
            if idx and all(bad(inst.items[i]) for i in idx):
                it = min((inst.items[i] for i in idx), key=lambda it: (it.risk, it.payback or 10**6))
                who = f"{key} er tvunget med, men" if key in forced else f"{key}, som {self.via[key]} kræver,"
                out.append(f"{who} {say(it)}.")
                self.mentioned.update({key, self.via.get(key, key)})
        return out or [generic]

    def least_risky_share(self, rule: Rule) -> tuple[float, float, float, tuple[int, ...]] | None:
        return _least_share(self.inst, [x for x in self.core if x != rule], self.oracle)


def _phrase(inst: Instance, core: list[Rule], every: list[Rule], oracle: Oracle) -> Conflict:
    """A conflict in words: each rule kind's `conflict_sentences`, the rules on an amount first in
    the conflict's order, then `rules.PHRASE_ORDER`."""
    ph = _Phrasing(inst, core, every, oracle)
    sentences: list[str] = []
    for rule in core:
        kind = BY_KIND[rule.kind]
        if kind.kind not in PHRASE_ORDER:
            sentences += kind.conflict_sentences(ph, [rule])
    for name in PHRASE_ORDER:
        group = [x for x in core if x.kind == name]
        if group:
            sentences += BY_KIND[name].conflict_sentences(ph, group)
    relax = tuple(rule_label(inst, x) for x in core)
    return Conflict(rules=tuple(core), sentences=tuple(sentences), relax=relax)


def _least_share(inst: Instance, rules: Sequence[Rule],
                 oracle: Oracle) -> tuple[float, float, float, tuple[int, ...]] | None:
    """The least share of risky pool investment, min Σ rᵢxᵢ / Σ tᵢxᵢ under `rules`, by Dinkelbach's
    method (minimise Σ (rᵢ − λtᵢ)xᵢ and set λ to the ratio found until the minimum reaches 0):
    (share, risky amount, total amount, chosen items), or None when no portfolio with a pool
    investment exists."""
    risky = [it.pool_total if it.risk >= RISKY_FROM else 0.0 for it in inst.items]
    total = [it.pool_total for it in inst.items]
    ratio = inst.rules.max_risky_share or 0.0
    best: tuple[float, float, float, tuple[int, ...]] | None = None
    for _ in range(20):
        found = oracle.minimum(rules, [a - ratio * b for a, b in zip(risky, total, strict=True)], inst)
        if found is None:
            break
        value, chosen = found
        if best is not None and value >= -1e-9:
            break
        rr = sum(risky[i] for i in chosen)
        tt = sum(total[i] for i in chosen)
        if tt <= _EPS:
            break
        ratio = rr / tt
        best = (ratio, rr, tt, chosen)
    return best


def least_risky_share(inst: Instance, oracle: Oracle) -> float | None:
    """The least risky share any portfolio satisfying all of `inst`'s rules has (see `_least_share`)."""
    best = _least_share(inst, inst.all_rules(), oracle)
    return None if best is None else best[0]
