"""`python -m portfolio optimise --export out.xlsx`: the CLI writes the dashboard's workbook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent


def test_cli_export_matches_the_cli_result(tmp_path):
    sc = tmp_path / "s.json"
    sc.write_text(json.dumps({"pool": {"total": 20000}, "force_in": ["BU09"], "max_risk": "middel"}), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    run = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--scenario", str(sc), "--json",
                          "--export", str(out)], capture_output=True, text=True, cwd=ROOT, check=True)
    res = json.loads(run.stdout)
    assert res["status"] == "optimal"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Forudsætninger", "Nøgletal", "Valgte forslag", "Økonomi pr. år", "Måltal pr. udvalg",
                             "Alle forslag", "Afvigelser"]
    kf = {r[0]: r[1] for r in wb["Nøgletal"].iter_rows(values_only=True) if r[0]}
    assert kf["Målværdi (besparelser positive)"] == res["objective"]
    assert kf["Nettoeffekt over horisonten"] == sum(res["net_by_year"].values())
    assert kf["Investering i alt"] == sum(res["investment_by_year"].values())
    keys_in_sheet = {r[0] for r in wb["Valgte forslag"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert {s["key"] for s in res["selected"]} <= keys_in_sheet
    assert "BU09" in keys_in_sheet


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
