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
                     "<b>x</b>", "[x](javascript:alert(1))", "\x00", "\n", "ingen", "none", "2015-2035"]),
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
    if s.pool is not None:
        limit = pool_limit(DS, s)
        assert (s.pool.total or 0) <= limit and all(a <= limit for a in s.pool.per_year.values())


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
