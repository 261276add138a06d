"""Monte Carlo of realised savings (portfolio/simulation.py): reproducibility, the collapse to the
deterministic result, the net effect by hand, and the core index against independent optima."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from portfolio.alternatives import alternatives, alternatives_of
from portfolio.cli import main
from portfolio.optimiser import build_instance, item_value, optimise, solve, solve_model
from portfolio.optimiser.enumeration import admissible
from portfolio.scenario import Scenario
from portfolio.simulation import (
    DEFAULT_SPREADS,
    RiskSpread,
    _without_savings,
    simulate,
    simulate_instance,
)
from tests.test_frontier import allowed, selections, small_instances

SPREAD_0 = {r: RiskSpread(1.0, 0.0) for r in ("lav", "middel", "høj")}



@pytest.fixture(scope="module")
def pool20(ds, cache):
    sc = Scenario.from_json({"pool": {"total": 20000}})
    return sc, optimise(ds, sc, cache=cache)


def test_defaults_are_documented():
    assert DEFAULT_SPREADS["lav"] == RiskSpread(0.95, 0.10)
    assert DEFAULT_SPREADS["middel"] == RiskSpread(0.85, 0.20)
    assert DEFAULT_SPREADS["høj"] == RiskSpread(0.70, 0.30)
    with pytest.raises(TypeError):
        DEFAULT_SPREADS["lav"] = RiskSpread(1, 0)  # type: ignore[index]
    with pytest.raises(ValueError):
        RiskSpread(-0.1, 0.1)
    with pytest.raises(ValueError):
        RiskSpread(0.5, -1)


def test_fixed_seed_is_reproducible_and_seeds_differ(ds, cache, pool20):
    sc, res = pool20
    a = simulate(ds, sc, res.selected, n=150, seed=7, cache=cache)
    b = simulate(ds, sc, res.selected, n=150, seed=7, cache=cache)
    assert a.net == b.net and (a.p10, a.p50, a.p90) == (b.p10, b.p50, b.p90)
    assert a.core_index == b.core_index and a.prob_repaid == b.prob_repaid
    c = simulate(ds, sc, res.selected, n=150, seed=8, cache=cache)
    assert c.net != a.net and c.p50 != a.p50
    assert a.n == 150 and a.seed == 7 and len(a.net) == 150


def test_zero_spread_collapses_to_the_deterministic_result(ds, cache, pool20):
    sc, res = pool20
    sim = simulate(ds, sc, res.selected, n=40, seed=3, spreads=SPREAD_0, cache=cache)
    det = sum(res.net_by_year.values())
    assert sim.deterministic_net == pytest.approx(det) and sim.deterministic_net == pytest.approx(-185_030)
    assert all(x == sim.deterministic_net for x in sim.net)  # exactly, every world
    assert sim.p10 == sim.p50 == sim.p90 == sim.deterministic_net
    assert sim.savings_p50 == pytest.approx(185_030)
    assert sim.prob_repaid == 1.0
    assert alternatives(ds, sc, k=0, cache=cache).unique  # so the re-optimised optimum is this one
    chosen = {k for k, _ in res.selected}
    assert sim.core_index == {k: (1.0 if k in chosen else 0.0) for k in sim.core_index}
    assert set(sim.core_index) == {p.key for p in ds.catalogue("KK2020").proposals}
    assert sim.worlds_not_optimal == 0


def test_net_by_hand_with_fixed_fractions(ds, cache, pool20):
    # zero spread, a different mean per risk: each world's net = investments + costs + mean x savings
    sc, res = pool20
    spreads = {"lav": RiskSpread(0.5, 0.0), "middel": RiskSpread(0.25, 0.0), "høj": RiskSpread(0.0, 0.0)}
    sim = simulate(ds, sc, res.selected, n=5, seed=0, spreads=spreads, reoptimise=False, cache=cache)
    inst = build_instance(ds, sc, cache)
    frac = {0: 0.5, 1: 0.25, 2: 0.0}
    expected = 0.0
    for it in inst.items:
        if (it.key, it.variant) in set(res.selected):
            costs = [p - s for p, s in zip(it.permanent, it.savings, strict=True)]
            expected += sum(it.investment) + sum(costs) + frac[it.risk] * sum(it.savings)
    assert all(x == pytest.approx(expected) for x in sim.net)
    assert sim.core_index == {}  # not re-optimised


def test_mean_of_the_worlds(ds, cache, pool20):
    # with spreads too small to be clipped, E[net] = investments + costs + mean x savings
    sc, res = pool20
    spreads = {"lav": RiskSpread(0.9, 0.05), "middel": RiskSpread(0.8, 0.1), "høj": RiskSpread(0.6, 0.1)}
    sim = simulate(ds, sc, res.selected, n=2000, seed=1, spreads=spreads, reoptimise=False, cache=cache)
    inst = build_instance(ds, sc, cache)
    mean = {0: 0.9, 1: 0.8, 2: 0.6}
    sd = {0: 0.05, 1: 0.1, 2: 0.1}
    expected, var = 0.0, 0.0
    for it in inst.items:
        if (it.key, it.variant) in set(res.selected):
            s = sum(it.savings)
            expected += sum(it.investment) + sum(it.permanent) - s + mean[it.risk] * s
            var += (sd[it.risk] * s) ** 2
    se = math.sqrt(var / sim.n)
    assert abs(float(np.mean(sim.net)) - expected) < 4 * se
    assert float(np.std(sim.net)) == pytest.approx(math.sqrt(var), rel=0.1)
    assert np.percentile(sim.net, 10) == pytest.approx(sim.p10) and sim.p10 < sim.p50 < sim.p90
    assert sim.savings_p10 == -sim.p90 and sim.savings_p90 == -sim.p10


def test_prob_repaid(ds, cache, pool20):
    sc, res = pool20
    none = {r: RiskSpread(0.0, 0.0) for r in ("lav", "middel", "høj")}
    sim = simulate(ds, sc, res.selected, n=10, spreads=none, reoptimise=False, cache=cache)
    assert sim.prob_repaid == 0.0 and all(x > 0 for x in sim.net)  # no savings: only costs
    # a wide spread: the share of worlds with a negative cumulative net effect
    wide = {r: RiskSpread(0.2, 0.5) for r in ("lav", "middel", "høj")}
    sim = simulate(ds, sc, res.selected, n=400, spreads=wide, reoptimise=False, cache=cache)
    assert sim.prob_repaid == pytest.approx(np.mean(np.array(sim.net) < 0))
    assert 0.0 < sim.prob_repaid < 1.0


def test_core_index_equals_independent_optima(ds, cache):
    """Zero spread with a mean per risk: every world is the same, so the core index must be the
    membership of the optimum with the savings scaled by those means, computed independently."""
    sc = Scenario.from_json({"pool": {"total": 20000}, "risk_haircut": {"middel": 0.5}})
    means = {"lav": 1.0, "middel": 0.3, "høj": 0.0}
    spreads = {r: RiskSpread(m, 0.0) for r, m in means.items()}
    res = optimise(ds, sc, cache=cache)
    sim = simulate(ds, sc, res.selected, n=20, spreads=spreads, cache=cache)
    inst = build_instance(ds, sc, cache)
    by_rank = [means["lav"], means["middel"], means["høj"]]
    scaled = replace(inst, items=tuple(replace(it, permanent=tuple(
        p + (by_rank[it.risk] - 1.0) * s for p, s in zip(it.permanent, it.savings, strict=True)),
        savings=tuple(by_rank[it.risk] * s for s in it.savings)) for it in inst.items),
        objective=replace(inst.objective, haircut=(0.0, 0.0, 0.0)))  # the worlds do not apply the haircut
    assert alternatives_of(scaled, k=0).unique
    best = {k for k, _ in solve(scaled).selected}
    assert sim.core_index == {k: (1.0 if k in best else 0.0) for k in inst.by_key}
    assert best != {k for k, _ in res.selected}  # the scaling matters here


def test_worlds_under_the_investeringsmodel_rules_obey_them(ds, cache):
    """Re-optimised worlds under named pools, a savings target and self-financing: every world's
    portfolio obeys the rules (they constrain the documents' figures, not a world's), and with zero
    spread every world is the deterministic optimum."""
    sc = Scenario.from_json({"pools": [{"name": "drift", "covers": ["Service"], "total": 12000,
                                        "per_year": {"2020": 5000}}],
                             "savings_targets": [{"year": 2021, "min": 20000, "udvalg": "Socialudvalget"}],
                             "self_financing_by": 2021})
    res = optimise(ds, sc, cache=cache)
    assert res.status == "optimal"
    sim = simulate(ds, sc, res.selected, n=10, spreads=SPREAD_0, cache=cache)
    assert sim.worlds_not_optimal == 0
    chosen = {k for k, _ in res.selected}
    assert sim.core_index == {k: (1.0 if k in chosen else 0.0) for k in build_instance(ds, sc, cache).by_key}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(max_props=6))
def test_every_world_is_the_enumerated_optimum(inst):
    """Each world's re-optimised objective, by both engines on the same worlds, is the optimum of
    the enumeration written in the tests (any rules); where every world's optimum is unique the
    core indexes are identical too."""
    X = selections(inst)
    ok = allowed(inst, X)
    assume(ok.any())
    sims = {engine: simulate_instance(inst, [], n=40, seed=3, engine=engine) for engine in ("milp", "enumeration")}
    spec = replace(inst.objective, haircut=(0.0, 0.0, 0.0))
    full = np.array([item_value(it, spec) for it in inst.items])
    zero = np.array([item_value(_without_savings(it), spec) for it in inst.items])
    keys = list(inst.by_key)
    key_of = np.array([keys.index(it.key) for it in inst.items])
    frac = _fractions(inst, 40, 3)
    unique = True
    for engine, sim in sims.items():
        assert sim.engine == engine and sim.worlds_not_optimal == 0 and len(sim.world_optima) == 40
        for w, got in enumerate(sim.world_optima):
            coefs = full + (frac[w, key_of] - 1.0) * (full - zero)
            v = X[ok] @ coefs
            assert got == pytest.approx(float(v.max()), abs=1e-6), (engine, w)
            unique &= int(np.count_nonzero(v >= v.max() - 1e-6)) == 1
    assert sims["enumeration"].world_optima == pytest.approx(sims["milp"].world_optima, abs=1e-6)
    if unique:
        assert sims["enumeration"].core_index == sims["milp"].core_index


def _fractions(inst, n: int, seed: int):
    """The worlds' realised fractions, drawn as `simulate_instance` draws them (its documented recipe)."""
    from portfolio.simulation import DEFAULT_SPREADS, RISK_ORDER  # noqa: PLC0415

    keys = list(inst.by_key)
    mean = np.array([DEFAULT_SPREADS[RISK_ORDER[inst.items[inst.by_key[k][0]].risk]].mean for k in keys])
    spread = np.array([DEFAULT_SPREADS[RISK_ORDER[inst.items[inst.by_key[k][0]].risk]].spread for k in keys])
    return np.clip(mean + spread * np.random.default_rng(seed).standard_normal((n, len(keys))), 0.0, 2.0)


POOLS_6000 = {"pool": {"per_year": {str(y): 6000 for y in range(2019, 2025)}}, "max_risky_share": 0.5}


@pytest.mark.parametrize("engine", ["milp", "enumeration"])
def test_every_world_on_the_catalogue_is_optimal(ds, cache, engine):
    """1.000 worlds on the catalogue under a pool in total and in 2019 and a risky share: every
    world's optimum, by either engine, is what a fresh, independent solve of that world gives. With
    a warm start from the previous world, 2 of these 1.000 worlds stopped at a worse portfolio (e.g.
    181.268 against 181.918) and were counted optimal."""
    sc = Scenario.from_json({"pool": {"total": 30000, "per_year": {"2019": 9000}}, "max_risky_share": 0.4}
                            if engine == "milp" else POOLS_6000)
    inst = build_instance(ds, sc, cache)
    res = optimise(ds, sc, cache=cache)
    sim = simulate(ds, sc, res.selected, n=1000, seed=1, cache=cache, engine=engine)
    assert sim.engine == engine and sim.worlds_not_optimal == 0 and len(sim.world_optima) == 1000
    spec = replace(inst.objective, haircut=(0.0, 0.0, 0.0))
    full = np.array([item_value(it, spec) for it in inst.items])
    zero = np.array([item_value(_without_savings(it), spec) for it in inst.items])
    keys = list(inst.by_key)
    key_of = np.array([keys.index(it.key) for it in inst.items])
    frac = _fractions(inst, 1000, 1)
    worse = []
    for w in range(0, 1000, 1 if engine == "milp" else 10):
        coefs = full + (frac[w, key_of] - 1.0) * (full - zero)
        fresh = solve_model(inst, coefs=list(coefs))
        best = float(coefs[list(fresh.chosen)].sum())
        if abs(best - sim.world_optima[w]) > 1e-6 * max(1.0, abs(best)):
            worse.append((w, sim.world_optima[w], best))
    assert worse == []


def test_the_engines_agree_on_the_catalogue(ds, cache):
    """The enumeration and the MILP give the same core index and the same world optima; under the
    issue's rules (a 6 mio. kr. pool in every year and a risky share of 50 %) the rules admit
    52.461 portfolios, and "auto" enumerates them."""
    sc = Scenario.from_json(POOLS_6000)
    assert admissible(build_instance(ds, sc, cache)).count == 52_461
    res = optimise(ds, sc, cache=cache)
    a = simulate(ds, sc, res.selected, n=300, seed=5, cache=cache, engine="enumeration")
    b = simulate(ds, sc, res.selected, n=300, seed=5, cache=cache, engine="milp")
    assert a.world_optima == pytest.approx(b.world_optima, abs=1e-6)
    assert a.core_index == pytest.approx(b.core_index)
    assert simulate(ds, sc, res.selected, n=10, seed=5, cache=cache).engine == "enumeration"  # auto


def test_core_index_bounds_and_forced(ds, cache):
    sc = Scenario.from_json({"pool": {"total": 20000}, "force_in": ["BU02", "HA08"], "force_out": ["TV02"]})
    res = optimise(ds, sc, cache=cache)
    calls = []
    sim = simulate(ds, sc, res.selected, n=200, seed=5, cache=cache, progress=lambda d, n: calls.append((d, n)))
    assert all(0.0 <= v <= 1.0 for v in sim.core_index.values())
    assert sim.core_index["BU02"] == 1.0 and sim.core_index["HA08"] == 1.0
    assert sim.core_index["HA06"] == 1.0  # required by HA08
    assert sim.core_index["TV02"] == 0.0
    assert min(v for v in sim.core_index.values() if v > 0) > 0.0 and any(0 < v < 1 for v in sim.core_index.values())
    # every world's optimum has at least the forced proposals: the index is a share of n worlds
    assert all(abs(v * 200 - round(v * 200)) < 1e-9 for v in sim.core_index.values())
    assert calls[-1] == (200, 200) and [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) >= 10


def test_infeasible_rules_and_bad_input(ds, cache):
    sc = Scenario.from_json({"pool": {"total": 5000}, "force_in": ["BU09", "TV01"]})
    sim = simulate(ds, sc, [("BU09", None)], n=30, cache=cache)
    assert sim.core_index == {} and sim.worlds_not_optimal == 30 and len(sim.net) == 30
    with pytest.raises(ValueError):
        simulate(ds, Scenario(), [("XX01", None)], n=5)
    with pytest.raises(ValueError):
        simulate(ds, Scenario(), [("SI05", "Model 3")], n=5)
    with pytest.raises(ValueError):
        simulate(ds, Scenario(), [], n=0)
    with pytest.raises(ValueError):
        simulate(ds, Scenario(), [], spreads={"ekstrem": RiskSpread(1, 0)})


def test_a_thousand_worlds_are_reproducible(ds, cache, pool20):
    """(Speed is measured by bench/bench_analysis.py, not here.)"""
    sc, res = pool20
    sim = simulate(ds, sc, res.selected, n=1000, seed=0, cache=cache)
    assert sim.worlds_not_optimal == 0
    inst = build_instance(ds, sc, cache)
    assert simulate_instance(inst, [i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(res.selected)],
                             n=1000, seed=0).core_index == sim.core_index


def test_cli_simulate(capsys):
    code = main(["simulate", "--pool", "20000", "--n", "60", "--seed", "2", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    assert doc["n"] == 60 and doc["seed"] == 2 and len(doc["net"]) == 60
    assert doc["deterministic_net"] == -185030
    assert doc["savings_p10"] == -doc["p90"] and doc["p10"] <= doc["p50"] <= doc["p90"]
    assert set(doc["core_index"]) >= {"TV02", "SI05"} and 0 <= doc["prob_repaid"] <= 1
    assert main(["simulate", "--pool", "20000", "--n", "20"]) == 0
    out, _ = capsys.readouterr()
    assert "Kerneindeks" in out and "-185.030" in out and "10 % risiko for at spare mindre end" in out
    assert "Pessimistisk" not in out and "P10" not in out
    assert main(["simulate", "--pool", "-3"]) == 2


@pytest.mark.parametrize("name", ["ingen pulje", "pulje i alt", "besparelseskrav", "puljer pr. år + risikoandel (issuet)",
                                  "pulje i alt og i 2019 + risikoandel", "partiernes krav", "investeringsmodellen"])
def test_the_engines_agree_on_every_rule_family(ds, cache, name):
    """Under each family of rules the exact engine its structure allows (separable, two lists, the
    listed portfolios) and the MILP give the same optimum in every world, and the same core index."""
    from tests.test_enumeration import FAMILIES  # noqa: PLC0415

    fields, kind, _ = FAMILIES[name]
    sc = Scenario.from_json(fields)
    res = optimise(ds, sc, cache=cache)
    a = simulate(ds, sc, res.selected, n=80, seed=11, cache=cache)
    b = simulate(ds, sc, res.selected, n=80, seed=11, cache=cache, engine="milp")
    assert (a.engine, a.method) == ("enumeration", kind) and (b.engine, b.method) == ("milp", "milp")
    assert a.worlds_not_optimal == b.worlds_not_optimal == 0
    assert a.world_optima == pytest.approx(b.world_optima, abs=1e-6)
    assert a.core_index == pytest.approx(b.core_index)
