"""The enumeration engine (portfolio/optimiser/enumeration.py) against the tests' own enumerator:
on random instances with every rule kind, the admissible portfolios are exactly the selections
the rules admit; each of its engines (separable, two lists, the listed portfolios) gives every
objective's optimum, the best portfolio with proposals forced in or out, and the portfolios above
a floor exactly; and on the catalogue each rule family gets the engine its structure allows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.optimiser import build_instance, solve
from portfolio.optimiser.enumeration import (
    Listed,
    Separable,
    Setup,
    TwoLists,
    _halves,
    admissible,
    engine_for,
)
from portfolio.scenario import Scenario
from tests.test_optimiser_properties import (
    all_selections,
    expected_rules,
    feasible_mask,
    instances,
    value,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def engines(inst):
    """Every engine that applies to the instance's structure, the listed portfolios always."""
    setup = Setup.of(inst)
    out = [Listed(admissible(inst, limit=10**6, setup=setup))]
    if not setup.coupling:
        out.append(Separable(setup))
    elif len(setup.coupling) == 1 and np.isfinite(setup.coupling[0].hi) != np.isfinite(setup.coupling[0].lo):
        out.append(TwoLists(setup, _halves(setup)))
    return out


@SETTINGS
@given(instances())
def test_admissible_portfolios_are_exactly_the_feasible_selections(inst):
    X = all_selections(inst)
    want = {tuple(np.flatnonzero(x)) for x in X[feasible_mask(inst, X, expected_rules(inst))]}
    adm = admissible(inst, limit=10**6)
    assert adm is not None
    got = {tuple(np.flatnonzero(x)) for x in adm.X}
    assert len(got) == adm.count  # each portfolio once
    assert got == want
    best = adm.best([value(it, inst.objective) for it in inst.items])
    res = solve(inst)
    if best is None:
        assert res.status == "infeasible"
    else:
        assert res.status == "optimal" and res.objective == pytest.approx(best[0], abs=1e-6)


@SETTINGS
@given(instances(), st.data())
def test_every_engine_answers_every_question_exactly(inst, data):
    """Many objectives at once (`best_many`), the best portfolio with proposals forced in and out
    (`best_where`) and the portfolios above a floor, each against the exhaustive enumerator."""
    X = all_selections(inst)
    ok = feasible_mask(inst, X, expected_rules(inst))
    keys = list(inst.by_key)
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    C = rng.normal(0, 50, (6, len(inst.items)))
    C[0] = inst.values
    C[1] = np.abs(C[1])  # every item positive: the undominated portfolios alone are multiplied
    must = data.draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))
    must_not = [k for k in data.draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)) if k not in must]
    cols = {k: [i for i, it in enumerate(inst.items) if it.key == k] for k in keys}
    where = ok.copy()
    for k in must:
        where &= X[:, cols[k]].sum(axis=1) > 0
    for k in must_not:
        where &= X[:, cols[k]].sum(axis=1) == 0
    for eng in engines(inst):
        assert eng.count == int(ok.sum()), eng.kind
        values, masks = eng.best_many(C)
        for w in range(len(C)):
            if not ok.any():
                assert masks[w] == -1 and values[w] == -np.inf
                continue
            best = float((X[ok] @ C[w]).max())
            chosen = [i for i in range(len(inst.items)) if int(masks[w]) >> i & 1]
            row = np.zeros((1, len(inst.items)))
            row[0, chosen] = 1.0
            assert feasible_mask(inst, row, expected_rules(inst))[0], eng.kind
            assert values[w] == pytest.approx(best, abs=1e-6) and float(row[0] @ C[w]) == pytest.approx(best, abs=1e-6)
        found = eng.best_where(list(inst.values), must, must_not)
        if not where.any():
            assert found is None, eng.kind
        else:
            assert found is not None and found[0] == pytest.approx(float((X[where] @ C[0]).max()), abs=1e-6), eng.kind
            assert where[int(np.flatnonzero((np.isin(np.arange(len(inst.items)), found[1]) == X).all(axis=1))[0])]
    if ok.any():
        vals = X @ C[0]
        floor = float(np.quantile(vals[ok], 0.6))
        near = admissible(inst, limit=10**6, coefs=C[0], floor=floor)
        want = {tuple(np.flatnonzero(x)) for x in X[ok & (vals >= floor - 1e-9)]}
        assert {tuple(np.flatnonzero(x)) for x in near.X} == want


def test_the_limit_is_a_bound_not_a_truncation(ds, cache):
    inst = build_instance(ds, Scenario(), cache)  # no pool: 22 proposals, millions of portfolios
    assert admissible(inst, limit=100_000) is None
    assert engine_for(inst, limit=100_000).kind == "separable"  # ... and never listed


POOLS_6000 = {"pool": {"per_year": {str(y): 6000 for y in range(2019, 2025)}}, "max_risky_share": 0.5}
FAMILIES = {  # rule family -> (scenario, engine kind, admissible portfolios)
    "ingen pulje": ({}, "separable", 4_718_592),
    "pulje i alt": ({"pool": {"total": 20000}}, "two_lists", 722_501),
    "besparelseskrav": ({"savings_targets": [{"year": 2021, "min": 20000, "measure": "varig"}]}, "two_lists", None),
    "puljer pr. år + risikoandel (issuet)": (POOLS_6000, "enumeration", 52_461),
    "pulje i alt og i 2019 + risikoandel": ({"pool": {"total": 30000, "per_year": {"2019": 9000}},
                                             "max_risky_share": 0.4}, "enumeration", 304_096),
    "partiernes krav": ({"parties": [{"name": "A", "must": ["BU01"], "max_pool": 25000},
                                     {"name": "B", "never": ["TV01"]}]}, "two_lists", None),
    "investeringsmodellen": ({"pools": [{"name": "drift", "covers": ["Service"], "total": 12000,
                                         "per_year": {"2020": 5000}}],
                              "savings_targets": [{"year": 2021, "min": 20000, "udvalg": "Socialudvalget"}],
                              "no_maaltal_increase": True, "self_financing_by": 2021}, "enumeration", None),
}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_each_rule_family_gets_its_engine_on_the_catalogue(ds, cache, name):
    """The structure picks the engine: no coupling row (separable), one one-sided row (two lists),
    else the listed portfolios; the optimum is the MILP's, and the two-list count is the listed one."""
    fields, kind, count = FAMILIES[name]
    sc = Scenario.from_json(fields)
    inst = build_instance(ds, sc, cache)
    eng = engine_for(inst)
    assert eng is not None and eng.kind == kind
    if count is not None:
        assert eng.count == count
    if kind == "two_lists":
        assert eng.count == admissible(inst, limit=5_000_000).count
    res = solve(inst)
    got = eng.solve(list(inst.values))
    assert got.status == res.status == "optimal"
    assert sum(inst.values[i] for i in got.chosen) == pytest.approx(res.objective, abs=1e-6)
