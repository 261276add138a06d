"""The negotiation (portfolio/negotiation.py) against exhaustive enumeration, and its CLI contract.

On random small instances with one or two parties at the table: the common ground is the
enumerated optimum with every demand applied; the price of each demand and of each party is the
difference of two enumerations; every concession, applied to the positions, is feasible with the
optimum it states, and it is minimal: undoing any one of its changes (or a relaxed cap or target
just past its new value) is infeasible again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portfolio.data import load_dataset
from portfolio.negotiation import negotiate, negotiate_instance
from portfolio.optimiser import Instance, PartySpec, Rules, TargetSpec, optimise
from portfolio.scenario import Scenario, ScenarioError
from tests.test_optimiser_properties import (
    all_selections,
    expected_rules,
    feasible_mask,
    instances,
    party_rules,
    value,
)
from tests.test_repairs import _party_units, _with_party_unit

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                              HealthCheck.filter_too_much])


@st.composite
def negotiations(draw: st.DrawFn) -> Instance:
    inst = draw(instances())
    keys = list(inst.by_key)
    parties = party_rules(draw, inst.years, keys)
    assume(parties)
    if draw(st.booleans()):  # the parties alone at the table (more feasible common grounds to price)
        return replace(inst, rules=Rules(dependencies=inst.rules.dependencies, parties=parties))
    return replace(inst, rules=replace(inst.rules, parties=parties))


def reported_optimum(inst: Instance) -> float | None:
    """The enumerated optimum under the rules as the test reads them, reported as the objective is."""
    X = all_selections(inst)
    ok = feasible_mask(inst, X, expected_rules(inst))
    if not ok.any():
        return None
    best = float((X[ok] @ np.array([value(it, inst.objective) for it in inst.items])).max())
    return -best if inst.objective.kind == "min_pool" else best


def without_demand(rules: Rules, party: str, demand: str) -> Rules:
    """The rules without one demand, from its JSON name (independently of the rule kinds)."""
    what, _, rest = demand.partition(":")
    out = []
    for p in rules.parties:
        if p.name == party:
            if what in ("must", "never"):
                p = replace(p, **{what: tuple(k for k in getattr(p, what) if k != rest)})
            elif what == "max_pool":
                p = replace(p, max_pool=None)
            else:
                year, _, tail = rest.partition(":")
                measure, _, udvalg = tail.partition(":")
                p = replace(p, savings_targets=tuple(t for t in p.savings_targets if (t.year, t.measure, t.udvalg or "")
                                                     != (int(year), measure, udvalg)))
        out.append(p)
    return replace(rules, parties=tuple(out))


def patched(rules: Rules, patch: dict) -> Rules:
    """The rules after a concession's positions_patch ({party: {field: value}})."""
    out = []
    for p in rules.parties:
        change = patch.get(p.name, {})
        if "must" in change:
            p = replace(p, must=tuple(change["must"]))
        if "never" in change:
            p = replace(p, never=tuple(change["never"]))
        if "max_pool" in change:
            p = replace(p, max_pool=None if change["max_pool"] is None else float(change["max_pool"]))
        if "savings_targets" in change:
            p = replace(p, savings_targets=tuple(TargetSpec(year=t["year"], min=float(t["min"]), measure=t["measure"],
                                                            udvalg=t["udvalg"]) for t in change["savings_targets"]))
        out.append(p)
    return replace(rules, parties=tuple(out))


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b)))


@SETTINGS
@given(negotiations())
def test_common_ground_and_prices_equal_enumeration(inst):
    neg = negotiate_instance(inst)
    now = reported_optimum(inst)
    assert close(neg.objective, now)
    assert neg.result.status == ("infeasible" if now is None else "optimal")
    for d in neg.price_of_demand:
        after = reported_optimum(replace(inst, rules=without_demand(inst.rules, d.party, d.demand)))
        assert close(d.objective_after, after), d
        assert close(d.delta, None if after is None or now is None else after - now), d
    for p in inst.rules.parties:
        rules = inst.rules
        for name in [f"must:{k}" for k in p.must] + [f"never:{k}" for k in p.never]:
            rules = without_demand(rules, p.name, name)
        rules = without_demand(rules, p.name, "max_pool")
        rules = replace(rules, parties=tuple(replace(q, savings_targets=()) if q.name == p.name else q
                                             for q in rules.parties))
        after = reported_optimum(replace(inst, rules=rules))
        assert close(neg.price_of_party[p.name], None if after is None or now is None else after - now), p.name
    if now is not None:
        assert neg.concessions == () and neg.summary is None


@SETTINGS
@given(negotiations())
def test_concessions_are_feasible_and_minimal(inst):
    assume(reported_optimum(inst) is None)
    hard = replace(inst.rules, parties=tuple(PartySpec(name=p.name) for p in inst.rules.parties))
    neg = negotiate_instance(inst, budget=20.0)
    if reported_optimum(replace(inst, rules=hard)) is None:
        assert neg.concessions == ()  # the scenario's own rules admit nothing: no concession helps
        return
    assert neg.concessions, "conflicting demands always have a concession"
    for c in neg.concessions:
        new = patched(inst.rules, c.positions_patch)
        assert new != inst.rules
        assert set(c.parties) == set(c.positions_patch)
        best = reported_optimum(replace(inst, rules=new))
        assert best is not None and close(c.objective, best), c
        old_units, new_units = _party_units(inst.rules), _party_units(new)
        for unit, v in old_units.items():
            if new_units.get(unit) != v:  # undo this one change: infeasible again
                assert reported_optimum(replace(inst, rules=_with_party_unit(new, unit, v))) is None, (c.text, unit)
        for unit, v in new_units.items():
            if old_units.get(unit) != v and unit[1] == "max_pool":
                assert reported_optimum(replace(inst, rules=_with_party_unit(new, unit, v - 1e-3))) is None
            if old_units.get(unit) != v and unit[1] == "target":
                assert reported_optimum(replace(inst, rules=_with_party_unit(
                    new, unit, replace(v, min=v.min + 1e-3)))) is None
    assert neg.summary and neg.summary.startswith("Hvis ") and "findes der en aftale" in neg.summary


# --- the 2020 catalogue and the CLI ----------------------------------------------------------------

POSITIONS = {"scenario": {"pool": {"total": 20000}},
             "parties": [{"name": "A", "must": ["BU09", "TV01"], "never": ["HA02"], "max_pool": 20000,
                          "savings_targets": [{"year": 2021, "min": 5000}]},
                         {"name": "B", "must": ["HA02"], "never": ["TV01"]}]}


def run_cli(tmp_path: Path, positions: dict, *args: str) -> subprocess.CompletedProcess:
    f = tmp_path / "positions.json"
    f.write_text(json.dumps(positions, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "portfolio", "negotiate", "--positions", str(f), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_contract_on_the_catalogue(tmp_path):
    out = run_cli(tmp_path, POSITIONS, "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc)[:6] == ["status", "objective", "selected", "price_of_party", "price_of_demand", "concessions"]
    assert doc["status"] == "infeasible" and doc["objective"] is None and doc["selected"] == []
    assert doc["price_of_party"] == {"A": None, "B": None}
    assert [(d["party"], d["demand"]) for d in doc["price_of_demand"]] == [
        ("A", "must:BU09"), ("A", "must:TV01"), ("B", "must:HA02"), ("A", "never:HA02"), ("B", "never:TV01"),
        ("A", "savings_target:2021:maaltal"), ("A", "max_pool")]
    assert {c["text"] for c in doc["concessions"]} == {"Parti A opgiver TV01 og parti B opgiver HA02",
                                                       "Parti A opgiver TV01 og parti A accepterer HA02"}
    assert doc["clashing"] == [["A"], ["A", "B"]]
    for c in doc["concessions"]:
        assert set(c) >= {"text", "parties", "positions_patch", "objective"}
        # applied to the positions, the concession gives an agreement worth its objective
        parties = [{**p, **c["positions_patch"].get(p["name"], {})} for p in POSITIONS["parties"]]
        agreed = optimise(load_dataset(), Scenario.from_json({**POSITIONS["scenario"], "parties": parties}))
        assert agreed.status == "optimal" and agreed.objective == pytest.approx(c["objective"])
    best = max(doc["concessions"], key=lambda c: c["objective"])
    assert best["objective"] == 185_030 and best["positions_patch"] == {"A": {"must": ["BU09"]}, "B": {"must": []}}
    assert doc["summary"] == ("Hvis parti A opgiver TV01 og parti B opgiver HA02 eller parti A opgiver TV01 og parti "
                              "A accepterer HA02, findes der en aftale; den bedste sparer 185,0 mio. kr.")


def test_prices_on_a_feasible_negotiation():
    ds = load_dataset()
    sc = Scenario.from_json({"pool": {"total": 20000}, "parties": [
        {"name": "A", "must": ["BU09"]}, {"name": "B", "never": ["TV02"], "max_pool": 15000}]})
    neg = negotiate(ds, sc)
    all_in = optimise(ds, sc)
    assert neg.result.status == "optimal" and neg.objective == pytest.approx(all_in.objective)
    free = optimise(ds, Scenario.from_json({"pool": {"total": 20000}}))
    only_a = optimise(ds, Scenario.from_json({"pool": {"total": 20000}, "parties": [{"name": "A", "must": ["BU09"]}]}))
    assert neg.price_of_party["B"] == pytest.approx(only_a.objective - all_in.objective)
    assert neg.price_of_party["B"] > 0  # B's demands cost the table something
    prices = {(d.party, d.demand): d.delta for d in neg.price_of_demand}
    assert set(prices) == {("A", "must:BU09"), ("B", "never:TV02"), ("B", "max_pool")}
    assert all(v is not None and v >= -1e-6 for v in prices.values())
    assert free.objective >= neg.objective


@pytest.mark.parametrize(("positions", "needle"), [
    ([1, 2], "Positionsfilen skal være et JSON-objekt"),
    ({"scenario": {}, "partier": []}, "ukendte felter: partier"),
    ({"parties": [{"name": "A", "must": ["BU09"], "never": ["BU09"]}]}, "partiet A både kræver og afviser BU09"),
    ({"parties": [{"name": "A"}, {"name": "A"}]}, "partinavnet A står flere gange"),
    ({"parties": [{"must": ["XX99"]}]}, "parties (Parti 1), must: ukendt forslag 'XX99'"),
    ({"parties": [{"savings_targets": [{"year": 2030, "min": 5}]}]}, "uden for horisonten"),
])
def test_bad_positions_are_refused_in_danish(tmp_path, positions, needle):
    out = run_cli(tmp_path, positions, "--json")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("Fejl i scenariet: ") and needle in out.stderr, out.stderr


def test_a_party_without_a_name_is_named_by_its_place():
    sc = Scenario.from_json({"parties": [{"must": ["BU09"]}, {"name": "B"}, {}]})
    assert [p.name for p in sc.parties] == ["Parti 1", "B", "Parti 3"]
    with pytest.raises(ScenarioError):
        Scenario.from_json({"parties": [{"name": "A", "colour": "rød"}]})


def test_cli_text_report_uses_the_product_sign(tmp_path):
    """The human report shows each price as the change in net effect (savings negative), like
    every table people read; the JSON keeps the contract's sense (the objective's gain)."""
    positions = {"scenario": {}, "parties": [{"name": "A", "must": ["BU09"], "never": ["TV01"], "max_pool": 20000,
                                             "savings_targets": [{"year": 2021, "min": 5000}]}]}
    doc = json.loads(run_cli(tmp_path, positions, "--json").stdout)
    assert doc["price_of_party"] == {"A": 94_770}
    assert [d["delta"] for d in doc["price_of_demand"]] == [0, 0, 0, 38_320]
    out = run_cli(tmp_path, positions).stdout
    assert out.startswith("Forhandling: 1 parti – mål: Samlet nettoeffekt over horisonten")
    assert "(1.000 kr.; ændring i nettoeffekten; negativ = større besparelse)" in out
    assert any(line.startswith("  A ") and "puljeloft (20,0 mio. kr.)" in line and line.endswith(" -38.320")
               for line in out.splitlines())
    assert any(line.startswith("  A ") and line.endswith(" -94.770") for line in out.splitlines())
