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

from .. import fmt
from ..fmt import mio_at_least, mio_exact
from .instance import Instance, Item
from .milp import solve_model
from .result import Conflict
from .rules import BY_KIND, RISK_NAMES, RISKY_FROM, Rule, capitalised, join_names, rule_label

_EPS = 1e-7


# the kinds `_phrase` words itself; every other kind is worded by its own `conflict_text`
_OWN_WORDS = frozenset({"pool_total", "pool_year", "max_risk", "max_payback", "risky_share", "dependency", "pinned",
                        "force_out", "force_in"})


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


def _phrase(inst: Instance, core: list[Rule], every: list[Rule], oracle: Oracle) -> Conflict:
    r = inst.rules
    pl = pl_text(inst)
    forced, via = _must(core)
    forced_set = set(forced)
    mentioned: set[str] = set()
    sentences: list[str] = []
    kinds = {x.kind for x in core}

    # The context for "the least X needed": the conflict's other rules, widened with every
    # forced-in proposal, dependency and pinned variant when that stays feasible, so the amount
    # covers all the proposals the user forced in.
    def context(rule: Rule) -> tuple[list[Rule], set[str]]:
        ctx = [x for x in core if x != rule]
        wide = ctx + [x for x in every if x.kind in ("force_in", "dependency", "pinned") and x not in ctx]
        if len(wide) > len(ctx) and oracle.infeasible(wide) is False:
            return wide, {x.key for x in wide if x.kind == "force_in"}
        return ctx, forced_set

    def pool_sentence(rule: Rule) -> None:
        if rule.kind == "pool_total":
            use = [it.pool_total for it in inst.items]
            cap = r.pool_total or 0.0
        else:
            n = inst.years.index(rule.year)
            use = [it.pool_investment[n] for it in inst.items]
            cap = inst.pool_year_amount(rule.year)
        ctx, fset = context(rule)
        found = oracle.minimum(ctx, use)
        if found is None:
            where = "i alt" if rule.kind == "pool_total" else f"i {rule.year}"
            sentences.append(f"Puljen {where} ({mio_exact(cap)}) rækker ikke til de tvungne forslag.")
            mentioned.update(forced)
            return
        need, chosen = found
        who = _subject(inst, chosen, use, fset)
        mentioned.update(inst.items[i].key for i in chosen if use[i] > _EPS)
        if rule.kind == "pool_total":
            # the sentence ends with the unit's own full stop ("... 5,0 mio. kr.")
            sentences.append(f"{capitalised(who)} kræver mindst {mio_at_least(need)} ({pl}) af puljen, "
                             f"men puljen er {mio_exact(cap)}")
        else:
            sentences.append(f"Puljen i {rule.year} er {mio_exact(cap)}, men {who} kræver mindst "
                             f"{mio_at_least(need)} ({pl}) i {rule.year}.")

    def bound_sentence(rule: Rule) -> None:
        """A rule kind's own sentence (`RuleKind.conflict_text`) with the least (upper bound) or
        largest (lower bound) value of its amount under the conflict's other rules."""
        kind = BY_KIND[rule.kind]
        b = kind.bound(inst, rule)
        if b is None:
            sentences.append(kind.conflict_text(inst, rule, None, ""))
            return
        ctx, fset = context(rule)
        coefs = list(b.coefs) if b.upper else [-c for c in b.coefs]
        found = oracle.minimum(ctx, coefs)
        if found is None:
            sentences.append(kind.conflict_text(inst, rule, None, ""))
            mentioned.update(forced)
            return
        value, chosen = found
        who = _subject(inst, chosen, b.coefs, fset) if b.upper else ""
        if b.upper:
            mentioned.update(inst.items[i].key for i in chosen if b.coefs[i] > _EPS)
        sentences.append(kind.conflict_text(inst, rule, value if b.upper else -value, who))

    def allowed(key: str, rule: Rule) -> list[int]:
        """Items of `key` that the conflict's other rules leave selectable."""
        out = set(inst.by_key.get(key, ()))
        for x in core:
            if x != rule:
                out -= inst.excluded_by(x)
        return sorted(out)

    def limit_sentences(rule: Rule, bad: Callable[[Item], bool], say: Callable[[Item], str],
                        generic: str) -> None:
        hit = False
        for key in [*forced, *via]:
            idx = allowed(key, rule) or list(inst.by_key.get(key, ()))
            if idx and all(bad(inst.items[i]) for i in idx):
                it = min((inst.items[i] for i in idx), key=lambda it: (it.risk, it.payback or 10**6))
                who = f"{key} er tvunget med, men" if key in forced_set else f"{key}, som {via[key]} kræver,"
                sentences.append(f"{who} {say(it)}.")
                mentioned.update({key, via.get(key, key)})
                hit = True
        if not hit:
            sentences.append(generic)

    for rule in core:
        if rule.kind in ("pool_total", "pool_year"):
            pool_sentence(rule)
        elif rule.kind not in _OWN_WORDS:
            bound_sentence(rule)
    if "max_risk" in kinds:
        mx = RISK_NAMES[r.max_risk or 0]
        limit_sentences(Rule("max_risk"), lambda it: it.risk > (r.max_risk or 0),
                        lambda it: f"har risiko {it.risk_name} over den højeste tilladte ({mx})",
                        f"Den højeste tilladte risiko er {mx}, og den udelukker forslag, som de andre regler kræver.")
    if "max_payback" in kinds:
        lim = fmt.years_text(r.max_payback)

        def say_payback(it: Item) -> str:
            if it.payback is None:
                return f"tilbagebetaler ikke investeringen inden for sin tabel (grænsen er {lim})"
            return f"har en tilbagebetalingstid på {fmt.years_text(it.payback)}, over grænsen på {lim}"

        limit_sentences(Rule("max_payback"), lambda it: it.payback is None or it.payback > (r.max_payback or 0),
                        say_payback,
                        f"Tilbagebetalingsreglen ({lim}) udelukker forslag, som de andre regler kræver.")
    if "risky_share" in kinds:
        sentences.append(_risky_share_sentence(inst, core, oracle, forced_set, mentioned))
    for rule in core:
        if rule.kind != "dependency":
            continue
        a, b = rule.key, rule.other
        who = f"{a} er tvunget med og kræver" if a in forced_set else f"{a} kræver"
        if b not in inst.by_key:
            sentences.append(f"{who} {b}, som ikke er med i de valgte kataloger.")
        elif Rule("force_out", key=b) in core:
            sentences.append(f"{who} {b}, som er valgt fra.")
        elif b in mentioned:
            continue
        else:
            sentences.append(f"{who} {b}.")
        mentioned.update({a, b})
    for rule in core:
        if rule.kind == "pinned":
            sentences.append(f"{rule.key} er låst til varianten {rule.other}.")
            mentioned.add(rule.key)
    for rule in core:
        if rule.kind == "force_out" and rule.key not in mentioned:
            sentences.append(f"{rule.key} er tvunget fra.")
            mentioned.add(rule.key)
    loose = [k for k in forced if k not in mentioned]
    if loose:
        sentences.append(f"{join_names(loose)} {'er' if len(loose) == 1 else 'er alle'} tvunget med.")
    relax = tuple(rule_label(inst, x) for x in core)
    return Conflict(rules=tuple(core), sentences=tuple(sentences), relax=relax)


def _risky_share_sentence(inst: Instance, core: list[Rule], oracle: Oracle, forced: set[str],
                          mentioned: set[str]) -> str:
    r = inst.rules
    s = r.max_risky_share or 0.0
    head = f"Højst {fmt.pct(s)} af puljens investeringer må gå til forslag med middel eller høj risiko"
    ctx = [x for x in core if x.kind != "risky_share"]
    best = _least_share(inst, ctx, oracle)
    if best is None:
        mentioned.update(forced)
        return head + ", og det kan de tvungne forslag ikke overholde."
    ratio, rr, tt, chosen = best
    names = [f"{inst.items[i].key} ({inst.items[i].risk_name})" for i in chosen
             if inst.items[i].risk >= RISKY_FROM and inst.items[i].pool_total > _EPS]
    mentioned.update(inst.items[i].key for i in chosen)
    return (f"{head}, men med de tvungne forslag bliver andelen mindst {fmt.pct(ratio)} "
            f"({fmt.mio(rr, 2)} af {fmt.mio(tt, 2)}, {pl_text(inst)}); forslag med middel eller høj risiko: "
            f"{join_names(names)}.")


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
