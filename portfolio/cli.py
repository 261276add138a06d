"""Command line: `python -m portfolio <command>`. Uses the same core as the dashboard.

Exit codes: 0 done (also for an infeasible scenario), 2 a usage error or a malformed scenario (a
one-line Danish message on stderr: ``Fejl i kommandolinjen: …`` or ``Fejl i scenariet: …``),
3 data that cannot be loaded (a Danish message per problem, from `portfolio.data`, which also
bounds the files it reads), 1 a solver failure. Nothing prints a traceback for bad input:
argparse's own (English) errors are translated.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import cli_commands, fmt
from .data import DataError, Problem, default_data_dir, load_dataset, shown
from .figures import variant_figures
from .model import DataSet
from .register import compute_register, register_csv
from .solverlog import add_verbose_argument, configure_logging

EXIT_OK, EXIT_USAGE, EXIT_DATA = 0, 2, 3

# argparse's English error texts, in Danish (pattern, replacement), applied in order
_USAGE_TEXT: tuple[tuple[str, str], ...] = (
    (r"invalid choice: (.*) \(choose from (.*)\)", r"ugyldigt valg: \1 (vælg mellem \2)"),
    (r"invalid \S+ value: (.*)", r"ugyldig værdi: \1"),
    (r"expected one argument", "forventede én værdi"),
    (r"expected at most one argument", "forventede højst én værdi"),
    (r"expected at least one argument", "forventede mindst én værdi"),
    (r"the following arguments are required: (.*)", r"disse argumenter mangler: \1"),
    (r"unrecognized arguments: (.*)", r"ukendte argumenter: \1"),
    (r"ambiguous option: (\S+) could match (.*)", r"tvetydigt flag: \1 kan betyde \2"),
    (r"not allowed with argument (.*)", r"kan ikke bruges sammen med \1"),
    (r"ignored explicit argument (.*)", r"uventet værdi \1"),
)


# argparse's own headings in the help text, in Danish
_HELP_TEXT: tuple[tuple[str, str], ...] = (
    ("usage: ", "brug: "),
    ("\noptions:\n", "\nflag:\n"),
    ("\npositional arguments:\n", "\nkommandoer:\n"),
    ("show this help message and exit", "vis denne hjælp og afslut"),
)


def _danish_help(text: str) -> str:
    for english, danish in _HELP_TEXT:
        text = text.replace(english, danish)
    return text


class UsageError(Exception):
    """A command line argparse refused; the message is one Danish line."""


class DanishArgumentParser(argparse.ArgumentParser):
    """argparse whose errors raise `UsageError` (one Danish line, exit 2 from `main`) instead of
    printing the usage and exiting. Sub-commands' parsers are of the same class."""

    def format_help(self) -> str:
        return _danish_help(super().format_help())

    def format_usage(self) -> str:
        return _danish_help(super().format_usage())

    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _USAGE_TEXT:
            message = re.sub(pattern, replacement, message)
        raise UsageError(shown(message, 300))


def load_data(path: Path | None) -> DataSet:
    """`load_dataset`, with a failure it does not report itself (a safety net) as a Danish DataError."""
    folder = path if path is not None else default_data_dir()
    try:
        return load_dataset(folder)
    except DataError:
        raise
    except (OSError, ValueError, csv.Error):
        raise DataError([Problem(shown(folder, 200), None, None, "data kan ikke læses")]) from None


def proposals_payload(ds: DataSet) -> dict:
    out = []
    for p in ds.proposals:
        variants = []
        for v in p.variants:
            f = variant_figures(v)
            variants.append({
                "variant": v.name,
                "investment_by_year": fmt.json_by_year(f.investment),
                "permanent_by_year": fmt.json_by_year(f.permanent),
                "net_by_year": fmt.json_by_year(f.net),
                "total_investment": f.total_investment,
                "annual_effect": f.annual_effect,
                "payback_years": f.payback,
                "service_payback_years": f.service_payback,
            })
        out.append({
            "key": p.key, "document_id": p.document_id, "title": p.title, "catalogue": p.catalogue,
            "risk": p.risk.value, "risk_explicit": p.risk_explicit, "price_level_year": p.price_level_year,
            "years": list(p.years), "unit": fmt.unit(p.price_level_year),
            "stated_payback_service_years": p.stated_payback_service,
            "stated_payback_total_years": p.stated_payback_total,
            "requires": list(ds.required_by(p.key)),
            "variants": variants,
        })
    return {"n_proposals": len(out), "proposals": out}


def _print_table(ds: DataSet) -> None:
    hdr = (f"{'Nøgle':<10} {'Variant':<8} {'Risiko':<7} {'p/l':>4}  {'Investering':>11} {'Varig/år':>9} "
           f"{'Netto':>9}  {'Tilbageb.':>9} {'Angivet':>7}  Titel   (beløb i 1.000 kr.; besparelse negativ)")
    print(hdr)
    print("-" * len(hdr))
    for p in ds.proposals:
        for v in p.variants:
            f = variant_figures(v)
            stated = p.stated_payback_service or p.stated_payback_total
            print(f"{p.key:<10} {(v.name or ''):<8} {p.risk.value:<7} {p.price_level_year:>4}  "
                  f"{fmt.tal(f.total_investment):>11} {fmt.tal(f.annual_effect):>9} {fmt.tal(f.total_net):>9}  "
                  f"{(str(f.payback) if f.payback else '–'):>9} {(str(stated) if stated else '–'):>7}  {p.title[:60]}")
    print("\nBeløb i 1.000 kr. i forslagets eget p/l; besparelser er negative. Netto = nettoeffekten over hele "
          "tabellens år; tilbagebetalingstid i år (beregnet og angivet i dokumentet).")


def main(argv: Sequence[str] | None = None) -> int:
    ap = DanishArgumentParser(prog="python -m portfolio", description="Investeringsportefølje: data og optimering")
    ap.add_argument("--data", type=Path, default=None, help=f"datamappe (standard {default_data_dir()})")
    add_verbose_argument(ap, top_level=True)
    sub = ap.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("proposals", help="vis alle forslag og varianter med deres tal pr. år")
    sp.add_argument("--json", action="store_true", help="skriv som JSON")
    add_verbose_argument(sp)
    sr = sub.add_parser("register", help="skriv det beregnede afvigelsesregister (CSV)")
    add_verbose_argument(sr)
    g = sr.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="skriv data/discrepancies.csv")
    g.add_argument("--check", action="store_true", help="afslut med 1, hvis data/discrepancies.csv ikke er opdateret")
    cli_commands.register_commands(sub)
    try:
        args = ap.parse_args(argv)
    except UsageError as e:
        print(f"Fejl i kommandolinjen: {e} (se python -m portfolio --help)", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(args.verbose)
    try:
        ds = load_data(args.data)
    except DataError as e:
        print(str(e), file=sys.stderr)
        return EXIT_DATA
    if args.command == "proposals":
        if args.json:
            json.dump(proposals_payload(ds), sys.stdout, ensure_ascii=False, indent=2)
            print()
        else:
            _print_table(ds)
        return EXIT_OK
    if args.command == "register":
        text = register_csv(compute_register(ds))
        target = (args.data or default_data_dir()) / "discrepancies.csv"
        if args.write:
            target.write_text(text, encoding="utf-8")
            print(f"Registret er skrevet: {target}", file=sys.stderr)
        elif args.check:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != text:
                print(f"{target} er ikke opdateret; kør: python -m portfolio register --write", file=sys.stderr)
                return 1
            print("Registret er opdateret.", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return EXIT_OK
    from . import cli_optimise  # noqa: PLC0415 - the optimiser is imported only for its commands

    return cli_optimise.run(args, ds)
