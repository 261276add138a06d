"""What every benchmark script shares: median timing, and the figure beside its anchor.

A `Figure` is one measured piece of work, its median wall time, and the anchor it is compared
with - the fastest correct alternative measured in the same run on the same machine (direct
highspy on the same model, a naive PuLP + CBC loop, the enumeration, a static page) - so the
ratio survives a noisy machine where the seconds do not. A goal, when the issue sets one, is an
upper bound on the seconds (`goal_s`) and/or on the ratio (`goal_ratio`).

Each script prints its figures with `report` and, given `--json FILE`, writes them there;
`bench/readme_table.py` runs every script that way and regenerates the README's performance
table from the files.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured figure. `seconds` and `anchor_seconds` are medians of the same run."""

    group: str            # the README row group, e.g. "Monte Carlo, 1.000 verdener"
    work: str             # what was measured, in Danish, e.g. "6.000 hvert år + andel 0,5"
    seconds: float
    anchor: str = ""      # what the anchor is, e.g. "direkte highspy"; "" for none
    anchor_seconds: float | None = None
    goal_s: float | None = None
    goal_ratio: float | None = None
    note: str = ""        # engine, counts, result check (e.g. "samme optimum")

    @property
    def ratio(self) -> float | None:
        if self.anchor_seconds is None or self.anchor_seconds <= 0:
            return None
        return self.seconds / self.anchor_seconds

    @property
    def met(self) -> bool | None:
        """Whether the goal holds; None when there is none."""
        checks = []
        if self.goal_s is not None:
            checks.append(self.seconds < self.goal_s)
        if self.goal_ratio is not None and self.ratio is not None:
            checks.append(self.ratio <= self.goal_ratio)
        return all(checks) if checks else None


def median_s(fn: Callable[[], object], reps: int, warm: bool = True) -> tuple[float, Any]:
    """The median wall time of `reps` calls of fn (after one warm-up call when `warm`), and its last output."""
    out = fn() if warm else None
    times = []
    for _ in range(max(1, reps)):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def seconds_text(s: float) -> str:
    """Danish: ms below one second, else seconds with 2 decimals."""
    if s < 1:
        return f"{s * 1000:.1f} ms".replace(".", ",")
    return f"{s:.2f} s".replace(".", ",")


def ratio_text(r: float | None) -> str:
    return "–" if r is None else f"{r:.2f}".replace(".", ",")


def goal_text(f: Figure) -> str:
    parts = []
    if f.goal_s is not None:
        parts.append(f"< {seconds_text(f.goal_s)}")
    if f.goal_ratio is not None:
        parts.append(f"≤ {ratio_text(f.goal_ratio)} × anker")
    if not parts:
        return ""
    return " og ".join(parts) + (": nået" if f.met else ": IKKE nået")


def add_json_option(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")


def report(figures: Sequence[Figure], json_path: Path | None = None) -> None:
    """Print the figures as a table (work, seconds, anchor, ratio, goal) and write them to json_path."""
    group = None
    for f in figures:
        if f.group != group:
            group = f.group
            print(f"\n{group}")
            print(f"  {'arbejde':<44} {'tid':>10}  {'anker':<28} {'anker-tid':>10} {'forhold':>8}  mål")
        anchor_s = "" if f.anchor_seconds is None else seconds_text(f.anchor_seconds)
        print(f"  {f.work:<44} {seconds_text(f.seconds):>10}  {f.anchor:<28} {anchor_s:>10} "
              f"{ratio_text(f.ratio):>8}  {goal_text(f)}" + (f"  ({f.note})" if f.note else ""))
    if json_path is not None:
        json_path.write_text(json.dumps([asdict(f) | {"ratio": f.ratio, "met": f.met} for f in figures],
                                        ensure_ascii=False, indent=1), encoding="utf-8")


def load(json_path: Path) -> list[Figure]:
    names = set(Figure.__dataclass_fields__)
    return [Figure(**{k: v for k, v in row.items() if k in names})
            for row in json.loads(json_path.read_text(encoding="utf-8"))]
