"""Optimisation commands of the CLI: `python -m portfolio optimise --scenario FILE [--json]`.

Short flags override the scenario file (which is optional): --pool (total, 1.000 kr.), --max-risk,
--objective, --solver, --time-limit. A malformed scenario prints a message on stderr and exits 2;
a solved or infeasible scenario exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import fmt
from .model import DataSet
from .optimiser import CODE_LABELS, Code, Instance, OptimiserError, Result, build_instance, solve
from .scenario import OBJECTIVE_LABELS, Scenario, ScenarioError

EXIT_OK, EXIT_USAGE, EXIT_ERROR = 0, 2, 1

STATUS_TEXT = {
    "optimal": "optimal (bevist optimal)",
    "infeasible": "ingen løsning (reglerne kan ikke overholdes samtidig)",
    "time_limit": "tidsgrænsen blev nået (løsningen er ikke bevist optimal)",
}


def register_commands(sub: argparse._SubParsersAction) -> None:  # noqa: SLF001
    p = sub.add_parser("optimise", aliases=["optimize"],
                       help="choose the best portfolio for a scenario (JSON file and/or flags)")
    p.add_argument("--scenario", type=Path, default=None, help="scenario JSON file (optional)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--pool", type=float, default=None, help="the pool in total over the horizon (1.000 kr.)")
    p.add_argument("--max-risk", choices=["lav", "middel", "høj"], default=None, help="highest allowed risk")
    p.add_argument("--objective", choices=list(OBJECTIVE_LABELS), default=None, help="what to maximise")
    p.add_argument("--solver", choices=["highs", "cbc"], default=None)
    p.add_argument("--time-limit", type=float, default=None, help="seconds")


def load_scenario(path: Path | None, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read a scenario file (or the defaults) and apply flag overrides. Raises ScenarioError."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ScenarioError(f"Scenariefilen {path} findes ikke") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"Scenariefilen {path} kan ikke læses: {e}") from None
        data = Scenario.from_json(text).to_json()
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "pool_total":
            pool = data.get("pool") or {}
            data["pool"] = {"total": value, "per_year": pool.get("per_year", {})}
        else:
            data[key] = value
    return Scenario.from_json(data)


def run(args: argparse.Namespace, ds: DataSet) -> int:
    if args.command not in ("optimise", "optimize"):
        raise SystemExit(f"unknown command {args.command}")
    try:
        sc = load_scenario(args.scenario, {"pool_total": args.pool, "max_risk": args.max_risk,
                                           "objective": args.objective, "solver": args.solver,
                                           "time_limit": args.time_limit})
        inst = build_instance(ds, sc)
    except ScenarioError as e:
        print(f"Fejl i scenariet: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        res = solve(inst, solver=sc.solver, time_limit=sc.time_limit)
    except OptimiserError as e:
        print(str(e), file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        out = res.to_json()
        out["scenario"] = sc.to_json()
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_result(sc, inst, res)
    return EXIT_OK


def print_result(sc: Scenario, inst: Instance, res: Result) -> None:
    """A readable Danish report."""
    y0, y1 = sc.horizon
    print(f"Mål: {OBJECTIVE_LABELS[sc.objective]} ({', '.join(sc.catalogues)}, {y0}-{y1}, {inst.unit})")
    print(f"Status: {STATUS_TEXT[res.status]} – {res.solver.upper()}, {fmt.tal(res.solve_seconds * 1000, 1)} ms")
    if res.explanation:
        print()
        print(res.explanation)
        return
    if res.objective is None:
        print("Ingen løsning blev fundet inden for tidsgrænsen.")
        return
    print(f"Målværdi (besparelser positive): {fmt.tal(res.objective)}")
    print()
    chosen = [it for it in inst.items if (it.key, it.variant) in set(res.selected)]
    print(f"Valgte forslag ({len(chosen)}):")
    hdr = f"  {'Nøgle':<10} {'Variant':<8} {'Risiko':<7} {'Investering':>11} {'Heraf pulje':>11} {'Varig sidste år':>15} {'Netto':>10}"
    print(hdr)
    for it in chosen:
        net = sum(it.permanent) + sum(it.investment)
        print(f"  {it.key:<10} {(it.variant or ''):<8} {it.risk_name:<7} {fmt.tal(sum(it.investment)):>11} "
              f"{fmt.tal(it.pool_total):>11} {fmt.tal(it.permanent[-1]):>15} {fmt.tal(net):>10}")
    print()
    years = list(res.years)
    print(f"  {'':<18}" + "".join(f"{y:>10}" for y in years) + f"{'I alt':>11}")
    rows = [("Investering", res.investment_by_year), ("Heraf puljen", res.pool_use_by_year),
            ("Varige ændringer", res.permanent_by_year), ("Netto", res.net_by_year)]
    for label, d in rows:
        print(f"  {label:<18}" + "".join(f"{fmt.tal(d[y]):>10}" for y in years) + f"{fmt.tal(sum(d.values())):>11}")
    pool = sc.pool
    if pool is not None:
        if pool.total is not None:
            print(f"\nPuljen i alt: {fmt.tal(res.pool_use_total)} brugt af {fmt.tal(pool.total)}")
        for y, cap in sorted(pool.per_year.items()):
            print(f"Puljen i {y}: {fmt.tal(res.pool_use_by_year[y])} brugt af {fmt.tal(cap)}")
    others = [s for s in res.statuses if not s.chosen]
    if others:
        print("\nIkke valgt:")
        for s in others:
            label = CODE_LABELS[s.code] if s.code == Code.LEFT_OUT and not s.reason else s.reason
            print(f"  {s.label:<18} {label}")
    print(f"\nBeløb i {inst.unit}; besparelser er negative.")
