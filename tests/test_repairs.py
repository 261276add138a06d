"""Repairs of infeasible scenarios, against exhaustive enumeration: every repair, applied, is
feasible and reaches the objective it states (the enumerated optimum under the changed rules),
and it is minimal: undoing any one of its changes is infeasible again, and a relaxed bound just
below its value is infeasible too. On the 2020 catalogue: the negotiator's case from the issue
(5 mio. kr. pool, TV01, TV02 and TV03 forced in), through the core and `optimise --json`."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from portfolio.optimiser import (
    RISK_NAMES,
    Instance,
    PartySpec,
    PoolSpec,
    Repair,
    Rules,
    TargetSpec,
    apply_patch,
    find_repairs,
    optimise,
)
from portfolio.scenario import Scenario
from tests.test_optimiser_properties import all_selections, feasible_mask, instances, value

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def patched(rules: Rules, patch: dict) -> Rules:
    """The rules after a scenario patch, read from the scenario fields' meaning (independently of
    portfolio.optimiser.repairs)."""
    out = rules
    if "force_in" in patch:
        out = replace(out, force_in=tuple(patch["force_in"]))
    if "force_out" in patch:
        out = replace(out, force_out=tuple(patch["force_out"]))
    if "variants" in patch:
        out = replace(out, pinned=tuple(sorted(patch["variants"].items())))
    if "dependencies" in patch:
        out = replace(out, dependencies=patch["dependencies"])
    if "max_risk" in patch:
        out = replace(out, max_risk=None if patch["max_risk"] is None else RISK_NAMES.index(patch["max_risk"]))
    if "max_payback_years" in patch:
        out = replace(out, max_payback=patch["max_payback_years"])
    if "max_risky_share" in patch:
        out = replace(out, max_risky_share=patch["max_risky_share"])
    if "pool" in patch:
        pool = patch["pool"] or {"total": None, "per_year": {}}
        out = replace(out, pool_total=None if pool["total"] is None else float(pool["total"]),
                      pool_per_year=tuple(sorted((int(y), float(v)) for y, v in pool["per_year"].items())))
    if "pools" in patch:
        out = replace(out, pools=tuple(
            PoolSpec(name=p["name"], covers=tuple(p["covers"]), total=None if p["total"] is None else float(p["total"]),
                     per_year=tuple(sorted((int(y), float(v)) for y, v in p["per_year"].items())))
            for p in patch["pools"]))
    if "savings_targets" in patch:
        out = replace(out, savings_targets=tuple(
            TargetSpec(year=t["year"], min=float(t["min"]), measure=t.get("measure", "maaltal"), udvalg=t.get("udvalg"))
            for t in patch["savings_targets"]))
    if "no_maaltal_increase" in patch:
        out = replace(out, no_maaltal_increase=patch["no_maaltal_increase"])
    if "self_financing_by" in patch:
        out = replace(out, self_financing_by=patch["self_financing_by"])
    if "parties" in patch:
        out = replace(out, parties=tuple(
            PartySpec(name=p["name"], colour=p.get("colour"), must=tuple(p["must"]), never=tuple(p["never"]),
                      max_pool=None if p["max_pool"] is None else float(p["max_pool"]),
                      savings_targets=tuple(TargetSpec(year=t["year"], min=float(t["min"]), measure=t["measure"],
                                                       udvalg=t["udvalg"]) for t in p["savings_targets"]))
            for p in patch["parties"]))
    return out


def _party_units(rules: Rules) -> dict[tuple[str, str, object], object]:
    """Every party demand: (party, what, which) -> its value."""
    out: dict[tuple[str, str, object], object] = {}
    for p in rules.parties:
        out |= {(p.name, "must", k): True for k in p.must} | {(p.name, "never", k): True for k in p.never}
        if p.max_pool is not None:
            out[(p.name, "max_pool", None)] = p.max_pool
        out |= {(p.name, "target", (t.year, t.measure, t.udvalg)): t for t in p.savings_targets}
    return out


def _with_party_unit(rules: Rules, unit: tuple[str, str, object], value: object) -> Rules:
    name, what, which = unit
    parties = []
    for p in rules.parties:
        if p.name == name:
            if what in ("must", "never"):
                keys = tuple(k for k in getattr(p, what) if k != which) + ((which,) if value is not None else ())
                p = replace(p, **{what: keys})
            elif what == "max_pool":
                p = replace(p, max_pool=value)
            else:
                ts = tuple(t for t in p.savings_targets if (t.year, t.measure, t.udvalg) != which)
                p = replace(p, savings_targets=ts + ((value,) if value is not None else ()))
        parties.append(p)
    return replace(rules, parties=tuple(parties))


def _pool_map(rules: Rules) -> dict[tuple[str, int | None], float | None]:
    """Every named pool's total (year None) and yearly amounts."""
    out: dict[tuple[str, int | None], float | None] = {}
    for p in rules.pools:
        out[(p.name, None)] = p.total
        out |= {(p.name, y): a for y, a in p.per_year}
    return out


def _with_pool_amount(rules: Rules, name: str, year: int | None, amount: float | None) -> Rules:
    pools = []
    for p in rules.pools:
        if p.name == name:
            if year is None:
                p = replace(p, total=amount)
            else:
                years = {y: a for y, a in p.per_year if y != year} | ({} if amount is None else {year: amount})
                p = replace(p, per_year=tuple(sorted(years.items())))
        pools.append(p)
    return replace(rules, pools=tuple(pools))


def _targets(rules: Rules) -> dict[tuple[int, str, str | None], TargetSpec]:
    return {(t.year, t.measure, t.udvalg): t for t in rules.savings_targets}


def _with_target(rules: Rules, key: tuple[int, str, str | None], t: TargetSpec | None) -> Rules:
    ts = {k: v for k, v in _targets(rules).items() if k != key} | ({} if t is None else {key: t})
    return replace(rules, savings_targets=tuple(ts.values()))


def enum_optimum(inst: Instance) -> float | None:
    X = all_selections(inst)
    ok = feasible_mask(inst, X)
    if not ok.any():
        return None
    vals = np.array([value(it, inst.objective) for it in inst.items])
    return float((X[ok] @ vals).max())


def feasible(inst: Instance, rules: Rules) -> bool:
    return enum_optimum(replace(inst, rules=rules)) is not None


def undo_one(old: Rules, new: Rules) -> list[tuple[str, Rules]]:
    """Each single change of a repair undone (the others kept)."""
    out: list[tuple[str, Rules]] = []
    for k in old.force_in:
        if k not in new.force_in:
            out.append((f"force_in {k}", replace(new, force_in=(*new.force_in, k))))
    for k in old.force_out:
        if k not in new.force_out:
            out.append((f"force_out {k}", replace(new, force_out=(*new.force_out, k))))
    for kv in old.pinned:
        if kv not in new.pinned:
            out.append((f"pinned {kv}", replace(new, pinned=tuple(sorted((*new.pinned, kv))))))
    if old.dependencies and not new.dependencies:
        out.append(("dependencies", replace(new, dependencies=True)))
    for field in ("max_risk", "max_payback", "max_risky_share", "pool_total"):
        if getattr(old, field) != getattr(new, field):
            out.append((field, replace(new, **{field: getattr(old, field)})))
    new_years = dict(new.pool_per_year)
    for y, v in old.pool_per_year:
        if new_years.get(y) != v:
            out.append((f"pool {y}", replace(new, pool_per_year=tuple(sorted({**new_years, y: v}.items())))))
    new_pools = _pool_map(new)
    for (name, y), v in _pool_map(old).items():
        if v is not None and new_pools.get((name, y)) != v:
            out.append((f"pool {name} {y}", _with_pool_amount(new, name, y, v)))
    new_targets = _targets(new)
    for key, t in _targets(old).items():
        if new_targets.get(key) != t:
            out.append((f"target {key}", _with_target(new, key, t)))
    if old.no_maaltal_increase and not new.no_maaltal_increase:
        out.append(("no_maaltal_increase", replace(new, no_maaltal_increase=True)))
    if old.self_financing_by != new.self_financing_by:
        out.append(("self_financing_by", replace(new, self_financing_by=old.self_financing_by)))
    new_units = _party_units(new)
    for unit, v in _party_units(old).items():
        if new_units.get(unit) != v:
            out.append((f"party {unit}", _with_party_unit(new, unit, v)))
    return out


def just_below(old: Rules, new: Rules) -> list[tuple[str, Rules]]:
    """Each relaxed bound set just below its new value."""
    out: list[tuple[str, Rules]] = []
    if new.pool_total is not None and new.pool_total != old.pool_total:
        out.append(("pool_total", replace(new, pool_total=new.pool_total - 1e-3)))
    for y, v in new.pool_per_year:
        if dict(old.pool_per_year).get(y) != v:
            out.append((f"pool {y}", replace(new, pool_per_year=tuple(
                sorted({**dict(new.pool_per_year), y: v - 1e-3}.items())))))
    if new.max_risk is not None and new.max_risk != old.max_risk and new.max_risk > 0:
        out.append(("max_risk", replace(new, max_risk=new.max_risk - 1)))
    if new.max_risky_share is not None and new.max_risky_share != old.max_risky_share:
        out.append(("risky_share", replace(new, max_risky_share=new.max_risky_share - 1e-4 - 1e-9)))
    old_pools = _pool_map(old)
    for (name, y), v in _pool_map(new).items():
        if v is not None and old_pools.get((name, y)) != v:
            out.append((f"pool {name} {y}", _with_pool_amount(new, name, y, v - 1e-3)))
    old_targets = _targets(old)
    for key, t in _targets(new).items():
        if old_targets.get(key) != t:  # a lowered target just above its new value
            out.append((f"target {key}", _with_target(new, key, replace(t, min=t.min + 1e-3))))
    old_units = _party_units(old)
    for unit, v in _party_units(new).items():
        if old_units.get(unit) != v and unit[1] == "max_pool":
            out.append((f"party {unit}", _with_party_unit(new, unit, v - 1e-3)))
        elif old_units.get(unit) != v and unit[1] == "target":
            out.append((f"party {unit}", _with_party_unit(new, unit, replace(v, min=v.min + 1e-3))))
    if (new.self_financing_by is not None and new.self_financing_by != old.self_financing_by
            and new.self_financing_by - 1 > (old.self_financing_by or 0)):  # a year earlier, still later than asked
        out.append(("self_financing_by", replace(new, self_financing_by=new.self_financing_by - 1)))
    return out


def check_repair(inst: Instance, rep: Repair) -> None:
    new = patched(inst.rules, rep.scenario_patch)
    assert new != inst.rules
    best = enum_optimum(replace(inst, rules=new))
    assert best is not None, f"not feasible: {rep}"
    assert rep.objective == pytest.approx(best, abs=1e-6)
    for what, rules in undo_one(inst.rules, new):
        assert not feasible(inst, rules), f"{rep.text}: still feasible with {what} undone"
    for what, rules in just_below(inst.rules, new):
        assert not feasible(inst, rules), f"{rep.text}: {what} just below its value is feasible"
    # the portfolio shown is an optimum under the changed rules
    trial = replace(inst, rules=new)
    chosen = {(k, v) for k, v in rep.selected}
    idx = [i for i, it in enumerate(trial.items) if (it.key, it.variant) in chosen]
    assert len(idx) == len(chosen)
    X = np.zeros((1, len(trial.items)))
    X[0, idx] = 1
    assert feasible_mask(trial, X)[0]
    assert sum(value(trial.items[i], trial.objective) for i in idx) == pytest.approx(best, abs=1e-6)


@SETTINGS
@given(instances())
def test_repairs_are_feasible_optimal_and_minimal(inst):
    assume(enum_optimum(inst) is None)
    repairs = find_repairs(inst, k=5, budget=20.0)
    assert repairs, "an infeasible instance always has a repair"
    for rep in repairs:
        check_repair(inst, rep)
    patches = [json.dumps(r.scenario_patch, sort_keys=True) for r in repairs]
    assert len(set(patches)) == len(patches)
    # sorted by the number of scenario fields changed, then of rules changed (find_repairs' key; a
    # dependency group is several rules but one field)
    order = [(len(r.scenario_patch), len(r.rules)) for r in repairs]
    assert order == sorted(order)


@SETTINGS
@given(instances())
def test_feasible_instances_need_no_repair(inst):
    assume(enum_optimum(inst) is not None)
    assert find_repairs(inst) == ()


# --- the 2020 catalogue ------------------------------------------------------------------------

CASE = {"pool": {"total": 5000}, "force_in": ["TV01", "TV02", "TV03"]}


def test_the_negotiators_case_gets_three_verified_repairs(ds):
    sc = Scenario.from_json(CASE)
    res = optimise(ds, sc)
    assert res.status == "infeasible"
    texts = [r.text for r in res.repairs]
    # amounts in mio. kr. with the unit: the pool as set (5,0), the least sufficient pool rounded up
    assert texts[0] == "Hæv puljen i alt fra 5,0 mio. kr. til 36,3 mio. kr."
    assert res.repairs[0].scenario_patch == {"pool": {"total": 36300, "per_year": {}}}
    assert {t for t in texts[1:]} == {"Frigiv TV01 og TV02 (lad optimeringen vælge)",
                                      "Frigiv TV01 og TV03 (lad optimeringen vælge)"}
    for rep in res.repairs:  # each patch, applied to the scenario, gives an optimal portfolio
        fixed = optimise(ds, Scenario.from_json(apply_patch(sc.to_json(), rep.scenario_patch)))
        assert fixed.status == "optimal"
        assert fixed.objective == pytest.approx(rep.objective)
        assert fixed.selected == rep.selected
    # 36.300 is the least pool: 36.299 is still infeasible
    less = optimise(ds, Scenario.from_json({**CASE, "pool": {"total": 36299}}), explain=False)
    assert less.status == "infeasible"
    assert "afprøvet og giver en løsning" in res.explanation and "36,3 mio. kr." in res.explanation


def test_optimise_json_carries_the_repairs(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(CASE), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--scenario", str(f), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["status"] == "infeasible"
    assert len(out["repairs"]) == 3
    for rep in out["repairs"]:
        assert set(rep) >= {"text", "scenario_patch", "objective"}
        patched_file = tmp_path / "p.json"
        patched_file.write_text(json.dumps({**CASE, **rep["scenario_patch"]}), encoding="utf-8")
        again = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--scenario", str(patched_file),
                                "--json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
        fixed = json.loads(again.stdout)
        assert fixed["status"] == "optimal"
        assert fixed["objective"] == rep["objective"]


def test_bounded_rules_are_relaxed_to_their_least_value(ds):
    # BU01 (risiko middel, tilbagebetaling 3 år) forced in under "lav" and a 2-year payback limit:
    # one repair releases BU01, another raises both limits just enough (middel, 3 år)
    sc = Scenario.from_json({"force_in": ["BU01"], "max_risk": "lav", "max_payback_years": 2})
    res = optimise(ds, sc)
    assert res.status == "infeasible"
    patches = [r.scenario_patch for r in res.repairs]
    assert {"force_in": []} in patches
    assert {"max_risk": "middel", "max_payback_years": 3} in patches
    text = next(r.text for r in res.repairs if "max_risk" in r.scenario_patch)
    assert text == "Tillad risiko op til middel og tillad tilbagebetalingstid op til 3 år"
