"""Hostile share links: `from_query` (and `fit_to_dataset`/`lenient_scenario`, which saved
scenarios use) answers quickly with a usable scenario and Danish notices that state the limit,
for huge pools, repeated and countless parameters, non-finite numbers, implausible years and
horizons outside the dashboard's slider. Every case runs in a forked child under the memory and
time limits of tests/hostile.py."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.data import load_dataset
from portfolio.scenario import MAX_KEYS, POOL_LIMIT_MULTIPLE, Scenario, pool_limit
from portfolio.urlstate import (
    HORIZON_SLIDER_RANGE,
    MAX_QUERY_PARAMS,
    MAX_VALUE_LENGTH,
    QUERY_KEYS,
    fit_to_dataset,
    from_query,
    lenient_scenario,
    to_query,
)
from tests.hostile import FAST_S, Outcome, bounded

DS = load_dataset()
LIMIT = pool_limit(DS, Scenario())  # 100 x the KK2020 proposals' largest investments: 7.214.500
ENGLISH = ("Input should", "validation error", "field required", "Field required", "Value error",
           "Traceback", "Expecting", "Errno", "codec can't")


def _query(params: Any, kwargs: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    s, notices = from_query(params, DS, **(kwargs or {}))
    s.validate_for(DS)  # the page can optimise what it gets
    return s.to_json(), notices


def _finished(out: Outcome) -> Any:
    assert not out.timed_out and not out.out_of_memory, out.detail
    assert not out.raised, f"{out.error_type}: {out.message}\n{out.detail}"
    assert out.seconds < FAST_S, out.seconds
    return out.value


def _danish(notices: list[str]) -> None:
    for n in notices:
        assert isinstance(n, str) and n and "\n" not in n, notices
        assert not any(e in n for e in ENGLISH), n
        assert "<" not in n and "[" not in n and "\x00" not in n, n


def _fit(scenario: Scenario, kwargs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    fitted, notices = fit_to_dataset(scenario, DS, **kwargs)
    fitted.validate_for(DS)
    return fitted.to_json(), notices


def run_fit(scenario: Scenario, **kwargs: Any) -> tuple[Scenario, list[str]]:
    data, notices = _finished(bounded(_fit, scenario, kwargs))
    _danish(notices)
    return Scenario.from_json(data), notices


def run_query(params: Any, **kwargs: Any) -> tuple[Scenario, list[str]]:
    data, notices = _finished(bounded(_query, params, kwargs))
    _danish(notices)
    return Scenario.from_json(data), notices


def joined(notices: list[str]) -> str:
    return " | ".join(notices)


# --- the pool -------------------------------------------------------------------------------------


def test_the_limit_is_100_times_the_investments():
    assert POOL_LIMIT_MULTIPLE == 100 and LIMIT == 7_214_500


LIMIT_SAID = "puljen må højst være 7.214,5 mio. kr., dvs. 100 gange alle forslags investeringer"


@pytest.mark.parametrize("params, check, needles", [
    ({"pool": "1000000000000"}, lambda s: s.pool is None, ["Puljen i alt (1.000.000.000 mio. kr.)", LIMIT_SAID,
                                                           "(72,1 mio. kr.)"]),
    ({"pool": "1e300"}, lambda s: s.pool is None, ["(over 1.000.000.000.000.000 mio. kr.)", LIMIT_SAID]),
    ({"pool": "7214501"}, lambda s: s.pool is None, ["(7.214,501 mio. kr.)", LIMIT_SAID]),
    ({"pool_year": "2019:1e12"}, lambda s: s.pool is None, ["Puljen for 2019 (1.000.000.000 mio. kr.)", LIMIT_SAID]),
    ({"pool": "20000", "pool_year": "2019:5000,2020:99999999"},
     lambda s: s.pool.total == 20000 and s.pool.per_year == {2019: 5000},
     ["Puljen for 2020 (99.999,999 mio. kr.) er for stor og er fjernet", LIMIT_SAID]),
    ({"pool": "1e12", "pool_year": "2019:5000"},
     lambda s: s.pool.total is None and s.pool.per_year == {2019: 5000}, ["Puljen i alt", LIMIT_SAID]),
    ({"cat": "BC2017", "pool": "5000000"}, lambda s: s.pool is None and s.catalogues == ("BC2017",),
     ["Puljen i alt (5.000 mio. kr.)", "højst være 200,3 mio. kr., dvs. 100 gange", "(2,0 mio. kr.)"]),
])
def test_a_huge_pool_falls_back_with_the_limit(params, check, needles):
    s, notices = run_query(params)
    assert check(s), s
    for needle in needles:
        assert needle in joined(notices), notices


@pytest.mark.parametrize("params", [{"pool": "7214500"}, {"pool_year": "2019:7214500"}, {"pool": "0"}])
def test_a_pool_at_the_limit_is_kept(params):
    s, notices = run_query(params)
    assert s.pool is not None and notices == []


def test_fit_to_dataset_drops_a_huge_saved_pool():
    saved = Scenario.from_json({"pool": {"total": 1e13, "per_year": {"2019": 100}}})
    fitted, notices = run_fit(saved)
    assert fitted.pool.total is None and fitted.pool.per_year == {2019: 100}
    assert joined(notices).startswith("Puljen i alt (10.000.000.000 mio. kr.) er for stor og er fjernet fra scenariet: "
                                      + LIMIT_SAID), notices


# --- repeated parameters -------------------------------------------------------------------------


@pytest.mark.parametrize("params, check, needles", [
    ({"in": ["BU09", "TV01"]}, lambda s: s.force_in == ("BU09", "TV01"), ["'in' står 2 gange", "lagt sammen"]),
    ({"out": ["BU09", "TV01", "HA02"]}, lambda s: s.force_out == ("BU09", "TV01", "HA02"), ["'out' står 3 gange"]),
    ({"in": ["BU09", ""], "out": ["", "TV01"]}, lambda s: s.force_in == ("BU09",) and s.force_out == ("TV01",),
     ["'in' står 2 gange", "'out' står 2 gange"]),
    ({"cat": ["KK2020", "BC2017"]}, lambda s: s.catalogues == ("KK2020", "BC2017"), ["'cat' står 2 gange"]),
    ({"pl": ["2018:98.5", "2017:96"]}, lambda s: s.price_index == {2018: 98.5, 2017: 96.0}, ["'pl' står 2 gange"]),
    ({"pool_year": ["2019:100", "2020:200"]}, lambda s: s.pool.per_year == {2019: 100, 2020: 200},
     ["'pool_year' står 2 gange"]),
    ({"pool_year": ["2019:100", "2019:200"]}, lambda s: s.pool is None, ["året 2019 står to gange"]),
    ({"haircut": ["middel:0.25", "høj:0.5"]}, lambda s: s.risk_haircut.by_rank() == (0, 0.25, 0.5),
     ["'haircut' står 2 gange"]),
    ({"haircut": "middel:0.25,middel:0.5"}, lambda s: s.risk_haircut.middel == 0, ["middel står flere gange"]),
    ({"variant": ["SI05:Model 1", "SI05:Model 2"]}, lambda s: s.variants == {}, ["SI05 står flere gange"]),
    ({"in": "BU09,BU09,TV01,TV01"}, lambda s: s.force_in == ("BU09", "TV01"), ["BU09, TV01 flere gange",
                                                                                 "én gang"]),
    ({"in": ["BU09", "BU09"]}, lambda s: s.force_in == ("BU09",), ["lagt sammen", "BU09 flere gange"]),
])
def test_repeated_list_parameters_are_merged_with_a_notice(params, check, needles):
    s, notices = run_query(params)
    assert check(s), s
    for needle in needles:
        assert needle in joined(notices), notices


def test_repeated_scalar_parameters_the_last_counts_and_it_is_said():
    """Documented: the last value of a repeated scalar parameter counts (as in Streamlit), and a
    notice says so when the values differ."""
    s, notices = run_query({"pool": ["1000", "2000"], "risk": ["lav", "høj"]})
    assert s.pool.total == 2000 and s.max_risk == "høj"
    assert len(notices) == 2 and all("står 2 gange" in n and "den sidste" in n for n in notices)


def test_the_dict_of_lists_form_round_trips():
    s = Scenario.from_json({"pool": {"total": 20000, "per_year": {"2019": 5000}}, "force_in": ["BU09", "TV01"],
                            "force_out": ["HA02"], "variants": {"SI05": "Model 2"}, "max_risk": "middel"})
    back, notices = run_query({k: [v] for k, v in to_query(s).items()})
    assert back == s and notices == []
    back, notices = run_query({k: (v,) for k, v in to_query(s).items()})
    assert back == s and notices == []


def test_an_empty_list_and_non_text_values():
    s, notices = run_query({"in": [], "pool": 5000, "payback": [4]})
    assert s.force_in == () and s.pool.total == 5000 and s.max_payback_years == 4 and notices == []


# --- countless parameters and long values --------------------------------------------------------


def test_100000_unknown_parameters_are_bounded():
    s, notices = run_query({f"x{i}": "1" for i in range(100_000)})
    assert s == Scenario()
    assert f"mere end {MAX_QUERY_PARAMS} indstillinger" in joined(notices)
    assert "og 992 flere" in joined(notices) and len(notices) == 2  # one notice for all unknown names


def test_100000_values_of_one_parameter_are_bounded():
    s, notices = run_query({"in": ["BU09"] * 100_000, "pool": "5000"})
    assert s.force_in == ("BU09",) and s.pool is None  # "pool" came after the bound
    assert f"mere end {MAX_QUERY_PARAMS}" in joined(notices)


def test_exactly_the_bound_is_read_without_a_notice():
    params = {"in": ["BU09"] + [""] * (MAX_QUERY_PARAMS - 1)}
    s, notices = run_query(params)
    assert s.force_in == ("BU09",) and not any("mere end" in n for n in notices)
    s, notices = run_query({**params, "pool": "5000"})
    assert s.pool is None and any(f"mere end {MAX_QUERY_PARAMS}" in n for n in notices)


def test_a_generator_like_mapping_is_not_read_past_the_bound():
    class Endless(dict):
        """A mapping whose items never end (a hostile caller): reading must stop at the bound."""

        def items(self):  # type: ignore[override]
            i = 0
            while True:
                yield f"p{i}", "1"
                i += 1

    s, notices = run_query(Endless())
    assert s == Scenario() and any("mere end" in n for n in notices)


def test_too_many_keys_in_one_list():
    keys = ",".join(f"K{i}" for i in range(MAX_KEYS + 1))
    s, notices = run_query({"in": keys})
    assert s.force_in == () and f"højst {MAX_KEYS}" in joined(notices)


@pytest.mark.parametrize("params", [
    {"in": "B" * (MAX_VALUE_LENGTH + 1)},
    {"in": ["B" * (MAX_VALUE_LENGTH // 2 + 1)] * 2},  # merged values are bounded too
    {"variant": ["SI05:" + "M" * MAX_VALUE_LENGTH]},
])
def test_long_values_are_ignored(params):
    s, notices = run_query(params)
    assert s == Scenario() and "for lang" in joined(notices)


# --- non-finite numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("params, field", [
    ({"pool": "nan"}, "pool"), ({"pool": "inf"}, "pool"), ({"pool": "1e999"}, "pool"), ({"pool": "-Infinity"}, "pool"),
    ({"rate": "NaN"}, "rate"), ({"time": "inf"}, "time"), ({"risky": "1e400"}, "risky"),
    ({"pl": "2018:nan"}, "pl"), ({"pool_year": "2019:inf"}, "pool_year"), ({"haircut": "middel:nan"}, "haircut"),
])
def test_non_finite_numbers_are_refused(params, field):
    s, notices = run_query(params)
    assert s == Scenario()
    assert any(f"'{field}'" in n and "endeligt tal" in n for n in notices), notices


# --- years and the horizon -----------------------------------------------------------------------


@pytest.mark.parametrize("params, needle", [
    ({"base": "1989"}, "1989 ligger uden for 1990-2100"),
    ({"base": "2101"}, "2101 ligger uden for 1990-2100"),
    ({"horizon": "1950-1960"}, "1950 ligger uden for 1990-2100"),
    ({"horizon": "2090-2110"}, "2110 ligger uden for 1990-2100"),
    ({"horizon": "999999-999999"}, "ligger uden for 1990-2100"),
    ({"pl": "1800:100"}, "1800 ligger uden for 1990-2100"),
])
def test_implausible_years_fall_back(params, needle):
    s, notices = run_query(params)
    assert s == Scenario() and needle in joined(notices), notices


@pytest.mark.parametrize("horizon", ["2010-2020", "2030-2040", "1990-2000", "2036-2036"])
def test_a_horizon_outside_the_slider_falls_back(horizon):
    s, notices = run_query({"horizon": horizon, "pool": "1000"}, horizon_range=HORIZON_SLIDER_RANGE)
    assert s.horizon == Scenario().horizon and s.pool.total == 1000
    assert f"Horisonten {horizon} ligger uden for 2015-2035" in joined(notices)


def test_a_horizon_inside_the_slider_is_kept_and_the_range_is_opt_in():
    s, notices = run_query({"horizon": "2015-2035"}, horizon_range=HORIZON_SLIDER_RANGE)
    assert s.horizon == (2015, 2035) and notices == []
    s, notices = run_query({"horizon": "2040-2045"})
    assert s.horizon == (2040, 2045) and notices == []


def test_the_slider_fallback_drops_the_pools_of_years_outside_the_default_horizon():
    s, notices = run_query({"horizon": "2030-2040", "pool_year": "2030:100,2040:5"},
                           horizon_range=HORIZON_SLIDER_RANGE)
    assert s.horizon == (2019, 2024) and s.pool is None
    assert "Puljen for 2030, 2040 ligger uden for horisonten 2019-2024" in joined(notices)


def test_fit_to_dataset_applies_the_slider_range_to_saved_scenarios():
    saved = Scenario.from_json({"horizon": [2050, 2060]})
    fitted, notices = run_fit(saved, horizon_range=HORIZON_SLIDER_RANGE)
    assert fitted.horizon == (2019, 2024) and "2050-2060 ligger uden for 2015-2035" in joined(notices)


# --- saved scenarios (lenient_scenario) ----------------------------------------------------------


@pytest.mark.parametrize("data, needle", [
    ({"force_in": [f"K{i}" for i in range(100_000)]}, "højst 1000"),
    ({"force_in": ["BU09"] * 3}, "BU09 står flere gange"),
    ({"horizon": [1800, 1810]}, "1800 ligger uden for 1990-2100"),
    ({"pool": {"total": float("nan")}}, "endeligt tal"),
    ({"variants": {str(i): "x" for i in range(100_000)}}, "højst 1000"),
])
def test_lenient_scenario_bounds(data, needle):
    def run() -> tuple[dict[str, Any], list[str]]:
        s, notices = lenient_scenario(data)
        return s.to_json(), notices

    got, notices = _finished(bounded(run))
    _danish(notices)
    assert Scenario.from_json(got) == Scenario() and needle in joined(notices), notices


# --- properties ------------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "1e12", "1000000000000", "9" * 50, "1990-2100", "1989-1990",
                     "2019:1e12", "2019:nan", "SI05:Model 1,SI05:Model 2", "BU09,BU09", "middel:0.2,middel:0.3",
                     "<b>x</b>", "[x](javascript:alert(1))", "\x00", "\n", "ingen", "none", "2015-2035",
                     "drift:Service:1e12:2019=1e12", "drift:Drift:1:", "a:Service::2030=1,a:Anlæg::", "::::",
                     "x:Innovationspulje:5:2019=1/2019=2", "2021:1e12:maaltal:", "2030:1:varig:Kultur",
                     "2021:1:varig:,2021:2:varig:", "2021:5:maaltal:Socialudvalget", "2022", "2040", "ja",
                     "A::BU09/TV01:HA02:20000:2021=5000=maaltal=,B::HA02:TV01::", "A::XX99:BU09:1e12:",
                     "A:zz::::", "A::BU09:BU09:::", "A:::::2030=1=varig=Kultur", "<b>x</b>:::::", ":::::"]),
)
query_values = hostile_text | st.lists(hostile_text, max_size=4)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(QUERY_KEYS) | st.text(max_size=8), query_values, max_size=10),
       st.booleans())
def _random_queries(params: dict[str, Any], slider: bool) -> None:
    kwargs = {"horizon_range": HORIZON_SLIDER_RANGE} if slider else {}
    s, notices = from_query(params, DS, **kwargs)
    s.validate_for(DS)
    _danish(notices)
    if slider:
        lo, hi = HORIZON_SLIDER_RANGE
        assert lo <= s.horizon[0] <= s.horizon[1] <= hi
    limit = pool_limit(DS, s)
    for pool in ([s.pool] if s.pool is not None else []) + list(s.pools):
        assert (pool.total or 0) <= limit and all(a <= limit for a in pool.per_year.values())
    y0, y1 = s.horizon
    assert all(y0 <= t.year <= y1 for t in s.savings_targets) and all(y0 <= y <= y1 for p in s.pools
                                                                       for y in p.per_year)
    chosen = {p.key for c in DS.catalogues if c.id in s.catalogues for p in c.proposals}
    for party in s.parties:
        assert set(party.must) <= chosen and set(party.never) <= chosen
        assert (party.max_pool or 0) <= limit and all(y0 <= t.year <= y1 for t in party.savings_targets)


def test_random_queries_never_crash():
    """Random query dicts (hostile values, lists, unknown names): always a scenario the page can
    optimise and Danish one-line notices; the whole property runs in a limited child."""
    out = bounded(_random_queries)
    assert not out.timed_out and not out.out_of_memory, out.detail
    assert not out.raised, f"{out.error_type}: {out.message}\n{out.detail}"


# --- after all that ----------------------------------------------------------------------------------

VALID = {"pool": "20000", "in": "BU09", "risk": "middel", "variant": "SI05:Model 2"}


def test_a_valid_link_gives_the_same_scenario_after_hostile_ones():
    before, notes_before = run_query(VALID)
    for hostile in ({"pool": "1e12"}, {f"x{i}": "1" for i in range(5000)}, {"in": ["BU09"] * 5000}):
        run_query(hostile)
        from_query(hostile, DS)  # also in this process
    after, notes_after = run_query(VALID)
    assert before == after == from_query(VALID, DS)[0] and notes_before == notes_after == []
    assert after.pool.total == 20000 and after.force_in == ("BU09",) and after.variants == {"SI05": "Model 2"}


# --- the investeringsmodel's rules: named pools, savings targets, no rising måltal, self-financing ----

FMT_POOL = "navn:dækker:i alt:pr. år, fx drift:Service/Anlæg:12000:2020=5000/2021=3000"
FMT_TARGET = "år:mindst:maaltal eller varig:udvalg, fx 2021:20000:maaltal:Socialudvalget"


def _unreadable(param: str, why: str) -> str:
    return f"Indstillingen '{param}' i adressen kunne ikke læses ({why}); standardværdien bruges."


@pytest.mark.parametrize("params, notice", [
    ({"pools": "drift:Service"}, _unreadable("pools", f"'drift:Service' skal skrives som {FMT_POOL}")),
    ({"pools": "drift:Service:1:2:3"}, _unreadable("pools", f"'drift:Service:1:2:3' skal skrives som {FMT_POOL}")),
    ({"pools": "drift:Service:1:2020"},
     _unreadable("pools", "puljen 'drift': '2020' mangler '=' mellem år og beløb")),
    ({"pools": "drift:Service:tyve:"}, _unreadable("pools", "'tyve' er ikke et tal")),
    ({"pools": "drift:Service::2020=1/2020=2"}, _unreadable("pools", "puljen 'drift': året 2020 står to gange")),
    ({"pools": "drift:Service::tyve=1"}, _unreadable("pools", "'tyve' er ikke et heltal")),
    ({"pools": "drift:Service::2020=nan"}, _unreadable("pools", "'nan' er ikke et endeligt tal")),
    ({"pools": "drift:Drift/Service:1:"}, _unreadable(
        "pools", "puljen 'drift' dækker det ukendte styringsområde Drift (brug Service, Overførsler, "
                 "Efterspørgselsstyret, Anlæg eller Innovationspulje)")),
    ({"pools": "drift:service:1:"}, _unreadable(
        "pools", "puljen 'drift' dækker det ukendte styringsområde service (brug Service, Overførsler, "
                 "Efterspørgselsstyret, Anlæg eller Innovationspulje)")),
    ({"pools": "drift:<b>x</b>:1:"}, _unreadable(
        "pools", "puljen 'drift' dækker det ukendte styringsområde ?b?x?, b? (brug Service, Overførsler, "
                 "Efterspørgselsstyret, Anlæg eller Innovationspulje)")),
    ({"pools": "drift:Service:1:,drift:Anlæg:2:"}, "Indstillingen 'pools' i adressen er ugyldig (puljenavnet drift "
                                                   "står flere gange i 'pools'); standardværdien bruges."),
    ({"pools": ":Service:1:"}, "Indstillingen 'pools' i adressen er ugyldig ('pools.0.name': må ikke være tom "
                               "(fik \"\")); standardværdien bruges."),
    ({"pools": "drift:Service:-5:"}, "Indstillingen 'pools' i adressen er ugyldig ('pools.0.total': må ikke være "
                                     "negativ (fik -5.0)); standardværdien bruges."),
    ({"target": "2021:20000"}, _unreadable("target", f"'2021:20000' skal skrives som {FMT_TARGET}")),
    ({"target": "2021:tyve:maaltal:"}, _unreadable("target", "'tyve' er ikke et tal")),
    ({"target": "næste år:1:maaltal:"}, _unreadable("target", "'næste år' er ikke et heltal")),
    ({"target": "2021:1:drift:"}, _unreadable("target", "'drift' skal være maaltal eller varig")),
    ({"target": "2021:1e999:varig:"}, _unreadable("target", "'1e999' er ikke et endeligt tal")),
    ({"target": "2021:-1:varig:"}, "Indstillingen 'target' i adressen er ugyldig ('savings_targets.0.min': må ikke "
                                   "være negativ (fik -1.0)); standardværdien bruges."),
    ({"target": "2021:1:varig:,2021:2:varig:"}, "Indstillingen 'target' i adressen er ugyldig ('savings_targets' har "
                                                "to krav for 2021 (varig, alle udvalg); slå dem sammen); "
                                                "standardværdien bruges."),
    ({"no_maaltal": "måske"}, _unreadable("no_maaltal", "'måske' skal være ja eller nej")),
    ({"selffin": "snart"}, _unreadable("selffin", "'snart' er ikke et heltal")),
    ({"selffin": "2030"}, "Indstillingen 'selffin' i adressen er ugyldig ('self_financing_by' (2030) ligger uden for "
                          "horisonten 2019-2024); standardværdien bruges."),
])
def test_malformed_rules_fall_back_with_the_exact_danish_notice(params, notice):
    s, notices = run_query(params)
    assert s == Scenario() and notices == [notice], notices


def test_a_malformed_rule_leaves_the_other_rules():
    s, notices = run_query({"pools": "drift:Drift:1:", "target": "2021:20000:maaltal:", "no_maaltal": "ja",
                            "selffin": "2022"})
    assert s.pools == () and [t.min for t in s.savings_targets] == [20000]
    assert s.no_maaltal_increase and s.self_financing_by == 2022 and len(notices) == 1


def test_targets_and_pool_years_outside_the_horizon_are_dropped_with_a_notice():
    s, notices = run_query({"target": "2018:1:varig:,2021:2:varig:,2030:3:maaltal:",
                            "pools": "drift:Service:5:2019=1/2030=2/2031=3,anlæg:Anlæg::2020=4"})
    assert [(t.year, t.min) for t in s.savings_targets] == [(2021, 2)]
    assert [(p.name, p.total, p.per_year) for p in s.pools] == [("drift", 5, {2019: 1}), ("anlæg", None, {2020: 4})]
    assert notices == [
        "Indstillingen 'pools' i adressen: år uden for horisonten 2019-2024 ignoreres (puljen 'drift' for 2030, "
        "puljen 'drift' for 2031).",
        "Indstillingen 'target' i adressen: krav for år uden for horisonten 2019-2024 ignoreres (2018, 2030)."]
    # inside a horizon of the link's own
    s, notices = run_query({"horizon": "2025-2030", "target": "2030:3:maaltal:", "selffin": "2026"})
    assert s.horizon == (2025, 2030) and s.savings_targets[0].year == 2030 and s.self_financing_by == 2026
    assert notices == []


def test_the_slider_fallback_drops_the_rules_outside_the_default_horizon():
    s, notices = run_query({"horizon": "2036-2040", "target": "2038:2:varig:", "selffin": "2039",
                            "pools": "drift:Service:5:2037=1", "no_maaltal": "ja"}, horizon_range=HORIZON_SLIDER_RANGE)
    assert s.horizon == (2019, 2024) and [t.year for t in s.savings_targets] == []
    assert s.self_financing_by is None and s.pools[0].per_year == {} and s.pools[0].total == 5
    assert s.no_maaltal_increase
    assert notices == [
        "Horisonten 2036-2040 ligger uden for 2015-2035; standardhorisonten 2019-2024 bruges.",
        "Beløbene for puljen 'drift' for 2037 ligger uden for horisonten 2019-2024 og er fjernet.",
        "Besparelseskravene for 2038 ligger uden for horisonten 2019-2024 og er fjernet.",
        "Kravet om selvfinansiering senest 2039 ligger uden for horisonten 2019-2024 og er fjernet."]
    # the target for 2021 was outside the link's own horizon 2036-2040: ignored when it was read
    s, notices = run_query({"horizon": "2036-2040", "target": "2021:1:varig:"}, horizon_range=HORIZON_SLIDER_RANGE)
    assert s.savings_targets == () and "krav for år uden for horisonten 2036-2040 ignoreres (2021)" in joined(notices)


def test_targets_for_an_udvalg_not_in_the_data_are_dropped():
    s, notices = run_query({"target": "2021:1:varig:Kulturudvalget,2022:2:maaltal:Socialudvalget,"
                                      "2023:3:maaltal:Børne- og Ungdomsudvalget"})
    assert [(t.year, t.udvalg) for t in s.savings_targets] == [(2022, "Socialudvalget")]
    assert notices == ["Besparelseskrav til udvalg, der ikke findes i de valgte katalogers data, er fjernet: "
                       "Kulturudvalget (2021), Børne- og Ungdomsudvalget (2023)."]
    # Børne- og Ungdomsudvalget is in the 2018 business case's data
    s, notices = run_query({"cat": "KK2020,BC2018", "target": "2023:3:maaltal:Børne- og Ungdomsudvalget"})
    assert s.savings_targets[0].udvalg == "Børne- og Ungdomsudvalget" and notices == []
    # a saved scenario too
    saved = Scenario.from_json({"savings_targets": [{"year": 2021, "min": 1, "udvalg": "<b>Kultur</b>"}]})
    fitted, notices = run_fit(saved)
    assert fitted.savings_targets == () and "?b?Kultur?/b? (2021)" in joined(notices)


def test_a_huge_named_pool_falls_back_with_the_limit():
    s, notices = run_query({"pools": "drift:Service:1e12:2019=5000/2020=99999999,anlæg:Anlæg:7214500:"})
    assert [(p.name, p.total, p.per_year) for p in s.pools] == [("drift", None, {2019: 5000}),
                                                                ("anlæg", 7214500, {})]
    assert notices == ["Puljen 'drift' i alt (1.000.000.000 mio. kr.), puljen 'drift' for 2020 (99.999,999 mio. kr.) "
                       "er for stor og er fjernet fra scenariet: " + LIMIT_SAID + " i de valgte kataloger tilsammen "
                       "(72,1 mio. kr.)."]
    s, notices = run_query({"pool": "1e12", "pools": "drift:Service:1e13:"})
    assert s.pool is None and s.pools[0].total is None
    assert joined(notices).startswith("Puljen i alt (1.000.000.000 mio. kr.), puljen 'drift' i alt "
                                      "(10.000.000.000 mio. kr.) er for stor"), notices


@pytest.mark.parametrize("params, needle", [
    ({"pools": "p:Service:1:" + "/" * (MAX_VALUE_LENGTH - 12)}, "'' mangler '='"),  # exactly 20.000 characters
    ({"pools": ("x" * (MAX_VALUE_LENGTH - 11)) + ":Service::"}, "'pools.0.name': er for lang (højst 60 tegn)"),
    ({"pools": ",".join(f"p{i}:Service::" for i in range(MAX_VALUE_LENGTH // 13))[:MAX_VALUE_LENGTH - 20]
      .rsplit(",", 1)[0]}, "'pools' har"),
    ({"target": ",".join(f"2021:{i}:varig:" for i in range(MAX_VALUE_LENGTH // 14))[:MAX_VALUE_LENGTH]
      .rsplit(",", 1)[0]}, "'savings_targets' har"),
    ({"target": "2021:1:varig:" + "U" * (MAX_VALUE_LENGTH - 13)}, "er for lang (højst 200 tegn)"),
    ({"pools": "p:Service:1:" + "2020=1/" * 3000}, "for lang"),  # 21.012 characters
    ({"target": ["2021:1:varig:" + "U" * (MAX_VALUE_LENGTH // 2)] * 2}, "for lang"),  # merged: too long
])
def test_values_of_20000_characters_are_bounded(params, needle):
    s, notices = run_query(params)
    assert s == Scenario() and needle in joined(notices), notices
    for value in params.values():
        assert len(value) >= MAX_VALUE_LENGTH - 30 or isinstance(value, list)


def test_valid_rules_after_hostile_ones():
    valid = {"pools": "drift:Service/Anlæg:12000:2020=5000", "target": "2021:20000:maaltal:Socialudvalget",
             "no_maaltal": "ja", "selffin": "2023", "objective": "min_pool"}
    before, notes = run_query(valid)
    for hostile in ({"pools": "x:Service:1e12:" * 1000}, {"target": "2021:1:varig:" * 2000}):
        run_query(hostile)
    after, notes_after = run_query(valid)
    assert before == after and notes == notes_after == [] and to_query(after) == valid


# --- the parties at the table (issue 14) ----------------------------------------------------------------

FMT_PARTY = ("navn:farve:kræver:afviser:puljeloft:besparelseskrav, fx "
             "A:1f77b4:BU09/TV01:HA02:20000:2021=5000=maaltal=Socialudvalget")
FMT_PARTY_TARGET = "år=mindst=maaltal eller varig=udvalg, fx 2021=5000=maaltal=Socialudvalget"


def _invalid(param: str, why: str) -> str:
    return f"Indstillingen '{param}' i adressen er ugyldig ({why}); standardværdien bruges."


@pytest.mark.parametrize("params, notice", [
    ({"parties": "A"}, _unreadable("parties", f"'A' skal skrives som {FMT_PARTY}")),
    ({"parties": "A::BU09:::::"}, _unreadable("parties", f"'A::BU09:::::' skal skrives som {FMT_PARTY}")),
    ({"parties": "A:rød::::"}, _unreadable("parties", "partiet 'A': farven 'rød' skal skrives med seks hex-cifre, "
                                                      "fx 1f77b4")),
    ({"parties": "A::::tyve:"}, _unreadable("parties", "'tyve' er ikke et tal")),
    ({"parties": "A::::1e999:"}, _unreadable("parties", "'1e999' er ikke et endeligt tal")),
    ({"parties": "A:::::2021=5000"}, _unreadable("parties", f"partiet 'A': '2021=5000' skal skrives som "
                                                            f"{FMT_PARTY_TARGET}")),
    ({"parties": "A:::::2021=5=drift="}, _unreadable("parties", "partiet 'A': 'drift' skal være maaltal eller "
                                                                "varig")),
    ({"parties": "A:::::næste=5=varig="}, _unreadable("parties", "'næste' er ikke et heltal")),
    ({"parties": "A::::,A::::"}, _unreadable("parties", f"'A::::' skal skrives som {FMT_PARTY}")),
    ({"parties": "A:::::,A:::::"}, _invalid("parties", "partinavnet A står flere gange i 'parties'")),
    ({"parties": ":::::"}, _invalid("parties", "'parties.0.name': må ikke være tom (fik \"\")")),
    ({"parties": "A::::-5:"}, _invalid("parties", "'parties.0.max_pool': må ikke være negativ (fik -5.0)")),
])
def test_malformed_parties_fall_back_with_the_exact_danish_notice(params, notice):
    s, notices = run_query(params)
    assert s == Scenario() and notices == [notice], notices


@pytest.mark.parametrize("params, needle", [
    ({"parties": "A::BU09:BU09::"}, "'parties.0': partiet A både kræver og afviser BU09"),
    ({"parties": "A::BU09/BU09:::"}, "'parties.0.must': BU09 står flere gange"),
    ({"parties": "A:::::2021=1=varig=/2021=2=varig="}, "'parties.0': partiet A har to besparelseskrav for 2021; "
                                                       "slå dem sammen"),
])
def test_inconsistent_parties_fall_back_with_a_danish_notice(params, needle):
    s, notices = run_query(params)
    assert s == Scenario() and len(notices) == 1, notices
    assert notices[0].startswith("Indstillingen 'parties' i adressen er ugyldig (") and needle in notices[0], notices


def test_the_parties_are_fitted_to_the_data_with_a_notice():
    s, notices = run_query({"parties": "A::XX99/BU09/BC17-FIT:HA02/<b>x<%2Fb>:7214500:2021=1=varig=Kulturudvalget/"
                                       "2022=2=maaltal=Socialudvalget,B::::1e12:"})
    a, b = s.parties
    assert (a.must, a.never, a.max_pool) == (("BU09",), ("HA02",), 7214500)
    assert [(t.year, t.udvalg) for t in a.savings_targets] == [(2022, "Socialudvalget")]
    assert b.max_pool is None
    assert notices == [
        "Partiet 'A' kræver forslag, der ikke findes i de valgte kataloger; de er fjernet: XX99, BC17-FIT.",
        "Partiet 'A' afviser forslag, der ikke findes i de valgte kataloger; de er fjernet: ?b?x?/b?.",
        "Partiet 'A': besparelseskrav til udvalg, der ikke findes i de valgte katalogers data, er fjernet: "
        "Kulturudvalget (2021).",
        "Puljeloftet for partiet 'B' (1.000.000.000 mio. kr.) er for stort og er fjernet: et puljeloft må højst "
        "være 7.214,5 mio. kr."]
    # with the 2017 business case chosen, BC17-FIT is kept; a saved scenario is fitted the same way
    s, notices = run_query({"cat": "KK2020,BC2017", "parties": "A::BC17-FIT::7214500:"})
    assert s.parties[0].must == ("BC17-FIT",) and notices == []
    saved = Scenario.from_json({"parties": [{"name": "<b>A</b>", "must": ["BU09", "ZZ01"], "max_pool": 1e12}]})
    fitted, notices = run_fit(saved)
    assert fitted.parties[0].must == ("BU09",) and fitted.parties[0].max_pool is None
    assert "Partiet '?b?A?/b?' kræver forslag" in joined(notices) and "Puljeloftet for partiet" in joined(notices)


def test_party_targets_outside_the_horizon_are_dropped_with_a_notice():
    s, notices = run_query({"parties": "A:::::2018=1=varig=/2021=2=varig=/2030=3=maaltal=,B:::::2031=1=varig="})
    assert [[(t.year, t.min) for t in p.savings_targets] for p in s.parties] == [[(2021, 2)], []]
    assert notices == ["Indstillingen 'parties' i adressen: partiernes besparelseskrav for år uden for horisonten "
                       "2019-2024 ignoreres (partiet 'A' for 2018, partiet 'A' for 2030, partiet 'B' for 2031)."]
    # the slider's fallback horizon drops a party's targets outside the default horizon
    s, notices = run_query({"horizon": "2036-2040", "parties": "A:::::2038=2=varig="},
                           horizon_range=HORIZON_SLIDER_RANGE)
    assert s.horizon == (2019, 2024) and s.parties[0].savings_targets == ()
    assert "Partiernes besparelseskrav for partiet 'A' for 2038 ligger uden for horisonten 2019-2024 og er fjernet." \
        in notices


def test_repeated_parties_parameters_are_merged_and_bounded():
    s, notices = run_query({"parties": ["A::BU09:::", "B:::BU09::"]})
    assert [p.name for p in s.parties] == ["A", "B"]
    assert notices == ["Indstillingen 'parties' står 2 gange i adressen; værdierne er lagt sammen."]
    many = ",".join(f"P{i}:::::" for i in range(25))
    s, notices = run_query({"parties": many})
    assert s.parties == () and "'parties' har 25 elementer; højst 20 er tilladt" in joined(notices), notices
    s, notices = run_query({"parties": "A" * MAX_VALUE_LENGTH + ":::::"})
    assert s.parties == () and "for lang" in joined(notices)
