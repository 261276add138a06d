"""The negotiation: the parties' positions, the common ground, the price of each demand and of
each party, and the smallest concessions that make an agreement possible.

Mathematics
-----------
Each party's demands (`scenario.Party`: must-have proposals, no-go proposals, a pool cap, savings
targets) are rule groups of the instance (`optimiser.rules.PARTY_KINDS`), next to the scenario's
own rules R₀. With D the set of all demands and z*(S) the proven optimum under the rules S (the
maximised value; None when no portfolio satisfies S):

* the **common ground** is the optimum under R₀ ∪ D, with the same key figures as any scenario;
* the **price of a demand** d is z*(R₀ ∪ D \\ {d}) − z*(R₀ ∪ D): what the objective gains if that
  demand alone were dropped (≥ 0, since a rule less never hurts);
* the **price of a party** P is z*(R₀ ∪ D \\ D_P) − z*(R₀ ∪ D), D_P its demands;
* when R₀ ∪ D is infeasible, the **concessions** are the minimal correction sets of D alone (R₀ is
  not negotiated): sets C ⊆ D such that R₀ ∪ D \\ C is feasible and no proper subset of C is one,
  found and verified as the repairs are (`optimiser.repairs.find_repairs(only=…)`), with a pool cap
  raised and a savings target lowered to its least sufficient value instead of dropped. Each is
  verified by solving, with the objective and portfolio it gives.

Prices and objectives are reported as the objective is (`ObjectiveSpec.reported`): savings
positive, and for min_pool the pool investment itself, so a price is then the pool a demand costs
with the opposite sign (dropping a demand lowers the pool needed: a negative price).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import fmt
from .model import DataSet
from .optimiser import (
    Instance,
    InstanceCache,
    Result,
    Rule,
    build_instance,
    find_repairs,
    solve,
    solve_model,
)
from .optimiser.instance import Status
from .optimiser.rules import PARTY_KINDS, parties_json, release, rule_label
from .scenario import Scenario


@dataclass(frozen=True)
class DemandPrice:
    """What the objective gains if one party's demand were dropped (a proven optimum each)."""

    party: str
    demand: str  # "must:BU09", "never:TV01", "max_pool", "savings_target:2021:maaltal:Socialudvalget"
    label: str  # the demand in Danish ("at parti A kræver BU09 med")
    delta: float | None  # reported objective without the demand minus with all (None: either has no optimum)
    objective_after: float | None  # reported objective without the demand
    status: Status  # of the optimisation without the demand
    selected_after: tuple[tuple[str, str | None], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "demand": self.demand, "delta": fmt.json_number(self.delta),
                "label": self.label, "objective_after": fmt.json_number(self.objective_after),
                "status": self.status, "selected_after": [{"key": k, "variant": v} for k, v in self.selected_after]}


@dataclass(frozen=True)
class Concession:
    """A verified smallest set of concessions that makes an agreement possible."""

    text: str  # "Parti A opgiver HA02"
    parties: tuple[str, ...]  # the parties that concede
    positions_patch: dict[str, dict[str, Any]]  # party -> the position fields to replace
    objective: float  # the agreement's reported objective
    selected: tuple[tuple[str, str | None], ...]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "parties": list(self.parties), "positions_patch": self.positions_patch,
                "objective": fmt.json_number(self.objective),
                "selected": [{"key": k, "variant": v} for k, v in self.selected]}


@dataclass(frozen=True)
class Negotiation:
    result: Result  # the common ground
    parties: tuple[str, ...]
    price_of_party: dict[str, float | None]
    price_of_demand: tuple[DemandPrice, ...]
    concessions: tuple[Concession, ...]
    clashing: tuple[tuple[str, ...], ...]  # per conflict of the common ground: the parties whose demands are in it
    minimised: bool = False  # min_pool: objectives are pool investments
    unit: str = field(default="")

    @property
    def objective(self) -> float | None:
        return self.result.reported_objective

    @property
    def summary(self) -> str | None:
        """'Hvis parti A opgiver HA02 eller parti B accepterer TV01, findes der en aftale; den bedste
        sparer 185,0 mio. kr.' (None when the demands do not conflict or nothing was found)."""
        if not self.concessions:
            return None
        options = " eller ".join(c.text[:1].lower() + c.text[1:] for c in self.concessions)
        if self.minimised:
            best = min(c.objective for c in self.concessions)
            tail = f"den billigste bruger {fmt.mio(best, 1)} af puljerne"
        else:
            best = max(c.objective for c in self.concessions)
            tail = f"den bedste sparer {fmt.mio(best, 1)}" if best >= 0 else (
                f"den bedste koster {fmt.mio(-best, 1)} netto")
        return f"Hvis {options}, findes der en aftale; {tail}".rstrip(".") + "."

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``negotiate --json`` document: the contract's fields first, then extras."""
        return {
            "status": self.result.status,
            "objective": fmt.json_number(self.objective),
            "selected": [{"key": k, "variant": v} for k, v in self.result.selected],
            "price_of_party": {p: fmt.json_number(v) for p, v in self.price_of_party.items()},
            "price_of_demand": [d.to_json() for d in self.price_of_demand],
            "concessions": [c.to_json() for c in self.concessions],
            "summary": self.summary,
            "clashing": [list(c) for c in self.clashing],
            "explanation": self.result.explanation,
            "unit": self.unit,
        }


def demand_id(rule: Rule) -> str:
    """A demand as the JSON names it: "must:BU09", "never:TV01", "max_pool",
    "savings_target:2021:maaltal" or "savings_target:2021:varig:Socialudvalget"."""
    if rule.kind == "party_must":
        return f"must:{rule.key}"
    if rule.kind == "party_never":
        return f"never:{rule.key}"
    if rule.kind == "party_max_pool":
        return "max_pool"
    measure, _, udvalg = rule.key.partition(":")
    return f"savings_target:{rule.year}:{measure}" + (f":{udvalg}" if udvalg else "")


def is_demand(rule: Rule) -> bool:
    return rule.kind in PARTY_KINDS


def _optimum(inst: Instance, solver: str, time_limit: float) -> tuple[Status, float | None, tuple[int, ...] | None]:
    raw = solve_model(inst, solver=solver, time_limit=time_limit)
    if raw.status != "optimal" or raw.chosen is None:
        return raw.status, None, None
    return raw.status, sum(inst.values[i] for i in raw.chosen), raw.chosen


def _changed_positions(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    before = {p["name"]: p for p in old}
    out: dict[str, dict[str, Any]] = {}
    for p in new:
        diff = {k: v for k, v in p.items() if k != "name" and before.get(p["name"], {}).get(k) != v}
        if diff:
            out[p["name"]] = diff
    return out


def negotiate_instance(inst: Instance, *, solver: str = "highs", time_limit: float = 10.0,
                       max_concessions: int = 5, budget: float = 10.0) -> Negotiation:
    """The negotiation on an instance whose `Rules.parties` hold the parties' demands."""
    res = solve(inst, solver=solver, time_limit=time_limit)
    rep = inst.objective.reported
    demands = [r for r in inst.all_rules() if is_demand(r)]
    now = res.objective

    def priced(rules_without: Sequence[Rule]) -> tuple[Status, float | None, float | None, tuple[int, ...] | None]:
        trial = replace(inst, rules=release(inst.rules, rules_without))
        status, value, chosen = _optimum(trial, solver, time_limit)
        delta = None if value is None or now is None else rep(value) - rep(now)  # type: ignore[operator]
        return status, value, delta, chosen

    prices = []
    for rule in demands:
        status, value, delta, chosen = priced([rule])
        prices.append(DemandPrice(
            party=rule.other, demand=demand_id(rule), label=rule_label(inst, rule), delta=delta,
            objective_after=rep(value), status=status,
            selected_after=inst.selection(sorted(chosen or ()))))
    names = tuple(p.name for p in inst.rules.parties)
    by_party: dict[str, float | None] = {}
    for name in names:
        own = [r for r in demands if r.other == name]
        by_party[name] = priced(own)[2] if own else (0.0 if now is not None else None)
    concessions: list[Concession] = []
    clashing: tuple[tuple[str, ...], ...] = ()
    if res.status == "infeasible":
        clashing = tuple(dict.fromkeys(tuple(sorted({r.other for r in c.rules if is_demand(r)}))
                                       for c in res.conflicts))
        old = parties_json(inst.rules)
        for r in find_repairs(inst, k=max_concessions, solver=solver, time_limit=time_limit, budget=budget,
                              only=is_demand):
            patch = _changed_positions(old, r.scenario_patch.get("parties", old))
            concessions.append(Concession(
                text=r.text, parties=tuple(dict.fromkeys(x.other for x in r.rules)), positions_patch=patch,
                objective=rep(r.objective), selected=r.selected))  # type: ignore[arg-type]
    return Negotiation(result=res, parties=names, price_of_party=by_party, price_of_demand=tuple(prices),
                       concessions=tuple(concessions), clashing=clashing, minimised=inst.objective.minimised,
                       unit=inst.unit)


def negotiate(ds: DataSet, scenario: Scenario, *, cache: InstanceCache | None = None) -> Negotiation:
    """The negotiation of a scenario's parties (`Scenario.parties`); ScenarioError for a scenario
    that does not fit the data."""
    inst = build_instance(ds, scenario, cache)
    return negotiate_instance(inst, solver=scenario.solver, time_limit=scenario.time_limit)


def positions_scenario(data: Any) -> Scenario:
    """The scenario of a positions file, ``{"scenario": {…}, "parties": [{…}]}`` (both optional;
    the file's parties replace any in its scenario). Raises ScenarioError in Danish."""
    from .scenario import ScenarioError  # noqa: PLC0415

    if not isinstance(data, dict):
        raise ScenarioError("Positionsfilen skal være et JSON-objekt med 'scenario' og 'parties'")
    unknown = sorted(set(data) - {"scenario", "parties"})
    if unknown:
        raise ScenarioError(f"Positionsfilen har ukendte felter: {', '.join(map(str, unknown))} "
                            "(brug 'scenario' og 'parties')")
    base = data.get("scenario") or {}
    if not isinstance(base, dict):
        raise ScenarioError("'scenario' i positionsfilen skal være et JSON-objekt")
    merged = {**base, **({"parties": data["parties"]} if "parties" in data else {})}
    return Scenario.from_json(merged)

