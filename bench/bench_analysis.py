"""Benchmark of the what-if analyses (a script, not a test): `.venv/bin/python bench/bench_analysis.py`.

For the 2020 catalogue (22 proposals, 23 variants) and one scenario per family of rules (no pool,
a pool in total, the issue's per-year pools of 6.000 with a risky share of 0,5, a pool in total
and in 2019 with a risky share, a savings target, the parties' demands, the investeringsmodel's
rules, the user's forces), each figure beside its anchor measured in the same run:

  * Monte Carlo, 1.000 and 10.000 worlds with re-optimisation: the chosen exact engine
    (`optimiser.enumeration`: separable, two lists or the listed portfolios) against the MILP
    engine (one reusable HiGHS model solved per world; for 10.000 worlds its 1.000 worlds × 10);
    whether both give the same optimum in every world;
  * toggle prices of every proposal with the optimum known (as the dashboard asks; an infeasible
    toggle's explanation is computed when read, measured apart): `toggle_prices` against the
    Pareto programme + per-toggle MILP (`engine="solve"`), and the naive loop of one `optimise`
    per proposal in the note;
  * alternatives (k = 5, tolerance 2 %): the enumeration against the MILP with no-good cuts;
  * the pool frontier (50 points and the breakpoints): `pool_frontier` against the reusable MILP.

Goals (issue 13): Monte Carlo 1.000 worlds < 1 s and 10.000 worlds < 5 s, toggle prices < 50 ms.
`--quick` does fewer repetitions; `--json FILE` writes the figures (bench/common.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.common import Figure, add_json_option, median_s, report  # noqa: E402
from portfolio.alternatives import alternatives_of  # noqa: E402
from portfolio.data import load_dataset  # noqa: E402
from portfolio.frontier import frontier_breakpoints, frontier_points, pool_frontier, pool_max_of  # noqa: E402
from portfolio.optimiser import InstanceCache, RawSolution, build_instance, optimise  # noqa: E402
from portfolio.optimiser.enumeration import engine_for  # noqa: E402
from portfolio.scenario import Scenario  # noqa: E402
from portfolio.simulation import simulate  # noqa: E402
from portfolio.toggles import prices_of, toggle_prices  # noqa: E402

SCENARIOS = {
    "ingen pulje": {},
    "pulje i alt 20.000": {"pool": {"total": 20000}},
    "6.000 hvert år + andel 0,5 (issuet)": {"pool": {"per_year": {str(y): 6000 for y in range(2019, 2025)}},
                                            "max_risky_share": 0.5},
    "pulje i alt og i 2019 + andel 0,4": {"pool": {"total": 30000, "per_year": {"2019": 9000}}, "max_risky_share": 0.4},
    "besparelseskrav, billigste vej": {"objective": "min_pool",
                                       "savings_targets": [{"year": 2021, "min": 20000, "measure": "varig"}]},
    "partiernes krav": {"parties": [{"name": "A", "must": ["BU01"], "max_pool": 25000},
                                    {"name": "B", "never": ["TV01"], "savings_targets": [
                                        {"year": 2022, "min": 30000, "measure": "varig"}]}]},
    "investeringsmodellen": {"pools": [{"name": "drift", "covers": ["Service"], "total": 12000,
                                        "per_year": {"2020": 5000}}, {"name": "anlæg", "covers": ["Anlæg"], "total": 3000}],
                             "savings_targets": [{"year": 2021, "min": 20000, "udvalg": "Socialudvalget"}],
                             "no_maaltal_increase": True, "self_financing_by": 2021},
    "tvang, risiko og variant": {"pool": {"total": 25000}, "force_in": ["BU02", "HA08"], "force_out": ["SI05", "HA03"],
                                 "max_risk": "middel"},
}
ENGINE_TEXT = {"separable": "motor: hvert forslag for sig", "two_lists": "motor: to lister (meet in the middle)",
               "enumeration": "motor: alle tilladte porteføljer", "milp": "motor: MILP pr. verden"}
MC_GROUP = "Monte Carlo, 1.000 verdener med genoptimering"
MC10_GROUP = "Monte Carlo, 10.000 verdener med genoptimering"
TOGGLE_GROUP = "Toggle-priser, alle 22 forslag (optimum kendt)"
ALT_GROUP = "Alternativer, k = 5, tolerance 2 %"
FRONTIER_GROUP = "Puljekurve, 50 punkter og knækpunkter"


def agree(a: list[float | None], b: list[float | None]) -> int:
    """How many worlds' optima differ by more than 1e-6 (relative to their size)."""
    return sum(1 for x, y in zip(a, b, strict=True)
               if (x is None) != (y is None) or (x is not None and y is not None
                                                 and abs(x - y) > 1e-6 * max(1.0, abs(y))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    add_json_option(ap)
    args = ap.parse_args()
    reps = 3 if args.quick else 11
    ds = load_dataset()
    cache = InstanceCache(ds)
    figures: list[Figure] = []
    for name, fields in SCENARIOS.items():
        sc = Scenario.from_json(fields)
        inst = build_instance(ds, sc, cache)
        res = optimise(ds, sc, cache=cache)
        eng = engine_for(inst)
        count = "–" if eng is None else f"{eng.count:,}".replace(",", ".")
        print(f"{name}: {count} tilladte porteføljer", file=sys.stderr, flush=True)

        # --- Monte Carlo ---------------------------------------------------------------------------
        fast_s, fast = median_s(lambda sc=sc, res=res: simulate(ds, sc, res.selected, n=1000, seed=1, cache=cache),
                                reps)
        milp_s, milp = median_s(lambda sc=sc, res=res: simulate(ds, sc, res.selected, n=1000, seed=1, cache=cache,
                                                                engine="milp"), 1, warm=False)
        off = agree(list(fast.world_optima), list(milp.world_optima))
        same = "motorerne enige i alle verdener" if off == 0 else f"UENIGE i {off} verdener"
        note = f"{ENGINE_TEXT[fast.method]}; {count} tilladte porteføljer; {same}"
        figures.append(Figure(MC_GROUP, name, fast_s, "MILP-motoren", milp_s, goal_s=1.0, note=note))
        ten_s, ten = median_s(lambda sc=sc, res=res: simulate(ds, sc, res.selected, n=10_000, seed=1, cache=cache),
                              max(1, reps // 3))
        figures.append(Figure(MC10_GROUP, name, ten_s, "MILP-motoren, 1.000 verdener × 10", 10 * milp_s, goal_s=5.0,
                              note=f"{ENGINE_TEXT[ten.method]}; {ten.worlds_not_optimal} verdener ikke bevist optimale"))

        # --- toggle prices -------------------------------------------------------------------------
        tog_s, prices = median_s(lambda sc=sc, res=res: toggle_prices(ds, sc, res, cache=cache), reps)
        now = None if res.objective is None else tuple(
            i for i, it in enumerate(inst.items) if (it.key, it.variant) in set(res.selected))
        raw = RawSolution(res.status, now, res.solver, 0.0)
        slow_s, slow = median_s(lambda inst=inst, raw=raw: prices_of(inst, raw, engine="solve"), max(1, reps // 2))
        bad = [k for k, p in prices.items() if p.status != slow[k].status or (
            p.delta is not None and abs(p.delta - (slow[k].delta or 0.0)) > 1e-6 * max(1.0, abs(p.delta)))]

        def naive(sc: Scenario = sc, prices: dict = prices) -> None:
            for key, p in prices.items():
                if p.action == "release":
                    change = {"force_in": [k for k in sc.force_in if k != key],
                              "force_out": [k for k in sc.force_out if k != key]}
                elif p.action == "force_in":
                    change = {"force_in": [*sc.force_in, key]}
                else:
                    change = {"force_out": [*sc.force_out, key]}
                optimise(ds, sc.replace(**change), cache=cache, explain=False)

        naive_s, _ = median_s(naive, 1)
        infeasible = [k for k, p in prices.items() if p.status == "infeasible"]
        t0 = time.perf_counter()
        for k in infeasible:
            _ = prices[k].explanation
        explain_s = time.perf_counter() - t0
        figures.append(Figure(
            TOGGLE_GROUP, name, tog_s, "Pareto + MILP pr. skift", slow_s, goal_s=0.05,
            note=(f"naiv løkke (optimise pr. forslag, PuLP + HiGHS) {naive_s * 1000:.0f} ms; "
                  + ("motorerne enige" if not bad else f"UENIGE om {', '.join(bad)}")
                  + (f"; {len(infeasible)} umulige, forklaringen læses ved behov ({explain_s * 1000:.0f} ms)"
                     if infeasible else ""))))

        # --- alternatives --------------------------------------------------------------------------
        alt_s, alts = median_s(lambda inst=inst: alternatives_of(inst, 5, 0.02), reps)
        alt_m_s, alts_m = median_s(lambda inst=inst: alternatives_of(inst, 5, 0.02, engine="milp"), max(1, reps // 3))
        same_alts = np.allclose([a.objective for a in alts.items], [a.objective for a in alts_m.items], atol=1e-6) \
            and len(alts.items) == len(alts_m.items) and alts.unique == alts_m.unique
        figures.append(Figure(ALT_GROUP, name, alt_s, "MILP med no-good-snit", alt_m_s,
                              note=f"{len(alts.items)} alternativer; "
                                   + ("samme målværdier" if same_alts else "UENIGE")))

        # --- the pool frontier ---------------------------------------------------------------------
        fr_s, fr = median_s(lambda sc=sc: pool_frontier(ds, sc, 50, cache=cache, breakpoints=True), reps)
        top = pool_max_of(inst)
        grid = [float(x) for x in np.linspace(0.0, top, 50)]

        def milp_frontier(inst=inst, grid=grid, top=top):  # noqa: ANN001, ANN202
            return frontier_points(inst, grid, method="milp"), frontier_breakpoints(inst, top, method="milp")

        frm_s, ((pts_m, _), (bps_m, _, _)) = median_s(milp_frontier, 1, warm=False)
        same_fr = all((a.objective is None) == (b.objective is None) and (
            a.objective is None or abs(a.objective - b.objective) <= 1e-6 * max(1.0, abs(b.objective)))
            for a, b in zip(fr.points, pts_m, strict=True)) and [round(p.pool, 6) for p in fr.breakpoints] == [
            round(p.pool, 6) for p in bps_m]
        figures.append(Figure(FRONTIER_GROUP, name, fr_s, "MILP-motoren", frm_s,
                              note=f"metode {fr.method} / knækpunkter {fr.breakpoint_method}; "
                                   + ("samme kurve og knækpunkter" if same_fr else "UENIGE")))
    order = [MC_GROUP, MC10_GROUP, TOGGLE_GROUP, ALT_GROUP, FRONTIER_GROUP]
    figures.sort(key=lambda f: order.index(f.group))
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
