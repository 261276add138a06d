"""Toggle prices (portfolio/toggles.py) and near-optimal alternatives (portfolio/alternatives.py):
against independent optimisations on the real catalogue and exhaustive enumeration on small
random instances."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.alternatives import adopt, alternatives, alternatives_of
from portfolio.cli import main
from portfolio.optimiser import (
    Instance,
    Item,
    RawSolution,
    Rules,
    build_instance,
    check_selection,
    optimise,
    solve,
)
from portfolio.scenario import Scenario
from portfolio.toggles import prices_of, toggle_prices, toggled_rules
from tests.test_frontier import (
    allowed,
    best_by_enumeration,
    is_allowed,
    selections,
    small_instances,
    worths,
)

TOL = 1e-6
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])



def indices(inst: Instance, selected) -> list[int]:
    return [i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(selected)]


# --- toggle prices ---------------------------------------------------------------------------------

# the investeringsmodel's rules together (named pools, a savings target, no rising måltal, self-financing)
MODEL_RULES = {"pools": [{"name": "drift", "covers": ["Service"], "total": 12000, "per_year": {"2020": 5000}},
                         {"name": "anlæg", "covers": ["Anlæg"], "total": 3000}],
               "savings_targets": [{"year": 2021, "min": 20000, "udvalg": "Socialudvalget"}],
               "no_maaltal_increase": True, "self_financing_by": 2021}

PRICE_SCENARIOS = {
    "pulje 20.000": {"pool": {"total": 20000}},
    "ingen pulje": {},
    "brugerens tvang": {"pool": {"total": 25000}, "force_in": ["BU02", "HA08"], "force_out": ["SI05", "HA03"],
                        "max_risk": "middel"},
    "pulje pr. år + risikoandel": {"pool": {"total": 30000, "per_year": {"2019": 9000}}, "max_risky_share": 0.4},
    "npv og tilbagebetaling": {"objective": "npv", "max_payback_years": 3, "pool": {"total": 15000},
                               "variants": {"SI05": "Model 2"}},
    "investeringsmodellen": MODEL_RULES,
    "billigste vej til kravet": {"objective": "min_pool",
                                 "savings_targets": [{"year": 2021, "min": 20000, "measure": "varig"}]},
}


def toggled_scenario(sc: Scenario, key: str, action: str) -> Scenario:
    if action == "force_in":
        return sc.replace(force_in=[*sc.force_in, key])
    if action == "force_out":
        return sc.replace(force_out=[*sc.force_out, key])
    return sc.replace(force_in=[k for k in sc.force_in if k != key], force_out=[k for k in sc.force_out if k != key])


@pytest.mark.parametrize("name", list(PRICE_SCENARIOS))
def test_prices_are_differences_of_two_optimisations(ds, cache, name):
    sc = Scenario.from_json(PRICE_SCENARIOS[name])
    now = optimise(ds, sc, cache=cache)
    prices = toggle_prices(ds, sc, now, cache=cache)
    inst = build_instance(ds, sc, cache)
    assert list(prices) == list(inst.by_key)  # every proposal of the catalogue, in order
    chosen = {k for k, _ in now.selected}
    for key, p in prices.items():
        expected_action = ("release" if key in sc.force_in or key in sc.force_out
                           else "force_out" if key in chosen else "force_in")
        assert p.key == key and p.action == expected_action
        assert p.objective_now == pytest.approx(now.objective)
        after = optimise(ds, toggled_scenario(sc, key, p.action), cache=cache)
        assert p.status == after.status, key
        if after.objective is None:
            assert p.objective_after is None and p.delta is None and p.selected_after == ()
            continue
        assert p.objective_after == pytest.approx(after.objective, abs=TOL), key
        assert p.delta == pytest.approx(after.objective - now.objective, abs=TOL), key
        if p.action == "release":
            assert p.delta >= -TOL  # a rule less never hurts
        # the portfolio after the toggle obeys the toggled rules and is worth objective_after
        new = replace(inst, rules=toggled_rules(inst.rules, key, p.action))
        idx = indices(inst, p.selected_after)
        assert check_selection(new, idx) == []
        assert math.fsum(inst.values[i] for i in idx) == pytest.approx(p.objective_after)
        if p.action != "release":
            assert (key in {k for k, _ in p.selected_after}) == (p.action == "force_in")


def test_prices_known_numbers(ds, cache):
    sc = Scenario.from_json({"pool": {"total": 20000}})
    prices = toggle_prices(ds, sc, cache=cache)  # without a result: computed
    assert prices["TV02"].action == "force_out" and prices["TV02"].objective_now == pytest.approx(185_030)
    assert prices["TV02"].objective_after == pytest.approx(125_000)
    assert prices["TV02"].delta == pytest.approx(-60_030)
    assert prices["BU02"].action == "force_in" and prices["BU02"].delta == pytest.approx(-8_935)


def test_infeasible_toggles_are_explained(ds, cache):
    # TV01 alone needs 27.050 (1.000 kr.) of a pool of 20.000; the explanation says it in mio. kr.
    prices = toggle_prices(ds, Scenario.from_json({"pool": {"total": 20000}}), cache=cache)
    tv01 = prices["TV01"]
    assert tv01.action == "force_in" and tv01.status == "infeasible"
    assert tv01.delta is None and tv01.objective_after is None and tv01.selected_after == ()
    assert "27,05 mio. kr." in tv01.explanation and "20,0 mio. kr." in tv01.explanation and "TV01" in tv01.explanation
    assert all(p.explanation is None for k, p in prices.items() if k != "TV01")
    # risk: HA01 (middel) cannot be forced in when only lav is allowed
    prices = toggle_prices(ds, Scenario.from_json({"max_risk": "lav"}), cache=cache)
    assert prices["HA01"].status == "infeasible" and "risiko" in prices["HA01"].explanation
    # a dependency: forcing out HA06 while HA08 (which requires it) is forced in
    sc = Scenario.from_json({"force_in": ["HA08"]})
    prices = toggle_prices(ds, sc, cache=cache)
    assert prices["HA06"].action == "force_out" and prices["HA06"].status == "infeasible"
    assert "HA08" in prices["HA06"].explanation and "HA06" in prices["HA06"].explanation
    assert optimise(ds, sc.replace(force_out=["HA06"])).status == "infeasible"
    assert prices["HA08"].action == "release" and prices["HA08"].delta == pytest.approx(0)
    quiet = toggle_prices(ds, sc, cache=cache, explain=False)
    assert quiet["HA06"].status == "infeasible" and quiet["HA06"].explanation is None


def test_prices_from_an_infeasible_scenario(ds, cache):
    sc = Scenario.from_json({"pool": {"total": 5000}, "force_in": ["BU09", "TV01"]})
    prices = toggle_prices(ds, sc, cache=cache)
    assert all(p.objective_now is None and p.delta is None for p in prices.values())
    # releasing TV01 makes it feasible again
    assert prices["TV01"].action == "release" and prices["TV01"].status == "optimal"
    assert prices["TV01"].objective_after == pytest.approx(optimise(ds, sc.replace(force_in=["BU09"])).objective)
    assert prices["BU01"].status == "infeasible" and prices["BU01"].explanation


@PROPS
@given(small_instances(max_props=6), st.sampled_from(["enumeration", "solve"]))
def test_prices_match_enumeration(inst: Instance, engine: str) -> None:
    prices = prices_of(inst, engine=engine)
    now = best_by_enumeration(inst)
    for key, p in prices.items():
        new = toggled_rules(inst.rules, key, p.action)
        after = best_by_enumeration(inst, new)
        assert (p.objective_now is None) == (now is None)
        if now is not None:
            assert p.objective_now == pytest.approx(now, abs=TOL)
        if after is None:
            assert p.status == "infeasible" and p.delta is None and p.explanation
        else:
            assert p.status == "optimal"
            assert p.objective_after == pytest.approx(after, abs=TOL)
            assert is_allowed(inst, indices(inst, p.selected_after), new)
            if now is not None:
                assert p.delta == pytest.approx(after - now, abs=TOL)
    # a given current optimum gives the same prices (where a tie does not change the action)
    raw = solve(inst, explain=False)
    given_now = RawSolution(raw.status, tuple(indices(inst, raw.selected)) if raw.solved else None, "highs", 0.0)
    again = prices_of(inst, given_now, explain=False, engine=engine)
    for key, p in prices.items():
        if again[key].action == p.action:
            assert again[key].status == p.status
            if p.delta is not None:
                assert again[key].delta == pytest.approx(p.delta, abs=TOL)


def unique_best(inst: Instance, rules: Rules | None = None) -> set | None:
    """The optimal portfolio as (key, variant) pairs when it is the only one within 1e-6, else None."""
    X = selections(inst)
    ok = allowed(inst, X, rules)
    if not ok.any():
        return None
    v = X[ok] @ worths(inst)
    top = X[ok][v >= v.max() - 1e-6]
    if len(top) != 1:
        return None
    return {(inst.items[i].key, inst.items[i].variant) for i in np.flatnonzero(top[0])}


@PROPS
@given(small_instances(max_props=6))
def test_the_price_engines_agree(inst: Instance) -> None:
    """Both engines on the same instance and the same current optimum: the same actions and
    statuses, the prices to 1e-6, and the same portfolio after the toggle where it is the only optimum."""
    raw = solve(inst, explain=False)
    now = RawSolution(raw.status, tuple(indices(inst, raw.selected)) if raw.solved else None, "highs", 0.0)
    for given_now in (now, None):
        a = prices_of(inst, given_now, explain=False, engine="enumeration")
        b = prices_of(inst, given_now, explain=False, engine="solve")
        assert list(a) == list(b)
        for key, p in a.items():
            q = b[key]
            if given_now is None and p.action != q.action:
                continue  # a tie in the current optimum: the engines may hold different proposals
            assert (p.action, p.status) == (q.action, q.status), key
            assert (p.objective_after is None) == (q.objective_after is None)
            if p.objective_after is not None:
                assert p.objective_after == pytest.approx(q.objective_after, abs=TOL)
                want = unique_best(inst, toggled_rules(inst.rules, key, p.action))
                if want is not None:
                    assert set(p.selected_after) == set(q.selected_after) == want


@pytest.mark.parametrize("name", list(PRICE_SCENARIOS))
def test_the_price_engines_agree_on_the_catalogue(ds, cache, name):
    """The exact engine (`optimiser.enumeration`) and the Pareto programme + MILP give the same
    prices; an infeasible toggle's explanation, computed when read, is the explanation of the
    toggled rules word for word."""
    from portfolio.optimiser import explain_infeasible, explanation_text  # noqa: PLC0415

    sc = Scenario.from_json(PRICE_SCENARIOS[name])
    inst = build_instance(ds, sc, cache)
    a = prices_of(inst, engine="enumeration")
    b = prices_of(inst, engine="solve")
    assert list(a) == list(b)
    for key, p in a.items():
        q = b[key]
        assert (p.action, p.status) == (q.action, q.status), key
        assert (p.delta is None) == (q.delta is None) and (p.delta is None or p.delta == pytest.approx(q.delta, abs=TOL))
        if p.status == "infeasible":
            want = explanation_text(explain_infeasible(replace(inst, rules=toggled_rules(inst.rules, key, p.action))))
            assert p.explanation == q.explanation == want


def test_the_price_engine_with_the_optimum_given(ds, cache):
    """Given the optimum, the prices under per-year pools and a risky share come from the portfolios
    within 10 % of it, and the toggles whose best portfolio lies below are computed apart: the same
    prices as the MILP's (TV01 forced in costs more than 10 %)."""
    sc = Scenario.from_json(PRICE_SCENARIOS["pulje pr. år + risikoandel"])
    res = optimise(ds, sc, cache=cache)
    fast = toggle_prices(ds, sc, res, cache=cache)
    inst = build_instance(ds, sc, cache)
    slow = prices_of(inst, engine="solve")
    assert fast["TV01"].delta < -0.1 * res.objective
    for key, p in fast.items():
        assert p.delta == pytest.approx(slow[key].delta, abs=TOL) and p.status == slow[key].status, key


# --- alternatives ------------------------------------------------------------------------------------

ALT_SCENARIOS = {
    "pulje 20.000": {"pool": {"total": 20000}},
    "ingen pulje": {},
    "årlig effekt": {"objective": "annual", "pool": {"total": 15000}},
    "pulje pr. år + risikoandel": {"pool": {"total": 30000, "per_year": {"2019": 9000}}, "max_risky_share": 0.4},
    "varianter og tvang": {"pool": {"total": 12000}, "force_in": ["HA08"], "force_out": ["BU05"],
                           "variants": {"SI05": "Model 2"}, "max_risk": "middel"},
    "investeringsmodellen": MODEL_RULES,
    "billigste vej til kravet": {"objective": "min_pool",
                                 "savings_targets": [{"year": 2021, "min": 40000, "measure": "varig"}]},
}


@pytest.mark.parametrize("name", list(ALT_SCENARIOS))
def test_alternatives_on_the_catalogue(ds, cache, name):
    sc = Scenario.from_json(ALT_SCENARIOS[name])
    alts = alternatives(ds, sc, k=5, tolerance=0.02, cache=cache)
    opt = optimise(ds, sc, cache=cache)
    inst = build_instance(ds, sc, cache)
    assert alts.status == "optimal"
    assert alts.optimum == pytest.approx(opt.objective)
    assert set(alts.selected) == set(opt.selected) or math.isclose(
        math.fsum(inst.values[i] for i in indices(inst, alts.selected)), opt.objective, abs_tol=TOL)
    assert 1 <= len(alts.items) <= 5
    seen = {frozenset(alts.selected)}
    last = alts.optimum
    opt_labels = {it.label for it in inst.items if (it.key, it.variant) in set(alts.selected)}
    for rank, a in enumerate(alts.items, start=1):
        assert a.rank == rank
        idx = indices(inst, a.selected)
        assert len(idx) == len(a.selected)
        assert check_selection(inst, idx) == []  # feasible
        assert a.objective == pytest.approx(math.fsum(inst.values[i] for i in idx))
        assert a.objective <= last + TOL  # ordered
        assert a.objective >= alts.optimum - 0.02 * abs(alts.optimum) - TOL  # within tolerance
        assert a.gap == pytest.approx(alts.optimum - a.objective) and a.gap >= 0
        assert a.gap_share == pytest.approx(a.gap / abs(alts.optimum))
        assert frozenset(a.selected) not in seen  # pairwise different
        seen.add(frozenset(a.selected))
        labels = {it.label for it in inst.items if (it.key, it.variant) in set(a.selected)}
        assert set(a.added) == labels - opt_labels and set(a.removed) == opt_labels - labels
        last = a.objective
        # the forces contain the scenario's own; adopting them reproduces exactly this portfolio
        assert set(sc.force_in) <= set(a.force_in) and set(sc.force_out) <= set(a.force_out)
        assert sc.variants.items() <= a.variants.items()
        adopted = adopt(sc, a)
        assert adopted == sc.replace(force_in=list(a.force_in), force_out=list(a.force_out), variants=a.variants)
        res = optimise(ds, adopted, cache=cache)
        assert res.status == "optimal" and set(res.selected) == set(a.selected), (a.rank, a.force_in, a.force_out)
        assert res.objective == pytest.approx(a.objective)
        # the forces added are only proposals where the alternative decides
        assert set(a.force_in) - set(sc.force_in) <= {k for k, _ in a.selected}
        assert not (set(a.force_out) - set(sc.force_out)) & {k for k, _ in a.selected}


def test_alternatives_known_numbers(ds, cache):
    # without a pool: every net-positive proposal (279.800); the best alternative drops BU02
    # (net 400), the next BU04 (600)
    alts = alternatives(ds, Scenario(), k=3, cache=cache)
    assert alts.unique and alts.optimum == pytest.approx(279_800)
    assert [a.objective for a in alts.items] == pytest.approx([279_400, 279_200, 279_050])
    assert alts.items[0].removed == ("BU02",) and alts.items[0].added == ()
    assert alts.items[0].force_out == ("BU02",) and alts.items[0].force_in == ()
    # tolerance 0: nothing but equally good portfolios
    assert alternatives(ds, Scenario(), k=5, tolerance=0.0, cache=cache).items == ()
    assert alternatives(ds, Scenario(), k=0, cache=cache).items == ()


def test_an_alternative_with_the_other_variant(ds, cache):
    # SI05 Model 2 nets 1.265 less than Model 1: within 2 % of 279.800, after the small drops
    alts = alternatives(ds, Scenario(), k=12, cache=cache)
    switch = [a for a in alts.items if a.added == ("SI05 (Model 2)",) and a.removed == ("SI05 (Model 1)",)]
    assert len(switch) == 1
    a = switch[0]
    assert a.removed == ("SI05 (Model 1)",) and a.objective == pytest.approx(279_800 - 1_265)
    assert a.variants == {"SI05": "Model 2"} and "SI05" in a.force_in
    assert set(optimise(ds, adopt(Scenario(), a), cache=cache).selected) == set(a.selected)


def test_alternatives_when_infeasible(ds, cache):
    alts = alternatives(ds, Scenario.from_json({"pool": {"total": 5000}, "force_in": ["BU09", "TV01"]}), cache=cache)
    assert alts.optimum is None and not alts.unique and alts.items == () and alts.status == "infeasible"


def twin_instance() -> Instance:
    """Two proposals with identical figures: the optimum (one of them within the pool) is not unique."""
    a = Item("A", None, 0, 2, (10.0,), (10.0,), (-30.0,), (-30.0,))
    b = Item("B", None, 0, 2, (10.0,), (10.0,), (-30.0,), (-30.0,))
    c = Item("C", None, 0, 2, (10.0,), (10.0,), (-25.0,), (-25.0,))
    return Instance((2020,), (a, b, c), Rules(pool_total=10.0))


def test_uniqueness():
    alts = alternatives_of(twin_instance(), k=5, tolerance=0.5)
    assert alts.optimum == pytest.approx(20) and not alts.unique
    assert [a.objective for a in alts.items] == pytest.approx([20, 15])  # the empty portfolio (0) is below 10
    assert [a.objective for a in alternatives_of(twin_instance(), k=5, tolerance=1.0).items] == pytest.approx([20, 15, 0])
    assert alts.items[0].gap == 0 and alts.items[0].gap_share == 0
    # the delta of the tied twin separates it from the optimum
    first = alts.items[0]
    forced = replace(twin_instance(), rules=replace(twin_instance().rules, force_in=first.force_in,
                                                    force_out=first.force_out))
    assert set(solve(forced).selected) == set(first.selected)


@PROPS
@given(small_instances(max_props=6), st.sampled_from(["enumeration", "milp"]))
def test_alternatives_match_enumeration(inst: Instance, engine: str) -> None:
    k, tol = 4, 0.3
    alts = alternatives_of(inst, k=k, tolerance=tol, engine=engine)
    X = selections(inst)
    ok = allowed(inst, X)
    if not ok.any():
        assert alts.optimum is None and alts.items == () and alts.status == "infeasible"
        return
    vals = np.sort(X[ok] @ worths(inst))[::-1]
    best = float(vals[0])
    assert alts.optimum == pytest.approx(best, abs=TOL)
    assert alts.unique == (len(vals) == 1 or vals[1] < best - 1e-6)
    floor = best - tol * abs(best)
    rest = [float(v) for v in vals[1:] if v >= floor - 1e-9][:k]
    got = [a.objective for a in alts.items]
    # the same objectives (portfolios may differ where several are equally good); values right at
    # the tolerance boundary may fall either side
    if not any(abs(v - floor) < 1e-6 for v in vals):
        assert got == pytest.approx(rest, abs=TOL)
    picks = {frozenset(alts.selected)}
    for a in alts.items:
        idx = indices(inst, a.selected)
        assert is_allowed(inst, idx)
        assert frozenset(a.selected) not in picks
        picks.add(frozenset(a.selected))
        # the delta makes it the only optimum
        assert set(inst.rules.force_in) <= set(a.force_in) and set(inst.rules.force_out) <= set(a.force_out)
        rules = replace(inst.rules, force_in=a.force_in, force_out=a.force_out, pinned=tuple(sorted(a.variants.items())))
        Xa = allowed(inst, X, rules)
        top = X[Xa] @ worths(inst)
        winners = X[Xa][top >= top.max() - 1e-6]
        assert len(winners) == 1 and set(np.flatnonzero(winners[0])) == set(idx)


@PROPS
@given(small_instances(max_props=6))
def test_the_alternative_engines_agree(inst: Instance) -> None:
    """The enumeration and the MILP on the same instance: the same optimum (the same portfolio
    where it is unique), uniqueness, and the same alternatives' objectives to 1e-6."""
    a = alternatives_of(inst, k=4, tolerance=0.3, engine="enumeration")
    b = alternatives_of(inst, k=4, tolerance=0.3, engine="milp")
    assert a.status == b.status and (a.optimum is None) == (b.optimum is None)
    if a.optimum is None:
        return
    assert a.optimum == pytest.approx(b.optimum, abs=TOL) and a.unique == b.unique
    want = unique_best(inst)
    if want is not None:
        assert set(a.selected) == set(b.selected) == want
    X = selections(inst)
    vals = X[allowed(inst, X)] @ worths(inst)
    floor = a.optimum - 0.3 * abs(a.optimum)
    if not any(abs(v - floor) < 1e-6 for v in vals):  # none at the tolerance's edge
        assert [x.objective for x in a.items] == pytest.approx([x.objective for x in b.items], abs=TOL)


# --- CLI ---------------------------------------------------------------------------------------------


def test_cli_prices_json(capsys):
    code = main(["prices", "--pool", "20000", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc)[:2] == ["objective", "prices"] and doc["objective"] == 185030
    by_key = {p["key"]: p for p in doc["prices"]}
    assert len(by_key) == 22
    assert set(by_key["TV02"]) >= {"key", "action", "delta", "objective_after", "status", "explanation"}
    assert by_key["TV02"]["action"] == "force_out" and by_key["TV02"]["delta"] == -60030
    assert by_key["TV01"]["status"] == "infeasible" and "27,05 mio. kr." in by_key["TV01"]["explanation"]


def test_cli_prices_and_alternatives_text(capsys):
    assert main(["prices", "--pool", "20000"]) == 0
    out, _ = capsys.readouterr()
    # the human table in the documents' sign: forcing TV02 out costs 60.030 (1.000 kr.) of net effect
    tv02 = next(line for line in out.splitlines() if line.strip().startswith("TV02"))
    assert "tving fra" in tv02 and " 60.030 " in tv02 and "-125.000" in tv02
    assert "-185.030" in out and "27,05 mio. kr." in out
    assert main(["alternatives", "--pool", "20000", "--k", "2"]) == 0
    out, _ = capsys.readouterr()
    assert "-185.030" in out and "entydig" in out and "-184.495" in out and "besparelse negativ" in out


def test_cli_alternatives_json(capsys, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"pool": {"total": 20000}}), encoding="utf-8")
    code = main(["alternatives", "--scenario", str(path), "--k", "3", "--tolerance", "0.01", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    assert doc["optimum"] == 185030 and doc["unique"] is True and doc["tolerance"] == 0.01
    assert [a["objective"] for a in doc["items"]] == [184495, 184045, 183565]
    assert doc["items"][0]["added"] == ["HA02"] and doc["items"][0]["force_in"] == ["HA02"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"force_in": ["NOPE"]}', encoding="utf-8")
    assert main(["alternatives", "--scenario", str(bad)]) == 2
    assert main(["prices", "--scenario", str(bad), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "NOPE" in err
