"""Scenario format (validation, JSON round trip) and the `optimise` CLI command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.cli import main
from portfolio.data import load_dataset
from portfolio.model import DataSet
from portfolio.scenario import Pool, Scenario, ScenarioError

FULL = {
    "catalogues": ["KK2020", "BC2017"], "base_year": 2021, "horizon": [2019, 2025], "objective": "npv",
    "discount_rate": 0.04, "npv_extra_years": 3, "pool": {"total": 25000, "per_year": {"2019": 6000, "2020": 7000}},
    "pool_covers": ["Service"], "max_risk": "middel", "max_risky_share": 0.4,
    "risk_haircut": {"lav": 0.0, "middel": 0.25, "høj": 0.5}, "max_payback_years": 4, "force_in": ["TV01"],
    "force_out": ["HA02"], "variants": {"SI05": "Model 2"}, "dependencies": False, "solver": "cbc",
    "time_limit": 5, "alignment": "kalender", "extend_permanent": False, "price_index": {"2018": 98.5},
}


@pytest.fixture(scope="module")
def ds() -> DataSet:
    return load_dataset()


# --- the scenario object ------------------------------------------------------------------------


def test_defaults():
    sc = Scenario.from_json({})
    assert sc.catalogues == ("KK2020",) and sc.base_year == 2020 and sc.horizon == (2019, 2024)
    assert sc.objective == "net" and sc.pool is None and sc.dependencies and sc.solver == "highs"
    assert [s.value for s in sc.pool_covers] == ["Service", "Anlæg"]
    assert sc.risk_haircut.by_rank() == (0.0, 0.0, 0.0)
    assert sc.alignment == "forskudt" and sc.extend_permanent and sc.time_limit == 10


def test_full_round_trip(ds):
    sc = Scenario.from_json(json.dumps(FULL, ensure_ascii=False))
    out = sc.to_json()
    assert set(out) == set(FULL)
    assert Scenario.from_json(out) == sc
    assert Scenario.from_json(json.dumps(out, ensure_ascii=False)) == sc
    assert json.loads(json.dumps(out)) == out  # JSON-serialisable as it is
    assert out["pool"] == {"total": 25000, "per_year": {"2019": 6000, "2020": 7000}}
    assert out["risk_haircut"]["høj"] == 0.5 and out["price_index"] == {"2018": 98.5}
    assert sc.pool == Pool(total=25000, per_year={2019: 6000, 2020: 7000})
    sc.validate_for(ds)
    assert hash(sc) == hash(Scenario.from_json(out))


def test_frozen():
    sc = Scenario()
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on assignment
        sc.base_year = 2021  # type: ignore[misc]
    assert sc.replace(base_year=2021).base_year == 2021 and sc.base_year == 2020


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "objective": st.sampled_from(["net", "permanent", "annual", "npv"]),
    "pool": st.fixed_dictionaries({}, optional={
        "total": st.none() | st.floats(0, 1e6, allow_nan=False),
        "per_year": st.dictionaries(st.integers(2019, 2024).map(str), st.integers(0, 10**6), max_size=3)}),
    "max_risk": st.none() | st.sampled_from(["lav", "middel", "høj"]),
    "max_risky_share": st.none() | st.floats(0, 1),
    "risk_haircut": st.fixed_dictionaries({}, optional={"middel": st.floats(0, 1), "høj": st.floats(0, 1)}),
    "max_payback_years": st.none() | st.integers(1, 10),
    "force_in": st.lists(st.sampled_from(["TV01", "BU09"]), unique=True),
    "dependencies": st.booleans(),
    "time_limit": st.floats(0.1, 60),
}))
def test_round_trip_property(fields):
    sc = Scenario.from_json(fields)
    again = Scenario.from_json(json.dumps(sc.to_json(), ensure_ascii=False))
    assert again == sc and again.to_json() == sc.to_json()


@pytest.mark.parametrize("fields, needle", [
    ({"unknown": 1}, "unknown"),
    ({"pool": {"total": 100, "extra": 1}}, "pool.extra"),
    ({"base_year": "2020"}, "base_year"),
    ({"horizon": [2024, 2019]}, "rækkefølge"),
    ({"horizon": [2019]}, "horizon"),
    ({"pool": {"total": -1}}, "negativ"),
    ({"pool": {"per_year": {"2019": -5}}}, "negativ"),
    ({"pool": {"per_year": {"x": 5}}}, "årstal"),
    ({"pool": {"per_year": {"2030": 5}}}, "uden for horisonten"),
    ({"objective": "max"}, "objective"),
    ({"max_risk": "ekstrem"}, "max_risk"),
    ({"max_risky_share": 1.5}, "max_risky_share"),
    ({"risk_haircut": {"høj": -0.1}}, "risk_haircut"),
    ({"dependencies": "ja"}, "dependencies"),
    ({"force_in": "TV01"}, "force_in"),
    ({"force_in": ["TV01"], "force_out": ["TV01"]}, "både"),
    ({"solver": "gurobi"}, "solver"),
    ({"alignment": "midt"}, "alignment"),
    ({"price_index": {"2018": 0}}, "price_index"),
    ({"pool_covers": ["Drift"]}, "pool_covers"),
])
def test_malformed_scenarios(fields, needle):
    with pytest.raises(ScenarioError) as e:
        Scenario.from_json(fields)
    assert needle in str(e.value)


def test_invalid_json_text():
    with pytest.raises(ScenarioError, match="ikke gyldig JSON"):
        Scenario.from_json('{"pool": ')
    with pytest.raises(ScenarioError, match="JSON-objekt"):
        Scenario.from_json("[1, 2]")


@pytest.mark.parametrize("fields, needle", [
    ({"catalogues": ["KK2099"]}, "ukendt katalog 'KK2099'"),
    ({"force_in": ["XX01"]}, "ukendt forslag 'XX01'"),
    ({"force_out": ["XX02"]}, "ukendt forslag 'XX02'"),
    ({"variants": {"XX03": "Model 1"}}, "ukendt forslag 'XX03'"),
    ({"variants": {"SI05": "Model 3"}}, "SI05 har ingen variant 'Model 3'"),
    ({"variants": {"TV01": "Model 1"}}, "TV01 har ingen varianter"),
    ({"force_in": ["BC17-FIT"]}, "ikke med i de valgte kataloger"),
    ({"catalogues": ["KK2020", "BC2017"], "base_year": 2040}, "mangler en værdi for 2040"),
])
def test_validation_against_dataset(ds, fields, needle):
    with pytest.raises(ScenarioError) as e:
        Scenario.from_json(fields).validate_for(ds)
    assert needle in str(e.value)


# --- the CLI ---------------------------------------------------------------------------------------


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, data: object, name: str = "s.json") -> str:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(p)


def test_cli_json_shape_and_numbers(capsys, tmp_path):
    code, out, err = cli(capsys, "optimise", "--scenario", write(tmp_path, {"pool": {"total": 10000}}), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc)[:7] == ["status", "objective", "selected", "investment_by_year", "net_by_year",
                             "explanation", "permanent_by_year"]
    assert doc["status"] == "optimal" and doc["explanation"] is None
    assert doc["objective"] == 137975
    assert {s["key"] for s in doc["selected"]} == {"SI05", "UD03", "HA03", "HA06", "TV02"}
    assert {"key": "SI05", "variant": "Model 1"} in doc["selected"]
    assert doc["investment_by_year"] == {"2019": 4100, "2020": 3750, "2021": 2100, "2022": 0, "2023": 0, "2024": 0}
    assert sum(doc["net_by_year"].values()) == -137975
    assert doc["scenario"]["pool"]["total"] == 10000


def test_cli_flags_without_file(capsys):
    code, out, _ = cli(capsys, "optimise", "--pool", "10000", "--max-risk", "lav", "--objective", "annual", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "optimal"
    assert doc["scenario"]["max_risk"] == "lav" and doc["scenario"]["objective"] == "annual"
    assert doc["scenario"]["catalogues"] == ["KK2020"]
    risky = {"BU01", "BU08", "BU09", "SI01", "SI02", "HA01", "HA02", "HA06", "HA08"}
    assert not risky & {s["key"] for s in doc["selected"]}
    assert sum(doc["investment_by_year"].values()) <= 10000


def test_cli_flags_override_the_file(capsys, tmp_path):
    path = write(tmp_path, {"pool": {"total": 1000, "per_year": {"2019": 900}}, "objective": "net"})
    code, out, _ = cli(capsys, "optimise", "--scenario", path, "--pool", "5000", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["scenario"]["pool"] == {"total": 5000, "per_year": {"2019": 900}}


def test_cli_infeasible_exit_0(capsys, tmp_path):
    path = write(tmp_path, {"pool": {"total": 5000}, "force_in": ["BU09", "TV01"]})
    code, out, _ = cli(capsys, "optimise", "--scenario", path, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "infeasible" and doc["objective"] is None and doc["selected"] == []
    assert "29.150" in doc["explanation"] and "5.000" in doc["explanation"]
    code, out, _ = cli(capsys, "optimise", "--scenario", path)
    assert code == 0 and "ingen løsning" in out and "29.150" in out


def test_cli_text_report(capsys):
    code, out, _ = cli(capsys, "optimise", "--pool", "10000")
    assert code == 0
    assert "Status: optimal" in out and "Målværdi (besparelser positive): 137.975" in out
    assert "Valgte forslag (5)" in out and "TV02" in out and "Ikke valgt" in out
    assert "1.000 kr., 2020 p/l" in out


@pytest.mark.parametrize("content, needle", [
    ({"pool": {"total": 100}, "colour": "blue"}, "colour"),
    ({"pool": {"total": "mange"}}, "pool.total"),
    ({"force_in": ["NOPE1"]}, "NOPE1"),
    ({"pool": {"total": -100}}, "negativ"),
    ('{"pool": {"total": 100}', "JSON"),
    (None, "findes ikke"),
])
def test_cli_malformed_scenario_exits_2(capsys, tmp_path, content, needle):
    path = str(tmp_path / "missing.json") if content is None else write(tmp_path, content)
    code, out, err = cli(capsys, "optimise", "--scenario", path, "--json")
    assert code == 2
    assert out == ""
    assert needle in err


def test_cli_negative_pool_flag_exits_2(capsys):
    code, _, err = cli(capsys, "optimise", "--pool", "-1")
    assert code == 2 and "negativ" in err
