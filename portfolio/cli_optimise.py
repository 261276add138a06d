"""Optimisation commands of the CLI: `python -m portfolio optimise --scenario FILE [--json]`, and
the what-if analyses on the same scenario:

    frontier --scenario FILE [--points 50] [--json]         the optimum as a function of the pool in total
    prices --scenario FILE [--json]                         the price of forcing each proposal in or out
    alternatives --scenario FILE [--k 5] [--tolerance 0.02] [--json]   near-optimal portfolios
    simulate --scenario FILE [--n 1000] [--seed 0] [--json] realised savings of the optimum, core index

Short flags override the scenario file (which is optional) for every command: --pool (total,
1.000 kr.), --max-risk, --objective, --solver, --time-limit. A malformed scenario prints a
one-line Danish message on stderr and exits 2; a solved or infeasible scenario exits 0.

Limits, checked before any work (a larger value is a usage error, exit 2, with a Danish message):
`--points` at most `MAX_FRONTIER_POINTS` (1.000), `--k` at most `MAX_ALTERNATIVES` (50), `--n` at
most `MAX_WORLDS` (20.000, as in the dashboard; a world takes about 7 ms); `--pool` and
`--time-limit` must be finite. The scenario file is read up to `MAX_SCENARIO_BYTES` + 1 bytes
(a larger file, or a device such as /dev/zero, is refused) and checked as `Scenario.from_json`
describes (encoding, nesting depth, duplicate keys, non-finite numbers, the limits of the
fields); the pool's upper limit is checked against the data by `Scenario.validate_for`.

The human-readable tables (without ``--json``) state amounts in 1.000 kr., the unit of the
options (``--pool 20000``), with "1.000 kr." in every header and line that has amounts, and in
the product's sign: savings negative. The optimiser's objective (maximised, savings positive) is
shown as `fmt.shown_objective` and labelled with "besparelse negativ"; toggle prices as the change
in net effect; the Monte Carlo percentiles by their meaning (`SimulationResult.percentiles`). The
``--json`` output is the machine-readable contract and is unchanged by this: ``objective``, the
frontier's ``objective`` and the prices' ``delta`` are the maximised value, savings positive.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import fmt
from .cli_commands import ANALYSES
from .data import shown
from .model import DataSet
from .optimiser import (
    CODE_LABELS,
    SOLVER_LABELS,
    Code,
    Instance,
    OptimiserError,
    Result,
    build_instance,
    solve,
)
from .scenario import (
    MAX_SCENARIO_BYTES,
    MINIMISED_OBJECTIVES,
    OBJECTIVE_LABELS,
    Scenario,
    ScenarioError,
)

EXIT_OK, EXIT_USAGE, EXIT_ERROR = 0, 2, 1

STATUS_TEXT = {
    "optimal": "optimal (bevist optimal)",
    "infeasible": "ingen løsning (reglerne kan ikke overholdes samtidig)",
    "time_limit": "tidsgrænsen blev nået (løsningen er ikke bevist optimal)",
    "within_gap": "inden for den tilladte afstand til optimum (ikke bevist optimal)",
}


KR = "1.000 kr."  # the unit of every amount in the human-readable tables (as the options)
OBJECTIVE_TEXT = f"Målværdi ({KR}; besparelse negativ)"
MIN_POOL_TEXT = f"Målværdi: investering fra puljerne ({KR})"


def objective_text(sc: Scenario) -> str:
    """The objective's line label: savings negative, or (min_pool) the pool investment, positive."""
    return MIN_POOL_TEXT if sc.objective in MINIMISED_OBJECTIVES else OBJECTIVE_TEXT


METHOD_TEXT = {"pareto": "eksakt dynamisk programmering over puljen", "milp": "HiGHS-optimering for hver pulje",
               "enumeration": "eksakt gennemgang af de tilladte porteføljer efter puljeforbrug"}


def read_scenario_file(path: Path) -> bytes:
    """The bytes of a scenario file, at most `MAX_SCENARIO_BYTES`. Never blocks on opening (a named
    pipe without a writer reads as empty) and never reads more than one byte past the limit (a
    device such as /dev/zero is refused as too large). Raises ScenarioError in Danish."""
    where = f"Scenariefilen {shown(path, 200)}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            os.set_blocking(fd, True)
            with open(fd, "rb", closefd=False) as f:
                data = f.read(MAX_SCENARIO_BYTES + 1)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise ScenarioError(f"{where} findes ikke") from None
    except IsADirectoryError:
        raise ScenarioError(f"{where} er en mappe, ikke en fil") from None
    except NotADirectoryError:
        raise ScenarioError(f"{where} findes ikke (en del af stien er ikke en mappe)") from None
    except PermissionError:
        raise ScenarioError(f"{where} kan ikke læses: adgang nægtet") from None
    except OSError as e:
        name = errno.errorcode.get(e.errno or 0, "ukendt")
        raise ScenarioError(f"{where} kan ikke læses (systemfejl {name})") from None
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{where} er for stor: mere end {MAX_SCENARIO_BYTES} byte")
    return data


def load_scenario(path: Path | None, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read a scenario file (or the defaults) and apply flag overrides. Raises ScenarioError."""
    data: dict[str, Any] = {}
    if path is not None:
        raw = read_scenario_file(path)
        try:
            data = Scenario.from_json(raw).to_json()
        except ScenarioError as e:
            raise ScenarioError(f"Scenariefilen {shown(path, 200)}: {e}") from None
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
    if args.command == "negotiate":
        return run_negotiation(args, ds)
    if args.command not in ANALYSES and args.command not in ("optimise", "optimize"):
        raise SystemExit(f"unknown command {args.command}")
    try:
        sc = _scenario(args)
        inst = build_instance(ds, sc)
    except ScenarioError as e:
        print(f"Fejl i scenariet: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.command in ANALYSES:
        return run_analysis(args, ds, sc, inst)
    try:
        res = solve(inst, solver=sc.solver, time_limit=sc.time_limit, mip_gap=sc.mip_gap)
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
    if getattr(args, "export", None) is not None:
        if not res.solved:
            print("Ingen portefølje at eksportere (ingen løsning opfylder reglerne).", file=sys.stderr)
            return EXIT_OK
        from .export import workbook_bytes  # noqa: PLC0415 - openpyxl only when exporting
        from .toggles import toggle_prices  # noqa: PLC0415

        try:
            args.export.write_bytes(workbook_bytes(ds, sc, res, prices=toggle_prices(ds, sc, res)))
        except OSError as e:
            print(f"Kan ikke skrive {args.export}: {e}", file=sys.stderr)
            return EXIT_USAGE
        print(f"Excel-projektmappe skrevet: {args.export}", file=sys.stderr)
    return EXIT_OK


def _solver_name(solver: str) -> str:
    return SOLVER_LABELS.get(solver, solver.upper())


def _shown(maximised: float | None) -> str:
    """The objective (maximised, savings positive) in the product's sign, in 1.000 kr."""
    return fmt.tal(fmt.shown_objective(maximised))


def print_result(sc: Scenario, inst: Instance, res: Result) -> None:
    """A readable Danish report (amounts in 1.000 kr., savings negative)."""
    y0, y1 = sc.horizon
    print(f"Mål: {OBJECTIVE_LABELS[sc.objective]} ({', '.join(sc.catalogues)}, {y0}-{y1}, {inst.unit})")
    print(f"Status: {STATUS_TEXT[res.status]} – {_solver_name(res.solver)}, {fmt.tal(res.solve_seconds * 1000, 1)} ms")
    if res.explanation:
        print()
        print(res.explanation)
        return
    if res.objective is None:
        print("Ingen løsning blev fundet inden for tidsgrænsen.")
        return
    print(f"{objective_text(sc)}: {_shown(res.objective)}")
    if res.status != "optimal" and res.bound is not None and res.gap is not None:
        print(f"Afstand til optimum: højst {fmt.pct(res.gap, 2)} (tilladt: {fmt.tal_exact(100 * sc.mip_gap)} %); "
              f"bevist grænse for målværdien: {_shown(res.bound)} ({KR})")
    if res.rule_figures:
        print(f"\nRegler med beløb ({KR}; besparelse negativ):")
        for f in res.rule_figures:
            what, value = f.shown
            print(f"  {f.label}: {what} {fmt.tal(value)} (luft {fmt.tal(f.slack)})")
    print()
    chosen = [it for it in inst.items if (it.key, it.variant) in set(res.selected)]
    print(f"Valgte forslag ({len(chosen)}), beløb over horisonten i {inst.unit}:")
    hdr = (f"  {'Nøgle':<10} {'Variant':<8} {'Risiko':<7} {'Investering':>11} {'Heraf pulje':>11} "
           f"{'Varig sidste år':>15} {'Nettoeffekt':>11}  ({KR})")
    print(hdr)
    for it in chosen:
        net = sum(it.permanent) + sum(it.investment)
        print(f"  {it.key:<10} {(it.variant or ''):<8} {it.risk_name:<7} {fmt.tal(sum(it.investment)):>11} "
              f"{fmt.tal(it.pool_total):>11} {fmt.tal(it.permanent[-1]):>15} {fmt.tal(net):>11}")
    print()
    years = list(res.years)
    print(f"  {KR:<18}" + "".join(f"{y:>10}" for y in years) + f"{'I alt':>11}")
    rows = [("Investering", res.investment_by_year), ("Heraf puljen", res.pool_use_by_year),
            ("Varige ændringer", res.permanent_by_year), ("Nettoeffekt", res.net_by_year)]
    for label, d in rows:
        print(f"  {label:<18}" + "".join(f"{fmt.tal(d[y]):>10}" for y in years) + f"{fmt.tal(sum(d.values())):>11}")
    pool = sc.pool
    if pool is not None:
        if pool.total is not None:
            print(f"\nPuljen i alt: {fmt.tal(res.pool_use_total)} brugt af {fmt.tal(pool.total)} ({KR})")
        for y, cap in sorted(pool.per_year.items()):
            print(f"Puljen i {y}: {fmt.tal(res.pool_use_by_year[y])} brugt af {fmt.tal(cap)} ({KR})")
    others = [s for s in res.statuses if not s.chosen]
    if others:
        print("\nIkke valgt:")
        for s in others:
            label = CODE_LABELS[s.code] if s.code == Code.LEFT_OUT and not s.reason else s.reason
            print(f"  {s.label:<18} {label}")
    print(f"\nBeløb i {inst.unit}; besparelser er negative, udgifter og investeringer positive.")


# --------------------------------------------------------------------------------------------
# The what-if analyses
# --------------------------------------------------------------------------------------------


def _scenario(args: argparse.Namespace) -> Scenario:
    return load_scenario(args.scenario, {"pool_total": args.pool, "max_risk": args.max_risk,
                                         "objective": args.objective, "solver": args.solver,
                                         "time_limit": args.time_limit,
                                         "mip_gap": getattr(args, "mip_gap", None)})


def _pairs(selected: tuple[tuple[str, str | None], ...]) -> list[dict[str, str | None]]:
    return [{"key": k, "variant": v} for k, v in selected]


def run_analysis(args: argparse.Namespace, ds: DataSet, sc: Scenario, inst: Instance) -> int:
    """frontier, prices, alternatives and simulate on a loaded scenario (same exit codes as optimise)."""
    from .alternatives import alternatives  # noqa: PLC0415
    from .frontier import pool_frontier  # noqa: PLC0415
    from .simulation import simulate  # noqa: PLC0415
    from .toggles import toggle_prices  # noqa: PLC0415

    # the objective as JSON reports it: savings positive, or for min_pool the pool investment itself
    # (positive); a change (a toggle's delta) in the same sense
    rep = inst.objective.reported

    def rep_delta(d: float | None) -> float | None:
        return None if d is None else (-d if inst.objective.minimised else d)

    try:
        if args.command == "frontier":
            fr = pool_frontier(ds, sc, args.points)
            out: dict[str, Any] = {
                "pool_max": fmt.json_number(fr.pool_max), "unit": fr.unit,
                "points": [{"pool": fmt.json_number(p.pool), "objective": fmt.json_number(rep(p.objective)), "status": p.status,
                            "selected": _pairs(p.selected), "entered": list(p.entered), "left": list(p.left)}
                           for p in fr.points],
                "current_pool": fmt.json_number(fr.current_pool), "method": fr.method, "seconds": round(fr.seconds, 6)}
            printer = lambda: _print_frontier(sc, fr)  # noqa: E731
        elif args.command == "prices":
            res = solve(inst, solver=sc.solver, time_limit=sc.time_limit)
            prices = toggle_prices(ds, sc, res)
            out = {"objective": fmt.json_number(res.reported_objective),
                   "prices": [{"key": t.key, "action": t.action, "delta": fmt.json_number(rep_delta(t.delta)),
                               "objective_after": fmt.json_number(rep(t.objective_after)), "status": t.status,
                               "explanation": t.explanation, "selected_after": _pairs(t.selected_after)}
                              for t in prices.values()],
                   "status": res.status, "unit": inst.unit, "explanation": res.explanation}
            printer = lambda: _print_prices(sc, inst, res, prices)  # noqa: E731
        elif args.command == "alternatives":
            alts = alternatives(ds, sc, args.k, args.tolerance)
            out = {"optimum": fmt.json_number(rep(alts.optimum)), "unique": alts.unique, "tolerance": alts.tolerance,
                   "status": alts.status, "selected": _pairs(alts.selected), "unit": inst.unit,
                   "items": [{"rank": a.rank, "objective": fmt.json_number(rep(a.objective)), "gap": fmt.json_number(a.gap),
                              "gap_share": round(a.gap_share, 9), "selected": _pairs(a.selected),
                              "added": list(a.added), "removed": list(a.removed), "force_in": list(a.force_in),
                              "force_out": list(a.force_out), "variants": dict(a.variants)}
                             for a in alts.items]}
            printer = lambda: _print_alternatives(sc, inst, alts)  # noqa: E731
        else:
            res = solve(inst, solver=sc.solver, time_limit=sc.time_limit)
            if res.objective is None:
                out = {"status": res.status, "explanation": res.explanation, "n": args.n, "seed": args.seed}
                printer = lambda: print(res.explanation or STATUS_TEXT[res.status])  # noqa: E731
            else:
                sim = simulate(ds, sc, res.selected, n=args.n, seed=args.seed)
                out = {"status": res.status, "n": sim.n, "seed": sim.seed, "unit": inst.unit,
                       "selected": _pairs(res.selected),
                       "deterministic_net": fmt.json_number(sim.deterministic_net),
                       "p10": sim.p10, "p50": sim.p50, "p90": sim.p90,
                       "savings_p10": sim.savings_p10, "savings_p50": sim.savings_p50,
                       "savings_p90": sim.savings_p90, "prob_repaid": sim.prob_repaid,
                       "core_index": sim.core_index, "worlds_not_optimal": sim.worlds_not_optimal,
                       "spreads": {k: {"mean": v.mean, "spread": v.spread} for k, v in sim.spreads.items()},
                       "seconds": round(sim.seconds, 6), "net": list(sim.net)}
                printer = lambda: _print_simulation(sc, inst, res, sim)  # noqa: E731
    except OptimiserError as e:
        print(str(e), file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        out["scenario"] = sc.to_json()
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        printer()
    return EXIT_OK


def _head(sc: Scenario, inst: Instance, title: str) -> None:
    y0, y1 = sc.horizon
    print(f"{title} – mål: {OBJECTIVE_LABELS[sc.objective]} ({', '.join(sc.catalogues)}, {y0}-{y1}, {inst.unit})")


STATUS_SHORT = {"optimal": "optimal", "infeasible": "ingen løsning", "time_limit": "tidsgrænse",
                "within_gap": "inden for afstand"}
ACTION_TEXT = {"force_in": "tving med", "force_out": "tving fra", "release": "fjern tvang"}


def _print_frontier(sc: Scenario, fr: Any) -> None:
    y0, y1 = sc.horizon
    print(f"Puljekurve – mål: {OBJECTIVE_LABELS[sc.objective]} ({', '.join(sc.catalogues)}, {y0}-{y1}, {fr.unit})")
    cur = "ingen" if fr.current_pool is None else f"{fmt.tal(fr.current_pool)} ({KR})"
    print(f"Puljen fra 0 til {fmt.tal(fr.pool_max)} ({KR}; puljen, der giver plads til alle tilladte forslag); "
          f"scenariets pulje i alt: {cur}. Metode: {METHOD_TEXT.get(fr.method, 'eksakt optimering')}, "
          f"{fmt.tal(fr.seconds * 1000, 1)} ms")
    print()
    print(f"  {'Pulje':>10} {'Målværdi':>12} {'Status':<14} Ændring   (beløb i {KR}; målværdi: besparelse negativ)")
    for p in fr.points:
        change = ", ".join([f"+{x}" for x in p.entered] + [f"-{x}" for x in p.left])
        print(f"  {fmt.tal(p.pool):>10} {_shown(p.objective):>12} {STATUS_SHORT[p.status]:<14} {change}")
    print(f"\nBeløb i {fr.unit}; målværdien vises som nettoeffekt: besparelse negativ. + kommer med, - går ud "
          "i forhold til den forrige pulje.")


def _print_prices(sc: Scenario, inst: Instance, res: Result, prices: dict[str, Any]) -> None:
    _head(sc, inst, "Prisen for at tvinge hvert forslag")
    print(f"Målværdi nu ({KR}; besparelse negativ): {_shown(res.objective)} ({STATUS_TEXT[res.status]})")
    print()
    print(f"  {'Forslag':<10} {'Handling':<12} {'Ændring i nettoeffekt':>22} {'Målværdi efter':>15}  Status"
          f"   (beløb i {KR})")
    for t in prices.values():
        print(f"  {t.key:<10} {ACTION_TEXT[t.action]:<12} {_shown(t.delta):>22} {_shown(t.objective_after):>15}  "
              f"{STATUS_SHORT[t.status]}")
    for t in prices.values():
        if t.explanation:
            print(f"\n{t.key} ({ACTION_TEXT[t.action]}): {t.explanation}")
    print(f"\nBeløb i {inst.unit}; besparelse negativ. Ændring i nettoeffekt = målværdi efter - målværdi nu "
          "(positiv: skiftet koster besparelse; negativ: større besparelse).")


def _print_alternatives(sc: Scenario, inst: Instance, alts: Any) -> None:
    _head(sc, inst, "Næstbedste porteføljer")
    if alts.optimum is None:
        print("Ingen portefølje overholder reglerne." if alts.status == "infeasible"
              else "Tidsgrænsen blev nået, før en løsning blev fundet.")
        return
    print(f"Den bedste portefølje, målværdi ({KR}; besparelse negativ): {_shown(alts.optimum)} – "
          f"{'entydig' if alts.unique else 'ikke entydig (en anden portefølje er lige så god)'}")
    print(f"Alternativer inden for {fmt.pct(alts.tolerance, 1)} af den bedste: {len(alts.items)}")
    for a in alts.items:
        print(f"\n  {a.rank}. {objective_text(sc)}: {_shown(a.objective)} – besparelsen er {fmt.tal(a.gap)} ({KR}) "
              f"mindre end den bedstes ({fmt.pct(a.gap_share, 2)})")
        print(f"     Med: {', '.join(a.added) or '–'}   Ud: {', '.join(a.removed) or '–'}")
        pins = ", ".join(f"{k}: {v}" for k, v in a.variants.items())
        print(f"     Vælg den ved at tvinge med: {', '.join(a.force_in) or '–'}; tvinge fra: "
              f"{', '.join(a.force_out) or '–'}" + (f"; varianter: {pins}" if pins else ""))
    print(f"\nBeløb i {inst.unit}; besparelse negativ.")


def _print_simulation(sc: Scenario, inst: Instance, res: Result, sim: Any) -> None:
    _head(sc, inst, "Simulering af realiserede besparelser")
    print(f"{fmt.tal(sim.n)} verdener, frø {sim.seed}, {fmt.tal(sim.seconds, 2)} s. Realiseret andel af "
          "besparelserne pr. risiko (middel / spredning): "
          + "; ".join(f"{k} {fmt.tal(v.mean, 2)} / {fmt.tal(v.spread, 2)}" for k, v in sim.spreads.items()))
    print()
    rows = [("Efter dokumenterne", sim.deterministic_net), *sim.percentiles()]
    width = max(len(name) for name, _ in rows)
    print(f"Nettoeffekt over horisonten ({KR}; besparelse negativ), den optimale portefølje med "
          f"{len(res.selected)} forslag:")
    for name, value in rows:
        print(f"  {name:<{width}}  {fmt.tal(value):>10}")
    print(f"  {'Tilbagebetalt inden for horisonten':<{width}}  {fmt.pct(sim.prob_repaid, 1):>10} af verdenerne")
    if sim.core_index:
        print("\nKerneindeks (andel af verdenerne, hvor forslaget er i den optimale portefølje):")
        chosen = {k for k, _ in res.selected}
        for key, share in sorted(sim.core_index.items(), key=lambda kv: (-kv[1], kv[0])):
            mark = "valgt" if key in chosen else ""
            print(f"  {key:<10} {fmt.pct(share, 1):>8}  {mark}")
    if sim.worlds_not_optimal:
        print(f"\n{sim.worlds_not_optimal} verdener blev ikke løst til bevist optimum.")
    print(f"\nBeløb i {inst.unit}; besparelse negativ.")


# --------------------------------------------------------------------------------------------
# The negotiation
# --------------------------------------------------------------------------------------------


def run_negotiation(args: argparse.Namespace, ds: DataSet) -> int:
    """``negotiate --positions FILE``: the common ground, the prices of the demands and parties, and
    the concessions (same exit codes as optimise)."""
    from .negotiation import negotiate, positions_scenario  # noqa: PLC0415
    from .scenario import decode_scenario, parse_scenario_text  # noqa: PLC0415

    try:
        raw = read_scenario_file(args.positions)
        try:
            sc = positions_scenario(parse_scenario_text(decode_scenario(raw)))
        except ScenarioError as e:
            raise ScenarioError(f"Positionsfilen {shown(args.positions, 200)}: {e}") from None
        build_instance(ds, sc)  # checks the scenario and the parties against the data
    except ScenarioError as e:
        print(f"Fejl i scenariet: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        neg = negotiate(ds, sc)
    except OptimiserError as e:
        print(str(e), file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        out = neg.to_json()
        out["scenario"] = sc.to_json()
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_OK
    res = neg.result
    minimised = sc.objective in MINIMISED_OBJECTIVES
    n = len(neg.parties)
    print(f"Forhandling: {n} {'parti' if n == 1 else 'partier'} – mål: {OBJECTIVE_LABELS[sc.objective]} ({neg.unit})")
    print(f"Fælles grundlag: {STATUS_TEXT[res.status]}")
    if res.objective is not None:
        print(f"{objective_text(sc)}: {_shown(res.objective)}")
        print("Valgte forslag: " + ", ".join(k if v is None else f"{k} ({v})" for k, v in res.selected))
    elif res.explanation:
        print(res.explanation)

    def price(delta: float | None) -> str:
        # the product's sign: the change in net effect (savings negative), or in the pool investment
        return "–" if delta is None else fmt.tal(delta if minimised else fmt.shown_objective(delta))

    what = ("ændring i investeringen fra puljerne" if minimised
            else "ændring i nettoeffekten; negativ = større besparelse")
    print(f"\nPrisen for hvert krav, hvis det droppes ({KR}; {what}):")
    for d in neg.price_of_demand:
        print(f"  {d.party:<12} {d.label:<72} {price(d.delta):>10}")
    print(f"\nPrisen for hvert parti, hvis alle dets krav droppes ({KR}; {what}):")
    for name, v in neg.price_of_party.items():
        print(f"  {name:<12} {price(v):>10}")
    if neg.concessions:
        print("\nIndrømmelser, der er afprøvet og giver en aftale:")
        for n, c in enumerate(neg.concessions, start=1):
            print(f"  {n}) {c.text} (målværdi {_shown(-c.objective if sc.objective in MINIMISED_OBJECTIVES else c.objective)})")
        print(neg.summary)
    return EXIT_OK
