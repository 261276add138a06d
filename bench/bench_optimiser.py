"""Benchmark of the optimiser (a script, not a test): `.venv/bin/python bench/bench_optimiser.py`.

Prints the median wall time of `optimise(ds, scenario)` - instance build, PuLP model build and
solve included - for the 2020 catalogue with each solver (with and without the instance cache),
and for synthetic catalogues of 1.000 and 5.000 proposals with 6-year pools. Runs in about a
minute; `--quick` does fewer repetitions.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
from portfolio.optimiser import InstanceCache, Result, available_solvers, build_instance, optimise  # noqa: E402
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


def median_ms(fn: Callable[[], object], reps: int) -> tuple[float, object]:
    fn()  # warm up
    times = []
    out = None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, out


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


def synthetic_scenario(ds: DataSet, solver: str) -> Scenario:
    inst = build_instance(ds, Scenario.from_json({"catalogues": ["SYN"]}))
    need = [sum(it.pool_investment[n] for it in inst.items) for n in range(len(YEARS))]
    return Scenario.from_json({
        "catalogues": ["SYN"], "solver": solver, "time_limit": 60,
        "pool": {"total": round(0.3 * sum(need)), "per_year": {str(y): round(0.35 * need[n]) for n, y in enumerate(YEARS)}},
        "max_risky_share": 0.4, "risk_haircut": {"middel": 0.25, "høj": 0.5},
    })


def describe(res: Result) -> str:
    obj = "–" if res.objective is None else f"{res.objective:,.0f}".replace(",", ".")
    return f"{res.status:<10} mål {obj:>12}, {len(res.selected)} valgt"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    solvers = available_solvers()
    reps_real = {"highs": 15 if args.quick else 60, "cbc": 5 if args.quick else 20}
    ds = load_dataset()
    print(f"Solvers: {', '.join(solvers)}")
    print("\nKK2020 (22 forslag, 23 varianter): median ms pr. optimise(), alt inkluderet")
    print(f"  {'scenarie':<30} {'solver':<6} {'uden cache':>11} {'med cache':>10}  resultat")
    for name, fields in REAL_SCENARIOS.items():
        for solver in solvers:
            sc = Scenario.from_json(fields | {"solver": solver})
            cache = InstanceCache(ds)
            cold, _ = median_ms(lambda sc=sc: optimise(ds, sc), reps_real[solver])
            warm, res = median_ms(lambda sc=sc, cache=cache: optimise(ds, sc, cache=cache), reps_real[solver])
            print(f"  {name:<30} {solver:<6} {cold:>11.2f} {warm:>10.2f}  {describe(res)}")  # type: ignore[arg-type]
    print("\nSyntetiske kataloger, 6-årig pulje (i alt + hvert år), risikoandel 40 %, haircut; median ms")
    for n, reps in ((1000, 3 if args.quick else 5), (5000, 1 if args.quick else 3)):
        t = time.perf_counter()
        syn = synthetic_dataset(n)
        gen = (time.perf_counter() - t) * 1000
        for solver in solvers:
            sc = synthetic_scenario(syn, solver)
            t = time.perf_counter()
            build_instance(syn, sc)
            build = (time.perf_counter() - t) * 1000
            total, res = median_ms(lambda sc=sc, syn=syn: optimise(syn, sc), reps)
            n_items = sum(len(p.variants) for p in syn.proposals)
            print(f"  {n:>5} forslag ({n_items} varianter) {solver:<6} {total:>10.1f} ms  "
                  f"(heraf instans {build:.0f} ms; data genereret på {gen:.0f} ms)  {describe(res)}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
