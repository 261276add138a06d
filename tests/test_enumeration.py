"""The enumeration engine (portfolio/optimiser/enumeration.py) against the tests' own enumerator:
on random instances with every rule kind, the admissible portfolios are exactly the selections
the rules admit, and the best of them is the MILP's proven optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from portfolio.optimiser import solve
from portfolio.optimiser.enumeration import admissible
from tests.test_optimiser_properties import (
    all_selections,
    expected_rules,
    feasible_mask,
    instances,
    value,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


def test_the_limit_is_a_bound_not_a_truncation():
    from portfolio.data import load_dataset  # noqa: PLC0415
    from portfolio.optimiser import build_instance  # noqa: PLC0415
    from portfolio.scenario import Scenario  # noqa: PLC0415

    inst = build_instance(load_dataset(), Scenario())  # no pool: 22 proposals, millions of portfolios
    assert admissible(inst, limit=100_000) is None
