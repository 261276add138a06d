"""Every scenario field reaches every place a scenario goes, derived from the class itself.

The scenarios are drawn from `Scenario`'s own fields (`tests.test_urlstate_property.scenarios`),
so a new field is covered without touching this file: it must survive JSON and the cache key
(`Scenario.to_json` is derived from the model's fields), and two scenarios that differ in it must
differ in the exported settings (`export.assumption_rows`, which the comparison of saved
scenarios lists; two scenarios whose pools or savings targets differ only in their order mean the
same). The URL round trip is `tests.test_urlstate_property`; the declared URL parameter and export
label of each field are `tests.test_scenario_declarations`.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portfolio.compare import settings_differences
from portfolio.scenario import Scenario
from tests.test_urlstate_property import DS, field_strategies, scenarios

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(s=scenarios())
def test_every_field_survives_json_and_the_cache_key(s: Scenario):
    data = s.to_json()
    assert list(data) == list(Scenario.model_fields)
    assert Scenario.from_json(data) == s
    assert Scenario.from_json(json.loads(s.cache_key())) == s
    assert json.loads(s.cache_key()) == json.loads(json.dumps(data))


@pytest.mark.parametrize("name", list(Scenario.model_fields))
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(a=scenarios(), data=st.data())
def test_a_change_in_any_field_shows_in_the_exported_settings(name: str, a: Scenario, data):
    fields = a.to_json()
    value = data.draw(field_strategies(fields)[name], label="value")
    try:
        b = Scenario.from_json({**fields, name: value.to_json() if hasattr(value, "to_json") else value})
        b.validate_for(DS)
    except Exception:  # noqa: BLE001 - the drawn value does not fit this scenario's other fields
        b = None
    tol = AMOUNT_TOL if name in AMOUNT_FIELDS else 0.0
    assume(b is not None and b != a and not _close(_meaning(name, a), _meaning(name, b), tol))
    assert settings_differences(DS, a, b), f"a change of '{name}' is not in the exported settings"


# the fields with amounts in 1.000 kr.: the settings show them in mio. kr. rounded to the krone
# (`fmt.mio_exact`, 6 decimals), so amounts at most a krone apart can read alike
AMOUNT_FIELDS = ("pool", "pools", "savings_targets", "parties")
AMOUNT_TOL = 0.001

# every pool, every target and every party applies: their order means nothing
UNORDERED = ("pools", "savings_targets", "parties")


def _sorted(values: list) -> list:
    return sorted(values, key=lambda v: json.dumps(v, sort_keys=True))


def _meaning(name: str, s: Scenario) -> object:
    """A field's JSON value, the entries of the unordered lists sorted (a party's targets too)."""
    value = s.to_json()[name]
    if name == "parties":
        value = [{**p, "savings_targets": _sorted(p["savings_targets"])} for p in value]
    return _sorted(value) if name in UNORDERED else value


def _close(x: object, y: object, abs_tol: float = 0.0) -> bool:
    """Equal, or numbers (anywhere in the JSON) within 1e-9 of each other (relative) or `abs_tol`."""
    if isinstance(x, int | float) and isinstance(y, int | float) and not isinstance(x, bool):
        return abs(x - y) <= max(1e-9 * max(1.0, abs(x)), abs_tol)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_close(a, b, abs_tol) for a, b in zip(x, y, strict=True))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_close(x[k], y[k], abs_tol) for k in x)
    return x == y
