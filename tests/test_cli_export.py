"""`python -m portfolio optimise --export out.xlsx`: the CLI writes the dashboard's workbook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "portfolio", *args], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    return json.loads(run.stdout) if "--json" in args else {}


def test_cli_export_matches_the_cli_result(tmp_path):
    """The workbook `optimise --export` writes holds the `--json` figures converted for people:
    mio. kr. (/1000) and savings negative (the JSON's objective and deltas count savings positive)."""
    sc = tmp_path / "s.json"
    sc.write_text(json.dumps({"pool": {"total": 20000}, "force_in": ["BU09"], "max_risk": "middel"}), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    res = _cli("optimise", "--scenario", str(sc), "--json", "--export", str(out))
    prices = _cli("prices", "--scenario", str(sc), "--json")
    assert res["status"] == "optimal"
    assert res["objective"] == prices["objective"] > 0  # the JSON contract: maximised, savings positive
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Forudsætninger", "Nøgletal", "Valgte forslag", "Økonomi pr. år", "Måltal pr. udvalg",
                             "Alle forslag", "Afvigelser"]
    kf = {r[0]: r[1] for r in wb["Nøgletal"].iter_rows(values_only=True) if r[0]}
    assert "Målværdi (besparelser positive)" not in kf
    assert kf["Målværdi (mio. kr.; besparelse negativ)"] == pytest.approx(-res["objective"] / 1000, abs=1e-9)
    assert kf["Nettoeffekt over horisonten (mio. kr.)"] == pytest.approx(sum(res["net_by_year"].values()) / 1000,
                                                                         abs=1e-9)
    assert kf["Investering i alt (mio. kr.)"] == pytest.approx(sum(res["investment_by_year"].values()) / 1000,
                                                               abs=1e-9)
    assert kf["Puljeforbrug (mio. kr.)"] == pytest.approx(res["pool_use_total"] / 1000, abs=1e-9)
    assert kf["Pulje i alt (mio. kr.)"] == 20
    keys_in_sheet = {r[0] for r in wb["Valgte forslag"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert {s["key"] for s in res["selected"]} <= keys_in_sheet
    assert "BU09" in keys_in_sheet
    # per year, the economy sheet against the JSON
    eco = wb["Økonomi pr. år"]
    head = [c.value for c in eco[3]]
    net = next(r for r in eco.iter_rows(min_row=4, values_only=True) if r[0] and r[0].startswith("Nettoeffekt"))
    for year, value in res["net_by_year"].items():
        assert net[head.index(year)] == pytest.approx(value / 1000, abs=1e-9)
    # the toggle prices: the change in net effect, i.e. -delta / 1000
    ws = wb["Alle forslag"]
    head = [c.value for c in ws[3]]
    col = head.index("Ændring i nettoeffekt ved skift (mio. kr.; negativ = større besparelse)")
    cells = {r[0]: r[col] for r in ws.iter_rows(min_row=4, values_only=True) if r[0] and r[1] in (None, "Model 1")}
    checked = 0
    for p in prices["prices"]:
        if p["delta"] is None:
            assert cells[p["key"]] == "Ingen løsning ved skiftet"
            continue
        assert cells[p["key"]] == pytest.approx(-p["delta"] / 1000, abs=1e-9), p["key"]
        checked += 1
    assert checked >= 10
    tv = next(p for p in prices["prices"] if p["key"] == "HA03")
    assert tv["delta"] < 0 and cells["HA03"] > 0  # forcing HA03 costs: the net effect rises


def test_cli_export_of_an_infeasible_scenario_writes_nothing(tmp_path):
    out = tmp_path / "out.xlsx"
    sc = tmp_path / "s.json"
    sc.write_text(json.dumps({"pool": {"total": 100}, "force_in": ["TV01"]}), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--scenario", str(sc), "--export", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and not out.exists()
    assert "Ingen portefølje at eksportere" in run.stderr
    run = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--pool", "-5", "--export", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and not out.exists()


def test_cli_export_of_a_negotiation_has_the_agreement_sheet(tmp_path):
    """With parties in the scenario, the workbook starts with the sheet "Aftale": the common ground
    of `negotiate --json`, each demand's price as the change in net effect (-delta / 1000)."""
    parties = [{"name": "A", "must": ["BU09"]}, {"name": "B", "never": ["TV02"], "max_pool": 15000}]
    sc = tmp_path / "s.json"
    sc.write_text(json.dumps({"pool": {"total": 20000}, "parties": parties}), encoding="utf-8")
    pos = tmp_path / "pos.json"
    pos.write_text(json.dumps({"scenario": {"pool": {"total": 20000}}, "parties": parties}), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    res = _cli("optimise", "--scenario", str(sc), "--json", "--export", str(out))
    neg = _cli("negotiate", "--positions", str(pos), "--json")
    assert res["selected"] == neg["selected"] and res["objective"] == neg["objective"] == 111315
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Aftale" and len(wb.sheetnames) == 8
    cells = list(wb["Aftale"].iter_rows(values_only=True))
    by_label = {r[0]: r for r in cells if r[0]}
    assert by_label["Målværdi (mio. kr.; besparelse negativ)"][1] == pytest.approx(-neg["objective"] / 1000)
    keys = [r[0] for r in cells[cells.index(next(r for r in cells if r[0] == "Nøgle")) + 1:]][:len(neg["selected"])]
    assert keys == [s["key"] for s in neg["selected"]]
    texts = {"must:BU09": "Kræver BU09 med", "never:TV02": "Afviser TV02", "max_pool": "Puljeloft: højst 15,0"}
    for d in neg["price_of_demand"]:
        row = next(r for r in cells if r[0] and r[0].startswith(texts[d["demand"]]))
        assert row[1] == "Opfyldt" and row[5] == pytest.approx(-d["delta"] / 1000, abs=1e-9), d
    assert [r[5] for r in cells if r[0] == "Prisen for partiet i alt (alle partiets krav droppet)"] == [
        pytest.approx(-neg["price_of_party"][p] / 1000, abs=1e-9) for p in ("A", "B")]
