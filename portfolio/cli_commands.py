"""The optimiser's commands on the command line (optimise, frontier, prices, alternatives, simulate,
negotiate): their arguments only. `python -m portfolio` registers them from here without importing
the optimiser; `portfolio.cli_optimise` runs them (imported only when one of them is asked for).
"""

from __future__ import annotations

import argparse
import math
import re
from functools import partial
from pathlib import Path

from .data import shown
from .objectives import OBJECTIVE_LABELS
from .solverlog import add_verbose_argument

MAX_FRONTIER_POINTS = 1_000  # frontier --points
MAX_ALTERNATIVES = 50  # alternatives --k
MAX_WORLDS = 20_000  # simulate --n (the dashboard's largest number of worlds)
ANALYSES = ("frontier", "prices", "alternatives", "simulate")
COMMANDS = ("optimise", "optimize", *ANALYSES, "negotiate")  # the commands `cli_optimise.run` runs


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{shown(text, 30)}' er ikke et tal") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{shown(text, 30)}' er ikke et endeligt tal")
    return value


def _scenario_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", type=Path, default=None, help="scenariefil (JSON, valgfri)")
    add_verbose_argument(p)
    p.add_argument("--json", action="store_true", help="skriv resultatet som JSON (maskinlæsbart; målværdien tæller besparelser positivt)")
    p.add_argument("--pool", type=_finite, default=None, help="puljen i alt over horisonten (1.000 kr.)")
    p.add_argument("--max-risk", choices=["lav", "middel", "høj"], default=None, help="den højeste tilladte risiko")
    p.add_argument("--objective", choices=list(OBJECTIVE_LABELS), default=None, help="målet, optimeringen gør så gunstigt som muligt")
    p.add_argument("--solver", choices=["highs", "cbc"], default=None, help="løser: HiGHS (highs) eller CBC (cbc)")
    p.add_argument("--time-limit", type=_finite, default=None, help="tidsgrænse i sekunder")
    p.add_argument("--mip-gap", type=_finite, default=None,
                   help="tilladt relativ afstand til optimum, som brøk (0.05 = 5 %%; 0 = bevist optimal)")


_INTEGER = re.compile(r"\s*[+-]?[0-9]{1,30}\s*")


def _int_between(minimum: int, maximum: int | None, text: str) -> int:
    """An argparse type: an integer in [minimum, maximum] (Danish messages)."""
    if not _INTEGER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"'{shown(text, 30)}' er ikke et heltal")
    value = int(text)
    if value < minimum:
        raise argparse.ArgumentTypeError(f"skal være mindst {minimum} (fik {value})")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"må højst være {maximum} (fik {value})")
    return value


def _share(text: str) -> float:
    value = _finite(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"skal være mellem 0 og 1 (fik {value})")
    return value


def register_commands(sub: argparse._SubParsersAction) -> None:  # noqa: SLF001
    p = sub.add_parser("optimise", aliases=["optimize"],
                       help="find den bedste portefølje for et scenarie (fil og/eller flag)")
    _scenario_arguments(p)
    p.add_argument("--export", type=Path, default=None, metavar="FILE.xlsx",
                   help="skriv også resultatets Excel-projektmappe (som dashboardets eksport)")
    p = sub.add_parser("frontier", help="puljekurven: den bedste målværdi for hver pulje i alt")
    _scenario_arguments(p)
    p.add_argument("--points", type=partial(_int_between, 2, MAX_FRONTIER_POINTS), default=50,
                   help=f"antal puljer med lige stor afstand fra 0 (2 til {MAX_FRONTIER_POINTS})")
    p = sub.add_parser("prices", help="prisen for at tvinge hvert forslag med eller fra")
    _scenario_arguments(p)
    p = sub.add_parser("alternatives", help="er den bedste portefølje entydig, og de næstbedste porteføljer")
    _scenario_arguments(p)
    p.add_argument("--k", type=partial(_int_between, 0, MAX_ALTERNATIVES), default=5,
                   help=f"antal alternativer (højst {MAX_ALTERNATIVES})")
    p.add_argument("--tolerance", type=_share, default=0.02, help="største andel under den bedste målværdi (0,02 skrives 0.02)")
    p = sub.add_parser("simulate", help="simulerede realiserede besparelser for den bedste portefølje og kerneindeks")
    _scenario_arguments(p)
    p.add_argument("--n", type=partial(_int_between, 1, MAX_WORLDS), default=1000,
                   help=f"antal verdener (højst {MAX_WORLDS})")
    p.add_argument("--seed", type=partial(_int_between, 0, 2**63 - 1), default=0, help="frø (samme frø, samme verdener)")
    p = sub.add_parser("negotiate", help="forhandlingen: partiernes fælles grundlag, prisen for hvert krav og "
                                         "de mindste indrømmelser")
    p.add_argument("--positions", type=Path, required=True,
                   help='positionsfil (JSON): {"scenario": {…}, "parties": [{"name", "must", "never", '
                        '"max_pool", "savings_targets"}]}')
    p.add_argument("--json", action="store_true", help="skriv resultatet som JSON (maskinlæsbart)")
    add_verbose_argument(p)
