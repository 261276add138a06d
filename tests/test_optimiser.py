"""The optimiser on the real 2020 catalogue: hand-worked sums, explanations, variants,
dependencies, statuses, and agreement between HiGHS and CBC."""

from __future__ import annotations

import random

import numpy as np
import pytest

from portfolio.data import load_dataset
from portfolio.figures import variant_figures
from portfolio.model import Block, DataSet
from portfolio.optimiser import (
    Code,
    Instance,
    Item,
    ObjectiveSpec,
    Rule,
    Rules,
    available_solvers,
    build_instance,
    check_selection,
    optimise,
    solve,
    solve_model,
)
from portfolio.scenario import Scenario, ScenarioError

# Net effect over 2019-2024 (1.000 kr., 2020 p/l, savings positive) of every KK2020 proposal, read
# off the documents' Tabel 1 ('Samlet økonomisk påvirkning', I alt); SI05 as Model 1.
NET_2020 = {
    "BU01": 3200, "BU02": 400, "BU03": 750, "BU04": 600, "BU05": 5435, "BU06": 4350, "BU08": 2150,
    "BU09": 12900, "SI01": 2800, "SI02": 10500, "SI05": 43825, "UD03": 4500, "HA01": 18070,
    "HA02": 11200, "HA03": 11100, "HA05": 3900, "HA06": 6550, "HA07": 2400, "HA08": 770,
    "TV01": 56450, "TV02": 72000, "TV03": 5950,
}
SI05_MODEL2_NET = 42560
# Permanent change in 2024 (full phase-in), savings positive; SI05 as Model 1.
ANNUAL_2024 = {
    "BU01": 1000, "BU02": 700, "BU03": 300, "BU04": 500, "BU05": 1500, "BU06": 1050, "BU08": 650,
    "BU09": 3000, "SI01": 1000, "SI02": 3000, "SI05": 9265, "UD03": 1000, "HA01": 7150, "HA02": 3350,
    "HA03": 2500, "HA05": 1000, "HA06": 1600, "HA07": 690, "HA08": 300, "TV01": 19450, "TV02": 18300,
    "TV03": 2500,
}


@pytest.fixture(scope="module")
def ds() -> DataSet:
    return load_dataset()


def run(ds: DataSet, **fields: object):
    return optimise(ds, Scenario.from_json(fields))


def keys(res) -> set[str]:
    return {k for k, _ in res.selected}


# --- whole catalogue, no pool ---------------------------------------------------------------


def test_pool_admitting_everything_selects_every_net_positive_proposal(ds):
    res = run(ds, pool={"total": 1_000_000})
    assert res.status == "optimal"
    assert keys(res) == set(NET_2020)
    assert dict(res.selected)["SI05"] == "Model 1"
    assert sum(NET_2020.values()) == 279_800
    assert res.objective == pytest.approx(279_800, abs=1e-6)
    # the documents' sign convention for the yearly figures
    assert sum(res.net_by_year.values()) == pytest.approx(-279_800)
    assert res.investment_by_year[2019] > 0 and res.permanent_by_year[2024] < 0
    assert res.explanation is None and res.conflicts == ()
    # the totals are the chosen variants' own figures, added up
    inv = sum(variant_figures(v).total_investment for p in ds.catalogue("KK2020").proposals
              for v in p.variants if (p.key, v.name) in set(res.selected))
    assert sum(res.investment_by_year.values()) == pytest.approx(inv)
    assert res.pool_use_total == pytest.approx(inv)  # every KK2020 investment is Service or Anlæg


def test_no_pool_is_the_same_as_a_huge_pool(ds):
    assert run(ds).objective == pytest.approx(279_800)


def test_annual_objective_counts_the_last_year(ds):
    res = run(ds, objective="annual")
    assert res.objective == pytest.approx(sum(ANNUAL_2024.values()))
    assert sum(ANNUAL_2024.values()) == 79_805
    assert res.objective == pytest.approx(-res.permanent_by_year[2024])


def test_permanent_objective_ignores_investment(ds):
    res = run(ds, objective="permanent", pool={"total": 1_000_000})
    total_perm = -sum(res.permanent_by_year.values())
    assert res.objective == pytest.approx(total_perm)
    assert res.objective == pytest.approx(279_800 + sum(res.investment_by_year.values()))


def test_npv_objective_by_hand(ds):
    # only TV02 allowed: force it in and everything else out
    others = [k for k in NET_2020 if k != "TV02"]
    res = run(ds, objective="npv", discount_rate=0.05, npv_extra_years=2, force_in=["TV02"], force_out=others)
    v = ds.proposal("TV02").variants[0]
    f = variant_figures(v)
    net = [f.net[y] for y in range(2019, 2025)]
    expected = sum(-a / 1.05**n for n, a in enumerate(net))
    expected += -f.permanent[2024] / 1.05**6 - f.permanent[2024] / 1.05**7
    assert res.objective == pytest.approx(expected)
    assert res.selected == (("TV02", None),)


def test_haircut_discounts_savings_of_risky_proposals_only(ds):
    plain = build_instance(ds, Scenario())
    cut = build_instance(ds, Scenario.from_json({"risk_haircut": {"lav": 0.0, "middel": 0.25, "høj": 0.5}}))
    for it, a, b in zip(plain.items, plain.values, cut.values, strict=True):
        if it.risk == 0:
            assert a == b
    # BU09 (middel): 25 % of every negative permanent line amount is not counted
    p = ds.proposal("BU09")
    savings = sum(a for ln in p.lines if ln.block == Block.VARIG for a in ln.amounts.values() if a < 0)
    i = next(n for n, it in enumerate(plain.items) if it.key == "BU09")
    assert cut.values[i] == pytest.approx(plain.values[i] + 0.25 * savings)
    assert savings == -15_000  # 5 years of -3.000
    assert cut.values[i] == pytest.approx(12_900 - 0.25 * 15_000)
    # the pool use is not affected
    assert cut.items[i].pool_investment == plain.items[i].pool_investment


# --- tight pools ---------------------------------------------------------------------------------


def knapsack(inst: Instance, cap: int) -> float:
    """Independent check: best value with the pool total only (variants of a proposal exclusive)."""
    best = np.zeros(cap + 1)
    groups: dict[str, list[int]] = {}
    for i, it in enumerate(inst.items):
        groups.setdefault(it.key, []).append(i)
    for idx in groups.values():
        new = best.copy()
        for i in idx:
            w = int(round(inst.items[i].pool_total))
            v = inst.values[i]
            if w <= cap and v > 0:
                new[w:] = np.maximum(new[w:], best[: cap + 1 - w] + v)
        best = new
    return float(best[cap])


@pytest.mark.parametrize("cap", [0, 500, 3000, 10_000, 25_000])
def test_tight_pool_matches_knapsack(ds, cap):
    sc = Scenario.from_json({"pool": {"total": cap}, "dependencies": False})
    res = optimise(ds, sc)
    assert res.status == "optimal"
    assert res.pool_use_total <= cap + 1e-6
    assert res.objective == pytest.approx(knapsack(build_instance(ds, sc), cap))


def test_tight_pool_10000(ds):
    res = run(ds, pool={"total": 10_000})
    assert res.objective == pytest.approx(137_975)
    assert keys(res) == {"SI05", "UD03", "HA03", "HA06", "TV02"}
    assert res.pool_use_total == pytest.approx(9_950)
    assert res.investment_by_year == {2019: 4100, 2020: 3750, 2021: 2100, 2022: 0, 2023: 0, 2024: 0}


def test_per_year_pool_is_respected(ds):
    res = run(ds, pool={"per_year": {"2019": 2000, "2020": 3000, "2021": 3000}})
    assert res.status == "optimal"
    for y, cap in ((2019, 2000), (2020, 3000), (2021, 3000)):
        assert res.pool_use_by_year[y] <= cap + 1e-6
    assert "TV01" not in keys(res)  # 5.500 in 2019


# --- forced conflicts and their explanations -----------------------------------------------


def test_explain_pool_total(ds):
    res = run(ds, pool={"total": 5000}, force_in=["BU09", "TV01"])
    assert res.status == "infeasible" and res.objective is None and res.selected == ()
    text = res.explanation
    # amounts in mio. kr. with the unit (issue 10): the need rounded up, the pool as set
    assert "De tvungne forslag BU09 og TV01 kræver mindst 29,15 mio. kr. (2020 p/l) af puljen" in text
    assert "men puljen er 5,0 mio. kr. Denne konflikt" in text  # one full stop after 'kr.'
    assert "puljen i alt (5,0 mio. kr.)" in text
    assert "29.150" not in text and "5.000" not in text
    # the minimal conflict: TV01 alone is too big, BU09 is not needed for it
    assert set(res.conflicts[0].rules) == {Rule("force_in", key="TV01"), Rule("pool_total")}
    assert all(s.code == Code.NO_SOLUTION for s in res.statuses)


def test_explain_pool_per_year(ds):
    res = run(ds, pool={"per_year": {"2019": 3000}}, force_in=["BU09", "TV01"])
    assert res.status == "infeasible"
    assert ("Puljen i 2019 er 3,0 mio. kr., men de tvungne forslag BU09 og TV01 kræver mindst 5,7 mio. kr. "
            "(2020 p/l) i 2019.") in res.explanation
    assert "puljen i 2019 (3,0 mio. kr.)" in res.explanation
    assert set(res.conflicts[0].rules) == {Rule("force_in", key="TV01"), Rule("pool_year", year=2019)}


def test_explain_two_independent_conflicts(ds):
    res = run(ds, pool={"total": 5000, "per_year": {"2019": 3000}}, force_in=["TV01"])
    assert res.status == "infeasible"
    kinds = [{r.kind for r in c.rules} for c in res.conflicts]
    assert {"force_in", "pool_total"} in kinds and {"force_in", "pool_year"} in kinds
    assert "Konflikt 1" in res.explanation and "Konflikt 2" in res.explanation


def test_explain_risk(ds):
    res = run(ds, max_risk="lav", force_in=["BU09"])
    assert res.status == "infeasible"
    assert "BU09 er tvunget med, men har risiko middel over den højeste tilladte (lav)" in res.explanation


def test_explain_dependency_with_forced_out(ds):
    res = run(ds, force_in=["HA08"], force_out=["HA06"])
    assert res.status == "infeasible"
    assert "HA08 er tvunget med og kræver HA06, som er valgt fra" in res.explanation
    assert set(res.conflicts[0].rules) == {Rule("force_in", key="HA08"), Rule("force_out", key="HA06"),
                                           Rule("dependency", key="HA08", other="HA06")}


def test_explain_dependency_through_risk(ds):
    # HA08 is itself middel: the conflict needs only HA08 and the risk rule
    res = run(ds, force_in=["HA08"], max_risk="lav")
    assert "HA08 er tvunget med, men har risiko middel" in res.explanation


def test_explain_payback(ds):
    res = run(ds, max_payback_years=3, force_in=["BU02"])
    assert res.status == "infeasible"
    assert "BU02 er tvunget med, men har en tilbagebetalingstid på 6 år, over grænsen på 3 år" in res.explanation


def test_explain_risky_share(ds):
    res = run(ds, max_risky_share=0.1, force_in=["BU09"], pool={"total": 3000})
    assert res.status == "infeasible"
    assert "Højst 10 % af puljens investeringer må gå til forslag med middel eller høj risiko" in res.explanation
    # 2.100 of BU09 needs 18.900 of low-risk investment next to it: 21.000 in all
    assert "kræver mindst 21,0 mio. kr." in res.explanation


def test_explain_pinned_variant(ds):
    res = run(ds, variants={"SI05": "Model 2"}, force_in=["SI05"], pool={"total": 2800})
    assert res.status == "infeasible"
    assert "SI05 (Model 2) kræver mindst 3,1 mio. kr." in res.explanation
    assert "SI05 er låst til varianten Model 2" in res.explanation
    assert Rule("pinned", key="SI05", other="Model 2") in res.conflicts[0].rules


def test_conflicts_are_minimal(ds):
    scenarios = [
        {"pool": {"total": 5000}, "force_in": ["BU09", "TV01"]},
        {"force_in": ["HA08"], "force_out": ["HA06"], "max_risk": "middel"},
        {"max_risky_share": 0.1, "force_in": ["BU09"], "pool": {"total": 3000}},
        {"pool": {"per_year": {"2020": 1000}}, "force_in": ["SI05", "BU01"], "variants": {"SI05": "Model 2"}},
    ]
    for d in scenarios:
        sc = Scenario.from_json(d)
        inst = build_instance(ds, sc)
        res = solve(inst)
        assert res.status == "infeasible", d
        for c in res.conflicts:
            assert solve_model(inst, c.rules).status == "infeasible"
            for r in c.rules:
                rest = [x for x in c.rules if x != r]
                assert solve_model(inst, rest).status == "optimal", (d, r)


# --- variants and dependencies ---------------------------------------------------------------


def test_si05_model_1_by_objective_and_pinned_model_2(ds):
    res = run(ds)
    assert dict(res.selected)["SI05"] == "Model 1"
    assert res.status_of("SI05", "Model 2").code == Code.OTHER_VARIANT
    pinned = run(ds, variants={"SI05": "Model 2"})
    assert dict(pinned.selected)["SI05"] == "Model 2"
    assert pinned.objective == pytest.approx(279_800 - 43_825 + SI05_MODEL2_NET)
    st = pinned.status_of("SI05", "Model 1")
    assert st.code == Code.OTHER_VARIANT and "låst til varianten Model 2" in st.reason


def test_si05_variant_choice_under_pool(ds):
    # Model 1 is cheaper and saves more: with only room for one of them, Model 1 is chosen
    res = run(ds, pool={"total": 2500}, force_in=["SI05"])
    assert dict(res.selected)["SI05"] == "Model 1"
    assert run(ds, pool={"total": 3000}, force_in=["SI05"], variants={"SI05": "Model 2"}).status == "infeasible"


def test_ha08_forced_in_forces_ha06(ds):
    on = run(ds, pool={"total": 1230}, force_in=["HA08"])
    assert keys(on) == {"HA06", "HA08"}
    assert on.objective == pytest.approx(770 + 6550)
    off = run(ds, pool={"total": 1230}, force_in=["HA08"], dependencies=False)
    assert "HA06" not in keys(off) and "HA08" in keys(off)
    assert off.objective == pytest.approx(7670)  # HA08 + UD03 + HA07


def test_ha08_needs_ha06_status(ds):
    res = run(ds, force_out=["HA06"])
    assert "HA08" not in keys(res)
    st = res.status_of("HA08")
    assert st.code == Code.DEPENDENCY and "HA06" in st.reason
    assert res.status_of("HA06").code == Code.FORCED_OUT


def test_statuses(ds):
    res = run(ds, max_risk="middel", max_payback_years=5, force_in=["TV01"], pool={"total": 40_000})
    assert res.status == "optimal"
    assert res.status_of("TV01").code == Code.FORCED_IN
    assert res.status_of("BU02").code == Code.PAYBACK
    assert "6 år" in res.status_of("BU02").reason
    for s in res.statuses:
        assert s.reason
        assert s.chosen == ((s.key, s.variant) in set(res.selected))
    low = run(ds, max_risk="lav")
    assert low.status_of("BU09").code == Code.RISK
    assert "middel" in low.status_of("BU09").reason
    tight = run(ds, pool={"total": 1000})
    assert tight.status_of("TV01").code == Code.TOO_BIG  # 27.050 can never fit a pool of 1.000
    assert "(27,05 mio. kr., 2020 p/l)" in tight.status_of("TV01").reason
    assert "hele puljen (1,0 mio. kr.)" in tight.status_of("TV01").reason
    assert tight.status_of("HA07").code in (Code.CHOSEN, Code.LEFT_OUT)  # 350 fits
    assert {s.code for s in tight.statuses} <= {Code.CHOSEN, Code.LEFT_OUT, Code.TOO_BIG, Code.OTHER_VARIANT,
                                                Code.DEPENDENCY}
    # the case: at a 20 mio. kr. pool TV01 is not "outbid by others", it cannot fit at all
    twenty = run(ds, pool={"total": 20_000})
    assert twenty.status_of("TV01").code == Code.TOO_BIG
    assert twenty.status_of("TV01").reason.startswith("Kan ikke komme med")
    for pool, cap_of in (({"total": 20_000}, lambda it: it.pool_total > 20_000),
                         ({"per_year": {"2019": 1500}}, lambda it: it.pool_investment[0] > 1500)):
        sc = Scenario.from_json({"pool": pool})
        inst = build_instance(ds, sc)
        res = solve(inst)
        for it, s in zip(inst.items, res.statuses, strict=True):  # TOO_BIG exactly when it cannot fit
            if (it.key, it.variant) not in set(res.selected):
                assert (s.code == Code.TOO_BIG) == cap_of(it), (it.label, s)
    per_prop = tight.proposal_statuses()
    assert set(per_prop) == set(NET_2020)


def test_selection_satisfies_rules(ds):
    sc = Scenario.from_json({"pool": {"total": 20_000, "per_year": {"2019": 6000, "2020": 8000}},
                             "max_risky_share": 0.3, "max_risk": "middel", "force_in": ["HA08"]})
    inst = build_instance(ds, sc)
    res = solve(inst)
    chosen = [i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(res.selected)]
    assert check_selection(inst, chosen) == []
    risky = sum(inst.items[i].pool_total for i in chosen if inst.items[i].risk >= 1)
    assert risky <= 0.3 * res.pool_use_total + 1e-6


def test_older_business_cases_are_converted_and_shifted(ds):
    sc = Scenario.from_json({"catalogues": ["KK2020", "BC2017", "BC2018"]})
    inst = build_instance(ds, sc)
    fit = next(it for it in inst.items if it.key == "BC17-FIT")
    own = variant_figures(ds.proposal("BC17-FIT").variants[0])
    # 2017 p/l -> 2020 p/l, first year moved to 2019
    factor = 1.019 * 1.013 * 1.011  # Økonomistyrelsen 2018-2020: 1,9 %, 1,3 %, 1,1 %
    assert fit.investment[0] == pytest.approx(own.investment[2017] * factor)
    cal = build_instance(ds, sc.replace(alignment="kalender"))
    fit_cal = next(it for it in cal.items if it.key == "BC17-FIT")
    assert fit_cal.investment[0] == pytest.approx(own.investment[2019] * factor)
    over = build_instance(ds, sc.replace(price_index={"2017": 90.0}))
    fit_over = next(it for it in over.items if it.key == "BC17-FIT")
    assert fit_over.investment[0] == pytest.approx(own.investment[2017] * 100.0 / 90.0)
    assert optimise(ds, sc).status == "optimal"


def test_unknown_key_raises(ds):
    with pytest.raises(ScenarioError):
        build_instance(ds, Scenario.from_json({"force_in": ["XX99"]}))


# --- solvers -------------------------------------------------------------------------------------

AGREEMENT = [
    {},
    {"pool": {"total": 10_000}},
    {"pool": {"total": 20_000, "per_year": {"2019": 8000}}, "max_risky_share": 0.5},
    {"pool": {"total": 15_000, "per_year": {"2019": 4000, "2020": 5000}}, "objective": "npv",
     "npv_extra_years": 4, "risk_haircut": {"middel": 0.25, "høj": 0.5}},
    {"pool": {"total": 6000}, "objective": "annual", "max_risk": "middel", "force_in": ["HA08"]},
    {"pool": {"total": 12_000}, "objective": "permanent", "max_payback_years": 3, "variants": {"SI05": "Model 2"}},
    {"catalogues": ["KK2020", "BC2017", "BC2018"], "pool": {"total": 9000}, "max_risky_share": 0.2},
]


@pytest.mark.skipif("cbc" not in available_solvers(), reason="CBC is not available")
@pytest.mark.parametrize("fields", AGREEMENT)
def test_cbc_and_highs_agree(ds, fields):
    a = optimise(ds, Scenario.from_json(fields | {"solver": "highs"}))
    b = optimise(ds, Scenario.from_json(fields | {"solver": "cbc"}))
    assert a.solver == "highs" and b.solver == "cbc"
    assert a.status == b.status == "optimal"
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-6)


@pytest.mark.skipif("cbc" not in available_solvers(), reason="CBC is not available")
def test_cbc_reports_infeasible(ds):
    res = optimise(ds, Scenario.from_json({"pool": {"total": 5000}, "force_in": ["TV01"], "solver": "cbc"}))
    assert res.status == "infeasible"
    assert "27,05 mio. kr." in res.explanation


def synthetic(n: int, seed: int = 3) -> Instance:
    rnd = random.Random(seed)
    items = []
    for k in range(n):
        inv = tuple(float(rnd.randint(0, 3000)) for _ in range(6))
        perm = tuple(-float(rnd.randint(0, 2000)) for _ in range(6))
        items.append(Item(f"P{k}", None, rnd.randint(0, 2), rnd.randint(1, 6), inv, inv, perm, perm))
    caps = tuple((2019 + y, 0.25 * sum(it.pool_investment[y] for it in items)) for y in range(6))
    return Instance(tuple(range(2019, 2025)), tuple(items), Rules(pool_per_year=caps, max_risky_share=0.35),
                    ObjectiveSpec("npv"))


def test_time_limit_is_reported_honestly():
    inst = synthetic(3000)
    res = solve(inst, time_limit=0.02)
    assert res.status == "time_limit"
    if res.objective is not None:  # a feasible, unproven solution
        chosen = [i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(res.selected)]
        assert check_selection(inst, chosen) == []
    assert res.explanation is None




def _highs_lp_of_pulp(inst, maximise=True):
    """The model PuLP's own HiGHS interface builds from `milp._model` (what the project used to solve)."""
    import pulp

    from portfolio.optimiser.milp import _model

    lp, _ = _model(inst, inst.all_rules(), inst.values, pulp.LpMaximize if maximise else pulp.LpMinimize)
    solver = pulp.HiGHS(msg=False)
    solver.createAndConfigureSolver(lp)
    solver.buildSolverModel(lp)
    return lp.solverModel.getLp()


def _highs_lp_of_project(inst, monkeypatch):
    import highspy

    seen = []
    monkeypatch.setattr(highspy.Highs, "run", lambda self: seen.append(self.getLp()) or highspy.HighsStatus.kOk)
    import contextlib

    from portfolio.optimiser.milp import solve_model

    with contextlib.suppress(Exception):  # the run did nothing; only the model handed over counts
        solve_model(inst)
    return seen[0]


@pytest.mark.parametrize("fields", [
    {"pool": {"total": 20000, "per_year": {"2019": 8000}}, "max_risky_share": 0.5, "force_in": ["BU09"]},
    {"objective": "npv", "risk_haircut": {"middel": 0.25}, "pool": {"per_year": {"2019": 3000, "2024": 0}},
     "savings_targets": [{"year": 2021, "min": 5000, "measure": "maaltal"}], "variants": {"SI05": "Model 2"}},
    {"catalogues": ["KK2020", "BC2017"], "no_maaltal_increase": True, "self_financing_by": 2022,
     "pools": [{"name": "drift", "covers": ["Service"], "total": 12000}]},
])
def test_highs_gets_the_model_pulp_built_column_for_column(ds, fields, monkeypatch):
    """The bulk highspy path hands HiGHS the very model PuLP's HiGHS interface built (columns in
    PuLP's name order, the same rows, bounds and coefficients), so the solver breaks ties and stops
    at a gap as it did before the model stopped going through PuLP."""
    import numpy as np

    inst = build_instance(ds, Scenario.from_json(fields))
    want = _highs_lp_of_pulp(inst)
    got = _highs_lp_of_project(inst, monkeypatch)
    assert got.num_col_ == want.num_col_ and got.num_row_ == want.num_row_
    for name in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_", "integrality_"):
        assert np.array_equal(np.asarray(getattr(got, name)), np.asarray(getattr(want, name))), name
    for name in ("start_", "index_", "value_"):
        assert np.array_equal(np.asarray(getattr(got.a_matrix_, name)), np.asarray(getattr(want.a_matrix_, name))), name
