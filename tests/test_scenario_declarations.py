"""`Scenario` is the single source of its fields (issue 12, part 1): every field declares beside it
its URL parameter and the label of its row(s) in the exported settings, and both are used.

* every field has a ``param`` and a ``label``; the parameters (with the pool's companion
  ``pool_year``) are unique, and they are exactly `urlstate.QUERY_KEYS`, in the fields' order;
* a scenario that changes only one field writes exactly that field's parameter(s), which read back
  to the same scenario without a notice;
* every label is an `export.assumption_rows` label (the row's own, or the prefix of its rows),
  every row belongs to exactly one field, and changing one field changes only that field's rows.
"""

from __future__ import annotations

from typing import Any

import pytest

from portfolio import urlstate
from portfolio.compare import settings_differences
from portfolio.data import load_dataset
from portfolio.export import assumption_rows
from portfolio.scenario import Scenario, field_label, field_param, field_params
from portfolio.urlstate import LIST_PARAMS, QUERY_KEYS, from_query, to_query

DS = load_dataset()
FIELDS = list(Scenario.model_fields)

# one value per field that differs from `Scenario()` and is valid on its own (and all together)
CHANGED: dict[str, Any] = {
    "catalogues": ["KK2020", "BC2017"],
    "base_year": 2021,
    "horizon": [2019, 2026],
    "objective": "min_pool",
    "discount_rate": 0.04,
    "npv_extra_years": 5,
    "pool": {"total": 20000, "per_year": {"2019": 8000}},
    "pool_covers": ["Service"],
    "max_risk": "middel",
    "max_risky_share": 0.5,
    "risk_haircut": {"middel": 0.25},
    "max_payback_years": 4,
    "force_in": ["BU09"],
    "force_out": ["TV01"],
    "variants": {"SI05": "Model 2"},
    "dependencies": False,
    "solver": "cbc",
    "time_limit": 30.0,
    "mip_gap": 0.05,
    "alignment": "kalender",
    "extend_permanent": False,
    "price_index": {"2018": 98.5},
    "pools": [{"name": "drift: a/b=c, 100%", "covers": ["Service", "Anlæg"], "total": 12000,
               "per_year": {"2020": 5000, "2021": 3000}},
              {"name": "anlæg", "covers": ["Anlæg"], "total": 3000}],
    "savings_targets": [{"year": 2021, "min": 20000, "measure": "maaltal", "udvalg": "Socialudvalget"},
                        {"year": 2022, "min": 5000, "measure": "varig"}],
    "no_maaltal_increase": True,
    "self_financing_by": 2022,
    "parties": [{"name": "A: a/b=c, 100%", "colour": "#1f77b4", "must": ["BU09", "TV01"], "never": ["HA02"],
                 "max_pool": 20000, "savings_targets": [{"year": 2021, "min": 5000, "measure": "maaltal",
                                                         "udvalg": "Socialudvalget"},
                                                        {"year": 2022, "min": 2500.5, "measure": "varig"}]},
                {"name": "B", "must": ["HA02"], "never": ["TV01"]}],
}
EVERYTHING = Scenario.from_json(CHANGED)


def only(name: str) -> Scenario:
    return Scenario().replace(**{name: CHANGED[name]})


def owner(label: str) -> list[str]:
    """The fields whose declared label is `label` or the prefix of `label`."""
    return [f for f in FIELDS if label == field_label(f) or label.startswith((field_label(f) + " ",
                                                                              field_label(f) + ","))]


def test_every_field_declares_a_parameter_and_a_label():
    for name in FIELDS:
        extra = Scenario.model_fields[name].json_schema_extra
        assert isinstance(extra, dict) and extra.get("param") and extra.get("label"), name
        assert field_param(name) == extra["param"] and field_label(name) == extra["label"]
    params = [p for name in FIELDS for p in field_params(name)]
    assert len(params) == len(set(params)), params
    assert field_params("pool") == ("pool", "pool_year")  # the pool's companion parameter
    labels = [field_label(name) for name in FIELDS]
    assert len(labels) == len(set(labels)), labels


def test_the_url_parameters_are_the_declared_ones():
    assert tuple(p for name in FIELDS for p in field_params(name)) == QUERY_KEYS
    assert {field_param(f) for f in ("pools", "savings_targets", "no_maaltal_increase", "self_financing_by")} == {
        "pools", "target", "no_maaltal", "selffin"}
    assert {"pools", "target", "pool_year", "cat", "in", "out"} <= LIST_PARAMS
    assert not {"no_maaltal", "selffin", "pool", "horizon"} & LIST_PARAMS
    # every field is written, read and applied; the ones with years after the horizon
    assert set(urlstate._ENCODERS) | {"pool"} == set(urlstate._DECODE) | {"pool"} == set(FIELDS)
    assert sorted(urlstate._FIELD_ORDER) == sorted(FIELDS)
    order = urlstate._FIELD_ORDER.index
    assert all(order("horizon") < order(f) for f in ("pool", "pools", "savings_targets", "self_financing_by",
                                                     "parties"))
    assert "parties" in LIST_PARAMS and field_param("parties") == "parties"


def test_the_changes_are_valid_and_change_every_field():
    EVERYTHING.validate_for(DS)
    assert set(CHANGED) == set(FIELDS)
    for name in FIELDS:
        only(name).validate_for(DS)
        assert getattr(only(name), name) != getattr(Scenario(), name), name


@pytest.mark.parametrize("name", FIELDS)
def test_each_field_writes_its_declared_parameter_and_reads_it_back(name):
    s = only(name)
    q = to_query(s)
    assert set(q) == set(field_params(name)), q
    assert from_query(q, DS) == (s, [])
    # and on its own, relative to a scenario with every rule set
    q = to_query(EVERYTHING.replace(**{name: Scenario().to_json()[name]}), EVERYTHING)
    assert set(q) <= set(field_params(name)) and q, q


def test_a_scenario_with_every_field_set_uses_every_parameter():
    q = to_query(EVERYTHING)
    assert set(q) == set(QUERY_KEYS)
    assert q["pools"] == "drift%3A a%2Fb%3Dc%2C 100%25:Service/Anlæg:12000:2020=5000/2021=3000,anlæg:Anlæg:3000:"
    assert q["target"] == "2021:20000:maaltal:Socialudvalget,2022:5000:varig:"
    assert q["parties"] == ("A%3A a%2Fb%3Dc%2C 100%25:1f77b4:BU09/TV01:HA02:20000:"
                            "2021=5000=maaltal=Socialudvalget/2022=2500.5=varig=,B::HA02:TV01::")
    assert q["no_maaltal"] == "ja" and q["selffin"] == "2022"
    assert from_query(q, DS) == (EVERYTHING, [])
    # the rules removed, where the defaults have them: empty or "ingen"/"nej"
    back = to_query(Scenario(), EVERYTHING)
    assert set(back) == set(QUERY_KEYS)
    assert {k: back[k] for k in ("pools", "target", "no_maaltal", "selffin", "parties")} == {
        "pools": "", "target": "", "no_maaltal": "nej", "selffin": "ingen", "parties": ""}
    assert from_query(back, DS, defaults=EVERYTHING) == (Scenario(), [])


def test_every_label_is_an_export_row_and_every_row_belongs_to_one_field():
    labels = [label for label, _, _ in assumption_rows(DS, EVERYTHING, "mio. kr., 2021 p/l")]
    for name in FIELDS:
        assert any(name in owner(label) for label in labels), f"no row for '{name}' ({field_label(name)})"
    for label in labels:
        assert len(owner(label)) == 1, (label, owner(label))
    plain = [label for label, _, _ in assumption_rows(DS, Scenario(), "mio. kr., 2020 p/l")]
    assert all(len(owner(label)) == 1 for label in plain)


@pytest.mark.parametrize("name", FIELDS)
def test_a_change_of_one_field_changes_only_its_rows(name):
    diff = settings_differences(DS, Scenario(), only(name))
    assert diff, name
    assert {f for label, _, _ in diff for f in owner(label)} == {name}, diff
