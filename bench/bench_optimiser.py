"""Benchmark of the optimiser (a script, not a test): `.venv/bin/python bench/bench_optimiser.py [--quick] [--json FILE]`.

Every figure is the median wall time of `optimise(ds, scenario)` - validation, instance build,
model, solve and result included - beside its anchor, measured in the same run, interleaved:

* **direct highspy**: the same 0/1 model assembled here from the instance's coefficient arrays
  with numpy (independently of the project's model code; the bench checks that it is the same
  model, and gives HiGHS the columns in the same order) and handed to highspy in one `addCols` /
  `addRows` call each, then `run()`;
* for the 2020 catalogue also **naive PuLP + CBC**: the model written out term by term in PuLP
  and solved with CBC, as a plain script would.

Catalogues: the 2020 catalogue under five scenarios, and synthetic catalogues of 1.000, 5.000 and
20.000 proposals (6-year pools in total and per year, a risky share of 40 %, haircuts; 10 % with
two variants, 3 % requiring another). 1.000 proposals are solved to proven optimality, 5.000 and
20.000 with a relative gap of 0,1 % (`mip_gap=0.001`), as in issue 13. The goal there: at most
1,2 times direct highspy, building included. Four figures per catalogue:

* **a new scenario on a loaded dataset** (the goal's figure): validation, the instance built from
  the dataset's line table (the instance cache emptied first), model, solve and result;
* **the same scenario again**: the instance from the dataset's instance cache;
* **the first call on a fresh dataset**: the dataset's line table built as well;
* **the dataset's line table** (`portfolio.linetable`, once per dataset) beside loading the same
  catalogue from its CSV files with `load_dataset`, which every dataset goes through first.

The notes say whether the objectives agree and how long the instance build took.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Figure, add_json_option, report  # noqa: E402

from portfolio import solverlog  # noqa: E402
from portfolio.data import load_dataset  # noqa: E402
from portfolio.model import (  # noqa: E402
    Block,
    CashFlowLine,
    Catalogue,
    DataSet,
    Dependency,
    Proposal,
    Risk,
    Styring,
)
from portfolio.optimiser import Instance, build_instance, optimise  # noqa: E402
from portfolio.optimiser.milp import model_arrays  # noqa: E402
from portfolio.optimiser.rules import RISKY_FROM  # noqa: E402
from portfolio.scenario import Scenario  # noqa: E402

YEARS = tuple(range(2019, 2025))

REAL_SCENARIOS = {
    "ingen pulje": {},
    "pulje 10.000": {"pool": {"total": 10_000}},
    "pulje pr. år + risikoandel": {"pool": {"total": 20_000, "per_year": {"2019": 8000}}, "max_risky_share": 0.5},
    "npv, 6-årig pulje, haircut": {
        "objective": "npv", "npv_extra_years": 5, "risk_haircut": {"middel": 0.25, "høj": 0.5},
        "pool": {"per_year": {str(y): 3000 for y in YEARS}}},
    "ingen løsning (forklaring)": {"pool": {"total": 5000}, "force_in": ["BU09", "TV01"]},
}
SYNTHETIC = ((1000, 0.0), (5000, 0.001), (20_000, 0.001))  # proposals, mip_gap
GOAL_RATIO = 1.2


def synthetic_dataset(n: int, seed: int = 2020) -> DataSet:
    """A catalogue of n proposals like the real ones: 2020 p/l, 2019-2024, investments in the first
    1-3 years (Service, some Anlæg), savings phased in; 10 % with two variants, 3 % requiring another."""
    rnd = random.Random(seed)
    proposals = []
    deps = []
    for k in range(n):
        key = f"S{k:05d}"
        variants = ("Model 1", "Model 2") if rnd.random() < 0.10 else ()
        lines = []
        start = rnd.randrange(0, 3)
        for vname in variants or (None,):
            size = rnd.randint(200, 6000)
            inv = {y: 0.0 for y in YEARS}
            for y in YEARS[start:start + rnd.randint(1, 3)]:
                inv[y] = float(round(size * rnd.uniform(0.3, 1.0)))
            annual = -sum(inv.values()) * rnd.uniform(0.15, 1.2)
            perm = {y: (float(round(annual * min(1.0, (n_y - start) / 2))) if n_y > start else 0.0)
                    for n_y, y in enumerate(YEARS)}
            styr = Styring.ANLAEG if rnd.random() < 0.15 else Styring.SERVICE
            tag = vname or ""
            lines.append(CashFlowLine(key, f"I{tag}", vname, Block.IMPL, "Investering", styr, False,
                                      "Socialudvalget", None, inv))
            lines.append(CashFlowLine(key, f"V{tag}", vname, Block.VARIG, "Besparelse", Styring.SERVICE, False,
                                      "Socialudvalget", None, perm))
        if k > 0 and rnd.random() < 0.03:
            deps.append(Dependency(key, f"S{rnd.randrange(k):05d}", True, "syntetisk"))
        proposals.append(Proposal(
            key=key, document_id=key, title=f"Syntetisk forslag {k}", catalogue="SYN", section="", presenting_forvaltning="",
            affected_forvaltninger=(), udvalg=("Socialudvalget",), price_level_year=2020, years=YEARS,
            risk=rnd.choice([Risk.LAV, Risk.LAV, Risk.MIDDEL, Risk.MIDDEL, Risk.HOJ]), risk_explicit=True,
            risk_reason="", pool_applied="", stated_payback_service=None, stated_payback_total=None,
            variant_names=variants, description="", lines=tuple(lines)))
    real = load_dataset()
    cat = Catalogue("SYN", f"Syntetisk katalog ({n})", "", 2020, "", "", tuple(proposals))
    return DataSet(catalogues=(cat,), dependencies=tuple(deps), stated=(), udvalg_tables=(), notes=(),
                   price_index=real.price_index)


def write_catalogue(ds: DataSet, folder: Path) -> None:
    """A synthetic dataset as the CSV files `load_dataset` reads (with the project's price index)."""
    import csv  # noqa: PLC0415
    import shutil  # noqa: PLC0415

    from portfolio.data import FILES, default_data_dir  # noqa: PLC0415

    def write(name: str, rows: list[dict[str, object]]) -> None:
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, FILES[name], restval="")
            w.writeheader()
            w.writerows(rows)

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(default_data_dir() / "price_index.csv", folder / "price_index.csv")
    write("catalogues.csv", [{"id": c.id, "name": c.name, "price_level_year": c.price_level_year}
                             for c in ds.catalogues])
    props = [p for c in ds.catalogues for p in c.proposals]
    write("proposals.csv", [{
        "key": p.key, "title": p.title, "catalogue": p.catalogue, "udvalg": ";".join(p.udvalg),
        "price_level_year": p.price_level_year, "first_year": p.years[0], "last_year": p.years[-1],
        "risk": p.risk.value, "risk_explicit": "ja", "variants": ";".join(p.variant_names)} for p in props])
    write("cashflows.csv", [{
        "proposal_key": ln.proposal_key, "line_id": ln.line_id, "variant": ln.variant or "", "block": ln.block.value,
        "label": ln.label, "styringsomraade": ln.styring.value, "udvalg": ln.udvalg, "year": y, "amount": f"{a:g}"}
        for p in props for ln in p.lines for y, a in ln.amounts.items()])
    write("dependencies.csv", [{"proposal_key": d.proposal_key, "other_key": d.other_key, "kind": "kræver"}
                               for d in ds.dependencies])


def synthetic_scenario(ds: DataSet, solver: str = "highs", mip_gap: float = 0.0) -> Scenario:
    inst = build_instance(ds, Scenario.from_json({"catalogues": ["SYN"]}))
    need = [sum(it.pool_investment[n] for it in inst.items) for n in range(len(YEARS))]
    return Scenario.from_json({
        "catalogues": ["SYN"], "solver": solver, "time_limit": 60, "mip_gap": mip_gap,
        "pool": {"total": round(0.3 * sum(need)), "per_year": {str(y): round(0.35 * need[n]) for n, y in enumerate(YEARS)}},
        "max_risky_share": 0.4, "risk_haircut": {"middel": 0.25, "høj": 0.5},
    })


# --------------------------------------------------------------------------------------------
# The anchors
# --------------------------------------------------------------------------------------------


class DirectModel:
    """The scenario's 0/1 model from the instance's coefficient arrays, assembled with numpy here:
    at most one variant per proposal, x_a ≤ Σ x_b per dependency, the risky share, the pool per
    year and in total, forced-in proposals; items the rules exclude fixed to 0. Only the rules the
    bench's scenarios use (`supported`)."""

    KINDS = {"force_in", "dependency", "risky_share", "pool_year", "pool_total", "max_risk", "max_payback",
             "force_out", "pinned"}

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        a = inst.arrays
        self.values = np.array(inst.values)
        self.pool_year = a.pool_investment
        self.pool_total = a.pool_total
        self.risky = np.where(a.risk >= RISKY_FROM, 1.0, 0.0)
        self.upper = np.ones(len(inst.items))
        for rule in inst.all_rules():
            fixed = inst.excluded_by(rule)
            if fixed:
                self.upper[list(fixed)] = 0.0
        self.groups = [np.array(idx) for idx in inst.by_key.values() if len(idx) > 1]
        self.rules = inst.all_rules()
        # the columns in the order the project gives them to HiGHS (PuLP's: by name, "x0", "x1", "x10", …)
        n = len(inst.items)
        self.order = np.array(sorted(range(n), key=lambda i: f"x{i}"), dtype=np.int64)
        self.col_of = np.empty(n, dtype=np.int32)
        self.col_of[self.order] = np.arange(n, dtype=np.int32)

    @property
    def supported(self) -> bool:
        return all(r.kind in self.KINDS for r in self.rules)

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(starts, index, value, lo, hi), rows in the order of the project's model."""
        inst, r = self.inst, self.inst.rules
        idx: list[np.ndarray] = []
        val: list[np.ndarray] = []
        lo: list[float] = []
        hi: list[float] = []

        def dense(c: np.ndarray, a: float, b: float) -> None:
            nz = np.nonzero(np.abs(c) > 1e-9)[0]
            if not len(nz) and a <= 0.0 <= b:
                return  # a row without terms that holds whatever is chosen: no row
            idx.append(nz)
            val.append(c[nz])
            lo.append(a)
            hi.append(b)

        for g in self.groups:
            idx.append(g)
            val.append(np.ones(len(g)))
            lo.append(-math.inf)
            hi.append(1.0)
        for rule in self.rules:
            if rule.kind == "force_in":
                g = np.array(inst.by_key[rule.key])
                idx.append(g)
                val.append(np.ones(len(g)))
                lo.append(1.0)
                hi.append(1.0)
            elif rule.kind == "dependency" and rule.other in inst.by_key:
                need = np.array(inst.by_key[rule.other])
                for i in inst.by_key.get(rule.key, ()):
                    idx.append(np.concatenate([[i], need]))
                    val.append(np.concatenate([[1.0], -np.ones(len(need))]))
                    lo.append(-math.inf)
                    hi.append(0.0)
            elif rule.kind == "risky_share":
                dense((self.risky - (r.max_risky_share or 0.0)) * self.pool_total, -math.inf, 0.0)
            elif rule.kind == "pool_year":
                dense(self.pool_year[:, inst.years.index(rule.year)], -math.inf, dict(r.pool_per_year)[rule.year])
            elif rule.kind == "pool_total":
                dense(self.pool_total, -math.inf, r.pool_total or 0.0)
        sizes = np.array([len(i) for i in idx])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
        return (starts, np.concatenate(idx).astype(np.int32), np.concatenate(val), np.array(lo), np.array(hi))

    def solve(self, mip_gap: float, time_limit: float) -> tuple[float | None, tuple[int, ...]]:
        import highspy  # noqa: PLC0415

        starts, index, value, lo, hi = self.rows()
        n = len(self.values)
        h = solverlog.new_highs()
        h.setOptionValue("mip_rel_gap", mip_gap)
        h.setOptionValue("time_limit", float(time_limit))
        if n < 500:
            h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        inf = highspy.kHighsInf
        h.addCols(n, -self.values[self.order], np.zeros(n), self.upper[self.order], 0, np.zeros(n, np.int32),
                  np.zeros(0, np.int32), np.zeros(0))
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, int(highspy.HighsVarType.kInteger),
                                                                           np.uint8))
        h.addRows(len(lo), np.where(np.isinf(lo), -inf, lo), np.where(np.isinf(hi), inf, hi), len(index), starts,
                  self.col_of[index], value)
        h.run()
        if h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
            return None, ()
        x = np.asarray(h.getSolution().col_value)[self.col_of]
        chosen = tuple(np.nonzero(x > 0.5)[0].tolist())
        return math.fsum(self.values[list(chosen)].tolist()), chosen

    def same_as_project(self) -> bool:
        """Whether this is the project's model (`milp.model_arrays`), row for row."""
        m = model_arrays(self.inst, self.inst.all_rules(), self.inst.value_array)
        starts, index, value, lo, hi = self.rows()
        return (m.n_cols == len(self.values) and np.array_equal(m.upper, self.upper)
                and np.array_equal(m.starts, starts) and np.array_equal(m.index, index)
                and np.array_equal(m.value, value) and np.array_equal(m.row_lo, lo) and np.array_equal(m.row_hi, hi))


def naive_pulp_cbc(inst: Instance, time_limit: float) -> float | None:
    """The model written term by term in PuLP, solved with CBC (a plain script's way)."""
    import pulp  # noqa: PLC0415

    d = DirectModel(inst)
    lp = pulp.LpProblem("naiv", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", 0, d.upper[i], cat="Integer") for i in range(len(inst.items))]
    lp += pulp.lpSum(float(v) * xi for v, xi in zip(d.values, x, strict=True))
    starts, index, value, lo, hi = d.rows()
    ends = [*starts[1:].tolist(), len(index)]
    for k, (s, e) in enumerate(zip(starts.tolist(), ends, strict=True)):
        expr = pulp.lpSum(float(value[j]) * x[int(index[j])] for j in range(s, e))
        if lo[k] == hi[k]:
            lp += expr == float(hi[k])
        else:
            if math.isfinite(hi[k]):
                lp += expr <= float(hi[k])
            if math.isfinite(lo[k]):
                lp += expr >= float(lo[k])
    with solverlog.solver_output():
        lp.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=0.0))
    if lp.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return None
    return math.fsum(float(d.values[i]) for i in range(len(x)) if (x[i].varValue or 0) > 0.5)


def interleaved(fns: list[Callable[[], Any]], reps: int, warm: bool = True) -> list[tuple[float, Any]]:
    """The median time and last output of each function, run in turn `reps` times (after a warm-up
    round), so a noisy machine slows them alike."""
    outs: list[Any] = [fn() if warm else None for fn in fns]
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(max(1, reps)):
        for k, fn in enumerate(fns):
            t = time.perf_counter()
            outs[k] = fn()
            times[k].append(time.perf_counter() - t)
    return [(statistics.median(ts), out) for ts, out in zip(times, outs, strict=True)]


def agree(a: float | None, b: float | None, rel: float = 0.0) -> str:
    if a is None or b is None:
        return "begge uden løsning" if a is None and b is None else "IKKE samme udfald"
    if abs(a - b) <= max(1e-6, rel * abs(b)):
        return "samme målværdi"
    return f"målværdi {a:,.0f} mod {b:,.0f}".replace(",", ".")


def synthetic_figures(group: str, n: int, gap: float, reps: int) -> list[Figure]:
    """The figures of one synthetic catalogue (see the module docstring): a new scenario on a loaded
    dataset (the instance built: the goal), the same scenario again, the very first call on a fresh
    dataset, and the dataset's line table against loading the catalogue from CSV."""
    import gc  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from portfolio import linetable  # noqa: PLC0415
    from portfolio.optimiser.build import default_cache  # noqa: PLC0415

    syn = synthetic_dataset(n)
    sc = synthetic_scenario(syn, mip_gap=gap)
    inst = build_instance(syn, sc)
    direct = DirectModel(inst)
    same = "samme model" if direct.same_as_project() else "ANDEN MODEL"
    what = "bevist optimal" if gap == 0 else f"afstand højst {gap * 100:g} %".replace(".", ",")
    size = f"{n:,} forslag ({len(inst.items):,} varianter)".replace(",", ".")

    def new_scenario() -> Any:
        default_cache(syn).clear()  # the instance is built
        return optimise(syn, sc)

    (t_new, res), (t_d, (obj_d, _)), (t_warm, warm), (t_b, _) = interleaved(
        [new_scenario, lambda: direct.solve(gap, 60.0), lambda: optimise(syn, sc),
         lambda: build_instance(syn, sc, cache=None)], reps)
    gap_text = "" if res.gap is None else f", tilbageværende afstand {res.gap * 100:.3f} %".replace(".", ",")
    out = [Figure(group, f"{size}, {what}: nyt scenarie på et indlæst datasæt", t_new, "direkte highspy", t_d,
                  goal_ratio=GOAL_RATIO,
                  note=(f"{agree(res.objective, obj_d, rel=gap)}, {same}; status {res.status}{gap_text}; "
                        f"validering, instans ({t_b * 1000:.0f} ms), model, løsning og resultat"))]
    out.append(Figure(group, f"{n:,}".replace(",", ".") + " forslag: samme scenarie igen", t_warm,
                      "direkte highspy", t_d, goal_ratio=GOAL_RATIO,
                      note=f"{agree(warm.objective, obj_d, rel=gap)}; instansen fra datasættets cache"))
    # the very first call on a dataset: its line table and the instance built (fresh datasets,
    # made and collected before the clock starts, as a dataset loaded earlier)
    firsts = []
    for _ in range(reps):
        fresh = synthetic_dataset(n)
        gc.collect()
        t = time.perf_counter()
        first = optimise(fresh, sc)
        firsts.append(time.perf_counter() - t)
    out.append(Figure(group, f"{n:,}".replace(",", ".") + " forslag: første kald på et nyt datasæt",
                      statistics.median(firsts), "direkte highspy", t_d, goal_ratio=GOAL_RATIO,
                      note=f"{agree(first.objective, obj_d, rel=gap)}; datasættets linjetabel og instansen bygges"))
    # the line table, once per dataset, beside loading the same catalogue from its CSV files
    with tempfile.TemporaryDirectory() as tmp:
        write_catalogue(syn, Path(tmp))
        t = time.perf_counter()
        loaded = load_dataset(tmp)
        t_load = time.perf_counter() - t
    tables = []
    for _ in range(reps):
        loaded.memo.clear()
        t = time.perf_counter()
        linetable.table(loaded)
        tables.append(time.perf_counter() - t)
    out.append(Figure(group, f"{n:,}".replace(",", ".") + " forslag: datasættets linjetabel (én gang pr. datasæt)",
                      statistics.median(tables), "indlæsning af kataloget fra CSV", t_load,
                      note="bygges første gang datasættet optimeres; en del af at indlæse det"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    add_json_option(ap)
    args = ap.parse_args()
    figures: list[Figure] = []
    ds = load_dataset()
    reps = 10 if args.quick else 40
    group = "Optimér 2020-kataloget (22 forslag), alt inkluderet"
    for name, fields in REAL_SCENARIOS.items():
        sc = Scenario.from_json(fields)
        inst = build_instance(ds, sc)
        direct = DirectModel(inst)
        (t_p, res), (t_d, (obj_d, _)), (t_c, obj_c) = interleaved(
            [lambda sc=sc: optimise(ds, sc), lambda d=direct: d.solve(0.0, 10.0),
             lambda inst=inst: naive_pulp_cbc(inst, 10.0)], reps)
        same = "samme model" if direct.same_as_project() else "ANDEN MODEL"
        extra = "; med forklaring og reparationer" if res.explanation else ""
        figures.append(Figure(group, f"{name}", t_p, "direkte highspy", t_d,
                              note=f"{agree(res.objective, obj_d)}, {same}{extra}"))
        figures.append(Figure(group, f"{name}", t_p, "naiv PuLP + CBC", t_c, note=agree(res.objective, obj_c)))
    group = "Optimér syntetiske kataloger (puljer pr. år og i alt, risikoandel 40 %, haircut)"
    for n, gap in SYNTHETIC:
        figures += synthetic_figures(group, n, gap, 1 if args.quick else 5)
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
