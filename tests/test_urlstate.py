"""The scenario in the URL: round trip over random valid scenarios, and malformed or tampered
parameters that fall back to defaults with Danish notices, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from portfolio.data import load_dataset
from portfolio.model import Styring
from portfolio.scenario import Scenario, ScenarioError
from portfolio.urlstate import (
    QUERY_KEYS,
    _split,
    fit_to_dataset,
    from_query,
    lenient_scenario,
    to_query,
)

DS = load_dataset()
CATS = [c.id for c in DS.catalogues]
INDEX_YEARS = sorted(e.year for e in DS.price_index)

amounts = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
shares = st.floats(min_value=0, max_value=1, allow_nan=False, allow_infinity=False)


@st.composite
def valid_scenarios(draw) -> Scenario:
    cats = draw(st.lists(st.sampled_from(CATS), min_size=1, max_size=4))
    chosen = sorted({p.key for c in DS.catalogues if c.id in cats for p in c.proposals})
    keys = draw(st.lists(st.sampled_from(chosen), unique=True, max_size=6))
    split = draw(st.integers(0, len(keys)))
    with_variants = [k for k in chosen if DS.proposal(k).variant_names]
    variants = {k: draw(st.sampled_from(DS.proposal(k).variant_names))
                for k in draw(st.lists(st.sampled_from(with_variants), unique=True)) } if with_variants else {}
    y0 = draw(st.integers(1990, 2060))
    y1 = y0 + draw(st.integers(0, 49))
    base = draw(st.integers(2000, 2040))
    index = draw(st.dictionaries(st.integers(1990, 2060), st.floats(min_value=0.01, max_value=1e6,
                                                                      allow_nan=False, allow_infinity=False),
                                 max_size=4))
    if base not in INDEX_YEARS and base not in index:
        index[base] = draw(st.floats(min_value=1, max_value=500, allow_nan=False))
    pool = draw(st.none() | st.fixed_dictionaries({
        "total": st.none() | amounts,
        "per_year": st.dictionaries(st.integers(y0, y1).map(str), amounts, max_size=4)}))
    udvalg = sorted({ln.udvalg for c in DS.catalogues if c.id in cats for p in c.proposals for ln in p.lines})
    pools = draw(st.lists(st.fixed_dictionaries({
        "name": st.text(st.sampled_from("abcæø ,:/=%-"), min_size=1, max_size=8).map(str.strip).filter(bool),
        "covers": st.lists(st.sampled_from(["Service", "Anlæg", "Overførsler", "Innovationspulje"]), min_size=1,
                           unique=True),
        "total": st.none() | amounts,
        "per_year": st.dictionaries(st.integers(y0, y1).map(str), amounts, max_size=3)}),
        max_size=3, unique_by=lambda p: p["name"]))
    targets = draw(st.lists(st.fixed_dictionaries({
        "year": st.integers(y0, y1), "min": amounts, "measure": st.sampled_from(["maaltal", "varig"]),
        "udvalg": st.none() | st.sampled_from(udvalg)}), max_size=3,
        unique_by=lambda t: (t["year"], t["measure"], t["udvalg"])))
    party_keys = st.lists(st.sampled_from(chosen), unique=True, max_size=3)
    parties = draw(st.lists(st.fixed_dictionaries({
        "name": st.text(st.sampled_from("abcæø ,:/=%-<>"), min_size=1, max_size=8).map(str.strip).filter(bool),
        "colour": st.none() | st.sampled_from(["#1f77b4", "#FF7F0E", "#000000"]),
        "must": party_keys, "never": party_keys, "max_pool": st.none() | st.floats(0, 1e5, allow_nan=False),
        "savings_targets": st.lists(st.fixed_dictionaries({
            "year": st.integers(y0, y1), "min": st.floats(0, 1e5, allow_nan=False),
            "measure": st.sampled_from(["maaltal", "varig"]), "udvalg": st.none() | st.sampled_from(udvalg)}),
            max_size=2, unique_by=lambda t: (t["year"], t["measure"], t["udvalg"]))}),
        max_size=3, unique_by=lambda p: p["name"]))
    parties = [{**p, "never": [k for k in p["never"] if k not in p["must"]]} for p in parties]
    data = {
        "catalogues": cats, "base_year": base, "horizon": [y0, y1], "parties": parties,
        "pools": pools, "savings_targets": targets, "no_maaltal_increase": draw(st.booleans()),
        "self_financing_by": draw(st.none() | st.integers(y0, y1)),
        "objective": draw(st.sampled_from(["net", "permanent", "annual", "npv", "min_pool"])),
        "discount_rate": draw(shares), "npv_extra_years": draw(st.integers(0, 100)),
        "pool": pool, "pool_covers": draw(st.lists(st.sampled_from([s.value for s in Styring]), max_size=4)),
        "max_risk": draw(st.none() | st.sampled_from(["lav", "middel", "høj"])),
        "max_risky_share": draw(st.none() | shares),
        "risk_haircut": {"lav": draw(shares), "middel": draw(shares), "høj": draw(shares)},
        "max_payback_years": draw(st.none() | st.integers(1, 100)),
        "force_in": keys[:split], "force_out": keys[split:], "variants": variants,
        "dependencies": draw(st.booleans()), "solver": draw(st.sampled_from(["highs", "cbc"])),
        "time_limit": draw(st.floats(min_value=0.001, max_value=3600, allow_nan=False)),
        "alignment": draw(st.sampled_from(["forskudt", "kalender"])), "extend_permanent": draw(st.booleans()),
        "price_index": {str(y): v for y, v in index.items()},
    }
    try:
        s = Scenario.from_json(data)
        s.validate_for(DS)
    except ScenarioError:
        assume(False)
    return s


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios())
def test_round_trip(s):
    q = to_query(s)
    assert set(q) <= set(QUERY_KEYS) and all(isinstance(v, str) for v in q.values())
    back, notices = from_query(q, DS)
    assert notices == []
    assert back == s
    assert to_query(back) == q


def test_defaults_give_an_empty_query_and_readable_values():
    assert to_query(Scenario()) == {}
    assert from_query({}, DS) == (Scenario(), [])
    s = Scenario.from_json({"pool": {"total": 20000}, "force_in": ["BU09", "TV01"], "force_out": ["HA02"],
                            "max_risk": "middel", "variants": {"SI05": "Model 2"}, "horizon": [2019, 2026]})
    assert to_query(s) == {"pool": "20000", "in": "BU09,TV01", "out": "HA02", "risk": "middel",
                           "variant": "SI05:Model 2", "horizon": "2019-2026"}


def test_separators_inside_keys_are_escaped():
    s = Scenario.from_json({"force_in": ["A,B:C%", "D"], "variants": {"K:1": "Model, 2"}})
    q = to_query(s)
    assert _split(q["in"]) == ["A,B:C%", "D"]
    assert q["variant"] == "K%3A1:Model%2C 2"


# --- malformed and tampered input ----------------------------------------------------------------------

garbage = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", ",", ":", "-1", "-0", "nan", "inf", "-inf", "1e309", "9" * 5000, "0x10", "ja", "nej",
                     "2024-2019", "2019-2100", "2019:-5", "lav:2", "høj:0.5,lav:-1", "<script>alert(1)</script>",
                     "=HYPERLINK(\"x\")", "'; DROP TABLE scenarios; --", "BU01,BU01", "SI05:Model 9", "\x00\x1b[2J",
                     "%", "%ZZ", "None", "null", "[]", "{}", "1,5", "1.000", "²", "٣"]),
)
values = garbage | st.lists(garbage, max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(QUERY_KEYS) | st.text(max_size=12), values, max_size=12))
def test_garbage_never_raises_and_gives_a_usable_scenario(params):
    s, notices = from_query(params, DS)
    assert isinstance(s, Scenario) and all(isinstance(n, str) and n for n in notices)
    s.validate_for(DS)  # the page can optimise it
    for n in notices:
        assert "<" not in n and "\x00" not in n and "[" not in n


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_scenarios(), st.data())
def test_one_tampered_value_leaves_the_rest(s, data):
    q = to_query(s)
    assume(q)
    key = data.draw(st.sampled_from(sorted(q)))
    q2 = {**q, key: data.draw(garbage)}
    back, _ = from_query(q2, DS)
    back.validate_for(DS)
    # every other setting that the tampering cannot affect survives
    untouched = {"cat", "pool", "pool_year", "horizon", "in", "out", "variant", "base", "pl"}
    if key not in untouched:
        for other in set(q) - {key} - untouched:
            assert to_query(back).get(other) == q[other]


@pytest.mark.parametrize("params,check,word", [
    ({"pool": "-100"}, lambda s: s.pool is None, "pool"),
    ({"pool": "9" * 5000}, lambda s: s.pool is None, "pool"),
    ({"payback": "99999999999999999999"}, lambda s: s.max_payback_years is None, "payback"),
    ({"time": "1e308"}, lambda s: s.time_limit == 10.0, "time"),
    ({"rate": "nan"}, lambda s: s.discount_rate == 0.035, "rate"),
    ({"horizon": "2024-2019"}, lambda s: s.horizon == (2019, 2024), "horizon"),
    ({"horizon": "2019-2100"}, lambda s: s.horizon == (2019, 2024), "horizon"),
    ({"risk": "ekstrem"}, lambda s: s.max_risk is None, "risk"),
    ({"objective": "=HYPERLINK()"}, lambda s: s.objective == "net", "objective"),
    ({"in": "BU01,<script>alert(1)</script>"}, lambda s: s.force_in == ("BU01",), "?script?"),
    ({"in": "BU99"}, lambda s: s.force_in == (), "BU99"),
    ({"in": "BC17-FIT"}, lambda s: s.force_in == (), "BC17-FIT"),
    ({"cat": "KK2020,HACK'; DROP TABLE x"}, lambda s: s.catalogues == ("KK2020",), "HACK"),
    ({"cat": ""}, lambda s: s.catalogues == ("KK2020",), "cat"),
    ({"variant": "SI05:Model 9"}, lambda s: s.variants == {}, "Model 9"),
    ({"variant": "SI05"}, lambda s: s.variants == {}, "variant"),
    ({"in": "BU01", "out": "BU01,BU02"}, lambda s: s.force_in == ("BU01",) and s.force_out == ("BU02",), "BU01"),
    ({"pool_year": "2019:100,2030:5"}, lambda s: s.pool.per_year == {2019: 100}, "2030"),
    ({"base": "1900"}, lambda s: s.base_year == 2020, "1900"),
    ({"deps": "måske"}, lambda s: s.dependencies, "deps"),
    ({"haircut": "ekstrem:0.5"}, lambda s: s.risk_haircut.middel == 0, "haircut"),
    ({"haircut": "middel:1.5"}, lambda s: s.risk_haircut.middel == 0, "haircut"),
    ({"covers": "Service,Drift"}, lambda s: s.pool_covers == (Styring.SERVICE, Styring.ANLAEG), "covers"),
    ({"ukendt": "1"}, lambda s: s == Scenario(), "ukendt"),
])
def test_tampered_values_fall_back_with_a_danish_notice(params, check, word):
    s, notices = from_query(params, DS)
    assert check(s), s
    assert notices and any(word in n for n in notices), notices


def test_list_values_ignored_params_and_valid_combinations():
    s, notices = from_query({"pool": ["1000", "2000"], "side": "forslag"}, DS, ignore=("side",))
    assert s.pool.total == 2000  # the last value counts, and the user is told
    assert notices == ["Indstillingen 'pool' står 2 gange i adressen med forskellige værdier; den sidste (2000) bruges."]
    s, notices = from_query({"pool": ["1000", "1000"]}, DS)
    assert s.pool.total == 1000 and notices == []  # the same value twice changes nothing
    s, notices = from_query({"horizon": "2020-2025", "pool_year": "2025:100", "pool": "none"}, DS)
    assert s.horizon == (2020, 2025) and s.pool.per_year == {2025: 100} and s.pool.total is None and not notices
    s, notices = from_query({"rate": "0,04", "covers": "ingen"}, DS)  # a Danish decimal comma is accepted
    assert s.discount_rate == 0.04 and s.pool_covers == () and not notices


def test_fit_to_dataset_and_lenient_scenario():
    s = Scenario.from_json({"catalogues": ["KK2020", "X"], "force_in": ["BU01", "NOPE"]})
    fitted, notes = fit_to_dataset(s, DS)
    assert fitted.catalogues == ("KK2020",) and fitted.force_in == ("BU01",) and len(notes) == 2
    sc, notes = lenient_scenario({"pool": {"total": -1}, "horizon": [2020, 2022], "bogus": True,
                                  "force_in": "BU01"})
    assert sc.horizon == (2020, 2022) and sc.pool is None and sc.force_in == ()
    assert len(notes) == 3


def test_share_link_is_percent_encoded_and_reads_back():
    from urllib.parse import parse_qs, urlsplit

    from portfolio.urlstate import share_link

    link = share_link("http://host:8501/", {"in": ["A&B#C D+E"], "pool": "20000"})
    assert link == "http://host:8501/?in=A%26B%23C%20D%2BE&pool=20000"
    assert parse_qs(urlsplit(link).query) == {"in": ["A&B#C D+E"], "pool": ["20000"]}
    assert share_link("http://host:8501/", {}) == "http://host:8501/"


def test_links_relative_to_the_dashboard_defaults_round_trip():
    from ui.sidebar import DEFAULT_SCENARIO

    cases = [Scenario(), DEFAULT_SCENARIO, Scenario.from_json({"pool": {"per_year": {"2019": 5000}}}),
             Scenario.from_json({"pool": {"total": 30000, "per_year": {"2020": 100}}, "force_in": ["BU09"]})]
    for s in cases:
        q = to_query(s, DEFAULT_SCENARIO)
        back, notices = from_query(q, DS, defaults=DEFAULT_SCENARIO)
        assert back == s and notices == [], (s, q, notices)
        assert to_query(back, DEFAULT_SCENARIO) == q
    assert to_query(DEFAULT_SCENARIO, DEFAULT_SCENARIO) == {}
    assert to_query(Scenario(), DEFAULT_SCENARIO) == {"pool": "none"}


def test_a_rule_the_defaults_have_and_the_scenario_has_not_is_written_readably():
    d = Scenario.from_json({"max_risk": "lav", "max_risky_share": 0.5, "max_payback_years": 4, "force_in": ["TV01"],
                            "force_out": ["HA02"], "variants": {"SI05": "Model 1"}, "price_index": {"2019": 99},
                            "risk_haircut": {"høj": 0.5}, "pool": {"total": 5000, "per_year": {"2019": 800}}})
    q = to_query(Scenario(), d)
    assert q == {"risk": "ingen", "risky": "ingen", "payback": "ingen", "in": "", "out": "", "variant": "", "pl": "",
                 "haircut": "lav:0", "pool": "none", "pool_year": ""}
    assert from_query(q, DS, defaults=d) == (Scenario(), [])
    # a horizon that leaves the defaults' per-year pool outside it, with a pool of its own
    s = Scenario.from_json({"horizon": [2021, 2024], "pool": {"total": 3000}, "force_in": ["HA02"]})
    assert from_query(to_query(s, d), DS, defaults=d) == (s, [])


# --- the investeringsmodel's rules (issue 12) ------------------------------------------------------------


def test_the_new_rules_are_readable_parameters():
    s = Scenario.from_json({
        "pools": [{"name": "drift", "covers": ["Service"], "total": 12000, "per_year": {"2020": 5000}},
                  {"name": "anlæg", "covers": ["Anlæg"], "total": 3000}],
        "savings_targets": [{"year": 2021, "min": 20000, "measure": "maaltal", "udvalg": "Socialudvalget"},
                            {"year": 2022, "min": 5000, "measure": "varig"}],
        "no_maaltal_increase": True, "self_financing_by": 2021, "objective": "min_pool"})
    q = to_query(s)
    assert q == {"pools": "drift:Service:12000:2020=5000,anlæg:Anlæg:3000:",
                 "target": "2021:20000:maaltal:Socialudvalget,2022:5000:varig:",
                 "no_maaltal": "ja", "selffin": "2021", "objective": "min_pool"}
    assert from_query(q, DS) == (s, [])
    # several covers and years, a pool without a total, separators inside a name
    s = Scenario.from_json({"pools": [{"name": "a/b=c:d,e%", "covers": ["Service", "Anlæg"],
                                       "per_year": {"2021": 3000, "2020": 2500.5}}]})
    assert to_query(s) == {"pools": "a%2Fb%3Dc%3Ad%2Ce%25:Service/Anlæg::2020=2500.5/2021=3000"}
    assert from_query(to_query(s), DS) == (s, [])
    # "måltal" with the Danish letter is read; an empty measure is not
    s, notices = from_query({"target": "2021:1000:måltal:"}, DS)
    assert s.savings_targets[0].measure == "maaltal" and notices == []
    s, notices = from_query({"target": "2021:1000::"}, DS)
    assert s.savings_targets == () and "'' skal være maaltal eller varig" in notices[0]


def test_the_new_rules_removed_where_the_defaults_have_them():
    d = Scenario.from_json({"pools": [{"name": "drift", "covers": ["Service"], "total": 1}],
                            "savings_targets": [{"year": 2020, "min": 1}], "no_maaltal_increase": True,
                            "self_financing_by": 2020})
    q = to_query(Scenario(), d)
    assert q == {"pools": "", "target": "", "no_maaltal": "nej", "selffin": "ingen"}
    assert from_query(q, DS, defaults=d) == (Scenario(), [])
    # a new horizon that leaves the defaults' years outside it, with rules of its own
    s = Scenario.from_json({"horizon": [2021, 2023], "savings_targets": [{"year": 2022, "min": 5}],
                            "self_financing_by": 2023,
                            "pools": [{"name": "x", "covers": ["Anlæg"], "per_year": {"2021": 4}}]})
    assert from_query(to_query(s, d), DS, defaults=d) == (s, [])


# --- the parties at the table (issue 14) -------------------------------------------------------------


def test_the_parties_are_a_readable_parameter():
    q = {"parties": "A::BU09/TV01:HA02:20000:2021=5000=maaltal=,B::HA02:TV01::"}
    s, notices = from_query(q, DS)
    assert notices == []
    assert [p.to_json() for p in s.parties] == [
        {"name": "A", "colour": None, "must": ["BU09", "TV01"], "never": ["HA02"], "max_pool": 20000,
         "savings_targets": [{"year": 2021, "min": 5000, "measure": "maaltal", "udvalg": None}]},
        {"name": "B", "colour": None, "must": ["HA02"], "never": ["TV01"], "max_pool": None, "savings_targets": []}]
    assert to_query(s) == q
    # a colour (without '#'), an udvalg, a fractional cap, separators inside a name and an udvalg
    s = Scenario.from_json({"parties": [
        {"name": "V: a/b=c, 100%", "colour": "#1F77b4", "must": ["BC17-FIT"], "max_pool": 2500.5,
         "savings_targets": [{"year": 2022, "min": 1000, "measure": "varig", "udvalg": "Socialudvalget"},
                             {"year": 2021, "min": 0.5}]}], "catalogues": ["KK2020", "BC2017"]})
    q = to_query(s)
    assert q["parties"] == "V%3A a%2Fb%3Dc%2C 100%25:1F77b4:BC17-FIT::2500.5:2022=1000=varig=Socialudvalget/2021=0.5=maaltal="
    assert from_query(q, DS) == (s, [])
    # "måltal" with the Danish letter and a colour with '#' are read too
    s, notices = from_query({"parties": "A:#00ff00::::2021=1=måltal="}, DS)
    assert s.parties[0].colour == "#00ff00" and s.parties[0].savings_targets[0].measure == "maaltal"
    assert notices == []


def test_the_parties_removed_where_the_defaults_have_them():
    d = Scenario.from_json({"parties": [{"name": "A", "must": ["BU09"]}]})
    assert to_query(Scenario(), d) == {"parties": ""}
    assert from_query({"parties": ""}, DS, defaults=d) == (Scenario(), [])
    # a new horizon that leaves the defaults' party targets outside it, with parties of its own
    d = Scenario.from_json({"parties": [{"name": "A", "savings_targets": [{"year": 2019, "min": 1}]}]})
    s = Scenario.from_json({"horizon": [2021, 2023], "parties": [{"name": "B", "savings_targets": [
        {"year": 2022, "min": 5}]}]})
    assert from_query(to_query(s, d), DS, defaults=d) == (s, [])
