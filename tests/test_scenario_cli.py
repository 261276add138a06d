"""Scenario format (validation, JSON round trip) and the `optimise` CLI command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio import fmt
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
    "pools": [{"name": "drift", "covers": ["Service"], "total": 12000, "per_year": {"2020": 5000}},
              {"name": "anlæg", "covers": ["Anlæg"], "total": 3000, "per_year": {}}],
    "savings_targets": [{"year": 2021, "min": 20000, "measure": "maaltal", "udvalg": "Socialudvalget"}],
    "no_maaltal_increase": True, "self_financing_by": 2022, "mip_gap": 0.02,
    "parties": [{"name": "A", "colour": "#1f77b4", "must": ["BU09"], "never": ["HA02"], "max_pool": 20000,
                 "savings_targets": [{"year": 2021, "min": 5000, "measure": "varig", "udvalg": None}]}],
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
    # the explanation is text for people: mio. kr. with the unit
    assert "29,15 mio. kr." in doc["explanation"] and "5,0 mio. kr." in doc["explanation"]
    code, out, _ = cli(capsys, "optimise", "--scenario", path)
    assert code == 0 and "ingen løsning" in out and "29,15 mio. kr." in out


def test_cli_text_report(capsys):
    code, out, _ = cli(capsys, "optimise", "--pool", "10000")
    assert code == 0
    # the objective in the product's sign (savings negative), labelled, with the unit
    assert "Status: optimal (bevist optimal) – HiGHS" in out and "HIGHS" not in out
    assert "Målværdi (1.000 kr.; besparelse negativ): -137.975\n" in out
    assert "besparelser positive" not in out
    assert "Valgte forslag (5)" in out and "TV02" in out and "Ikke valgt" in out
    assert "1.000 kr., 2020 p/l" in out
    lines = out.splitlines()
    head = next(ln for ln in lines if ln.strip().startswith("Nøgle"))
    assert "Nettoeffekt" in head and "(1.000 kr.)" in head
    year_head = next(ln for ln in lines if "2019" in ln and "I alt" in ln)
    assert year_head.strip().startswith("1.000 kr.")
    net = next(ln for ln in lines if ln.strip().startswith("Nettoeffekt "))
    assert net.split()[-1] == "-137.975"  # the net effect in total: savings negative
    assert "Puljen i alt: 9.950 brugt af 10.000 (1.000 kr.)" in out


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


# --- the what-if commands: JSON contract unchanged, human tables in the product's sign ----------------


def test_analyses_json_keeps_the_maximised_value_savings_positive(capsys):
    """README's contract: `objective` (the frontier's too) and the prices' `delta` are the maximised
    value, savings counted positive; pinned numbers."""
    code, out, _ = cli(capsys, "frontier", "--pool", "10000", "--points", "3", "--json")
    assert code == 0
    fr = json.loads(out)
    assert fr["pool_max"] == 72145 and fr["unit"] == "1.000 kr., 2020 p/l"
    assert [(p["pool"], p["objective"]) for p in fr["points"]] == [(0, 0), (36072.5, 218800), (72145, 279800)]
    code, out, _ = cli(capsys, "prices", "--pool", "10000", "--json")
    pr = json.loads(out)
    assert pr["objective"] == 137975
    by_key = {p["key"]: p for p in pr["prices"]}
    assert (by_key["BU01"]["action"], by_key["BU01"]["delta"], by_key["BU01"]["objective_after"]) == (
        "force_in", -12050, 125925)
    assert by_key["TV01"]["delta"] is None and by_key["TV01"]["status"] == "infeasible"
    code, out, _ = cli(capsys, "alternatives", "--pool", "10000", "--k", "1", "--json")
    alt = json.loads(out)
    assert alt["optimum"] == 137975 and alt["items"][0]["objective"] == 136645 and alt["items"][0]["gap"] == 1330


def test_analyses_human_tables_show_savings_negative_with_the_unit(capsys):
    code, out, _ = cli(capsys, "frontier", "--pool", "10000", "--points", "3")
    assert code == 0
    assert "Metode: eksakt dynamisk programmering over puljen" in out and "pareto" not in out
    row = next(ln for ln in out.splitlines() if ln.strip().startswith("72.145"))
    assert row.split()[1] == "-279.800"  # the objective as a net effect
    head = next(ln for ln in out.splitlines() if "Pulje" in ln and "Målværdi" in ln)
    assert "1.000 kr." in head and "besparelse negativ" in head
    code, out, _ = cli(capsys, "prices", "--pool", "10000")
    assert "Målværdi nu (1.000 kr.; besparelse negativ): -137.975" in out
    head = next(ln for ln in out.splitlines() if "Handling" in ln)
    assert "Ændring i nettoeffekt" in head and "1.000 kr." in head
    bu01 = next(ln for ln in out.splitlines() if ln.strip().startswith("BU01"))
    assert bu01.split()[-3:] == ["12.050", "-125.925", "optimal"]  # forcing BU01 in raises the net effect
    code, out, _ = cli(capsys, "alternatives", "--pool", "10000", "--k", "1")
    assert "Den bedste portefølje, målværdi (1.000 kr.; besparelse negativ): -137.975 – entydig" in out
    assert "1. Målværdi (1.000 kr.; besparelse negativ): -136.645 – besparelsen er 1.330 (1.000 kr.) mindre" in out
    assert "Optimum: 185.030" not in out and "besparelser positive" not in out


def test_simulation_percentiles_are_named_by_meaning(capsys):
    from portfolio.optimiser import optimise
    from portfolio.simulation import simulate

    code, out, _ = cli(capsys, "simulate", "--pool", "10000", "--n", "40", "--seed", "3")
    assert code == 0
    assert "Pessimistisk" not in out and "Optimistisk" not in out and "P10" not in out
    ds = load_dataset()
    sc = Scenario.from_json({"pool": {"total": 10000}})
    sim = simulate(ds, sc, optimise(ds, sc).selected, n=40, seed=3)
    (bad, p90), (mid, p50), (good, p10) = sim.percentiles()
    assert bad.startswith("10 % risiko for at spare mindre end ") and good.startswith("10 % chance for at spare mere")
    lines = out.splitlines()
    for name, value in ((bad, p90), (mid, p50), (good, p10)):
        line = next(ln for ln in lines if ln.strip().startswith(name))
        assert line.split()[-1] == fmt.tal(value) and value < 0  # savings negative, 1.000 kr.
    head = next(ln for ln in lines if ln.startswith("Nettoeffekt over horisonten"))
    assert "(1.000 kr.; besparelse negativ)" in head
    assert next(ln for ln in lines if "Efter dokumenterne" in ln).split()[-1] == "-137.975"
