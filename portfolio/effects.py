"""Per-udvalg effects of a set of proposal variants: måltal, bevilling, overførsler, investments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .flows import Flows
from .model import Block, Styring

MEASURES = ("maaltal", "bevilling_service", "overfoersler", "efterspoergsel", "investering")
MEASURE_LABELS = {
    "maaltal": "Måltalseffekt (service)",
    "bevilling_service": "Bevillingsmæssig effekt, service",
    "overfoersler": "Overførsler",
    "efterspoergsel": "Efterspørgselsstyret",
    "investering": "Investeringer",
}


@dataclass(frozen=True)
class UdvalgEffects:
    years: tuple[int, ...]
    values: dict[str, dict[str, dict[int, float]]]  # measure -> udvalg -> year -> amount

    def table(self, measure: str) -> dict[str, dict[int, float]]:
        return self.values.get(measure, {})

    def udvalg(self) -> tuple[str, ...]:
        names = {u for m in self.values.values() for u in m}
        return tuple(sorted(names))

    def total(self, measure: str) -> dict[int, float]:
        out = dict.fromkeys(self.years, 0.0)
        for per_year in self.table(measure).values():
            for y, a in per_year.items():
                out[y] += a
        return out


def _measure_keys(block: Block, styring: Styring) -> tuple[tuple[str, bool], ...]:
    """Which measures a line contributes to; the bool says whether it is keyed by bevilling-udvalg."""
    if block == Block.IMPL:
        return (("investering", False),)
    if styring == Styring.SERVICE:
        return (("maaltal", False), ("bevilling_service", True))
    if styring == Styring.OVERFORSLER:
        return (("overfoersler", True),)
    if styring == Styring.EFTERSPOERGSEL:
        return (("efterspoergsel", True),)
    return ()  # permanent Anlæg changes have no måltal effect


def udvalg_effects(flows: Iterable[Flows], years: tuple[int, ...] | None = None) -> UdvalgEffects:
    flows = list(flows)
    if years is None:
        years = tuple(sorted({y for f in flows for y in f.years}))
    values: dict[str, dict[str, dict[int, float]]] = {m: defaultdict(lambda: dict.fromkeys(years, 0.0))
                                                      for m in MEASURES}
    for f in flows:
        for fl in f.lines:
            ln = fl.line
            for measure, by_bevilling in _measure_keys(ln.block, ln.styring):
                u = ln.bevilling if by_bevilling else ln.udvalg
                row = values[measure][u]
                for y, a in fl.amounts.items():
                    if y in row:
                        row[y] += a
    return UdvalgEffects(years, {m: dict(v) for m, v in values.items() if v})
