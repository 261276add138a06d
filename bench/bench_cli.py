"""Benchmark of the command line's start (a script, not a test): `.venv/bin/python bench/bench_cli.py [--json FILE]`.

The wall time of a whole `python -m portfolio …` process, median of N runs, interleaved with its
anchor: a plain PuLP script in a fresh interpreter that imports PuLP, builds a one-variable model
and solves it with HiGHS, the least a PuLP-based tool can start with. The data commands
(`proposals --json`) import neither PuLP nor HiGHS, the optimiser's commands import them when
they run (`portfolio/cli.py`).

Both run as on a user's machine, with Python's bytecode cache: this machine's environment sets
`PYTHONDONTWRITEBYTECODE=1`, under which every project module is compiled from source at every
start (about 0,09 s for `optimise`), while the anchor imports only installed packages, whose
bytecode is cached. The bench removes that variable for its processes (the cache is written into
`__pycache__/`, which git ignores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import Figure, add_json_option, report  # noqa: E402

PLAIN_PULP = ("import pulp\n"
              "p = pulp.LpProblem('a', pulp.LpMaximize)\n"
              "x = pulp.LpVariable('x', cat='Binary')\n"
              "p += x\n"
              "p.solve(pulp.HiGHS(msg=False))\n"
              "print(pulp.value(p.objective))\n")
COMMANDS = {
    "proposals --json (alle forslag og varianter)": ["proposals", "--json"],
    "optimise --json (standardscenariet, pulje 20.000)": ["optimise", "--pool", "20000", "--json"],
}


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=7, help="runs per command")
    add_json_option(ap)
    args = ap.parse_args()
    anchor_cmd = [sys.executable, "-c", PLAIN_PULP]
    wall(anchor_cmd)  # the file cache warmed for both
    figures = []
    for name, argv in COMMANDS.items():
        cmd = [sys.executable, "-m", "portfolio", *argv]
        wall(cmd)
        mine, anchor = [], []
        for _ in range(args.n):
            mine.append(wall(cmd))
            anchor.append(wall(anchor_cmd))
        figures.append(Figure("Kommandolinjen: hele processen", f"python -m portfolio {name}",
                              statistics.median(mine), "et rent PuLP-script (import, model, HiGHS)",
                              statistics.median(anchor), note=f"{args.n} kørsler hver, skiftevis, med Pythons bytekode-cache"))
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
