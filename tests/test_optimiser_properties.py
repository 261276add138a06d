"""Property tests: on random instances the optimiser agrees with exhaustive enumeration.

The enumerator below is written from the rules' definitions, independently of the optimiser:
it lists every selection (at most one variant per proposal), keeps those that satisfy the
rules, and computes each objective from the items' yearly amounts.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.optimiser import (
    Instance,
    Item,
    ObjectiveSpec,
    PartySpec,
    PoolSpec,
    Rule,
    Rules,
    TargetSpec,
    available_solvers,
    solve,
)
from portfolio.optimiser.enumeration import Listed, admissible, engine_for

MAX_COMBOS = 40_000
UDVALG = ("U1", "U2")
POOL_COVERS = {"drift": ("Service",), "anlæg": ("Anlæg",), "innovation": ("Innovationspulje",),
               "blandet": ("Service", "Overførsler")}
OBJECTIVES = ("net", "permanent", "annual", "npv", "min_pool")


def item_detail(draw: st.DrawFn, pool: list[int], outside: list[int], savings: list[int],
                costs: list[int]) -> dict[str, object]:
    """An item's investments by pool category and permanent changes by udvalg, consistent with
    its totals: the pool-covered part in Service or Anlæg, the rest in Overførsler or marked for
    the innovation pool; savings on the måltal (Service) of one udvalg, the costs on the måltal
    or elsewhere."""
    n = len(pool)
    pool_cat = draw(st.sampled_from(["Service", "Anlæg"]))
    out_cat = draw(st.sampled_from(["Overførsler", "Innovationspulje"]))
    invest: dict[str, list[float]] = {}
    for cat, amounts in ((pool_cat, pool), (out_cat, outside)):
        if any(amounts):
            invest[cat] = [float(a) for a in amounts]
    u = draw(st.sampled_from(UDVALG))
    service_costs = draw(st.booleans())
    maaltal = [float(sv + (c if service_costs else 0)) for sv, c in zip(savings, costs, strict=True)]
    permanent = [float(sv + c) for sv, c in zip(savings, costs, strict=True)]
    return {"invest_by": tuple((c, tuple(a)) for c, a in sorted(invest.items())),
            "maaltal_by": ((u, tuple(maaltal)),) if any(maaltal) else (),
            "permanent_by": ((u, tuple(permanent)),) if any(permanent) else (),
            "_n": n}


def investeringsmodel_rules(draw: st.DrawFn, years: tuple[int, ...]) -> dict[str, object]:
    """The investeringsmodel's rules drawn for an instance: named pools, savings targets, no
    rising måltal, self-financing (each often absent)."""
    pools = []
    for name in draw(st.lists(st.sampled_from(sorted(POOL_COVERS)), max_size=2, unique=True)):
        total = draw(st.none() | st.integers(0, 200).map(float))
        per_year = tuple((y, float(draw(st.integers(0, 100)))) for y in years if draw(st.integers(0, 3)) == 0)
        pools.append(PoolSpec(name=name, covers=POOL_COVERS[name], total=total, per_year=per_year))
    targets: dict[tuple[int, str, str | None], TargetSpec] = {}
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 2)) == 0 else 0):
        t = TargetSpec(year=draw(st.sampled_from(years)), min=float(draw(st.integers(0, 150))),
                       measure=draw(st.sampled_from(["maaltal", "varig"])),
                       udvalg=draw(st.sampled_from([None, *UDVALG])))
        targets[(t.year, t.measure, t.udvalg)] = t
    return {"pools": tuple(pools), "savings_targets": tuple(targets.values()),
            "no_maaltal_increase": draw(st.integers(0, 3)) == 0,
            "self_financing_by": draw(st.sampled_from(years)) if draw(st.integers(0, 3)) == 0 else None}


def party_rules(draw: st.DrawFn, years: tuple[int, ...], keys: list[str]) -> tuple[PartySpec, ...]:
    """Up to two parties at the table, each with must / never proposals (the two parties may
    clash), maybe a pool cap and a savings target."""
    parties = []
    for name in draw(st.lists(st.sampled_from(["A", "B"]), max_size=2, unique=True)):
        must = draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))
        never = [k for k in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)) if k not in must]
        targets = ()
        if draw(st.integers(0, 2)) == 0:
            targets = (TargetSpec(year=draw(st.sampled_from(years)), min=float(draw(st.integers(0, 150))),
                                  measure=draw(st.sampled_from(["maaltal", "varig"])),
                                  udvalg=draw(st.sampled_from([None, *UDVALG]))),)
        parties.append(PartySpec(name=name, must=tuple(must), never=tuple(never),
                                 max_pool=draw(st.none() | st.integers(0, 300).map(float)), savings_targets=targets))
    return tuple(parties)


def objective_covers(draw: st.DrawFn, kind: str) -> tuple[str, ...]:
    if kind != "min_pool":
        return ()
    return tuple(draw(st.lists(st.sampled_from(["Service", "Anlæg", "Overførsler", "Innovationspulje"]),
                               min_size=1, max_size=3, unique=True)))
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: st.DrawFn, kind: str | None = None) -> Instance:
    n_years = draw(st.integers(1, 4))
    years = tuple(range(2019, 2019 + n_years))
    n_props = draw(st.integers(1, 14))
    amounts = st.lists(st.integers(0, 60), min_size=n_years, max_size=n_years)
    savings_st = st.lists(st.integers(0, 120), min_size=n_years, max_size=n_years)
    items: list[Item] = []
    combos = 1
    keys = [f"K{k:02d}" for k in range(n_props)]
    nvs = []
    for _ in keys:
        nv = draw(st.sampled_from([1, 1, 1, 1, 1, 2, 3]))
        while nv > 1 and combos * (nv + 1) > MAX_COMBOS:
            nv -= 1
        if combos * (nv + 1) > MAX_COMBOS:
            break
        combos *= nv + 1
        nvs.append(nv)
    keys = keys[: len(nvs)]
    for key, nv in zip(keys, nvs, strict=True):
        others = [x for x in keys if x != key] + ["MISSING"]
        requires = tuple(draw(st.lists(st.sampled_from(others), max_size=1, unique=True))) if draw(
            st.integers(0, 4)) == 0 else ()
        base_risk = draw(st.integers(0, 2))
        for v in range(nv):
            pool = draw(amounts)
            outside = draw(st.lists(st.integers(0, 15), min_size=n_years, max_size=n_years))
            savings = [-a for a in draw(savings_st)]
            costs = draw(st.lists(st.integers(0, 20), min_size=n_years, max_size=n_years))
            risk = base_risk if draw(st.booleans()) else draw(st.integers(0, 2))
            detail = item_detail(draw, pool, outside, savings, costs)
            del detail["_n"]
            items.append(Item(
                key=key, variant=f"M{v + 1}" if nv > 1 else None, risk=risk,
                payback=draw(st.none() | st.integers(1, 6)),
                pool_investment=tuple(float(a) for a in pool),
                investment=tuple(float(a + b) for a, b in zip(pool, outside, strict=True)),
                permanent=tuple(float(s + c) for s, c in zip(savings, costs, strict=True)),
                savings=tuple(float(s) for s in savings), requires=requires, **detail))  # type: ignore[arg-type]
    multi = [key for key, nv in zip(keys, nvs, strict=True) if nv > 1]
    force_in = draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)) if draw(st.booleans()) else []
    force_out = draw(st.lists(st.sampled_from([k for k in keys if k not in force_in] or ["-"]), max_size=2,
                              unique=True))
    force_out = [k for k in force_out if k in keys]
    pinned = []
    if multi:
        for key in draw(st.lists(st.sampled_from(multi), max_size=2, unique=True)):
            names = [it.variant for it in items if it.key == key]
            pinned.append((key, draw(st.sampled_from(names))))
    cap = st.one_of(st.integers(40, 150), st.integers(0, 150))
    per_year = tuple((y, float(draw(cap))) for y in years if draw(st.integers(0, 2)) == 0)
    rules = Rules(
        pool_total=draw(st.none() | st.integers(60, 400).map(float) | st.integers(0, 400).map(float)),
        pool_per_year=per_year,
        max_risk=draw(st.none() | st.integers(0, 2)),
        max_risky_share=draw(st.none() | st.integers(0, 10).map(lambda k: k / 10)),
        max_payback=draw(st.none() | st.integers(3, 6) | st.integers(1, 6)),
        force_in=tuple(force_in),
        force_out=tuple(force_out),
        pinned=tuple(sorted(pinned)),
        dependencies=draw(st.booleans()),
        **investeringsmodel_rules(draw, years),  # type: ignore[arg-type]
        parties=party_rules(draw, years, keys) if draw(st.booleans()) else (),
    )
    kind = kind or draw(st.sampled_from(OBJECTIVES))
    spec = ObjectiveSpec(
        kind=kind, pool_covers=objective_covers(draw, kind),
        discount_rate=draw(st.sampled_from([0.0, 0.035, 0.1])),
        npv_extra_years=draw(st.integers(0, 3)),
        haircut=tuple(draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])) for _ in range(3)),  # type: ignore[arg-type]
    )
    return Instance(years=years, items=tuple(items), rules=rules, objective=spec)


# --- the independent enumerator ---------------------------------------------------------------


def invested(it: Item, covers: tuple[str, ...]) -> list[float]:
    """An item's investments per year in the pool categories `covers`."""
    out = [0.0] * len(it.investment)
    for cat, amounts in it.invest_by:
        if cat in covers:
            out = [a + b for a, b in zip(out, amounts, strict=True)]
    return out


def by_udvalg(entries: tuple[tuple[str, tuple[float, ...]], ...], udvalg: str | None, n: int) -> float:
    """Year n of the entries of one udvalg (None: all) added up."""
    return sum(a[n] for u, a in entries if udvalg is None or u == udvalg)


def value(it: Item, spec: ObjectiveSpec) -> float:
    """The objective contribution of one item, straight from the definitions."""
    if spec.kind == "min_pool":
        return -sum(invested(it, spec.pool_covers))
    h = spec.haircut[it.risk]
    costs = [p - s for p, s in zip(it.permanent, it.savings, strict=True)]
    perm = [c + (1 - h) * s for c, s in zip(costs, it.savings, strict=True)]  # savings count (1 - h)
    if spec.kind == "net":
        return -(sum(perm) + sum(it.investment))
    if spec.kind == "permanent":
        return -sum(perm)
    if spec.kind == "annual":
        return -perm[-1]
    r, n = spec.discount_rate, len(perm)
    pv = sum(-(perm[t] + it.investment[t]) / (1 + r) ** t for t in range(n))
    return pv + sum(-perm[-1] / (1 + r) ** (n + k) for k in range(spec.npv_extra_years))


def all_selections(inst: Instance) -> np.ndarray:
    """Every selection with at most one variant per proposal, as rows of 0/1 per item."""
    groups: dict[str, list[int]] = {}
    for i, it in enumerate(inst.items):
        groups.setdefault(it.key, []).append(i)
    X = np.zeros((1, len(inst.items)))
    for idx in groups.values():
        blocks = [X]  # the proposal left out ...
        for i in idx:  # ... or one of its variants chosen
            b = X.copy()
            b[:, i] = 1
            blocks.append(b)
        X = np.vstack(blocks)
    return X


def feasible_mask(inst: Instance, X: np.ndarray, rules: set[Rule] | None = None) -> np.ndarray:
    """Which selections satisfy the rules (default: all of the instance's rules)."""
    r = inst.rules
    items = inst.items
    active = set(inst.all_rules()) if rules is None else rules
    ok = np.ones(len(X), dtype=bool)
    idx_of: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        idx_of.setdefault(it.key, []).append(i)
    pool = np.array([it.pool_investment for it in items]).reshape(len(items), len(inst.years))
    pool_tot = pool.sum(axis=1)
    tol = 1e-7
    for rule in active:
        if rule.kind == "pool_total":
            ok &= X @ pool_tot <= r.pool_total + tol
        elif rule.kind == "pool_year":
            n = inst.years.index(rule.year)
            ok &= X @ pool[:, n] <= dict(r.pool_per_year)[rule.year] + tol
        elif rule.kind == "max_risk":
            bad = [i for i, it in enumerate(items) if it.risk > r.max_risk]
            ok &= X[:, bad].sum(axis=1) == 0
        elif rule.kind == "max_payback":
            bad = [i for i, it in enumerate(items) if it.payback is None or it.payback > r.max_payback]
            ok &= X[:, bad].sum(axis=1) == 0
        elif rule.kind == "risky_share":
            risky = np.array([p if it.risk >= 1 else 0.0 for p, it in zip(pool_tot, items, strict=True)])
            ok &= X @ risky <= r.max_risky_share * (X @ pool_tot) + tol
        elif rule.kind == "force_in":
            ok &= X[:, idx_of[rule.key]].sum(axis=1) == 1
        elif rule.kind == "force_out":
            ok &= X[:, idx_of[rule.key]].sum(axis=1) == 0
        elif rule.kind == "pinned":
            other = [i for i in idx_of[rule.key] if items[i].variant != rule.other]
            ok &= X[:, other].sum(axis=1) == 0
        elif rule.kind == "dependency":
            have = X[:, idx_of[rule.other]].sum(axis=1) if rule.other in idx_of else np.zeros(len(X))
            for i in idx_of[rule.key]:
                ok &= X[:, i] <= have
        elif rule.kind in ("named_pool_total", "named_pool_year"):
            p = next(p for p in r.pools if p.name == rule.key)
            use = np.array([invested(it, p.covers) for it in items]).reshape(len(items), len(inst.years))
            if rule.kind == "named_pool_total":
                ok &= X @ use.sum(axis=1) <= p.total + tol
            else:
                ok &= X @ use[:, inst.years.index(rule.year)] <= dict(p.per_year)[rule.year] + tol
        elif rule.kind == "savings_target":
            t = next(t for t in r.savings_targets if (t.udvalg or "", t.measure, t.year) ==
                     (rule.key, rule.other, rule.year))
            n = inst.years.index(t.year)
            saved = np.array([-by_udvalg(it.maaltal_by if t.measure == "maaltal" else it.permanent_by, t.udvalg, n)
                              for it in items])
            ok &= X @ saved >= t.min - tol
        elif rule.kind == "no_maaltal_increase":
            n = inst.years.index(rule.year)
            ok &= X @ np.array([by_udvalg(it.maaltal_by, rule.key, n) for it in items]) <= tol
        elif rule.kind in ("party_must", "party_never"):
            have = X[:, idx_of[rule.key]].sum(axis=1) if rule.key in idx_of else np.zeros(len(X))
            ok &= have == (1 if rule.kind == "party_must" else 0)
        elif rule.kind == "party_max_pool":
            p = next(p for p in r.parties if p.name == rule.other)
            ok &= X @ pool_tot <= p.max_pool + tol
        elif rule.kind == "party_target":
            p = next(p for p in r.parties if p.name == rule.other)
            t = next(t for t in p.savings_targets if (f"{t.measure}:{t.udvalg or ''}", t.year) == (rule.key, rule.year))
            n = inst.years.index(t.year)
            saved = np.array([-by_udvalg(it.maaltal_by if t.measure == "maaltal" else it.permanent_by, t.udvalg, n)
                              for it in items])
            ok &= X @ saved >= t.min - tol
        elif rule.kind == "self_financing":
            n = inst.years.index(rule.year) + 1
            ok &= X @ np.array([sum(it.permanent[:n]) + sum(it.investment[:n]) for it in items]) <= tol
        else:  # pragma: no cover
            raise AssertionError(rule)
    return ok


def expected_rules(inst: Instance) -> set[Rule]:
    """The rule groups, from the Rules as the test reads them (to check all_rules())."""
    r = inst.rules
    out = {Rule("force_in", key=k) for k in r.force_in} | {Rule("force_out", key=k) for k in r.force_out}
    out |= {Rule("pinned", key=k, other=v) for k, v in r.pinned}
    out |= {Rule("pool_year", year=y) for y, _ in r.pool_per_year}
    if r.pool_total is not None:
        out.add(Rule("pool_total"))
    if r.max_risk is not None:
        out.add(Rule("max_risk"))
    if r.max_payback is not None:
        out.add(Rule("max_payback"))
    if r.max_risky_share is not None:
        out.add(Rule("risky_share"))
    if r.dependencies:
        out |= {Rule("dependency", key=it.key, other=k) for it in inst.items for k in it.requires}
    for p in r.pools:
        if p.total is not None:
            out.add(Rule("named_pool_total", key=p.name))
        out |= {Rule("named_pool_year", key=p.name, year=y) for y, _ in p.per_year}
    out |= {Rule("savings_target", key=t.udvalg or "", other=t.measure, year=t.year) for t in r.savings_targets}
    if r.no_maaltal_increase:  # only where a proposal raises the måltal: elsewhere the rule always holds
        out |= {Rule("no_maaltal_increase", key=u, year=inst.years[n]) for it in inst.items
                for u, a in it.maaltal_by for n in range(len(inst.years)) if a[n] > 0}
    if r.self_financing_by is not None:
        out.add(Rule("self_financing", year=r.self_financing_by))
    for p in r.parties:
        out |= {Rule("party_must", key=k, other=p.name) for k in p.must}
        out |= {Rule("party_never", key=k, other=p.name) for k in p.never}
        if p.max_pool is not None:
            out.add(Rule("party_max_pool", other=p.name))
        out |= {Rule("party_target", key=f"{t.measure}:{t.udvalg or ''}", other=p.name, year=t.year)
                for t in p.savings_targets}
    return out


def check_engines_agree(inst: Instance, X: np.ndarray, ok: np.ndarray, vals: np.ndarray, res) -> None:
    """The enumeration engine (whichever of its kinds the structure picks, and the listed portfolios
    always) against the exhaustive enumerator and the MILP's result `res`: the same optimum to 1e-6,
    an admissible portfolio reaching it, and the MILP's portfolio where the optimum is unique."""
    engines = [engine_for(inst, limit=10**6), Listed(admissible(inst, limit=10**6))]
    assert engines[0] is not None
    for eng in engines:
        raw = eng.solve(list(inst.values))
        if not ok.any():
            assert raw.status == "infeasible" and raw.chosen is None and eng.count == 0, eng.kind
            continue
        best = float((X[ok] @ vals).max())
        assert eng.count == int(ok.sum()), eng.kind
        assert raw.status == "optimal", eng.kind
        row = np.zeros((1, len(inst.items)))
        row[0, list(raw.chosen)] = 1.0
        assert feasible_mask(inst, row)[0], eng.kind
        assert float(row[0] @ vals) == pytest.approx(best, rel=1e-7, abs=1e-6), eng.kind
        assert res.objective == pytest.approx(float(row[0] @ vals), rel=1e-7, abs=1e-6), eng.kind
        if int(np.count_nonzero(X[ok] @ vals >= best - 1e-6)) == 1:  # a unique optimum: the same portfolio
            assert {(inst.items[i].key, inst.items[i].variant) for i in raw.chosen} == set(res.selected), eng.kind


def check_against_enumeration(inst: Instance, solver: str = "highs") -> None:
    assert set(inst.all_rules()) == expected_rules(inst)
    X = all_selections(inst)
    vals = np.array([value(it, inst.objective) for it in inst.items])
    ok = feasible_mask(inst, X)
    res = solve(inst, solver=solver)
    check_engines_agree(inst, X, ok, vals, res)
    if not ok.any():
        assert res.status == "infeasible"
        assert res.objective is None and res.selected == ()
        assert res.explanation and res.conflicts
        # the first conflict is infeasible, and minimal: without any one of its rules it is feasible
        core = set(res.conflicts[0].rules)
        assert not feasible_mask(inst, X, core).any()
        for rule in core:
            assert feasible_mask(inst, X, core - {rule}).any(), rule
        return
    best = float((X[ok] @ vals).max())
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-6)
    chosen = {(k, v) for k, v in res.selected}
    row = np.array([[1.0 if (it.key, it.variant) in chosen else 0.0 for it in inst.items]])
    assert len(chosen) == len(res.selected)
    assert feasible_mask(inst, row)[0], "the returned selection breaks a rule"
    assert float(row[0] @ vals) == pytest.approx(best, rel=1e-7, abs=1e-6)
    # the yearly figures are the chosen items' amounts added up
    for n, y in enumerate(inst.years):
        inv = sum(it.investment[n] for it in inst.items if (it.key, it.variant) in chosen)
        perm = sum(it.permanent[n] for it in inst.items if (it.key, it.variant) in chosen)
        assert res.investment_by_year[y] == pytest.approx(inv)
        assert res.net_by_year[y] == pytest.approx(inv + perm)


@SETTINGS
@given(instances())
def test_matches_enumeration_any_objective(inst: Instance) -> None:
    check_against_enumeration(inst)


@pytest.mark.parametrize("kind", OBJECTIVES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_matches_enumeration_each_objective(kind: str, data: st.DataObject) -> None:
    check_against_enumeration(data.draw(instances(kind)))


@pytest.mark.skipif("cbc" not in available_solvers(), reason="CBC is not available")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_cbc_matches_enumeration(inst: Instance) -> None:
    check_against_enumeration(inst, solver="cbc")
