"""The investeringsmodel's own rules on the 2020 catalogue: named pools, savings targets, no rising
måltal, self-financing and the min_pool objective.

The reference here is an independent model written in this file from the catalogue's cash-flow
lines (`data/cashflows.csv` as loaded, not the optimiser's `Item`s), solved with CBC: KK2020 is in
2020 p/l and its tables span 2019-2024, so at the default scenario every line's amounts are the
document's own. The random-instance properties of the same rules (against exhaustive enumeration)
are in tests/test_optimiser_properties.py, test_frontier.py, test_toggles_alternatives.py and
test_repairs.py, which draw every rule kind.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pulp
import pytest

from portfolio.data import DataError, default_data_dir, load_dataset
from portfolio.model import Block, DataSet, Styring
from portfolio.optimiser import build_instance, optimise
from portfolio.scenario import Scenario, ScenarioError

ROOT = Path(__file__).resolve().parent.parent
YEARS = tuple(range(2019, 2025))

# the issue's JSON, exactly as written there
ISSUE_SCENARIO = {
    "pools": [{"name": "drift", "covers": ["Service"], "total": 12000, "per_year": {"2020": 5000}},
              {"name": "anlæg", "covers": ["Anlæg"], "total": 3000}],
    "savings_targets": [{"year": 2021, "min": 20000, "measure": "maaltal", "udvalg": "Socialudvalget"}],
    "no_maaltal_increase": True,
    "self_financing_by": 2021,
}


@pytest.fixture(scope="module")
def ds() -> DataSet:
    return load_dataset()


# --- the independent reference model ------------------------------------------------------------


def reference_optimum(ds: DataSet, sc: dict) -> float | None:
    """The best objective (net, or min_pool reported positive) from the lines, with CBC; None
    when infeasible. Implements exactly the rules `sc` uses here (the stated dependencies, pools,
    savings targets, no rising måltal, self-financing, the default pool's covers for min_pool)."""
    props = [p for p in ds.proposals if p.catalogue == "KK2020"]
    lp = pulp.LpProblem("reference", pulp.LpMinimize)
    x: dict[tuple[str, str | None], pulp.LpVariable] = {}
    lines_of: dict[tuple[str, str | None], list] = {}
    for p in props:
        names = p.variant_names or (None,)
        for v in names:
            x[(p.key, v)] = lp.add_variable(f"x_{len(x)}", 0, 1, cat=pulp.LpInteger)
            lines_of[(p.key, v)] = [ln for ln in p.lines if ln.variant is None or ln.variant == v]
        lp += pulp.lpSum(x[(p.key, v)] for v in names) <= 1
    for d in ds.dependencies:  # "a kræver b": a's variants only together with one of b's
        if d.required and d.proposal_key in {p.key for p in props}:
            need = pulp.lpSum(var for (k, _), var in x.items() if k == d.other_key)
            for (k, _), var in x.items():
                if k == d.proposal_key:
                    lp += var <= need

    def total(pick) -> pulp.LpAffineExpression:
        return pulp.lpSum(x[k] * sum(pick(ln, y) for ln in lines for y in YEARS) for k, lines in lines_of.items())

    def in_year(pick, y: int) -> pulp.LpAffineExpression:
        return pulp.lpSum(x[k] * sum(pick(ln, y) for ln in lines) for k, lines in lines_of.items())

    def invest(covers):
        return lambda ln, y: ln.amounts.get(y, 0.0) if ln.block == Block.IMPL and ln.styring.value in covers else 0.0

    for pool in sc.get("pools", []):
        if pool.get("total") is not None:
            lp += total(invest(pool["covers"])) <= pool["total"]
        for y, cap in pool.get("per_year", {}).items():
            lp += in_year(invest(pool["covers"]), int(y)) <= cap
    for t in sc.get("savings_targets", []):
        def saving(ln, y, t=t):
            if ln.block != Block.VARIG or (t.get("udvalg") and ln.udvalg != t["udvalg"]):
                return 0.0
            if t.get("measure", "maaltal") == "maaltal" and ln.styring != Styring.SERVICE:
                return 0.0
            return -ln.amounts.get(y, 0.0)
        lp += in_year(saving, t["year"]) >= t["min"]
    if sc.get("no_maaltal_increase"):
        for u in {ln.udvalg for p in props for ln in p.lines}:
            for y in YEARS:
                lp += in_year(lambda ln, y, u=u: ln.amounts.get(y, 0.0) if (
                    ln.block == Block.VARIG and ln.styring == Styring.SERVICE and ln.udvalg == u) else 0.0, y) <= 0
    if sc.get("self_financing_by") is not None:
        lp += pulp.lpSum(in_year(lambda ln, y: ln.amounts.get(y, 0.0), y)
                         for y in YEARS if y <= sc["self_financing_by"]) <= 0
    if sc.get("objective") == "min_pool":
        lp += total(invest(["Service", "Anlæg"]))
    else:
        lp += total(lambda ln, y: ln.amounts.get(y, 0.0))  # the net effect: minimised = savings maximised
    lp.solve(pulp.PULP_CBC_CMD(msg=False))
    if pulp.LpStatus[lp.status] == "Infeasible":
        return None
    assert pulp.LpStatus[lp.status] == "Optimal"
    value = pulp.value(lp.objective)
    return value if sc.get("objective") == "min_pool" else -value


def run_cli(tmp_path: Path, scenario: dict, *args: str) -> dict:
    f = tmp_path / "scenario.json"
    f.write_text(json.dumps(scenario, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--scenario", str(f), "--json", *args],
                         capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    return json.loads(out.stdout)


# --- the CLI contract ------------------------------------------------------------------------------


def test_the_issues_json_is_read_exactly_and_gives_the_proven_optimum(ds, tmp_path):
    out = run_cli(tmp_path, ISSUE_SCENARIO)
    assert out["status"] == "optimal"
    assert out["scenario"]["pools"] == [
        {"name": "drift", "covers": ["Service"], "total": 12000, "per_year": {"2020": 5000}},
        {"name": "anlæg", "covers": ["Anlæg"], "total": 3000, "per_year": {}}]
    assert out["scenario"]["savings_targets"] == ISSUE_SCENARIO["savings_targets"]
    assert out["scenario"]["no_maaltal_increase"] is True and out["scenario"]["self_financing_by"] == 2021
    ref = reference_optimum(ds, ISSUE_SCENARIO)
    assert out["objective"] == pytest.approx(ref, abs=1e-6)
    assert out["objective"] == 164_795  # the figure, so a change shows
    # every rule on an amount, with the portfolio's value: all hold
    by_label = {r["label"]: r for r in out["rules"]}
    target = by_label["Socialudvalgets krav om mindst 20,0 mio. kr. i besparelse på måltallet i 2021"]
    assert target["bound"] == "min" and target["limit"] == 20000 and target["value"] >= 20000
    drift = by_label["puljen 'drift' i alt (12,0 mio. kr.)"]
    assert drift["bound"] == "max" and drift["value"] <= 12000
    assert by_label["puljen 'drift' i 2020 (5,0 mio. kr.)"]["value"] <= 5000
    assert by_label["puljen 'anlæg' i alt (3,0 mio. kr.)"]["value"] <= 3000
    assert by_label["kravet om selvfinansiering senest 2021 (nettoeffekten 2019–2021 højst 0 kr.)"]["value"] <= 0


@pytest.mark.parametrize("scenario", [
    {"savings_targets": [{"year": 2021, "min": 30000, "udvalg": "Socialudvalget"}]},
    {"savings_targets": [{"year": 2022, "min": 25000, "measure": "varig"}], "self_financing_by": 2020},
    {"pools": [{"name": "drift", "covers": ["Service"], "per_year": {"2019": 3000, "2020": 3000}}],
     "no_maaltal_increase": True},
    {"objective": "min_pool", "savings_targets": [{"year": 2021, "min": 20000, "udvalg": "Socialudvalget"}]},
    {"objective": "min_pool", "savings_targets": [{"year": 2020, "min": 30000, "measure": "varig"},
                                                  {"year": 2023, "min": 35000}]},
])
def test_the_optimum_equals_the_reference_model(ds, scenario):
    res = optimise(ds, Scenario.from_json(scenario))
    ref = reference_optimum(ds, scenario)
    assert res.status == "optimal"
    assert res.reported_objective == pytest.approx(ref, abs=1e-6)


def test_min_pool_reports_the_pool_investment_positive(ds, tmp_path):
    sc = {"objective": "min_pool", "savings_targets": [{"year": 2021, "min": 20000, "udvalg": "Socialudvalget"}]}
    out = run_cli(tmp_path, sc)
    assert out["status"] == "optimal" and out["objective_kind"] == "min_pool"
    assert out["objective"] == 7000  # SI05 (Model 1) and TV02: 2.500 + 4.500 of Service and Anlæg investment
    assert {(s["key"], s["variant"]) for s in out["selected"]} == {("SI05", "Model 1"), ("TV02", None)}
    assert out["objective"] == sum(out["investment_by_year"].values())
    # with a named pool, the objective is that pool's investment
    drift = {**sc, "pools": [{"name": "drift", "covers": ["Service"]}]}
    res = optimise(load_dataset(), Scenario.from_json(drift))
    inst = build_instance(load_dataset(), Scenario.from_json(drift))
    chosen = [it for it in inst.items if (it.key, it.variant) in set(res.selected)]
    assert res.reported_objective == pytest.approx(sum(sum(it.invested_in(("Service",))) for it in chosen))


def test_an_impossible_target_is_explained_and_repaired_in_words(ds, tmp_path):
    sc = {"pool": {"total": 20000}, "savings_targets": [{"year": 2020, "min": 40000, "udvalg": "Socialudvalget"}]}
    out = run_cli(tmp_path, sc)
    assert out["status"] == "infeasible" and out["objective"] is None
    text = out["explanation"]
    assert ("Socialudvalgets krav på 40,0 mio. kr. i besparelse på måltallet i 2020 kan højst nås med 31,7 mio. kr. "
            "(2020 p/l) sammen med de andre regler i konflikten; sænk kravet eller løsn en af de andre regler.") in text
    # 31.715 is the most Socialudvalget's måltal can save in 2020: one krone more is impossible
    # (within the 20 mio. kr. pool, the conflict's other rule)
    def with_target(amount: int) -> dict:
        return {"pools": [{"name": "puljen", "covers": ["Service", "Anlæg"], "total": 20000}],
                "savings_targets": [{"year": 2020, "min": amount, "udvalg": "Socialudvalget"}]}
    assert reference_optimum(ds, with_target(31715)) is not None
    assert reference_optimum(ds, with_target(31716)) is None
    texts = [r["text"] for r in out["repairs"]]
    assert "Sænk Socialudvalgets krav i 2020 fra 40,0 mio. kr. til 31,7 mio. kr." in texts
    assert "Hæv puljen i alt fra 20,0 mio. kr. til 42,415 mio. kr." in texts
    for rep in out["repairs"]:  # each patch, applied, gives an optimal portfolio worth the stated objective
        fixed = run_cli(tmp_path, {**sc, **rep["scenario_patch"]})
        assert fixed["status"] == "optimal"
        assert fixed["objective"] == pytest.approx(rep["objective"], abs=1e-6)


def test_the_text_report_shows_the_rules_room(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(ISSUE_SCENARIO, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--scenario", str(f)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120, check=True).stdout
    assert "Regler med beløb (1.000 kr.; besparelse negativ):" in out
    assert "puljen 'anlæg' i alt (3,0 mio. kr.): brugt 2.600 (luft 400)" in out
    assert "Socialudvalgets krav om mindst 20,0 mio. kr. i besparelse på måltallet i 2021: besparelse -30.725 " \
           "(luft 10.725)" in out
    assert ("kravet om selvfinansiering senest 2021 (nettoeffekten 2019–2021 højst 0 kr.): nettoeffekt -41.830 "
            "(luft 41.830)") in out


# --- the scenario format -------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "needle"), [
    ({"pools": [{"name": "drift", "covers": ["Drift"]}]}, "'pools.0.covers.0': ugyldig værdi"),
    ({"pools": [{"name": "drift", "covers": []}]}, "en pulje skal dække mindst ét styringsområde"),
    ({"pools": [{"name": "a", "covers": ["Service"]}, {"name": "a", "covers": ["Anlæg"]}]},
     "puljenavnet a står flere gange"),
    ({"pools": [{"name": "a", "covers": ["Service"], "per_year": {"2030": 5}}]},
     "puljen 'a' har beløb for år uden for horisonten 2019-2024: 2030"),
    ({"savings_targets": [{"year": 2030, "min": 5}]}, "'savings_targets' har krav for år uden for horisonten"),
    ({"savings_targets": [{"year": 2021, "min": -5}]}, "'savings_targets.0.min': må ikke være negativ"),
    ({"savings_targets": [{"year": 2021, "min": 5, "measure": "alt"}]}, "'savings_targets.0.measure': ugyldig værdi"),
    ({"savings_targets": [{"year": 2021, "min": 5}, {"year": 2021, "min": 7}]}, "har to krav for 2021"),
    ({"self_financing_by": 2030}, "'self_financing_by' (2030) ligger uden for horisonten 2019-2024"),
    ({"no_maaltal_increase": "ja"}, "'no_maaltal_increase': skal være true eller false"),
    ({"pools": [{"name": str(i), "covers": ["Service"]} for i in range(21)]}, "'pools' har 21 elementer; højst 20"),
])
def test_malformed_rules_are_refused_in_danish(data, needle):
    with pytest.raises(ScenarioError) as e:
        Scenario.from_json(data)
    assert needle in str(e.value)


def test_an_unknown_udvalg_is_refused_against_the_data(ds):
    sc = Scenario.from_json({"savings_targets": [{"year": 2021, "min": 5, "udvalg": "Kulturudvalget"}]})
    with pytest.raises(ScenarioError) as e:
        build_instance(ds, sc)
    assert "savings_targets: ukendt udvalg 'Kulturudvalget'" in str(e.value)


def test_a_named_pool_above_the_limit_is_refused(ds):
    sc = Scenario.from_json({"pools": [{"name": "drift", "covers": ["Service"], "total": 1e12}]})
    with pytest.raises(ScenarioError) as e:
        build_instance(ds, sc)
    assert "puljen 'drift' i alt på" in str(e.value) and "er for stor" in str(e.value)


# --- the innovation pool is data -------------------------------------------------------------------


def _mark_innovation(data_dir: Path, key: str, line_id: str, value: str = "ja") -> None:
    path = data_dir / "cashflows.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        cols = [*(reader.fieldnames or []), "innovationspulje"]
        rows = list(reader)
    for r in rows:
        r["innovationspulje"] = value if (r["proposal_key"], r["line_id"]) == (key, line_id) else ""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_no_shipped_line_is_marked_for_the_innovation_pool(ds):
    assert not any(ln.innovation for p in ds.proposals for ln in p.lines)


def test_an_innovation_pool_covers_exactly_the_marked_lines(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(default_data_dir(), d)
    impl = next(ln for p in load_dataset().proposals if p.key == "TV02" for ln in p.lines if ln.block == Block.IMPL)
    _mark_innovation(d, "TV02", impl.line_id)
    marked = load_dataset(d)
    tv02 = next(ln for p in marked.proposals if p.key == "TV02" for ln in p.lines if ln.line_id == impl.line_id)
    assert tv02.innovation and sum(tv02.amounts.values()) > 0
    base = {"pool": {"total": 20000}}
    inst = build_instance(marked, Scenario.from_json(base))
    item = next(it for it in inst.items if it.key == "TV02")
    # the marked line is financed by the innovation pool: not in the main pool, in a pool covering it
    assert sum(item.pool_investment) == pytest.approx(sum(build_instance(load_dataset(), Scenario.from_json(
        base)).items[inst.items.index(item)].pool_investment) - sum(tv02.amounts.values()))
    assert sum(item.invested_in(("Innovationspulje",))) == pytest.approx(sum(tv02.amounts.values()))
    tight = {**base, "pools": [{"name": "innovation", "covers": ["Innovationspulje"], "total": 0}]}
    res = optimise(marked, Scenario.from_json(tight))
    assert res.status == "optimal" and "TV02" not in {k for k, _ in res.selected}
    roomy = {**base, "pools": [{"name": "innovation", "covers": ["Innovationspulje"], "total": 10000}]}
    assert "TV02" in {k for k, _ in optimise(marked, Scenario.from_json(roomy)).selected}


def test_the_innovation_mark_is_checked(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(default_data_dir(), d)
    varig = next(ln for p in load_dataset().proposals if p.key == "TV02" for ln in p.lines if ln.block == Block.VARIG)
    _mark_innovation(d, "TV02", varig.line_id)
    with pytest.raises(DataError) as e:
        load_dataset(d)
    p = e.value.problems[0]
    assert (p.file, p.column) == ("cashflows.csv", "innovationspulje")
    assert "kun en investeringslinje (impl) kan finansieres af innovationspuljen" in p.message
    _mark_innovation(d, "TV02", varig.line_id, "måske")
    with pytest.raises(DataError) as e:
        load_dataset(d)
    assert "'måske' skal være ja, nej eller tom" in e.value.problems[0].message
