"""Benchmark of the what-if analyses (a script, not a test): `.venv/bin/python bench/bench_analysis.py`.

Prints, for the 2020 catalogue (22 proposals, 23 variants), median wall times of
  * the pool frontier with 50 points, and the naive loop it replaces (one `optimise` per pool:
    instance and PuLP model rebuilt, HiGHS);
  * the toggle prices of every proposal, and the naive loop (one `optimise` per proposal, with
    the current optimum known and the instance cache on);
  * the alternatives (k = 5, tolerance 2 %);
  * the simulation of 1.000 worlds with re-optimisation.
Each for a few scenarios: no pool (the default), a pool in total, and the harder per-year pool with
a risky-share cap (where the analyses fall back on the MILP). `--quick` does fewer repetitions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portfolio import fmt  # noqa: E402
from portfolio.alternatives import alternatives  # noqa: E402
from portfolio.data import load_dataset  # noqa: E402
from portfolio.frontier import pool_frontier  # noqa: E402
from portfolio.optimiser import InstanceCache, optimise  # noqa: E402
from portfolio.scenario import Scenario  # noqa: E402
from portfolio.simulation import simulate  # noqa: E402
from portfolio.toggles import toggle_prices  # noqa: E402

SCENARIOS = {
    "standard (ingen pulje)": {},
    "pulje i alt 20.000": {"pool": {"total": 20000}},
    "pulje pr. år + risikoandel": {"pool": {"total": 30000, "per_year": {"2019": 9000}}, "max_risky_share": 0.4},
    "6.000 hvert år + andel 0,5": {"pool": {"per_year": {str(y): 6000 for y in range(2019, 2025)}},
                                   "max_risky_share": 0.5},
}


def median_ms(fn: Callable[[], object], reps: int) -> tuple[float, object]:
    out = fn()  # warm up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    reps = 5 if args.quick else 21
    ds = load_dataset()
    cache = InstanceCache(ds)

    print("Puljekurve, 50 punkter (median ms)")
    print(f"  {'scenarie':<28} {'kurve':>8} {'metode':<12} {'naiv løkke':>11}  skift")
    for name, fields in SCENARIOS.items():
        sc = Scenario.from_json(fields)
        ms, fr = median_ms(lambda sc=sc: pool_frontier(ds, sc, 50, cache=cache), reps)
        per_year = {} if sc.pool is None else {str(y): a for y, a in sc.pool.per_year.items()}

        def naive(sc: Scenario = sc, fr: object = fr, per_year: dict = per_year) -> list[object]:
            return [optimise(ds, sc.replace(pool={"total": p.pool, "per_year": per_year}))
                    for p in fr.points]  # type: ignore[attr-defined]

        naive_ms, _ = median_ms(naive, max(3, reps // 4))
        print(f"  {name:<28} {ms:>8.2f} {fr.method:<12} {naive_ms:>11.1f}  {len(fr.changes())}")  # type: ignore[attr-defined]

    print("\nToggle-priser for alle 22 forslag (median ms; optimum kendt)")
    print(f"  {'scenarie':<28} {'priser':>8} {'naiv løkke':>11}  ingen løsning")
    for name, fields in SCENARIOS.items():
        sc = Scenario.from_json(fields)
        res = optimise(ds, sc, cache=cache)
        ms, prices = median_ms(lambda sc=sc, res=res: toggle_prices(ds, sc, res, cache=cache), reps)

        def naive(sc: Scenario = sc, prices: object = prices) -> list[object]:
            out = []
            for key, p in prices.items():  # type: ignore[attr-defined]
                change = ({"force_in": [*sc.force_in, key]} if p.action == "force_in"
                          else {"force_out": [*sc.force_out, key]})
                out.append(optimise(ds, sc.replace(**change), cache=cache))
            return out

        naive_ms, _ = median_ms(naive, max(3, reps // 4))
        infeasible = sum(p.status == "infeasible" for p in prices.values())  # type: ignore[attr-defined]
        print(f"  {name:<28} {ms:>8.2f} {naive_ms:>11.1f}  {infeasible}")

    print("\nAlternativer, k = 5, tolerance 2 % (median ms)")
    for name, fields in SCENARIOS.items():
        sc = Scenario.from_json(fields)
        ms, alts = median_ms(lambda sc=sc: alternatives(ds, sc, 5, 0.02, cache=cache), max(3, reps // 2))
        print(f"  {name:<28} {ms:>8.1f}  {len(alts.items)} alternativer, "  # type: ignore[attr-defined]
              f"{'entydigt' if alts.unique else 'ikke entydigt'} optimum")  # type: ignore[attr-defined]

    print("\nSimulering, 1.000 verdener med genoptimering (sekunder)")
    for name, fields in SCENARIOS.items():
        sc = Scenario.from_json(fields)
        res = optimise(ds, sc, cache=cache)
        times = []
        for seed in range(1 if args.quick else 3):
            t = time.perf_counter()
            sim = simulate(ds, sc, res.selected, n=1000, seed=seed, cache=cache)
            times.append(time.perf_counter() - t)
        print(f"  {name:<28} {statistics.median(times):>6.2f} s  (P50-besparelse {fmt.tal(sim.savings_p50)}; "
              f"{sim.worlds_not_optimal} verdener ikke bevist optimale; {sim.engine})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
