"""Share links reproduce the scenario, for any valid scenario (issue 10, point 4).

The scenarios are drawn from the `Scenario` class's OWN fields: `scenario_strategy` reads
`Scenario.model_fields` (and those of the nested models, `Pool`, `RiskHaircut`, `NamedPool`,
`SavingsTarget` and `Party`) and builds a
strategy from each field's type and constraints (``Literal``, ``bool``, bounded ``int`` and
``float``, enums, tuples, dicts, nested models, ``X | None``). A field added to `Scenario` is thus
drawn automatically; a type the builder does not know fails `test_every_scenario_field_can_be_drawn_and_varies`
with a message naming the field. Only the fields that refer to the data (catalogues, proposal keys,
variants, the udvalg of savings targets) and the rules the types cannot express (the horizon is shorter
than 50 years; the pools' years, the targets' years and the self-financing year lie in the horizon; pool
names are distinct, readable and stripped; one target per year, measure and udvalg; at most 3 parties
with distinct names, each demanding and refusing distinct proposals of the chosen catalogues, a
colour ``#rrggbb``, and its own targets as the scenario's) have hand-written rules, in `PATH_RULES`.

Properties, for the dashboard's own defaults (`ui.sidebar.DEFAULT_SCENARIO`), `Scenario()` and any
other valid scenario as the defaults:

* scenario -> URL -> scenario is the identity, without notices;
* URL -> scenario -> URL is the identity;
* the same through the real link text (`share_link`, read back as a browser sends it).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import annotated_types
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from portfolio import scenario as scenario_module
from portfolio.data import MAX_YEAR, MIN_YEAR, load_dataset
from portfolio.scenario import MAX_HORIZON_YEARS, POOL_LIMIT_FLOOR, Scenario, ScenarioError
from portfolio.urlstate import QUERY_KEYS, from_query, share_link, to_query
from ui.sidebar import DEFAULT_SCENARIO

DS = load_dataset()
CATALOGUES = [c.id for c in DS.catalogues]
INDEX_YEARS = {e.year for e in DS.price_index}
# an unbounded amount (the pool, an index value) is drawn up to this: a pool up to it is always allowed
UNBOUNDED_FLOAT_MAX = POOL_LIMIT_FLOOR
MAX_ITEMS = 4  # entries of a drawn list or map


class Undrawable(TypeError):
    """The builder does not know how to draw a field's type (the message names the field)."""


# --- the rules the types cannot express ------------------------------------------------------------

Fields = dict[str, Any]  # the fields drawn so far


def _keys_of(fields: Fields) -> list[str]:
    return sorted({p.key for c in DS.catalogues if c.id in fields["catalogues"] for p in c.proposals})


def _some_of(keys: list[str]) -> st.SearchStrategy:
    """Distinct keys out of `keys` (none if there are none)."""
    return st.lists(st.sampled_from(keys), unique=True, max_size=MAX_ITEMS).map(tuple) if keys else st.just(())


def _horizon(fields: Fields) -> st.SearchStrategy:
    return st.integers(MIN_YEAR, MAX_YEAR).flatmap(
        lambda y0: st.integers(y0, min(MAX_YEAR, y0 + MAX_HORIZON_YEARS - 1)).map(lambda y1: (y0, y1)))


def _variants(fields: Fields) -> st.SearchStrategy:
    with_variants = [k for k in _keys_of(fields) if DS.proposal(k).variant_names]
    return _some_of(with_variants).flatmap(
        lambda keys: st.fixed_dictionaries({k: st.sampled_from(DS.proposal(k).variant_names) for k in keys}))


def _udvalg_of(fields: Fields) -> list[str]:
    return sorted({ln.udvalg for c in DS.catalogues if c.id in fields["catalogues"] for p in c.proposals
                   for ln in p.lines})


# a pool's name: printable, without surrounding spaces (the model strips them), with the URL's separators
POOL_NAME_CHARS = st.characters(categories=["L", "N", "P", "S"]) | st.sampled_from(list("%,:/= &#+"))
POOL_NAMES = st.text(POOL_NAME_CHARS, min_size=1, max_size=20).map(str.strip).filter(bool)


def _pools(fields: Fields) -> st.SearchStrategy:
    """Named pools (`NamedPool`, each drawn from its own fields) with different names."""
    one = strategy_for(scenario_module.NamedPool, "pools[]", fields=fields)
    return st.lists(one, max_size=MAX_ITEMS, unique_by=lambda p: p["name"]).map(tuple)


def _targets(fields: Fields) -> st.SearchStrategy:
    """Savings targets (`SavingsTarget`, each drawn from its own fields), one per (year, measure, udvalg)."""
    one = strategy_for(scenario_module.SavingsTarget, "savings_targets[]", fields=fields)
    return st.lists(one, max_size=MAX_ITEMS, unique_by=lambda t: (t["year"], t["measure"], t["udvalg"])).map(tuple)


MAX_PARTIES_DRAWN = 3
COLOURS = st.text("0123456789abcdefABCDEF", min_size=6, max_size=6).map(lambda h: "#" + h)


def _parties(fields: Fields) -> st.SearchStrategy:
    """Parties (`Party`, each drawn from its own fields) with different names, none refusing a
    proposal it demands."""
    one = strategy_for(scenario_module.Party, "parties[]", fields=fields).map(
        lambda p: {**p, "never": tuple(k for k in p["never"] if k not in p["must"])})
    return st.lists(one, max_size=MAX_PARTIES_DRAWN, unique_by=lambda p: p["name"]).map(tuple)


def _in_horizon(fields: Fields) -> st.SearchStrategy:
    return st.integers(*fields["horizon"])


# path -> strategy from the fields drawn before (fields are drawn in `ORDER`); every other field and
# part of a field is drawn from its type
PATH_RULES: dict[str, Callable[[Fields], st.SearchStrategy]] = {
    "catalogues": lambda f: st.lists(st.sampled_from(CATALOGUES), min_size=1, max_size=len(CATALOGUES),
                                     unique=True).map(tuple),
    "horizon": _horizon,  # shorter than MAX_HORIZON_YEARS
    "pool.per_year (key)": lambda f: st.integers(*f["horizon"]),  # the pool's years lie in the horizon
    "price_index (key)": lambda f: st.integers(MIN_YEAR, MAX_YEAR),
    "force_in": lambda f: _some_of(_keys_of(f)),
    "force_out": lambda f: _some_of([k for k in _keys_of(f) if k not in f["force_in"]]),
    "variants": _variants,
    "pools": _pools,  # different names
    "pools[].name": lambda f: POOL_NAMES,
    "pools[].covers": lambda f: st.lists(st.sampled_from(typing.get_args(scenario_module.PoolCoverName)),
                                         min_size=1, unique=True).map(tuple),
    "pools[].per_year (key)": _in_horizon,  # a pool's years lie in the horizon
    "savings_targets": _targets,  # one target per year, measure and udvalg
    "savings_targets[].year": _in_horizon,
    "savings_targets[].udvalg": lambda f: st.none() | st.sampled_from(_udvalg_of(f)),  # an udvalg of the data
    "self_financing_by": lambda f: st.none() | _in_horizon(f),
    "parties": _parties,  # different names; never and must disjoint
    "parties[].name": lambda f: POOL_NAMES,
    "parties[].colour": lambda f: st.none() | COLOURS,
    "parties[].must": lambda f: _some_of(_keys_of(f)),
    "parties[].never": lambda f: _some_of(_keys_of(f)),
    "parties[].savings_targets": _targets,  # as the scenario's: in the horizon, one per (year, measure, udvalg)
}
FIRST = ("catalogues", "horizon", "force_in")
ORDER = (*FIRST, *(n for n in Scenario.model_fields if n not in FIRST))


# --- the builder -----------------------------------------------------------------------------------


def _constraints(meta: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in meta:
        if isinstance(m, FieldInfo):
            out |= _constraints(list(m.metadata))
        elif isinstance(m, annotated_types.Ge):
            out["ge"] = m.ge
        elif isinstance(m, annotated_types.Gt):
            out["gt"] = m.gt
        elif isinstance(m, annotated_types.Le):
            out["le"] = m.le
        elif isinstance(m, annotated_types.Lt):
            out["lt"] = m.lt
        elif isinstance(m, annotated_types.MinLen):
            out["min_length"] = m.min_length
        elif isinstance(m, annotated_types.MaxLen):
            out["max_length"] = m.max_length
        elif isinstance(m, AfterValidator):
            out.setdefault("validators", []).append(m.func)
    return out


def _unwrap(tp: Any, meta: list[Any]) -> tuple[Any, list[Any]]:
    while typing.get_origin(tp) is typing.Annotated:
        tp, *more = typing.get_args(tp)
        meta = [*meta, *more]
    return tp, meta


def strategy_for(tp: Any, path: str, meta: list[Any] | None = None, fields: Fields | None = None
                 ) -> st.SearchStrategy:
    """A strategy for values of type `tp` (JSON-shaped: enums as their values, models as dicts) at
    `path` (a field's name, ``pool.per_year (key)`` …; named in messages), given the fields drawn so
    far. Raises `Undrawable` for a type it does not know."""
    fields = fields or {}
    if path in PATH_RULES:
        return PATH_RULES[path](fields)
    tp, meta = _unwrap(tp, list(meta or []))
    c = _constraints(meta)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        some = st.one_of([strategy_for(a, path, fields=fields) for a in inner])
        return st.none() | some if len(inner) < len(args) else some
    if tp is bool:
        return st.booleans()
    if tp is int:
        if scenario_module._plausible_year in c.get("validators", []):
            return st.integers(MIN_YEAR, MAX_YEAR)
        if ("ge" in c or "gt" in c) and ("le" in c or "lt" in c):
            lo = c["ge"] if "ge" in c else c["gt"] + 1
            hi = c["le"] if "le" in c else c["lt"] - 1
            return st.integers(lo, hi)
        raise Undrawable(f"Scenario.{path}: an int without both bounds (and not a year); add a rule to "
                         "PATH_RULES in tests/test_urlstate_property.py")
    if tp is float:
        lo = c.get("ge", c.get("gt", 0.0))
        hi = c.get("le", c.get("lt", lo + UNBOUNDED_FLOAT_MAX))
        return st.floats(lo, hi, exclude_min="gt" in c, exclude_max="lt" in c, allow_nan=False,
                         allow_infinity=False).map(lambda x: 0.0 if x == 0 else x)
    if tp is str:
        return st.text(min_size=max(1, c.get("min_length", 0)), max_size=min(20, c.get("max_length", 20)))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from([m.value for m in tp])
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return st.fixed_dictionaries({(f.alias or name): strategy_for(f.annotation, f"{path}.{name}", f.metadata,
                                                                      fields)
                                      for name, f in tp.model_fields.items()})
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0], f"{path}[]", fields=fields), max_size=MAX_ITEMS).map(tuple)
        return st.tuples(*(strategy_for(a, f"{path}[{i}]", fields=fields) for i, a in enumerate(args)))
    if origin is dict:
        return st.dictionaries(strategy_for(args[0], f"{path} (key)", fields=fields),
                               strategy_for(args[1], f"{path}[]", fields=fields), max_size=MAX_ITEMS)
    raise Undrawable(f"Scenario.{path}: no rule to draw a value of type {tp!r}; add one to "
                     "tests/test_urlstate_property.py (strategy_for or PATH_RULES)")


SAMPLE_FIELDS: Fields = {"catalogues": ("KK2020",), "horizon": (2019, 2024), "force_in": ()}


def field_strategies(fields: Fields | None = None) -> dict[str, st.SearchStrategy]:
    """A strategy for every field of `Scenario` (raises `Undrawable` naming a field it cannot draw)."""
    fields = fields or SAMPLE_FIELDS
    return {name: strategy_for(f.annotation, name, f.metadata, fields) for name, f in Scenario.model_fields.items()}


@st.composite
def scenarios(draw) -> Scenario:
    """Any scenario that is valid for the data (`Scenario.from_json` and `validate_for` accept it)."""
    fields: Fields = {}
    for name in ORDER:
        f = Scenario.model_fields[name]
        fields[name] = draw(strategy_for(f.annotation, name, f.metadata, fields), label=name)
    index = {int(y): v for y, v in fields["price_index"].items()}
    if fields["base_year"] not in INDEX_YEARS | set(index):  # the base p/l needs an index value
        index[fields["base_year"]] = draw(st.floats(1, 500, allow_nan=False))
    fields["price_index"] = {str(y): v for y, v in index.items()}
    if fields["pool"] is not None:
        fields["pool"]["per_year"] = {str(y): a for y, a in fields["pool"]["per_year"].items()}
    try:
        s = Scenario.from_json(fields)
        s.validate_for(DS)
    except ScenarioError:
        assume(False)
    return s


DEFAULTS = {"dashboard": st.just(DEFAULT_SCENARIO), "Scenario()": st.just(Scenario()), "any": scenarios()}
EXAMPLES = 150


def _round_trip(s: Scenario, d: Scenario) -> None:
    q = to_query(s, d)
    assert set(q) <= set(QUERY_KEYS) and all(isinstance(v, str) for v in q.values()), q
    back, notices = from_query(q, DS, defaults=d)
    assert notices == [], (q, notices)
    assert back == s, {k: (v, back.to_json()[k]) for k, v in s.to_json().items() if back.to_json()[k] != v}
    assert to_query(back, d) == q  # URL -> scenario -> URL
    # the same through the link text a person copies, read back as the browser sends it
    link = share_link("http://127.0.0.1:8501/", q)
    sent = parse_qs(urlsplit(link).query, keep_blank_values=True)
    again, notices = from_query(sent, DS, defaults=d)
    assert again == s and notices == [], (link, notices)


@pytest.mark.parametrize("defaults", list(DEFAULTS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.filter_too_much])
@given(data=st.data())
def test_any_valid_scenario_survives_its_link(defaults, data):
    d = data.draw(DEFAULTS[defaults], label="defaults")
    s = data.draw(scenarios(), label="scenario")
    _round_trip(s, d)


def test_every_scenario_field_can_be_drawn_and_varies():
    assert set(field_strategies()) == set(Scenario.model_fields)  # raises Undrawable naming a field
    seen: dict[str, set[str]] = {name: set() for name in Scenario.model_fields}

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.filter_too_much])
    @given(scenarios())
    def collect(s):
        for k, v in s.to_json().items():
            seen[k].add(repr(v))

    collect()
    constant = [name for name, values in seen.items() if len(values) < 2]
    assert not constant, f"these fields were never drawn with two different values: {constant}"


def test_a_field_the_builder_does_not_know_fails_naming_it():
    class Later(BaseModel):
        weights: list[complex] = []

    with pytest.raises(Undrawable, match=r"Scenario\.weights"):
        strategy_for(Later.model_fields["weights"].annotation, "weights")
    with pytest.raises(Undrawable, match=r"Scenario\.seats: an int without both bounds"):
        strategy_for(int, "seats")


@pytest.mark.parametrize("s", [
    Scenario(), DEFAULT_SCENARIO,
    Scenario.from_json({"max_risk": "middel", "max_risky_share": 0.4, "max_payback_years": 3,
                        "force_in": ["BU09"], "force_out": ["TV01"], "variants": {"SI05": "Model 2"},
                        "price_index": {"2018": 98.5}, "risk_haircut": {"middel": 0.25},
                        "pool": {"total": 20000, "per_year": {"2019": 8000}}}),
])
@pytest.mark.parametrize("d", [
    Scenario(), DEFAULT_SCENARIO,
    Scenario.from_json({"max_risk": "lav", "max_risky_share": 0.5, "max_payback_years": 4, "force_in": ["TV01"],
                        "force_out": ["BU09", "HA02"], "variants": {"SI05": "Model 1"}, "price_index": {"2019": 99},
                        "risk_haircut": {"høj": 0.5}, "pool": {"total": 5000, "per_year": {"2019": 8000}},
                        "horizon": [2019, 2024]}),
])
def test_links_relative_to_defaults_that_set_every_rule(s, d):
    """Defaults with rules of their own (a risk limit, forced proposals, per-year pools …): a link to
    a scenario without them must say so, and one with other values must not be mixed with them."""
    _round_trip(s, d)
