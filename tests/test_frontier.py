"""The pool frontier (portfolio/frontier.py) and the reusable HiGHS model it falls back on.

The reference is an exhaustive enumerator written here from the rules' definitions (not from the
optimiser's code): every selection with at most one variant per proposal, the rules checked one
by one, the objective computed from the yearly amounts. The other analysis tests import it.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.cli import main
from portfolio.frontier import (
    frontier_breakpoints,
    frontier_points,
    pareto_applies,
    pool_frontier,
    pool_max_of,
    step_pools,
)
from portfolio.optimiser import (
    Instance,
    Item,
    ObjectiveSpec,
    ReusableModel,
    Rules,
    build_instance,
    check_selection,
    optimise,
)
from portfolio.scenario import Scenario
from tests.test_optimiser_properties import (
    OBJECTIVES,
    expected_rules,
    feasible_mask,
    investeringsmodel_rules,
    item_detail,
    objective_covers,
    party_rules,
    value,
)

TOL = 1e-6


# --- the independent enumerator ---------------------------------------------------------------


def item_worth(it: Item, spec: ObjectiveSpec) -> float:
    """An item's objective contribution from the definitions (savings positive): the property
    tests' enumerator."""
    return value(it, spec)


def selections(inst: Instance) -> np.ndarray:
    """Every selection (at most one variant per proposal) as 0/1 rows over the items."""
    keys: dict[str, list[int]] = {}
    for i, it in enumerate(inst.items):
        keys.setdefault(it.key, []).append(i)
    rows = []
    for combo in itertools.product(*[[None, *idx] for idx in keys.values()]):
        row = np.zeros(len(inst.items))
        for i in combo:
            if i is not None:
                row[i] = 1.0
        rows.append(row)
    return np.array(rows).reshape(len(rows), len(inst.items))


def allowed(inst: Instance, X: np.ndarray, rules: Rules | None = None) -> np.ndarray:
    """Which rows of X satisfy the rules (the instance's, or `rules`), straight from their meaning:
    the property tests' enumerator over the groups the test itself reads from the rules."""
    trial = inst if rules is None else replace(inst, rules=rules)
    return feasible_mask(trial, X, expected_rules(trial))


def worths(inst: Instance) -> np.ndarray:
    return np.array([item_worth(it, inst.objective) for it in inst.items])


def best_by_enumeration(inst: Instance, rules: Rules | None = None) -> float | None:
    X = selections(inst)
    ok = allowed(inst, X, rules)
    return float((X[ok] @ worths(inst)).max()) if ok.any() else None


def is_allowed(inst: Instance, chosen: tuple[int, ...] | list[int], rules: Rules | None = None) -> bool:
    row = np.zeros((1, len(inst.items)))
    row[0, list(chosen)] = 1.0
    keys = [inst.items[i].key for i in chosen]
    return len(set(keys)) == len(keys) and bool(allowed(inst, row, rules)[0])


@st.composite
def small_instances(draw: st.DrawFn, max_props: int = 8, resource_rules: bool = True) -> Instance:
    """Random instances small enough to enumerate (at most ~3.000 selections)."""
    n_years = draw(st.integers(1, 3))
    years = tuple(range(2019, 2019 + n_years))
    n_props = draw(st.integers(1, max_props))
    keys = [f"P{k}" for k in range(n_props)]
    combos, nvs = 1, []
    for _ in keys:
        nv = draw(st.sampled_from([1, 1, 1, 2, 3]))
        while nv > 1 and combos * (nv + 1) > 3000:
            nv -= 1
        if combos * (nv + 1) > 3000:
            break
        combos *= nv + 1
        nvs.append(nv)
    keys = keys[:len(nvs)]
    ints = st.lists(st.integers(0, 40), min_size=n_years, max_size=n_years)
    items = []
    for key, nv in zip(keys, nvs, strict=True):
        requires = ()
        if draw(st.integers(0, 3)) == 0:
            requires = (draw(st.sampled_from([k for k in keys if k != key] + ["OUTSIDE"])),)
        for v in range(nv):
            pool = draw(ints)
            extra = draw(ints)
            saving = [-3 * a for a in draw(ints)]
            cost = draw(st.lists(st.integers(0, 10), min_size=n_years, max_size=n_years))
            detail = item_detail(draw, pool, extra, saving, cost)
            del detail["_n"]
            items.append(Item(
                key=key, variant=f"M{v + 1}" if nv > 1 else None, risk=draw(st.integers(0, 2)),
                payback=draw(st.none() | st.integers(1, 5)),
                pool_investment=tuple(map(float, pool)),
                investment=tuple(float(a + b) for a, b in zip(pool, extra, strict=True)),
                permanent=tuple(float(s + c) for s, c in zip(saving, cost, strict=True)),
                savings=tuple(map(float, saving)), requires=requires, **detail))  # type: ignore[arg-type]
    force_in = draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))
    force_out = [k for k in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)) if k not in force_in]
    multi = [k for k, nv in zip(keys, nvs, strict=True) if nv > 1]
    pinned = []
    if multi and draw(st.booleans()):
        k = draw(st.sampled_from(multi))
        pinned.append((k, draw(st.sampled_from([it.variant for it in items if it.key == k]))))
    per_year: tuple[tuple[int, float], ...] = ()
    share = None
    more: dict[str, object] = {}
    if resource_rules:
        per_year = tuple((y, float(draw(st.integers(0, 120)))) for y in years if draw(st.integers(0, 2)) == 0)
        share = draw(st.none() | st.integers(0, 10).map(lambda k: k / 10))
        more = investeringsmodel_rules(draw, years)
        if draw(st.booleans()):
            more["parties"] = party_rules(draw, years, keys)
    rules = Rules(
        pool_total=draw(st.none() | st.integers(0, 300).map(float)), pool_per_year=per_year,
        max_risk=draw(st.none() | st.integers(0, 2)), max_risky_share=share,
        max_payback=draw(st.none() | st.integers(1, 5)), force_in=tuple(force_in), force_out=tuple(force_out),
        pinned=tuple(pinned), dependencies=draw(st.booleans()), **more)  # type: ignore[arg-type]
    kind = draw(st.sampled_from(OBJECTIVES))
    spec = ObjectiveSpec(kind=kind, pool_covers=objective_covers(draw, kind),
                         discount_rate=draw(st.sampled_from([0.0, 0.04])), npv_extra_years=draw(st.integers(0, 2)),
                         haircut=tuple(draw(st.sampled_from([0.0, 0.5])) for _ in range(3)))  # type: ignore[arg-type]
    return Instance(years=years, items=tuple(items), rules=rules, objective=spec)


PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the reusable model ---------------------------------------------------------------------------


@PROPS
@given(small_instances(), st.data())
def test_reusable_model_matches_enumeration_after_rule_changes(inst: Instance, data: st.DataObject) -> None:
    model = ReusableModel(inst)
    keys = list(inst.by_key)
    for _ in range(3):
        rules = replace(inst.rules,
                        force_in=tuple(data.draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))),
                        force_out=(), pool_total=data.draw(st.none() | st.integers(0, 200).map(float)),
                        dependencies=data.draw(st.booleans()),
                        max_risky_share=data.draw(st.none() | st.sampled_from([0.0, 0.3, 1.0])))
        rest = [k for k in keys if k not in rules.force_in]
        rules = replace(rules, force_out=tuple(data.draw(st.lists(st.sampled_from(rest), max_size=2, unique=True)))
                        if rest else ())
        model.set_rules(rules)
        raw = model.solve()
        best = best_by_enumeration(inst, rules)
        if best is None:
            assert raw.status == "infeasible" and raw.chosen is None
        else:
            assert raw.status == "optimal"
            assert is_allowed(inst, raw.chosen, rules)
            assert math.fsum(worths(inst)[list(raw.chosen)]) == pytest.approx(best, abs=TOL)


# --- the frontier on random instances -----------------------------------------------------------


def check_frontier(inst: Instance, pools: list[float], method: str) -> None:
    points, used = frontier_points(inst, pools, method=method)  # type: ignore[arg-type]
    if method != "auto":
        assert used == method
    X = selections(inst)
    w = worths(inst)
    prev: tuple[str, ...] = ()
    for pool, p in zip(pools, points, strict=True):
        rules = replace(inst.rules, pool_total=pool)
        ok = allowed(inst, X, rules)
        assert p.pool == pool
        if not ok.any():
            assert p.status == "infeasible" and p.objective is None and p.selected == ()
        else:
            best = float((X[ok] @ w).max())
            assert p.status == "optimal"
            assert p.objective == pytest.approx(best, abs=TOL)
            idx = [i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(p.selected)]
            assert len(idx) == len(p.selected)
            assert is_allowed(inst, idx, rules)
            assert math.fsum(w[idx]) == pytest.approx(best, abs=TOL)
            top = X[ok][X[ok] @ w >= best - TOL]
            if len(top) == 1:  # the only optimum: every method gives this portfolio
                assert set(idx) == set(np.flatnonzero(top[0]))
        labels = tuple(it.label for it in inst.items if (it.key, it.variant) in set(p.selected))
        assert set(p.entered) == set(labels) - set(prev)
        assert set(p.left) == set(prev) - set(labels)
        prev = labels


@PROPS
@given(small_instances(), st.lists(st.integers(0, 400), max_size=4))
def test_frontier_matches_enumeration(inst: Instance, extra: list[int]) -> None:
    top = pool_max_of(inst)
    pools = sorted({*np.linspace(0.0, top, 7).tolist(), *map(float, extra)})
    check_frontier(inst, pools, "auto")
    check_frontier(inst, pools, "milp")
    check_frontier(inst, pools, "enumeration")  # the listed portfolios' prefix maximum over the pool use
    if pareto_applies(inst):
        check_frontier(inst, pools, "pareto")


@PROPS
@given(small_instances(resource_rules=False))
def test_pool_max_admits_every_eligible_proposal(inst: Instance) -> None:
    # at pool_max the pool in total no longer binds: the optimum is the one without a total pool
    top = pool_max_of(inst)
    (point,), _ = frontier_points(inst, [top])
    unbounded = best_by_enumeration(inst, replace(inst.rules, pool_total=None))
    if unbounded is None:
        assert point.objective is None
    else:
        assert point.objective == pytest.approx(unbounded, abs=TOL)
    # and it is the least such pool when every pool use is non-negative: the eligible proposals'
    # largest variants need all of it together
    excluded = set()
    for rule in inst.all_rules():
        excluded |= inst.excluded_by(rule)
    need = sum(max([inst.items[i].pool_total for i in idx if i not in excluded], default=0.0)
               for idx in inst.by_key.values())
    assert top == pytest.approx(need)


# --- breakpoints: the exact pools where the optimum changes ---------------------------------------


def breakpoints_by_enumeration(inst: Instance, upper: float) -> list[tuple[float, float]]:
    """(pool, best objective) at every pool b in (0, upper] where the best objective over the
    allowed selections with pool use <= b beats every smaller pool's (or the first that has any),
    straight from the definition: over every selection's pool use."""
    X = selections(inst)
    ok = allowed(inst, X, replace(inst.rules, pool_total=None))
    total = np.array([it.pool_total for it in inst.items])
    uses, vals = X[ok] @ total, X[ok] @ worths(inst)
    out = []
    for u in sorted({float(x) for x in uses}):
        if not 0 < u <= upper + 1e-9:
            continue
        at = vals[uses <= u + 1e-9].max()
        below = vals[uses < u - 1e-9]
        if not len(below) or at > below.max() + TOL:
            out.append((u, float(at)))
    return out


def check_breakpoints(inst: Instance, upper: float, method: str) -> None:
    points, used, complete = frontier_breakpoints(inst, upper, method=method)  # type: ignore[arg-type]
    assert complete
    if method != "auto":
        assert used == method
    want = breakpoints_by_enumeration(inst, upper)
    assert [p.pool for p in points] == pytest.approx([b for b, _ in want], abs=1e-6)
    assert [p.objective for p in points] == pytest.approx([v for _, v in want], abs=TOL)
    w = worths(inst)
    # each breakpoint's portfolio is allowed at its pool and reaches the optimum there; entered and
    # left compare it with the portfolio before (the optimum at pool 0, or nothing)
    at_zero, _ = frontier_points(inst, [0.0])
    prev = tuple(it.label for it in inst.items if (it.key, it.variant) in set(at_zero[0].selected))
    for p in points:
        idx = [i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(p.selected)]
        assert is_allowed(inst, idx, replace(inst.rules, pool_total=p.pool))
        assert math.fsum(w[idx]) == pytest.approx(p.objective, abs=TOL)
        labels = tuple(inst.items[i].label for i in idx)
        assert set(p.entered) == set(labels) - set(prev) and set(p.left) == set(prev) - set(labels)
        assert p.entered or p.left
        prev = labels


@PROPS
@given(small_instances(), st.integers(0, 400))
def test_breakpoints_match_enumeration(inst: Instance, upper: int) -> None:
    top = pool_max_of(inst)
    for end in (top, float(upper)):
        check_breakpoints(inst, end, "auto")
        check_breakpoints(inst, end, "milp")
        check_breakpoints(inst, end, "enumeration")
        if pareto_applies(inst):
            check_breakpoints(inst, end, "pareto")


@PROPS
@given(small_instances(), st.integers(1, 60), st.integers(0, 300))
def test_stepped_frontier_matches_enumeration(inst: Instance, step: int, upper: int) -> None:
    pools = step_pools(float(step), float(upper))
    assert pools[0] == 0 and pools[-1] == upper
    assert all(b - a == pytest.approx(step) for a, b in itertools.pairwise(pools[:-1]))
    assert 0 < pools[-1] - pools[-2] <= step if len(pools) > 1 else upper == 0
    check_frontier(inst, pools, "auto")


def test_step_pools_validation():
    assert step_pools(5000, 20000) == [0, 5000, 10000, 15000, 20000]
    assert step_pools(5000, 72145) == [*range(0, 70001, 5000), 72145]
    assert step_pools(0.5, 1.2) == [0, 0.5, 1.0, 1.2]
    for bad in ((0, 100), (-5, 100), (float("nan"), 100), (1, -1), (1e-3, 1e9)):
        with pytest.raises(ValueError):
            step_pools(*bad)


# --- the real catalogue -------------------------------------------------------------------------



def with_pool(sc: Scenario, total: float) -> Scenario:
    per_year = {} if sc.pool is None else {str(y): a for y, a in sc.pool.per_year.items()}
    return sc.replace(pool={"total": total, "per_year": per_year})


SCENARIOS = {
    "standard": {},
    "risiko og tvang": {"max_risk": "middel", "force_in": ["TV01"], "force_out": ["SI02"], "variants": {"SI05": "Model 2"}},
    "pulje pr. år + risikoandel": {"pool": {"total": 20000, "per_year": {"2019": 8000}}, "max_risky_share": 0.5},
    "npv, haircut": {"objective": "npv", "npv_extra_years": 3, "risk_haircut": {"middel": 0.25, "høj": 0.5},
                     "pool": {"per_year": {"2020": 6000}}},
    "investeringsmodellen": {"pools": [{"name": "drift", "covers": ["Service"], "per_year": {"2020": 5000}}],
                             "savings_targets": [{"year": 2021, "min": 15000, "udvalg": "Socialudvalget"}],
                             "self_financing_by": 2021},
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_frontier_equals_independent_optimisations(ds, cache, name):
    sc = Scenario.from_json(SCENARIOS[name])
    fr = pool_frontier(ds, sc, 50, cache=cache)
    assert len(fr.points) == 50
    assert fr.points[0].pool == 0 and fr.points[-1].pool == fr.pool_max
    steps = np.diff([p.pool for p in fr.points])
    assert np.allclose(steps, fr.pool_max / 49)
    assert fr.unit == "1.000 kr., 2020 p/l"
    assert fr.current_pool == (None if sc.pool is None else sc.pool.total)
    objectives = [p.objective for p in fr.points if p.objective is not None]
    assert objectives == sorted(objectives)  # more pool never hurts
    inst = build_instance(ds, sc, cache)
    for p in fr.points[::6] + fr.points[-1:]:
        res = optimise(ds, with_pool(sc, p.pool), cache=cache)
        assert res.status == p.status, p.pool
        if res.objective is None:
            assert p.objective is None
            continue
        assert p.objective == pytest.approx(res.objective, abs=TOL)
        at = replace(inst, rules=replace(inst.rules, pool_total=p.pool))
        idx = [i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(p.selected)]
        assert check_selection(at, idx) == []


def test_standard_frontier_numbers(ds, cache):
    fr = pool_frontier(ds, Scenario(), 50, cache=cache)
    assert fr.method == "pareto"
    # the pool that admits everything: every KK2020 investment is Service or Anlæg, SI05 at its
    # larger variant (Model 2: 3.100 of pool)
    inst = build_instance(ds, Scenario(), cache)
    assert fr.pool_max == pytest.approx(sum(it.pool_total for it in inst.items if it.label != "SI05 (Model 1)"))
    assert fr.pool_max == pytest.approx(72_145)
    assert fr.points[-1].objective == pytest.approx(279_800)  # every net-positive proposal
    assert fr.points[0].objective == 0 and fr.points[0].selected == ()
    # the cheapest first step: HA03 (pool 1.400, net 11.100) is the best use of 1.472
    assert fr.points[1].selected == (("HA03", None),) and fr.points[1].objective == pytest.approx(11_100)
    assert fr.changes() == tuple(p for p in fr.points if p.entered or p.left)
    assert fr.points[1] in fr.changes() and len(fr.changes()) >= 20


def test_a_proposal_leaves_as_the_pool_grows(ds, cache):
    """Optimal sets are not nested. Find by computation a pool step where a proposal leaves (not a
    variant switch), and prove with independent optimisations that it must: below, forcing it
    out costs; above, forcing it in costs."""
    sc = Scenario()
    fr = pool_frontier(ds, sc, 50, cache=cache)
    found = None
    for before, after in itertools.pairwise(fr.points):
        gone = [lab for lab in after.left if lab.split(" ")[0] not in {x.split(" ")[0] for x in after.entered}]
        if gone:
            found = (before, after, gone[0].split(" ")[0])
            break
    assert found is not None, "no proposal ever leaves (the sets would be nested)"
    before, after, key = found
    low, high = with_pool(sc, before.pool), with_pool(sc, after.pool)
    assert key in {k for k, _ in optimise(ds, low).selected}
    assert optimise(ds, low.replace(force_out=[key])).objective < before.objective - 1
    assert key not in {k for k, _ in optimise(ds, high).selected}
    assert optimise(ds, high.replace(force_in=[key])).objective < after.objective - 1
    assert after.objective > before.objective


def test_infeasible_points_are_labelled(ds, cache):
    # TV01 forced in needs 27.050 of the pool: every smaller pool has no portfolio
    sc = Scenario.from_json({"force_in": ["TV01"]})
    fr = pool_frontier(ds, sc, 30, cache=cache)
    for p in fr.points:
        if p.pool < 27_050 - 1e-6:
            assert p.status == "infeasible" and p.objective is None and p.selected == ()
        else:
            assert p.status == "optimal" and ("TV01", None) in p.selected
    first = next(p for p in fr.points if p.status == "optimal")
    assert "TV01" in first.entered


def test_points_validation(ds):
    with pytest.raises(ValueError):
        pool_frontier(ds, Scenario(), 1)
    fr = pool_frontier(ds, Scenario(), 2)
    assert [p.pool for p in fr.points] == [0.0, fr.pool_max]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_stepped_frontier_and_breakpoints_against_independent_optimisations(ds, cache, name):
    """Round steps of 5 mio. kr. up to 40 mio. kr. and the breakpoints: each an independent
    optimisation at that pool; just below a breakpoint (1 kr. less) the optimum is worse."""
    sc = Scenario.from_json(SCENARIOS[name])
    fr = pool_frontier(ds, sc, step=5000, upper=40000, breakpoints=True, cache=cache)
    assert [p.pool for p in fr.points] == [float(x) for x in range(0, 40001, 5000)]
    assert fr.upper == 40000 and fr.breakpoints_complete
    # the Pareto programme when it is exact alone, else the listed portfolios (all fit the bound here)
    assert fr.breakpoint_method == ("pareto" if pareto_applies(build_instance(ds, sc, cache)) else "enumeration")
    for p in fr.points:
        res = optimise(ds, with_pool(sc, p.pool), cache=cache)
        assert res.status == p.status
        assert p.objective == (None if res.objective is None else pytest.approx(res.objective, abs=TOL))
    bps = fr.breakpoints
    assert bps and all(0 < p.pool <= 40000 for p in bps)
    assert [p.pool for p in bps] == sorted(p.pool for p in bps)
    values = [p.objective for p in bps]
    assert values == sorted(values) and len(set(values)) == len(values)
    for p in bps[::7] + bps[-1:]:
        at = optimise(ds, with_pool(sc, p.pool), cache=cache)
        assert at.objective == pytest.approx(p.objective, abs=TOL)
        below = optimise(ds, with_pool(sc, p.pool - 0.001), cache=cache)
        assert below.objective is None or below.objective < p.objective - 1e-3
    # every round step's optimum is the last breakpoint's at or below it
    for p in fr.points:
        last = [b for b in bps if b.pool <= p.pool + 1e-9]
        if last and p.objective is not None:
            assert p.objective == pytest.approx(last[-1].objective, abs=TOL)


def test_standard_breakpoints_known_numbers(ds, cache):
    fr = pool_frontier(ds, Scenario(), step=5000, breakpoints=True, cache=cache)
    assert fr.breakpoint_method == "pareto" and fr.upper is None
    first = fr.breakpoints[:5]
    # HA07 (pool 350, net 2.400) is the cheapest proposal; UD03 (500, 4.500) replaces it
    assert [(p.pool, p.objective) for p in first] == [(350, 2400), (500, 4500), (850, 6900), (1230, 7320),
                                                     (1400, 11100)]
    assert first[1].entered == ("UD03",) and first[1].left == ("HA07",)
    assert fr.breakpoints[-1].objective == pytest.approx(279_800)
    assert len(fr.breakpoints) == 238
    inst = build_instance(ds, Scenario(), cache)
    milp, used, complete = frontier_breakpoints(inst, method="milp")
    assert used == "milp" and complete
    assert [p.pool for p in milp] == pytest.approx([p.pool for p in fr.breakpoints], abs=1e-6)
    assert [p.objective for p in milp] == pytest.approx([p.objective for p in fr.breakpoints], abs=TOL)


# --- CLI ---------------------------------------------------------------------------------------------


def test_cli_frontier_json(capsys, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"pool": {"total": 20000}}), encoding="utf-8")
    code = main(["frontier", "--scenario", str(path), "--points", "5", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc)[:3] == ["pool_max", "unit", "points"]
    assert doc["pool_max"] == 72145 and doc["current_pool"] == 20000
    assert [p["pool"] for p in doc["points"]] == [0, 18036.25, 36072.5, 54108.75, 72145]
    last = doc["points"][-1]
    assert last["objective"] == 279800 and last["status"] == "optimal"
    assert {"key": "SI05", "variant": "Model 1"} in last["selected"]
    assert set(doc["points"][0]) == {"pool", "objective", "status", "selected", "entered", "left"}


def test_cli_frontier_text_and_errors(capsys, tmp_path):
    assert main(["frontier", "--points", "3"]) == 0
    out, _ = capsys.readouterr()
    assert "Puljekurve" in out and "72.145" in out and "279.800" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"pool": {"total": -5}}', encoding="utf-8")
    assert main(["frontier", "--scenario", str(bad)]) == 2
    assert main(["frontier", "--points", "1"]) == 2
    _, err = capsys.readouterr()
    assert "negativ" in err and "--points" in err
