"""The relative-gap setting (issue 13): `Scenario.mip_gap`, the proven bound and the remaining gap in
the result, the status "within_gap", and the field in the URL, the export, the CLI and the sidebar.

On a synthetic catalogue the gap-limited solve is checked against the proven optimum of the same
scenario with mip_gap = 0: bound >= optimum >= objective, and the reported gap is the bound's
distance from the objective."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from portfolio.data import load_dataset
from portfolio.export import assumption_rows
from portfolio.optimiser import optimise
from portfolio.scenario import Scenario, ScenarioError
from portfolio.urlstate import from_query, to_query

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_optimiser import synthetic_dataset, synthetic_scenario  # noqa: E402

APP = str(ROOT / "app.py")
DS = load_dataset()


@pytest.fixture(scope="module")
def syn():
    return synthetic_dataset(600, seed=7)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_gap_limited_solve_reports_a_bound_consistent_with_the_proven_optimum(syn, solver):
    proven = optimise(syn, synthetic_scenario(syn, solver, mip_gap=0.0))
    assert proven.status == "optimal" and proven.gap == 0.0 and proven.bound == proven.objective
    res = optimise(syn, synthetic_scenario(syn, solver, mip_gap=0.05))
    assert res.status == "within_gap"  # stopped at the gap: not called optimal
    assert res.mip_gap == 0.05
    assert 0 < res.gap <= 0.05
    tol = 1e-6 * abs(proven.objective)
    assert res.bound + tol >= proven.objective >= res.objective - tol
    assert res.gap == pytest.approx((res.bound - res.objective) / abs(res.bound), rel=1e-9)
    text = res.gap_text()
    assert text.startswith("Ikke bevist optimal: optimeringen stoppede ved den tilladte afstand til optimum (5 %)")
    assert "højst" in text and "mio. kr." in text
    out = res.to_json()
    assert out["status"] == "within_gap" and out["bound"] == pytest.approx(res.bound) and out["gap"] == pytest.approx(res.gap, abs=1e-9)


def test_the_2020_catalogue_with_a_gap_is_proven_optimal_or_within_the_gap():
    res = optimise(DS, Scenario.from_json({"pool": {"total": 20000}, "mip_gap": 0.05}))
    ref = optimise(DS, Scenario.from_json({"pool": {"total": 20000}}))
    assert res.objective <= ref.objective + 1e-6
    if res.status == "optimal":
        assert res.gap == 0.0 and res.bound == res.objective and res.gap_text() is None
    else:
        assert res.status == "within_gap" and res.gap <= 0.05 and res.bound >= ref.objective - 1e-6


def test_min_pool_reports_the_bound_in_the_objectives_sign(syn):
    sc = synthetic_scenario(syn, mip_gap=0.0).replace(objective="min_pool", savings_targets=[
        {"year": 2022, "min": 200000, "measure": "varig"}])
    res = optimise(syn, sc)
    assert res.status == "optimal"
    out = res.to_json()
    assert out["objective"] > 0 and out["bound"] == out["objective"] and out["gap"] == 0


def test_the_gap_is_validated_in_danish():
    assert Scenario().mip_gap == 0.0
    assert Scenario.from_json({"mip_gap": 0.5}).mip_gap == 0.5
    for bad in (0.7, -0.01):
        with pytest.raises(ScenarioError, match="den tilladte afstand til optimum skal være mellem 0 og 0,5"):
            Scenario.from_json({"mip_gap": bad})


def test_the_gap_goes_through_the_url_and_back():
    sc = Scenario().replace(mip_gap=0.025)
    query = to_query(sc, Scenario())
    assert query == {"gap": "0.025"}
    back, notices = from_query(query, DS)
    assert not notices and back.mip_gap == 0.025 and back.to_json() == sc.to_json()


def test_the_gap_has_its_row_in_the_exported_settings():
    rows = {label: value for label, value, *_ in assumption_rows(DS, Scenario().replace(mip_gap=0.05), "mio. kr.")}
    assert rows["Tilladt afstand til optimum"].value == 0.05
    rows = {label: value for label, value, *_ in assumption_rows(DS, Scenario(), "mio. kr.")}
    assert rows["Tilladt afstand til optimum"].value == 0.0


def _cli(*args: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "portfolio", *args], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_cli_json_has_bound_and_gap_beside_every_old_key(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"pool": {"total": 20000}}), encoding="utf-8")
    out = _cli("optimise", "--scenario", str(path), "--json", "--mip-gap", "0.05")
    for key in ("status", "objective", "selected", "investment_by_year", "net_by_year", "explanation",
                "permanent_by_year", "pool_use_by_year", "pool_use_total", "objective_kind", "unit", "solver",
                "solve_seconds", "statuses", "conflicts", "repairs", "rules", "bound", "gap", "scenario"):
        assert key in out, key
    assert out["scenario"]["mip_gap"] == 0.05
    assert out["bound"] >= out["objective"] - 1e-6 and 0 <= out["gap"] <= 0.05
    plain = _cli("optimise", "--scenario", str(path), "--json")
    assert plain["status"] == "optimal" and plain["gap"] == 0 and plain["bound"] == plain["objective"]


def test_the_cli_text_says_how_far_from_the_optimum(syn, tmp_path, monkeypatch, capsys):
    from portfolio.cli_optimise import print_result  # noqa: PLC0415
    from portfolio.optimiser import build_instance  # noqa: PLC0415

    sc = synthetic_scenario(syn, mip_gap=0.05)
    res = optimise(syn, sc)
    print_result(sc, build_instance(syn, sc), res)
    out = capsys.readouterr().out
    assert "Status: inden for den tilladte afstand til optimum (ikke bevist optimal)" in out
    assert "Afstand til optimum: højst " in out and "(tilladt: 5 %); bevist grænse for målværdien: -" in out


def test_typing_the_gap_in_the_sidebar_reaches_the_scenario():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.session_state["last_scenario"].mip_gap == 0.0
    field = at.text_input(key="mip_gap__text")
    assert field.label == "Tilladt afstand til optimum (%)" and field.value == "0"
    field.input("2,5").run()
    assert not at.exception
    assert at.session_state["last_scenario"].mip_gap == 0.025
    assert at.query_params.get("gap") in ("0.025", ["0.025"])
    at.text_input(key="mip_gap__text").input("2.5").run()  # English decimals are refused, in Danish
    assert any("2.5" in e.value or "komma" in e.value for e in at.error)
    assert at.session_state["last_scenario"].mip_gap == 0.025
    at.text_input(key="mip_gap__text").input("60").run()  # above 50 %
    assert at.error
    assert at.session_state["last_scenario"].mip_gap == 0.025


def _warning_app(path: str) -> None:
    import pickle  # noqa: PLC0415

    import streamlit as st  # noqa: PLC0415

    from ui import views  # noqa: PLC0415

    with open(path, "rb") as f:
        views.not_proven(pickle.load(f))
    st.caption("slut")


def test_the_dashboard_warns_with_the_gap_and_the_bound(syn, tmp_path):
    """A gap-limited result above the key figures: the Danish warning names the allowed gap, the
    remaining gap and the proven bound (in mio. kr., savings negative), as `Result.gap_text` words it."""
    import pickle  # noqa: PLC0415

    res = optimise(syn, synthetic_scenario(syn, "highs", mip_gap=0.05))
    assert res.status == "within_gap"
    path = tmp_path / "res.pkl"
    path.write_bytes(pickle.dumps(res))
    main = sys.modules["__main__"]
    try:
        at = AppTest.from_function(_warning_app, args=(str(path),), default_timeout=60).run()
    finally:  # AppTest leaves its script as __main__, which multiprocessing's spawn would run again
        sys.modules["__main__"] = main
    assert not at.exception
    [w] = at.warning
    from portfolio import fmt  # noqa: PLC0415
    from tests.test_app_flow import plain  # noqa: PLC0415

    text = plain(w.value)  # the markdown escapes of plain text (ui/text.md) removed
    assert text.startswith("Ikke bevist optimal: optimeringen stoppede ved den tilladte afstand til optimum (5 %)")
    assert f"højst {fmt.pct(res.gap, 2)} bedre" in text
    assert f"(grænse for målværdien: {fmt.mio(fmt.shown_objective(res.bound), 1)})." in text
    assert fmt.shown_objective(res.bound) < 0  # a saving: the documents' sign
