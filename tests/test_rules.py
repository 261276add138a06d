"""The rule registry (`portfolio.optimiser.rules`) against the independent enumerator.

Every rule kind must be drawn by the property tests' instance strategy (so the optimiser, the
frontier, the toggle prices and the alternatives are checked under it against enumeration), each
kind's bounds and rows must select exactly the selections the enumerator's own reading of the
rule allows, and releasing a group must remove exactly that group.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from portfolio.optimiser import KINDS, Instance
from portfolio.optimiser.rules import BY_KIND, active_rules, release, rule_label, violations
from tests.test_frontier import small_instances
from tests.test_optimiser_properties import OBJECTIVES, all_selections, feasible_mask, instances

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("strategy", [instances, lambda: small_instances(max_props=6)],
                         ids=["optimise (test_optimiser_properties)", "frontier, toggles, alternatives, simulation"])
def test_every_rule_kind_is_drawn_by_the_property_tests(strategy):
    """A new rule kind that the strategies do not draw fails here, naming the kind: the enumeration
    oracles never see it otherwise. `instances` serves the optimiser's and the repairs' properties;
    `small_instances` those of the frontier, the toggle prices, the alternatives and the simulation."""
    seen: set[str] = set()
    objectives: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(inst=strategy())
    def draw(inst: Instance) -> None:
        seen.update(r.kind for r in inst.all_rules())
        objectives.add(inst.objective.kind)

    draw()
    missing = sorted({k.kind for k in KINDS} - seen)
    assert not missing, f"the property tests never draw the rule kinds {missing}"
    assert objectives == set(OBJECTIVES)


@SETTINGS
@given(inst=instances())
def test_each_rule_kind_admits_exactly_what_the_enumerator_admits(inst: Instance):
    X = all_selections(inst)
    X = X[np.random.default_rng(len(X)).permutation(len(X))[:2000]]  # the check is per selection, in Python
    for rule in inst.all_rules():
        want = feasible_mask(inst, X, {rule})
        got = np.array([not violations(inst, rule, list(np.flatnonzero(x)), 1e-7) for x in X])
        assert (got == want).all(), (rule, np.flatnonzero(got != want)[:5])


@SETTINGS
@given(inst=instances(), data=st.data())
def test_releasing_a_group_removes_exactly_that_group(inst: Instance, data):
    groups = inst.all_rules()
    if not groups:
        return
    rule = data.draw(st.sampled_from(groups))
    after = set(active_rules(replace(inst, rules=release(inst.rules, [rule]))))
    if rule.kind in ("dependency", "no_maaltal_increase"):  # one switch in the scenario for all its groups
        assert BY_KIND[rule.kind].together
        assert after == {g for g in groups if g.kind != rule.kind}
    else:
        assert after == set(groups) - {rule}


@SETTINGS
@given(inst=instances())
def test_every_active_group_has_a_danish_label(inst: Instance):
    for rule in inst.all_rules():
        text = rule_label(inst, rule)
        assert text and text == text.strip() and "_" not in text, (rule, text)
        if rule.kind == "party_target":  # key: measure and udvalg; the udvalg is named
            assert rule.key.split(":")[1] in text
        elif rule.key:
            assert rule.key in text
        if rule.kind.startswith("party_"):
            assert rule.other in text
        if rule.year:
            assert str(rule.year) in text


def test_the_registry_is_one_class_per_kind():
    assert len(BY_KIND) == len(KINDS)
    assert [k.kind for k in KINDS][-1] == "pool_total"  # the explanations' order: the pool last
